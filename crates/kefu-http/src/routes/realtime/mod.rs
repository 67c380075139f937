//! WebSockets: the agent console's live feed (`GET /ws`) and the widget
//! visitor's (`GET /widget/ws`). Both replay what the client missed from
//! the database, then follow the hub; see [`socket`] for the frames.

pub mod agent;
pub mod socket;
pub mod visitor;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub const TAG: &str = "realtime";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(agent::agent_socket))
        .routes(routes!(visitor::visitor_socket))
}

/// Counts anonymous sockets per IP, to cap them: visitor tokens are free to
/// mint, so without a cap one address could hold any number of sockets (and
/// their file descriptors).
#[derive(Default)]
pub struct SocketCounter {
    per_ip: Mutex<HashMap<IpAddr, usize>>,
}

impl SocketCounter {
    /// A slot for one more socket from `ip`, or `None` at the cap. The slot
    /// is given back when the guard drops, however the socket ends.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<SocketGuard> {
        let mut m = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        let n = m.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(SocketGuard {
            counter: self.clone(),
            ip,
        })
    }

    /// Open sockets from `ip`.
    pub fn count(&self, ip: IpAddr) -> usize {
        let m = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        m.get(&ip).copied().unwrap_or(0)
    }
}

pub struct SocketGuard {
    counter: Arc<SocketCounter>,
    ip: IpAddr,
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        let mut m = self
            .counter
            .per_ip
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_holds_and_slots_come_back() {
        let c = Arc::new(SocketCounter::default());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let a = c.try_acquire(ip, 2).unwrap();
        let b = c.try_acquire(ip, 2).unwrap();
        assert!(c.try_acquire(ip, 2).is_none());
        assert!(c.try_acquire(other, 2).is_some());
        drop(a);
        assert_eq!(c.count(ip), 1);
        let _c = c.try_acquire(ip, 2).unwrap();
        drop(b);
        assert_eq!(c.count(ip), 1);
        assert_eq!(c.count(other), 0, "a dropped guard gives its slot back");
    }
}
