// Keyset pagination, newest first. Included into `sqlite::keyset` and
// `postgres::keyset`.

use kefu_core::page::Keyset;

use super::sql;
use super::Db;

/// Appends "after this position", the newest-first order and the page size
/// plus one (to learn whether another page follows). The position test is
/// spelled out rather than `(column, id) < (k, id)`: the first term bounds
/// the index range on both backends.
pub(crate) fn newest_first(
    q: &mut sql::QueryBuilder<Db>,
    column: &'static str,
    after: Option<&Keyset>,
    size: u32,
) {
    if let Some(k) = after {
        q.push(" AND ")
            .push(column)
            .push(" <= ")
            .push_bind(k.k)
            .push(" AND (")
            .push(column)
            .push(" < ")
            .push_bind(k.k)
            .push(" OR id < ")
            .push_bind(k.id)
            .push(")");
    }
    q.push(" ORDER BY ")
        .push(column)
        .push(" DESC, id DESC LIMIT CAST(")
        .push_bind(i64::from(size) + 1)
        .push(" AS BIGINT)");
}
