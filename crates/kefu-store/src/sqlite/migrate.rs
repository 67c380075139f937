//! Schema migrations for SQLite. The applied version is SQLite's own
//! `PRAGMA user_version`, which lives in the file header and changes inside
//! the migration's transaction: a migration and its version bump commit
//! together or not at all.

use kefu_core::StoreError;

use super::Conn;

/// Every migration in `migrations/sqlite`, in order; version N is the N-th.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        "0002_csat.sql",
        include_str!("../../migrations/sqlite/0002_csat.sql"),
    ),
    (
        "0003_canned_responses.sql",
        include_str!("../../migrations/sqlite/0003_canned_responses.sql"),
    ),
    (
        "0004_knowledge_base.sql",
        include_str!("../../migrations/sqlite/0004_knowledge_base.sql"),
    ),
    (
        "0005_bot_questions.sql",
        include_str!("../../migrations/sqlite/0005_bot_questions.sql"),
    ),
    (
        "0006_routing.sql",
        include_str!("../../migrations/sqlite/0006_routing.sql"),
    ),
    (
        "0007_tickets.sql",
        include_str!("../../migrations/sqlite/0007_tickets.sql"),
    ),
    (
        "0008_mentions.sql",
        include_str!("../../migrations/sqlite/0008_mentions.sql"),
    ),
    (
        "0009_qa.sql",
        include_str!("../../migrations/sqlite/0009_qa.sql"),
    ),
    (
        "0010_qa_alerts.sql",
        include_str!("../../migrations/sqlite/0010_qa_alerts.sql"),
    ),
    (
        "0011_sentiment_labels.sql",
        include_str!("../../migrations/sqlite/0011_sentiment_labels.sql"),
    ),
    (
        "0012_privacy.sql",
        include_str!("../../migrations/sqlite/0012_privacy.sql"),
    ),
];

fn failed(step: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("migrating the SQLite database ({step}): {e}"))
}

/// Brings the schema up to date. A database newer than this build is refused
/// rather than written with assumptions that no longer hold.
pub(crate) fn run(conn: &mut Conn) -> Result<(), StoreError> {
    let mut current = version(conn)?;
    if current == 0 {
        current = adopt_sqlx_history(conn)?;
    }
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::Unavailable(format!(
            "the SQLite database has schema version {current}, newer than this build's {known}: \
             upgrade Kefu"
        )));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| failed(name, e))?;
        tx.execute_batch(sql).map_err(|e| failed(name, e))?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(|e| failed(name, e))?;
        tx.commit().map_err(|e| failed(name, e))?;
    }
    Ok(())
}

fn version(conn: &Conn) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| failed("reading user_version", e))
}

/// Databases created by earlier builds (which migrated with sqlx) record
/// their migrations in `_sqlx_migrations`; take over from there.
fn adopt_sqlx_history(conn: &mut Conn) -> Result<i64, StoreError> {
    let has: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
             AND name = '_sqlx_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| failed("reading the sqlx history", e))?;
    if !has {
        return Ok(0);
    }
    let applied: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            [],
            |r| r.get(0),
        )
        .map_err(|e| failed("reading the sqlx history", e))?;
    conn.pragma_update(None, "user_version", applied)
        .map_err(|e| failed("adopting the sqlx history", e))?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration file that is not listed would silently never run.
    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, listed);
    }

    #[test]
    fn migrating_twice_is_a_no_op_and_newer_schemas_are_refused() {
        let mut c = Conn::new(
            rusqlite::Connection::open_in_memory().unwrap(),
            Default::default(),
        );
        run(&mut c).unwrap();
        assert_eq!(version(&c).unwrap(), MIGRATIONS.len() as i64);
        run(&mut c).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        let e = run(&mut c).unwrap_err();
        assert!(e.to_string().contains("newer"), "{e}");
    }
}
