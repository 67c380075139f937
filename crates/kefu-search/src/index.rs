//! The index itself: schema, writer state, updates, search and snippets.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use kefu_core::ids::{AccountId, ContactId, ConversationId, InboxId, MessageId, TeamId, UserId};
use kefu_core::time::Timestamp;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher,
    TantivyDocument, Term,
};
use uuid::Uuid;

use crate::tokenizer::{KefuTokenizer, QueryWord, TOKENIZER_NAME, query_words, tokenize};
use crate::types::{
    ContactDoc, ConversationDoc, DocKind, Hit, MessageDoc, Order, SearchQuery, SearchResults,
    Snippet,
};
use crate::{MAX_LIMIT, MAX_OFFSET, MAX_QUERY_CHARS, MAX_QUERY_WORDS, SearchError};

/// Writer memory budget, split between the writer's threads.
const WRITER_MEMORY: usize = 100_000_000;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 150;
/// Characters of context kept before the first highlight.
const SNIPPET_LEAD: usize = 40;
/// Shortest digit run treated as a phone number.
const MIN_PHONE_DIGITS: usize = 7;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    account: Field,
    kind: Field,
    conversation: Field,
    contact: Field,
    inbox: Field,
    channel: Field,
    status: Field,
    assignee: Field,
    team: Field,
    labels: Field,
    created_at: Field,
    body: Field,
    subject: Field,
    name: Field,
    email: Field,
    phone: Field,
    contact_key: Field,
    given_inboxes: Field,
}

fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let raw = STRING | STORED;
    let fields = Fields {
        // "<account>:<id>" of the document itself: replacing a document is a
        // delete of this term, which can never touch another account.
        key: b.add_text_field("key", raw.clone()),
        account: b.add_text_field("account", raw.clone()),
        kind: b.add_text_field("kind", raw.clone()),
        // "<account>:<conversation id>" on conversations and their messages.
        conversation: b.add_text_field("conversation", raw.clone()),
        // "<account>:<contact id>" on contacts, their conversations and messages.
        contact: b.add_text_field("contact", raw.clone()),
        inbox: b.add_text_field("inbox", raw.clone()),
        channel: b.add_text_field("channel", raw.clone()),
        status: b.add_text_field("status", raw.clone()),
        assignee: b.add_text_field("assignee", raw.clone()),
        team: b.add_text_field("team", raw.clone()),
        labels: b.add_text_field("labels", raw.clone()),
        created_at: b.add_i64_field("created_at", INDEXED | STORED | tantivy::schema::FAST),
        body: b.add_text_field("body", text.clone()),
        subject: b.add_text_field("subject", text.clone()),
        name: b.add_text_field("name", text.clone()),
        email: b.add_text_field("email", text.clone()),
        phone: b.add_text_field("phone", text),
        // Whole lowercased email and digits-only phone: finds a contact by
        // the exact value however it was written.
        contact_key: b.add_text_field("contact_key", STRING),
        // Inboxes the caller gave for a contact (stored only; `inbox` holds
        // the effective set).
        given_inboxes: b.add_text_field("given_inboxes", STORED),
    };
    (b.build(), fields)
}

/// Changes since the last commit, which the reader cannot see yet.
#[derive(Default)]
struct Pending {
    convs: HashMap<(AccountId, ConversationId), Option<ConversationDoc>>,
    msgs: HashMap<(AccountId, ConversationId), HashMap<MessageId, MessageDoc>>,
    contacts: HashMap<(AccountId, ContactId), Option<StoredContact>>,
    convs_by_contact: HashMap<(AccountId, ContactId), HashSet<ConversationId>>,
    /// Conversations whose committed documents are deleted in this batch.
    dropped_convs: HashSet<(AccountId, ConversationId)>,
    dropped_contacts: HashSet<(AccountId, ContactId)>,
    dropped_accounts: HashSet<AccountId>,
    dropped_all: bool,
}

#[derive(Clone, Debug, PartialEq)]
struct StoredContact {
    doc: ContactDoc,
    effective: BTreeSet<InboxId>,
}

struct State {
    /// None only if reopening the writer failed during a purge.
    writer: Option<IndexWriter>,
    pending: Pending,
}

impl State {
    fn w(&mut self) -> Result<&mut IndexWriter, SearchError> {
        self.writer.as_mut().ok_or(SearchError::WriterLost)
    }
}

/// The search index. `Send + Sync`; share it in an `Arc`. Updates are
/// serialised by one writer lock; searches run concurrently on the last
/// committed state.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    state: Mutex<State>,
}

fn composite(account: AccountId, id: Uuid) -> String {
    format!("{account}:{id}")
}

fn id_after_colon(s: &str) -> Option<Uuid> {
    s.split_once(':')
        .and_then(|(_, id)| Uuid::parse_str(id).ok())
}

fn const_filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

/// The raw key under which a contact is found by exact email or phone.
fn contact_keys(email: Option<&str>, phone: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(e) = email {
        let e = crate::tokenizer::fold_word(e);
        if !e.is_empty() {
            keys.push(e);
        }
    }
    if let Some(p) = phone {
        let digits: String = crate::tokenizer::fold_word(p)
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
        // Every suffix of 7+ digits, so "13800138000" finds "+86 138-0013-8000".
        if digits.len() >= MIN_PHONE_DIGITS {
            for start in 0..=digits.len() - MIN_PHONE_DIGITS {
                keys.push(digits[start..].to_string());
            }
        }
    }
    keys
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the directory) if missing.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir)?;
        let directory = MmapDirectory::open(dir)?;
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .open_or_create(directory)?;
        Self::with_index(index, fields)
    }

    /// A fresh index in memory (tests).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = build_schema();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_ram()?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        index
            .tokenizers()
            .register(TOKENIZER_NAME, TextAnalyzer::from(KefuTokenizer));
        let writer = index.writer(WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            state: Mutex::new(State {
                writer: Some(writer),
                pending: Pending::default(),
            }),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, SearchError> {
        self.state.lock().map_err(|_| SearchError::Poisoned)
    }

    fn key_term(&self, account: AccountId, id: Uuid) -> Term {
        Term::from_field_text(self.fields.key, &composite(account, id))
    }

    fn conversation_term(&self, account: AccountId, id: ConversationId) -> Term {
        Term::from_field_text(self.fields.conversation, &composite(account, id.0))
    }

    fn contact_term(&self, account: AccountId, id: ContactId) -> Term {
        Term::from_field_text(self.fields.contact, &composite(account, id.0))
    }

    fn kind_term(&self, kind: DocKind) -> Term {
        Term::from_field_text(self.fields.kind, kind.as_str())
    }

    // ---- documents <-> tantivy ----

    fn conversation_document(&self, d: &ConversationDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, composite(d.account, d.id.0));
        doc.add_text(f.account, d.account.to_string());
        doc.add_text(f.kind, DocKind::Conversation.as_str());
        self.add_conversation_fields(&mut doc, d);
        if let Some(s) = &d.subject {
            doc.add_text(f.subject, s);
        }
        doc.add_i64(f.created_at, d.created_at.millis());
        doc
    }

    /// The conversation-level fields, shared by the conversation and its
    /// messages.
    fn add_conversation_fields(&self, doc: &mut TantivyDocument, d: &ConversationDoc) {
        let f = &self.fields;
        doc.add_text(f.conversation, composite(d.account, d.id.0));
        doc.add_text(f.inbox, d.inbox.to_string());
        if let Some(c) = d.contact {
            doc.add_text(f.contact, composite(d.account, c.0));
        }
        if let Some(c) = &d.channel {
            doc.add_text(f.channel, c);
        }
        doc.add_text(f.status, &d.status);
        if let Some(a) = d.assignee {
            doc.add_text(f.assignee, a.to_string());
        }
        if let Some(t) = d.team {
            doc.add_text(f.team, t.to_string());
        }
        for l in &d.labels {
            doc.add_text(f.labels, l);
        }
    }

    fn message_document(&self, m: &MessageDoc, conv: Option<&ConversationDoc>) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, composite(m.account, m.id.0));
        doc.add_text(f.account, m.account.to_string());
        doc.add_text(f.kind, DocKind::Message.as_str());
        match conv {
            Some(c) => self.add_conversation_fields(&mut doc, c),
            None => {
                doc.add_text(f.conversation, composite(m.account, m.conversation.0));
                doc.add_text(f.inbox, m.inbox.to_string());
                if let Some(c) = m.contact {
                    doc.add_text(f.contact, composite(m.account, c.0));
                }
                if let Some(c) = &m.channel {
                    doc.add_text(f.channel, c);
                }
            }
        }
        doc.add_text(f.body, &m.body);
        doc.add_i64(f.created_at, m.created_at.millis());
        doc
    }

    fn contact_document(&self, c: &StoredContact) -> TantivyDocument {
        let f = &self.fields;
        let d = &c.doc;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, composite(d.account, d.id.0));
        doc.add_text(f.account, d.account.to_string());
        doc.add_text(f.kind, DocKind::Contact.as_str());
        doc.add_text(f.contact, composite(d.account, d.id.0));
        for i in &c.effective {
            doc.add_text(f.inbox, i.to_string());
        }
        for i in &d.inboxes {
            doc.add_text(f.given_inboxes, i.to_string());
        }
        if let Some(n) = &d.name {
            doc.add_text(f.name, n);
        }
        if let Some(e) = &d.email {
            doc.add_text(f.email, e);
        }
        if let Some(p) = &d.phone {
            doc.add_text(f.phone, p);
        }
        for k in contact_keys(d.email.as_deref(), d.phone.as_deref()) {
            doc.add_text(f.contact_key, k);
        }
        doc.add_i64(f.created_at, d.created_at.millis());
        doc
    }

    fn str_of(doc: &TantivyDocument, field: Field) -> Option<String> {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    fn strs_of(doc: &TantivyDocument, field: Field) -> Vec<String> {
        doc.get_all(field)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    fn created_of(&self, doc: &TantivyDocument) -> Timestamp {
        Timestamp::from_millis(
            doc.get_first(self.fields.created_at)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
        )
    }

    fn parse_uuid(s: Option<String>) -> Option<Uuid> {
        s.and_then(|s| Uuid::parse_str(&s).ok())
    }

    fn stored_conversation(&self, doc: &TantivyDocument) -> Result<ConversationDoc, SearchError> {
        let f = &self.fields;
        let corrupt = || SearchError::Corrupt("conversation".into());
        Ok(ConversationDoc {
            account: Self::parse_uuid(Self::str_of(doc, f.account))
                .ok_or_else(corrupt)?
                .into(),
            id: Self::str_of(doc, f.key)
                .as_deref()
                .and_then(id_after_colon)
                .ok_or_else(corrupt)?
                .into(),
            inbox: Self::parse_uuid(Self::str_of(doc, f.inbox))
                .ok_or_else(corrupt)?
                .into(),
            contact: Self::str_of(doc, f.contact)
                .as_deref()
                .and_then(id_after_colon)
                .map(ContactId),
            channel: Self::str_of(doc, f.channel),
            status: Self::str_of(doc, f.status).unwrap_or_default(),
            assignee: Self::parse_uuid(Self::str_of(doc, f.assignee)).map(UserId),
            team: Self::parse_uuid(Self::str_of(doc, f.team)).map(TeamId),
            labels: Self::strs_of(doc, f.labels),
            subject: Self::str_of(doc, f.subject),
            created_at: self.created_of(doc),
        })
    }

    fn stored_message(&self, doc: &TantivyDocument) -> Result<MessageDoc, SearchError> {
        let f = &self.fields;
        let corrupt = || SearchError::Corrupt("message".into());
        Ok(MessageDoc {
            account: Self::parse_uuid(Self::str_of(doc, f.account))
                .ok_or_else(corrupt)?
                .into(),
            id: Self::str_of(doc, f.key)
                .as_deref()
                .and_then(id_after_colon)
                .ok_or_else(corrupt)?
                .into(),
            conversation: Self::str_of(doc, f.conversation)
                .as_deref()
                .and_then(id_after_colon)
                .ok_or_else(corrupt)?
                .into(),
            inbox: Self::parse_uuid(Self::str_of(doc, f.inbox))
                .ok_or_else(corrupt)?
                .into(),
            contact: Self::str_of(doc, f.contact)
                .as_deref()
                .and_then(id_after_colon)
                .map(ContactId),
            channel: Self::str_of(doc, f.channel),
            body: Self::str_of(doc, f.body).unwrap_or_default(),
            created_at: self.created_of(doc),
        })
    }

    fn stored_contact(&self, doc: &TantivyDocument) -> Result<StoredContact, SearchError> {
        let f = &self.fields;
        let corrupt = || SearchError::Corrupt("contact".into());
        let inboxes = |field| {
            Self::strs_of(doc, field)
                .iter()
                .filter_map(|s| Uuid::parse_str(s).ok().map(InboxId))
                .collect::<Vec<_>>()
        };
        Ok(StoredContact {
            doc: ContactDoc {
                account: Self::parse_uuid(Self::str_of(doc, f.account))
                    .ok_or_else(corrupt)?
                    .into(),
                id: Self::str_of(doc, f.key)
                    .as_deref()
                    .and_then(id_after_colon)
                    .ok_or_else(corrupt)?
                    .into(),
                name: Self::str_of(doc, f.name),
                email: Self::str_of(doc, f.email),
                phone: Self::str_of(doc, f.phone),
                inboxes: inboxes(f.given_inboxes),
                created_at: self.created_of(doc),
            },
            effective: inboxes(f.inbox).into_iter().collect(),
        })
    }

    // ---- reading the committed state ----

    fn committed_docs(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
    ) -> Result<Vec<TantivyDocument>, SearchError> {
        let mut addrs: Vec<DocAddress> = searcher
            .search(query, &DocSetCollector)?
            .into_iter()
            .collect();
        addrs.sort();
        addrs
            .into_iter()
            .map(|a| {
                searcher
                    .doc::<TantivyDocument>(a)
                    .map_err(SearchError::from)
            })
            .collect()
    }

    fn by_terms(&self, terms: Vec<Term>) -> BooleanQuery {
        BooleanQuery::new(
            terms
                .into_iter()
                .map(|t| (Occur::Must, term_query(t)))
                .collect(),
        )
    }

    fn committed_gone(p: &Pending, account: AccountId) -> bool {
        p.dropped_all || p.dropped_accounts.contains(&account)
    }

    fn current_conversation(
        &self,
        p: &Pending,
        account: AccountId,
        id: ConversationId,
    ) -> Result<Option<ConversationDoc>, SearchError> {
        if let Some(c) = p.convs.get(&(account, id)) {
            return Ok(c.clone());
        }
        if Self::committed_gone(p, account) || p.dropped_convs.contains(&(account, id)) {
            return Ok(None);
        }
        let searcher = self.reader.searcher();
        let q = self.by_terms(vec![
            self.key_term(account, id.0),
            self.kind_term(DocKind::Conversation),
        ]);
        match self.committed_docs(&searcher, &q)?.first() {
            Some(d) => Ok(Some(self.stored_conversation(d)?)),
            None => Ok(None),
        }
    }

    fn current_contact(
        &self,
        p: &Pending,
        account: AccountId,
        id: ContactId,
    ) -> Result<Option<StoredContact>, SearchError> {
        if let Some(c) = p.contacts.get(&(account, id)) {
            return Ok(c.clone());
        }
        if Self::committed_gone(p, account) || p.dropped_contacts.contains(&(account, id)) {
            return Ok(None);
        }
        let searcher = self.reader.searcher();
        let q = self.by_terms(vec![
            self.key_term(account, id.0),
            self.kind_term(DocKind::Contact),
        ]);
        match self.committed_docs(&searcher, &q)?.first() {
            Some(d) => Ok(Some(self.stored_contact(d)?)),
            None => Ok(None),
        }
    }

    /// The contact's conversations as they stand (committed, overridden by
    /// pending changes).
    fn contact_conversations(
        &self,
        p: &Pending,
        account: AccountId,
        contact: ContactId,
    ) -> Result<Vec<ConversationDoc>, SearchError> {
        let mut out: HashMap<ConversationId, ConversationDoc> = HashMap::new();
        if !Self::committed_gone(p, account) && !p.dropped_contacts.contains(&(account, contact)) {
            let searcher = self.reader.searcher();
            let q = self.by_terms(vec![
                self.contact_term(account, contact),
                self.kind_term(DocKind::Conversation),
            ]);
            for d in self.committed_docs(&searcher, &q)? {
                let c = self.stored_conversation(&d)?;
                if !p.convs.contains_key(&(account, c.id))
                    && !p.dropped_convs.contains(&(account, c.id))
                {
                    out.insert(c.id, c);
                }
            }
        }
        if let Some(ids) = p.convs_by_contact.get(&(account, contact)) {
            for id in ids {
                if let Some(Some(c)) = p.convs.get(&(account, *id))
                    && c.contact == Some(contact)
                {
                    out.insert(c.id, c.clone());
                }
            }
        }
        Ok(out.into_values().collect())
    }

    fn committed_messages(
        &self,
        p: &Pending,
        account: AccountId,
        conv: ConversationId,
    ) -> Result<Vec<MessageDoc>, SearchError> {
        if Self::committed_gone(p, account) || p.dropped_convs.contains(&(account, conv)) {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let q = self.by_terms(vec![
            self.conversation_term(account, conv),
            self.kind_term(DocKind::Message),
        ]);
        self.committed_docs(&searcher, &q)?
            .iter()
            .map(|d| self.stored_message(d))
            .collect()
    }

    // ---- updates ----

    /// Adds or replaces a conversation, and rewrites its message documents
    /// when a field copied into them changed (status, assignee, team, labels,
    /// inbox, channel, contact). Keeps the contact's inbox set current.
    pub fn upsert_conversation(&self, doc: ConversationDoc) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let account = doc.account;
        let prev = self.current_conversation(&st.pending, account, doc.id)?;
        let denorm_changed = match &prev {
            None => true,
            Some(p) => {
                p.inbox != doc.inbox
                    || p.contact != doc.contact
                    || p.channel != doc.channel
                    || p.status != doc.status
                    || p.assignee != doc.assignee
                    || p.team != doc.team
                    || p.labels != doc.labels
            }
        };
        let mut messages: HashMap<MessageId, MessageDoc> = HashMap::new();
        if denorm_changed {
            for m in self.committed_messages(&st.pending, account, doc.id)? {
                messages.insert(m.id, m);
            }
            if let Some(pm) = st.pending.msgs.get(&(account, doc.id)) {
                for (id, m) in pm {
                    messages.insert(*id, m.clone());
                }
            }
        }
        if messages.is_empty() {
            st.w()?.delete_term(self.key_term(account, doc.id.0));
            st.w()?.add_document(self.conversation_document(&doc))?;
        } else {
            // One delete for the conversation and all its messages, then
            // everything re-added with the new fields.
            st.w()?.delete_term(self.conversation_term(account, doc.id));
            st.w()?.add_document(self.conversation_document(&doc))?;
            for m in messages.values() {
                st.w()?.add_document(self.message_document(m, Some(&doc)))?;
            }
        }
        st.pending
            .convs
            .insert((account, doc.id), Some(doc.clone()));
        if let Some(c) = doc.contact {
            st.pending
                .convs_by_contact
                .entry((account, c))
                .or_default()
                .insert(doc.id);
            self.add_contact_inbox(st, account, c, doc.inbox)?;
        }
        if let Some(p) = prev
            && let Some(old) = p.contact
            && (Some(old) != doc.contact || p.inbox != doc.inbox)
        {
            self.refresh_contact(st, account, old)?;
        }
        Ok(())
    }

    fn write_contact(&self, st: &mut State, c: StoredContact) -> Result<(), SearchError> {
        st.w()?
            .delete_term(self.key_term(c.doc.account, c.doc.id.0));
        st.w()?.add_document(self.contact_document(&c))?;
        st.pending
            .contacts
            .insert((c.doc.account, c.doc.id), Some(c));
        Ok(())
    }

    fn add_contact_inbox(
        &self,
        st: &mut State,
        account: AccountId,
        contact: ContactId,
        inbox: InboxId,
    ) -> Result<(), SearchError> {
        if let Some(mut c) = self.current_contact(&st.pending, account, contact)?
            && !c.effective.contains(&inbox)
        {
            c.effective.insert(inbox);
            self.write_contact(st, c)?;
        }
        Ok(())
    }

    fn refresh_contact(
        &self,
        st: &mut State,
        account: AccountId,
        contact: ContactId,
    ) -> Result<(), SearchError> {
        if let Some(mut c) = self.current_contact(&st.pending, account, contact)? {
            let effective = self.effective_inboxes(&st.pending, &c.doc)?;
            if effective != c.effective {
                c.effective = effective;
                self.write_contact(st, c)?;
            }
        }
        Ok(())
    }

    fn effective_inboxes(
        &self,
        p: &Pending,
        doc: &ContactDoc,
    ) -> Result<BTreeSet<InboxId>, SearchError> {
        let mut set: BTreeSet<InboxId> = doc.inboxes.iter().copied().collect();
        for c in self.contact_conversations(p, doc.account, doc.id)? {
            set.insert(c.inbox);
        }
        Ok(set)
    }

    /// Adds a message, or replaces it if its id is already indexed. Takes the
    /// conversation-level fields from the indexed conversation if there is one.
    pub fn add_message(&self, doc: MessageDoc) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let conv = self.current_conversation(&st.pending, doc.account, doc.conversation)?;
        st.w()?.delete_term(self.key_term(doc.account, doc.id.0));
        st.w()?
            .add_document(self.message_document(&doc, conv.as_ref()))?;
        st.pending
            .msgs
            .entry((doc.account, doc.conversation))
            .or_default()
            .insert(doc.id, doc);
        Ok(())
    }

    /// Adds or replaces a contact. Their inboxes are `doc.inboxes` plus the
    /// inboxes of their conversations in the index.
    pub fn upsert_contact(&self, doc: ContactDoc) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let effective = self.effective_inboxes(&st.pending, &doc)?;
        st.pending.dropped_contacts.remove(&(doc.account, doc.id));
        self.write_contact(st, StoredContact { doc, effective })
    }

    /// Deletes a conversation and all its messages.
    pub fn delete_conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let prev = self.current_conversation(&st.pending, account, id)?;
        st.w()?.delete_term(self.conversation_term(account, id));
        st.pending.convs.insert((account, id), None);
        st.pending.msgs.remove(&(account, id));
        st.pending.dropped_convs.insert((account, id));
        if let Some(c) = prev.and_then(|p| p.contact) {
            self.refresh_contact(st, account, c)?;
        }
        Ok(())
    }

    /// Erases a contact: their document, their conversations and every
    /// message of those conversations. After [`commit`](Self::commit) none of
    /// it is searchable; after [`purge`](Self::purge) none of it is on disk.
    pub fn erase_contact(&self, account: AccountId, contact: ContactId) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        let convs = self.contact_conversations(&st.pending, account, contact)?;
        st.w()?.delete_term(self.contact_term(account, contact));
        for c in convs {
            st.w()?.delete_term(self.conversation_term(account, c.id));
            st.pending.convs.insert((account, c.id), None);
            st.pending.msgs.remove(&(account, c.id));
            st.pending.dropped_convs.insert((account, c.id));
        }
        // Messages added while their conversation was unknown carry the
        // contact themselves; the contact term above removed them.
        st.pending.msgs.retain(|(a, _), msgs| {
            if *a == account {
                msgs.retain(|_, m| m.contact != Some(contact));
            }
            !msgs.is_empty()
        });
        st.pending.contacts.insert((account, contact), None);
        st.pending.convs_by_contact.remove(&(account, contact));
        st.pending.dropped_contacts.insert((account, contact));
        Ok(())
    }

    /// Deletes every document of an account.
    pub fn delete_account(&self, account: AccountId) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        let st = &mut *guard;
        st.w()?.delete_term(Term::from_field_text(
            self.fields.account,
            &account.to_string(),
        ));
        let p = &mut st.pending;
        p.convs.retain(|(a, _), _| *a != account);
        p.msgs.retain(|(a, _), _| *a != account);
        p.contacts.retain(|(a, _), _| *a != account);
        p.convs_by_contact.retain(|(a, _), _| *a != account);
        p.dropped_accounts.insert(account);
        Ok(())
    }

    /// Deletes everything (for a reindex); takes effect at the next commit.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        guard.w()?.delete_all_documents()?;
        guard.pending = Pending {
            dropped_all: true,
            ..Pending::default()
        };
        Ok(())
    }

    /// Commits every change since the last commit, with the event-stream
    /// `cursor` stored in the commit (None keeps the previous cursor), and
    /// makes them visible to searches.
    pub fn commit(&self, cursor: Option<&str>) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        self.commit_locked(&mut guard, cursor)
    }

    fn commit_locked(&self, st: &mut State, cursor: Option<&str>) -> Result<(), SearchError> {
        let keep = match cursor {
            Some(c) => Some(c.to_string()),
            None => self.cursor(),
        };
        let mut prepared = st.w()?.prepare_commit()?;
        if let Some(c) = &keep {
            prepared.set_payload(c);
        }
        prepared.commit()?;
        st.pending = Pending::default();
        self.reader.reload()?;
        Ok(())
    }

    /// The cursor stored by the last commit (survives reopening).
    pub fn cursor(&self) -> Option<String> {
        self.index.load_metas().ok()?.payload
    }

    /// Commits, then merges every segment that has deleted documents and
    /// removes the files no longer used, so that deleted text is physically
    /// gone from the index directory (erasure). Costs a rewrite of those
    /// segments: run it after erasures, not after every update.
    pub fn purge(&self) -> Result<(), SearchError> {
        let mut guard = self.lock()?;
        self.commit_locked(&mut guard, None)?;
        // Wait for background merges (a segment being merged cannot be
        // merged again), then merge with the merge policy off so that nothing
        // else touches the segments meanwhile.
        if let Some(w) = guard.writer.take() {
            w.wait_merging_threads()?;
        }
        let writer: IndexWriter = self.index.writer(WRITER_MEMORY)?;
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let st = &mut *guard;
        st.writer = Some(writer);
        let with_deletes: Vec<_> = self
            .index
            .searchable_segment_metas()?
            .into_iter()
            .filter(|m| m.has_deletes())
            .map(|m| m.id())
            .collect();
        if !with_deletes.is_empty() {
            st.w()?.merge(&with_deletes).wait()?;
        }
        self.reader.reload()?;
        st.w()?.garbage_collect_files().wait()?;
        st.w()?
            .set_merge_policy(Box::new(LogMergePolicy::default()));
        Ok(())
    }

    /// Number of live documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    // ---- search ----

    /// Runs a query, always restricted to `q.account` and `q.inboxes`.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        if q.text.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::QueryTooLong);
        }
        if q.offset > MAX_OFFSET {
            return Err(SearchError::OffsetTooDeep);
        }
        if matches!(&q.inboxes, Some(v) if v.is_empty()) {
            return Ok(SearchResults::default());
        }
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![const_filter(term_query(
            Term::from_field_text(f.account, &q.account.to_string()),
        ))];
        if let Some(inboxes) = &q.inboxes {
            clauses.push(const_filter(Box::new(TermSetQuery::new(
                inboxes
                    .iter()
                    .map(|i| Term::from_field_text(f.inbox, &i.to_string())),
            ))));
        }
        if !q.kinds.is_empty() {
            clauses.push(const_filter(Box::new(TermSetQuery::new(
                q.kinds.iter().map(|k| self.kind_term(*k)),
            ))));
        }
        let mut exact = |field: Field, value: Option<String>| {
            if let Some(v) = value {
                clauses.push(const_filter(term_query(Term::from_field_text(field, &v))));
            }
        };
        exact(f.inbox, q.inbox.map(|i| i.to_string()));
        exact(f.status, q.status.clone());
        exact(f.assignee, q.assignee.map(|i| i.to_string()));
        exact(f.team, q.team.map(|i| i.to_string()));
        exact(f.labels, q.label.clone());
        exact(f.channel, q.channel.clone());
        if q.from.is_some() || q.to.is_some() {
            let lower = q.from.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(f.created_at, t.millis()))
            });
            let upper = q.to.map_or(Bound::Unbounded, |t| {
                Bound::Excluded(Term::from_field_i64(f.created_at, t.millis()))
            });
            clauses.push(const_filter(Box::new(RangeQuery::new(lower, upper))));
        }

        let text = q.text.trim();
        let mut highlight_terms: HashSet<String> = HashSet::new();
        let has_text = !text.is_empty();
        if has_text {
            let Some(text_query) = self.text_query(text, &mut highlight_terms) else {
                // Only punctuation, emoji and the like: nothing can match.
                return Ok(SearchResults::default());
            };
            clauses.push((Occur::Must, text_query));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 {
            let total = searcher.search(&query, &Count)?;
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit).and_offset(q.offset);
        let (total, page): (usize, Vec<(f32, DocAddress)>) =
            if !has_text || q.order == Order::Recency {
                let (total, docs) = searcher.search(
                    &query,
                    &(
                        Count,
                        top.order_by_fast_field::<i64>("created_at", tantivy::Order::Desc),
                    ),
                )?;
                (total, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
            } else {
                searcher.search(&query, &(Count, top.order_by_score()))?
            };
        let mut hits = Vec::with_capacity(page.len());
        for (score, addr) in page {
            let doc: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit(&doc, score, &highlight_terms)?);
        }
        Ok(SearchResults { total, hits })
    }

    /// The text part of a query: every word must match in some text field
    /// (AND), scored by BM25. Also matches a contact by exact email or phone.
    fn text_query(&self, text: &str, terms: &mut HashSet<String>) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let text_fields = [f.body, f.subject, f.name, f.email, f.phone];
        let mut words = query_words(text);
        words.truncate(MAX_QUERY_WORDS);
        let any_required = words.iter().any(|w| !matches!(w, QueryWord::Single(_)));
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            let per_field: Vec<(Occur, Box<dyn Query>)> = text_fields
                .iter()
                .map(|&field| {
                    let q: Box<dyn Query> = match w {
                        QueryWord::Term(t) | QueryWord::Single(t) => Box::new(TermQuery::new(
                            Term::from_field_text(field, t),
                            IndexRecordOption::WithFreqs,
                        )),
                        QueryWord::Han { word, bigrams } => Box::new(BooleanQuery::new(vec![
                            (
                                Occur::Should,
                                Box::new(TermQuery::new(
                                    Term::from_field_text(field, word),
                                    IndexRecordOption::WithFreqs,
                                )) as Box<dyn Query>,
                            ),
                            (
                                Occur::Should,
                                Box::new(PhraseQuery::new(
                                    bigrams
                                        .iter()
                                        .map(|b| Term::from_field_text(field, b))
                                        .collect(),
                                )),
                            ),
                        ])),
                    };
                    (Occur::Should, q)
                })
                .collect();
            match w {
                QueryWord::Term(t) | QueryWord::Single(t) => {
                    terms.insert(t.clone());
                }
                QueryWord::Han { word, bigrams } => {
                    terms.insert(word.clone());
                    terms.extend(bigrams.iter().cloned());
                }
            }
            let occur = if matches!(w, QueryWord::Single(_)) && any_required {
                Occur::Should
            } else {
                Occur::Must
            };
            clauses.push((occur, Box::new(BooleanQuery::new(per_field))));
        }
        let keys: Vec<String> = if text.contains('@') {
            contact_keys(Some(text), None)
        } else if text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c) || !c.is_ascii())
        {
            contact_keys(None, Some(text))
        } else {
            Vec::new()
        };
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !clauses.is_empty() {
            alternatives.push((Occur::Should, Box::new(BooleanQuery::new(clauses))));
        }
        for k in keys {
            alternatives.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.contact_key, &k),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
        match alternatives.len() {
            0 => None,
            1 => alternatives.pop().map(|(_, q)| q),
            _ => Some(Box::new(BooleanQuery::new(alternatives))),
        }
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        terms: &HashSet<String>,
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let kind = Self::str_of(doc, f.kind)
            .as_deref()
            .and_then(DocKind::parse)
            .ok_or_else(|| SearchError::Corrupt("kind".into()))?;
        let own = Self::str_of(doc, f.key).as_deref().and_then(id_after_colon);
        let conversation_id = Self::str_of(doc, f.conversation)
            .as_deref()
            .and_then(id_after_colon)
            .map(ConversationId);
        let contact_id = Self::str_of(doc, f.contact)
            .as_deref()
            .and_then(id_after_colon)
            .map(ContactId);
        let texts: Vec<String> = match kind {
            DocKind::Message => Self::str_of(doc, f.body).into_iter().collect(),
            DocKind::Conversation => Self::str_of(doc, f.subject).into_iter().collect(),
            DocKind::Contact => [f.name, f.email, f.phone]
                .iter()
                .filter_map(|&field| Self::str_of(doc, field))
                .collect(),
        };
        let snippet = texts
            .iter()
            .map(|t| snippet(t, terms))
            .find(|s| !s.highlights.is_empty())
            .or_else(|| texts.first().map(|t| snippet(t, terms)))
            .unwrap_or_default();
        Ok(Hit {
            kind,
            conversation_id,
            message_id: if kind == DocKind::Message {
                own.map(MessageId)
            } else {
                None
            },
            contact_id,
            inbox_id: if kind == DocKind::Contact {
                None
            } else {
                Self::parse_uuid(Self::str_of(doc, f.inbox)).map(InboxId)
            },
            status: if kind == DocKind::Contact {
                None
            } else {
                Self::str_of(doc, f.status)
            },
            created_at: self.created_of(doc),
            score,
            snippet,
        })
    }
}

fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::None,
        ..IndexSettings::default()
    }
}

/// A short piece of `text` around the first match, with the matched tokens'
/// byte ranges (merged where they overlap) relative to the piece.
pub(crate) fn snippet(text: &str, terms: &HashSet<String>) -> Snippet {
    let mut ranges: Vec<(usize, usize)> = tokenize(text)
        .into_iter()
        .filter(|t| terms.contains(&t.text))
        .map(|t| (t.offset_from, t.offset_to))
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let (start, end) = if text.chars().count() <= SNIPPET_CHARS {
        (0, text.len())
    } else {
        let anchor = merged.first().map_or(0, |r| r.0);
        let start = text[..anchor]
            .char_indices()
            .rev()
            .nth(SNIPPET_LEAD - 1)
            .map_or(0, |(i, _)| i);
        let end = text[start..]
            .char_indices()
            .nth(SNIPPET_CHARS)
            .map_or(text.len(), |(i, _)| start + i);
        (start, end)
    };
    Snippet {
        text: text[start..end].to_string(),
        highlights: merged
            .into_iter()
            .filter(|&(s, e)| s >= start && e <= end)
            .map(|(s, e)| (s - start, e - start))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn search_index_is_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<super::SearchIndex>();
    }
}
