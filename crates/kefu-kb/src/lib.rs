//! Knowledge-base files: CSV, JSON Lines and Markdown, read into validated
//! [`KbEntry`]s with an exact report of the rows that were refused (line
//! number, code, reason), and written back so that an export re-imports to
//! the same entries. [`import`] runs a whole import against the storage
//! port; the HTTP API and the `kefu kb import` command both call it, so they
//! accept and refuse exactly the same files.
//!
//! Parsing never panics and never gives up on the first bad row: a file is
//! refused as a whole only when it cannot be read as a table at all (a CSV
//! header with missing or unknown columns); every other problem refuses one
//! row and the rest go on.
#![forbid(unsafe_code)]

mod csv_format;
mod fields;
mod jsonl;
mod markdown;

use std::collections::HashMap;

use kefu_core::model::KbEntry;
use kefu_core::store::{KbImportMode, Store};
use kefu_core::{AccountId, StoreError, Timestamp};
use serde::Serialize;
use thiserror::Error;

pub use fields::{join_pipes, split_pipes};

/// A file format for import and export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Jsonl,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Jsonl, Format::Markdown];

    /// `csv`, `jsonl` (or `ndjson`), `markdown` (or `md`), any case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "jsonl" | "ndjson" | "json-lines" | "jsonlines" => Some(Self::Jsonl),
            "markdown" | "md" => Some(Self::Markdown),
            _ => None,
        }
    }

    /// The format a file name suggests, by its extension.
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = path.rsplit_once('.')?.1;
        Self::parse(ext)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Markdown => "markdown",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
            Self::Markdown => "md",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Jsonl => "application/x-ndjson; charset=utf-8",
            Self::Markdown => "text/markdown; charset=utf-8",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused row: where it is, a stable code, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rejected {
    /// 1-based line of the file where the row (or the problem) starts.
    pub line: usize,
    /// `malformed_csv`, `malformed_json`, `malformed_markdown`, `not_utf8`,
    /// `invalid_<field>` (e.g. `invalid_question`, `invalid_locale`),
    /// `duplicate` (the same question or id earlier in the file) or
    /// `conflict` (an update by id onto another entry's question).
    pub code: String,
    pub message: String,
}

impl Rejected {
    pub(crate) fn new(line: usize, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            line,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A file that cannot be read at all.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FileError {
    #[error("the CSV header lacks the required column(s) {missing}; expected {expected}")]
    MissingColumns { missing: String, expected: String },
    #[error("the CSV header has unknown column(s) {unknown}; the columns are {expected}")]
    UnknownColumns { unknown: String, expected: String },
    #[error("the CSV header names column {0:?} twice")]
    DuplicateColumn(String),
    #[error("the CSV header is not readable: {0}")]
    BadHeader(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        "invalid_file"
    }
}

/// How to read a file.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// The account the entries are for.
    pub account: AccountId,
    /// The locale of entries that do not say (no `locale` column or field,
    /// no `# locale:` line).
    pub default_locale: Option<String>,
    /// `created_at`/`updated_at` of the parsed entries.
    pub now: Timestamp,
}

/// A parsed file: the valid entries with their line, and the refused rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub entries: Vec<(usize, KbEntry)>,
    pub rejected: Vec<Rejected>,
}

impl Parsed {
    /// Rows seen: accepted and refused.
    pub fn total(&self) -> usize {
        self.entries.len() + self.rejected.len()
    }
}

/// Reads a file. Entries come out validated (normalised, within limits);
/// rows that repeat an earlier row's question (same locale, any case) or id
/// are refused as `duplicate`, so a file says each thing once.
pub fn parse(format: Format, input: &[u8], opts: &ParseOptions) -> Result<Parsed, FileError> {
    let mut parsed = match format {
        Format::Csv => csv_format::parse(input, opts)?,
        Format::Jsonl => jsonl::parse(input, opts),
        Format::Markdown => markdown::parse(input, opts),
    };
    drop_duplicates(&mut parsed);
    parsed.rejected.sort_by_key(|r| r.line);
    Ok(parsed)
}

fn drop_duplicates(parsed: &mut Parsed) {
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut by_id: HashMap<uuid::Uuid, usize> = HashMap::new();
    let mut kept = Vec::with_capacity(parsed.entries.len());
    for (line, e) in parsed.entries.drain(..) {
        let key = (e.locale.clone(), e.question_key());
        if let Some(first) = by_id.get(&e.id.0) {
            parsed.rejected.push(Rejected::new(
                line,
                "duplicate",
                format!("the same id as line {first}"),
            ));
        } else if let Some(first) = by_key.get(&key) {
            parsed.rejected.push(Rejected::new(
                line,
                "duplicate",
                format!(
                    "the same question as line {first} (locale {}); merge them, e.g. as similar questions",
                    e.locale
                ),
            ));
        } else {
            by_id.insert(e.id.0, line);
            by_key.insert(key, line);
            kept.push((line, e));
        }
    }
    parsed.entries = kept;
}

/// Writes entries in a format; [`parse`] reads the result back to the same
/// entries (ids, texts, flags; not versions or times).
pub fn write(format: Format, entries: &[KbEntry]) -> Vec<u8> {
    match format {
        Format::Csv => csv_format::write(entries),
        Format::Jsonl => jsonl::write(entries),
        Format::Markdown => markdown::write(entries),
    }
}

/// How to run an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub format: Format,
    pub default_locale: Option<String>,
    /// Count what would happen, write nothing.
    pub dry_run: bool,
}

/// What an import did (or, on a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: u64,
    pub updated: u64,
    /// Matched an entry that already said the same: nothing written.
    pub unchanged: u64,
    /// Refused rows, by line; everything else was imported.
    pub rejected: Vec<Rejected>,
    /// Rows in the file (imported, unchanged and refused).
    pub total: usize,
    pub dry_run: bool,
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Parses `input` and upserts the valid entries into `account` in one unit
/// of work (see [`Store::import_kb_entries`]), reporting every refused row.
pub async fn import(
    store: &dyn Store,
    account: AccountId,
    input: &[u8],
    opts: &ImportOptions,
    now: Timestamp,
) -> Result<ImportReport, ImportError> {
    import_in_batches(store, account, input, opts, now, usize::MAX, &mut |_, _| {}).await
}

/// Like [`import`], writing `batch` entries per unit of work and calling
/// `progress(done, total)` after each, for command-line progress bars on
/// large files. Each batch commits on its own: when one fails, the ones
/// before it stay imported (the error says so through the caller).
pub async fn import_in_batches(
    store: &dyn Store,
    account: AccountId,
    input: &[u8],
    opts: &ImportOptions,
    now: Timestamp,
    batch: usize,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ImportReport, ImportError> {
    let parsed = parse(
        opts.format,
        input,
        &ParseOptions {
            account,
            default_locale: opts.default_locale.clone(),
            now,
        },
    )?;
    let total = parsed.total();
    let mut rejected = parsed.rejected;
    let (lines, entries): (Vec<usize>, Vec<KbEntry>) = parsed.entries.into_iter().unzip();
    let mode = KbImportMode {
        replace: false,
        dry_run: opts.dry_run,
    };
    let mut report = ImportReport {
        total,
        dry_run: opts.dry_run,
        ..ImportReport::default()
    };
    progress(0, entries.len());
    let mut done = 0;
    for chunk in entries.chunks(batch.max(1)) {
        let counts = store.import_kb_entries(account, chunk, mode).await?;
        report.created += counts.created;
        report.updated += counts.updated;
        report.unchanged += counts.unchanged;
        for i in counts.conflicts {
            let (Some(line), Some(e)) = (lines.get(done + i), entries.get(done + i)) else {
                continue;
            };
            rejected.push(Rejected::new(
                *line,
                "conflict",
                format!(
                    "another entry already asks {:?} in locale {}; this row would rename entry {} onto it",
                    clip(&e.question),
                    e.locale,
                    e.id
                ),
            ));
        }
        done += chunk.len();
        progress(done, entries.len());
    }
    rejected.sort_by_key(|r| r.line);
    report.rejected = rejected;
    Ok(report)
}

/// The start of a text, for messages that quote input.
pub(crate) fn clip(s: &str) -> String {
    const SHOWN: usize = 60;
    if s.chars().count() > SHOWN {
        let mut c: String = s.chars().take(SHOWN).collect();
        c.push('…');
        c
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests;
