//! The dense signal, with a stand-in embedder (no model needed): it maps
//! texts to topic vectors by keywords, so it "understands" paraphrases the
//! lexical scorers cannot, which is what a real model adds.

use std::sync::Arc;

use kefu_bot::embedding::{EmbedFailure, Embedder};
use kefu_bot::{Bot, BotConfig, BotError, Decision, Method};

use crate::fixture::knowledge_base;

/// Topic axes: descale, pairing, warranty, temperature, order, other.
const TOPICS: [&[&str]; 5] = [
    &[
        "descal",
        "scale",
        "limescale",
        "deposit",
        "chalk",
        "水垢",
        "除垢",
        "crust",
        "furred",
    ],
    &[
        "app",
        "pair",
        "connect",
        "link",
        "bluetooth",
        "wifi",
        "配对",
        "连接",
    ],
    &["warrant", "guarantee", "保修"],
    &["temperature", "degrees", "warm", "温度"],
    &["order", "parcel", "deliver", "订单", "快递"],
];

#[derive(Debug)]
struct TopicEmbedder;

impl Embedder for TopicEmbedder {
    fn name(&self) -> &str {
        "topic-stand-in"
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        Ok(texts
            .iter()
            .map(|t| {
                let t = t.to_lowercase();
                let mut v: Vec<f32> = TOPICS
                    .iter()
                    .map(|words| words.iter().filter(|w| t.contains(*w)).count() as f32)
                    .collect();
                v.push(0.3);
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

#[derive(Debug)]
struct BrokenEmbedder;

impl Embedder for BrokenEmbedder {
    fn name(&self) -> &str {
        "broken"
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedFailure> {
        // One vector too few: the bot must notice rather than misalign.
        Ok(vec![vec![1.0]; texts.len().saturating_sub(1)])
    }
}

#[test]
fn without_a_model_the_bot_names_none() {
    let bot = Bot::build(&knowledge_base(), BotConfig::default()).unwrap();
    assert_eq!(bot.model_name(), None);
    assert_eq!(bot.dense_weight(), 0.0);
}

#[test]
fn the_dense_signal_ranks_a_paraphrase_the_words_miss() {
    let kb = knowledge_base();
    // "furred" and "crust" occur in no question; "kettle" occurs in many.
    let query = "my kettle is furred up with crust";
    let lexical = Bot::build(&kb, BotConfig::default()).unwrap();
    let dense =
        Bot::build_with_embedder(&kb, BotConfig::default(), Some(Arc::new(TopicEmbedder))).unwrap();
    assert_eq!(dense.model_name(), Some("topic-stand-in"));
    // The model reaches the ranking as classifier features and, when the
    // cross-validation finds it useful, as an added similarity.
    let (_, lexical_view) = lexical.decide_explained(query).unwrap();
    let (_, dense_view) = dense.decide_explained(query).unwrap();
    let dense_view = dense_view.unwrap();
    assert_eq!(dense_view.ranking[0].0.id, "descale");
    let lexical_view = lexical_view.unwrap();
    assert!(
        dense_view.confidence > lexical_view.confidence
            || lexical_view.ranking[0].0.id != "descale",
        "the model should make the bot surer or more right"
    );
}

#[test]
fn a_model_is_ignored_by_bm25_alone() {
    let config = BotConfig {
        method: Method::Bm25,
        ..BotConfig::default()
    };
    let bot =
        Bot::build_with_embedder(&knowledge_base(), config, Some(Arc::new(TopicEmbedder))).unwrap();
    assert_eq!(bot.model_name(), None);
}

#[test]
fn a_model_returning_the_wrong_number_of_vectors_is_an_error() {
    let err = Bot::build_with_embedder(
        &knowledge_base(),
        BotConfig::default(),
        Some(Arc::new(BrokenEmbedder)),
    )
    .unwrap_err();
    assert!(matches!(err, BotError::Embedding { .. }), "{err}");
}

#[test]
fn small_talk_and_handoff_requests_do_not_need_the_model() {
    let bot = Bot::build_with_embedder(
        &knowledge_base(),
        BotConfig::default(),
        Some(Arc::new(TopicEmbedder)),
    )
    .unwrap();
    assert!(matches!(
        bot.decide("I want to talk to a human").unwrap(),
        Decision::Handoff { .. }
    ));
}
