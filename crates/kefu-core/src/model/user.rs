use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, InboxId, TeamId, Timestamp, UserId};

/// What a user may do inside one account. A user can hold different roles in
/// different accounts.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    /// Supervisors and admins see every inbox of the account; agents only the
    /// inboxes they are members of (directly or through a team).
    pub fn sees_all_inboxes(self) -> bool {
        self >= Role::Supervisor
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    Offline,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "online" => Some(Self::Online),
            "away" => Some(Self::Away),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// A person who logs in. Global across accounts (one email, one password).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// A user as seen inside one account: role, availability, capacity, skills.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub account_id: AccountId,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub availability: Availability,
    /// Maximum concurrent conversations.
    pub capacity: i32,
    /// Skills, each a label with an optional level from 1 to 5 after a
    /// colon (`billing:4`; a bare `billing` is level 1).
    pub skills: Vec<String>,
    /// Maximum concurrent conversations per channel type, within `capacity`
    /// (a channel not named is limited by `capacity` alone).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub channel_capacity: std::collections::BTreeMap<crate::model::ChannelKind, i32>,
    /// When routing last gave this member a conversation (round robin).
    #[serde(default)]
    pub last_assigned_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub account_id: AccountId,
    pub name: String,
    pub skills: Vec<String>,
    pub created_at: Timestamp,
}

/// Which inboxes and teams one member can see and work in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Visibility {
    /// `None` means every inbox of the account (supervisors and admins).
    pub inboxes: Option<Vec<InboxId>>,
    pub teams: Vec<TeamId>,
}

impl Visibility {
    pub fn can_see_inbox(&self, inbox: InboxId) -> bool {
        match &self.inboxes {
            None => true,
            Some(list) => list.contains(&inbox),
        }
    }
}
