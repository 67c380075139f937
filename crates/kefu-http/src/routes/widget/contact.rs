//! The visitor's own details, from the inbox's pre-chat form.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kefu_core::model::Contact;
use kefu_core::validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::visitor_inbox;
use crate::app::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiJson;
use crate::routes::directory::contacts::phone;

/// What the visitor may tell about themselves. Absent fields stay as they
/// are; blank ones are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetContactBody {
    /// Up to 200 characters.
    pub name: Option<String>,
    pub email: Option<String>,
    /// Digits with an optional leading `+` (3 to 20 digits).
    pub phone: Option<String>,
}

/// The visitor's details as they see them.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct VisitorProfile {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<&Contact> for VisitorProfile {
    fn from(c: &Contact) -> Self {
        Self {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
        }
    }
}

/// The fields the inbox's pre-chat form requires (`settings.pre_chat`).
fn required_fields(settings: &serde_json::Value) -> Vec<String> {
    let pre = &settings["pre_chat"];
    if pre["enabled"].as_bool() != Some(true) {
        return vec![];
    }
    pre["required"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .filter(|f| matches!(*f, "name" | "email" | "phone"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Tell about yourself (pre-chat form)
///
/// Stores the visitor's name, email and phone on their contact, where
/// agents see them. Fields the inbox's pre-chat form marks required must be
/// present (or already known).
#[utoipa::path(
    patch,
    path = "/api/v1/widget/contact",
    tag = super::TAG,
    request_body = WidgetContactBody,
    responses(
        (status = 200, description = "The visitor's details", body = VisitorProfile),
        (status = 401, description = "Missing or invalid visitor token", body = ErrorBody),
        (status = 403, description = "`origin_not_allowed`", body = ErrorBody),
        (status = 422, description = "Invalid or missing details", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn patch_widget_contact(
    State(state): State<AppState>,
    Visitor(claims): Visitor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WidgetContactBody>,
) -> ApiResult<Json<VisitorProfile>> {
    let inbox = visitor_inbox(&state, &claims, &headers).await?;
    let name = clean(body.name)
        .map(|n| validate::name("name", &n, 200))
        .transpose()?;
    let email = clean(body.email).map(|e| validate::email(&e)).transpose()?;
    let phone = clean(body.phone).map(|p| phone(&p)).transpose()?;
    let mut contact = state
        .store
        .get_contact(inbox.account_id, claims.contact_id)
        .await?;
    let before = (
        contact.name.clone(),
        contact.email.clone(),
        contact.phone.clone(),
    );
    if name.is_some() {
        contact.name = name;
    }
    if email.is_some() {
        contact.email = email;
    }
    if phone.is_some() {
        contact.phone = phone;
    }
    for field in required_fields(&inbox.settings) {
        let known = match field.as_str() {
            "name" => contact.name.is_some(),
            "email" => contact.email.is_some(),
            _ => contact.phone.is_some(),
        };
        if !known {
            return Err(ApiError::validation(format!("{field}: required")));
        }
    }
    if (
        contact.name.clone(),
        contact.email.clone(),
        contact.phone.clone(),
    ) != before
    {
        contact.updated_at = state.clock.now();
        state.store.update_contact(&contact).await?;
    }
    Ok(Json(VisitorProfile::from(&contact)))
}
