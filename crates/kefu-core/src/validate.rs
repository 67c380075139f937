//! Validation of values people type: names, emails, time zones, labels.

use crate::error::CoreError;

pub fn name(field: &'static str, s: &str, max: usize) -> Result<String, CoreError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(CoreError::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(CoreError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(CoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(t.to_string())
}

/// A pragmatic email check: one `@`, a dot in the domain, no spaces. Stored
/// lower-cased so lookups are case-insensitive.
pub fn email(s: &str) -> Result<String, CoreError> {
    let t = s.trim().to_lowercase();
    let ok = t.len() <= 254
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
    if ok {
        Ok(t)
    } else {
        Err(CoreError::invalid("email", "not a valid email address"))
    }
}

pub fn time_zone(s: &str) -> Result<String, CoreError> {
    jiff::tz::TimeZone::get(s)
        .map(|_| s.to_string())
        .map_err(|_| CoreError::invalid("time_zone", format!("unknown time zone {s:?}")))
}

/// Labels are short lower-case tags: letters (any script), digits, `-`, `_`.
pub fn label(s: &str) -> Result<String, CoreError> {
    let t = s.trim().to_lowercase();
    if t.is_empty()
        || t.chars().count() > 64
        || !t
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err(CoreError::invalid("labels", format!("invalid label {s:?}")));
    }
    Ok(t)
}

pub fn password(s: &str) -> Result<(), CoreError> {
    if s.chars().count() < 8 {
        return Err(CoreError::invalid("password", "at least 8 characters"));
    }
    if s.len() > 1024 {
        return Err(CoreError::invalid("password", "at most 1024 bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn emails() {
        assert_eq!(email(" Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a b@x.com",
            "a@x",
            "a@.x",
            "a@x.com@y.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
    #[test]
    fn zones_labels_names() {
        assert!(time_zone("Asia/Shanghai").is_ok());
        assert!(time_zone("Mars/Olympus").is_err());
        assert_eq!(label("VIP").unwrap(), "vip");
        assert_eq!(label("退款").unwrap(), "退款");
        assert!(label("a b").is_err());
        assert!(name("name", "  ", 10).is_err());
        assert!(name("name", "客服中心", 4).is_ok());
        assert!(name("name", "客服中心!", 4).is_err());
    }
}
