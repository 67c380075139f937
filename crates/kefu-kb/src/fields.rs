//! Field values shared by the formats: `|`-separated lists, yes/no flags,
//! ids and kinds, and turning a draft row into a validated entry.

use kefu_core::model::{KbEntry, KbEntryKind};
use kefu_core::{CoreError, KbEntryId};

use crate::{ParseOptions, Rejected, clip};

/// Joins list items with `|`, escaping `|` and `\` inside items with `\`,
/// so that any item survives [`split_pipes`].
pub fn join_pipes(items: &[String], sep: &str) -> String {
    items
        .iter()
        .map(|s| s.replace('\\', "\\\\").replace('|', "\\|"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Splits at unescaped `|`; `\|` is a literal `|` and `\\` a literal `\`
/// (any other `\x` is kept as written). Items are trimmed; empty ones are
/// dropped.
pub fn split_pipes(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some('|') | Some('\\') => {
                    cur.push(chars.next().unwrap_or('\\'));
                }
                _ => cur.push('\\'),
            },
            '|' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A yes/no field; empty means `default`.
pub(crate) fn flag(field: &str, s: &str, default: bool) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(default),
        "true" | "yes" | "y" | "1" | "on" | "是" => Ok(true),
        "false" | "no" | "n" | "0" | "off" | "否" => Ok(false),
        other => Err(format!(
            "{field}: expected true/false or yes/no, got {:?}",
            clip(other)
        )),
    }
}

pub(crate) fn kind(s: &str) -> Result<KbEntryKind, String> {
    match s.trim().to_lowercase().as_str() {
        "" => Ok(KbEntryKind::Faq),
        other => KbEntryKind::parse(other)
            .ok_or_else(|| format!("kind: expected faq or article, got {:?}", clip(other))),
    }
}

pub(crate) fn id(s: &str) -> Result<Option<KbEntryId>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| {
        format!(
            "id: {:?} is not a UUID (leave it empty for a new entry)",
            clip(t)
        )
    })
}

/// A row as read from a file, before validation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draft {
    pub id: Option<KbEntryId>,
    pub kind: Option<KbEntryKind>,
    pub locale: Option<String>,
    pub question: Option<String>,
    pub similar_questions: Vec<String>,
    pub answer: String,
    pub tags: Vec<String>,
    pub enabled: Option<bool>,
    pub out_of_scope: Option<bool>,
    pub action: Option<String>,
}

impl Draft {
    /// The validated entry, or why the row is refused (at `line`).
    pub(crate) fn finish(self, line: usize, opts: &ParseOptions) -> Result<KbEntry, Rejected> {
        let locale = self
            .locale
            .filter(|l| !l.trim().is_empty())
            .or_else(|| opts.default_locale.clone())
            .ok_or_else(|| {
                Rejected::new(
                    line,
                    "invalid_locale",
                    "locale: missing; give each row a locale or the whole file one \
                     (--locale, ?locale=, or `# locale:` in Markdown)",
                )
            })?;
        let Some(question) = self.question else {
            return Err(Rejected::new(line, "invalid_question", "question: missing"));
        };
        let mut e = KbEntry {
            id: self.id.unwrap_or_default(),
            account_id: opts.account,
            kind: self.kind.unwrap_or(KbEntryKind::Faq),
            question,
            similar_questions: self.similar_questions,
            answer: self.answer,
            tags: self.tags,
            locale,
            enabled: self.enabled.unwrap_or(true),
            out_of_scope: self.out_of_scope.unwrap_or(false),
            action: self.action,
            version: 1,
            created_at: opts.now,
            updated_at: opts.now,
        };
        e.validate().map_err(|err| invalid(line, err))?;
        Ok(e)
    }
}

/// A validation error as a refused row: `invalid_<field>`.
pub(crate) fn invalid(line: usize, err: CoreError) -> Rejected {
    let code = match &err {
        CoreError::Invalid { field, .. } => format!("invalid_{field}"),
        other => other.code().to_owned(),
    };
    Rejected::new(line, code, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_round_trip_with_escapes() {
        let items: Vec<String> = vec![
            "a | b".into(),
            "back\\slash".into(),
            "密码".into(),
            "x\\|y".into(),
        ];
        let joined = join_pipes(&items, "|");
        assert_eq!(split_pipes(&joined), items);
        assert_eq!(split_pipes(" a | | b |"), vec!["a", "b"]);
        assert_eq!(split_pipes(r"C:\path"), vec![r"C:\path"]);
        assert!(split_pipes("").is_empty());
    }

    #[test]
    fn flags_and_kinds() {
        assert_eq!(flag("enabled", " Yes ", false), Ok(true));
        assert_eq!(flag("enabled", "", true), Ok(true));
        assert_eq!(flag("enabled", "0", true), Ok(false));
        assert!(
            flag("enabled", "maybe", true)
                .unwrap_err()
                .contains("enabled")
        );
        assert_eq!(kind("Article"), Ok(KbEntryKind::Article));
        assert!(kind("howto").is_err());
        assert!(id("nope").is_err());
        assert_eq!(id(" "), Ok(None));
    }
}
