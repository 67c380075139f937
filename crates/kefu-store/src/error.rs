//! Mapping of sqlx errors onto the storage port's `StoreError`. Call sites
//! name what a unique or foreign-key violation means for them, because SQLite
//! does not report constraint names and a bare "constraint failed" helps no
//! one.

use kefu_core::StoreError;
use sqlx::error::ErrorKind;

/// The default mapping: connection trouble is `Unavailable` (the caller may
/// retry), everything else is an internal `Database` error.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if is_unavailable(&e) {
        return StoreError::Unavailable(e.to_string());
    }
    match e.as_database_error().map(|d| d.kind()) {
        Some(ErrorKind::UniqueViolation) => StoreError::Conflict("record"),
        Some(ErrorKind::ForeignKeyViolation) => StoreError::NotFound("referenced record"),
        _ => StoreError::Database(e.to_string()),
    }
}

/// Maps a unique violation to `Conflict(what)`, anything else as [`db`].
pub(crate) fn unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if kind(&e) == Some(ErrorKind::UniqueViolation) {
            StoreError::Conflict(what)
        } else {
            db(e)
        }
    }
}

/// Maps a foreign-key violation to `NotFound(what)` and a unique violation to
/// `Conflict(dup)`.
pub(crate) fn refs(
    what: &'static str,
    dup: &'static str,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match kind(&e) {
        Some(ErrorKind::ForeignKeyViolation) => StoreError::NotFound(what),
        Some(ErrorKind::UniqueViolation) => StoreError::Conflict(dup),
        _ => db(e),
    }
}

fn kind(e: &sqlx::Error) -> Option<ErrorKind> {
    e.as_database_error().map(|d| d.kind())
}

fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            // SQLite: BUSY (5) and LOCKED (6), with their extended codes.
            // PostgreSQL: connection exceptions (08...), too many
            // connections, shutdowns, deadlocks and serialization failures
            // (retrying the unit of work is the remedy for all of them).
            let sqlite_busy = code
                .parse::<i32>()
                .map(|c| matches!(c & 0xff, 5 | 6))
                .unwrap_or(false);
            sqlite_busy
                || code.starts_with("08")
                || code.starts_with("57P")
                || matches!(&*code, "53300" | "40001" | "40P01")
        }
        _ => false,
    }
}

/// A value read back from the database that the domain cannot represent
/// (an unknown enum name, malformed JSON): the row is corrupt, not the input.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("stored {what} is invalid: {detail}"))
}
