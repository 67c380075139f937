//! Keeps this node's search index ([`kefu_search::SearchIndex`]) current
//! from the event stream, and rebuilds it (`kefu search reindex`) by
//! replaying the stream from its start through the same code.
//!
//! The event log holds everything the index needs: contacts as they were
//! created and changed, every message as it was written (with its text
//! scrubbed if it was later erased), and every change to a conversation.
//! Conversation-level fields (status, assignee, labels) are read from the
//! store once per batch for the conversations the batch touched, so the
//! index reflects their current state. Each commit stores the cursor of the
//! last event applied: a restart resumes there, and an index without a
//! cursor (new, or cleared) is filled by replaying from the start.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use kefu_core::event::{Event, EventType, StreamCursor};
use kefu_core::model::{Contact, Conversation, Message};
use kefu_core::store::Store;
use kefu_core::{AccountId, ContactId, ConversationId, InboxId, StoreError};
use kefu_search::{ContactDoc, ConversationDoc, MessageDoc, SearchError, SearchIndex};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// Events read and applied per batch (one index commit each).
const BATCH: u32 = 1000;
/// How often the indexer looks for events committed by other nodes.
const POLL: Duration = Duration::from_millis(500);
/// Under load, at most one index commit this often: a tantivy commit writes
/// and syncs a segment, and one per small batch cost the chat server most
/// of a core at 1,000 messages/s (docs/benchmarks.md). When the indexer
/// catches up it commits at once, so a quiet server's index is current.
const COMMIT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("the indexing task failed: {0}")]
    Task(String),
}

/// Applies events to an index, remembering inbox channels between batches.
pub struct Indexer {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    channels: HashMap<InboxId, String>,
    /// The last event applied (committed, or pending the next commit).
    cursor: StreamCursor,
    /// Applied since the last commit, and whether that erased anything.
    dirty: bool,
    erased: bool,
    last_commit: std::time::Instant,
}

impl Indexer {
    /// Resumes where the index's last commit left off (the start of the log
    /// for a new index).
    pub fn new(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> Self {
        let cursor = index
            .cursor()
            .and_then(|c| c.parse().ok())
            .unwrap_or(StreamCursor::START);
        Self {
            store,
            index,
            channels: HashMap::new(),
            cursor,
            dirty: false,
            erased: false,
            last_commit: std::time::Instant::now(),
        }
    }

    pub fn cursor(&self) -> StreamCursor {
        self.cursor
    }

    /// Reads and applies one batch after the cursor; returns how many
    /// events it applied (0: caught up). Commits when caught up, or when
    /// the last commit is [`COMMIT_EVERY`] old. Events applied but not yet
    /// committed are applied again after a crash, which changes nothing.
    pub async fn step(&mut self) -> Result<usize, IndexError> {
        let events = self.store.stream_after(self.cursor, BATCH).await?;
        let Some(last) = events.last().and_then(|e| e.cursor) else {
            self.commit().await?;
            return Ok(0);
        };
        self.erased |= self.apply(&events).await?;
        self.cursor = last;
        self.dirty = true;
        if self.last_commit.elapsed() >= COMMIT_EVERY {
            self.commit().await?;
        }
        Ok(events.len())
    }

    /// Commits what was applied, with the cursor; purges after an erasure.
    pub async fn commit(&mut self) -> Result<(), IndexError> {
        if !self.dirty {
            return Ok(());
        }
        let (index, cursor, purge) = (self.index.clone(), self.cursor, self.erased);
        tokio::task::spawn_blocking(move || {
            index.commit(Some(&cursor.to_string()))?;
            // Erased text must leave the files, not only the results.
            if purge {
                index.purge()?;
            }
            Ok::<_, SearchError>(())
        })
        .await
        .map_err(|e| IndexError::Task(e.to_string()))??;
        self.dirty = false;
        self.erased = false;
        self.last_commit = std::time::Instant::now();
        Ok(())
    }

    /// Applies a batch in order; returns whether it erased anything.
    async fn apply(&mut self, events: &[Event]) -> Result<bool, IndexError> {
        // The current state of every conversation the batch touches, indexed
        // first: message documents copy their conversation's fields.
        let mut touched: Vec<(AccountId, ConversationId)> = Vec::new();
        let mut seen = HashSet::new();
        for e in events {
            if let Some(c) = e.conversation_id
                && seen.insert(c)
            {
                touched.push((e.account_id, c));
            }
        }
        let mut current: HashMap<ConversationId, Conversation> = HashMap::new();
        for (account, id) in touched {
            match self.store.get_conversation(account, id).await {
                Ok(conv) => {
                    let doc = self.conversation_doc(&conv).await?;
                    self.index.upsert_conversation(doc)?;
                    current.insert(id, conv);
                }
                // Deleted since (retention): its `conversation.redacted`
                // event removes whatever the index has of it.
                Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut purge = false;
        for e in events {
            match e.kind {
                EventType::MessageCreated => {
                    let Some(conv) = e.conversation_id.and_then(|c| current.get(&c)) else {
                        continue;
                    };
                    let Some(m) = e
                        .data
                        .get("message")
                        .and_then(|m| serde_json::from_value::<Message>(m.clone()).ok())
                    else {
                        continue;
                    };
                    let Some(body) = m.content.plain_text().filter(|t| !t.trim().is_empty()) else {
                        continue;
                    };
                    let channel = self.channel(conv.account_id, conv.inbox_id).await?;
                    self.index.add_message(MessageDoc {
                        account: conv.account_id,
                        id: m.id,
                        conversation: conv.id,
                        inbox: conv.inbox_id,
                        contact: Some(conv.contact_id),
                        channel,
                        body: body.to_owned(),
                        created_at: m.created_at,
                    })?;
                }
                EventType::ContactCreated | EventType::ContactUpdated => {
                    let Some(c) = e
                        .data
                        .get("contact")
                        .and_then(|c| serde_json::from_value::<Contact>(c.clone()).ok())
                    else {
                        continue;
                    };
                    if c.erased_at.is_some() {
                        continue;
                    }
                    self.index.upsert_contact(ContactDoc {
                        account: c.account_id,
                        id: c.id,
                        name: c.name,
                        email: c.email,
                        phone: c.phone,
                        inboxes: Vec::new(),
                        created_at: c.created_at,
                    })?;
                }
                EventType::ConversationRedacted => {
                    let Some(id) = e.conversation_id else {
                        continue;
                    };
                    self.index.delete_conversation(e.account_id, id)?;
                    purge = true;
                    // Anonymised, not deleted: the conversation itself stays
                    // findable by its filters, without text.
                    if let Some(conv) = current.get(&id) {
                        let doc = self.conversation_doc(conv).await?;
                        self.index.upsert_conversation(doc)?;
                    }
                }
                EventType::ContactErased => {
                    let Some(id) = e
                        .data
                        .get("contact_id")
                        .and_then(|v| v.as_str())
                        .and_then(|s| s.parse::<ContactId>().ok())
                    else {
                        continue;
                    };
                    self.index.erase_contact(e.account_id, id)?;
                    purge = true;
                }
                _ => {}
            }
        }
        Ok(purge)
    }

    async fn channel(
        &mut self,
        account: AccountId,
        inbox: InboxId,
    ) -> Result<Option<String>, IndexError> {
        if let Some(c) = self.channels.get(&inbox) {
            return Ok(Some(c.clone()));
        }
        match self.store.get_inbox(account, inbox).await {
            Ok(i) => {
                let c = i.channel.as_str().to_owned();
                self.channels.insert(inbox, c.clone());
                Ok(Some(c))
            }
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn conversation_doc(&mut self, c: &Conversation) -> Result<ConversationDoc, IndexError> {
        Ok(ConversationDoc {
            account: c.account_id,
            id: c.id,
            inbox: c.inbox_id,
            contact: Some(c.contact_id),
            channel: self.channel(c.account_id, c.inbox_id).await?,
            status: c.status.as_str().to_owned(),
            assignee: c.assignee_id,
            team: c.team_id,
            labels: c.labels.clone(),
            subject: c.subject.clone(),
            created_at: c.created_at,
        })
    }
}

/// Empties the index and replays the whole event stream into it; `progress`
/// is told the number of events applied so far. Returns that number.
pub async fn reindex(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    progress: impl Fn(u64),
) -> Result<u64, IndexError> {
    let cleared = index.clone();
    tokio::task::spawn_blocking(move || cleared.clear())
        .await
        .map_err(|e| IndexError::Task(e.to_string()))??;
    let mut indexer = Indexer::new(store, index);
    // From the start of the log, whatever the cleared index's last commit
    // said.
    indexer.cursor = StreamCursor::START;
    let mut total = 0u64;
    loop {
        let n = indexer.step().await?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
        progress(total);
    }
}

/// Keeps the index current until `shutdown`: catches up from the index's
/// cursor (all of the stream for a new index), then follows new commits,
/// woken by this node's commits and polling for other nodes'.
pub fn spawn_indexer(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    committed: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut indexer = Indexer::new(store, index);
        loop {
            let notified = committed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = match indexer.step().await {
                Ok(n) if n > 0 => Duration::ZERO,
                Ok(_) => POLL,
                Err(e) => {
                    tracing::warn!(error = %e, "search indexer: batch failed; retrying");
                    Duration::from_secs(1)
                }
            };
            if !wait.is_zero() {
                tokio::select! {
                    _ = &mut notified => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
            if *shutdown.borrow() {
                return;
            }
        }
    })
}
