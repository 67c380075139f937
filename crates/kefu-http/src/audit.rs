//! The audit trail: who changed what, from where. Every administrative,
//! permission or security change writes one [`AuditEntry`] named `noun.verb`
//! (`user.role_changed`, `token.created`, `auth.login_failed`, ...).
//!
//! Details describe the change, never a secret: no passwords, hashes, token
//! secrets or inbox secrets. Callers pass only the fields they mean to keep.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use kefu_core::model::AuditEntry;
use kefu_core::{AccountId, AuditId, UserId};
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{Agent, Via};

/// The peer address of the request, when the server was started with
/// connect info (as [`crate::serve`] does). Never fails: code that only
/// builds the router (unit tests, `oneshot`) just gets `None`.
///
/// `X-Forwarded-For` is deliberately ignored: trusting it without knowing
/// the proxy in front would let anyone pick the address that rate limits and
/// the audit log see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address as text, for rate-limit keys and audit entries.
    pub fn label(&self) -> String {
        match self.0 {
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
    }

    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Who did it, as stored on the entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<UserId>,
    /// `user:<id>` for a browser session, `token:<id>` for a personal token,
    /// `anonymous` for failed sign-ins.
    pub label: String,
}

impl Actor {
    pub fn user(id: UserId) -> Self {
        Self {
            user_id: Some(id),
            label: format!("user:{id}"),
        }
    }

    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            label: "anonymous".into(),
        }
    }
}

impl From<&Agent> for Actor {
    fn from(a: &Agent) -> Self {
        Self {
            user_id: Some(a.user_id),
            // Naming the token tells an admin which credential to revoke if
            // the change was not wanted.
            label: match a.via {
                Via::Session(_) => format!("user:{}", a.user_id),
                Via::Token(t) => format!("token:{t}"),
            },
        }
    }
}

/// One change to record.
pub struct Change {
    pub action: &'static str,
    pub target: Option<String>,
    pub details: Value,
}

impl Change {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            target: None,
            details: Value::Object(Default::default()),
        }
    }

    pub fn target(mut self, target: impl std::fmt::Display) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Appends the entry to `account`'s log.
///
/// The change it describes has already happened when this runs (the store
/// offers no transaction spanning both), so a failure here must not turn a
/// successful request into an error the client would retry: it is logged
/// loudly instead, for operators to notice.
pub async fn record(
    state: &AppState,
    account: AccountId,
    actor: &Actor,
    ip: ClientIp,
    change: Change,
) {
    let entry = AuditEntry {
        id: AuditId::new(),
        account_id: account,
        actor_user_id: actor.user_id,
        actor: actor.label.clone(),
        action: change.action.to_string(),
        target: change.target,
        details: change.details,
        ip: ip.text(),
        created_at: state.clock.now(),
    };
    if let Err(e) = state.store.append_audit(&entry).await {
        tracing::error!(
            error = %e,
            account = %account,
            action = entry.action,
            "could not write the audit log entry"
        );
    }
}

/// Shorthand for the common case: an agent changed something in their own
/// account.
pub async fn by_agent(state: &AppState, agent: &Agent, ip: ClientIp, change: Change) {
    record(state, agent.account_id, &Actor::from(agent), ip, change).await;
}
