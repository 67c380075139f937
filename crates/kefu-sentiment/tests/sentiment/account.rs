//! An account's model retrained with its reviewers' labels: the labels here
//! are ChnSentiCorp training reviews standing in for reviewed messages, and
//! the model is judged on the dev split it never saw. Needs the shared data
//! and the installed lexicons (both present under CI=true, where a missing
//! one fails the test).

use kefu_sentiment::account::{LABEL_WEIGHT, MIN_LABELS, check_labels, retrain, with_labels};
use kefu_sentiment::evaluation::{evaluate_model, read_examples};
use kefu_sentiment::lexicon::{installed, model_dir, training_set};
use kefu_sentiment::{Example, Polarity, SentimentError, SentimentModel};

use crate::evaluation::shared_data;

fn lexicons() -> Option<std::path::PathBuf> {
    let dir = installed(&model_dir());
    if dir.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no sentiment lexicons in {} (scripts/fetch-models)",
            model_dir().display()
        );
        eprintln!("skipping: no sentiment lexicons installed");
    }
    dir
}

#[test]
fn too_few_or_one_sided_labels_are_refused() {
    let labels = |neg: usize, pos: usize| -> Vec<Example> {
        (0..neg)
            .map(|i| Example::new(format!("bad {i}"), Polarity::Neg))
            .chain((0..pos).map(|i| Example::new(format!("fine {i}"), Polarity::Pos)))
            .collect()
    };
    assert!(check_labels(&labels(10, 10)).is_ok());
    for (neg, pos) in [(10, MIN_LABELS - 11), (2, 40), (40, 2)] {
        let err = check_labels(&labels(neg, pos)).unwrap_err();
        assert!(
            matches!(err, SentimentError::NotEnoughLabels { positive, negative } if positive == pos && negative == neg),
            "{err}"
        );
    }
    let copies = with_labels(&labels(1, 1), &labels(1, 0));
    assert_eq!(copies.len(), 2 + LABEL_WEIGHT);
}

#[test]
fn reviewed_labels_teach_the_account_model_what_the_lexicon_missed() {
    let (Some(data), Some(dir)) = (shared_data(), lexicons()) else {
        return;
    };
    let set = training_set(&dir).unwrap();
    let shipped = SentimentModel::train(&set, None).unwrap();
    let train = read_examples(&data.join("chnsenticorp/train.jsonl")).unwrap();
    let dev = read_examples(&data.join("chnsenticorp/dev.jsonl")).unwrap();
    // A few hundred reviewed messages, as a busy account gathers in weeks.
    let step = train.len() / 300;
    let labels: Vec<Example> = train.iter().step_by(step).take(300).cloned().collect();
    let (model, report) = retrain(&set, &shipped, &labels).unwrap();
    eprintln!("{report:?}");
    assert_eq!(report.labels, 300);
    assert!(report.held_out >= 30, "{report:?}");
    assert!(
        report.retrained_accuracy > report.shipped_accuracy,
        "{report:?}"
    );
    let before = evaluate_model(&shipped, &dev).unwrap().accuracy;
    let after = evaluate_model(&model, &dev).unwrap().accuracy;
    eprintln!("ChnSentiCorp dev: shipped {before:.3}, retrained with 300 labels {after:.3}");
    assert!(
        after >= before + 0.08,
        "shipped {before:.3}, retrained {after:.3}"
    );

    // Deterministic: another node rebuilding from the same labels gets the
    // same model.
    let again = SentimentModel::train(&with_labels(&set, &labels), None).unwrap();
    let texts: Vec<&str> = dev.iter().take(50).map(|e| e.text.as_str()).collect();
    assert_eq!(
        model.negative_probabilities(&texts).unwrap(),
        again.negative_probabilities(&texts).unwrap()
    );
}
