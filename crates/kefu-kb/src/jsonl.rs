//! JSON Lines: one JSON object per line, blank lines skipped. The fields
//! are those of an entry: `question` (required), `answer`, `locale`, `id`,
//! `kind`, `similar_questions` and `tags` (arrays of strings), `enabled`,
//! `out_of_scope`, `action`. The API's own entry fields `account_id`,
//! `version`, `created_at` and `updated_at` are accepted and ignored, so
//! entries read from the API import as they are; any other field refuses
//! the line (a typo such as `anwser` must not silently drop the answer).

use kefu_core::model::KbEntry;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::fields::{self, Draft};
use crate::{ParseOptions, Parsed, Rejected};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    similar_questions: Option<Vec<String>>,
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    out_of_scope: Option<bool>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    #[allow(dead_code)] // accepted and ignored, see the module comment
    account_id: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    created_at: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    updated_at: Option<IgnoredAny>,
}

pub(crate) fn parse(input: &[u8], opts: &ParseOptions) -> Parsed {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut parsed = Parsed::default();
    for (i, raw) in input.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            parsed.rejected.push(Rejected::new(
                line,
                "not_utf8",
                "the line is not UTF-8 text",
            ));
            continue;
        };
        match one(text, line, opts) {
            Ok(e) => parsed.entries.push((line, e)),
            Err(r) => parsed.rejected.push(r),
        }
    }
    parsed
}

fn one(text: &str, line: usize, opts: &ParseOptions) -> Result<KbEntry, Rejected> {
    let row: Row = serde_json::from_str(text).map_err(|e| {
        Rejected::new(
            line,
            "malformed_json",
            format!("not a JSON object of an entry: {e}"),
        )
    })?;
    let bad = |code: &str, msg: String| Rejected::new(line, code, msg);
    let draft = Draft {
        id: fields::id(row.id.as_deref().unwrap_or("")).map_err(|m| bad("invalid_id", m))?,
        kind: Some(
            fields::kind(row.kind.as_deref().unwrap_or("")).map_err(|m| bad("invalid_kind", m))?,
        ),
        locale: row.locale,
        question: row.question,
        similar_questions: row.similar_questions.unwrap_or_default(),
        answer: row.answer.unwrap_or_default(),
        tags: row.tags.unwrap_or_default(),
        enabled: row.enabled,
        out_of_scope: row.out_of_scope,
        action: row.action,
    };
    draft.finish(line, opts)
}

#[derive(Serialize)]
struct Out<'a> {
    id: String,
    kind: &'a str,
    locale: &'a str,
    question: &'a str,
    similar_questions: &'a [String],
    answer: &'a str,
    tags: &'a [String],
    enabled: bool,
    out_of_scope: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
}

pub(crate) fn write(entries: &[KbEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let row = Out {
            id: e.id.to_string(),
            kind: e.kind.as_str(),
            locale: &e.locale,
            question: &e.question,
            similar_questions: &e.similar_questions,
            answer: &e.answer,
            tags: &e.tags,
            enabled: e.enabled,
            out_of_scope: e.out_of_scope,
            action: e.action.as_deref(),
        };
        // Plain strings and bools always serialise; nothing to unwrap.
        if serde_json::to_writer(&mut out, &row).is_ok() {
            out.push(b'\n');
        }
    }
    out
}
