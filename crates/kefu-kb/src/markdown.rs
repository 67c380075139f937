//! Markdown, for writing a knowledge base by hand:
//!
//! ```markdown
//! # locale: en
//!
//! ## How do I reset my password?
//! > similar: I forgot my password | can't sign in
//! > similar: password reset link
//! Tags: account, sign-in
//!
//! Click **Forgot password** on the sign-in page and follow the link
//! we email you.
//!
//! ## Next question
//! ...
//! ```
//!
//! Each `## ` heading starts an entry and is its question. Lines right
//! below it may set: `> similar: a | b` (repeatable), `Tags: a, b`,
//! `Kind: article`, `Enabled: no`, `Out of scope: yes`, `Action: name`,
//! `Locale: zh-CN`, `Id: <uuid>` (keys in any case, `:` or `：`). The first
//! other line, or a blank line, starts the answer, which runs to the next
//! `#` or `##` heading (`###` and deeper belong to the answer, so articles
//! use them for their sections). `# locale: xx` sets the locale of the
//! entries below it; any other `# ` line is a title and ignored. A body
//! line that would read as a `#`/`##` heading is written `\#`/`\##` and
//! read back without the backslash.

use kefu_core::model::{KbEntry, KbEntryKind};

use crate::fields::{self, Draft, join_pipes, split_pipes};
use crate::{ParseOptions, Parsed, Rejected, clip};

/// A `#` (level 1) or `##` (level 2) heading: its level and text.
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    if !(1..=2).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t') {
        Some((level, rest.trim()))
    } else {
        None
    }
}

/// Whether a line, after any leading backslashes, is such a heading: those
/// get one more backslash on the way out and lose one on the way in.
fn escaped_heading(line: &str) -> bool {
    heading(line.trim_start_matches('\\')).is_some()
}

struct Open {
    line: usize,
    draft: Draft,
    /// Still in the lines right below the heading, where settings go.
    in_settings: bool,
    body: Vec<String>,
    /// The first problem found in the entry; it is refused at the end.
    problem: Option<Rejected>,
}

impl Open {
    fn fail(&mut self, r: Rejected) {
        if self.problem.is_none() {
            self.problem = Some(r);
        }
    }
}

pub(crate) fn parse(input: &[u8], opts: &ParseOptions) -> Parsed {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut parsed = Parsed::default();
    let mut file_locale: Option<String> = None;
    let mut open: Option<Open> = None;
    let mut stray_reported = false;

    let finish = |open: Option<Open>, file_locale: &Option<String>, parsed: &mut Parsed| {
        let Some(mut o) = open else { return };
        if let Some(r) = o.problem.take() {
            parsed.rejected.push(r);
            return;
        }
        if o.draft.locale.is_none() {
            o.draft.locale = file_locale.clone();
        }
        o.draft.answer = o.body.join("\n");
        match o.draft.finish(o.line, opts) {
            Ok(e) => parsed.entries.push((o.line, e)),
            Err(r) => parsed.rejected.push(r),
        }
    };

    for (i, raw) in input.split(|b| *b == b'\n').enumerate() {
        let n = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let Ok(line) = std::str::from_utf8(raw) else {
            let r = Rejected::new(n, "not_utf8", "the line is not UTF-8 text");
            match open.as_mut() {
                Some(o) => o.fail(r),
                None => parsed.rejected.push(r),
            }
            continue;
        };
        if let Some((level, text)) = heading(line) {
            finish(open.take(), &file_locale, &mut parsed);
            stray_reported = false;
            if level == 1 {
                if let Some(l) = setting(text, &["locale"]) {
                    file_locale = Some(l.to_owned());
                }
                continue;
            }
            open = Some(Open {
                line: n,
                draft: Draft {
                    question: Some(text.to_owned()),
                    ..Draft::default()
                },
                in_settings: true,
                body: Vec::new(),
                problem: None,
            });
            continue;
        }
        let Some(o) = open.as_mut() else {
            if !line.trim().is_empty() && !stray_reported {
                stray_reported = true;
                parsed.rejected.push(Rejected::new(
                    n,
                    "malformed_markdown",
                    format!(
                        "text outside an entry ({:?}); start each entry with a `## Question` heading",
                        clip(line.trim())
                    ),
                ));
            }
            continue;
        };
        if o.in_settings {
            if line.trim().is_empty() {
                o.in_settings = false;
                continue;
            }
            match apply_setting(o, line, n) {
                Some(Ok(())) => continue,
                Some(Err(r)) => {
                    o.fail(r);
                    continue;
                }
                None => o.in_settings = false,
            }
        }
        let body_line = if escaped_heading(line) {
            &line[1..]
        } else {
            line
        };
        o.body.push(body_line.to_owned());
    }
    finish(open.take(), &file_locale, &mut parsed);
    parsed
}

/// The value of `key: value` (or `key：value`) when the line's key is one of
/// `keys` (ASCII case-insensitive; `_` and `-` count as spaces).
fn setting<'a>(line: &'a str, keys: &[&str]) -> Option<&'a str> {
    let (k, v) = line.split_once([':', '：'])?;
    let k = k.trim().to_lowercase().replace(['_', '-'], " ");
    keys.contains(&k.as_str()).then(|| v.trim())
}

/// Applies a settings line; `None` when the line is not one (the answer
/// starts there).
fn apply_setting(o: &mut Open, line: &str, n: usize) -> Option<Result<(), Rejected>> {
    let bad = |code: &str, msg: String| Rejected::new(n, code, msg);
    let t = line.trim();
    if let Some(quoted) = t.strip_prefix('>') {
        let v = setting(
            quoted,
            &["similar", "similar questions", "相似问题", "相似"],
        )?;
        o.draft.similar_questions.extend(split_pipes(v));
        return Some(Ok(()));
    }
    if let Some(v) = setting(t, &["tags", "标签"]) {
        o.draft.tags.extend(
            v.split([',', '，', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        return Some(Ok(()));
    }
    let r = if let Some(v) = setting(t, &["kind"]) {
        fields::kind(v)
            .map(|k| o.draft.kind = Some(k))
            .map_err(|m| bad("invalid_kind", m))
    } else if let Some(v) = setting(t, &["enabled"]) {
        fields::flag("enabled", v, true)
            .map(|b| o.draft.enabled = Some(b))
            .map_err(|m| bad("invalid_enabled", m))
    } else if let Some(v) = setting(t, &["out of scope"]) {
        fields::flag("out_of_scope", v, false)
            .map(|b| o.draft.out_of_scope = Some(b))
            .map_err(|m| bad("invalid_out_of_scope", m))
    } else if let Some(v) = setting(t, &["action"]) {
        o.draft.action = Some(v.to_owned());
        Ok(())
    } else if let Some(v) = setting(t, &["locale"]) {
        o.draft.locale = Some(v.to_owned());
        Ok(())
    } else if let Some(v) = setting(t, &["id"]) {
        fields::id(v)
            .map(|id| o.draft.id = id)
            .map_err(|m| bad("invalid_id", m))
    } else {
        return None;
    };
    Some(r)
}

pub(crate) fn write(entries: &[KbEntry]) -> Vec<u8> {
    // Grouped by locale, in the order each locale first appears, so that
    // one `# locale:` line serves each group.
    let mut locales: Vec<&str> = Vec::new();
    for e in entries {
        if !locales.contains(&e.locale.as_str()) {
            locales.push(&e.locale);
        }
    }
    let mut out = String::new();
    for locale in locales {
        out.push_str(&format!("# locale: {locale}\n\n"));
        for e in entries.iter().filter(|e| e.locale == locale) {
            out.push_str(&format!("## {}\n", e.question));
            for s in &e.similar_questions {
                out.push_str(&format!(
                    "> similar: {}\n",
                    join_pipes(std::slice::from_ref(s), " | ")
                ));
            }
            if !e.tags.is_empty() {
                out.push_str(&format!("Tags: {}\n", e.tags.join(", ")));
            }
            if e.kind != KbEntryKind::Faq {
                out.push_str(&format!("Kind: {}\n", e.kind.as_str()));
            }
            if !e.enabled {
                out.push_str("Enabled: no\n");
            }
            if e.out_of_scope {
                out.push_str("Out of scope: yes\n");
            }
            if let Some(a) = &e.action {
                out.push_str(&format!("Action: {a}\n"));
            }
            out.push_str(&format!("Id: {}\n\n", e.id));
            for line in e.answer.lines() {
                if escaped_heading(line) {
                    out.push('\\');
                }
                out.push_str(line);
                out.push('\n');
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}
