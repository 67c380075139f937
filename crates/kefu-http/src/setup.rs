//! Provisioning: a new account with its first admin and a web-widget inbox.
//! Used by sign-up, by `kefu serve --demo` and by tests, so all three create
//! tenants the same way.

use kefu_core::model::*;
use kefu_core::store::Store;
use kefu_core::{AccountId, InboxId, StoreError, Timestamp, UserId, validate};

use crate::auth::{password, secrets};

#[derive(Clone, Debug)]
pub struct NewUserSpec {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct AccountSpec {
    pub name: String,
    pub time_zone: String,
    pub users: Vec<NewUserSpec>,
    /// Name of a web-widget inbox to create, if any.
    pub widget_inbox: Option<String>,
    /// Fixed ids make seeding idempotent (the demo account).
    pub account_id: Option<AccountId>,
    pub inbox_id: Option<InboxId>,
}

#[derive(Clone, Debug)]
pub struct Provisioned {
    pub account: Account,
    pub users: Vec<(UserId, NewUserSpec)>,
    pub inbox: Option<Inbox>,
}

/// Creates the account, its users (reusing a user that already exists by
/// email, without changing their password), and the widget inbox. With fixed
/// ids, running it twice changes nothing.
pub async fn provision_account(
    store: &dyn Store,
    spec: &AccountSpec,
    now: Timestamp,
) -> Result<Provisioned, StoreError> {
    let account_id = spec.account_id.unwrap_or_default();
    let account = match store.get_account(account_id).await {
        Ok(a) => a,
        Err(StoreError::NotFound(_)) => {
            let a = Account {
                id: account_id,
                name: validate::name("name", &spec.name, 120)?,
                time_zone: validate::time_zone(&spec.time_zone)?,
                created_at: now,
                updated_at: now,
            };
            store.create_account(&a).await?;
            a
        }
        Err(e) => return Err(e),
    };
    let mut users = Vec::new();
    for u in &spec.users {
        let email = validate::email(&u.email)?;
        let user_id = match store.find_user_by_email(&email).await? {
            Some((user, _)) => user.id,
            None => {
                validate::password(&u.password)?;
                let user = User {
                    id: UserId::new(),
                    email: email.clone(),
                    name: validate::name("name", &u.name, 120)?,
                    created_at: now,
                };
                store
                    .create_user(&user, &password::hash_blocking(&u.password))
                    .await?;
                user.id
            }
        };
        if store.get_member(account.id, user_id).await.is_err() {
            store
                .upsert_member(&Member {
                    account_id: account.id,
                    user_id,
                    email: email.clone(),
                    name: u.name.clone(),
                    role: u.role,
                    availability: Availability::Offline,
                    capacity: 5,
                    skills: vec![],
                    channel_capacity: Default::default(),
                    last_assigned_at: None,
                    created_at: now,
                })
                .await?;
        }
        users.push((user_id, u.clone()));
    }
    let inbox = match &spec.widget_inbox {
        None => None,
        Some(name) => {
            let id = spec.inbox_id.unwrap_or_default();
            match store.get_inbox(account.id, id).await {
                Ok(i) => Some(i),
                Err(StoreError::NotFound(_)) => {
                    let i = Inbox {
                        id,
                        account_id: account.id,
                        name: validate::name("name", name, 120)?,
                        channel: ChannelKind::WebWidget,
                        bot_enabled: false,
                        default_team_id: None,
                        allowed_origins: vec![],
                        require_identity: false,
                        settings: serde_json::json!({}),
                        created_at: now,
                        updated_at: now,
                    };
                    store.create_inbox(&i, &secrets::random_token("")).await?;
                    Some(i)
                }
                Err(e) => return Err(e),
            }
        }
    };
    Ok(Provisioned {
        account,
        users,
        inbox,
    })
}
