//! A customer writes to a conversation the bot owns: the bot answers from the
//! knowledge base, offers the closest questions, says a few words of its own,
//! or hands the conversation to the queue and tells the customer why.
//!
//! What to do is decided by [`plan`], a pure function of the bot's decision
//! and the bot's previous turns in the conversation; [`take_turn`] reads
//! those, runs the plan and records it. Every message the bot writes carries
//! an idempotency key derived from the customer's message, so a turn that
//! runs twice (a retry, two nodes) writes once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use kefu_bot::confidence_calibration::Thresholds;
use kefu_bot::conversation_cues::{is_upset, small_talk, wants_human};
use kefu_bot::{BotError, Decision, HandoffReason as BotHandoff, SmallTalk};
use kefu_core::event::{EventType, NewEvent};
use kefu_core::model::{
    AnswerSource, Inbox, InboxBotSettings, Message, MessageContent, MessageVisibility, QuickReply,
    Sender, SenderKind,
};
use kefu_core::state::{HandoffReason, Input, Status};
use kefu_core::store::{Appended, NewMessage};
use kefu_core::{ConversationId, MessageId, StoreError};
use serde_json::json;

use super::phrases::{Lang, Phrase};
use crate::app::AppState;
use crate::routes::conversations::shared;

/// Turns in a row the bot may fail to answer (offering candidates, not
/// understanding) before it hands over instead of trying a third time.
pub const MAX_UNANSWERED_TURNS: usize = 2;
/// How many recent messages the bot reads to know its previous turns.
const HISTORY: u32 = 12;
/// The longest candidate title shown on a quick-reply button.
const OPTION_TITLE_CHARS: usize = 80;

/// What the bot does with one customer message.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send an entry's answer, citing it.
    Answer {
        entry_id: String,
        question: String,
        answer: String,
        confidence: f32,
    },
    /// "Did you mean…": the candidates' questions as quick replies, plus a
    /// button to ask for a person. `candidates` holds (entry id, question).
    Offer {
        phrase: Phrase,
        candidates: Vec<(String, String)>,
        confidence: Option<f32>,
    },
    /// A sentence of the bot's own (greeting, thanks).
    Say(Phrase),
    /// Hand over to the queue; `say` is the note the customer reads (else
    /// the reason in English).
    HandOff {
        reason: HandoffReason,
        say: Option<Phrase>,
    },
}

impl Step {
    /// Whether the customer's question is one the knowledge base could not
    /// answer: the learning loop lists those for admins.
    pub fn unanswered(&self) -> bool {
        match self {
            Step::Offer { candidates, .. } => !candidates.is_empty(),
            Step::HandOff { reason, .. } => matches!(
                reason,
                HandoffReason::LowConfidence | HandoffReason::TooManyFailures
            ),
            _ => false,
        }
    }
}

/// The bot's earlier turns, newest first, as far back as the last message of
/// an agent (the bot only ever follows its own thread).
#[derive(Debug, Clone, PartialEq)]
pub enum PastTurn {
    Answered {
        entry_id: String,
    },
    /// Candidates or "didn't catch that".
    Unanswered,
    /// Greetings and thanks: neither success nor failure.
    SmallTalk,
}

/// The bot's decision, detached from the bot (which stays behind an `Arc`).
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Decided(OwnedDecision),
    /// Nothing to read: only emoji or punctuation.
    Empty,
    /// A pasted document, not a question.
    TooLong,
    /// The account has no knowledge base to answer from.
    NoKnowledge,
    /// The customer sent a file.
    File,
    /// The customer is clearly upset.
    Upset,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OwnedDecision {
    Answer {
        entry_id: String,
        question: String,
        answer: String,
        confidence: f32,
    },
    Candidates {
        candidates: Vec<(String, String)>,
        confidence: f32,
    },
    HandOff(BotHandoff),
    SmallTalk(SmallTalk),
}

impl OwnedDecision {
    pub fn from_decision(d: &Decision<'_>) -> Self {
        match d {
            Decision::Answer { entry, confidence } => Self::Answer {
                entry_id: entry.id.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
                confidence: *confidence,
            },
            // No business actions are wired to the server yet: an entry that
            // names one is answered with its text when it has one, and
            // otherwise goes to a person who can act.
            Decision::Action {
                entry, confidence, ..
            } if !entry.answer.trim().is_empty() => Self::Answer {
                entry_id: entry.id.clone(),
                question: entry.question.clone(),
                answer: entry.answer.clone(),
                confidence: *confidence,
            },
            Decision::Action { confidence, .. } => Self::HandOff(BotHandoff::LowConfidence {
                confidence: *confidence,
            }),
            Decision::Candidates {
                entries,
                confidence,
            } => Self::Candidates {
                candidates: entries
                    .iter()
                    .map(|e| (e.id.clone(), e.question.clone()))
                    .collect(),
                confidence: *confidence,
            },
            Decision::Handoff { reason } => Self::HandOff(reason.clone()),
            Decision::SmallTalk(t) => Self::SmallTalk(*t),
        }
    }
}

/// Decides the bot's step. Requests for a person and upset customers come
/// first (in [`verdict_for`]); here the history stops loops: the same
/// answer twice in a row means it did not help, and after
/// [`MAX_UNANSWERED_TURNS`] failed turns the bot stops guessing.
pub fn plan(verdict: Verdict, history: &[PastTurn]) -> Step {
    let failures = history
        .iter()
        .filter(|t| **t != PastTurn::SmallTalk)
        .take_while(|t| **t == PastTurn::Unanswered)
        .count();
    let last_answer = history.iter().find_map(|t| match t {
        PastTurn::Answered { entry_id } => Some(entry_id.as_str()),
        PastTurn::Unanswered => Some(""),
        PastTurn::SmallTalk => None,
    });
    let fail = |step: Step| {
        if failures >= MAX_UNANSWERED_TURNS {
            Step::HandOff {
                reason: HandoffReason::TooManyFailures,
                say: Some(Phrase::NotHelping),
            }
        } else {
            step
        }
    };
    match verdict {
        Verdict::Decided(OwnedDecision::Answer {
            entry_id,
            question,
            answer,
            confidence,
        }) => {
            if last_answer == Some(entry_id.as_str()) {
                Step::HandOff {
                    reason: HandoffReason::TooManyFailures,
                    say: Some(Phrase::NotHelping),
                }
            } else {
                Step::Answer {
                    entry_id,
                    question,
                    answer,
                    confidence,
                }
            }
        }
        Verdict::Decided(OwnedDecision::Candidates {
            candidates,
            confidence,
        }) => fail(Step::Offer {
            phrase: Phrase::DidYouMean,
            candidates,
            confidence: Some(confidence),
        }),
        Verdict::Decided(OwnedDecision::HandOff(reason)) => match reason {
            BotHandoff::HumanRequested => Step::HandOff {
                reason: HandoffReason::Requested,
                say: None,
            },
            BotHandoff::OutOfScope { .. } => Step::HandOff {
                reason: HandoffReason::OutOfScope,
                say: Some(Phrase::CannotAnswer),
            },
            BotHandoff::LowConfidence { .. } | BotHandoff::NoMatch => Step::HandOff {
                reason: HandoffReason::LowConfidence,
                say: Some(Phrase::CannotAnswer),
            },
        },
        Verdict::Decided(OwnedDecision::SmallTalk(SmallTalk::Greeting)) => {
            Step::Say(Phrase::Greeting)
        }
        Verdict::Decided(OwnedDecision::SmallTalk(SmallTalk::Thanks)) => Step::Say(Phrase::Thanks),
        Verdict::Empty => fail(Step::Offer {
            phrase: Phrase::NotUnderstood,
            candidates: vec![],
            confidence: None,
        }),
        Verdict::TooLong | Verdict::NoKnowledge => Step::HandOff {
            reason: HandoffReason::LowConfidence,
            say: Some(Phrase::CannotAnswer),
        },
        Verdict::File => Step::HandOff {
            reason: HandoffReason::LowConfidence,
            say: Some(Phrase::CannotReadFiles),
        },
        Verdict::Upset => Step::HandOff {
            reason: HandoffReason::NegativeSentiment,
            say: Some(Phrase::Apology),
        },
    }
}

/// The bot's earlier turns read from the conversation's latest messages
/// (oldest first, as the store returns them).
pub fn past_turns(messages: &[Message], current: MessageId) -> Vec<PastTurn> {
    let mut turns = Vec::new();
    for m in messages.iter().rev() {
        if m.id == current {
            continue;
        }
        match m.sender.kind {
            SenderKind::Agent => break,
            SenderKind::Bot => turns.push(match &m.content {
                MessageContent::Answer { source, .. } => PastTurn::Answered {
                    entry_id: source.entry_id.clone(),
                },
                MessageContent::QuickReplies { .. } => PastTurn::Unanswered,
                _ => PastTurn::SmallTalk,
            }),
            _ => {}
        }
    }
    turns
}

/// One lock per conversation, so two quick messages get their answers in
/// order. Entries go with the last turn holding them.
#[derive(Default)]
pub struct TurnLocks {
    locks: Mutex<HashMap<ConversationId, Weak<tokio::sync::Mutex<()>>>>,
}

impl TurnLocks {
    fn lock_for(&self, id: ConversationId) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = map.get(&id).and_then(Weak::upgrade) {
            return l;
        }
        // Sweep finished conversations now and then, not on every insert.
        if map.len() >= 1024 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let l = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(id, Arc::downgrade(&l));
        l
    }
}

/// The bot speaks in its own conversations and, when the inbox allows it
/// (`settings.routing.bot_while_queued`), to customers waiting in the queue.
fn bot_may_speak(inbox: &Inbox, status: Status) -> bool {
    status == Status::Bot || (status == Status::Queued && shared::policy(inbox).bot_while_queued)
}

/// Called after a customer's message is stored. Runs the bot's turn in the
/// background when the bot owns the conversation, so the customer's request
/// is acknowledged at once and the answer follows over the socket.
pub fn after_contact_message(state: &AppState, inbox: &Inbox, appended: &Appended) {
    if appended.duplicate
        || !inbox.bot_enabled
        || !bot_may_speak(inbox, appended.conversation.status)
        || appended.message.sender.kind != SenderKind::Contact
    {
        return;
    }
    let state = state.clone();
    let inbox = inbox.clone();
    let message = appended.message.clone();
    tokio::spawn(async move {
        if let Err(e) = take_turn(&state, &inbox, &message).await {
            tracing::warn!(
                conversation = %message.conversation_id,
                error = %e,
                "bot turn failed"
            );
        }
    });
}

/// The bot's turn for one customer message; `None` when the bot no longer
/// owns the conversation.
pub async fn take_turn(
    state: &AppState,
    inbox: &Inbox,
    message: &Message,
) -> Result<Option<Step>, StoreError> {
    let account = message.account_id;
    let conversation = message.conversation_id;
    let lock = state.bot.turns.lock_for(conversation);
    let _turn = lock.lock().await;
    let history = state
        .store
        .latest_messages(account, conversation, HISTORY, false)
        .await?;
    // The customer wrote again before this turn ran, or an agent took over:
    // the bot only speaks while it owns the conversation.
    let current = state.store.get_conversation(account, conversation).await?;
    if !bot_may_speak(inbox, current.status) {
        return Ok(None);
    }
    let text = message.content.plain_text().unwrap_or("").to_owned();
    let lang = Lang::of(&text);
    let verdict = verdict_for(state, inbox, message, &text).await?;
    let step = plan(verdict, &past_turns(&history, message.id));
    // Recorded first, so that once the customer sees the outcome the
    // question is already on the admins' list.
    if step.unanswered() {
        state
            .store
            .record_bot_question(&kefu_core::model::NewBotQuestion {
                account_id: account,
                conversation_id: conversation,
                message_id: message.id,
                text: text.clone(),
                outcome: step_outcome(&step).to_owned(),
                now: state.clock.now(),
            })
            .await?;
    }
    run(state, inbox, message, &step, lang).await?;
    Ok(Some(step))
}

fn step_outcome(step: &Step) -> &'static str {
    match step {
        Step::Offer { .. } => "candidates",
        Step::HandOff { .. } => "handed_off",
        Step::Answer { .. } => "answered",
        Step::Say(_) => "small_talk",
    }
}

async fn verdict_for(
    state: &AppState,
    inbox: &Inbox,
    message: &Message,
    text: &str,
) -> Result<Verdict, StoreError> {
    if message.content.attachment_id().is_some() {
        return Ok(Verdict::File);
    }
    if wants_human(text) {
        return Ok(Verdict::Decided(OwnedDecision::HandOff(
            BotHandoff::HumanRequested,
        )));
    }
    if is_upset(text) {
        return Ok(Verdict::Upset);
    }
    // Checked when the inbox was saved; a bad stored value falls back to
    // the learnt thresholds rather than silencing the bot.
    let overrides = InboxBotSettings::from_settings(&inbox.settings).unwrap_or_default();
    if let Some(threshold) = overrides.handoff_negative_sentiment {
        // The account's retrained model when it has one.
        let account = inbox.account_id;
        let trained_at = state.store.qa_settings(account).await?.sentiment_model;
        if let Some(model) =
            crate::sentiment::for_account(&*state.store, account, trained_at).await?
            && model.negative_probability(text).unwrap_or(0.0) >= threshold
        {
            return Ok(Verdict::Upset);
        }
    }
    // Greetings and thanks need no knowledge base.
    if let Some(talk) = small_talk(text) {
        return Ok(Verdict::Decided(OwnedDecision::SmallTalk(talk)));
    }
    let built = state.bot.directory.bot_for(inbox.account_id).await?;
    let text = text.to_owned();
    let verdict = tokio::task::spawn_blocking(move || match built.bot.as_ref() {
        None => Verdict::NoKnowledge,
        Some(bot) => match bot.decide_with(&text, thresholds(bot, overrides)) {
            Ok((d, _)) => Verdict::Decided(OwnedDecision::from_decision(&d)),
            Err(BotError::QueryTooLong { .. }) => Verdict::TooLong,
            Err(_) => Verdict::Empty,
        },
    })
    .await
    .unwrap_or_else(|e| {
        // A panic in the bot must not strand the customer: a person answers.
        tracing::error!(error = %e, "bot decision panicked");
        Verdict::NoKnowledge
    });
    Ok(verdict)
}

/// The learnt thresholds with the inbox's overrides applied.
pub fn thresholds(bot: &kefu_bot::Bot, overrides: InboxBotSettings) -> Thresholds {
    let learnt = bot.thresholds();
    let answer = overrides.answer_threshold.unwrap_or(learnt.answer);
    Thresholds {
        answer,
        // An answer threshold set below the learnt candidates threshold
        // leaves no room for candidates, rather than offering above it.
        candidates: overrides
            .candidates_threshold
            .unwrap_or(learnt.candidates)
            .min(answer),
    }
}

/// Writes the step: the bot's message, or (for a hand-off) the move to the
/// queue with a note the customer and agents see.
async fn run(
    state: &AppState,
    inbox: &Inbox,
    message: &Message,
    step: &Step,
    lang: Lang,
) -> Result<(), StoreError> {
    let account = message.account_id;
    let conversation = message.conversation_id;
    let say = |content: MessageContent| NewMessage {
        id: MessageId::new(),
        account_id: account,
        conversation_id: conversation,
        sender: Sender::bot(),
        content,
        visibility: MessageVisibility::Public,
        external_id: None,
        // One key per customer message: a turn writes at most one message.
        client_id: Some(format!("bot:{}:0", message.id)),
        mentions: vec![],
        now: state.clock.now(),
    };
    let policy = shared::policy(inbox);
    match step {
        Step::Answer {
            entry_id,
            question,
            answer,
            confidence,
        } => {
            let appended = state
                .store
                .append_message(
                    &say(MessageContent::Answer {
                        v: 1,
                        text: answer.clone(),
                        source: AnswerSource {
                            entry_id: entry_id.clone(),
                            question: question.clone(),
                            confidence: *confidence,
                        },
                    }),
                    &policy,
                )
                .await?;
            if !appended.duplicate {
                state
                    .store
                    .record_event(
                        account,
                        conversation,
                        &NewEvent::new(
                            EventType::BotAnswered,
                            Sender::bot(),
                            json!({
                                "message_id": appended.message.id,
                                "reply_to": message.id,
                                "entry_id": entry_id,
                                "confidence": confidence,
                            }),
                        ),
                        state.clock.now(),
                    )
                    .await?;
            }
        }
        Step::Offer {
            phrase, candidates, ..
        } => {
            let mut options: Vec<QuickReply> = candidates
                .iter()
                .map(|(_, q)| QuickReply {
                    title: q.chars().take(OPTION_TITLE_CHARS).collect(),
                    payload: Some(q.clone()),
                })
                .collect();
            options.push(QuickReply {
                title: Phrase::TalkToPerson.text(lang).to_owned(),
                payload: None,
            });
            let content = MessageContent::QuickReplies {
                v: 1,
                text: phrase.text(lang).to_owned(),
                options,
            };
            state.store.append_message(&say(content), &policy).await?;
        }
        Step::Say(phrase) => {
            let content = MessageContent::text(phrase.text(lang));
            state.store.append_message(&say(content), &policy).await?;
        }
        Step::HandOff { reason, say: words } => {
            // One unit of work: the move to the queue and the note saying so,
            // worded for the customer (agents read the code, translated).
            let (code, english) = handoff_note(*reason);
            let note = words.map_or(english, |p| p.text(lang));
            state
                .store
                .apply_noted(
                    account,
                    conversation,
                    Input::HandOff { reason: *reason },
                    Sender::bot(),
                    &policy,
                    &MessageContent::system_coded(code, note),
                    None,
                    state.clock.now(),
                )
                .await?;
        }
    }
    Ok(())
}

/// The note that marks a hand-off: a code clients translate, and English text.
pub fn handoff_note(reason: HandoffReason) -> (&'static str, &'static str) {
    match reason {
        HandoffReason::Requested => (
            crate::routes::widget::handoff::HANDOFF_CODE,
            crate::routes::widget::handoff::HANDOFF_NOTE,
        ),
        HandoffReason::OutOfScope => (
            "handoff_out_of_scope",
            "The bot handed over: the question is one it must not answer",
        ),
        HandoffReason::NegativeSentiment => (
            "handoff_negative_sentiment",
            "The bot handed over: the customer is upset",
        ),
        HandoffReason::TooManyFailures => (
            "handoff_bot_failed",
            "The bot handed over after failing to help",
        ),
        _ => (
            "handoff_low_confidence",
            "The bot handed over: it was not sure enough to answer",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str) -> Verdict {
        Verdict::Decided(OwnedDecision::Answer {
            entry_id: id.into(),
            question: "q".into(),
            answer: "a".into(),
            confidence: 0.9,
        })
    }

    fn candidates() -> Verdict {
        Verdict::Decided(OwnedDecision::Candidates {
            candidates: vec![("a".into(), "A?".into()), ("b".into(), "B?".into())],
            confidence: 0.4,
        })
    }

    fn answered(id: &str) -> PastTurn {
        PastTurn::Answered {
            entry_id: id.into(),
        }
    }

    fn handed_off(step: &Step) -> Option<HandoffReason> {
        match step {
            Step::HandOff { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    #[test]
    fn answers_and_offers_when_nothing_went_wrong_before() {
        assert!(matches!(plan(answer("a"), &[]), Step::Answer { .. }));
        assert!(matches!(
            plan(candidates(), &[answered("x")]),
            Step::Offer { .. }
        ));
        // A different answer after an answer is a new question.
        assert!(matches!(
            plan(answer("a"), &[answered("b")]),
            Step::Answer { .. }
        ));
    }

    #[test]
    fn the_same_answer_twice_in_a_row_goes_to_a_person() {
        let step = plan(answer("a"), &[answered("a")]);
        assert_eq!(handed_off(&step), Some(HandoffReason::TooManyFailures));
        // Small talk in between does not break the loop detection...
        let step = plan(answer("a"), &[PastTurn::SmallTalk, answered("a")]);
        assert_eq!(handed_off(&step), Some(HandoffReason::TooManyFailures));
        // ...but another turn does.
        let step = plan(answer("a"), &[PastTurn::Unanswered, answered("a")]);
        assert!(matches!(step, Step::Answer { .. }));
    }

    #[test]
    fn failing_turns_are_counted_until_an_answer() {
        let one = [PastTurn::Unanswered];
        let two = [
            PastTurn::Unanswered,
            PastTurn::SmallTalk,
            PastTurn::Unanswered,
        ];
        assert!(matches!(plan(candidates(), &one), Step::Offer { .. }));
        assert_eq!(
            handed_off(&plan(candidates(), &two)),
            Some(HandoffReason::TooManyFailures)
        );
        assert_eq!(
            handed_off(&plan(Verdict::Empty, &two)),
            Some(HandoffReason::TooManyFailures)
        );
        // An answer resets the count.
        let reset = [PastTurn::Unanswered, answered("a"), PastTurn::Unanswered];
        assert!(matches!(plan(candidates(), &reset), Step::Offer { .. }));
        // A question the bot can answer is answered whatever came before.
        assert!(matches!(plan(answer("b"), &two), Step::Answer { .. }));
    }

    #[test]
    fn every_hand_off_has_its_reason() {
        let cases = [
            (
                Verdict::Decided(OwnedDecision::HandOff(BotHandoff::HumanRequested)),
                HandoffReason::Requested,
            ),
            (
                Verdict::Decided(OwnedDecision::HandOff(BotHandoff::OutOfScope {
                    entry_id: "x".into(),
                })),
                HandoffReason::OutOfScope,
            ),
            (
                Verdict::Decided(OwnedDecision::HandOff(BotHandoff::NoMatch)),
                HandoffReason::LowConfidence,
            ),
            (Verdict::Upset, HandoffReason::NegativeSentiment),
            (Verdict::NoKnowledge, HandoffReason::LowConfidence),
            (Verdict::TooLong, HandoffReason::LowConfidence),
            (Verdict::File, HandoffReason::LowConfidence),
        ];
        for (verdict, reason) in cases {
            let step = plan(verdict.clone(), &[]);
            assert_eq!(handed_off(&step), Some(reason), "{verdict:?}");
            let (code, _) = handoff_note(reason);
            assert!(code.starts_with("handoff_"));
        }
    }

    #[test]
    fn only_real_questions_reach_the_learning_loop() {
        assert!(plan(candidates(), &[]).unanswered());
        assert!(plan(Verdict::NoKnowledge, &[]).unanswered());
        assert!(!plan(Verdict::Empty, &[]).unanswered());
        assert!(!plan(Verdict::Upset, &[]).unanswered());
        assert!(!plan(answer("a"), &[]).unanswered());
        let human = Verdict::Decided(OwnedDecision::HandOff(BotHandoff::HumanRequested));
        assert!(!plan(human, &[]).unanswered());
    }
}
