//! Keyset pagination shared by every list: the cursor is the sort key and id
//! of the last row of the previous page, so pages stay stable while rows are
//! added and no offset is ever scanned.

use kefu_core::page::{DEFAULT_LIMIT, Keyset, MAX_LIMIT, Page};
use kefu_core::store::PageRequest;
use kefu_core::{CoreError, StoreError};

/// The page size to use; 0 means "the default".
pub(crate) fn page_size(req: &PageRequest) -> u32 {
    match req.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    }
}

pub(crate) fn cursor(req: &PageRequest) -> Result<Option<Keyset>, StoreError> {
    match &req.cursor {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => Keyset::decode(s).map(Some).ok_or_else(|| {
            CoreError::invalid("cursor", "not a cursor from a previous page").into()
        }),
    }
}

/// Cuts the one extra row fetched to learn whether another page follows.
pub(crate) fn finish<T>(mut rows: Vec<T>, size: u32, key: impl Fn(&T) -> Keyset) -> Page<T> {
    let more = rows.len() > size as usize;
    rows.truncate(size as usize);
    let next_cursor = if more {
        rows.last().map(|r| key(r).encode())
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// Row limits for non-paged reads (messages, events): at least 1, at most
/// 1000, so a caller's 0 or `u32::MAX` cannot ask for nothing or everything.
pub(crate) fn bounded(limit: u32) -> i64 {
    i64::from(limit.clamp(1, 1000))
}
