use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, Timestamp};

/// A tenant. The time zone drives business hours and reporting days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    /// IANA time zone name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
