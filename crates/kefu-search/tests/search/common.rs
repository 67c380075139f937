use kefu_core::ids::{AccountId, ContactId, ConversationId, InboxId, MessageId};
use kefu_core::time::Timestamp;
use kefu_search::{ContactDoc, ConversationDoc, DocKind, MessageDoc, SearchIndex, SearchQuery};

pub const T0: i64 = 1_780_000_000_000;
pub const DAY: i64 = 86_400_000;

pub fn index() -> SearchIndex {
    SearchIndex::in_memory().expect("in-memory index")
}

pub fn conversation(
    account: AccountId,
    inbox: InboxId,
    contact: Option<ContactId>,
) -> ConversationDoc {
    ConversationDoc {
        account,
        id: ConversationId::new(),
        inbox,
        contact,
        channel: Some("web".into()),
        status: "open".into(),
        assignee: None,
        team: None,
        labels: Vec::new(),
        subject: None,
        created_at: Timestamp::from_millis(T0),
    }
}

pub fn message(conv: &ConversationDoc, body: &str, at: i64) -> MessageDoc {
    MessageDoc {
        account: conv.account,
        id: MessageId::new(),
        conversation: conv.id,
        inbox: conv.inbox,
        contact: conv.contact,
        channel: conv.channel.clone(),
        body: body.into(),
        created_at: Timestamp::from_millis(at),
    }
}

pub fn contact(account: AccountId, name: &str, email: &str, phone: &str) -> ContactDoc {
    ContactDoc {
        account,
        id: ContactId::new(),
        name: Some(name.into()),
        email: Some(email.into()),
        phone: Some(phone.into()),
        inboxes: Vec::new(),
        created_at: Timestamp::from_millis(T0),
    }
}

/// A conversation with one message per body, committed.
pub fn seed(idx: &SearchIndex, conv: &ConversationDoc, bodies: &[&str]) -> Vec<MessageDoc> {
    idx.upsert_conversation(conv.clone()).unwrap();
    let msgs: Vec<MessageDoc> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| message(conv, b, T0 + i as i64 * 1000))
        .collect();
    for m in &msgs {
        idx.add_message(m.clone()).unwrap();
    }
    idx.commit(None).unwrap();
    msgs
}

pub fn messages(account: AccountId, text: &str) -> SearchQuery {
    SearchQuery {
        kinds: vec![DocKind::Message],
        ..SearchQuery::new(account, text)
    }
}

pub fn message_ids(idx: &SearchIndex, q: &SearchQuery) -> Vec<MessageId> {
    idx.search(q)
        .unwrap()
        .hits
        .into_iter()
        .filter_map(|h| h.message_id)
        .collect()
}
