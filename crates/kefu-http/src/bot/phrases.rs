//! What the bot says in its own words (everything that is not an answer from
//! the knowledge base), in the customer's language. The language is taken
//! from the message itself: a customer who writes Chinese is answered in
//! Chinese, whatever the inbox's default.

use kefu_bot::text_analysis::is_han;

/// The two languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// Chinese as soon as the message has a Han character: mixed messages
    /// ("我的 order 在哪") are written by Chinese speakers.
    pub fn of(text: &str) -> Self {
        if text.chars().any(is_han) {
            Self::Zh
        } else {
            Self::En
        }
    }
}

/// The bot's sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phrase {
    Greeting,
    Thanks,
    /// Introduces the "did you mean" options.
    DidYouMean,
    /// The quick reply that asks for a person.
    TalkToPerson,
    /// The message had nothing to read (only emoji or punctuation).
    NotUnderstood,
    /// Handing over because the bot cannot answer.
    CannotAnswer,
    /// Handing over because the customer is upset.
    Apology,
    /// Handing over after failing several times.
    NotHelping,
    /// The message was a file the bot cannot read.
    CannotReadFiles,
}

impl Phrase {
    pub fn text(self, lang: Lang) -> &'static str {
        use Lang::*;
        use Phrase::*;
        match (self, lang) {
            (Greeting, En) => {
                "Hello! I'm the virtual assistant. Ask me your question, or write \"agent\" to talk to a person."
            }
            (Greeting, Zh) => {
                "您好！我是智能助手，请直接输入您的问题；需要人工服务请输入“转人工”。"
            }
            (Thanks, En) => "You're welcome! Is there anything else I can help with?",
            (Thanks, Zh) => "不客气！还有其他可以帮您的吗？",
            (DidYouMean, En) => "I'm not sure I understood. Did you mean one of these?",
            (DidYouMean, Zh) => "我不太确定您的意思，您是想问以下哪个问题？",
            (TalkToPerson, En) => "Talk to a person",
            (TalkToPerson, Zh) => "转人工",
            (NotUnderstood, En) => {
                "Sorry, I didn't catch that. Could you describe your question in a few words?"
            }
            (NotUnderstood, Zh) => "抱歉，我没有理解，可以简单描述一下您的问题吗？",
            (CannotAnswer, En) => {
                "I can't answer that one myself, so I'm passing you to a colleague. Please wait a moment."
            }
            (CannotAnswer, Zh) => "这个问题我暂时无法回答，正在为您转接人工客服，请稍候。",
            (Apology, En) => "I'm sorry about this. I'm bringing in a colleague right away.",
            (Apology, Zh) => "非常抱歉给您带来不好的体验，正在为您转接人工客服。",
            (NotHelping, En) => {
                "It seems I'm not helping, so I'm getting you a person. Please wait a moment."
            }
            (NotHelping, Zh) => "看来我没能帮上忙，正在为您转接人工客服，请稍候。",
            (CannotReadFiles, En) => {
                "I can't read files myself, so I'm passing you to a colleague who can."
            }
            (CannotReadFiles, Zh) => "我暂时无法查看文件，正在为您转接人工客服。",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_message() {
        assert_eq!(Lang::of("where is my order?"), Lang::En);
        assert_eq!(Lang::of("我的 order 在哪"), Lang::Zh);
        assert_eq!(Lang::of("😀"), Lang::En);
    }

    #[test]
    fn the_request_for_a_person_is_one_the_bot_recognises() {
        // The quick reply is sent back as the customer's message: it must
        // hand the conversation over, in both languages.
        for lang in [Lang::En, Lang::Zh] {
            assert!(kefu_bot::conversation_cues::wants_human(
                Phrase::TalkToPerson.text(lang)
            ));
        }
    }
}
