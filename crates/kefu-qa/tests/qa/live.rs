//! Live rules: checked on each new message alone while the conversation
//! runs, and on the wait the customer is in (silence).

use kefu_qa::{Hit, Inspector, Party, QaError, Transcript};
use serde_json::{Value, json};

use crate::fixtures::*;

fn inspector(rules: &[Value]) -> Inspector {
    let rules: Vec<_> = rules.iter().cloned().map(rule).collect();
    Inspector::compile(&rules).expect("compiles")
}

/// The live hits of each turn in order, as the server would check them
/// message by message (the transcript up to and including that turn).
fn live_as_written(ins: &Inspector, t: &Transcript) -> Vec<Hit> {
    let mut out = Vec::new();
    for n in 0..t.turns.len() {
        let so_far = Transcript {
            turns: t.turns[..=n].to_vec(),
            handed_off_at_ms: t.handed_off_at_ms,
        };
        out.extend(ins.inspect_live(&so_far, n));
    }
    out
}

fn text_of(t: &Transcript, h: &Hit) -> String {
    t.turns[h.message_index.unwrap()]
        .text
        .chars()
        .skip(h.start)
        .take(h.end - h.start)
        .collect()
}

#[test]
fn live_rules_read_only_the_newest_message_and_match_as_the_inspection_does() {
    let t = en_rude();
    let ins = inspector(&[
        json!({"id": "rude", "name": "Rude", "type": "forbidden", "live": true,
               "words": ["calm down", "whatever", "not my problem"]}),
        // Not live: never reported while the conversation runs.
        json!({"id": "card", "name": "Card", "type": "pii", "kinds": ["bank_card"]}),
        json!({"id": "esc", "name": "Escalation", "type": "escalation", "live": true}),
    ]);
    // The newest turn is the customer's threat: only the escalation rule
    // (customer's messages) fires, not the agent's earlier words.
    let hits = ins.inspect_live(&t, 2);
    assert_eq!(
        hits.iter()
            .map(|h| (h.rule_id.as_str(), h.message_index, text_of(&t, h)))
            .collect::<Vec<_>>(),
        vec![
            ("esc", Some(2), "report you".to_string()),
            ("esc", Some(2), "regulator".to_string())
        ],
        "{hits:?}"
    );
    // Message by message, the live hits are exactly the full inspection's
    // hits of the live rules: same message, same span.
    let live = live_as_written(&ins, &t);
    let mut full: Vec<Hit> = ins
        .inspect(&t)
        .into_iter()
        .filter(|h| h.rule_id != "card")
        .collect();
    let key = |h: &Hit| (h.message_index, h.start, h.rule_id.clone());
    full.sort_by_key(key);
    let mut sorted = live.clone();
    sorted.sort_by_key(key);
    assert_eq!(sorted, full);
    assert!(
        live.iter()
            .any(|h| h.rule_id == "rude" && text_of(&t, h) == "calm down")
    );
    assert!(!live.iter().any(|h| h.rule_id == "card"));
    // A rule that is live on nothing: no live hits at all.
    let quiet =
        inspector(&[json!({"id": "w", "name": "w", "type": "forbidden", "words": ["calm down"]})]);
    assert!(!quiet.has_live());
    assert!(quiet.inspect_live(&t, 1).is_empty());
    assert!(ins.inspect_live(&t, 99).is_empty(), "no such turn");
}

#[test]
fn live_chinese_text_rules_respect_the_speaker_but_not_the_window() {
    let t = transcript(&[
        (Party::Customer, 0, "你们这个破系统，我要退款"),
        (Party::Agent, 10, "您好，请稍等"),
        (Party::Agent, 20, "你自己看说明书吧，滚"),
        (Party::Agent, 30, "请提供手机号 13812345678 以外的联系方式"),
    ]);
    let ins = inspector(&[
        // A window of the agent's first message: live ignores it, so the
        // third turn still counts.
        json!({"id": "jin", "name": "禁语", "type": "forbidden", "live": true,
               "window": {"first": 1}, "words": ["滚", "自己看"]}),
        json!({"id": "refund", "name": "退款", "type": "keywords", "live": true,
               "mode": "any", "speaker": "customer", "terms": [{"text": "退款", "synonyms": ["退钱"]}]}),
        json!({"id": "two", "name": "两个词", "type": "keywords", "live": true,
               "mode": "at_least", "at_least": 2, "terms": [{"text": "滚"}, {"text": "说明书"}]}),
        json!({"id": "re", "name": "正则", "type": "regex", "live": true,
               "pattern": "破.{2}", "speaker": "all"}),
        json!({"id": "pii", "name": "手机号", "type": "pii", "live": true, "kinds": ["phone"]}),
    ]);
    let got = |n: usize| -> Vec<(String, String)> {
        ins.inspect_live(&t, n)
            .iter()
            .map(|h| (h.rule_id.clone(), text_of(&t, h)))
            .collect()
    };
    assert_eq!(
        got(0),
        vec![
            ("refund".into(), "退款".into()),
            ("re".into(), "破系统".into())
        ]
    );
    assert!(got(1).is_empty());
    let third = got(2);
    assert!(third.contains(&("jin".into(), "滚".into())), "{third:?}");
    assert!(
        third.contains(&("jin".into(), "自己看".into())),
        "{third:?}"
    );
    assert!(third.contains(&("two".into(), "滚".into())), "{third:?}");
    assert!(
        third.contains(&("two".into(), "说明书".into())),
        "{third:?}"
    );
    assert_eq!(got(3), vec![("pii".into(), "13812345678".into())]);
    // Offsets count characters in the newest message.
    let h = &ins.inspect_live(&t, 2)[0];
    assert_eq!((h.message_index, h.start, h.end), (Some(2), 1, 4));
}

#[test]
fn live_is_refused_on_rules_that_read_the_whole_conversation() {
    for (kind, extra) in [
        ("greeting", json!({"phrases": ["您好"]})),
        ("closing", json!({"phrases": ["再见"]})),
        ("apology", json!({"complaint": ["慢"], "apology": ["抱歉"]})),
        (
            "keywords",
            json!({"mode": "none", "terms": [{"text": "谢谢"}]}),
        ),
        (
            "keywords",
            json!({"mode": "all", "terms": [{"text": "谢谢"}]}),
        ),
    ] {
        let mut r = json!({"id": "x", "name": "x", "type": kind, "live": true});
        r.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let err = Inspector::compile(&[rule(r)]).expect_err(kind);
        assert!(
            matches!(&err, QaError::InvalidRule { id, message } if id == "x" && message.contains("live")),
            "{kind}: {err}"
        );
    }
    // Not live, the same rules are fine; `live: false` is not written back.
    let r = rule(
        json!({"id": "g", "name": "g", "type": "greeting", "phrases": ["您好"], "live": false}),
    );
    Inspector::compile(std::slice::from_ref(&r)).unwrap();
    assert!(serde_json::to_value(&r).unwrap().get("live").is_none());
    let r = rule(
        json!({"id": "t", "name": "t", "type": "response_time", "metric": "any_gap", "over_s": 60, "live": true}),
    );
    assert_eq!(serde_json::to_value(&r).unwrap()["live"], true);
    Inspector::compile(&[r]).unwrap();
}

#[test]
fn silences_name_the_open_wait_of_each_live_response_time_rule() {
    let ins = inspector(&[
        json!({"id": "gap", "name": "Gap", "type": "response_time", "live": true, "metric": "any_gap", "over_s": 60}),
        json!({"id": "first", "name": "First", "type": "response_time", "live": true, "metric": "first_response", "over_s": 30}),
        json!({"id": "off", "name": "Not live", "type": "response_time", "metric": "any_gap", "over_s": 1}),
    ]);
    assert_eq!(
        ins.live_waits()
            .iter()
            .map(|w| (w.rule_id.as_str(), w.over_s))
            .collect::<Vec<_>>(),
        vec![("gap", 60), ("first", 30)]
    );
    let at = |s: i64| T0 + s * 1000;
    // Nobody answered yet: both rules measure the wait from the first message;
    // the bot's reply does not end it.
    let t = transcript(&[
        (Party::Customer, 0, "在吗"),
        (Party::Bot, 1, "正在转人工"),
        (Party::Customer, 5, "hello?"),
    ]);
    let s = ins.silences(&t, at(45));
    assert_eq!(
        s.iter()
            .map(|s| (s.rule_id.as_str(), s.message_index, s.overdue))
            .collect::<Vec<_>>(),
        vec![("gap", 0, false), ("first", 0, true)]
    );
    assert!(ins.silences(&t, at(61)).iter().all(|s| s.overdue));
    // The wait starts at the hand-off when that came later.
    let mut handed = t.clone();
    handed.handed_off_at_ms = Some(at(40));
    assert_eq!(ins.silences(&handed, at(61))[0].since_ms, at(40));
    assert!(!ins.silences(&handed, at(61))[0].overdue);
    // Answered: no wait. A new question after an answer is a new wait for
    // `any_gap` only.
    let answered = transcript(&[(Party::Customer, 0, "在吗"), (Party::Agent, 10, "您好")]);
    assert!(ins.silences(&answered, at(1000)).is_empty());
    let again = transcript(&[
        (Party::Customer, 0, "在吗"),
        (Party::Agent, 10, "您好"),
        (Party::Customer, 20, "退款呢"),
    ]);
    let s = ins.silences(&again, at(100));
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].rule_id.as_str(), s[0].message_index, s[0].overdue),
        ("gap", 2, true)
    );
}
