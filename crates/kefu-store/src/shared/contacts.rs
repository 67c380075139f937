// Contacts and their channel identities. Included into `sqlite::contacts` and
// `postgres::contacts`.

use kefu_core::event::{EventType, NewEvent};
use kefu_core::model::{Contact, Identity, Sender};
use kefu_core::page::{Keyset, Page};
use kefu_core::store::PageRequest;
use kefu_core::{AccountId, ContactId, CoreError, StoreError};
use serde_json::json;

use super::sql;
use super::events::insert_event;
use super::rows::{self, to_json, to_value};
use super::{Conn, Db};
use crate::error::{db, refs};
use crate::paging;

type R<T> = Result<T, StoreError>;

pub(crate) async fn create_contact(
    c: &mut Conn,
    contact: &Contact,
    identities: &[Identity],
) -> R<()> {
    if identities
        .iter()
        .any(|i| i.account_id != contact.account_id || i.contact_id != contact.id)
    {
        return Err(CoreError::invalid("identities", "must belong to the new contact").into());
    }
    sql::query(
        "INSERT INTO contacts (account_id, id, name, email, phone, attributes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(contact.account_id.0)
    .bind(contact.id.0)
    .bind(&contact.name)
    .bind(&contact.email)
    .bind(&contact.phone)
    .bind(to_json(&contact.attributes)?)
    .bind(contact.created_at.0)
    .bind(contact.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "contact"))?;
    for i in identities {
        add_identity(c, i).await?;
    }
    let data = json!({ "contact": to_value(contact)? });
    let e = NewEvent::new(EventType::ContactCreated, Sender::system(), data);
    insert_event(c, contact.account_id, None, &e, contact.created_at).await?;
    Ok(())
}

pub(crate) async fn get_contact(c: &mut Conn, account: AccountId, id: ContactId) -> R<Contact> {
    let row = sql::query(concat!(
        "SELECT ",
        contact_cols!(),
        " FROM contacts WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound("contact"))?;
    rows::contact(&row)
}

pub(crate) async fn update_contact(c: &mut Conn, contact: &Contact) -> R<()> {
    let r = sql::query(
        "UPDATE contacts SET name = $3, email = $4, phone = $5, attributes = $6, updated_at = $7 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(contact.account_id.0)
    .bind(contact.id.0)
    .bind(&contact.name)
    .bind(&contact.email)
    .bind(&contact.phone)
    .bind(to_json(&contact.attributes)?)
    .bind(contact.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(db)?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("contact"));
    }
    let data = json!({ "contact": to_value(contact)? });
    let e = NewEvent::new(EventType::ContactUpdated, Sender::system(), data);
    insert_event(c, contact.account_id, None, &e, contact.updated_at).await?;
    Ok(())
}

pub(crate) async fn list_contacts(
    c: &mut Conn,
    account: AccountId,
    query: Option<&str>,
    page: &PageRequest,
) -> R<Page<Contact>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        contact_cols!(),
        " FROM contacts WHERE account_id = "
    ));
    q.push_bind(account.0);
    if let Some(text) = query.filter(|t| !t.trim().is_empty()) {
        let p = super::like::contains(text);
        q.push(" AND (LOWER(COALESCE(name, '')) LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR COALESCE(phone, '') LIKE ")
            .push_bind(p)
            .push(" ESCAPE '\\')");
    }
    super::keyset::newest_first(&mut q, "created_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(rows::contact)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |c| Keyset {
        k: c.created_at.0,
        id: c.id.0,
    }))
}

pub(crate) async fn find_contact_by_identity(
    c: &mut Conn,
    account: AccountId,
    kind: &str,
    value: &str,
) -> R<Option<Contact>> {
    let row = sql::query(
        "SELECT c.account_id, c.id, c.name, c.email, c.phone, c.attributes, c.created_at, c.updated_at, c.erased_at \
         FROM identities i JOIN contacts c ON c.account_id = i.account_id AND c.id = i.contact_id \
         WHERE i.account_id = $1 AND i.kind = $2 AND i.value = $3",
    )
    .bind(account.0)
    .bind(kind)
    .bind(value)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?;
    row.as_ref().map(rows::contact).transpose()
}

pub(crate) async fn add_identity(c: &mut Conn, i: &Identity) -> R<()> {
    sql::query(
        "INSERT INTO identities (account_id, kind, value, contact_id, inbox_id, verified, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.account_id.0)
    .bind(&i.kind)
    .bind(&i.value)
    .bind(i.contact_id.0)
    .bind(i.inbox_id.map(|x| x.0))
    .bind(i.verified)
    .bind(i.created_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("contact", "identity"))?;
    Ok(())
}

pub(crate) async fn identities_of(
    c: &mut Conn,
    account: AccountId,
    contact: ContactId,
) -> R<Vec<Identity>> {
    get_contact(c, account, contact).await?;
    sql::query(concat!(
        "SELECT ",
        identity_cols!(),
        " FROM identities WHERE account_id = $1 AND contact_id = $2 ORDER BY created_at, kind, value"
    ))
    .bind(account.0)
    .bind(contact.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::identity)
    .collect()
}
