//! Configuration: defaults, then `kefu.toml`, then `KEFU_*` variables, then
//! flags. Secrets never appear in `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

pub const EXAMPLE: &str = include_str!("../../../config/default.toml");

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub security: Security,
    pub limits: Limits,
    pub metrics: Metrics,
    pub log: Log,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    pub listen: String,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub secure_cookies: bool,
    pub drain_seconds: u64,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    pub secret_key: String,
    pub public_rate_per_second: f64,
    pub public_rate_burst: u32,
    pub max_visitor_sockets_per_ip: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub socket_queue: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    pub listen: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    pub filter: String,
    pub format: String,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: String::new(),
            data_dir: "data".into(),
            database_url: String::new(),
            secure_cookies: false,
            drain_seconds: 10,
        }
    }
}
impl Default for Security {
    fn default() -> Self {
        Self {
            secret_key: String::new(),
            public_rate_per_second: 5.0,
            public_rate_burst: 60,
            max_visitor_sockets_per_ip: 50,
        }
    }
}
impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            max_upload_bytes: 20 << 20,
            socket_queue: 1024,
        }
    }
}
impl Default for Metrics {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9464".into(),
        }
    }
}
impl Default for Log {
    fn default() -> Self {
        Self {
            filter: "info".into(),
            format: "text".into(),
        }
    }
}

/// Hides a URL's password: `postgres://kefu:***@db/kefu`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Security")
            .field(
                "secret_key",
                &if self.secret_key.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("public_rate_per_second", &self.public_rate_per_second)
            .field("public_rate_burst", &self.public_rate_burst)
            .finish()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("security", &self.security)
            .field("limits", &self.limits)
            .field("metrics", &self.metrics)
            .field("log", &self.log)
            .finish()
    }
}

impl Config {
    /// Defaults, then the file (an explicit path must exist; `kefu.toml` in
    /// the working folder is read when present), then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut cfg = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", p.display()))?
            }
            None if Path::new("kefu.toml").exists() => {
                let text = std::fs::read_to_string("kefu.toml").context("reading kefu.toml")?;
                toml::from_str(&text).context("parsing kefu.toml")?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        Ok(cfg)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(k: &str, v: String) -> anyhow::Result<T> {
            v.parse()
                .map_err(|_| anyhow::anyhow!("{k}: cannot parse {v:?}"))
        }
        if let Some(v) = get("KEFU_LISTEN") {
            self.server.listen = v;
        }
        if let Some(v) = get("KEFU_PUBLIC_URL") {
            self.server.public_url = v;
        }
        if let Some(v) = get("KEFU_DATA_DIR") {
            self.server.data_dir = v.into();
        }
        if let Some(v) = get("KEFU_DATABASE_URL") {
            self.server.database_url = v;
        }
        if let Some(v) = get("KEFU_SECURE_COOKIES") {
            self.server.secure_cookies = parse("KEFU_SECURE_COOKIES", v)?;
        }
        if let Some(v) = get("KEFU_SECRET_KEY") {
            self.security.secret_key = v;
        }
        if let Some(v) = get("KEFU_METRICS_LISTEN") {
            self.metrics.listen = v;
        }
        if let Some(v) = get("KEFU_LOG") {
            self.log.filter = v;
        }
        if let Some(v) = get("KEFU_LOG_FORMAT") {
            self.log.format = v;
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format must be \"text\" or \"json\"");
        }
        Ok(())
    }

    /// The database URL, defaulting to SQLite in the data folder.
    pub fn database_url(&self) -> String {
        if self.server.database_url.is_empty() {
            format!(
                "sqlite://{}",
                self.server.data_dir.join("kefu.db").display()
            )
        } else {
            self.server.database_url.clone()
        }
    }

    pub fn public_url(&self) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}", self.server.listen)
        } else {
            self.server.public_url.trim_end_matches('/').to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_is_the_default() {
        let example: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(
            format!("{example:?}"),
            format!("{:?}", Config::default()),
            "config/default.toml must show the real defaults"
        );
        let c = Config::default();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.database_url(), "sqlite://data/kefu.db");
    }

    #[test]
    fn env_overrides_file_and_is_checked() {
        let mut c: Config = toml::from_str("[server]\nlisten = \"0.0.0.0:9000\"").unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        c.apply_env(|k| (k == "KEFU_LISTEN").then(|| "127.0.0.1:7000".to_string()))
            .unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:7000");
        assert!(
            c.apply_env(|k| (k == "KEFU_SECURE_COOKIES").then(|| "maybe".to_string()))
                .is_err()
        );
        assert!(
            toml::from_str::<Config>("[server]\nlisen = \"typo\"").is_err(),
            "unknown keys are errors"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let mut c = Config::default();
        c.server.database_url = "postgres://kefu:hunter2@db:5432/kefu".into();
        c.security.secret_key = "topsecret".into();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2") && !d.contains("topsecret"), "{d}");
        assert!(d.contains("postgres://kefu:***@db:5432/kefu"));
    }
}
