use kefu_qa::{Hit, Inspector, Party, QaError, Transcript};
use serde_json::json;

use crate::fixtures::*;

fn hits(rule: serde_json::Value, t: &Transcript) -> Vec<Hit> {
    Inspector::compile(&[crate::fixtures::rule(rule)])
        .expect("compiles")
        .inspect(t)
}

/// The text a hit points at.
fn text_of(t: &Transcript, h: &Hit) -> String {
    let turn = &t.turns[h.message_index.expect("a message")];
    turn.text
        .chars()
        .skip(h.start)
        .take(h.end - h.start)
        .collect()
}

#[test]
fn keywords_any_all_none_and_at_least_with_synonyms() {
    let t = zh_refund();
    let terms = json!([{"text": "催促", "synonyms": ["加急"]}, {"text": "发货"}, {"text": "退款"}]);
    let any = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "any", "terms": terms}),
        &t,
    );
    // The agent's messages only: 催促 in the fifth turn, 发货 in the last.
    let found: Vec<(usize, String)> = any
        .iter()
        .map(|h| (h.message_index.unwrap(), text_of(&t, h)))
        .collect();
    assert_eq!(found, vec![(4, "催促".into()), (6, "发货".into())]);
    let all = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "all", "terms": terms}),
        &t,
    );
    assert!(all.is_empty(), "退款 never said by the agent: {all:?}");
    let two = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "at_least", "at_least": 2, "terms": terms}),
        &t,
    );
    assert_eq!(two.len(), 2);
    // A synonym counts as its term.
    let syn = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "any", "speaker": "all",
                          "terms": [{"text": "投诉", "synonyms": ["complain"]}]}),
        &t,
    );
    assert_eq!(syn.len(), 1);
    // None: the agent never said thank you in English; a conversation-level hit.
    let none = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "none",
                           "terms": [{"text": "thank you", "synonyms": ["thanks"]}]}),
        &en_rude(),
    );
    assert_eq!(none.len(), 1);
    assert_eq!(none[0].message_index, None);
    // English words stand alone: "report" is not found in "reported".
    let t = transcript(&[(
        Party::Agent,
        0,
        "It was reported yesterday. I will REPORT it.",
    )]);
    let w = hits(
        json!({"id": "k", "name": "k", "type": "keywords", "mode": "any", "terms": [{"text": "report"}]}),
        &t,
    );
    assert_eq!(
        w.iter().map(|h| text_of(&t, h)).collect::<Vec<_>>(),
        vec!["REPORT"]
    );
}

#[test]
fn windows_and_speakers_limit_what_a_rule_reads() {
    let t = zh_refund();
    let r = |window: serde_json::Value, speaker: &str| {
        hits(
            json!({"id": "w", "name": "w", "type": "keywords", "mode": "any", "speaker": speaker,
                    "window": window, "terms": [{"text": "您"}]}),
            &t,
        )
        .iter()
        .map(|h| h.message_index.unwrap())
        .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(r(json!({}), "agent"), [2, 4, 6].into());
    assert_eq!(r(json!({"first": 1}), "agent"), [2].into());
    assert_eq!(r(json!({"last": 2}), "agent"), [4, 6].into());
    assert_eq!(r(json!({}), "bot"), [1].into());
    assert_eq!(r(json!({}), "customer"), [].into());
}

#[test]
fn regular_expressions_with_exclusions() {
    let t = transcript(&[
        (Party::Agent, 0, "可以退款，但是运费不能退款。"),
        (Party::Agent, 5, "Refund approved; no REFUND for shipping."),
    ]);
    let r = hits(
        json!({"id": "r", "name": "r", "type": "regex", "pattern": "(?i)退款|refund",
                        "exclude": ["不能退款", "(?i)no refund"]}),
        &t,
    );
    let found: Vec<(usize, usize, String)> = r
        .iter()
        .map(|h| (h.message_index.unwrap(), h.start, text_of(&t, h)))
        .collect();
    assert_eq!(found, vec![(0, 2, "退款".into()), (1, 0, "Refund".into())]);
}

#[test]
fn forbidden_words_in_a_large_list_point_at_the_exact_place() {
    let mut words: Vec<String> = (0..10_000).map(|i| format!("禁词{i:05}")).collect();
    words.push("滚".into());
    words.push("calm down".into());
    words.push("not my problem".into());
    let rule = json!({"id": "f", "name": "禁语", "type": "forbidden", "words": words});
    let t = en_rude();
    let h = hits(rule.clone(), &t);
    let found: Vec<(usize, usize, usize, String)> = h
        .iter()
        .map(|h| (h.message_index.unwrap(), h.start, h.end, text_of(&t, h)))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, 7, 21, "not my problem".into()),
            (1, 23, 32, "calm down".into())
        ]
    );
    let zh = transcript(&[(Party::Agent, 0, "你给我滚，禁词09999！")]);
    let h = hits(rule, &zh);
    assert_eq!(
        h.iter()
            .map(|h| (h.start, text_of(&zh, h)))
            .collect::<Vec<_>>(),
        vec![(3, "滚".into()), (5, "禁词09999".into())]
    );
}

#[test]
fn greeting_closing_and_apology_after_a_complaint() {
    let greet =
        json!({"id": "g", "name": "g", "type": "greeting", "phrases": ["您好", "hello", "hi"]});
    let close = json!({"id": "c", "name": "c", "type": "closing", "phrases": ["祝您生活愉快", "have a nice day"]});
    let sorry = json!({"id": "a", "name": "a", "type": "apology", "complaint": ["投诉", "太慢", "ridiculous", "never arrived"],
                       "apology": ["抱歉", "对不起", "sorry", "apologi"]});
    let zh = zh_refund();
    assert!(hits(greet.clone(), &zh).is_empty());
    assert!(hits(close.clone(), &zh).is_empty());
    assert!(
        hits(sorry.clone(), &zh).is_empty(),
        "the agent apologised in the next reply"
    );
    let en = en_rude();
    let g = hits(greet, &en);
    assert_eq!(
        (g.len(), g[0].message_index),
        (1, Some(1)),
        "no greeting in the first agent message"
    );
    let c = hits(close, &en);
    assert_eq!((c.len(), c[0].message_index), (1, Some(3)));
    let a = hits(sorry, &en);
    // Both complaints went without an apology; the hits point at them.
    let at: Vec<(usize, String)> = a
        .iter()
        .map(|h| (h.message_index.unwrap(), text_of(&en, h)))
        .collect();
    assert_eq!(
        at,
        vec![(0, "never arrived".into()), (2, "ridiculous".into())]
    );
}

#[test]
fn response_times_count_from_the_hand_off_and_across_gaps() {
    let first = json!({"id": "t1", "name": "t1", "type": "response_time", "metric": "first_response", "over_s": 60});
    let gap = json!({"id": "t2", "name": "t2", "type": "response_time", "metric": "any_gap", "over_s": 120});
    let mut zh = zh_refund();
    // 20 s to the first reply; the longest wait is 300 → 420 s (120 s: not over).
    assert!(hits(first.clone(), &zh).is_empty());
    assert!(hits(gap.clone(), &zh).is_empty());
    // The customer wrote at 40 s and 300 s; a reply at 70 s; then 300 → 420.
    zh.turns[6].at_ms += 1000; // 121 s
    let g = hits(gap.clone(), &zh);
    assert_eq!(
        g.iter().map(|h| h.message_index).collect::<Vec<_>>(),
        vec![Some(6)]
    );
    let en = en_rude();
    // 200 s to the first reply; then 210 → 900 s.
    let f = hits(first.clone(), &en);
    assert_eq!(
        f.iter().map(|h| h.message_index).collect::<Vec<_>>(),
        vec![Some(1)]
    );
    let g = hits(gap, &en);
    assert_eq!(
        g.iter().map(|h| h.message_index).collect::<Vec<_>>(),
        vec![Some(1), Some(3)]
    );
    // The clock starts at the hand-off: the bot's time is not the agent's.
    let mut late = en_rude();
    late.handed_off_at_ms = Some(T0 + 190_000);
    assert!(hits(first, &late).is_empty());
}

#[test]
fn personal_data_written_by_the_agent() {
    let en = en_rude();
    let h = hits(json!({"id": "p", "name": "p", "type": "pii"}), &en);
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].message_index, h[0].detail.as_str()),
        (Some(3), "bank_card")
    );
    assert_eq!(text_of(&en, &h[0]), "4111 1111 1111 1111");
    // Only the kinds asked for; the customer's own data is not the agent's leak.
    let t = transcript(&[
        (Party::Customer, 0, "我的手机 13800138000"),
        (Party::Agent, 5, "好的，已记录 13800138000，邮箱 a@b.cn"),
    ]);
    let h = hits(
        json!({"id": "p", "name": "p", "type": "pii", "kinds": ["phone"]}),
        &t,
    );
    assert_eq!(
        h.iter().map(|h| h.message_index).collect::<Vec<_>>(),
        vec![Some(1)]
    );
}

#[test]
fn escalation_risk_in_the_customers_words() {
    let zh = zh_refund();
    let h = hits(json!({"id": "e", "name": "e", "type": "escalation"}), &zh);
    assert_eq!(
        h.iter().map(|h| text_of(&zh, h)).collect::<Vec<_>>(),
        vec!["投诉"]
    );
    let en = en_rude();
    let h = hits(
        json!({"id": "e", "name": "e", "type": "escalation", "extra": ["ridiculous"]}),
        &en,
    );
    assert_eq!(
        h.iter().map(|h| text_of(&en, h)).collect::<Vec<_>>(),
        vec!["ridiculous", "report you", "regulator"]
    );
}

#[test]
fn invalid_rules_are_named() {
    let bad = [
        json!({"id": "x", "name": "x", "type": "regex", "pattern": "(unclosed"}),
        json!({"id": "x", "name": "x", "type": "forbidden", "words": []}),
        json!({"id": "x", "name": "x", "type": "forbidden", "words": ["ok", "  "]}),
        json!({"id": "x", "name": "x", "type": "keywords", "mode": "at_least", "at_least": 3, "terms": [{"text": "a"}]}),
        json!({"id": "x", "name": "x", "type": "keywords", "mode": "any", "at_least": 1, "terms": [{"text": "a"}]}),
        json!({"id": "x", "name": "x", "type": "response_time", "metric": "any_gap", "over_s": 0}),
        json!({"id": "x", "name": "x", "type": "greeting", "phrases": ["hi"], "within_first": 0}),
        json!({"id": "x", "name": "x", "window": {"first": 0}, "type": "pii"}),
        json!({"id": "x y", "name": "x", "type": "pii"}),
    ];
    for b in bad {
        let err = Inspector::compile(&[rule(b.clone())]).unwrap_err();
        assert!(
            matches!(&err, QaError::InvalidRule { id, .. } if id == "x" || id == "x y"),
            "{b} → {err}"
        );
    }
    // Unknown fields and types are refused when read.
    assert!(
        serde_json::from_value::<kefu_qa::Rule>(
            json!({"id": "x", "name": "x", "type": "pii", "colour": 1})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<kefu_qa::Rule>(json!({"id": "x", "name": "x", "type": "vibes"}))
            .is_err()
    );
    let twice = [
        rule(json!({"id": "x", "name": "x", "type": "pii"})),
        rule(json!({"id": "x", "name": "y", "type": "pii"})),
    ];
    assert!(Inspector::compile(&twice).is_err());
}

/// The filters that read each message once never lose a hit: inspecting
/// with every rule gives exactly what each rule finds on its own.
#[test]
fn the_prefilter_keeps_every_hit() {
    let rules = [
        rule(
            json!({"id": "f", "name": "f", "type": "forbidden", "words": ["calm down", "滚", "not my"]}),
        ),
        rule(
            json!({"id": "k", "name": "k", "type": "keywords", "mode": "any", "speaker": "all",
                    "terms": [{"text": "ORDER", "synonyms": ["订单"]}]}),
        ),
        rule(
            json!({"id": "n", "name": "n", "type": "keywords", "mode": "none", "terms": [{"text": "thanks"}]}),
        ),
        rule(
            json!({"id": "r", "name": "r", "type": "regex", "speaker": "all", "pattern": "(?i)refund|退款", "exclude": ["不能退款"]}),
        ),
        rule(json!({"id": "e", "name": "e", "type": "escalation"})),
        rule(json!({"id": "p", "name": "p", "type": "pii", "speaker": "all"})),
        rule(json!({"id": "g", "name": "g", "type": "greeting", "phrases": ["hello", "您好"]})),
    ];
    let ins = Inspector::compile(&rules).unwrap();
    for t in [zh_refund(), en_rude()] {
        let each: Vec<Hit> = rules
            .iter()
            .flat_map(|r| ins.inspect_rule(&r.id, &t))
            .collect();
        let all = ins.inspect(&t);
        assert_eq!(all, each);
        assert!(all.len() >= 4, "the fixture hits several rules: {all:?}");
    }
}
