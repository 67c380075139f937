use kefu_bot::text_analysis::{analyze, normalize, stem};

#[test]
fn chinese_is_segmented_into_words() {
    let a = analyze("我想给水壶除垢");
    assert!(a.words.iter().any(|w| w == "水壶"), "{:?}", a.words);
    // Han character unigrams and bigrams do not depend on the segmentation.
    assert!(a.char_ngrams.iter().any(|g| g == "除垢"));
    assert!(a.char_ngrams.iter().any(|g| g == "垢"));
}

#[test]
fn mixed_text_keeps_latin_and_han_runs_apart() {
    let a = analyze("Lumo水壶的APP连不上WiFi");
    assert!(a.words.contains(&"lumo".to_string()), "{:?}", a.words);
    assert!(a.words.contains(&"app".to_string()), "{:?}", a.words);
    assert!(a.words.contains(&"wifi".to_string()), "{:?}", a.words);
    assert!(a.words.contains(&"水壶".to_string()), "{:?}", a.words);
    assert!(a.char_ngrams.iter().all(|g| !g.contains("o水")));
}

#[test]
fn width_and_case_are_folded() {
    assert_eq!(
        normalize("ＬＵＭＯ　Ｋｅｔｔｌｅ１２３！"),
        "lumo kettle123!"
    );
    assert_eq!(analyze("ＡＰＰ").words, analyze("app").words);
}

#[test]
fn english_words_are_lightly_stemmed() {
    assert_eq!(stem("kettles"), "kettle");
    assert_eq!(stem("batteries"), "battery");
    assert_eq!(stem("glass"), "glass");
    let a = analyze("Don't descale the kettles");
    assert_eq!(a.words, ["dont", "descale", "the", "kettle"]);
    assert!(a.char_ngrams.iter().any(|g| g == " ke"));
}

#[test]
fn anything_analyses_without_panicking() {
    for text in ["", "   ", "🙂🙂", "…", "\u{0}", "ｷﾞｬﾙ", "a", "水"] {
        let _ = analyze(text);
    }
}
