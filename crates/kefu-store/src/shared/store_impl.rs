// The `Store` implementation, identical for both backends: every method hands
// a query function to the backend's `read` (a pooled connection) or `write`
// (a transaction; on SQLite a savepoint in the group commit). Included into
// `sqlite/mod.rs` and `postgres/mod.rs`, where `Backend` is the store type and
// `BACKEND` its name. Arguments are cloned into the closures because a queued
// unit of work outlives the borrowed call.

/// A read on a pooled connection.
macro_rules! reading {
    ($s:ident, |$c:ident| $call:expr) => {
        $s.read(move |$c| Box::pin(async move { $call.await }))
            .await
    };
}

/// A unit of work that writes no events.
macro_rules! writing {
    ($s:ident, |$c:ident| $call:expr) => {
        $s.write(false, move |$c| Box::pin(async move { $call.await }))
            .await
    };
}

/// A unit of work that writes events: the relay is woken after it commits.
macro_rules! writing_events {
    ($s:ident, |$c:ident| $call:expr) => {
        $s.write(true, move |$c| Box::pin(async move { $call.await }))
            .await
    };
}

#[async_trait::async_trait]
impl kefu_core::store::Store for Backend {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> StoreResult<()> {
        reading!(self, |c| async {
            sql::query("SELECT 1")
                .execute(&mut *c)
                .await
                .map(|_| ())
                .map_err(crate::error::db)
        })
    }

    // ---- accounts

    async fn create_account(&self, account: &Account) -> StoreResult<()> {
        let a = account.clone();
        writing!(self, |c| directory::create_account(c, &a))
    }

    async fn get_account(&self, id: AccountId) -> StoreResult<Account> {
        reading!(self, |c| directory::get_account(c, id))
    }

    async fn find_accounts_by_name(&self, name: &str) -> StoreResult<Vec<Account>> {
        let n = name.to_owned();
        reading!(self, |c| directory::find_accounts_by_name(c, &n))
    }

    async fn update_account(&self, account: &Account) -> StoreResult<()> {
        let a = account.clone();
        writing!(self, |c| directory::update_account(c, &a))
    }

    // ---- users and members

    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()> {
        let (u, h) = (user.clone(), password_hash.to_owned());
        writing!(self, |c| directory::create_user(c, &u, &h))
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        reading!(self, |c| directory::get_user(c, id))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<(User, String)>> {
        let e = email.to_owned();
        reading!(self, |c| directory::find_user_by_email(c, &e))
    }

    async fn set_password(&self, user: UserId, password_hash: &str) -> StoreResult<()> {
        let h = password_hash.to_owned();
        writing!(self, |c| directory::set_password(c, user, &h))
    }

    async fn update_user_name(&self, user: UserId, name: &str) -> StoreResult<()> {
        let n = name.to_owned();
        writing!(self, |c| directory::update_user_name(c, user, &n))
    }

    async fn upsert_member(&self, member: &Member) -> StoreResult<()> {
        let m = member.clone();
        writing!(self, |c| directory::upsert_member(c, &m))
    }

    async fn get_member(&self, account: AccountId, user: UserId) -> StoreResult<Member> {
        reading!(self, |c| directory::get_member(c, account, user))
    }

    async fn list_members(&self, account: AccountId) -> StoreResult<Vec<Member>> {
        reading!(self, |c| directory::list_members(c, account))
    }

    async fn remove_member(&self, account: AccountId, user: UserId) -> StoreResult<()> {
        writing!(self, |c| directory::remove_member(c, account, user))
    }

    async fn set_availability(
        &self,
        account: AccountId,
        user: UserId,
        a: Availability,
    ) -> StoreResult<()> {
        writing!(self, |c| directory::set_availability(c, account, user, a))
    }

    async fn accounts_of(&self, user: UserId) -> StoreResult<Vec<(Account, Role)>> {
        reading!(self, |c| directory::accounts_of(c, user))
    }

    async fn visibility(&self, account: AccountId, user: UserId) -> StoreResult<Visibility> {
        reading!(self, |c| directory::visibility(c, account, user))
    }

    // ---- teams

    async fn create_team(&self, team: &Team) -> StoreResult<()> {
        let t = team.clone();
        writing!(self, |c| directory::create_team(c, &t))
    }

    async fn get_team(&self, account: AccountId, id: TeamId) -> StoreResult<Team> {
        reading!(self, |c| directory::get_team(c, account, id))
    }

    async fn list_teams(&self, account: AccountId) -> StoreResult<Vec<Team>> {
        reading!(self, |c| directory::list_teams(c, account))
    }

    async fn update_team(&self, team: &Team) -> StoreResult<()> {
        let t = team.clone();
        writing!(self, |c| directory::update_team(c, &t))
    }

    async fn delete_team(&self, account: AccountId, id: TeamId) -> StoreResult<()> {
        writing!(self, |c| directory::delete_team(c, account, id))
    }

    async fn set_team_member(
        &self,
        account: AccountId,
        team: TeamId,
        user: UserId,
        member: bool,
    ) -> StoreResult<()> {
        writing!(self, |c| directory::set_team_member(
            c, account, team, user, member
        ))
    }

    async fn team_members(&self, account: AccountId, team: TeamId) -> StoreResult<Vec<UserId>> {
        reading!(self, |c| directory::team_members(c, account, team))
    }

    // ---- inboxes

    async fn create_inbox(&self, inbox: &Inbox, secret: &str) -> StoreResult<()> {
        let (i, s) = (inbox.clone(), secret.to_owned());
        writing!(self, |c| directory::create_inbox(c, &i, &s))
    }

    async fn get_inbox(&self, account: AccountId, id: InboxId) -> StoreResult<Inbox> {
        reading!(self, |c| directory::get_inbox(c, account, id))
    }

    async fn find_inbox(&self, id: InboxId) -> StoreResult<Inbox> {
        reading!(self, |c| directory::find_inbox(c, id))
    }

    async fn list_inboxes(&self, account: AccountId) -> StoreResult<Vec<Inbox>> {
        reading!(self, |c| directory::list_inboxes(c, account))
    }

    async fn update_inbox(&self, inbox: &Inbox) -> StoreResult<()> {
        let i = inbox.clone();
        writing!(self, |c| directory::update_inbox(c, &i))
    }

    async fn inbox_secret(&self, account: AccountId, id: InboxId) -> StoreResult<String> {
        reading!(self, |c| directory::inbox_secret(c, account, id))
    }

    async fn set_inbox_secret(
        &self,
        account: AccountId,
        id: InboxId,
        secret: &str,
    ) -> StoreResult<()> {
        let s = secret.to_owned();
        writing!(self, |c| directory::set_inbox_secret(c, account, id, &s))
    }

    async fn set_inbox_member(
        &self,
        account: AccountId,
        inbox: InboxId,
        user: UserId,
        member: bool,
    ) -> StoreResult<()> {
        writing!(self, |c| directory::set_inbox_member(
            c, account, inbox, user, member
        ))
    }

    async fn inbox_members(&self, account: AccountId, inbox: InboxId) -> StoreResult<Vec<UserId>> {
        reading!(self, |c| directory::inbox_members(c, account, inbox))
    }

    // ---- contacts

    async fn create_contact(&self, contact: &Contact, identities: &[Identity]) -> StoreResult<()> {
        let (ct, ids) = (contact.clone(), identities.to_vec());
        writing_events!(self, |c| contacts::create_contact(c, &ct, &ids))
    }

    async fn get_contact(&self, account: AccountId, id: ContactId) -> StoreResult<Contact> {
        reading!(self, |c| contacts::get_contact(c, account, id))
    }

    async fn update_contact(&self, contact: &Contact) -> StoreResult<()> {
        let ct = contact.clone();
        writing_events!(self, |c| contacts::update_contact(c, &ct))
    }

    async fn list_contacts(
        &self,
        account: AccountId,
        query: Option<&str>,
        page: &PageRequest,
    ) -> StoreResult<Page<Contact>> {
        let (q, p) = (query.map(str::to_owned), page.clone());
        reading!(self, |c| contacts::list_contacts(
            c,
            account,
            q.as_deref(),
            &p
        ))
    }

    async fn find_contact_by_identity(
        &self,
        account: AccountId,
        kind: &str,
        value: &str,
    ) -> StoreResult<Option<Contact>> {
        let (k, v) = (kind.to_owned(), value.to_owned());
        reading!(self, |c| contacts::find_contact_by_identity(
            c, account, &k, &v
        ))
    }

    async fn add_identity(&self, identity: &Identity) -> StoreResult<()> {
        let i = identity.clone();
        writing!(self, |c| contacts::add_identity(c, &i))
    }

    async fn erase_contact(
        &self,
        account: AccountId,
        contact: ContactId,
        now: Timestamp,
    ) -> StoreResult<Erasure> {
        writing_events!(self, |c| privacy::erase_contact(c, account, contact, now))
    }

    async fn reclaim_space(&self) -> StoreResult<()> {
        self.reclaim().await
    }

    async fn retention_policy(&self, account: AccountId) -> StoreResult<RetentionPolicy> {
        reading!(self, |c| privacy::retention_policy(c, account))
    }

    async fn put_retention_policy(
        &self,
        account: AccountId,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> StoreResult<()> {
        let p = *policy;
        writing!(self, |c| privacy::put_retention_policy(c, account, &p, now))
    }

    async fn accounts_with_retention(&self) -> StoreResult<Vec<(AccountId, RetentionPolicy)>> {
        reading!(self, |c| privacy::accounts_with_retention(c))
    }

    async fn due_for_retention(
        &self,
        account: AccountId,
        cutoff: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ConversationId>> {
        reading!(self, |c| privacy::due_for_retention(c, account, cutoff, limit))
    }

    async fn apply_retention(
        &self,
        account: AccountId,
        conversations: &[ConversationId],
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> StoreResult<RetentionBatch> {
        let (ids, p) = (conversations.to_vec(), *policy);
        writing_events!(self, |c| privacy::apply_retention(c, account, &ids, &p, now))
    }

    async fn identities_of(
        &self,
        account: AccountId,
        contact: ContactId,
    ) -> StoreResult<Vec<Identity>> {
        reading!(self, |c| contacts::identities_of(c, account, contact))
    }

    // ---- conversations

    async fn create_conversation(
        &self,
        new: &NewConversation,
        _policy: &Policy,
    ) -> StoreResult<Applied> {
        let n = new.clone();
        writing_events!(self, |c| conversations::create_conversation(c, &n))
    }

    async fn get_conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Conversation> {
        reading!(self, |c| conversations::get_conversation(c, account, id))
    }

    async fn list_conversations(
        &self,
        account: AccountId,
        filter: &ConversationFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Conversation>> {
        let (f, p) = (filter.clone(), page.clone());
        reading!(self, |c| conversations::list_conversations(
            c, account, &f, &p
        ))
    }

    async fn apply(
        &self,
        account: AccountId,
        id: ConversationId,
        input: Input,
        actor: Sender,
        policy: &Policy,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Applied> {
        let p = *policy;
        writing_events!(self, |c| conversations::apply(
            c,
            account,
            id,
            input,
            actor,
            &p,
            expected_version,
            now
        ))
    }

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
    ) -> StoreResult<Applied> {
        let (p, n) = (*policy, note.clone());
        writing_events!(self, |c| conversations::apply_noted(
            c,
            account,
            id,
            input,
            actor,
            &p,
            expected_version,
            Some(&n),
            now
        ))
    }

    async fn queue_position(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Option<i64>> {
        reading!(self, |c| conversations::queue_position(c, account, id))
    }

    async fn queued_conversations(
        &self,
        account: AccountId,
        limit: u32,
    ) -> StoreResult<Vec<QueuedConversation>> {
        reading!(self, |c| routing::queued_conversations(c, account, limit))
    }

    async fn accounts_with_queue(&self) -> StoreResult<Vec<AccountId>> {
        reading!(self, |c| routing::accounts_with_queue(c))
    }

    async fn routing_roster(&self, account: AccountId) -> StoreResult<Vec<RosterEntry>> {
        reading!(self, |c| routing::routing_roster(c, account))
    }

    async fn claim_conversation(&self, claim: &Claim) -> StoreResult<Applied> {
        let claim = claim.clone();
        writing_events!(self, |c| routing::claim_conversation(c, &claim))
    }

    async fn convert_to_ticket(
        &self,
        account: AccountId,
        id: ConversationId,
        ticket_type: Option<TicketType>,
        reason: &str,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Applied> {
        let reason = reason.to_string();
        writing_events!(self, |c| tickets::convert(
            c,
            account,
            id,
            ticket_type,
            &reason,
            actor,
            now
        ))
    }

    async fn set_ticket_status(
        &self,
        account: AccountId,
        id: ConversationId,
        target: TicketStatus,
        actor: Sender,
        policy: &Policy,
        now: Timestamp,
    ) -> StoreResult<Applied> {
        let p = *policy;
        writing_events!(self, |c| tickets::set_status(
            c, account, id, target, actor, &p, now
        ))
    }

    async fn ticket_fields(&self, account: AccountId) -> StoreResult<Vec<TicketField>> {
        reading!(self, |c| tickets::ticket_fields(c, account))
    }

    async fn replace_ticket_fields(
        &self,
        account: AccountId,
        fields: &[TicketField],
        now: Timestamp,
    ) -> StoreResult<()> {
        let f = fields.to_vec();
        writing!(self, |c| tickets::replace_ticket_fields(c, account, &f, now))
    }

    async fn link_conversations(
        &self,
        account: AccountId,
        link: &ConversationLink,
        actor: Sender,
    ) -> StoreResult<Vec<Event>> {
        let l = link.clone();
        writing_events!(self, |c| tickets::link(c, account, &l, actor))
    }

    async fn unlink_conversations(
        &self,
        account: AccountId,
        a: ConversationId,
        b: ConversationId,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Vec<Event>> {
        writing_events!(self, |c| tickets::unlink(c, account, a, b, actor, now))
    }

    async fn conversation_links(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Vec<ConversationLink>> {
        reading!(self, |c| tickets::links(c, account, id))
    }

    async fn qa_settings(&self, account: AccountId) -> StoreResult<QaSettings> {
        reading!(self, |c| qa::settings(c, account))
    }

    async fn put_qa_settings(
        &self,
        account: AccountId,
        settings: &QaSettings,
        now: Timestamp,
    ) -> StoreResult<()> {
        let s = settings.clone();
        writing!(self, |c| qa::put_settings(c, account, &s, now))
    }

    async fn record_qa_scores(
        &self,
        account: AccountId,
        conversation: ConversationId,
        scores: &[QaScore],
        now: Timestamp,
    ) -> StoreResult<Event> {
        let s = scores.to_vec();
        writing_events!(self, |c| qa::record_scores(c, account, conversation, &s, now))
    }

    async fn save_qa_review(
        &self,
        account: AccountId,
        score: &QaScore,
        labels: &[SentimentLabel],
        now: Timestamp,
    ) -> StoreResult<Event> {
        let s = score.clone();
        let l = labels.to_vec();
        writing_events!(self, |c| qa::save_review(c, account, &s, &l, now))
    }

    async fn sentiment_labels(
        &self,
        account: AccountId,
        limit: usize,
    ) -> StoreResult<Vec<SentimentLabel>> {
        reading!(self, |c| qa::sentiment_labels(c, account, limit))
    }

    async fn sentiment_model(
        &self,
        account: AccountId,
    ) -> StoreResult<Option<AccountSentimentModel>> {
        reading!(self, |c| qa::sentiment_model(c, account))
    }

    async fn put_sentiment_model(
        &self,
        account: AccountId,
        model: Option<&AccountSentimentModel>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let m = model.cloned();
        writing!(self, |c| qa::put_sentiment_model(c, account, m.as_ref(), now))
    }

    async fn record_qa_alert(
        &self,
        account: AccountId,
        alert: &QaAlert,
        now: Timestamp,
    ) -> StoreResult<Option<Event>> {
        let a = alert.clone();
        writing_events!(self, |c| qa::record_alert(c, account, &a, now))
    }

    async fn list_qa_alerts(
        &self,
        account: AccountId,
        inboxes: Option<&[InboxId]>,
        page: &PageRequest,
    ) -> StoreResult<Page<QaAlert>> {
        let (i, p) = (inboxes.map(<[InboxId]>::to_vec), page.clone());
        reading!(self, |c| qa::list_alerts(c, account, i.as_deref(), &p))
    }

    async fn list_qa_scores(
        &self,
        account: AccountId,
        filter: &QaScoreFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<QaScore>> {
        let (f, p) = (filter.clone(), page.clone());
        reading!(self, |c| qa::list(c, account, &f, &p))
    }

    async fn qa_scores(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<QaScore>> {
        reading!(self, |c| qa::scores(c, account, conversation))
    }

    async fn patch_conversation(
        &self,
        account: AccountId,
        id: ConversationId,
        patch: &ConversationPatch,
        actor: Sender,
        now: Timestamp,
    ) -> StoreResult<Applied> {
        let p = patch.clone();
        writing_events!(self, |c| conversations::patch_conversation(
            c, account, id, &p, actor, now
        ))
    }

    async fn record_event(
        &self,
        account: AccountId,
        id: ConversationId,
        event: &NewEvent,
        now: Timestamp,
    ) -> StoreResult<Event> {
        let e = event.clone();
        writing_events!(self, |c| conversations::record_event(
            c, account, id, &e, now
        ))
    }

    // ---- satisfaction

    async fn rate_conversation(
        &self,
        answer: &CsatResponse,
    ) -> StoreResult<(CsatResponse, Event)> {
        let a = answer.clone();
        writing_events!(self, |c| csat::rate_conversation(c, &a))
    }

    async fn conversation_ratings(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> StoreResult<Vec<CsatResponse>> {
        reading!(self, |c| csat::conversation_ratings(c, account, id))
    }

    // ---- canned responses

    async fn create_canned_response(&self, r: &CannedResponse) -> StoreResult<()> {
        let r = r.clone();
        writing!(self, |c| canned::create_canned_response(c, &r))
    }

    async fn get_canned_response(
        &self,
        account: AccountId,
        id: CannedResponseId,
    ) -> StoreResult<CannedResponse> {
        reading!(self, |c| canned::get_canned_response(c, account, id))
    }

    async fn list_canned_responses(
        &self,
        account: AccountId,
        member: UserId,
    ) -> StoreResult<Vec<CannedResponse>> {
        reading!(self, |c| canned::list_canned_responses(c, account, member))
    }

    async fn update_canned_response(&self, r: &CannedResponse) -> StoreResult<()> {
        let r = r.clone();
        writing!(self, |c| canned::update_canned_response(c, &r))
    }

    async fn delete_canned_response(
        &self,
        account: AccountId,
        id: CannedResponseId,
    ) -> StoreResult<()> {
        writing!(self, |c| canned::delete_canned_response(c, account, id))
    }

    // ---- knowledge base

    async fn create_kb_entry(&self, e: &KbEntry) -> StoreResult<()> {
        let e = e.clone();
        writing!(self, |c| kb::create_kb_entry(c, &e))
    }

    async fn get_kb_entry(&self, account: AccountId, id: KbEntryId) -> StoreResult<KbEntry> {
        reading!(self, |c| kb::get_kb_entry(c, account, id))
    }

    async fn update_kb_entry(&self, e: &KbEntry) -> StoreResult<KbEntry> {
        let e = e.clone();
        writing!(self, |c| kb::update_kb_entry(c, &e))
    }

    async fn delete_kb_entry(&self, account: AccountId, id: KbEntryId) -> StoreResult<()> {
        writing!(self, |c| kb::delete_kb_entry(c, account, id))
    }

    async fn list_kb_entries(
        &self,
        account: AccountId,
        filter: &KbFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<KbEntry>> {
        let (f, p) = (filter.clone(), page.clone());
        reading!(self, |c| kb::list_kb_entries(c, account, &f, &p))
    }

    async fn knowledge_base(&self, account: AccountId) -> StoreResult<Vec<KbEntry>> {
        reading!(self, |c| kb::knowledge_base(c, account))
    }

    async fn kb_revision(&self, account: AccountId) -> StoreResult<i64> {
        reading!(self, |c| kb::kb_revision(c, account))
    }

    async fn import_kb_entries(
        &self,
        account: AccountId,
        entries: &[KbEntry],
        mode: KbImportMode,
    ) -> StoreResult<KbImportCounts> {
        let e = entries.to_vec();
        if mode.dry_run {
            reading!(self, |c| kb::import_kb_entries(c, account, &e, mode))
        } else {
            writing!(self, |c| kb::import_kb_entries(c, account, &e, mode))
        }
    }

    // ---- messages

    async fn append_to_latest(
        &self,
        inbox: InboxId,
        contact: ContactId,
        new: &NewMessage,
        policy: &Policy,
    ) -> StoreResult<Option<Appended>> {
        let (n, p) = (new.clone(), *policy);
        writing_events!(self, |c| messages::append_to_latest(
            c, inbox, contact, &n, &p
        ))
    }

    async fn append_message(&self, new: &NewMessage, policy: &Policy) -> StoreResult<Appended> {
        let (n, p) = (new.clone(), *policy);
        writing_events!(self, |c| messages::append_message(c, &n, &p))
    }

    async fn get_message(&self, account: AccountId, id: MessageId) -> StoreResult<Message> {
        reading!(self, |c| messages::get_message(c, account, id))
    }

    async fn list_messages(
        &self,
        account: AccountId,
        conversation: ConversationId,
        after_seq: i64,
        limit: u32,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        reading!(self, |c| messages::list_messages(
            c,
            account,
            conversation,
            after_seq,
            limit,
            include_internal
        ))
    }

    async fn latest_messages(
        &self,
        account: AccountId,
        conversation: ConversationId,
        limit: u32,
        include_internal: bool,
    ) -> StoreResult<Vec<Message>> {
        reading!(self, |c| messages::latest_messages(
            c,
            account,
            conversation,
            limit,
            include_internal
        ))
    }

    async fn set_delivery(
        &self,
        account: AccountId,
        id: MessageId,
        state: DeliveryState,
        now: Timestamp,
    ) -> StoreResult<Event> {
        writing_events!(self, |c| messages::set_delivery(c, account, id, state, now))
    }

    async fn set_read_cursor(
        &self,
        account: AccountId,
        conversation: ConversationId,
        participant: Sender,
        seq: i64,
        now: Timestamp,
    ) -> StoreResult<ReadCursor> {
        writing_events!(self, |c| messages::set_read_cursor(
            c,
            account,
            conversation,
            participant,
            seq,
            now
        ))
    }

    async fn read_cursors(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<ReadCursor>> {
        reading!(self, |c| messages::read_cursors(c, account, conversation))
    }

    // ---- mentions

    async fn list_mentions(
        &self,
        account: AccountId,
        user: UserId,
        unread_only: bool,
        inboxes: Option<&[InboxId]>,
        page: &PageRequest,
    ) -> StoreResult<Page<Mention>> {
        let (i, p) = (inboxes.map(<[InboxId]>::to_vec), page.clone());
        reading!(self, |c| mentions::list_mentions(
            c,
            account,
            user,
            unread_only,
            i.as_deref(),
            &p
        ))
    }

    async fn mark_mentions_read(
        &self,
        account: AccountId,
        user: UserId,
        which: &MentionsToRead,
        now: Timestamp,
    ) -> StoreResult<u64> {
        let w = which.clone();
        writing!(self, |c| mentions::mark_mentions_read(
            c, account, user, &w, now
        ))
    }

    // ---- events

    async fn conversation_events(
        &self,
        account: AccountId,
        conversation: ConversationId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        reading!(self, |c| events::conversation_events(
            c,
            account,
            conversation,
            after_seq,
            limit
        ))
    }

    async fn account_events_after(
        &self,
        account: AccountId,
        cursor: StreamCursor,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        reading!(self, |c| stream::account_events_after(
            c, account, cursor, limit
        ))
    }

    async fn stream_after(&self, cursor: StreamCursor, limit: u32) -> StoreResult<Vec<Event>> {
        reading!(self, |c| stream::stream_after(c, cursor, limit))
    }

    async fn stream_head(&self) -> StoreResult<StreamCursor> {
        reading!(self, |c| stream::stream_head(c))
    }

    // ---- attachments

    async fn create_attachment(&self, a: &Attachment) -> StoreResult<()> {
        let a = a.clone();
        writing!(self, |c| access::create_attachment(c, &a))
    }

    async fn get_attachment(
        &self,
        account: AccountId,
        id: AttachmentId,
    ) -> StoreResult<Attachment> {
        reading!(self, |c| access::get_attachment(c, account, id))
    }

    async fn list_attachments(
        &self,
        account: AccountId,
        conversation: ConversationId,
    ) -> StoreResult<Vec<Attachment>> {
        reading!(self, |c| privacy::list_attachments(c, account, conversation))
    }

    async fn attach_to_conversation(
        &self,
        account: AccountId,
        id: AttachmentId,
        conversation: ConversationId,
    ) -> StoreResult<()> {
        writing!(self, |c| access::attach_to_conversation(
            c,
            account,
            id,
            conversation
        ))
    }

    // ---- sessions and tokens

    async fn create_session(&self, s: &Session) -> StoreResult<()> {
        let s = s.clone();
        writing!(self, |c| access::create_session(c, &s))
    }

    async fn find_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        let h = token_hash.to_owned();
        reading!(self, |c| access::find_session(c, &h, now))
    }

    async fn switch_session_account(&self, id: SessionId, account: AccountId) -> StoreResult<()> {
        writing!(self, |c| access::switch_session_account(c, id, account))
    }

    async fn delete_session(&self, id: SessionId) -> StoreResult<()> {
        writing!(self, |c| access::delete_session(c, id))
    }

    async fn delete_user_sessions(&self, user: UserId) -> StoreResult<u64> {
        writing!(self, |c| access::delete_user_sessions(c, user))
    }

    async fn create_token(&self, t: &ApiToken, secret_hash: &str) -> StoreResult<()> {
        let (t, h) = (t.clone(), secret_hash.to_owned());
        writing!(self, |c| access::create_token(c, &t, &h))
    }

    async fn find_token(&self, secret_hash: &str, now: Timestamp) -> StoreResult<Option<ApiToken>> {
        let h = secret_hash.to_owned();
        let Some(mut token) = reading!(self, |c| access::find_token(c, &h))? else {
            return Ok(None);
        };
        // Reads stay reads: `last_used_at` is written only when it is stale.
        let stale = token
            .last_used_at
            .is_none_or(|t| now.0.saturating_sub(t.0) >= access::TOKEN_TOUCH_MS);
        if stale {
            let (account, id) = (token.account_id, token.id);
            writing!(self, |c| access::touch_token(c, account, id, now))?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }

    async fn list_tokens(
        &self,
        account: AccountId,
        user: Option<UserId>,
    ) -> StoreResult<Vec<ApiToken>> {
        reading!(self, |c| access::list_tokens(c, account, user))
    }

    async fn revoke_token(
        &self,
        account: AccountId,
        id: TokenId,
        now: Timestamp,
    ) -> StoreResult<()> {
        writing!(self, |c| access::revoke_token(c, account, id, now))
    }

    // ---- audit

    async fn append_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        let e = e.clone();
        writing!(self, |c| access::append_audit(c, &e))
    }

    async fn list_audit(
        &self,
        account: AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        let p = page.clone();
        reading!(self, |c| access::list_audit(c, account, &p))
    }

    // ---- jobs

    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<Option<JobId>> {
        let (j, now) = (job.clone(), kefu_core::Timestamp::now());
        writing!(self, |c| jobs::enqueue_job(c, &j, now))
    }

    async fn claim_jobs(&self, now: Timestamp, lease_ms: i64, limit: u32) -> StoreResult<Vec<Job>> {
        writing!(self, |c| jobs::claim_jobs(c, now, lease_ms, limit))
    }

    async fn complete_job(&self, id: JobId) -> StoreResult<()> {
        writing!(self, |c| jobs::complete_job(c, id))
    }

    async fn expedite_job(&self, dedupe_key: &str, run_at: Timestamp) -> StoreResult<bool> {
        let k = dedupe_key.to_owned();
        writing!(self, |c| jobs::expedite_job(c, &k, run_at))
    }

    async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let e = error.to_owned();
        writing!(self, |c| jobs::fail_job(c, id, &e, retry_at))
    }

    async fn count_jobs(&self, kind: &str) -> StoreResult<(i64, i64)> {
        let k = kind.to_owned();
        reading!(self, |c| jobs::count_jobs(c, &k))
    }

    // ---- the bot's unanswered questions

    async fn record_bot_question(&self, q: &NewBotQuestion) -> StoreResult<()> {
        let q = q.clone();
        writing!(self, |c| bot_questions::record_bot_question(c, &q))
    }

    async fn open_bot_questions(
        &self,
        account: AccountId,
        since: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<BotQuestion>> {
        reading!(self, |c| bot_questions::open_bot_questions(
            c, account, since, limit
        ))
    }

    async fn resolve_bot_questions(
        &self,
        account: AccountId,
        messages: &[MessageId],
        resolution: BotQuestionResolution,
        by: UserId,
        now: Timestamp,
    ) -> StoreResult<u64> {
        let m = messages.to_vec();
        writing!(self, |c| bot_questions::resolve_bot_questions(
            c, account, &m, resolution, by, now
        ))
    }
}
