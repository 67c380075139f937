//! Contacts: the customers. One contact across channels; each way it is
//! known (email, phone, widget visitor, ...) is an identity attached to it.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_core::model::{Contact, Identity};
use kefu_core::page::{Page, clamp_limit};
use kefu_core::store::PageRequest;
use kefu_core::{AccountId, ContactId, CoreError, Timestamp, validate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, AuthErrors, BodyErrors, Conflict, NotFound};
use crate::app::AppState;
use crate::auth::Agent;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Matches name, email or phone.
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// Contacts, newest first
#[utoipa::path(
    get,
    path = "/api/v1/contacts",
    tag = "contacts",
    params(ContactQuery),
    responses((status = 200, description = "A page of contacts", body = Page<Contact>), AuthErrors, (status = 422, description = "Invalid cursor (`validation_failed`)", body = crate::error::ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
pub async fn list_contacts(
    State(state): State<AppState>,
    agent: Agent,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<Page<Contact>>> {
    let query =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(200).collect::<String>());
    let page = PageRequest {
        cursor: q.cursor,
        limit: clamp_limit(q.limit),
    };
    Ok(Json(
        state
            .store
            .list_contacts(agent.account_id, query.as_deref(), &page)
            .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateContact {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Digits with an optional leading `+`; spaces, dashes and brackets are dropped.
    pub phone: Option<String>,
    /// Free-form attributes (an object).
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
}

/// A contact with every way it is known.
#[derive(Serialize, ToSchema)]
pub struct ContactDetail {
    #[serde(flatten)]
    pub contact: Contact,
    pub identities: Vec<Identity>,
}

/// Create a contact
///
/// The email and phone become identities of the contact; an email or phone
/// that already belongs to another contact is a conflict.
#[utoipa::path(
    post,
    path = "/api/v1/contacts",
    tag = "contacts",
    request_body = CreateContact,
    responses((status = 201, description = "The new contact", body = ContactDetail), AuthErrors, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn create_contact(
    State(state): State<AppState>,
    agent: Agent,
    ApiJson(req): ApiJson<CreateContact>,
) -> ApiResult<(StatusCode, Json<ContactDetail>)> {
    let account = agent.account_id;
    let now = state.clock.now();
    let contact = Contact {
        id: ContactId::new(),
        account_id: account,
        name: req.name.as_deref().map(contact_name).transpose()?,
        email: req.email.as_deref().map(validate::email).transpose()?,
        phone: req.phone.as_deref().map(phone).transpose()?,
        attributes: attributes(req.attributes)?,
        created_at: now,
        updated_at: now,
        erased_at: None,
    };
    let mut identities = Vec::new();
    if let Some(e) = &contact.email {
        ensure_free(&state, account, "email", e, None).await?;
        identities.push(identity(&contact, "email", e, now));
    }
    if let Some(p) = &contact.phone {
        ensure_free(&state, account, "phone", p, None).await?;
        identities.push(identity(&contact, "phone", p, now));
    }
    state.store.create_contact(&contact, &identities).await?;
    let identities = state.store.identities_of(account, contact.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(ContactDetail {
            contact,
            identities,
        }),
    ))
}

/// A contact, with its identities
#[utoipa::path(
    get,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    params(("id" = ContactId, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = ContactDetail), AuthErrors, NotFound),
    security(("session" = []), ("bearer" = []))
)]
pub async fn get_contact(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ContactId>,
) -> ApiResult<Json<ContactDetail>> {
    let contact = state.store.get_contact(agent.account_id, id).await?;
    let identities = state.store.identities_of(agent.account_id, id).await?;
    Ok(Json(ContactDetail {
        contact,
        identities,
    }))
}

/// What to change; absent fields stay, `null` clears.
#[derive(Deserialize, ToSchema)]
pub struct UpdateContact {
    #[serde(default, deserialize_with = "common::nullable")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "common::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "common::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Replaces the attributes (an object).
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<Value>,
}

/// Change a contact
///
/// A new email or phone is added as an identity; identities already
/// attached stay (they record how the contact reached you).
#[utoipa::path(
    patch,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    params(("id" = ContactId, Path, description = "Contact id")),
    request_body = UpdateContact,
    responses((status = 200, description = "The updated contact", body = ContactDetail), AuthErrors, NotFound, BodyErrors, Conflict),
    security(("session" = []), ("bearer" = []))
)]
pub async fn update_contact(
    State(state): State<AppState>,
    agent: Agent,
    ApiPath(id): ApiPath<ContactId>,
    ApiJson(req): ApiJson<UpdateContact>,
) -> ApiResult<Json<ContactDetail>> {
    let account = agent.account_id;
    let before = state.store.get_contact(account, id).await?;
    if before.erased_at.is_some() {
        // Writing details back would undo the privacy request.
        return Err(ApiError::conflict(
            "contact_erased",
            "this contact was erased by a privacy request; create a new contact instead",
        ));
    }
    let mut contact = before.clone();
    if let Some(n) = req.name {
        contact.name = n.as_deref().map(contact_name).transpose()?;
    }
    if let Some(e) = req.email {
        contact.email = e.as_deref().map(validate::email).transpose()?;
    }
    if let Some(p) = req.phone {
        contact.phone = p.as_deref().map(phone).transpose()?;
    }
    if req.attributes.is_some() {
        contact.attributes = attributes(req.attributes)?;
    }
    let now = state.clock.now();
    // Identities first: if one belongs to another contact, nothing changes.
    let known = state.store.identities_of(account, id).await?;
    for (kind, value) in [("email", &contact.email), ("phone", &contact.phone)] {
        let Some(v) = value else { continue };
        if known.iter().any(|i| i.kind == kind && i.value == *v) {
            continue;
        }
        ensure_free(&state, account, kind, v, Some(id)).await?;
        state
            .store
            .add_identity(&identity(&contact, kind, v, now))
            .await?;
    }
    if contact != before {
        contact.updated_at = now;
        state.store.update_contact(&contact).await?;
    }
    let identities = state.store.identities_of(account, id).await?;
    Ok(Json(ContactDetail {
        contact,
        identities,
    }))
}

fn identity(contact: &Contact, kind: &str, value: &str, now: Timestamp) -> Identity {
    Identity {
        account_id: contact.account_id,
        contact_id: contact.id,
        kind: kind.into(),
        value: value.into(),
        inbox_id: None,
        // Typed in by an agent, not proven by the customer.
        verified: false,
        created_at: now,
    }
}

/// A readable 409 before the store's unique constraint would give a terse one.
async fn ensure_free(
    state: &AppState,
    account: AccountId,
    kind: &'static str,
    value: &str,
    own: Option<ContactId>,
) -> ApiResult<()> {
    match state
        .store
        .find_contact_by_identity(account, kind, value)
        .await?
    {
        Some(other) if Some(other.id) != own => Err(ApiError::conflict(
            "conflict",
            format!("another contact already has this {kind}"),
        )),
        _ => Ok(()),
    }
}

fn contact_name(s: &str) -> Result<String, CoreError> {
    validate::name("name", s, 200)
}

/// Phone numbers keep digits and a leading `+`, so `+86 138-0000-0000` and
/// `+8613800000000` are one identity.
pub(crate) fn phone(s: &str) -> Result<String, CoreError> {
    let t = s.trim();
    let bad = || CoreError::invalid("phone", "not a phone number");
    let mut out = String::new();
    for (i, c) in t.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            _ => return Err(bad()),
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if (3..=20).contains(&digits) {
        Ok(out)
    } else {
        Err(bad())
    }
}

fn attributes(v: Option<Value>) -> Result<Value, CoreError> {
    match v {
        None => Ok(json!({})),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(_) => Err(CoreError::invalid("attributes", "must be an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise() {
        assert_eq!(phone("+86 138-0000-0000").unwrap(), "+8613800000000");
        assert_eq!(phone("(010) 1234.5678").unwrap(), "01012345678");
        for bad in ["", "12", "call me", "1+2345", "+"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }
}
