//! The projection of English ratings onto Chinese headwords, on lines
//! written in the two files' formats for this test.

use kefu_sentiment::lexicon::{parse_vader, project_cedict};

const VADER: &str = "hate\t-2.7\t1.0\t[-3]\r\nlove\t3.2\t0.9\t[3]\r\ngood\t1.9\t0.9\t[2]\r\nbad\t-2.5\t0.7\t[-2]\r\n:)\t2.0\t0.5\t[2]\r\n";

const CEDICT: &str = "# CC-CEDICT sample\n\
恨 恨 [hen4] /to hate/to regret/\n\
愛 爱 [ai4] /to love/to be fond of/\n\
好壞 好坏 [hao3 huai4] /good/bad/\n\
差 差 [cha4] /bad (quality)/poor/\n\
桌子 桌子 [zhuo1 zi5] /table/desk/\n";

#[test]
fn ratings_reach_chinese_through_single_word_glosses() {
    let english = parse_vader(VADER);
    assert_eq!(english.get("hate"), Some(&-2.7));
    assert!(
        !english.contains_key(":)"),
        "tokens without letters are skipped"
    );
    let chinese = project_cedict(CEDICT, &english);
    let get = |w: &str| chinese.iter().find(|(x, _)| x == w).map(|(_, r)| *r);
    assert_eq!(get("恨"), Some(-2.7), "`to hate` is `hate`");
    assert_eq!(get("爱"), Some(3.2));
    assert_eq!(get("差"), Some(-2.5), "a parenthesised note is ignored");
    assert_eq!(get("好坏"), None, "senses of both signs are dropped");
    assert_eq!(get("桌子"), None, "no rated gloss");
}
