//! Requests for a person, small talk and upset customers, recognised the
//! same way whatever the knowledge base.

use kefu_bot::SmallTalk;
use kefu_bot::conversation_cues::{is_upset, small_talk, wants_human};

#[test]
fn upset_customers_are_recognised_in_both_languages() {
    for text in [
        "This is the worst service I have ever had",
        "you are scammers",
        "I want to file a complaint",
        "WHY IS MY PARCEL NOT HERE YET",
        "where is my refund!!!",
        "我要投诉你们",
        "你们就是骗子",
        "什么破服务，气死我了",
        "等了三天还没到！！！",
    ] {
        assert!(is_upset(text), "{text}");
    }
}

#[test]
fn ordinary_questions_are_not_upset() {
    for text in [
        "How do I reset my password?",
        "How do I suspend my account?",
        "I'm a bit worried my order is late",
        "怎么修改收货地址",
        "快递有点慢，什么时候能到？",
        "OK",
        "SOS", // too short to be shouting
        "Hello!",
    ] {
        assert!(!is_upset(text), "{text}");
    }
}

#[test]
fn requests_for_a_person_and_small_talk() {
    assert!(wants_human("转人工"));
    assert!(wants_human("can I talk to a person please"));
    assert!(!wants_human("how do I add a person to my team"));
    assert_eq!(small_talk("Hi!"), Some(SmallTalk::Greeting));
    assert_eq!(small_talk("谢谢"), Some(SmallTalk::Thanks));
    assert_eq!(small_talk("hi, my card is blocked"), None);
}
