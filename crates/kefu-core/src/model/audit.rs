use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, AuditId, Timestamp, UserId};

/// A record of an administrative or security-relevant change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub account_id: AccountId,
    pub actor_user_id: Option<UserId>,
    /// Free-form description of a non-user actor (`cli`, `token:<id>`).
    pub actor: String,
    /// `noun.verb`, e.g. `user.role_changed`, `token.created`, `auth.login_failed`.
    pub action: String,
    pub target: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub ip: Option<String>,
    pub created_at: Timestamp,
}
