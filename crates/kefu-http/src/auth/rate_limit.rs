//! Per-key token buckets for public endpoints (login, widget sessions,
//! anonymous sockets). In memory per node: an attacker spreading over nodes
//! gets N times the budget, which is acceptable for abuse protection.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: burst as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty.
    pub fn check(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if b.len() > 100_000 {
            // Forget full buckets so the map cannot grow without bound.
            let (rate, burst) = (self.per_second, self.burst);
            b.retain(|_, (tokens, at)| (*tokens + at.elapsed().as_secs_f64() * rate) < burst);
        }
        let (tokens, at) = b.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn burst_then_refuse_per_key() {
        let r = RateLimiter::new(0.001, 3);
        assert!(r.check("a") && r.check("a") && r.check("a"));
        assert!(!r.check("a"));
        assert!(r.check("b"));
    }
}
