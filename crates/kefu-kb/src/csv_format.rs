//! CSV: a header row naming the columns, then one entry per row. Columns:
//! `id,kind,locale,question,similar_questions,answer,tags,enabled,out_of_scope,action`
//! in any order; only `question` and `answer` are required (and `locale`
//! unless the whole file has one). `similar_questions` and `tags` hold
//! several values separated by `|` (`\|` for a literal bar). A UTF-8 byte
//! order mark (as Excel writes) is skipped.

use kefu_core::model::KbEntry;

use crate::fields::{self, Draft, join_pipes, split_pipes};
use crate::{FileError, ParseOptions, Parsed, Rejected};

pub(crate) const COLUMNS: &[&str] = &[
    "id",
    "kind",
    "locale",
    "question",
    "similar_questions",
    "answer",
    "tags",
    "enabled",
    "out_of_scope",
    "action",
];
const REQUIRED: &[&str] = &["question", "answer"];

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn list(names: &[&str]) -> String {
    names.join(", ")
}

pub(crate) fn parse(input: &[u8], opts: &ParseOptions) -> Result<Parsed, FileError> {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut parsed = Parsed::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(FileError::BadHeader(e.to_string())),
    };
    if header.is_empty() || header.iter().all(|h| h.iter().all(u8::is_ascii_whitespace)) {
        // An empty file: nothing to import, nothing wrong.
        return Ok(parsed);
    }
    // Column index of each known column.
    let mut at: Vec<Option<usize>> = vec![None; COLUMNS.len()];
    let mut unknown = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_lowercase();
        match COLUMNS.iter().position(|c| *c == name) {
            Some(k) if at[k].is_some() => return Err(FileError::DuplicateColumn(name)),
            Some(k) => at[k] = Some(i),
            None => unknown.push(format!("{name:?}")),
        }
    }
    if !unknown.is_empty() {
        return Err(FileError::UnknownColumns {
            unknown: unknown.join(", "),
            expected: list(COLUMNS),
        });
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|r| at[COLUMNS.iter().position(|c| c == *r).unwrap_or(0)].is_none())
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            missing: list(&missing),
            expected: list(COLUMNS),
        });
    }
    let width = header.len();

    let mut record = csv::ByteRecord::new();
    loop {
        let line_before = reader.position().line() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| p.line() as usize)
                    .unwrap_or(line_before);
                parsed.rejected.push(Rejected::new(
                    line,
                    "malformed_csv",
                    format!("unreadable row: {e}"),
                ));
                continue;
            }
        }
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(line_before);
        // Rows of empty cells (spreadsheets leave them at the end) are not rows.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != width {
            parsed.rejected.push(Rejected::new(
                line,
                "malformed_csv",
                format!(
                    "expected {width} fields like the header, found {} (a quote not closed, or a stray comma?)",
                    record.len()
                ),
            ));
            continue;
        }
        match row(&record, &at, line, opts) {
            Ok(e) => parsed.entries.push((line, e)),
            Err(r) => parsed.rejected.push(r),
        }
    }
    Ok(parsed)
}

fn row(
    record: &csv::ByteRecord,
    at: &[Option<usize>],
    line: usize,
    opts: &ParseOptions,
) -> Result<KbEntry, Rejected> {
    let mut cells: Vec<String> = Vec::with_capacity(COLUMNS.len());
    for (k, col) in at.iter().enumerate() {
        let text = match col.and_then(|i| record.get(i)) {
            None => String::new(),
            Some(bytes) => std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| {
                Rejected::new(
                    line,
                    "not_utf8",
                    format!(
                        "{}: not UTF-8 text (save the file as CSV UTF-8)",
                        COLUMNS[k]
                    ),
                )
            })?,
        };
        cells.push(text);
    }
    let cell = |name: &str| -> &str {
        COLUMNS
            .iter()
            .position(|c| *c == name)
            .map(|k| cells[k].as_str())
            .unwrap_or("")
    };
    let bad = |code: &str, msg: String| Rejected::new(line, code, msg);
    let draft = Draft {
        id: fields::id(cell("id")).map_err(|m| bad("invalid_id", m))?,
        kind: Some(fields::kind(cell("kind")).map_err(|m| bad("invalid_kind", m))?),
        locale: Some(cell("locale").to_owned()),
        question: Some(cell("question").to_owned()),
        similar_questions: split_pipes(cell("similar_questions")),
        answer: cell("answer").to_owned(),
        tags: split_pipes(cell("tags")),
        enabled: Some(
            fields::flag("enabled", cell("enabled"), true)
                .map_err(|m| bad("invalid_enabled", m))?,
        ),
        out_of_scope: Some(
            fields::flag("out_of_scope", cell("out_of_scope"), false)
                .map_err(|m| bad("invalid_out_of_scope", m))?,
        ),
        action: Some(cell("action").to_owned()),
    };
    draft.finish(line, opts)
}

/// With a byte order mark and CRLF line ends: what Excel needs to open a
/// UTF-8 file (Chinese text included) correctly.
pub(crate) fn write(entries: &[KbEntry]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    // Writing to memory cannot fail; errors are ignored rather than unwrapped.
    let _ = w.write_record(COLUMNS);
    for e in entries {
        let id = e.id.to_string();
        let similar = join_pipes(&e.similar_questions, "|");
        let tags = join_pipes(&e.tags, "|");
        let _ = w.write_record([
            id.as_str(),
            e.kind.as_str(),
            e.locale.as_str(),
            e.question.as_str(),
            similar.as_str(),
            e.answer.as_str(),
            tags.as_str(),
            if e.enabled { "true" } else { "false" },
            if e.out_of_scope { "true" } else { "false" },
            e.action.as_deref().unwrap_or(""),
        ]);
    }
    w.into_inner().unwrap_or_default()
}
