//! Conversations written for these tests (not taken from any data set).

use kefu_qa::{Party, Rule, Transcript, Turn};

pub const T0: i64 = 1_764_000_000_000;

/// `(party, seconds after T0, text)`
pub fn transcript(turns: &[(Party, i64, &str)]) -> Transcript {
    Transcript {
        turns: turns
            .iter()
            .map(|&(party, s, text)| Turn {
                party,
                text: text.to_string(),
                at_ms: T0 + s * 1000,
            })
            .collect(),
        handed_off_at_ms: None,
    }
}

use Party::{Agent, Bot, Customer};

/// A refund chat in Chinese: greeting, a complaint, an apology, a closing.
pub fn zh_refund() -> Transcript {
    transcript(&[
        (Customer, 0, "你好，我的订单到现在还没发货"),
        (Bot, 1, "正在为您转接人工客服"),
        (Agent, 20, "您好，很高兴为您服务，请问订单号是多少？"),
        (Customer, 40, "太慢了，我要投诉你们！订单号 A20261126"),
        (Agent, 70, "非常抱歉让您久等了，我马上为您催促仓库"),
        (Customer, 300, "好吧"),
        (Agent, 420, "已经安排今天发货，感谢您的耐心，祝您生活愉快"),
    ])
}

/// An English chat where the agent is rude and leaks a card number.
pub fn en_rude() -> Transcript {
    transcript(&[
        (Customer, 0, "My package never arrived and I want a refund."),
        (Agent, 200, "That's not my problem, calm down."),
        (
            Customer,
            210,
            "This is ridiculous, I will report you to the regulator.",
        ),
        (
            Agent,
            900,
            "Your card 4111 1111 1111 1111 was charged, whatever.",
        ),
    ])
}

pub fn rule(json: serde_json::Value) -> Rule {
    serde_json::from_value(json).expect("a valid rule")
}
