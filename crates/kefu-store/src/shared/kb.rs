// The knowledge base: FAQ entries and articles. Included into `sqlite::kb`
// and `postgres::kb`. Every change bumps the account's row in
// `kb_revisions` in the same unit of work, so a node that reads a revision
// also reads the entries it stands for.

use std::collections::{HashMap, HashSet};

use kefu_core::model::KbEntry;
use kefu_core::page::{Keyset, Page};
use kefu_core::store::{KbFilter, KbImportCounts, KbImportMode, PageRequest};
use kefu_core::{AccountId, KbEntryId, StoreError};
use uuid::Uuid;

use super::rows::{self, to_json};
use super::sql;
use super::{Conn, Db};
use crate::error::{db, refs, unique};
use crate::paging;

type R<T> = Result<T, StoreError>;

const WHAT: &str = "knowledge base entry";

macro_rules! kb_cols {
    () => {
        "account_id, id, kind, locale, question, similar_questions, answer, tags, enabled, \
         out_of_scope, action, version, created_at, updated_at"
    };
}

/// Bumps (or starts at 1) the account's knowledge-base revision.
async fn bump_revision(c: &mut Conn, account: AccountId) -> R<()> {
    sql::query(
        "INSERT INTO kb_revisions (account_id, revision) VALUES ($1, 1) \
         ON CONFLICT (account_id) DO UPDATE SET revision = kb_revisions.revision + 1",
    )
    .bind(account.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "revision"))?;
    Ok(())
}

async fn insert(c: &mut Conn, e: &KbEntry) -> R<()> {
    sql::query(
        "INSERT INTO kb_entries (account_id, id, kind, locale, question, question_key, \
         similar_questions, answer, tags, enabled, out_of_scope, action, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(e.account_id.0)
    .bind(e.id.0)
    .bind(e.kind.as_str())
    .bind(e.locale.as_str())
    .bind(e.question.as_str())
    .bind(e.question_key())
    .bind(to_json(&e.similar_questions)?)
    .bind(e.answer.as_str())
    .bind(to_json(&e.tags)?)
    .bind(e.enabled)
    .bind(e.out_of_scope)
    .bind(e.action.as_deref())
    .bind(e.version)
    .bind(e.created_at.0)
    .bind(e.updated_at.0)
    .execute(&mut *c)
    .await
    .map_err(refs("account", "question"))?;
    Ok(())
}

/// Writes `e` over the stored entry with the same id, if that one still has
/// version `expected`; sets the version to `e.version`.
async fn overwrite(c: &mut Conn, e: &KbEntry, expected: i64) -> R<u64> {
    let done = sql::query(
        "UPDATE kb_entries SET kind = $3, locale = $4, question = $5, question_key = $6, \
         similar_questions = $7, answer = $8, tags = $9, enabled = $10, out_of_scope = $11, \
         action = $12, version = $13, updated_at = $14 \
         WHERE account_id = $1 AND id = $2 AND version = $15",
    )
    .bind(e.account_id.0)
    .bind(e.id.0)
    .bind(e.kind.as_str())
    .bind(e.locale.as_str())
    .bind(e.question.as_str())
    .bind(e.question_key())
    .bind(to_json(&e.similar_questions)?)
    .bind(e.answer.as_str())
    .bind(to_json(&e.tags)?)
    .bind(e.enabled)
    .bind(e.out_of_scope)
    .bind(e.action.as_deref())
    .bind(e.version)
    .bind(e.updated_at.0)
    .bind(expected)
    .execute(&mut *c)
    .await
    .map_err(unique("question"))?;
    Ok(done.rows_affected())
}

pub(crate) async fn create_kb_entry(c: &mut Conn, e: &KbEntry) -> R<()> {
    insert(c, e).await?;
    bump_revision(c, e.account_id).await
}

pub(crate) async fn get_kb_entry(c: &mut Conn, account: AccountId, id: KbEntryId) -> R<KbEntry> {
    let row = sql::query(concat!(
        "SELECT ",
        kb_cols!(),
        " FROM kb_entries WHERE account_id = $1 AND id = $2"
    ))
    .bind(account.0)
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound(WHAT))?;
    rows::kb_entry(&row)
}

pub(crate) async fn update_kb_entry(c: &mut Conn, e: &KbEntry) -> R<KbEntry> {
    let current = get_kb_entry(c, e.account_id, e.id).await?;
    if current.version != e.version {
        return Err(StoreError::VersionConflict(WHAT));
    }
    let stored = KbEntry {
        version: e.version + 1,
        created_at: current.created_at,
        ..e.clone()
    };
    // The version test in the statement as well: on PostgreSQL two
    // transactions may both have read the old row.
    if overwrite(c, &stored, e.version).await? == 0 {
        return Err(StoreError::VersionConflict(WHAT));
    }
    bump_revision(c, e.account_id).await?;
    Ok(stored)
}

pub(crate) async fn delete_kb_entry(c: &mut Conn, account: AccountId, id: KbEntryId) -> R<()> {
    let done = sql::query("DELETE FROM kb_entries WHERE account_id = $1 AND id = $2")
        .bind(account.0)
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(WHAT));
    }
    bump_revision(c, account).await
}

pub(crate) async fn list_kb_entries(
    c: &mut Conn,
    account: AccountId,
    f: &KbFilter,
    page: &PageRequest,
) -> R<Page<KbEntry>> {
    let size = paging::page_size(page);
    let after = paging::cursor(page)?;
    let mut q = sql::QueryBuilder::<Db>::new(concat!(
        "SELECT ",
        kb_cols!(),
        " FROM kb_entries WHERE account_id = "
    ));
    q.push_bind(account.0);
    if let Some(text) = f.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let p = super::like::contains(text);
        q.push(" AND (question_key LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(similar_questions) LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR LOWER(answer) LIKE ")
            .push_bind(p)
            .push(" ESCAPE '\\')");
    }
    if let Some(l) = &f.locale {
        q.push(" AND locale = ").push_bind(l.clone());
    }
    if let Some(t) = f.tag.as_deref().filter(|t| !t.trim().is_empty()) {
        q.push(" AND tags LIKE ")
            .push_bind(super::like::json_element(&t.trim().to_lowercase()))
            .push(" ESCAPE '\\'");
    }
    if let Some(k) = f.kind {
        q.push(" AND kind = ").push_bind(k.as_str());
    }
    if let Some(e) = f.enabled {
        q.push(" AND enabled = ").push_bind(e);
    }
    super::keyset::newest_first(&mut q, "updated_at", after.as_ref(), size);
    let rows = q
        .build()
        .fetch_all(&mut *c)
        .await
        .map_err(db)?
        .iter()
        .map(rows::kb_entry)
        .collect::<R<Vec<_>>>()?;
    Ok(paging::finish(rows, size, |e| Keyset {
        k: e.updated_at.0,
        id: e.id.0,
    }))
}

pub(crate) async fn knowledge_base(c: &mut Conn, account: AccountId) -> R<Vec<KbEntry>> {
    sql::query(concat!(
        "SELECT ",
        kb_cols!(),
        " FROM kb_entries WHERE account_id = $1 ORDER BY created_at, id"
    ))
    .bind(account.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db)?
    .iter()
    .map(rows::kb_entry)
    .collect()
}

pub(crate) async fn kb_revision(c: &mut Conn, account: AccountId) -> R<i64> {
    let r: Option<i64> =
        sql::query_scalar("SELECT revision FROM kb_revisions WHERE account_id = $1")
            .bind(account.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(db)?;
    Ok(r.unwrap_or(0))
}

/// The import: the account's entries are read once and matched in memory
/// (by id, else by locale and case-folded question), then each entry is one
/// INSERT or UPDATE, all in the caller's unit of work. On a dry run the
/// same matching runs and nothing is written.
pub(crate) async fn import_kb_entries(
    c: &mut Conn,
    account: AccountId,
    entries: &[KbEntry],
    mode: KbImportMode,
) -> R<KbImportCounts> {
    let mut current = knowledge_base(c, account).await?;
    let existing = current.len();
    let mut by_id: HashMap<Uuid, usize> = HashMap::with_capacity(current.len());
    let mut by_key: HashMap<(String, String), usize> = HashMap::with_capacity(current.len());
    for (j, e) in current.iter().enumerate() {
        by_id.insert(e.id.0, j);
        by_key.insert((e.locale.clone(), e.question_key()), j);
    }
    let mut touched: HashSet<usize> = HashSet::new();
    let mut counts = KbImportCounts::default();
    for (i, e) in entries.iter().enumerate() {
        let mut e = e.clone();
        // The account is the caller's, whatever the entry says.
        e.account_id = account;
        let key = (e.locale.clone(), e.question_key());
        let matched = by_id.get(&e.id.0).or_else(|| by_key.get(&key)).copied();
        match matched {
            Some(j) => {
                let old = &current[j];
                if by_key.get(&key).is_some_and(|k| *k != j) {
                    counts.conflicts.push(i);
                    continue;
                }
                touched.insert(j);
                if old.same_content(&e) {
                    counts.unchanged += 1;
                    continue;
                }
                let stored = KbEntry {
                    id: old.id,
                    version: old.version + 1,
                    created_at: old.created_at,
                    ..e
                };
                if !mode.dry_run {
                    overwrite(c, &stored, old.version).await?;
                }
                by_key.remove(&(old.locale.clone(), old.question_key()));
                by_key.insert(key, j);
                current[j] = stored;
                counts.updated += 1;
            }
            None => {
                e.version = 1;
                if !mode.dry_run {
                    insert(c, &e).await?;
                }
                let j = current.len();
                by_id.insert(e.id.0, j);
                by_key.insert(key, j);
                touched.insert(j);
                current.push(e);
                counts.created += 1;
            }
        }
    }
    if mode.replace {
        for (j, e) in current.iter().enumerate().take(existing) {
            if touched.contains(&j) {
                continue;
            }
            if !mode.dry_run {
                sql::query("DELETE FROM kb_entries WHERE account_id = $1 AND id = $2")
                    .bind(account.0)
                    .bind(e.id.0)
                    .execute(&mut *c)
                    .await
                    .map_err(db)?;
            }
            counts.deleted += 1;
        }
    }
    if !mode.dry_run && counts.created + counts.updated + counts.deleted > 0 {
        bump_revision(c, account).await?;
    }
    Ok(counts)
}
