use kefu_qa::{Hit, Inspector, QaError, Scorecard};
use serde_json::json;

use crate::fixtures::*;

fn inspector() -> Inspector {
    let rules = [
        rule(
            json!({"id": "forbidden", "name": "禁语", "type": "forbidden", "words": ["calm down", "滚"]}),
        ),
        rule(
            json!({"id": "greeting", "name": "Greeting", "type": "greeting", "phrases": ["您好", "hello"]}),
        ),
        rule(
            json!({"id": "slow", "name": "Slow", "type": "response_time", "metric": "any_gap", "over_s": 120}),
        ),
        rule(
            json!({"id": "thanks", "name": "Thanks", "type": "keywords", "mode": "any", "terms": [{"text": "感谢"}]}),
        ),
    ];
    Inspector::compile(&rules).unwrap()
}

fn card() -> Scorecard {
    serde_json::from_value(json!({
        "id": "chat", "name": "Chat", "pass_score": 80,
        "items": [
            {"rule_id": "forbidden", "label": "No forbidden words", "effect": "deduct", "points": 100, "critical": true},
            {"rule_id": "greeting", "label": "Greets", "effect": "deduct", "points": 10},
            {"rule_id": "slow", "label": "Answers fast", "effect": "deduct", "points": 15, "per_hit": true, "max_points": 20},
            {"rule_id": "thanks", "label": "Thanks the customer", "effect": "bonus", "points": 5}
        ]
    }))
    .unwrap()
}

#[test]
fn a_forbidden_word_fails_the_conversation_with_its_evidence() {
    let ins = inspector();
    let card = card();
    card.validate(&ins).unwrap();
    let t = en_rude();
    let hits = ins.inspect(&t);
    let forbidden: Vec<&Hit> = hits.iter().filter(|h| h.rule_id == "forbidden").collect();
    assert_eq!(forbidden.len(), 1);
    assert_eq!(
        (
            forbidden[0].message_index,
            forbidden[0].start,
            forbidden[0].end
        ),
        (Some(1), 23, 32)
    );
    let score = card.score(&hits);
    assert!(!score.passed);
    assert_eq!(score.critical_failed, vec!["forbidden"]);
    // 100 − 100 − 10 (no greeting) − 20 (two slow replies, capped): floored at 0.
    assert_eq!(score.total, 0.0);
    let slow = score.items.iter().find(|i| i.rule_id == "slow").unwrap();
    assert_eq!((slow.hits, slow.points), (2, -20.0));

    // A reviewer rejects the forbidden-word hit: recomputed without it, the
    // conversation is no longer failed by it, but still below the threshold.
    let kept: Vec<Hit> = hits
        .into_iter()
        .filter(|h| h.rule_id != "forbidden")
        .collect();
    let again = card.score(&kept);
    assert!(again.critical_failed.is_empty());
    assert_eq!(again.total, 70.0);
    assert!(!again.passed);
}

#[test]
fn a_good_conversation_passes_with_its_bonus_capped_at_the_base() {
    let ins = inspector();
    let score = card().score(&ins.inspect(&zh_refund()));
    assert!(score.passed, "{score:?}");
    assert_eq!(score.total, 100.0, "the bonus cannot lift it above 100");
    let thanks = score.items.iter().find(|i| i.rule_id == "thanks").unwrap();
    assert_eq!(thanks.points, 5.0);
}

#[test]
fn bot_only_conversations_are_scored_by_their_own_card() {
    let bot_only = transcript(&[
        (kefu_qa::Party::Customer, 0, "hi"),
        (kefu_qa::Party::Bot, 1, "Hello!"),
    ]);
    let agents = card();
    assert!(!agents.applies_to(&bot_only));
    assert!(agents.applies_to(&zh_refund()));
    let mut bots = card();
    bots.bot_only = kefu_qa::BotOnly::Only;
    assert!(bots.applies_to(&bot_only));
    assert!(!bots.applies_to(&zh_refund()));
}

#[test]
fn cards_are_checked_against_the_rules() {
    let ins = inspector();
    let mut c = card();
    c.items[0].rule_id = "nope".into();
    assert!(matches!(
        c.validate(&ins),
        Err(QaError::InvalidScorecard { .. })
    ));
    let mut c = card();
    c.pass_score = 120.0;
    assert!(c.validate(&ins).is_err());
    let mut c = card();
    c.items[1].points = -5.0;
    assert!(c.validate(&ins).is_err());
    let mut c = card();
    c.items.clear();
    assert!(c.validate(&ins).is_err());
}

#[test]
fn cards_are_assigned_by_inbox_or_team() {
    let mut c = card();
    assert!(c.covers("inbox-a", None), "no assignment: every inbox");
    c.inboxes = vec!["inbox-a".into()];
    c.teams = vec!["team-vip".into()];
    assert!(c.covers("inbox-a", None));
    assert!(c.covers("inbox-b", Some("team-vip")));
    assert!(!c.covers("inbox-b", Some("team-other")));
    assert!(!c.covers("inbox-b", None));
}
