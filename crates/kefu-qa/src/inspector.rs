//! Compiled rules and the inspection of one transcript.

use std::collections::BTreeSet;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use kefu_sentiment::SentimentModel;
use regex::{Regex, RegexSet};

use crate::error::QaError;
use crate::hit::Hit;
use crate::lexicon::ESCALATION;
use crate::matchers::{CharIndex, PhraseSet};
use crate::pii::{PiiKind, find_pii};
use crate::rule::{KeywordMode, Rule, RuleKind, Speaker, TimeMetric, Window};
use crate::transcript::{Party, Transcript, Turn};

/// A rule ready to run.
#[derive(Debug)]
struct Compiled {
    id: String,
    speaker: Speaker,
    window: Window,
    /// Also checked while the conversation runs (see [`Inspector::inspect_live`]).
    live: bool,
    check: Check,
}

/// A live `response_time` rule: a customer left waiting longer than
/// `over_s` raises a silence alert while the conversation runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveWait {
    pub rule_id: String,
    pub metric: TimeMetric,
    pub over_s: u64,
}

/// A customer waiting for an agent right now (see [`Inspector::silences`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Silence {
    pub rule_id: String,
    /// The turn the wait started with (the customer's first unanswered
    /// message); one wait alerts once, so this names it.
    pub message_index: usize,
    /// When the wait started (the hand-off, if later than the message).
    pub since_ms: i64,
    /// Whether the wait is already longer than the rule allows; if not,
    /// it will be at `since_ms + over_s`.
    pub overdue: bool,
    pub over_s: u64,
}

#[derive(Debug)]
enum Check {
    Keywords {
        mode: KeywordMode,
        /// All variants of all terms, and for each variant its term.
        phrases: PhraseSet,
        term_of: Vec<usize>,
        terms: Vec<String>,
        at_least: usize,
    },
    Regex {
        pattern: Regex,
        exclude: Vec<Regex>,
    },
    Phrases(PhraseSet),
    Greeting {
        phrases: PhraseSet,
        within: usize,
    },
    Closing {
        phrases: PhraseSet,
        within: usize,
    },
    Apology {
        complaint: PhraseSet,
        apology: PhraseSet,
        within: usize,
    },
    Time {
        metric: TimeMetric,
        over_ms: i64,
    },
    Pii(BTreeSet<PiiKind>),
    Sentiment {
        model: Arc<SentimentModel>,
        threshold: f32,
    },
}

/// An account's rules, compiled once and used for every conversation.
///
/// Most messages hit few rules, so each message is first read once by a
/// prefilter: one automaton over the phrases of every phrase rule
/// (keywords, forbidden words, escalation) and one `RegexSet` over every
/// pattern. A rule then reads only the messages where the prefilter saw a
/// candidate for it, so the cost per message barely grows with the number
/// of rules.
#[derive(Debug)]
pub struct Inspector {
    rules: Vec<Compiled>,
    /// Every phrase of every phrase rule (all overlapping matches), and for
    /// each the rule it belongs to.
    phrase_filter: Option<(AhoCorasick, Vec<usize>)>,
    /// Every regex rule's pattern, and for each the rule it belongs to.
    regex_filter: Option<(RegexSet, Vec<usize>)>,
}

/// The filters' verdict for one transcript: whether rule `r` may match in
/// turn `i` (rules the filters do not cover always may).
struct Candidates {
    rules: usize,
    may: Vec<bool>,
}

impl Candidates {
    fn all(rules: usize, turns: usize) -> Self {
        Self {
            rules,
            may: vec![true; rules * turns],
        }
    }
    fn may(&self, turn: usize, rule: usize) -> bool {
        self.may[turn * self.rules + rule]
    }
}

fn phrases<S: AsRef<str>>(id: &str, what: &str, list: &[S]) -> Result<PhraseSet, QaError> {
    PhraseSet::new(list)
        .map_err(|e| QaError::rule(id, format!("{what}: {e}")))?
        .ok_or_else(|| QaError::rule(id, format!("{what}: at least one phrase is needed")))
}

fn regex(id: &str, pattern: &str) -> Result<Regex, QaError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| QaError::rule(id, format!("invalid regular expression `{pattern}`: {e}")))
}

fn compile(rule: &Rule, sentiment: Option<&Arc<SentimentModel>>) -> Result<Compiled, QaError> {
    let id = rule.id.as_str();
    let valid_id = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_id {
        return Err(QaError::rule(
            id,
            "the id needs 1 to 64 letters, digits, `_` or `-`",
        ));
    }
    if matches!(rule.window.first, Some(0)) || matches!(rule.window.last, Some(0)) {
        return Err(QaError::rule(id, "a window of 0 messages reads nothing"));
    }
    let positive = |n: Option<usize>, default: usize, what: &str| match n {
        Some(0) => Err(QaError::rule(id, format!("{what} must be at least 1"))),
        Some(n) => Ok(n),
        None => Ok(default),
    };
    let check = match &rule.kind {
        RuleKind::Keywords {
            mode,
            terms,
            at_least,
        } => {
            if terms.is_empty() {
                return Err(QaError::rule(id, "at least one term is needed"));
            }
            let mut variants = Vec::new();
            let mut term_of = Vec::new();
            for (i, t) in terms.iter().enumerate() {
                for v in std::iter::once(&t.text).chain(&t.synonyms) {
                    variants.push(v.clone());
                    term_of.push(i);
                }
            }
            let at_least = match (mode, at_least) {
                (KeywordMode::AtLeast, Some(n)) if *n >= 1 && *n <= terms.len() => *n,
                (KeywordMode::AtLeast, _) => {
                    return Err(QaError::rule(
                        id,
                        format!(
                            "`at_least` must be between 1 and {} (the terms)",
                            terms.len()
                        ),
                    ));
                }
                (_, Some(_)) => {
                    return Err(QaError::rule(id, "`at_least` goes with mode `at_least`"));
                }
                (KeywordMode::All, None) => terms.len(),
                (_, None) => 1,
            };
            Check::Keywords {
                mode: *mode,
                phrases: phrases(id, "terms", &variants)?,
                term_of,
                terms: terms.iter().map(|t| t.text.clone()).collect(),
                at_least,
            }
        }
        RuleKind::Regex { pattern, exclude } => Check::Regex {
            pattern: regex(id, pattern)?,
            exclude: exclude
                .iter()
                .map(|p| regex(id, p))
                .collect::<Result<_, _>>()?,
        },
        RuleKind::Forbidden { words } => Check::Phrases(phrases(id, "words", words)?),
        RuleKind::Escalation { extra } => {
            let mut all: Vec<&str> = ESCALATION.to_vec();
            all.extend(extra.iter().map(String::as_str));
            Check::Phrases(phrases(id, "extra", &all)?)
        }
        RuleKind::Greeting {
            phrases: p,
            within_first,
        } => Check::Greeting {
            phrases: phrases(id, "phrases", p)?,
            within: positive(*within_first, 1, "within_first")?,
        },
        RuleKind::Closing {
            phrases: p,
            within_last,
        } => Check::Closing {
            phrases: phrases(id, "phrases", p)?,
            within: positive(*within_last, 1, "within_last")?,
        },
        RuleKind::Apology {
            complaint,
            apology,
            within_replies,
        } => Check::Apology {
            complaint: phrases(id, "complaint", complaint)?,
            apology: phrases(id, "apology", apology)?,
            within: positive(*within_replies, 2, "within_replies")?,
        },
        RuleKind::ResponseTime { metric, over_s } => {
            if *over_s == 0 || *over_s > 30 * 24 * 3600 {
                return Err(QaError::rule(id, "`over_s` must be 1 s to 30 days"));
            }
            Check::Time {
                metric: *metric,
                over_ms: (*over_s as i64) * 1000,
            }
        }
        RuleKind::Pii { kinds } => Check::Pii(if kinds.is_empty() {
            PiiKind::ALL.into_iter().collect()
        } else {
            kinds.iter().copied().collect()
        }),
        RuleKind::Sentiment {
            level,
            min_probability,
        } => {
            let threshold = min_probability.unwrap_or(level.threshold());
            if !(0.5..=1.0).contains(&threshold) {
                return Err(QaError::rule(id, "`min_probability` must be 0.5 to 1"));
            }
            let model = sentiment.ok_or_else(|| {
                QaError::rule(
                    id,
                    "no sentiment model is installed (scripts/fetch-models installs its lexicons)",
                )
            })?;
            Check::Sentiment {
                model: Arc::clone(model),
                threshold,
            }
        }
    };
    if rule.live {
        // A live rule is checked on each new message alone, or on a wait;
        // these read the whole conversation, so they can only be judged once
        // it is over.
        let whole = match &check {
            Check::Greeting { .. } | Check::Closing { .. } | Check::Apology { .. } => true,
            Check::Keywords { mode, .. } => matches!(mode, KeywordMode::None | KeywordMode::All),
            _ => false,
        };
        if whole {
            return Err(QaError::rule(
                id,
                "`live` needs a rule one message or one wait can trigger: greeting, closing \
                 and apology rules and keywords with mode `none` or `all` read the whole \
                 conversation",
            ));
        }
    }
    Ok(Compiled {
        id: rule.id.clone(),
        speaker: rule.effective_speaker(),
        window: rule.window,
        live: rule.live,
        check,
    })
}

/// The indexes of the turns a text rule reads: the speaker's, cut to the
/// window.
fn selected(turns: &[Turn], speaker: Speaker, window: Window) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..turns.len())
        .filter(|&i| speaker.includes(turns[i].party))
        .collect();
    if let Some(n) = window.first {
        idx.truncate(n);
    }
    if let Some(n) = window.last {
        let skip = idx.len().saturating_sub(n);
        idx.drain(..skip);
    }
    idx
}

fn hit(rule: &str, message: Option<usize>, start: usize, end: usize, detail: String) -> Hit {
    Hit {
        rule_id: rule.to_string(),
        message_index: message,
        start,
        end,
        detail,
    }
}

impl Inspector {
    /// Compiles an account's rules; the first invalid one is named. Ids
    /// must be unique. Sentiment rules need a model: see
    /// [`Inspector::compile_with_sentiment`].
    pub fn compile(rules: &[Rule]) -> Result<Self, QaError> {
        Self::compile_with_sentiment(rules, None)
    }

    /// Compiles rules whose sentiment rules score messages with `sentiment`.
    pub fn compile_with_sentiment(
        rules: &[Rule],
        sentiment: Option<Arc<SentimentModel>>,
    ) -> Result<Self, QaError> {
        let mut seen = BTreeSet::new();
        let mut compiled = Vec::with_capacity(rules.len());
        for r in rules {
            if !seen.insert(r.id.as_str()) {
                return Err(QaError::rule(&r.id, "the id is used twice"));
            }
            compiled.push(compile(r, sentiment.as_ref())?);
        }
        let mut phrases: Vec<&str> = Vec::new();
        let mut phrase_rule = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut pattern_rule = Vec::new();
        for (i, r) in compiled.iter().enumerate() {
            match &r.check {
                Check::Keywords { phrases: p, .. } | Check::Phrases(p) => {
                    for x in p.phrases() {
                        phrases.push(x);
                        phrase_rule.push(i);
                    }
                }
                Check::Regex { pattern, .. } => {
                    patterns.push(pattern.as_str());
                    pattern_rule.push(i);
                }
                _ => {}
            }
        }
        let phrase_filter = if phrases.is_empty() {
            None
        } else {
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&phrases)
                .map_err(|e| QaError::TooLarge(format!("cannot compile the phrases: {e}")))?;
            Some((ac, phrase_rule))
        };
        let regex_filter = if patterns.is_empty() {
            None
        } else {
            let set = regex::RegexSetBuilder::new(&patterns)
                .size_limit(64 << 20)
                .build()
                .map_err(|e| QaError::TooLarge(format!("the patterns are too large: {e}")))?;
            Some((set, pattern_rule))
        };
        Ok(Self {
            rules: compiled,
            phrase_filter,
            regex_filter,
        })
    }

    /// Reads every message once with the filters.
    fn candidates(&self, t: &Transcript) -> Candidates {
        let n = self.rules.len();
        let mut c = Candidates::all(n, t.turns.len());
        let filtered: Vec<usize> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                matches!(
                    r.check,
                    Check::Keywords { .. } | Check::Phrases(_) | Check::Regex { .. }
                )
            })
            .map(|(i, _)| i)
            .collect();
        for (ti, turn) in t.turns.iter().enumerate() {
            let row = &mut c.may[ti * n..(ti + 1) * n];
            for &r in &filtered {
                row[r] = false;
            }
            if let Some((ac, rule_of)) = &self.phrase_filter {
                for m in ac.find_overlapping_iter(&turn.text) {
                    row[rule_of[m.pattern().as_usize()]] = true;
                }
            }
            if let Some((set, rule_of)) = &self.regex_filter {
                for p in set.matches(&turn.text).iter() {
                    row[rule_of[p]] = true;
                }
            }
        }
        c
    }

    /// Whether a rule of this id was compiled (scorecards refer to rules).
    pub fn has_rule(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.id == id)
    }

    /// Every hit of every rule on the transcript, rule by rule in the order
    /// given, each rule's hits in message order.
    pub fn inspect(&self, t: &Transcript) -> Vec<Hit> {
        let cands = self.candidates(t);
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            run(r, t, &|turn| cands.may(turn, i), &mut out);
        }
        out
    }

    /// Whether any rule is live (most accounts have none: the server skips
    /// the live check without building a transcript).
    pub fn has_live(&self) -> bool {
        self.rules.iter().any(|r| r.live)
    }

    /// The live rules' hits in the newest turn alone, as it is written.
    ///
    /// Every live rule except `response_time` (see [`Self::silences`]) reads
    /// the newest message only, with the rule's speaker but not its window
    /// (while the conversation runs, "the agent's last message" is every
    /// message in turn). The rules run through the same matching as
    /// [`Self::inspect`], on a transcript of that one turn, so a live hit and
    /// the hit the inspection finds later have the same span.
    pub fn inspect_live(&self, t: &Transcript, newest: usize) -> Vec<Hit> {
        let Some(turn) = t.turns.get(newest) else {
            return vec![];
        };
        if !self.has_live() {
            return vec![];
        }
        let one = Transcript {
            turns: vec![turn.clone()],
            handed_off_at_ms: t.handed_off_at_ms,
        };
        let cands = self.candidates(&one);
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !r.live || matches!(r.check, Check::Time { .. }) {
                continue;
            }
            run(r, &one, &|turn| cands.may(turn, i), &mut out);
        }
        for h in &mut out {
            h.message_index = h.message_index.map(|_| newest);
        }
        out
    }

    /// The live `response_time` rules, for scheduling silence checks.
    pub fn live_waits(&self) -> Vec<LiveWait> {
        self.rules
            .iter()
            .filter(|r| r.live)
            .filter_map(|r| match r.check {
                Check::Time { metric, over_ms } => Some(LiveWait {
                    rule_id: r.id.clone(),
                    metric,
                    over_s: (over_ms / 1000) as u64,
                }),
                _ => None,
            })
            .collect()
    }

    /// For each live `response_time` rule, the wait the customer is in at
    /// `now_ms`, if they are waiting for an agent (their last message is
    /// unanswered by an agent; a bot's reply does not count) and the rule
    /// measures that wait (`first_response` only the wait before the
    /// agent's first reply). The transcript must be of a conversation with
    /// people: the bot's part is not a wait.
    pub fn silences(&self, t: &Transcript, now_ms: i64) -> Vec<Silence> {
        let mut out = Vec::new();
        for r in self.rules.iter().filter(|r| r.live) {
            let Check::Time { metric, over_ms } = r.check else {
                continue;
            };
            if let Some((idx, since, answered)) = open_wait(t)
                && (metric == TimeMetric::AnyGap || !answered)
            {
                out.push(Silence {
                    rule_id: r.id.clone(),
                    message_index: idx,
                    since_ms: since,
                    overdue: now_ms - since > over_ms,
                    over_s: (over_ms / 1000) as u64,
                });
            }
        }
        out
    }

    /// The hits of one rule only (the editor's "test this rule" preview).
    pub fn inspect_rule(&self, id: &str, t: &Transcript) -> Vec<Hit> {
        let mut out = Vec::new();
        if let Some(r) = self.rules.iter().find(|r| r.id == id) {
            run(r, t, &|_| true, &mut out);
        }
        out
    }
}

/// Runs one rule; `may(turn)` says whether the filters saw a candidate for
/// it in that message (a message without one cannot match, so it is not
/// read again).
fn run(r: &Compiled, t: &Transcript, may: &dyn Fn(usize) -> bool, out: &mut Vec<Hit>) {
    let turns = &t.turns;
    let id = r.id.as_str();
    match &r.check {
        Check::Keywords {
            mode,
            phrases,
            term_of,
            terms,
            at_least,
        } => {
            let mut found = Vec::new();
            let mut distinct = BTreeSet::new();
            for i in selected(turns, r.speaker, r.window) {
                if !may(i) {
                    continue;
                }
                for f in phrases.find_all(&turns[i].text) {
                    distinct.insert(term_of[f.phrase]);
                    found.push(hit(
                        id,
                        Some(i),
                        f.start,
                        f.end,
                        phrases.phrase(f.phrase).to_string(),
                    ));
                }
            }
            let fires = match mode {
                KeywordMode::None => distinct.is_empty(),
                _ => distinct.len() >= *at_least,
            };
            if !fires {
                return;
            }
            if *mode == KeywordMode::None {
                out.push(hit(
                    id,
                    None,
                    0,
                    0,
                    format!("none of: {}", terms.join(", ")),
                ));
            } else {
                out.extend(found);
            }
        }
        Check::Regex { pattern, exclude } => {
            for i in selected(turns, r.speaker, r.window) {
                if !may(i) {
                    continue;
                }
                let text = &turns[i].text;
                let vetoes: Vec<_> = exclude
                    .iter()
                    .flat_map(|x| x.find_iter(text).map(|m| m.range()))
                    .collect();
                let mut chars = CharIndex::new(text);
                for m in pattern.find_iter(text) {
                    if m.is_empty()
                        || vetoes
                            .iter()
                            .any(|v| v.start < m.end() && m.start() < v.end)
                    {
                        continue;
                    }
                    let (s, e) = (chars.at(m.start()), chars.at(m.end()));
                    out.push(hit(id, Some(i), s, e, m.as_str().to_string()));
                }
            }
        }
        Check::Phrases(phrases) => {
            for i in selected(turns, r.speaker, r.window) {
                if !may(i) {
                    continue;
                }
                for f in phrases.find_all(&turns[i].text) {
                    out.push(hit(
                        id,
                        Some(i),
                        f.start,
                        f.end,
                        phrases.phrase(f.phrase).to_string(),
                    ));
                }
            }
        }
        Check::Greeting { phrases, within } => {
            let agent = selected(turns, Speaker::Agent, Window::default());
            if agent.is_empty() {
                return; // nobody to greet with
            }
            let greeted = agent
                .iter()
                .take(*within)
                .any(|&i| phrases.first(&turns[i].text).is_some());
            if !greeted {
                out.push(hit(id, Some(agent[0]), 0, 0, "no greeting".into()));
            }
        }
        Check::Closing { phrases, within } => {
            let agent = selected(turns, Speaker::Agent, Window::default());
            let Some(&last) = agent.last() else { return };
            let closed = agent
                .iter()
                .rev()
                .take(*within)
                .any(|&i| phrases.first(&turns[i].text).is_some());
            if !closed {
                out.push(hit(id, Some(last), 0, 0, "no closing".into()));
            }
        }
        Check::Apology {
            complaint,
            apology,
            within,
        } => {
            for (i, turn) in turns.iter().enumerate() {
                if turn.party != Party::Customer {
                    continue;
                }
                let Some(f) = complaint.first(&turn.text) else {
                    continue;
                };
                let replies: Vec<&Turn> = turns[i + 1..]
                    .iter()
                    .filter(|t| t.party == Party::Agent)
                    .take(*within)
                    .collect();
                // A complaint nobody has answered yet is the response-time
                // rules' business, not a missing apology.
                if replies.is_empty() {
                    continue;
                }
                if !replies.iter().any(|t| apology.first(&t.text).is_some()) {
                    let what = complaint.phrase(f.phrase);
                    out.push(hit(
                        id,
                        Some(i),
                        f.start,
                        f.end,
                        format!("no apology after “{what}”"),
                    ));
                }
            }
        }
        Check::Time { metric, over_ms } => time_hits(id, t, *metric, *over_ms, out),
        Check::Sentiment { model, threshold } => {
            let idx = selected(turns, r.speaker, r.window);
            let texts: Vec<&str> = idx.iter().map(|&i| turns[i].text.as_str()).collect();
            // The server's models are lexical (no embedding), whose scoring
            // cannot fail; a failing embedding model finds nothing rather
            // than failing the whole inspection.
            let Ok(probabilities) = model.negative_probabilities(&texts) else {
                return;
            };
            for (&i, p) in idx.iter().zip(probabilities) {
                if p >= *threshold {
                    let len = turns[i].text.chars().count();
                    out.push(hit(id, Some(i), 0, len, format!("negative {p:.2}")));
                }
            }
        }
        Check::Pii(kinds) => {
            for i in selected(turns, r.speaker, r.window) {
                for (kind, s, e) in find_pii(&turns[i].text) {
                    if kinds.contains(&kind) {
                        out.push(hit(id, Some(i), s, e, kind.as_str().to_string()));
                    }
                }
            }
        }
    }
}

/// The wait the conversation ends in, if the customer is waiting: the
/// index of their first unanswered message, when the wait started (that
/// message, or the hand-off if later), and whether an agent had replied
/// before. The same reckoning as [`time_hits`].
fn open_wait(t: &Transcript) -> Option<(usize, i64, bool)> {
    let handoff = t.handed_off_at_ms.unwrap_or(i64::MIN);
    let mut waiting: Option<(usize, i64)> = None;
    let mut answered = false;
    for (i, turn) in t.turns.iter().enumerate() {
        match turn.party {
            Party::Customer => {
                if waiting.is_none() {
                    waiting = Some((i, turn.at_ms.max(handoff)));
                }
            }
            Party::Agent => {
                waiting = None;
                answered = true;
            }
            Party::Bot => {}
        }
    }
    waiting.map(|(i, since)| (i, since, answered))
}

/// Walks the conversation keeping when the customer started waiting for an
/// agent: from their first unanswered message after the hand-off; an agent
/// reply ends the wait (a bot's does not).
fn time_hits(id: &str, t: &Transcript, metric: TimeMetric, over_ms: i64, out: &mut Vec<Hit>) {
    let handoff = t.handed_off_at_ms.unwrap_or(i64::MIN);
    let mut waiting_since: Option<i64> = None;
    let mut answered_once = false;
    for (i, turn) in t.turns.iter().enumerate() {
        match turn.party {
            Party::Customer => {
                if waiting_since.is_none() {
                    waiting_since = Some(turn.at_ms.max(handoff));
                }
            }
            Party::Agent => {
                if let Some(since) = waiting_since.take() {
                    let waited = turn.at_ms - since;
                    let counts = match metric {
                        TimeMetric::FirstResponse => !answered_once,
                        TimeMetric::AnyGap => true,
                    };
                    if counts && waited > over_ms {
                        out.push(hit(
                            id,
                            Some(i),
                            0,
                            0,
                            format!("waited {} s", waited / 1000),
                        ));
                    }
                }
                answered_once = true;
                if metric == TimeMetric::FirstResponse {
                    return;
                }
            }
            Party::Bot => {}
        }
    }
}
