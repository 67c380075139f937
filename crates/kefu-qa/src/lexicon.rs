//! The built-in escalation lexicon: what customers write when a complaint
//! may leave the conversation (to a regulator, a court, the press, a
//! competitor). Written for Kefu; accounts add their own terms.

pub const ESCALATION: &[&str] = &[
    // Complaints to authorities and regulators.
    "投诉",
    "举报",
    "12315",
    "12345",
    "消协",
    "消费者协会",
    "市场监管",
    "工商局",
    "银保监",
    "报警",
    // Going to court or the press.
    "律师",
    "起诉",
    "法院",
    "打官司",
    "曝光",
    "媒体",
    "发微博",
    "差评",
    // Leaving.
    "销户",
    "注销账号",
    "再也不买",
    "再也不用",
    "换一家",
    // English.
    "complaint",
    "complain",
    "report you",
    "regulator",
    "lawyer",
    "attorney",
    "sue",
    "court",
    "chargeback",
    "bad review",
    "cancel my account",
    "close my account",
    "never buy",
    "switch to another",
    "go to the press",
];
