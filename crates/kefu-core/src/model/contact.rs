use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, ContactId, InboxId, Timestamp};

/// A customer. One contact across channels: identities attach to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When a privacy request erased the contact: their details, identities
    /// and everything their conversations said are gone.
    #[serde(default)]
    pub erased_at: Option<Timestamp>,
}

/// How a contact is known on one channel: a widget visitor id, an email
/// address, an external id sent by the site (verified), a WeChat openid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Identity {
    pub account_id: AccountId,
    pub contact_id: ContactId,
    /// `visitor`, `email`, `phone`, `external`, `wechat_openid`, ...
    pub kind: String,
    pub value: String,
    /// The inbox that vouched for this identity, when it is channel-specific.
    pub inbox_id: Option<InboxId>,
    pub verified: bool,
    pub created_at: Timestamp,
}
