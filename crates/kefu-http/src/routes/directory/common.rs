//! Pieces shared by the directory and auth handlers: the documented error
//! responses, and validation of values that several resources carry.

use kefu_core::model::Member;
use kefu_core::{AccountId, CoreError, UserId, validate};
use serde::{Deserialize, Deserializer};
use utoipa::IntoResponses;

use crate::app::AppState;
use crate::error::{ApiResult, ErrorBody};

/// Errors of any endpoint that needs a signed-in member.
#[derive(IntoResponses)]
#[allow(dead_code)] // Exists for its OpenAPI description only.
pub enum AuthErrors {
    /// Not signed in, or the session or token is invalid or expired (`unauthorized`).
    #[response(status = 401, example = json!({"error": {"code": "unauthorized", "message": "sign in first"}}))]
    Unauthorized(ErrorBody),
    /// The role does not allow this, or a cookie-authenticated change lacks
    /// the `x-kefu-csrf` header (`forbidden`).
    #[response(status = 403, example = json!({"error": {"code": "forbidden", "message": "this needs the admin role"}}))]
    Forbidden(ErrorBody),
}

/// The id names nothing in the caller's account (ids of other accounts look
/// exactly like ids that do not exist).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// No such resource in this account (`not_found`).
    #[response(status = 404, example = json!({"error": {"code": "not_found", "message": "team not found"}}))]
    NotFound(ErrorBody),
}

/// Errors of endpoints that take a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// The body is not JSON (`malformed_json`).
    #[response(status = 400, example = json!({"error": {"code": "malformed_json", "message": "the body is not valid JSON"}}))]
    MalformedJson(ErrorBody),
    /// The body is larger than the server accepts (`payload_too_large`).
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// The body was not sent as `application/json` (`unsupported_media_type`).
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// Fields are missing or of the wrong type (`invalid_body`), or a value
    /// is not acceptable (`validation_failed`).
    #[response(status = 422, example = json!({"error": {"code": "validation_failed", "message": "email: not a valid email address"}}))]
    Invalid(ErrorBody),
}

/// The change clashes with the current state.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Conflict {
    /// Already exists, or the change would leave the account without an
    /// admin (`conflict`, `already_member`, `last_admin`).
    #[response(status = 409)]
    Conflict(ErrorBody),
}

/// Too many attempts from one address or for one account.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum RateLimited {
    /// Slow down (`rate_limited`); `Retry-After` says for how long.
    #[response(status = 429, headers(("retry-after" = String, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
}

/// Most skills a member or team may carry.
const MAX_SKILLS: usize = 50;

/// Skills are labels (lower-case, no spaces), de-duplicated, in the order given.
pub fn skills(list: &[String]) -> Result<Vec<String>, CoreError> {
    if list.len() > MAX_SKILLS {
        return Err(CoreError::invalid(
            "skills",
            format!("at most {MAX_SKILLS} skills"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for s in list {
        let s = validate::label(s)
            .map_err(|_| CoreError::invalid("skills", format!("invalid skill {s:?}")))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// A member's skills: labels with an optional level 1–5 (`billing:4`),
/// normalised (`billing:1` is written `billing`), one entry per skill.
pub fn member_skills(list: &[String]) -> Result<Vec<String>, CoreError> {
    if list.len() > MAX_SKILLS {
        return Err(CoreError::invalid(
            "skills",
            format!("at most {MAX_SKILLS} skills"),
        ));
    }
    let mut seen: Vec<String> = Vec::with_capacity(list.len());
    let mut out = Vec::with_capacity(list.len());
    for s in list {
        let (name, level) = kefu_core::model::parse_skill(s).ok_or_else(|| {
            CoreError::invalid(
                "skills",
                format!("invalid skill {s:?} (a label, optionally with a level 1-5: billing:4)"),
            )
        })?;
        if seen.contains(&name) {
            return Err(CoreError::invalid(
                "skills",
                format!("skill {name:?} is listed twice"),
            ));
        }
        out.push(if level == 1 {
            name.clone()
        } else {
            format!("{name}:{level}")
        });
        seen.push(name);
    }
    Ok(out)
}

/// Per-channel capacities: each within what `capacity` allows.
pub fn channel_capacity(
    map: &std::collections::BTreeMap<kefu_core::model::ChannelKind, i32>,
) -> Result<std::collections::BTreeMap<kefu_core::model::ChannelKind, i32>, CoreError> {
    for c in map.values() {
        if !(0..=1000).contains(c) {
            return Err(CoreError::invalid(
                "channel_capacity",
                "each between 0 and 1000",
            ));
        }
    }
    Ok(map.clone())
}

/// Concurrent conversations one agent can take; 0 keeps them out of routing.
pub fn capacity(c: i32) -> Result<i32, CoreError> {
    if (0..=1000).contains(&c) {
        Ok(c)
    } else {
        Err(CoreError::invalid("capacity", "between 0 and 1000"))
    }
}

/// The members with these ids, in the account's usual order.
pub async fn members_with_ids(
    state: &AppState,
    account: AccountId,
    ids: &[UserId],
) -> ApiResult<Vec<Member>> {
    Ok(state
        .store
        .list_members(account)
        .await?
        .into_iter()
        .filter(|m| ids.contains(&m.user_id))
        .collect())
}

/// For PATCH fields that can be cleared: absent → `None` (leave as is),
/// `null` → `Some(None)` (clear), a value → `Some(Some(v))`. Use with
/// `#[serde(default, deserialize_with = "common::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_are_labels_without_duplicates() {
        let got = skills(&["Billing".into(), "billing".into(), "退款".into()]).unwrap();
        assert_eq!(got, vec!["billing".to_string(), "退款".to_string()]);
        assert!(skills(&["two words".into()]).is_err());
        assert!(skills(&vec!["x".to_string(); MAX_SKILLS + 1]).is_err());
    }

    #[test]
    fn member_skills_keep_levels_and_refuse_repeats() {
        let got = member_skills(&["Billing:3".into(), "退款".into(), "vip:1".into()]).unwrap();
        assert_eq!(got, vec!["billing:3", "退款", "vip"]);
        assert!(member_skills(&["billing".into(), "billing:2".into()]).is_err());
        assert!(member_skills(&["billing:9".into()]).is_err());
    }

    #[test]
    fn capacity_bounds() {
        assert!(capacity(0).is_ok() && capacity(1000).is_ok());
        assert!(capacity(-1).is_err() && capacity(1001).is_err());
    }

    #[test]
    fn nullable_tells_absent_from_null() {
        #[derive(Deserialize)]
        struct P {
            #[serde(default, deserialize_with = "nullable")]
            x: Option<Option<String>>,
        }
        let p: P = serde_json::from_str("{}").unwrap();
        assert_eq!(p.x, None);
        let p: P = serde_json::from_str(r#"{"x": null}"#).unwrap();
        assert_eq!(p.x, Some(None));
        let p: P = serde_json::from_str(r#"{"x": "a"}"#).unwrap();
        assert_eq!(p.x, Some(Some("a".into())));
    }
}
