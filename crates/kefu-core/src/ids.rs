//! Typed identifiers. Every id is a UUIDv7 made by the application, so ids sort
//! by creation time and can be generated before a row exists (useful for
//! idempotent retries and for events that reference rows in the same unit of
//! work).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self { Self(Uuid::now_v7()) }
            pub fn as_uuid(&self) -> Uuid { self.0 }
        }
        impl Default for $name { fn default() -> Self { Self::new() } }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { Uuid::parse_str(s).map(Self) }
        }
        impl From<Uuid> for $name { fn from(u: Uuid) -> Self { Self(u) } }
    )*};
}

id_type!(
    /// A tenant.
    AccountId,
    UserId,
    TeamId,
    InboxId,
    ContactId,
    ConversationId,
    MessageId,
    EventId,
    AttachmentId,
    JobId,
    /// A personal API token or an inbox token.
    TokenId,
    SessionId,
    AuditId,
    /// A customer's answer to a satisfaction survey.
    CsatId,
    /// A reply agents insert by its short code.
    CannedResponseId,
    /// An FAQ entry or article of an account's knowledge base.
    KbEntryId,
    /// One member mentioned in one private note.
    MentionId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_v7() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert_eq!(a.0.get_version_num(), 7);
        assert!(a < b, "UUIDv7 made later must sort later");
    }

    #[test]
    fn ids_round_trip_through_strings_and_json() {
        let a = ConversationId::new();
        assert_eq!(a.to_string().parse::<ConversationId>().unwrap(), a);
        let j = serde_json::to_string(&a).unwrap();
        assert_eq!(j, format!("\"{a}\""));
        assert!("nope".parse::<ConversationId>().is_err());
    }
}
