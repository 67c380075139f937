// LIKE patterns for both backends, with the LIKE wildcards of the searched
// text escaped (queries add `ESCAPE '\'`). Included into `sqlite::like` and
// `postgres::like`.

/// `%` + `text` with `\`, `%` and `_` escaped + `%`.
fn wrapped(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 4);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// `%text%` for a case-insensitive substring search: trimmed and lower-cased
/// (compare against a lower-cased column).
pub(crate) fn contains(text: &str) -> String {
    wrapped(&text.trim().to_lowercase())
}

/// `%"value"%`: whether a JSON array of strings stored as text holds
/// `value` as an element (its JSON string, quotes included, occurs in the
/// text). One portable predicate instead of `json_each` / `jsonb ?`.
pub(crate) fn json_element(value: &str) -> String {
    wrapped(&serde_json::to_string(value).unwrap_or_default())
}
