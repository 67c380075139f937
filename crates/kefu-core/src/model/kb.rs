use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::locale::normalize_locale;
use crate::{AccountId, CoreError, KbEntryId, Timestamp};

/// The longest question (or article title), in characters.
pub const KB_QUESTION_MAX: usize = 500;
/// The most similar questions one FAQ entry may carry.
pub const KB_SIMILAR_MAX: usize = 200;
/// The longest FAQ answer, in characters.
pub const KB_ANSWER_MAX: usize = 20_000;
/// The longest article body, in characters.
pub const KB_ARTICLE_MAX: usize = 200_000;
/// The most tags on one entry.
pub const KB_TAGS_MAX: usize = 20;
/// The longest tag, in characters.
pub const KB_TAG_MAX: usize = 50;
/// The longest action name, in characters.
pub const KB_ACTION_MAX: usize = 100;
/// The size an article chunk aims to stay under, in characters: long enough
/// to hold a paragraph and its context, short enough that retrieval points
/// at the part of an article that answers.
pub const KB_CHUNK_MAX: usize = 800;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KbEntryKind {
    /// A question with its similar phrasings and one answer.
    Faq,
    /// A longer text, retrieved by chunks.
    Article,
}

impl KbEntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Faq => "faq",
            Self::Article => "article",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "faq" => Some(Self::Faq),
            "article" => Some(Self::Article),
            _ => None,
        }
    }
}

/// One entry of an account's knowledge base: an FAQ (question, similar
/// phrasings, answer) or an article (title and body).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KbEntry {
    pub id: KbEntryId,
    pub account_id: AccountId,
    pub kind: KbEntryKind,
    /// The canonical question; an article's title.
    pub question: String,
    /// Other ways customers ask the same thing (FAQ only, by convention).
    pub similar_questions: Vec<String>,
    /// The FAQ answer or the article body: Markdown-lite text with links.
    pub answer: String,
    /// Lower-case tags for filtering and reporting.
    pub tags: Vec<String>,
    /// A normalised locale (`en`, `zh-CN`, `zh-Hans`).
    pub locale: String,
    /// Disabled entries are kept and exported but the bot skips them.
    pub enabled: bool,
    /// A question the bot must not answer (legal advice, refund disputes):
    /// when it matches, the bot hands the conversation to a person.
    pub out_of_scope: bool,
    /// A business action to run instead of (or before) answering; a seam for
    /// later, stored and returned as is.
    pub action: Option<String>,
    /// Optimistic concurrency: 1 when created, one more on every change.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A piece of an entry for retrieval: the text and where it sits (the
/// entry's title, then the headings above it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KbChunk {
    pub entry_id: KbEntryId,
    /// Position of the chunk within its entry, from 0.
    pub index: usize,
    /// The title, then each enclosing heading, outermost first.
    pub heading_path: Vec<String>,
    pub text: String,
}

impl KbChunk {
    /// `Title > Heading > Subheading`, for showing where a chunk comes from.
    pub fn heading(&self) -> String {
        self.heading_path.join(" > ")
    }
}

impl KbEntry {
    /// A new, enabled, in-scope entry with version 1; call [`Self::validate`]
    /// before storing it.
    pub fn new(
        account_id: AccountId,
        kind: KbEntryKind,
        locale: &str,
        question: &str,
        answer: &str,
        now: Timestamp,
    ) -> Self {
        Self {
            id: KbEntryId::new(),
            account_id,
            kind,
            question: question.into(),
            similar_questions: vec![],
            answer: answer.into(),
            tags: vec![],
            locale: locale.into(),
            enabled: true,
            out_of_scope: false,
            action: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Normalises the entry in place (trimmed text, blank and duplicate
    /// similar questions and tags dropped, tags lower case, locale
    /// normalised) and checks its limits. Errors name the field.
    pub fn validate(&mut self) -> Result<(), CoreError> {
        self.question = one_line("question", &self.question, KB_QUESTION_MAX)?;
        let mut seen = HashSet::from([self.question.to_lowercase()]);
        let mut similar = Vec::with_capacity(self.similar_questions.len().min(KB_SIMILAR_MAX));
        for s in &self.similar_questions {
            if s.trim().is_empty() {
                continue;
            }
            let s = one_line("similar_questions", s, KB_QUESTION_MAX)?;
            if seen.insert(s.to_lowercase()) {
                similar.push(s);
            }
            // Stop at once rather than dedupe an enormous list.
            if similar.len() > KB_SIMILAR_MAX {
                return Err(CoreError::invalid(
                    "similar_questions",
                    format!("at most {KB_SIMILAR_MAX} different ones"),
                ));
            }
        }
        self.similar_questions = similar;

        // One line-ending convention, so that files written on Windows and
        // exports in any format say the same thing.
        let answer = self.answer.replace("\r\n", "\n");
        let answer = answer.trim();
        let needs_answer = !(self.kind == KbEntryKind::Faq && self.out_of_scope);
        if answer.is_empty() && needs_answer {
            return Err(CoreError::invalid(
                "answer",
                match self.kind {
                    KbEntryKind::Faq => "must not be empty (only an out-of-scope FAQ may omit it)",
                    KbEntryKind::Article => "an article needs a body",
                },
            ));
        }
        let max = match self.kind {
            KbEntryKind::Faq => KB_ANSWER_MAX,
            KbEntryKind::Article => KB_ARTICLE_MAX,
        };
        let len = answer.chars().count();
        if len > max {
            return Err(CoreError::invalid(
                "answer",
                format!("at most {max} characters (got {len})"),
            ));
        }
        self.answer = answer.to_owned();

        let mut tags: Vec<String> = Vec::with_capacity(self.tags.len());
        for t in &self.tags {
            let t = t.trim().to_lowercase();
            if t.is_empty() {
                continue;
            }
            if t.chars().count() > KB_TAG_MAX {
                return Err(CoreError::invalid(
                    "tags",
                    format!("a tag has at most {KB_TAG_MAX} characters"),
                ));
            }
            // The separators of the import formats (`|` in CSV, commas in
            // Markdown) cannot be part of a tag.
            if t.chars()
                .any(|c| c.is_control() || matches!(c, '|' | ',' | '，'))
            {
                return Err(CoreError::invalid(
                    "tags",
                    format!(
                        "tag {:?} may not contain '|', ',', '，' or control characters",
                        clip(&t)
                    ),
                ));
            }
            if !tags.contains(&t) {
                tags.push(t);
            }
            if tags.len() > KB_TAGS_MAX {
                return Err(CoreError::invalid(
                    "tags",
                    format!("at most {KB_TAGS_MAX} different tags"),
                ));
            }
        }
        self.tags = tags;

        self.locale = normalize_locale(&self.locale)?;

        self.action = match self.action.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(a) => Some(one_line("action", a, KB_ACTION_MAX)?),
        };
        Ok(())
    }

    /// The key two entries of one locale must not share: the question,
    /// case-folded. Imports match existing entries by it.
    pub fn question_key(&self) -> String {
        self.question.trim().to_lowercase()
    }

    /// Whether two entries say the same things (ignoring id, account,
    /// version and times): an import that changes nothing writes nothing.
    pub fn same_content(&self, other: &KbEntry) -> bool {
        self.kind == other.kind
            && self.question == other.question
            && self.similar_questions == other.similar_questions
            && self.answer == other.answer
            && self.tags == other.tags
            && self.locale == other.locale
            && self.enabled == other.enabled
            && self.out_of_scope == other.out_of_scope
            && self.action == other.action
    }

    /// The entry cut into pieces for retrieval. An article is split at its
    /// Markdown headings and then at blank lines into chunks of at most
    /// [`KB_CHUNK_MAX`] characters (paragraphs are kept whole when they
    /// fit, and a longer paragraph is cut at a sentence end or a space);
    /// each chunk carries the title and the headings above it. An FAQ is
    /// one chunk: its answer under its question.
    pub fn chunks(&self) -> Vec<KbChunk> {
        let title = self.question.trim().to_owned();
        let mut out: Vec<KbChunk> = Vec::new();
        let mut push = |path: &[String], text: String| {
            let text = text.trim().to_owned();
            if !text.is_empty() {
                out.push(KbChunk {
                    entry_id: self.id,
                    index: out.len(),
                    heading_path: path.to_vec(),
                    text,
                });
            }
        };
        if self.kind == KbEntryKind::Faq {
            push(&[title], self.answer.clone());
            return out;
        }

        // Headings of levels 1-6 as a stack of (level, text).
        let mut headings: Vec<(usize, String)> = Vec::new();
        let path = |headings: &[(usize, String)]| {
            let mut p = vec![title.clone()];
            p.extend(headings.iter().map(|(_, h)| h.clone()));
            p
        };
        let mut current = String::new();
        let mut paragraph = String::new();
        let flush_paragraph =
            |paragraph: &mut String,
             current: &mut String,
             path: &[String],
             push: &mut dyn FnMut(&[String], String)| {
                let para = paragraph.trim().to_owned();
                paragraph.clear();
                if para.is_empty() {
                    return;
                }
                let para_len = para.chars().count();
                let cur_len = current.chars().count();
                if cur_len > 0 && cur_len + 2 + para_len > KB_CHUNK_MAX {
                    push(path, std::mem::take(current));
                }
                if para_len > KB_CHUNK_MAX {
                    if !current.is_empty() {
                        push(path, std::mem::take(current));
                    }
                    for piece in split_long(&para, KB_CHUNK_MAX) {
                        push(path, piece);
                    }
                } else {
                    if !current.is_empty() {
                        current.push_str("\n\n");
                    }
                    current.push_str(&para);
                }
            };

        for line in self.answer.lines() {
            if let Some((level, text)) = heading(line) {
                let p = path(&headings);
                flush_paragraph(&mut paragraph, &mut current, &p, &mut push);
                if !current.is_empty() {
                    push(&p, std::mem::take(&mut current));
                }
                headings.retain(|(l, _)| *l < level);
                headings.push((level, text.to_owned()));
            } else if line.trim().is_empty() {
                let p = path(&headings);
                flush_paragraph(&mut paragraph, &mut current, &p, &mut push);
            } else {
                if !paragraph.is_empty() {
                    paragraph.push('\n');
                }
                paragraph.push_str(line.trim_end());
            }
        }
        let p = path(&headings);
        flush_paragraph(&mut paragraph, &mut current, &p, &mut push);
        if !current.is_empty() {
            push(&p, current);
        }
        out
    }
}

/// An ATX heading (`## Text`): its level and text.
fn heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    let level = t.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &t[level..];
    if !rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with('\t') {
        return None; // `#hashtag`, not a heading
    }
    let text = rest.trim().trim_end_matches('#').trim();
    (!text.is_empty()).then_some((level, text))
}

/// Cuts a text longer than `max` characters into pieces of at most `max`,
/// preferring to end a piece after a sentence (Latin or CJK punctuation),
/// then at a space, then anywhere (CJK text may have no spaces at all).
fn split_long(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > max {
        let window = &rest[..max];
        let sentence = window
            .iter()
            .rposition(|c| matches!(c, '.' | '!' | '?' | ';' | '。' | '！' | '？' | '；' | '\n'));
        let space = window.iter().rposition(|c| c.is_whitespace());
        // A cut in the first quarter would leave a tiny piece; prefer a later one.
        let floor = max / 4;
        let cut = match (sentence, space) {
            (Some(s), _) if s >= floor => s + 1,
            (_, Some(s)) if s >= floor => s + 1,
            _ => max,
        };
        let piece: String = rest[..cut].iter().collect();
        let piece = piece.trim().to_owned();
        if !piece.is_empty() {
            pieces.push(piece);
        }
        rest.drain(..cut);
    }
    let last: String = rest.into_iter().collect();
    let last = last.trim().to_owned();
    if !last.is_empty() {
        pieces.push(last);
    }
    pieces
}

/// Trimmed one-line text of at most `max` characters.
fn one_line(field: &'static str, s: &str, max: usize) -> Result<String, CoreError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(field, "must not be empty"));
    }
    let len = t.chars().count();
    if len > max {
        return Err(CoreError::invalid(
            field,
            format!("at most {max} characters (got {len})"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            format!("{:?} contains a line break or control character", clip(t)),
        ));
    }
    Ok(t.to_owned())
}

/// The start of a text, for error messages that quote input.
fn clip(s: &str) -> String {
    const SHOWN: usize = 40;
    if s.chars().count() > SHOWN {
        let mut c: String = s.chars().take(SHOWN).collect();
        c.push('…');
        c
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faq(q: &str, a: &str) -> KbEntry {
        KbEntry::new(AccountId::new(), KbEntryKind::Faq, "en", q, a, Timestamp(0))
    }

    fn article(title: &str, body: &str) -> KbEntry {
        KbEntry::new(
            AccountId::new(),
            KbEntryKind::Article,
            "en",
            title,
            body,
            Timestamp(0),
        )
    }

    fn field_of(e: CoreError) -> &'static str {
        match e {
            CoreError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn validation_normalises() {
        let mut e = faq("  How do I reset my password? ", " Use *Forgot password*. ");
        e.similar_questions = vec![
            " forgot my password ".into(),
            "".into(),
            "FORGOT MY PASSWORD".into(),
            "how do i reset my password?".into(),
            "密码忘了".into(),
        ];
        e.tags = vec![
            " Account ".into(),
            "account".into(),
            "".into(),
            "登录".into(),
        ];
        e.locale = "en_us".into();
        e.action = Some("  ".into());
        e.validate().unwrap();
        assert_eq!(e.question, "How do I reset my password?");
        assert_eq!(e.similar_questions, vec!["forgot my password", "密码忘了"]);
        assert_eq!(e.answer, "Use *Forgot password*.");
        assert_eq!(e.tags, vec!["account", "登录"]);
        assert_eq!(e.locale, "en-US");
        assert_eq!(e.action, None);
        assert_eq!(e.question_key(), "how do i reset my password?");
    }

    #[test]
    fn validation_refuses_bad_input_naming_the_field() {
        let cases: Vec<(KbEntry, &str)> = vec![
            (faq("", "a"), "question"),
            (faq("   ", "a"), "question"),
            (faq(&"q".repeat(KB_QUESTION_MAX + 1), "a"), "question"),
            (faq("two\nlines", "a"), "question"),
            (faq("q", ""), "answer"),
            (faq("q", &"a".repeat(KB_ANSWER_MAX + 1)), "answer"),
            (article("t", " "), "answer"),
            (article("t", &"a".repeat(KB_ARTICLE_MAX + 1)), "answer"),
            (
                KbEntry {
                    locale: "klingon".into(),
                    ..faq("q", "a")
                },
                "locale",
            ),
            (
                KbEntry {
                    similar_questions: (0..=KB_SIMILAR_MAX).map(|i| format!("q{i}")).collect(),
                    ..faq("q", "a")
                },
                "similar_questions",
            ),
            (
                KbEntry {
                    similar_questions: vec!["x".repeat(KB_QUESTION_MAX + 1)],
                    ..faq("q", "a")
                },
                "similar_questions",
            ),
            (
                KbEntry {
                    tags: (0..=KB_TAGS_MAX).map(|i| format!("t{i}")).collect(),
                    ..faq("q", "a")
                },
                "tags",
            ),
            (
                KbEntry {
                    tags: vec!["t".repeat(KB_TAG_MAX + 1)],
                    ..faq("q", "a")
                },
                "tags",
            ),
            (
                KbEntry {
                    tags: vec!["a|b".into()],
                    ..faq("q", "a")
                },
                "tags",
            ),
        ];
        for (mut e, field) in cases {
            let err = e.validate().unwrap_err();
            assert!(err.to_string().len() < 300, "short message: {err}");
            assert_eq!(field_of(err), field, "{:?}", e.question);
        }
        assert!(article("t", &"a".repeat(KB_ARTICLE_MAX)).validate().is_ok());
    }

    #[test]
    fn an_out_of_scope_faq_needs_no_answer() {
        let mut e = faq("Can you give me legal advice?", "");
        e.out_of_scope = true;
        e.validate().unwrap();
        let mut a = article("Policy", "");
        a.out_of_scope = true;
        assert_eq!(field_of(a.validate().unwrap_err()), "answer");
    }

    #[test]
    fn an_faq_is_one_chunk() {
        let e = faq("Q?", "The answer.");
        let c = e.chunks();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].heading_path, vec!["Q?"]);
        assert_eq!(c[0].text, "The answer.");
    }

    #[test]
    fn articles_split_at_headings_with_their_path() {
        let body = "Intro paragraph.\n\n# Setup\n\nInstall it.\n\nThen run it.\n\n## On Linux\nUse the binary.\n\n## On Windows ##\nUse WSL.\n\n# 常见问题\n\n安装很简单。\n#hashtag is text\n";
        let e = article("Guide", body);
        let c = e.chunks();
        let got: Vec<(String, &str)> = c.iter().map(|c| (c.heading(), c.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("Guide".to_owned(), "Intro paragraph."),
                ("Guide > Setup".to_owned(), "Install it.\n\nThen run it."),
                ("Guide > Setup > On Linux".to_owned(), "Use the binary."),
                ("Guide > Setup > On Windows".to_owned(), "Use WSL."),
                (
                    "Guide > 常见问题".to_owned(),
                    "安装很简单。\n#hashtag is text"
                ),
            ]
        );
        assert!(
            c.iter()
                .enumerate()
                .all(|(i, c)| c.index == i && c.entry_id == e.id)
        );
    }

    #[test]
    fn long_sections_become_chunks_of_bounded_size() {
        let para = "This sentence is about forty characters. ".repeat(10); // ~410 chars
        let body = format!(
            "# Long\n\n{para}\n\n{para}\n\n{para}\n\n{}",
            "字".repeat(2000)
        );
        let e = article("T", &body);
        let c = e.chunks();
        assert!(c.len() >= 5, "{}", c.len());
        for ch in &c {
            assert!(ch.text.chars().count() <= KB_CHUNK_MAX, "{}", ch.text.len());
            assert_eq!(ch.heading_path, vec!["T", "Long"]);
        }
        // Nothing is lost: every character of the body is in some chunk.
        let total: usize = c
            .iter()
            .map(|c| c.text.chars().filter(|ch| !ch.is_whitespace()).count())
            .sum();
        let want = body
            .replace("# Long", "")
            .chars()
            .filter(|ch| !ch.is_whitespace())
            .count();
        assert_eq!(total, want);
        // Latin paragraphs are cut after a sentence, not mid-word.
        assert!(c[0].text.ends_with('.'), "{}", c[0].text);
    }

    #[test]
    fn empty_and_heading_only_articles_have_no_empty_chunks() {
        assert!(article("T", "").chunks().is_empty());
        assert!(article("T", "# A\n\n## B\n").chunks().is_empty());
    }
}
