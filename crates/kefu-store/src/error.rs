//! Mapping of driver errors onto the storage port's `StoreError`. Call sites
//! name what a unique or foreign-key violation means for them, because SQLite
//! does not report constraint names and a bare "constraint failed" helps no
//! one.

use kefu_core::StoreError;

/// What a driver error means for the storage port.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Connection trouble, a busy/locked database, a deadlock or a
    /// serialization failure: retrying the unit of work is the remedy.
    Unavailable,
    UniqueViolation,
    ForeignKeyViolation,
    Other,
}

/// A driver error (sqlx on PostgreSQL, rusqlite on SQLite) the shared SQL's
/// `map_err` helpers accept.
pub(crate) trait DbError: std::fmt::Display {
    fn kind(&self) -> Kind;
}

impl DbError for sqlx::Error {
    fn kind(&self) -> Kind {
        use sqlx::error::ErrorKind;
        match self {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => return Kind::Unavailable,
            _ => {}
        }
        let Some(d) = self.as_database_error() else {
            return Kind::Other;
        };
        let code = d.code().unwrap_or_default();
        // PostgreSQL: connection exceptions (08...), too many connections,
        // shutdowns, deadlocks and serialization failures.
        if code.starts_with("08")
            || code.starts_with("57P")
            || matches!(&*code, "53300" | "40001" | "40P01")
        {
            return Kind::Unavailable;
        }
        match d.kind() {
            ErrorKind::UniqueViolation => Kind::UniqueViolation,
            ErrorKind::ForeignKeyViolation => Kind::ForeignKeyViolation,
            _ => Kind::Other,
        }
    }
}

impl DbError for rusqlite::Error {
    fn kind(&self) -> Kind {
        use rusqlite::ffi;
        let rusqlite::Error::SqliteFailure(e, _) = self else {
            return Kind::Other;
        };
        match e.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                Kind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Kind::ForeignKeyViolation,
            // BUSY and LOCKED with their extended codes: another process
            // holds the lock past busy_timeout.
            c if matches!(c & 0xff, ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED) => Kind::Unavailable,
            _ => Kind::Other,
        }
    }
}

/// The default mapping: connection trouble is `Unavailable` (the caller may
/// retry), a unique violation a `Conflict`, a foreign-key violation a
/// `NotFound`, everything else an internal `Database` error.
pub(crate) fn db<E: DbError>(e: E) -> StoreError {
    match e.kind() {
        Kind::Unavailable => StoreError::Unavailable(e.to_string()),
        Kind::UniqueViolation => StoreError::Conflict("record"),
        Kind::ForeignKeyViolation => StoreError::NotFound("referenced record"),
        Kind::Other => StoreError::Database(e.to_string()),
    }
}

/// Maps a unique violation to `Conflict(what)`, anything else as [`db`].
pub(crate) fn unique<E: DbError>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| {
        if e.kind() == Kind::UniqueViolation {
            StoreError::Conflict(what)
        } else {
            db(e)
        }
    }
}

/// Maps a foreign-key violation to `NotFound(what)` and a unique violation to
/// `Conflict(dup)`.
pub(crate) fn refs<E: DbError>(
    what: &'static str,
    dup: &'static str,
) -> impl FnOnce(E) -> StoreError {
    move |e| match e.kind() {
        Kind::ForeignKeyViolation => StoreError::NotFound(what),
        Kind::UniqueViolation => StoreError::Conflict(dup),
        _ => db(e),
    }
}

/// A value read back from the database that the domain cannot represent
/// (an unknown enum name, malformed JSON): the row is corrupt, not the input.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Database(format!("stored {what} is invalid: {detail}"))
}
