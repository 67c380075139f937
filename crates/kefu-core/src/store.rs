//! The storage port. Adapters (SQLite, PostgreSQL) live in `kefu-store` and
//! must pass one contract suite. Every method that changes a conversation is a
//! unit of work: state change, message, events and idempotency key commit
//! together or not at all.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::event::{Event, NewEvent, StreamCursor};
use crate::model::*;
use crate::page::Page;
use crate::state::{Input, Policy, Status};
use crate::{
    AccountId, AttachmentId, CannedResponseId, ContactId, ConversationId, InboxId, JobId,
    KbEntryId, MessageId, SessionId, StoreError, TeamId, Timestamp, TokenId, UserId,
};

pub type StoreResult<T> = Result<T, StoreError>;

/// A logged-in browser session. The cookie holds the secret; the store keeps
/// only its SHA-256.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    /// The account the session currently works in.
    pub account_id: AccountId,
    pub token_hash: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Filters for listing conversations. `visible_inboxes: Some(..)` restricts
/// to those inboxes (agents see only their own).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationFilter {
    pub status: Option<Status>,
    pub inbox_id: Option<InboxId>,
    pub assignee_id: Option<UserId>,
    /// Only conversations nobody is assigned to.
    pub unassigned: bool,
    pub team_id: Option<TeamId>,
    pub contact_id: Option<ContactId>,
    pub label: Option<String>,
    pub kind: Option<ConversationKind>,
    pub updated_since: Option<Timestamp>,
    pub visible_inboxes: Option<Vec<InboxId>>,
    /// Only tickets in this status.
    pub ticket_status: Option<TicketStatus>,
    /// Only conversations the contact started: chats, and chats that became
    /// tickets (not tickets agents opened for them), and none closed. The
    /// customer's next message lands in these.
    pub contact_facing: bool,
}

/// A page request: opaque cursor from the previous page, and a size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewConversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub kind: ConversationKind,
    pub priority: Priority,
    pub subject: Option<String>,
    pub labels: Vec<String>,
    pub ticket_type: Option<TicketType>,
    /// Checked against the account's ticket fields.
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    /// Links the new conversation as a follow-up of this one, in the same unit.
    pub follow_up_of: Option<ConversationId>,
    pub actor: Sender,
    pub now: Timestamp,
}

/// A message to append. The store runs the state machine with the input that
/// matches the sender (contact, bot, agent reply or note, system) inside the
/// same transaction, so "only the owner speaks" cannot race.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    pub id: MessageId,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub sender: Sender,
    pub content: MessageContent,
    pub visibility: MessageVisibility,
    pub external_id: Option<String>,
    pub client_id: Option<String>,
    /// Members @mentioned in a private note (empty otherwise). The store
    /// records them with the message, once: a duplicate of the message
    /// mentions nobody again. Whether each may be mentioned (a member who
    /// can see the inbox) is the caller's check.
    pub mentions: Vec<UserId>,
    pub now: Timestamp,
}

impl NewMessage {
    /// The state-machine input this message stands for.
    pub fn input(&self) -> Input {
        match self.sender.kind {
            SenderKind::Contact => Input::ContactMessage,
            SenderKind::Bot => Input::BotMessage,
            SenderKind::System => Input::SystemMessage,
            SenderKind::Agent => Input::AgentMessage {
                agent: UserId(self.sender.id.unwrap_or_default()),
                internal: self.visibility == MessageVisibility::Internal,
            },
        }
    }
}

/// What a unit of work did. `duplicate` is true when the idempotency key (or
/// channel external id) had been seen: nothing was written and the original
/// message is returned.
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    pub message: Message,
    pub conversation: Conversation,
    pub events: Vec<Event>,
    pub duplicate: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub conversation: Conversation,
    pub events: Vec<Event>,
}

/// A change to a conversation's attributes (not its state).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversationPatch {
    pub labels: Option<Vec<String>>,
    pub priority: Option<Priority>,
    pub subject: Option<Option<String>>,
    /// Tickets only; `Some(None)` clears it.
    pub ticket_type: Option<Option<TicketType>>,
    /// Changed custom fields (`null` clears one), merged into the current
    /// values and checked against the account's definitions under the lock.
    pub custom_fields: Option<BTreeMap<String, serde_json::Value>>,
}

/// Filters for listing inspection scores; all of them must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QaScoreFilter {
    pub status: Option<QaStatus>,
    /// Only failed ones or sampled ones (the review queue).
    pub needs_review: bool,
    pub agent_id: Option<UserId>,
}

/// Filters for listing knowledge-base entries; all of them must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KbFilter {
    /// Text contained in the question, a similar question or the answer
    /// (case-insensitive for ASCII letters).
    pub q: Option<String>,
    /// A normalised locale, matched exactly.
    pub locale: Option<String>,
    /// A tag (lower case), matched exactly.
    pub tag: Option<String>,
    pub kind: Option<KbEntryKind>,
    pub enabled: Option<bool>,
}

/// How an import treats what is already there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KbImportMode {
    /// Also delete the account's entries that the import does not match: the
    /// file is the whole knowledge base.
    pub replace: bool,
    /// Work out the counts and write nothing (the revision stays).
    pub dry_run: bool,
}

/// What an import did (or, on a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KbImportCounts {
    pub created: u64,
    pub updated: u64,
    /// Matched an entry that already said the same: nothing written.
    pub unchanged: u64,
    /// Removed by a `replace` import.
    pub deleted: u64,
    /// Indexes (into the imported slice) of entries that were skipped
    /// because their question, after an update by id, would clash with
    /// another entry of the same locale.
    pub conflicts: Vec<usize>,
}

/// An assignment to commit: the agent's capacity is checked (when
/// `check_capacity`), the conversation assigned only if still at
/// `expected_version`, and the events written, in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub agent: UserId,
    pub expected_version: Option<i64>,
    pub check_capacity: bool,
    /// A transfer to the agent (recorded as `conversation.transferred`, with
    /// this public notice for the customer) rather than an assignment.
    pub transfer_notice: Option<MessageContent>,
    pub policy: Policy,
    pub actor: Sender,
    pub now: Timestamp,
}

/// A waiting conversation and the agent who last served its contact.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedConversation {
    pub conversation: Conversation,
    pub last_agent: Option<UserId>,
}

/// A member as routing sees them: where they work and what they hold.
#[derive(Clone, Debug, PartialEq)]
pub struct RosterEntry {
    pub member: Member,
    pub teams: Vec<TeamId>,
    /// Inboxes they are a member of (supervisors and admins see all
    /// inboxes; routing offers them only their own).
    pub inboxes: Vec<InboxId>,
    /// Assigned (open) conversations per channel.
    pub open: std::collections::BTreeMap<ChannelKind, i64>,
}

/// A read position of one participant in one conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReadCursor {
    pub participant: Sender,
    pub seq: i64,
    pub updated_at: Timestamp,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> StoreResult<()>;

    // Accounts
    async fn create_account(&self, account: &Account) -> StoreResult<()>;
    async fn get_account(&self, id: AccountId) -> StoreResult<Account>;
    /// Accounts named exactly `name`, oldest first (names need not be unique).
    async fn find_accounts_by_name(&self, name: &str) -> StoreResult<Vec<Account>>;
    async fn update_account(&self, account: &Account) -> StoreResult<()>;

    // Users and membership
    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()>;
    async fn get_user(&self, id: UserId) -> StoreResult<User>;
    /// The user and their password hash.
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>>;
    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()>;
    async fn update_user_name(&self, user: UserId, name: &str) -> StoreResult<()>;
    /// Adds the user to the account, or updates role, capacity and skills.
    async fn upsert_member(&self, member: &Member) -> StoreResult<()>;
    async fn get_member(&self, account: AccountId, user: UserId) -> StoreResult<Member>;
    async fn list_members(&self, account: AccountId) -> StoreResult<Vec<Member>>;
    async fn remove_member(&self, account: AccountId, user: UserId) -> StoreResult<()>;
    async fn set_availability(
        &self,
        account: AccountId,
        user: UserId,
        a: Availability,
    ) -> StoreResult<()>;
    /// Accounts the user belongs to, with their role in each.
    async fn accounts_of(&self, user: UserId) -> StoreResult<Vec<(Account, Role)>>;
    /// Inboxes and teams the member may see (`inboxes: None` for supervisors and admins).
    async fn visibility(&self, account: AccountId, user: UserId) -> StoreResult<Visibility>;

    // Teams
    async fn create_team(&self, team: &Team) -> StoreResult<()>;
    async fn get_team(&self, account: AccountId, id: TeamId) -> StoreResult<Team>;
    async fn list_teams(&self, account: AccountId) -> StoreResult<Vec<Team>>;
    async fn update_team(&self, team: &Team) -> StoreResult<()>;
    async fn delete_team(&self, account: AccountId, id: TeamId) -> StoreResult<()>;
    async fn set_team_member(
        &self,
        account: AccountId,
        team: TeamId,
        user: UserId,
        member: bool,
    ) -> StoreResult<()>;
    async fn team_members(&self, account: AccountId, team: TeamId) -> StoreResult<Vec<UserId>>;

    // Inboxes
    async fn create_inbox(&self, inbox: &Inbox, secret: &str) -> StoreResult<()>;
    async fn get_inbox(&self, account: AccountId, id: InboxId) -> StoreResult<Inbox>;
    /// Looks an inbox up by id alone: only for public widget endpoints, which
    /// learn the account from the inbox.
    async fn find_inbox(&self, id: InboxId) -> StoreResult<Inbox>;
    async fn list_inboxes(&self, account: AccountId) -> StoreResult<Vec<Inbox>>;
    async fn update_inbox(&self, inbox: &Inbox) -> StoreResult<()>;
    /// The inbox's HMAC secret (identity verification, visitor tokens).
    async fn inbox_secret(&self, account: AccountId, id: InboxId) -> StoreResult<String>;
    async fn set_inbox_secret(
        &self,
        account: AccountId,
        id: InboxId,
        secret: &str,
    ) -> StoreResult<()>;
    async fn set_inbox_member(
        &self,
        account: AccountId,
        inbox: InboxId,
        user: UserId,
        member: bool,
    ) -> StoreResult<()>;
    async fn inbox_members(&self, account: AccountId, inbox: InboxId) -> StoreResult<Vec<UserId>>;

    // Contacts
    /// Creates the contact with its identities, and a `contact.created` event.
    async fn create_contact(&self, contact: &Contact, identities: &[Identity]) -> StoreResult<()>;
    async fn get_contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact>;
    async fn update_contact(&self, contact: &Contact) -> StoreResult<()>;
    async fn list_contacts(
        &self,
        account: AccountId,
        query: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Contact>>;
    async fn find_contact_by_identity(
        &self,
        account: AccountId,
        kind: &str,
        value: &str,
    ) -> StoreResult<Option<Contact>>;
    async fn add_identity(&self, identity: &Identity) -> StoreResult<()>;
    /// Erases a contact for a privacy request, in one unit of work: their
    /// details and identities go, every conversation of theirs is redacted
    /// (messages, quotes, excerpts, comments, attachments; events keep
    /// their shape without text), and `contact.erased` is recorded. The
    /// caller deletes the returned attachment blobs. Idempotent.
    async fn erase_contact(
        &self,
        account: AccountId,
        contact: ContactId,
        now: Timestamp,
    ) -> StoreResult<Erasure>;
    /// Makes the space freed by erasures unreadable where the backend can:
    /// SQLite checkpoints and truncates its write-ahead log (deleted
    /// content is zeroed in the file itself). PostgreSQL leaves it to
    /// vacuum.
    async fn reclaim_space(&self) -> StoreResult<()>;

    // Retention
    async fn retention_policy(&self, account: AccountId) -> StoreResult<RetentionPolicy>;
    async fn put_retention_policy(
        &self,
        account: AccountId,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> StoreResult<()>;
    async fn accounts_with_retention(&self) -> StoreResult<Vec<(AccountId, RetentionPolicy)>>;
    /// Resolved, not yet redacted conversations last active before
    /// `cutoff`, oldest first.
    async fn due_for_retention(
        &self,
        account: AccountId,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ConversationId>>;
    /// Anonymises or deletes these conversations as the policy says
    /// (skipping any that became active again). The caller deletes the
    /// returned attachment blobs.
    async fn apply_retention(
        &self,
        account: AccountId,
        conversations: &[ConversationId],
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> StoreResult<RetentionBatch>;
    async fn identities_of(
        &self,
        account: AccountId,
        contact: ContactId,
    ) -> StoreResult<Vec<Identity>>;

    // Conversations
    async fn create_conversation(
        &self,
        new: &NewConversation,
        policy: &Policy,
    ) -> StoreResult<Applied>;
    async fn get_conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Conversation>;
    async fn list_conversations(
        &self,
        account: AccountId,
        filter: &ConversationFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Conversation>>;
    /// Runs the state machine under the conversation's lock. With
    /// `expected_version` the change applies only if nobody changed the
    /// conversation since (`VersionConflict` otherwise).
    // Each argument is a distinct part of the unit of work; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    async fn apply(
        &self,
        account: AccountId,
        id: ConversationId,
        input: Input,
        actor: Sender,
        policy: &Policy,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Applied>;
    /// `apply`, plus a public system message (`note`) when the transition
    /// changed something, in the same unit of work: e.g. a customer's
    /// request for a person is handed off and announced together, and asking
    /// again while queued or assigned writes nothing.
    #[allow(clippy::too_many_arguments)]
    async fn apply_noted(
        &self,
        account: AccountId,
        id: ConversationId,
        input: Input,
        actor: Sender,
        policy: &Policy,
        note: &MessageContent,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Applied>;
    /// The conversation's place in its queue (1 = next; higher priority
    /// first, then longer waiting), or `None` when not queued. The queue is
    /// the conversation's team, or its inbox when it has no team.
    async fn queue_position(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Option<i64>>;
    /// Up to `limit` of the account's queued conversations in serve order.
    async fn queued_conversations(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<QueuedConversation>>;
    /// Accounts with at least one queued conversation.
    async fn accounts_with_queue(&self) -> StoreResult<Vec<AccountId>>;
    /// Every member of the account with their teams, inboxes and load.
    async fn routing_roster(&self, account: AccountId) -> StoreResult<Vec<RosterEntry>>;
    /// Commits an assignment decided by routing or by a person (see [`Claim`]).
    async fn claim_conversation(&self, claim: &Claim) -> StoreResult<Applied>;
    /// Turns a chat into a ticket in place: history, owner and clocks stay;
    /// `conversation.converted` records why (`reason`, e.g. `agent`,
    /// `outside_hours`). A ticket already is one (error `Conflict`).
    async fn convert_to_ticket(
        &self,
        account: AccountId,
        id: ConversationId,
        ticket_type: Option<TicketType>,
        reason: &str,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Applied>;
    /// Moves a ticket to a ticket status through the state machine
    /// ([`TicketStatus::plan`]) in one unit of work; solving and closing
    /// need the account's required fields filled. Closing is final.
    async fn set_ticket_status(
        &self,
        account: AccountId,
        id: ConversationId,
        target: TicketStatus,
        actor: Sender,
        policy: &Policy,
        now: Timestamp,
    ) -> StoreResult<Applied>;
    /// The account's custom ticket fields, in their display order.
    async fn ticket_fields(&self, account: AccountId) -> StoreResult<Vec<TicketField>>;
    /// Replaces the account's ticket fields (values on tickets stay).
    async fn replace_ticket_fields(
        &self,
        account: AccountId,
        fields: &[TicketField],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Links two conversations of the account; `conversation.linked` is
    /// recorded on both. Linking a pair already linked (either way) is a
    /// `Conflict`.
    async fn link_conversations(
        &self,
        account: AccountId,
        link: &ConversationLink,
        actor: Sender,
    ) -> StoreResult<Vec<Event>>;
    /// Removes the link between two conversations, whichever holds it.
    async fn unlink_conversations(
        &self,
        account: AccountId,
        a: ConversationId,
        b: ConversationId,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Vec<Event>>;
    /// Every link from or to the conversation, oldest first.
    async fn conversation_links(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Vec<ConversationLink>>;
    /// The account's inspection rules and scorecards (empty when never set).
    async fn qa_settings(&self, account: AccountId) -> StoreResult<QaSettings>;
    async fn put_qa_settings(
        &self,
        account: AccountId,
        settings: &QaSettings,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Replaces the conversation's scores with these and records `qa.scored`
    /// in the same unit of work (an inspection run again, e.g. after a
    /// reopened conversation is resolved again, leaves one set of scores).
    async fn record_qa_scores(
        &self,
        account: AccountId,
        conversation: ConversationId,
        scores: &[QaScore],
        now: Timestamp,
    ) -> StoreResult<Event>;
    /// Saves a reviewed, appealed or decided score, if it is still at the
    /// version the change read (else `VersionConflict`), bumping the
    /// version and recording `qa.scored` in the same unit of work.
    /// With the review, the verdicts on sentiment hits are kept as training
    /// labels (`labels`, replacing earlier labels of the same messages).
    async fn save_qa_review(
        &self,
        account: AccountId,
        score: &QaScore,
        labels: &[SentimentLabel],
        now: Timestamp,
    ) -> StoreResult<Event>;
    /// The account's sentiment labels, newest first, at most `limit`.
    async fn sentiment_labels(
        &self,
        account: AccountId,
        limit: usize,
    ) -> StoreResult<Vec<SentimentLabel>>;
    /// The account's retrained sentiment model, if it has one.
    async fn sentiment_model(
        &self,
        account: AccountId,
    ) -> StoreResult<Option<AccountSentimentModel>>;
    /// Stores the account's retrained model (`None`: back to the shipped
    /// one) and marks the QA settings with its training time, in one unit
    /// of work, so every node's compiled settings pick it up.
    async fn put_sentiment_model(
        &self,
        account: AccountId,
        model: Option<&AccountSentimentModel>,
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Scores for the review queue or an agent's own list, newest first.
    async fn list_qa_scores(
        &self,
        account: AccountId,
        filter: &QaScoreFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<QaScore>>;
    /// The conversation's scores, by scorecard id.
    async fn qa_scores(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<QaScore>>;
    async fn patch_conversation(
        &self,
        account: AccountId,
        id: ConversationId,
        patch: &ConversationPatch,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Applied>;
    /// Records a live alert with its `qa.alert` event, unless the same rule
    /// already alerted for the same message and reason (then `None`): the
    /// alert's key makes the check idempotent across nodes and retries.
    async fn record_qa_alert(
        &self,
        account: AccountId,
        alert: &QaAlert,
        now: Timestamp,
    ) -> StoreResult<Option<Event>>;
    /// Live alerts, newest first; with `inboxes: Some(..)` only those of
    /// these inboxes.
    async fn list_qa_alerts(
        &self,
        account: AccountId,
        inboxes: Option<&[InboxId]>,
        page: &PageRequest,
    ) -> StoreResult<Page<QaAlert>>;
    /// Appends an event that is not a state change (e.g. `qa.scored`,
    /// `bot.answered`) to the conversation's log.
    async fn record_event(
        &self,
        account: AccountId,
        id: ConversationId,
        event: &NewEvent,
        now: Timestamp,
    ) -> StoreResult<Event>;

    // Satisfaction
    /// Stores a contact's answer to a `csat_request` message of their own
    /// conversation (`NotFound` otherwise) with a `conversation.rated`
    /// event; a second answer to the same request is a `Conflict`.
    async fn rate_conversation(&self, answer: &CsatResponse) -> StoreResult<(CsatResponse, Event)>;
    async fn conversation_ratings(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Vec<CsatResponse>>;

    // Canned responses
    /// A duplicate short code in the same scope (shared, or one member's own)
    /// is a `Conflict`.
    async fn create_canned_response(&self, c: &CannedResponse) -> StoreResult<()>;
    async fn get_canned_response(
        &self,
        account: AccountId,
        id: CannedResponseId,
    ) -> StoreResult<CannedResponse>;
    /// The shared responses and `member`'s own, by short code.
    async fn list_canned_responses(
        &self,
        account: AccountId,
        member: UserId,
    ) -> StoreResult<Vec<CannedResponse>>;
    async fn update_canned_response(&self, c: &CannedResponse) -> StoreResult<()>;
    async fn delete_canned_response(
        &self,
        account: AccountId,
        id: CannedResponseId,
    ) -> StoreResult<()>;

    // Knowledge base
    /// A question already used in the same locale (case-insensitively) is a
    /// `Conflict`. Bumps the account's knowledge-base revision.
    async fn create_kb_entry(&self, e: &KbEntry) -> StoreResult<()>;
    async fn get_kb_entry(&self, account: AccountId, id: KbEntryId) -> StoreResult<KbEntry>;
    /// Writes `e` if the stored entry still has version `e.version`, and
    /// returns it as stored (version one more, `created_at` kept); a
    /// `VersionConflict` when someone changed it since.
    async fn update_kb_entry(&self, e: &KbEntry) -> StoreResult<KbEntry>;
    async fn delete_kb_entry(&self, account: AccountId, id: KbEntryId) -> StoreResult<()>;
    /// Most recently changed first.
    async fn list_kb_entries(
        &self,
        account: AccountId,
        filter: &KbFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<KbEntry>>;
    /// Every entry of the account, enabled or not, by `created_at` and id:
    /// what the bot builds its index from.
    async fn knowledge_base(&self, account: AccountId) -> StoreResult<Vec<KbEntry>>;
    /// 0 for an account that never had entries; strictly greater after every
    /// create, update, delete or import (committed with the change), so
    /// nodes poll it to know when to rebuild.
    async fn kb_revision(&self, account: AccountId) -> StoreResult<i64>;
    /// Upserts in one unit of work: an entry matches an existing one by id
    /// when the account has that id, else by (locale, question
    /// case-insensitively). Created entries keep the given id; updated ones
    /// keep theirs, and their version goes up. The entries must be
    /// validated and belong to `account`.
    async fn import_kb_entries(
        &self,
        account: AccountId,
        entries: &[KbEntry],
        mode: KbImportMode,
    ) -> StoreResult<KbImportCounts>;

    // Messages
    async fn append_message(&self, new: &NewMessage, policy: &Policy) -> StoreResult<Appended>;
    /// Appends a contact's message to their newest contact-facing
    /// conversation in `inbox` (a chat or a chat turned ticket, not closed:
    /// see `ConversationFilter::contact_facing`; `new.conversation_id` is
    /// ignored), found inside the same unit of work, so a customer's message
    /// costs one trip to the store. `None` when there is none yet.
    async fn append_to_latest(
        &self,
        inbox: InboxId,
        contact: ContactId,
        new: &NewMessage,
        policy: &Policy,
    ) -> StoreResult<Option<Appended>>;
    async fn get_message(&self, account: AccountId, id: MessageId) -> StoreResult<Message>;
    /// Messages after `after_seq`, oldest first; internal notes only when asked.
    async fn list_messages(
        &self,
        account: AccountId,
        conversation: ConversationId,
        after_seq: i64,
        limit: u32,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>>;
    /// The newest messages (for a first screen), oldest first.
    async fn latest_messages(
        &self,
        account: AccountId,
        conversation: ConversationId,
        limit: u32,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>>;
    async fn set_delivery(
        &self,
        account: AccountId,
        id: MessageId,
        state: DeliveryState,
        now: Timestamp,
    ) -> StoreResult<Event>;
    async fn set_read_cursor(
        &self,
        account: AccountId,
        conversation: ConversationId,
        participant: Sender,
        seq: i64,
        now: Timestamp,
    ) -> StoreResult<ReadCursor>;
    async fn read_cursors(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ReadCursor>>;

    // Mentions
    /// `user`'s mentions, newest first; with `unread_only` only those not
    /// yet read, and with `inboxes: Some(..)` only those in these inboxes.
    async fn list_mentions(
        &self,
        account: AccountId,
        user: UserId,
        unread_only: bool,
        inboxes: Option<&[InboxId]>,
        page: &PageRequest,
    ) -> StoreResult<Page<Mention>>;
    /// Marks `user`'s unread mentions read; returns how many changed. Ids of
    /// other members' mentions are skipped, not an error.
    async fn mark_mentions_read(
        &self,
        account: AccountId,
        user: UserId,
        which: &MentionsToRead,
        now: Timestamp,
    ) -> StoreResult<u64>;

    // Events
    async fn conversation_events(
        &self,
        account: AccountId,
        conversation: ConversationId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;
    /// Committed events of one account after `cursor`, in stream order.
    async fn account_events_after(
        &self,
        account: AccountId,
        cursor: StreamCursor,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;
    /// Committed events of all accounts after `cursor` (the outbox relay).
    async fn stream_after(&self, cursor: StreamCursor, limit: u32) -> StoreResult<Vec<Event>>;
    /// The position a new reader starts from to see only future events.
    async fn stream_head(&self) -> StoreResult<StreamCursor>;

    // Attachments
    async fn create_attachment(&self, a: &Attachment) -> StoreResult<()>;
    async fn get_attachment(&self, account: AccountId, id: AttachmentId)
    -> StoreResult<Attachment>;
    /// Attachments of one conversation, oldest first.
    async fn list_attachments(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<Attachment>>;
    async fn attach_to_conversation(
        &self,
        account: AccountId,
        id: AttachmentId,
        conversation: ConversationId,
    ) -> StoreResult<()>;

    // Sessions and tokens
    async fn create_session(&self, s: &Session) -> StoreResult<()>;
    async fn find_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>>;
    async fn switch_session_account(&self, id: SessionId, account: AccountId) -> StoreResult<()>;
    async fn delete_session(&self, id: SessionId) -> StoreResult<()>;
    async fn delete_user_sessions(&self, user: UserId) -> StoreResult<u64>;
    async fn create_token(&self, t: &ApiToken, secret_hash: &str) -> StoreResult<()>;
    /// An unrevoked token by the hash of its secret; marks it used.
    async fn find_token(&self, secret_hash: &str, now: Timestamp) -> StoreResult<Option<ApiToken>>;
    async fn list_tokens(
        &self,
        account: AccountId,
        user: Option<UserId>,
    ) -> StoreResult<Vec<ApiToken>>;
    async fn revoke_token(
        &self,
        account: AccountId,
        id: TokenId,
        now: Timestamp,
    ) -> StoreResult<()>;

    // Audit
    async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()>;
    async fn list_audit(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>>;

    // Durable jobs
    /// Enqueues a job; returns `None` when a pending job has the same dedupe key.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<Option<JobId>>;
    /// Claims due jobs under a lease so no other node runs them meanwhile.
    async fn claim_jobs(&self, now: Timestamp, lease_ms: i64, limit: u32) -> StoreResult<Vec<Job>>;
    async fn complete_job(&self, id: JobId) -> StoreResult<()>;
    /// Moves the pending (unclaimed) job with this dedupe key forward to
    /// `run_at` when it was due later: a timer that must now fire sooner.
    async fn expedite_job(&self, dedupe_key: &str, run_at: Timestamp) -> StoreResult<bool>;
    /// Records a failure; retried at `retry_at`, or dead when attempts are used up.
    async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()>;
    async fn count_jobs(&self, kind: &str) -> StoreResult<(i64, i64)>;

    // The bot's unanswered questions (the learning loop)
    /// Records a question the bot could not answer; recording the same
    /// message again changes nothing.
    async fn record_bot_question(&self, q: &NewBotQuestion) -> StoreResult<()>;
    /// Open questions asked at or after `since`, newest first.
    async fn open_bot_questions(
        &self,
        account: AccountId,
        since: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<BotQuestion>>;
    /// Marks open questions as added to the knowledge base or dismissed;
    /// returns how many changed (unknown or already resolved ones are skipped).
    async fn resolve_bot_questions(
        &self,
        account: AccountId,
        messages: &[MessageId],
        resolution: BotQuestionResolution,
        by: UserId,
        now: Timestamp,
    ) -> StoreResult<u64>;
}
