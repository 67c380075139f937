use std::path::PathBuf;

use kefu_sentiment::evaluation::{evaluate, read_examples};

/// ../shared/data (KEFU_SHARED_DIR); under CI=true a missing folder fails.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("KEFU_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("data");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing; set KEFU_SHARED_DIR",
        dir.display()
    );
    eprintln!("skipping: {} is missing", dir.display());
    None
}

/// The lexical model on ChnSentiCorp's dev split: a floor well above the
/// TF-IDF baseline the issue quotes for the test split (0.859), so a
/// regression in tokenisation, features or training shows here.
#[test]
fn chnsenticorp_dev_accuracy_holds() {
    let Some(data) = shared_data() else { return };
    let train = read_examples(&data.join("chnsenticorp/train.jsonl")).unwrap();
    let dev = read_examples(&data.join("chnsenticorp/dev.jsonl")).unwrap();
    let r = evaluate(&train, &dev, None).unwrap();
    eprintln!("{r:?}");
    assert!(r.accuracy >= 0.89, "accuracy {}", r.accuracy);
    assert!(r.macro_f1 >= 0.88, "macro-F1 {}", r.macro_f1);
    assert!(r.models.is_empty());
}

#[test]
fn a_bad_line_is_named() {
    let dir = std::env::temp_dir().join(format!("kefu-sentiment-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.jsonl");
    std::fs::write(
        &path,
        "{\"text\":\"ok\",\"label\":\"pos\"}\n\n{\"text\":\"x\",\"label\":\"meh\"}\n",
    )
    .unwrap();
    let err = read_examples(&path).unwrap_err().to_string();
    assert!(err.contains("line 3"), "{err}");
}
