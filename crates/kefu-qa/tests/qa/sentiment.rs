//! Sentiment rules with the shipped model (trained from the lexicons that
//! `scripts/fetch-models` installs; CI installs them, so there a missing
//! model fails the test instead of skipping it).

use std::sync::{Arc, OnceLock};

use kefu_qa::{Inspector, Party, QaError};
use kefu_sentiment::SentimentModel;
use kefu_sentiment::lexicon::{model_dir, shipped_model};
use serde_json::json;

use crate::fixtures::*;

fn model() -> Option<Arc<SentimentModel>> {
    static MODEL: OnceLock<Option<Arc<SentimentModel>>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let m = shipped_model(&model_dir()).expect("the lexicons read");
            if m.is_none() {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "no sentiment lexicons in {} (scripts/fetch-models)",
                    model_dir().display()
                );
                eprintln!("skipping: no sentiment lexicons installed");
            }
            m.map(Arc::new)
        })
        .clone()
}

use Party::{Agent, Customer};

#[test]
fn negative_customer_messages_are_found_in_chinese_and_english() {
    let Some(m) = model() else { return };
    let t = transcript(&[
        (Customer, 0, "你们的服务太差了，我非常失望"),
        (Agent, 10, "您好，请问有什么可以帮您？"),
        (Customer, 20, "谢谢，问题解决了，很满意"),
        (
            Customer,
            30,
            "This is terrible, I am really angry and disappointed.",
        ),
        (Agent, 40, "I am sorry to hear that."),
        (Customer, 50, "Great, thank you, that was very helpful!"),
    ]);
    let rule = rule(json!({"id": "neg", "name": "Upset customer",
        "type": "sentiment", "level": "negative"}));
    let hits = Inspector::compile_with_sentiment(&[rule], Some(m))
        .unwrap()
        .inspect(&t);
    let messages: Vec<usize> = hits.iter().filter_map(|h| h.message_index).collect();
    assert_eq!(messages, vec![0, 3], "{hits:?}");
    // The evidence is the whole message, in characters.
    assert_eq!(
        (hits[0].start, hits[0].end),
        (0, t.turns[0].text.chars().count())
    );
    assert!(
        hits[0].detail.starts_with("negative 0."),
        "{}",
        hits[0].detail
    );
}

#[test]
fn the_agents_temper_is_checked_when_the_rule_reads_the_agent() {
    let Some(m) = model() else { return };
    let t = transcript(&[
        (Customer, 0, "我的包裹还没到"),
        (Agent, 10, "烦死了，你自己去查，别来烦我"),
        (Customer, 20, "Where is my parcel?"),
        (Agent, 30, "Stop bothering me, this is stupid and annoying."),
    ]);
    let rule = rule(
        json!({"id": "agent-neg", "name": "Agent negative", "speaker": "agent",
        "type": "sentiment", "level": "negative"}),
    );
    let hits = Inspector::compile_with_sentiment(&[rule], Some(m))
        .unwrap()
        .inspect(&t);
    let messages: Vec<usize> = hits.iter().filter_map(|h| h.message_index).collect();
    assert_eq!(messages, vec![1, 3], "{hits:?}");
}

#[test]
fn strongly_negative_is_stricter_than_negative() {
    let Some(m) = model() else { return };
    let t = transcript(&[
        (Customer, 0, "有点慢"),
        (Customer, 5, "垃圾服务，骗子，太恶心了，我要投诉你们"),
        (Customer, 10, "the delivery was a little late"),
        (
            Customer,
            15,
            "You are liars and thieves, this is disgusting and horrible!",
        ),
    ]);
    let count = |level: &str| {
        let rule = rule(json!({"id": "s", "name": "s", "type": "sentiment", "level": level}));
        Inspector::compile_with_sentiment(&[rule], Some(m.clone()))
            .unwrap()
            .inspect(&t)
            .iter()
            .filter_map(|h| h.message_index)
            .collect::<Vec<_>>()
    };
    let strong = count("strongly_negative");
    assert!(strong.contains(&1) && strong.contains(&3), "{strong:?}");
    assert!(!strong.contains(&0) && !strong.contains(&2), "{strong:?}");
    let negative = count("negative");
    assert!(strong.iter().all(|i| negative.contains(i)), "{negative:?}");
}

#[test]
fn a_sentiment_rule_without_a_model_is_refused_with_its_name() {
    let r = rule(json!({"id": "neg", "name": "n", "type": "sentiment", "level": "negative"}));
    match Inspector::compile(&[r]) {
        Err(QaError::InvalidRule { id, message }) => {
            assert_eq!(id, "neg");
            assert!(message.contains("sentiment model"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let bad = rule(json!({"id": "p", "name": "p", "type": "sentiment",
        "level": "negative", "min_probability": 0.2}));
    let Some(m) = model() else { return };
    assert!(Inspector::compile_with_sentiment(&[bad], Some(m)).is_err());
}
