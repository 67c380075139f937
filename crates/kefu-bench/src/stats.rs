//! Latency histograms and process CPU readings.

use std::sync::Mutex;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies in microseconds, 1 µs to 1 hour, 3 significant digits.
pub struct Latency(Mutex<Histogram<u64>>);

impl Latency {
    pub fn new() -> Self {
        // Constant, valid bounds: this cannot fail.
        let h = Histogram::new_with_bounds(1, 3_600_000_000, 3)
            .expect("1 µs..1 h at 3 significant digits is a valid histogram");
        Self(Mutex::new(h))
    }

    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        let mut h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        h.saturating_record(us);
    }

    pub fn summary(&self) -> Quantiles {
        let h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let ms = |v: u64| (v as f64) / 1000.0;
        if h.is_empty() {
            return Quantiles::default();
        }
        Quantiles {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Quantiles {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// CPU time (user + system) a process has used so far, from
/// `/proc/<pid>/stat`, in seconds. `None` where that is not readable.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".to_string(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    // The command name may contain spaces; fields resume after its ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3 of the full line, so utime (14) and
    // stime (15) are at indexes 11 and 12 here.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux configuration in practice.
    Some((utime + stime) / 100.0)
}

/// Resident memory of a process in MiB, from `/proc/<pid>/status`.
pub fn rss_mib(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_in_milliseconds() {
        let l = Latency::new();
        for i in 1..=100u64 {
            l.record(Duration::from_millis(i));
        }
        let q = l.summary();
        assert_eq!(q.count, 100);
        assert!((q.p50_ms - 50.0).abs() < 0.1, "{q:?}");
        assert!((q.p99_ms - 99.0).abs() < 0.1, "{q:?}");
        assert!((q.max_ms - 100.0).abs() < 0.1, "{q:?}");
        assert_eq!(Latency::new().summary().count, 0);
    }

    #[test]
    fn reads_own_cpu_time() {
        if cfg!(target_os = "linux") {
            assert!(cpu_seconds(None).is_some());
            assert!(rss_mib(std::process::id()).is_some());
        }
    }
}
