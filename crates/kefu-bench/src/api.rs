//! A small JSON client for Kefu's API, used for setup: every unexpected
//! status or body shape is an error with the server's answer attached, never
//! a panic.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

/// How often a 429 (or a 503) during setup is retried before giving up.
const SETUP_RETRIES: u32 = 30;

/// One API client: either a cookie session (agent console style, with the
/// CSRF header) or an anonymous client that passes bearer tokens per call.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// A response: status and parsed body (`Null` when empty, a string when not
/// JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    retry_after: Option<Duration>,
}

impl Api {
    /// A client without cookies; authenticate per call with a bearer token.
    pub fn anonymous(base: &str, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    /// Signs in with email and password; the session cookie and the CSRF
    /// header ride on every later request of this client.
    pub async fn login(
        base: &str,
        email: &str,
        password: &str,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert("x-kefu-csrf", HeaderValue::from_static("1"));
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .timeout(timeout)
            .tcp_nodelay(true)
            .build()
            .context("building the HTTP client")?;
        let api = Self {
            http,
            base: base.trim_end_matches('/').to_string(),
        };
        api.expect(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(&json!({"email": email, "password": password})),
            &format!("signing in as {email}"),
        )
        .await?;
        Ok(api)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request, no retries.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Resp> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(30.0)));
        let text = res.text().await?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Resp {
            status,
            body,
            retry_after,
        })
    }

    /// A request that must succeed (2xx). Rate limiting (429) and brief
    /// unavailability (503) are waited out; anything else is an error that
    /// names what was being done and what the server said.
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
        what: &str,
    ) -> anyhow::Result<Value> {
        let mut attempt = 0;
        loop {
            let r = self
                .send(method.clone(), path, bearer, body)
                .await
                .with_context(|| format!("{what}: {method} {path}"))?;
            if (200..300).contains(&r.status) {
                return Ok(r.body);
            }
            if (r.status == 429 || r.status == 503) && attempt < SETUP_RETRIES {
                attempt += 1;
                let wait = r.retry_after.unwrap_or(Duration::from_millis(500));
                tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
                continue;
            }
            let hint = if r.status == 429 {
                " (rate limited: start the server with higher [security] public_rate_per_second / public_rate_burst, see scripts/bench.sh)"
            } else {
                ""
            };
            bail!(
                "{what}: {method} {path} answered {}{hint}: {}",
                r.status,
                short(&r.body)
            );
        }
    }
}

/// The first string found at one of these JSON pointers (`/id`,
/// `/inbox/id`, ...), so setup tolerates a resource being returned bare or
/// wrapped.
pub fn string_at(v: &Value, pointers: &[&str]) -> Option<String> {
    pointers
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_str).map(str::to_string))
}

/// Like [`string_at`], but an error naming what was missing.
pub fn require(v: &Value, pointers: &[&str], what: &str) -> anyhow::Result<String> {
    string_at(v, pointers)
        .ok_or_else(|| anyhow!("{what}: no {} in the response {}", pointers[0], short(v)))
}

/// A response body cut to a readable length for error messages.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_bare_or_wrapped() {
        let bare = json!({"id": "a"});
        let wrapped = json!({"inbox": {"id": "b"}});
        assert_eq!(
            string_at(&bare, &["/id", "/inbox/id"]).as_deref(),
            Some("a")
        );
        assert_eq!(
            string_at(&wrapped, &["/id", "/inbox/id"]).as_deref(),
            Some("b")
        );
        assert!(require(&json!({"x": 1}), &["/id"], "creating").is_err());
    }

    #[test]
    fn shortens_long_bodies_on_char_boundaries() {
        let v = Value::String("é".repeat(400));
        let s = short(&v);
        assert!(s.len() < 420 && s.ends_with('…'));
    }
}
