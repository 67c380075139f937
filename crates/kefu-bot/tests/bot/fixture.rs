//! A tiny hand-written knowledge base about a fictional product, the "Lumo"
//! smart kettle (鹿默智能水壶), in English and Chinese.

use kefu_bot::{Bot, BotConfig, FaqEntry, KnowledgeBase};

pub fn entries() -> Vec<FaqEntry> {
    vec![
        FaqEntry::new(
            "descale",
            "How do I descale my Lumo kettle?",
            "Fill it with the descaling solution to the MAX line and hold the steam button for five seconds.",
        )
        .with_similar([
            "how to remove limescale from the kettle",
            "there is white scale inside my kettle",
            "cleaning mineral deposits in the lumo",
            "what is the descaling procedure",
            "the kettle has chalky buildup how do i clean it",
            "水壶里有水垢怎么清洗",
            "怎么给水壶除垢",
            "壶底有白色的水垢",
        ]),
        FaqEntry::new(
            "pairing",
            "How do I connect the kettle to the Lumo app?",
            "Open the app, tap Add device, and hold the power button until the ring blinks blue.",
        )
        .with_similar([
            "the app cannot find my kettle",
            "bluetooth pairing with my phone fails",
            "how to link the kettle with my phone",
            "wifi setup for the lumo kettle",
            "app says no device found",
            "水壶怎么连接手机app",
            "蓝牙配对失败",
            "app搜不到水壶",
        ]),
        FaqEntry::new(
            "warranty",
            "How long is the warranty?",
            "Every Lumo kettle has a two-year warranty from the date of purchase.",
        )
        .with_similar([
            "is my kettle still under warranty",
            "how many years of guarantee do i get",
            "warranty period for the lumo",
            "does the guarantee cover a broken lid",
            "保修期是多久",
            "水壶保修几年",
            "盖子坏了在保修范围内吗",
        ]),
        FaqEntry::new(
            "temperature",
            "Can I set the water temperature?",
            "Yes: in the app, or by pressing the thermometer button to cycle 40, 60, 80 and 100 °C.",
        )
        .with_similar([
            "how do i change the temperature setting",
            "heat water to 80 degrees for green tea",
            "keep warm at a fixed temperature",
            "set the kettle to 60 degrees",
            "怎么设置水温",
            "可以调到八十度泡茶吗",
            "保温温度怎么调",
        ]),
        FaqEntry::new(
            "order_status",
            "Where is my order?",
            "",
        )
        .with_similar([
            "when will my kettle be delivered",
            "track my shipment",
            "my parcel has not arrived yet",
            "delivery status of my purchase",
            "我的订单到哪了",
            "快递什么时候到",
            "查一下物流",
        ]),
        FaqEntry::new(
            "not_for_the_bot",
            "Legal and medical questions",
            "",
        )
        .with_similar([
            "can i sue the store",
            "is boiled tap water safe for my baby's formula",
            "my lawyer wants a statement",
            "what medicine should i take",
            "我要起诉你们",
            "喝开水能治感冒吗",
        ])
        .out_of_scope(),
    ]
}

pub fn knowledge_base() -> KnowledgeBase {
    let mut entries = entries();
    entries
        .iter_mut()
        .find(|e| e.id == "order_status")
        .expect("order_status entry")
        .action = Some("lookup_order".into());
    KnowledgeBase::new(entries).expect("a valid knowledge base")
}

pub fn bot() -> Bot {
    Bot::build(&knowledge_base(), BotConfig::default()).expect("the bot builds")
}
