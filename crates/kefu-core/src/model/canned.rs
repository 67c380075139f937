use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AccountId, CannedResponseId, CoreError, Timestamp, UserId};

/// The longest short code, in characters.
pub const CANNED_SHORT_CODE_MAX: usize = 40;
/// The longest canned text, in characters (a long answer, not an article).
pub const CANNED_CONTENT_MAX: usize = 4000;

/// The variables a canned response may use, as `{{name}}` or
/// `{{name | fallback}}`. Unknown names are refused when the response is
/// saved, so a typo shows up for the admin and never reaches a customer.
pub const CANNED_VARIABLES: &[&str] = &[
    "contact.name",
    "contact.email",
    "contact.phone",
    "agent.name",
    "account.name",
];

/// A reply an agent inserts by its short code (`/refund` in the reply box).
/// Shared ones (`owner_id: None`) belong to the account and are managed by
/// admins and supervisors; personal ones belong to one member and only they
/// see them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CannedResponse {
    pub id: CannedResponseId,
    pub account_id: AccountId,
    /// The member a personal response belongs to; none when shared.
    pub owner_id: Option<UserId>,
    /// Lower-case letters, digits, `-` and `_`, unique among the responses
    /// one member sees in each scope (shared, or their own).
    pub short_code: String,
    /// The text, with `{{variables}}`.
    pub content: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl CannedResponse {
    /// Normalises the short code (trimmed, a leading `/` dropped, lower case)
    /// and checks the content and its variables.
    pub fn validate(&mut self) -> Result<(), CoreError> {
        self.short_code = short_code(&self.short_code)?;
        let content = self.content.trim();
        if content.is_empty() {
            return Err(CoreError::invalid("content", "must not be empty"));
        }
        if content.chars().count() > CANNED_CONTENT_MAX {
            return Err(CoreError::invalid(
                "content",
                format!("at most {CANNED_CONTENT_MAX} characters"),
            ));
        }
        for part in parse(content) {
            if let Part::Variable { name, .. } = part
                && !CANNED_VARIABLES.contains(&name)
            {
                return Err(CoreError::invalid(
                    "content",
                    format!(
                        "unknown variable {{{{{name}}}}}; use one of {}",
                        CANNED_VARIABLES.join(", ")
                    ),
                ));
            }
        }
        self.content = content.to_owned();
        Ok(())
    }

    /// Whether `query` (what follows the `/`) picks this response: its short
    /// code starts with it, or its text contains it (case-insensitive).
    /// Returns a rank, lower is better, or `None` when it does not match.
    pub fn rank(&self, query: &str) -> Option<u8> {
        let q = query.trim().trim_start_matches('/').to_lowercase();
        if q.is_empty() || self.short_code == q {
            return Some(0);
        }
        if self.short_code.starts_with(&q) {
            Some(1)
        } else if self.short_code.contains(&q) {
            Some(2)
        } else if self.content.to_lowercase().contains(&q) {
            Some(3)
        } else {
            None
        }
    }
}

fn short_code(s: &str) -> Result<String, CoreError> {
    let t = s.trim().trim_start_matches('/').to_lowercase();
    if t.is_empty() {
        return Err(CoreError::invalid("short_code", "must not be empty"));
    }
    if t.chars().count() > CANNED_SHORT_CODE_MAX {
        return Err(CoreError::invalid(
            "short_code",
            format!("at most {CANNED_SHORT_CODE_MAX} characters"),
        ));
    }
    // Letters of any script are fine (`/退款`); what is refused would break
    // the `/code` shortcut in the reply box: spaces, punctuation, controls.
    if !t
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err(CoreError::invalid(
            "short_code",
            "only letters, digits, '-' and '_'",
        ));
    }
    Ok(t)
}

/// The values a canned response is filled in with, for one conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CannedValues {
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub agent_name: Option<String>,
    pub account_name: Option<String>,
}

impl CannedValues {
    fn get(&self, name: &str) -> Option<&str> {
        let v = match name {
            "contact.name" => &self.contact_name,
            "contact.email" => &self.contact_email,
            "contact.phone" => &self.contact_phone,
            "agent.name" => &self.agent_name,
            "account.name" => &self.account_name,
            _ => return None,
        };
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Fills in the variables. A missing value takes the variable's fallback
/// (`{{contact.name | there}}`), or nothing; the text is never sent with
/// braces showing.
pub fn render_canned(content: &str, values: &CannedValues) -> String {
    let mut out = String::with_capacity(content.len());
    for part in parse(content) {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Variable { name, fallback } => {
                out.push_str(values.get(name).unwrap_or(fallback));
            }
        }
    }
    out
}

enum Part<'a> {
    Text(&'a str),
    Variable { name: &'a str, fallback: &'a str },
}

/// Splits a text into literal runs and `{{ name | fallback }}` variables. An
/// unclosed `{{` is literal text.
fn parse(content: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut rest = content;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let inner = &rest[open + 2..open + 2 + close];
        let (name, fallback) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), f.trim()),
            None => (inner.trim(), ""),
        };
        parts.push(Part::Variable { name, fallback });
        rest = &rest[open + 2 + close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(code: &str, content: &str) -> CannedResponse {
        CannedResponse {
            id: CannedResponseId::new(),
            account_id: AccountId::new(),
            owner_id: None,
            short_code: code.into(),
            content: content.into(),
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        }
    }

    #[test]
    fn variables_are_filled_in_with_fallbacks() {
        let values = CannedValues {
            contact_name: Some("Mei".into()),
            agent_name: Some("Li Lei".into()),
            contact_email: Some("  ".into()),
            ..Default::default()
        };
        let text = "Hi {{contact.name}}, {{ agent.name }} here. Mail: {{contact.email|none}}. {{account.name}}!";
        assert_eq!(
            render_canned(text, &values),
            "Hi Mei, Li Lei here. Mail: none. !"
        );
        assert_eq!(render_canned("a {{ b", &values), "a {{ b");
        assert_eq!(
            render_canned("你好 {{contact.name | 顾客}}", &CannedValues::default()),
            "你好 顾客"
        );
    }

    #[test]
    fn validation_normalises_and_refuses_what_would_misbehave() {
        let mut c = canned(" /Refund ", "  Sorry, {{contact.name}}.  ");
        c.validate().unwrap();
        assert_eq!(c.short_code, "refund");
        assert_eq!(c.content, "Sorry, {{contact.name}}.");
        let mut zh = canned("退款", "好的");
        zh.validate().unwrap();
        for (code, content) in [
            ("", "x"),
            ("two words", "x"),
            ("ok", " "),
            ("ok", "Hi {{contact.nmae}}"),
            (&"x".repeat(41), "x"),
        ] {
            assert!(
                canned(code, content).validate().is_err(),
                "{code:?} {content:?}"
            );
        }
        assert!(
            canned("ok", &"x".repeat(CANNED_CONTENT_MAX + 1))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn ranking_prefers_the_short_code() {
        let c = canned("refund-policy", "We refund within 7 days");
        assert_eq!(c.rank(""), Some(0));
        assert_eq!(c.rank("/ref"), Some(1));
        assert_eq!(c.rank("policy"), Some(2));
        assert_eq!(c.rank("7 DAYS"), Some(3));
        assert_eq!(c.rank("shipping"), None);
    }
}
