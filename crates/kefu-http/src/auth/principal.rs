//! Extractors for each kind of caller.

use axum::extract::FromRequestParts;
use axum::http::{Method, header, request::Parts};
use kefu_core::model::{Role, TokenKind, Visibility};
use kefu_core::{AccountId, ContactId, InboxId, SessionId, Timestamp, TokenId, UserId};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::secrets;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "kefu_session";
/// Cookie-authenticated requests that change something must carry this
/// header. A cross-site form cannot set it, and a cross-site script cannot
/// send it without a CORS preflight we refuse: that is the CSRF defence
/// (on top of SameSite=Strict).
pub const CSRF_HEADER: &str = "x-kefu-csrf";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Session(SessionId),
    Token(TokenId),
}

/// A signed-in member of an account: a browser session or a personal API token.
#[derive(Clone, Debug)]
pub struct Agent {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub role: Role,
    pub via: Via,
}

impl Agent {
    /// Fails with 403 unless the member's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {} role",
                role.as_str()
            )))
        }
    }

    pub async fn visibility(&self, state: &AppState) -> Result<Visibility, ApiError> {
        if self.role.sees_all_inboxes() {
            return Ok(Visibility {
                inboxes: None,
                teams: vec![],
            });
        }
        Ok(state
            .store
            .visibility(self.account_id, self.user_id)
            .await?)
    }

    /// 404 (not 403) for an inbox the agent may not see, so its existence is not revealed.
    pub async fn check_inbox(&self, state: &AppState, inbox: InboxId) -> Result<(), ApiError> {
        if self.visibility(state).await?.can_see_inbox(inbox) {
            Ok(())
        } else {
            Err(ApiError::not_found("conversation"))
        }
    }

    pub fn actor(&self) -> kefu_core::model::Sender {
        kefu_core::model::Sender::agent(self.user_id)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim)
}

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = state.clock.now();
        if let Some(token) = bearer(parts) {
            if !token.starts_with("kefu_pat_") {
                return Err(ApiError::unauthorized(
                    "this endpoint needs a personal API token or a session",
                ));
            }
            let t = state
                .store
                .find_token(&secrets::sha256_hex(token), now)
                .await?
                .filter(|t| t.kind == TokenKind::Personal);
            let Some(t) = t else {
                return Err(ApiError::unauthorized("invalid or revoked token"));
            };
            let user_id = t
                .user_id
                .ok_or_else(|| ApiError::unauthorized("invalid token"))?;
            let member = state
                .store
                .get_member(t.account_id, user_id)
                .await
                .map_err(|_| ApiError::unauthorized("the token's user left the account"))?;
            return Ok(Agent {
                user_id,
                account_id: t.account_id,
                role: member.role,
                via: Via::Token(t.id),
            });
        }
        let Some(secret) = cookie(parts, SESSION_COOKIE) else {
            return Err(ApiError::unauthorized("sign in first"));
        };
        let Some(session) = state
            .store
            .find_session(&secrets::sha256_hex(secret), now)
            .await?
        else {
            return Err(ApiError::unauthorized(
                "your session has expired; sign in again",
            ));
        };
        if !is_safe(&parts.method) && !parts.headers.contains_key(CSRF_HEADER) {
            return Err(ApiError::forbidden(format!(
                "missing the {CSRF_HEADER} header"
            )));
        }
        let member = state
            .store
            .get_member(session.account_id, session.user_id)
            .await
            .map_err(|_| ApiError::unauthorized("you are no longer a member of this account"))?;
        Ok(Agent {
            user_id: session.user_id,
            account_id: session.account_id,
            role: member.role,
            via: Via::Session(session.id),
        })
    }
}

/// A channel integration posting into one inbox with an inbox token.
#[derive(Clone, Debug)]
pub struct InboxIntegration {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub token_id: TokenId,
}

impl FromRequestParts<AppState> for InboxIntegration {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts).filter(|t| t.starts_with("kefu_inb_")) else {
            return Err(ApiError::unauthorized("this endpoint needs an inbox token"));
        };
        let t = state
            .store
            .find_token(&secrets::sha256_hex(token), state.clock.now())
            .await?
            .filter(|t| t.kind == TokenKind::Inbox);
        match t {
            Some(t) => Ok(Self {
                account_id: t.account_id,
                inbox_id: t
                    .inbox_id
                    .ok_or_else(|| ApiError::unauthorized("invalid token"))?,
                token_id: t.id,
            }),
            None => Err(ApiError::unauthorized("invalid or revoked token")),
        }
    }
}

/// What a visitor token vouches for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VisitorClaims {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    /// Whether the site verified who this visitor is (identity HMAC).
    pub verified: bool,
    pub expires_at: Timestamp,
}

impl VisitorClaims {
    pub const PREFIX: &'static str = "kefu_vis_";

    /// `kefu_vis_<claims>.<signature>`, signed with the server's visitor key.
    pub fn sign(&self, key: &[u8]) -> String {
        let payload = secrets::b64(&serde_json::to_vec(self).unwrap_or_default());
        let sig = secrets::b64(&secrets::hmac_sha256(key, payload.as_bytes()));
        format!("{}{payload}.{sig}", Self::PREFIX)
    }

    pub fn verify(token: &str, key: &[u8], now: Timestamp) -> Option<Self> {
        let (payload, sig) = token.strip_prefix(Self::PREFIX)?.split_once('.')?;
        if !secrets::verify_hmac_b64(key, payload.as_bytes(), sig) {
            return None;
        }
        let claims: Self = serde_json::from_slice(&secrets::unb64(payload)?).ok()?;
        (claims.expires_at > now).then_some(claims)
    }
}

/// A widget visitor. The token comes in `Authorization: Bearer` or, for
/// WebSockets (browsers cannot set headers there), in `?token=`.
#[derive(Clone, Debug)]
pub struct Visitor(pub VisitorClaims);

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let from_query = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
        let Some(token) = bearer(parts).or(from_query) else {
            return Err(ApiError::unauthorized(
                "this endpoint needs a visitor token",
            ));
        };
        match VisitorClaims::verify(token, &state.keys.visitor, state.clock.now()) {
            Some(c) => Ok(Self(c)),
            None => Err(ApiError::unauthorized("invalid or expired visitor token")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn visitor_tokens_verify_and_expire() {
        let c = VisitorClaims {
            account_id: AccountId::new(),
            inbox_id: InboxId::new(),
            contact_id: ContactId::new(),
            verified: false,
            expires_at: Timestamp(1000),
        };
        let t = c.sign(b"key");
        assert_eq!(
            VisitorClaims::verify(&t, b"key", Timestamp(999)),
            Some(c.clone())
        );
        assert_eq!(
            VisitorClaims::verify(&t, b"key", Timestamp(1000)),
            None,
            "expired"
        );
        assert_eq!(
            VisitorClaims::verify(&t, b"other", Timestamp(0)),
            None,
            "wrong key"
        );
        let forged = t.replacen("kefu_vis_e", "kefu_vis_f", 1);
        assert_eq!(
            VisitorClaims::verify(&forged, b"key", Timestamp(0)),
            None,
            "tampered"
        );
    }
}
