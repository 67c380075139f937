//! A small account to test against: an admin, two agents, a team, a bot inbox
//! routing to the team, and a contact.

use kefu_core::model::*;
use kefu_core::state::Policy;
use kefu_core::store::{NewConversation, NewMessage, Store};
use kefu_core::*;

pub struct Fx {
    pub account: AccountId,
    pub admin: UserId,
    pub agent: UserId,
    pub agent2: UserId,
    pub team: TeamId,
    pub inbox: InboxId,
    pub contact: ContactId,
    pub now: Timestamp,
}

pub fn ts(ms: i64) -> Timestamp {
    Timestamp(ms)
}

pub fn account(name: &str) -> Account {
    let now = Timestamp::now();
    Account {
        id: AccountId::new(),
        name: name.into(),
        time_zone: "Asia/Shanghai".into(),
        created_at: now,
        updated_at: now,
    }
}

pub fn user(tag: &str) -> User {
    let id = UserId::new();
    User {
        id,
        email: format!("{tag}-{}@example.com", id.0.simple()),
        name: format!("{tag} person"),
        created_at: Timestamp::now(),
    }
}

pub fn member(account: AccountId, u: &User, role: Role) -> Member {
    Member {
        account_id: account,
        user_id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        role,
        availability: Availability::Offline,
        capacity: 5,
        skills: vec!["billing".into()],
        channel_capacity: Default::default(),
        last_assigned_at: None,
        created_at: Timestamp::now(),
    }
}

pub fn inbox(account: AccountId, name: &str, bot: bool, team: Option<TeamId>) -> Inbox {
    let now = Timestamp::now();
    Inbox {
        id: InboxId::new(),
        account_id: account,
        name: name.into(),
        channel: ChannelKind::WebWidget,
        bot_enabled: bot,
        default_team_id: team,
        allowed_origins: vec!["https://shop.example".into()],
        require_identity: false,
        settings: serde_json::json!({"greeting": "你好"}),
        created_at: now,
        updated_at: now,
    }
}

pub fn contact(account: AccountId, name: &str, at: Timestamp) -> Contact {
    Contact {
        id: ContactId::new(),
        account_id: account,
        name: Some(name.into()),
        email: Some(format!("{}@example.com", name.to_lowercase())),
        phone: None,
        attributes: serde_json::json!({"plan": "pro"}),
        created_at: at,
        updated_at: at,
        erased_at: None,
    }
}

impl Fx {
    pub async fn new(s: &dyn Store) -> Fx {
        let a = account("Acme 客服");
        s.create_account(&a).await.unwrap();
        let mut ids = vec![];
        for (tag, role) in [
            ("admin", Role::Admin),
            ("agent", Role::Agent),
            ("agent2", Role::Agent),
        ] {
            let u = user(tag);
            s.create_user(&u, "hash").await.unwrap();
            s.upsert_member(&member(a.id, &u, role)).await.unwrap();
            ids.push(u.id);
        }
        let team = Team {
            id: TeamId::new(),
            account_id: a.id,
            name: "Support".into(),
            skills: vec!["billing".into()],
            created_at: Timestamp::now(),
        };
        s.create_team(&team).await.unwrap();
        let ib = inbox(a.id, "Website", true, Some(team.id));
        s.create_inbox(&ib, "secret").await.unwrap();
        let now = Timestamp::now();
        let c = contact(a.id, "Lin", now);
        s.create_contact(&c, &[]).await.unwrap();
        Fx {
            account: a.id,
            admin: ids[0],
            agent: ids[1],
            agent2: ids[2],
            team: team.id,
            inbox: ib.id,
            contact: c.id,
            now,
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            bot_enabled: true,
            default_team: Some(self.team),
            bot_while_queued: false,
        }
    }

    pub fn no_bot(&self) -> Policy {
        Policy {
            bot_enabled: false,
            default_team: Some(self.team),
            bot_while_queued: false,
        }
    }

    pub fn new_conversation(&self, at: Timestamp) -> NewConversation {
        NewConversation {
            id: ConversationId::new(),
            account_id: self.account,
            inbox_id: self.inbox,
            contact_id: self.contact,
            kind: ConversationKind::Chat,
            priority: Priority::Normal,
            subject: Some("Refund".into()),
            labels: vec!["vip".into()],
            ticket_type: None,
            custom_fields: Default::default(),
            follow_up_of: None,
            actor: Sender::contact(self.contact),
            now: at,
        }
    }

    pub async fn conversation(&self, s: &dyn Store) -> Conversation {
        s.create_conversation(&self.new_conversation(self.now), &self.policy())
            .await
            .unwrap()
            .conversation
    }

    /// A queued conversation (no bot: the first contact message hands it off).
    pub async fn queued(&self, s: &dyn Store) -> Conversation {
        let c = self.conversation(s).await;
        let a = s
            .append_message(
                &self.msg(c.id, Sender::contact(self.contact), "hello"),
                &self.no_bot(),
            )
            .await
            .unwrap();
        assert_eq!(a.conversation.status, kefu_core::state::Status::Queued);
        a.conversation
    }

    pub fn msg(&self, conversation: ConversationId, sender: Sender, text: &str) -> NewMessage {
        NewMessage {
            id: MessageId::new(),
            account_id: self.account,
            conversation_id: conversation,
            sender,
            content: MessageContent::text(text),
            visibility: MessageVisibility::Public,
            external_id: None,
            client_id: None,
            mentions: vec![],
            now: Timestamp::now(),
        }
    }
}

/// How many 10 ms polls a test waits for a committed event to enter the
/// stream (60 s). On PostgreSQL that takes as long as the oldest writing
/// transaction in the whole cluster, and other programs share the test
/// server, so a few seconds are not always enough.
pub const STREAM_WAIT_POLLS: usize = 6000;

/// The account's events after `from`, read until at least `n` are there. On
/// PostgreSQL an event enters the stream only once every older writing
/// transaction in the cluster has finished (the stream's high-water mark), so
/// a read right after a commit may briefly come up short.
pub async fn events_after(
    s: &dyn Store,
    account: AccountId,
    from: kefu_core::event::StreamCursor,
    n: usize,
) -> Vec<kefu_core::event::Event> {
    let mut got = vec![];
    for _ in 0..STREAM_WAIT_POLLS {
        got = s.account_events_after(account, from, 1000).await.unwrap();
        if got.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    got
}
