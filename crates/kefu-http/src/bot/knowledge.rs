//! One trained bot per account, rebuilt when the account's knowledge base
//! changes. Every node polls the knowledge base's revision (one indexed read,
//! at most once per [`REVISION_TTL`] per account), so an edit made through
//! any node takes effect on all of them within seconds, without a restart or
//! a message bus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kefu_bot::{Bot, BotConfig, FaqEntry, KnowledgeBase};
use kefu_core::AccountId;
use kefu_core::model::{KbEntry, KbEntryKind};
use kefu_core::store::Store;

use super::articles::ArticleIndex;

/// How long a node trusts that the knowledge base it built from is current.
pub const REVISION_TTL: Duration = Duration::from_secs(2);

/// A bot built from one revision of an account's knowledge base.
pub struct BuiltBot {
    pub revision: i64,
    /// `None` when the knowledge base has no enabled FAQ entries: the bot
    /// then hands every question to a person.
    pub bot: Option<Bot>,
    /// The enabled articles' chunks, for agent assist.
    pub articles: ArticleIndex,
}

#[derive(Default)]
struct Slot {
    built: Option<Arc<BuiltBot>>,
    checked_at: Option<Instant>,
    /// A rebuild for a newer revision is running in the background.
    rebuilding: bool,
}

/// The bots of every account this node has served.
pub struct BotDirectory {
    store: Arc<dyn Store>,
    slots: Mutex<HashMap<AccountId, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl BotDirectory {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            slots: Mutex::default(),
        }
    }

    fn slot(&self, account: AccountId) -> Arc<tokio::sync::Mutex<Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(account)
            .or_default()
            .clone()
    }

    /// The account's bot. The first call builds it; later calls return the
    /// one built, and when the knowledge base changed meanwhile they keep
    /// serving it while a new one is built in the background (a large
    /// knowledge base takes seconds to train; customers should not wait).
    pub async fn bot_for(
        self: &Arc<Self>,
        account: AccountId,
    ) -> Result<Arc<BuiltBot>, kefu_core::StoreError> {
        let slot = self.slot(account);
        let mut s = slot.lock().await;
        let fresh = s.checked_at.is_some_and(|t| t.elapsed() < REVISION_TTL);
        if let (Some(built), true) = (&s.built, fresh) {
            return Ok(built.clone());
        }
        let revision = self.store.kb_revision(account).await?;
        s.checked_at = Some(Instant::now());
        match s.built.clone() {
            Some(built) if built.revision == revision => Ok(built),
            Some(stale) => {
                if !s.rebuilding {
                    s.rebuilding = true;
                    let this = self.clone();
                    let slot = slot.clone();
                    tokio::spawn(async move {
                        let result = this.build(account, revision).await;
                        let mut s = slot.lock().await;
                        s.rebuilding = false;
                        match result {
                            Ok(b) => s.built = Some(Arc::new(b)),
                            Err(e) => tracing::warn!(%account, error = %e, "bot rebuild failed"),
                        }
                    });
                }
                Ok(stale)
            }
            None => {
                let built = Arc::new(self.build(account, revision).await?);
                s.built = Some(built.clone());
                Ok(built)
            }
        }
    }

    /// Loads the knowledge base and trains on it off the async threads.
    /// `revision` was read before the entries: if an edit lands in between,
    /// the bot is built from newer entries than its revision says and is
    /// simply rebuilt once more on the next check.
    async fn build(
        &self,
        account: AccountId,
        revision: i64,
    ) -> Result<BuiltBot, kefu_core::StoreError> {
        let entries = self.store.knowledge_base(account).await?;
        let started = Instant::now();
        let (bot, articles) = tokio::task::spawn_blocking(move || {
            (build_bot(&entries), ArticleIndex::build(&entries))
        })
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "bot build panicked");
            (None, ArticleIndex::default())
        });
        tracing::info!(
            %account,
            revision,
            entries = bot.as_ref().map_or(0, |b| b.entries().len()),
            ms = started.elapsed().as_millis() as u64,
            "bot built"
        );
        Ok(BuiltBot {
            revision,
            bot,
            articles,
        })
    }
}

/// The bot's view of a stored entry: FAQ entries only (articles serve agent
/// assist through search, they have no question phrasings to learn from).
pub fn faq_entry(e: &KbEntry) -> Option<FaqEntry> {
    if e.kind != KbEntryKind::Faq {
        return None;
    }
    Some(FaqEntry {
        id: e.id.to_string(),
        question: e.question.clone(),
        similar_questions: e.similar_questions.clone(),
        answer: e.answer.clone(),
        locale: e.locale.clone(),
        enabled: e.enabled,
        tags: e.tags.clone(),
        out_of_scope: e.out_of_scope,
        action: e.action.clone(),
    })
}

fn build_bot(entries: &[KbEntry]) -> Option<Bot> {
    let faqs: Vec<FaqEntry> = entries.iter().filter_map(faq_entry).collect();
    // Only out-of-scope entries: nothing the bot may answer.
    if !faqs.iter().any(|e| e.enabled && !e.out_of_scope) {
        return None;
    }
    let kb = match KnowledgeBase::new(faqs) {
        Ok(kb) => kb,
        Err(e) => {
            tracing::error!(error = %e, "stored knowledge base is inconsistent");
            return None;
        }
    };
    match Bot::build(&kb, BotConfig::default()) {
        Ok(bot) => Some(bot),
        Err(e) => {
            tracing::warn!(error = %e, "bot not built");
            None
        }
    }
}
