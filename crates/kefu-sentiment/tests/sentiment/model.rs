use kefu_sentiment::{Example, Polarity, SentimentError, SentimentModel};

/// A small bilingual set written for these tests (no data-set text).
fn examples() -> Vec<Example> {
    let pos = [
        "服务很好，问题很快就解决了",
        "客服态度非常好，谢谢",
        "物流很快，包装完好，满意",
        "质量不错，下次还会再买",
        "退款很顺利，点赞",
        "the agent was friendly and fixed it fast",
        "great service, thank you so much",
        "delivery was quick and the product works well",
        "very happy with the refund process",
        "excellent support, I will buy again",
    ];
    let neg = [
        "服务太差了，等了一个小时没人理",
        "质量很差，用了一天就坏了",
        "客服态度恶劣，我要投诉",
        "物流太慢，包装破损，很失望",
        "退款一直不到账，非常生气",
        "the agent was rude and useless",
        "terrible service, I waited an hour",
        "the product broke after one day, very disappointed",
        "still no refund, this is awful",
        "worst support ever, I want to complain",
    ];
    pos.iter()
        .map(|t| Example::new(*t, Polarity::Pos))
        .chain(neg.iter().map(|t| Example::new(*t, Polarity::Neg)))
        .collect()
}

#[test]
fn unseen_negative_texts_score_above_unseen_positive_ones() {
    let model = SentimentModel::train(&examples(), None).unwrap();
    let p = model
        .negative_probabilities(&[
            "态度太差了，很失望",
            "非常满意，谢谢",
            "rude and terrible",
            "friendly and great",
        ])
        .unwrap();
    assert!(p[0] > p[1], "zh: {p:?}");
    assert!(p[2] > p[3], "en: {p:?}");
    for v in &p {
        assert!((0.0..=1.0).contains(v), "{p:?}");
    }
}

#[test]
fn empty_and_unknown_text_get_a_probability_not_a_panic() {
    let model = SentimentModel::train(&examples(), None).unwrap();
    for text in ["", "   ", "🙂", "zzzz qqqq"] {
        let p = model.negative_probability(text).unwrap();
        assert!(p.is_finite() && (0.0..=1.0).contains(&p), "{text:?}: {p}");
    }
}

#[test]
fn training_needs_both_labels() {
    let only_pos: Vec<Example> = examples()
        .into_iter()
        .filter(|e| e.polarity == Polarity::Pos)
        .collect();
    let err = SentimentModel::train(&only_pos, None).unwrap_err();
    assert!(
        matches!(err, SentimentError::OneSided { negative: 0, .. }),
        "{err}"
    );
}
