//! A knowledge base past the sizes where the scorer keeps every entry's
//! scores (`SHORTLIST_ABOVE_ENTRIES`): messages are ranked from a shortlist,
//! which must still find the right entry and report it by its own index.

use kefu_bot::intent_scorer::{RANKING_DEPTH, SHORTLIST_ABOVE_ENTRIES};
use kefu_bot::{Bot, BotConfig, FaqEntry, KnowledgeBase};

/// A made-up word for entry `i`, slot `k`, from syllables (so the tokenizer
/// sees ordinary lower-case words, distinct per entry).
fn word(i: usize, k: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ru", "te", "vo", "za", "ne", "pi", "su", "da", "fe", "go", "hu", "ji",
        "be",
    ];
    let n = i * 4 + k;
    [n % 16, (n / 16) % 16, (n / 256) % 16, n / 4096]
        .iter()
        .map(|&s| SYLLABLES[s])
        .collect()
}

#[test]
fn a_large_knowledge_base_ranks_from_a_shortlist() {
    let n = SHORTLIST_ABOVE_ENTRIES + 144;
    let entries: Vec<FaqEntry> = (0..n)
        .map(|i| {
            FaqEntry::new(
                format!("e{i}"),
                format!("how do I {} the {}", word(i, 0), word(i, 1)),
                format!("answer {i}"),
            )
            .with_similar([format!("can my account {} a {}", word(i, 1), word(i, 2))])
        })
        .collect();
    let kb = KnowledgeBase::new(entries).expect("a valid knowledge base");
    let bot = Bot::build(&kb, BotConfig::default()).expect("the bot builds");
    let mut right = 0;
    for i in (0..n).step_by(7) {
        let query = format!("{} {} for my account", word(i, 0), word(i, 2));
        let (_, assessment) = bot.decide_explained(&query).expect("a decision");
        let ranking = assessment
            .expect("the knowledge base was consulted")
            .ranking;
        assert!(!ranking.is_empty() && ranking.len() <= RANKING_DEPTH);
        assert!(
            ranking.windows(2).all(|w| w[0].1 >= w[1].1),
            "best first: {query}"
        );
        if ranking[0].0.id == format!("e{i}") {
            right += 1;
        }
    }
    let asked = n.div_ceil(7);
    assert!(right * 100 >= asked * 95, "{right} of {asked} ranked first");
}
