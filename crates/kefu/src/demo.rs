//! The demo account: fixed ids and well-known credentials so a newcomer (and
//! the browser tests) can sign in at once. Seeding is idempotent.

use anyhow::Context;
use kefu_core::model::{CannedResponse, KbEntry, KbEntryKind, Role};
use kefu_core::store::{KbImportMode, Store};
use kefu_core::{AccountId, CannedResponseId, InboxId, KbEntryId, Timestamp};
use kefu_http::setup::{AccountSpec, NewUserSpec, provision_account};

use crate::config::Config;

pub const ACCOUNT_ID: u128 = 0x0192_0000_0000_7000_8000_0000_0000_0001;
pub const INBOX_ID: u128 = 0x0192_0000_0000_7000_8000_0000_0000_0002;
pub const ADMIN_EMAIL: &str = "admin@kefu.demo";
pub const ADMIN_PASSWORD: &str = "kefu-demo-admin";
pub const AGENT_EMAIL: &str = "agent@kefu.demo";
pub const AGENT_PASSWORD: &str = "kefu-demo-agent";

pub struct DemoInfo {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
}

impl DemoInfo {
    pub fn print(&self, base: &str) {
        println!();
        println!(
            "Demo account ready (these passwords are public: never use --demo in production):"
        );
        println!("  admin:  {ADMIN_EMAIL} / {ADMIN_PASSWORD}");
        println!("  agent:  {AGENT_EMAIL} / {AGENT_PASSWORD}");
        println!(
            "  account id: {}   widget inbox id: {}",
            self.account_id, self.inbox_id
        );
        println!("  answer as the agent:  {base}/");
        println!(
            "  chat as a visitor:    {base}/widget?inbox={}",
            self.inbox_id
        );
        println!(
            "  sign in:  curl -i -X POST {base}/api/v1/auth/login -H 'content-type: application/json' -d '{{\"email\":\"{AGENT_EMAIL}\",\"password\":\"{AGENT_PASSWORD}\"}}'"
        );
        println!();
    }
}

pub async fn seed(store: &dyn Store) -> anyhow::Result<DemoInfo> {
    let account_id = AccountId(uuid::Uuid::from_u128(ACCOUNT_ID));
    let inbox_id = InboxId(uuid::Uuid::from_u128(INBOX_ID));
    let spec = AccountSpec {
        name: "Kefu Demo".into(),
        time_zone: "Asia/Shanghai".into(),
        users: vec![
            NewUserSpec {
                email: ADMIN_EMAIL.into(),
                name: "Demo Admin".into(),
                password: ADMIN_PASSWORD.into(),
                role: Role::Admin,
            },
            NewUserSpec {
                email: AGENT_EMAIL.into(),
                name: "Demo Agent".into(),
                password: AGENT_PASSWORD.into(),
                role: Role::Agent,
            },
        ],
        widget_inbox: Some("Demo website".into()),
        account_id: Some(account_id),
        inbox_id: Some(inbox_id),
    };
    // A new demo inbox gets the bot (answering from the demo FAQ below); on
    // later starts the inbox is left as the demo's admin set it.
    let fresh = matches!(
        store.get_inbox(account_id, inbox_id).await,
        Err(kefu_core::StoreError::NotFound(_))
    );
    let p = provision_account(store, &spec, Timestamp::now()).await?;
    if fresh && let Some(mut inbox) = p.inbox.clone() {
        inbox.bot_enabled = true;
        store.update_inbox(&inbox).await?;
    }
    let agent = p
        .users
        .iter()
        .find(|(_, u)| u.role == Role::Agent)
        .map(|(id, _)| *id)
        .context("demo agent")?;
    store
        .set_inbox_member(account_id, inbox_id, agent, true)
        .await?;
    seed_canned_responses(store, account_id).await?;
    seed_knowledge_base(store, account_id).await?;
    seed_quality_inspection(store, account_id).await?;
    Ok(DemoInfo {
        account_id,
        inbox_id,
    })
}

/// A starter set of inspection rules and a scorecard, so a resolved demo
/// conversation gets a score at once. Only when the account has none: the
/// demo's admin may have changed them.
async fn seed_quality_inspection(store: &dyn Store, account: AccountId) -> anyhow::Result<()> {
    if !store.qa_settings(account).await?.rules.is_empty() {
        return Ok(());
    }
    let mut settings = kefu_core::model::QaSettings {
        rules: vec![
            serde_json::json!({"id": "greeting", "name": "Greets the customer", "type": "greeting",
                "phrases": ["您好", "你好", "hello", "hi", "good morning", "good afternoon"]}),
            serde_json::json!({"id": "closing", "name": "Closes politely", "type": "closing", "within_last": 2,
                "phrases": ["祝您", "再见", "还有其他", "goodbye", "have a nice", "anything else"]}),
            serde_json::json!({"id": "forbidden", "name": "Forbidden words (禁语)", "type": "forbidden",
                "words": ["不知道", "不归我管", "你自己看", "没办法", "calm down", "not my problem", "whatever"]}),
            serde_json::json!({"id": "apology", "name": "Apologises after a complaint", "type": "apology",
                "complaint": ["投诉", "太慢", "太差", "失望", "terrible", "disappointed", "unacceptable"],
                "apology": ["抱歉", "对不起", "不好意思", "sorry", "apologi"]}),
            serde_json::json!({"id": "slow", "name": "Replies within two minutes", "type": "response_time",
                "metric": "any_gap", "over_s": 120}),
            serde_json::json!({"id": "pii", "name": "No personal data from the agent", "type": "pii"}),
            serde_json::json!({"id": "escalation", "name": "Escalation risk", "type": "escalation"}),
        ],
        scorecards: vec![serde_json::json!({
            "id": "chat", "name": "Chat service", "pass_score": 80,
            "items": [
                {"rule_id": "forbidden", "label": "No forbidden words", "effect": "deduct", "points": 30, "critical": true},
                {"rule_id": "pii", "label": "No personal data", "effect": "deduct", "points": 30, "critical": true},
                {"rule_id": "greeting", "label": "Greeting", "effect": "deduct", "points": 10},
                {"rule_id": "closing", "label": "Closing", "effect": "deduct", "points": 5},
                {"rule_id": "apology", "label": "Apology after a complaint", "effect": "deduct", "points": 10, "per_hit": true, "max_points": 20},
                {"rule_id": "slow", "label": "Timely replies", "effect": "deduct", "points": 5, "per_hit": true, "max_points": 20}
            ]
        })],
        sample_rate: 0.1,
        sentiment_model: None,
    };
    // With the sentiment lexicons installed (scripts/fetch-models), a live
    // rule tells supervisors when a customer is clearly upset.
    let sentiment = kefu_http::sentiment::shipped()
        .await
        .map(|s| s.model.clone());
    if sentiment.is_some() {
        settings
            .rules
            .push(serde_json::json!({"id": "upset", "name": "Customer upset",
            "type": "sentiment", "level": "strongly_negative", "live": true}));
    }
    // The same check an admin's save goes through.
    kefu_http::qa::compile(&settings, sentiment)
        .map_err(|e| anyhow::anyhow!("demo QA settings: {e}"))?;
    store
        .put_qa_settings(account, &settings, Timestamp::now())
        .await?;
    Ok(())
}

/// A few shared canned responses, in English and Chinese, so `/` in the
/// reply box shows something at once. Each start adds the codes that are
/// missing; ones already there (perhaps edited by the demo's admin) are left
/// alone.
async fn seed_canned_responses(store: &dyn Store, account: AccountId) -> anyhow::Result<()> {
    const CANNED: &[(&str, &str)] = &[
        (
            "hello",
            "Hi {{contact.name | there}}, this is {{agent.name}} from {{account.name}}. How can I help?",
        ),
        (
            "nihao",
            "{{contact.name | 您}}好，我是{{account.name}}的{{agent.name}}，很高兴为您服务。",
        ),
        (
            "wait",
            "Thanks for waiting, {{contact.name | there}}. I am looking into it and will be back in a few minutes.",
        ),
        ("shaodeng", "请稍等，我正在为您查询，几分钟内回复您。"),
        (
            "bye",
            "Is there anything else I can help with? If not, have a good day!",
        ),
        ("zaijian", "请问还有其他可以帮您的吗？祝您生活愉快！"),
    ];
    let admin = store
        .find_user_by_email(ADMIN_EMAIL)
        .await?
        .context("demo admin")?
        .0
        .id;
    let existing: Vec<String> = store
        .list_canned_responses(account, admin)
        .await?
        .into_iter()
        .filter(|c| c.owner_id.is_none())
        .map(|c| c.short_code)
        .collect();
    let now = Timestamp::now();
    for (code, content) in CANNED {
        if existing.iter().any(|c| c == code) {
            continue;
        }
        let mut c = CannedResponse {
            id: CannedResponseId::new(),
            account_id: account,
            owner_id: None,
            short_code: (*code).into(),
            content: (*content).into(),
            created_at: now,
            updated_at: now,
        };
        c.validate()
            .map_err(|e| anyhow::anyhow!("demo canned response {code}: {e}"))?;
        store.create_canned_response(&c).await?;
    }
    Ok(())
}

/// One demo FAQ entry: locale, question, similar questions, answer, tags,
/// out of scope.
struct Faq {
    locale: &'static str,
    question: &'static str,
    similar: &'static [&'static str],
    answer: &'static str,
    tags: &'static [&'static str],
    out_of_scope: bool,
}

/// The demo's knowledge base: what customers ask about Kefu itself, half in
/// English and half in Chinese, written for this project. The last two are
/// out of scope: the bot hands them to a person instead of answering.
/// Asking for a person is not here on purpose: the bot handles that itself.
const DEMO_FAQ: &[Faq] = &[
    Faq {
        locale: "en",
        question: "How do I reset my password?",
        similar: &[
            "I forgot my password",
            "can't log in to my account",
            "how can I change my password",
            "password reset not working",
            "locked out of the console",
        ],
        answer: "An admin of your Kefu account can set a new password for you under **Admin > Users**. Whoever runs the server can also do it from the command line with `kefu user set-password --email you@example.com`; that signs you out on every device, so sign in again with the new password.",
        tags: &["account", "sign-in"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "What are your business hours?",
        similar: &[
            "when are you open",
            "what time does support close",
            "are you available on weekends",
            "opening hours",
            "is anyone there at night",
        ],
        answer: "Our team answers from 9:00 to 18:00 China Standard Time, Monday to Friday. Outside those hours the bot answers what it can, and a person picks up the rest on the next working day.",
        tags: &["hours"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "How do I embed the chat widget on my site?",
        similar: &[
            "where do I get the widget code",
            "add live chat to my website",
            "install the chat box on my page",
            "embed snippet for the widget",
            "how to put Kefu chat on WordPress",
        ],
        answer: "Paste one line before `</body>` on every page that should show the chat:\n\n`<script src=\"https://your-kefu-server/sdk.js\" data-inbox=\"YOUR-INBOX-ID\" async></script>`\n\nAdmins find the snippet with the right inbox id under **Admin > Inboxes**. List your site's address in the inbox's allowed origins so the widget loads there.",
        tags: &["widget", "setup"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "Can I export my conversation history?",
        similar: &[
            "download all my chats",
            "export chat transcripts",
            "how do I back up conversations",
            "get a copy of my messages",
            "move my data to another system",
        ],
        answer: "Yes. Everything is in your own database, and the API lists conversations and their messages (`GET /api/v1/conversations` and `GET /api/v1/conversations/{id}/messages`), so a short script with a personal API token can save them all. The API reference is at `/api/docs` on your server.",
        tags: &["data", "export"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "Which languages does the bot speak?",
        similar: &[
            "does the bot understand Chinese",
            "can the chatbot answer in English",
            "what languages are supported",
            "do you support Japanese",
            "multilingual support",
        ],
        answer: "The bot understands and answers in English and Chinese. You can keep knowledge-base entries in other languages too; the bot matches them, but it is tuned for English and Chinese.",
        tags: &["bot", "languages"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "How much does Kefu cost?",
        similar: &[
            "what is the price",
            "is Kefu free",
            "do I need a paid plan",
            "pricing for more agents",
            "is there a license fee",
        ],
        answer: "Nothing: Kefu is free and open source under the Apache-2.0 license. You run it on your own server, with as many agents and conversations as your machine handles.",
        tags: &["pricing"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "Does Kefu support WeChat?",
        similar: &[
            "can I connect my WeChat official account",
            "WeChat integration",
            "do you work with Weixin",
            "answer WeChat messages in Kefu",
        ],
        answer: "WeChat joins through a channel adapter, so its messages land in the same inbox as web chat, with the same contacts and history. Today the web widget and the API channel work out of the box; the WeChat adapter is being built.",
        tags: &["channels", "wechat"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "How do I invite a colleague?",
        similar: &[
            "add a new agent",
            "create an account for my teammate",
            "how to add users",
            "give someone access to the console",
            "add another admin",
        ],
        answer: "Admins add people under **Admin > Users**: their email, name, a first password and a role (agent, supervisor or admin). Share the password with them safely; they can change it after signing in.",
        tags: &["account", "team"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "Where is my data stored?",
        similar: &[
            "where do you keep my data",
            "is my data in the cloud",
            "which database does Kefu use",
            "do you store chats on your servers",
            "data residency",
        ],
        answer: "On the server that runs Kefu and nowhere else: a SQLite file (`data/kefu.db`) by default, or your PostgreSQL database. Attachments are files next to it. Nothing is sent to us.",
        tags: &["data", "privacy"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "怎么重置密码",
        similar: &[
            "忘记密码了怎么办",
            "登录不上去",
            "密码怎么改",
            "账号被锁了进不去后台",
            "重置密码没反应",
        ],
        answer: "请联系您所在账户的管理员，在 **管理 > 用户** 中为您设置新密码。运行服务器的同事也可以在命令行执行 `kefu user set-password --email 您的邮箱`，执行后所有设备都会退出登录，请用新密码重新登录。",
        tags: &["账户", "登录"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "客服工作时间是什么时候",
        similar: &[
            "你们几点上班",
            "周末有人吗",
            "晚上能找到客服吗",
            "人工客服几点下班",
            "节假日有客服吗",
        ],
        answer: "人工客服的工作时间是周一至周五 9:00–18:00（北京时间）。其他时间机器人会先回答能回答的问题，其余的下一个工作日由同事跟进。",
        tags: &["工作时间"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "如何导出聊天记录",
        similar: &[
            "聊天记录能下载吗",
            "怎么备份对话",
            "导出所有会话",
            "想把消息记录保存下来",
            "聊天记录迁移到别的系统",
        ],
        answer: "可以。所有数据都在您自己的数据库里，通过 API 可以列出会话和消息（`GET /api/v1/conversations` 和 `GET /api/v1/conversations/{id}/messages`），用个人 API 令牌写个小脚本即可全部保存。接口文档在服务器的 `/api/docs`。",
        tags: &["数据", "导出"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "支持哪些渠道",
        similar: &[
            "能接入微信吗",
            "可以在网站上放聊天窗口吗",
            "支持邮件吗",
            "有哪些接入方式",
            "能不能对接我们自己的App",
        ],
        answer: "目前可以直接使用网页聊天插件和 API 渠道（自己的 App 或系统可通过 API 接入）。微信等即时通讯工具通过渠道适配器接入，消息和网页聊天进入同一个收件箱；微信适配器正在开发中。",
        tags: &["渠道"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "数据存在哪里",
        similar: &[
            "我的数据放在哪",
            "聊天记录存在你们服务器上吗",
            "数据安全吗",
            "用的是什么数据库",
            "数据会上传到云端吗",
        ],
        answer: "数据只保存在运行客服系统的服务器上：默认是 SQLite 文件（`data/kefu.db`），也可以使用您自己的 PostgreSQL 数据库。附件以文件形式存放在同一台服务器上，不会发送给我们。",
        tags: &["数据", "隐私"],
        out_of_scope: false,
    },
    Faq {
        locale: "zh-CN",
        question: "怎么邀请同事",
        similar: &[
            "怎么添加客服人员",
            "给同事开个账号",
            "如何新增管理员",
            "让同事也能登录后台",
            "添加用户在哪里",
        ],
        answer: "管理员在 **管理 > 用户** 中添加同事：填写邮箱、姓名、初始密码并选择角色（客服、主管或管理员）。请用安全的方式把初始密码告诉同事，登录后可以自行修改。",
        tags: &["账户", "团队"],
        out_of_scope: false,
    },
    Faq {
        locale: "en",
        question: "Can you give me legal advice?",
        similar: &[
            "is this contract legal",
            "I want to sue",
            "what are my legal rights here",
            "is it legal to record customer chats",
            "I need a lawyer",
        ],
        answer: "Legal questions go to a person: the bot does not give legal advice.",
        tags: &["legal"],
        out_of_scope: true,
    },
    Faq {
        locale: "zh-CN",
        question: "退款纠纷怎么处理",
        similar: &[
            "我要投诉退款问题",
            "退款被拒绝了",
            "不给退款我要找消协",
            "扣错钱了要求退回",
            "我要求赔偿",
        ],
        answer: "退款纠纷需要人工处理，机器人不做答复。",
        tags: &["退款"],
        out_of_scope: true,
    },
];

/// The first demo entry's id; the others follow. Fixed, so that seeding
/// again recognises them.
const DEMO_FAQ_FIRST_ID: u128 = 0x0192_0000_0000_7000_8000_0000_0000_1000;

/// The demo FAQ as validated entries of `account`.
fn demo_faq(account: AccountId, now: Timestamp) -> anyhow::Result<Vec<KbEntry>> {
    DEMO_FAQ
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut e = KbEntry::new(
                account,
                KbEntryKind::Faq,
                f.locale,
                f.question,
                f.answer,
                now,
            );
            e.id = KbEntryId(uuid::Uuid::from_u128(DEMO_FAQ_FIRST_ID + i as u128));
            e.similar_questions = f.similar.iter().map(|s| (*s).to_owned()).collect();
            e.tags = f.tags.iter().map(|s| (*s).to_owned()).collect();
            e.out_of_scope = f.out_of_scope;
            e.validate()
                .map_err(|err| anyhow::anyhow!("demo FAQ {:?}: {err}", f.question))?;
            Ok(e)
        })
        .collect()
}

/// The demo FAQ. Like the canned responses, each start adds the entries that
/// are missing (by id, or by the same question in the same locale) and
/// leaves the ones there alone, edits included; a start that adds nothing
/// writes nothing, so the bot's revision does not move.
async fn seed_knowledge_base(store: &dyn Store, account: AccountId) -> anyhow::Result<()> {
    let existing = store.knowledge_base(account).await?;
    let missing: Vec<KbEntry> = demo_faq(account, Timestamp::now())?
        .into_iter()
        .filter(|e| {
            !existing.iter().any(|x| {
                x.id == e.id || (x.locale == e.locale && x.question_key() == e.question_key())
            })
        })
        .collect();
    if !missing.is_empty() {
        store
            .import_kb_entries(account, &missing, KbImportMode::default())
            .await?;
    }
    Ok(())
}

pub async fn set_password(cfg: &Config, email: &str, password: &str) -> anyhow::Result<()> {
    kefu_core::validate::password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let url = cfg.database_url();
    let opened = kefu_store::open(&url, Default::default())
        .await
        .with_context(|| format!("opening {}", crate::config::redact_url(&url)))?;
    let email = kefu_core::validate::email(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (user, _) = opened
        .store
        .find_user_by_email(&email)
        .await?
        .with_context(|| format!("no user with email {email}"))?;
    let hash = kefu_http::auth::password::hash_blocking(password);
    opened.store.set_password(user.id, &hash).await?;
    let revoked = opened.store.delete_user_sessions(user.id).await?;
    println!("password updated for {email}; {revoked} session(s) signed out");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_faq_is_bilingual_and_valid() {
        let entries = demo_faq(AccountId::new(), Timestamp(0)).unwrap();
        let en = entries.iter().filter(|e| e.locale == "en").count();
        let zh = entries.iter().filter(|e| e.locale == "zh-CN").count();
        assert_eq!(en + zh, entries.len());
        assert!(en.abs_diff(zh) <= 3, "{en} English, {zh} Chinese");
        for e in &entries {
            let n = e.similar_questions.len();
            assert!(
                (4..=6).contains(&n),
                "{}: {n} similar questions",
                e.question
            );
        }
        assert!(entries.iter().filter(|e| e.out_of_scope).count() >= 2);
        let mut ids: Vec<_> = entries.iter().map(|e| e.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), entries.len());
    }

    #[tokio::test]
    async fn seeding_the_demo_twice_adds_nothing_the_second_time() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("kefu.db").display());
        let opened = kefu_store::open(&url, Default::default()).await.unwrap();
        let store = &*opened.store;
        let info = seed(store).await.unwrap();
        let first = store.knowledge_base(info.account_id).await.unwrap();
        assert_eq!(first.len(), DEMO_FAQ.len());
        let revision = store.kb_revision(info.account_id).await.unwrap();
        // An admin edits one entry and deletes another; seeding again keeps
        // the edit and brings back only the deleted one.
        let mut edited = first[0].clone();
        edited.answer = "Edited by the admin.".into();
        store.update_kb_entry(&edited).await.unwrap();
        store
            .delete_kb_entry(info.account_id, first[1].id)
            .await
            .unwrap();
        seed(store).await.unwrap();
        let again = store.knowledge_base(info.account_id).await.unwrap();
        assert_eq!(again.len(), DEMO_FAQ.len());
        assert_eq!(again[0].answer, "Edited by the admin.");
        let before = store.kb_revision(info.account_id).await.unwrap();
        assert!(before > revision);
        seed(store).await.unwrap();
        assert_eq!(store.kb_revision(info.account_id).await.unwrap(), before);
        // The inspection starter set is there, valid, and left alone once an
        // admin changed it.
        let qa = store.qa_settings(info.account_id).await.unwrap();
        assert!(
            kefu_http::qa::compile_for(store, info.account_id, &qa)
                .await
                .is_ok()
        );
        assert_eq!(qa.scorecards.len(), 1);
        let mine = kefu_core::model::QaSettings {
            rules: vec![qa.rules[0].clone()],
            scorecards: vec![],
            sample_rate: 0.0,
            sentiment_model: None,
        };
        store
            .put_qa_settings(info.account_id, &mine, Timestamp::now())
            .await
            .unwrap();
        seed(store).await.unwrap();
        assert_eq!(store.qa_settings(info.account_id).await.unwrap(), mine);
    }
}
