//! Messages that are not questions for the knowledge base: explicit requests
//! for a human, greetings and thanks. They are recognised by phrase lists, not
//! by the classifier, because they must work identically for every knowledge
//! base (a knowledge base has no entry for "转人工", and must never swallow one).

use crate::text_analysis::{is_han, normalize};

/// Small talk the bot answers itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
}

/// Lower-cased text with punctuation replaced by single spaces, and Chinese
/// sentence particles at the end removed, padded with spaces so that phrase
/// search only matches whole words.
fn cue_text(text: &str) -> String {
    let norm = normalize(text);
    let cleaned: String = norm
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || is_han(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut words = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    while let Some(stripped) = words
        .strip_suffix(['啊', '呀', '哈', '哦', '呢', '吧', '嘛', '啦', '哇'])
        .filter(|s| !s.is_empty())
    {
        words = stripped.trim_end().to_string();
    }
    format!(" {words} ")
}

/// Chinese phrases asking for a person; Chinese has no word spaces, so these
/// match anywhere in the message.
const HUMAN_ZH: &[&str] = &[
    "转人工",
    "人工客服",
    "人工服务",
    "找人工",
    "要人工",
    "接人工",
    "真人客服",
    "人工坐席",
    "转接人工",
    "客服人员",
    "找客服",
    "人工台",
];
/// Whole messages that ask for a person.
const HUMAN_WHOLE: &[&str] = &[
    "人工",
    "客服",
    "真人",
    "human",
    "a human",
    "agent",
    "an agent",
    "operator",
    "representative",
    "rep",
    "real person",
    "live agent",
    "human agent",
    "human please",
    "agent please",
    "representative please",
    "live chat",
    "someone real",
];
const HUMAN_VERBS: &[&str] = &[
    "talk to",
    "talk with",
    "speak to",
    "speak with",
    "chat with",
    "chat to",
    "connect me to",
    "connect me with",
    "transfer me to",
    "put me through to",
    "get me",
    "i want",
    "i need",
    "let me talk to",
    "let me speak to",
    "can i talk to",
    "can i speak to",
];
const HUMAN_OBJECTS: &[&str] = &[
    "a human",
    "a person",
    "a real person",
    "an actual person",
    "a live person",
    "a live agent",
    "an agent",
    "a human agent",
    "a real human",
    "someone real",
    "a representative",
    "a rep",
    "a customer service representative",
    "customer service",
    "customer support",
    "an operator",
    "a manager",
    "a supervisor",
    "human",
    "agent",
    "live agent",
    "real person",
];

/// True when the customer explicitly asks for a human agent.
pub fn wants_human(text: &str) -> bool {
    let t = cue_text(text);
    let inner = t.trim();
    if HUMAN_WHOLE.contains(&inner) || HUMAN_ZH.iter().any(|p| t.contains(p)) {
        return true;
    }
    HUMAN_VERBS.iter().any(|v| {
        HUMAN_OBJECTS
            .iter()
            .any(|o| t.contains(&format!(" {v} {o} ")))
    })
}

const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "hi there",
    "hello there",
    "hey there",
    "good morning",
    "good afternoon",
    "good evening",
    "morning",
    "你好",
    "您好",
    "嗨",
    "哈喽",
    "哈啰",
    "在吗",
    "在么",
    "在不在",
    "有人吗",
    "早",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "你们好",
    "hi 你好",
    "hello 你好",
];
const THANKS: &[&str] = &[
    "thanks",
    "thank you",
    "thx",
    "ty",
    "thanks a lot",
    "thank you so much",
    "thanks so much",
    "many thanks",
    "thank you very much",
    "cheers",
    "great thanks",
    "ok thanks",
    "ok thank you",
    "谢谢",
    "多谢",
    "谢谢你",
    "谢谢您",
    "谢了",
    "感谢",
    "非常感谢",
    "太感谢了",
    "好的谢谢",
    "好的 谢谢",
    "ok 谢谢",
    "谢谢 再见",
];

/// Recognises a message that is only a greeting or only thanks ("hi, my card
/// is blocked" is a question, not small talk).
pub fn small_talk(text: &str) -> Option<SmallTalk> {
    let t = cue_text(text);
    let inner = t.trim();
    if THANKS.contains(&inner) {
        Some(SmallTalk::Thanks)
    } else if GREETINGS.contains(&inner) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

/// Chinese expressions of anger, complaint or a threat to escalate; they match
/// anywhere in the message. Deliberately strong: a mildly unhappy customer
/// ("有点慢") still gets answers, a furious one ("你们就是骗子") gets a person.
const UPSET_ZH: &[&str] = &[
    "投诉",
    "举报",
    "骗子",
    "骗人",
    "垃圾",
    "太差",
    "差劲",
    "气死",
    "恶心",
    "滚",
    "去死",
    "坑人",
    "无语",
    "退钱",
    "报警",
    "曝光",
    "消协",
    "12315",
    "什么破",
    "受够了",
    "太过分",
    "忍无可忍",
];
/// English words and phrases of the same strength, matched as whole words.
const UPSET_EN: &[&str] = &[
    "terrible",
    "horrible",
    "awful",
    "worst",
    "useless",
    "ridiculous",
    "disgusting",
    "pathetic",
    "unacceptable",
    "outrageous",
    "furious",
    "angry",
    "scam",
    "scammers",
    "fraud",
    "rip off",
    "ripoff",
    "complaint",
    "complain",
    "sue",
    "lawyer",
    "report you",
    "fed up",
    "sick of",
    "wtf",
    "stupid bot",
    "shit",
    "fuck",
    "damn",
];

/// True when the customer is clearly upset (angry, complaining, threatening
/// to escalate). The bot then hands over instead of answering: an upset
/// customer wants a person, and a canned answer makes it worse. Repeated
/// exclamation marks count too ("why???!!!").
pub fn is_upset(text: &str) -> bool {
    let t = cue_text(text);
    if UPSET_ZH.iter().any(|p| t.contains(p)) {
        return true;
    }
    if UPSET_EN.iter().any(|p| t.contains(&format!(" {p} "))) {
        return true;
    }
    let shouted = text.matches(['!', '！']).count() >= 3;
    let letters: Vec<char> = text.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let caps = letters.len() >= 12 && letters.iter().all(|c| c.is_ascii_uppercase());
    shouted || caps
}
