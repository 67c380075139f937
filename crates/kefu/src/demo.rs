//! The demo account: fixed ids and well-known credentials so a newcomer (and
//! the browser tests) can sign in at once. Seeding is idempotent.

use anyhow::Context;
use kefu_core::model::{CannedResponse, Role};
use kefu_core::store::Store;
use kefu_core::{AccountId, CannedResponseId, InboxId, Timestamp};
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
    let p = provision_account(store, &spec, Timestamp::now()).await?;
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
    Ok(DemoInfo {
        account_id,
        inbox_id,
    })
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
