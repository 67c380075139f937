//! One task per socket: it sends what the subscription yields, answers the
//! client's frames, pings every 30 s, and closes on shutdown.
//!
//! Frames from the server (text, JSON):
//! - `{"type":"event","cursor":"<tx.pos>","event":{…}}` — agents: a committed
//!   event; keep `cursor` to resume with `?cursor=` after a reconnect.
//! - `{"type":"event","seq":N,"event":{…}}` — visitors: a public event of
//!   their conversation; resume with `?after_seq=N`.
//! - `{"type":"ready","cursor":…}` — the backlog is replayed; live from here.
//! - `{"type":"typing","conversation_id","participant":{"kind","id"},"typing"}`
//! - `{"type":"pong"}`, `{"type":"error","code","message"}`
//!
//! Frames from the client: `{"type":"ping"}` and
//! `{"type":"typing","conversation_id":"…","typing":true}`.
//!
//! Close codes: 1001 server shutting down, 4008 too slow (reconnect with
//! your cursor), 1008 too many frames, 1011 server error.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use kefu_core::model::{Sender, Visibility};
use kefu_core::{AccountId, ConversationId, InboxId};
use kefu_realtime::{AgentSubscription, Ephemeral, SubscriptionError, VisitorSubscription};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;

pub const KEEPALIVE: Duration = Duration::from_secs(30);
/// A client silent for this long (not even answering pings) is gone.
const DEAD_AFTER: Duration = Duration::from_secs(95);
/// A send that cannot complete in this time means the client stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Inbound frames a client may send per second.
const MAX_INBOUND_PER_SECOND: u32 = 20;
const MAX_INBOUND_BYTES: usize = 16 * 1024;
/// The socket's read buffer. Clients send little (typing, read marks), and
/// tungstenite zero-fills a fresh buffer of this size for reads: at its
/// 128 KiB default that zeroing took ~11% of the server's CPU under chat load.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// The limits every Kefu socket runs with.
pub fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_INBOUND_BYTES)
        .max_frame_size(MAX_INBOUND_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
}

pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_ERROR: u16 = 1011;
pub const CLOSE_SLOW: u16 = 4008;

/// Where frames come from.
pub enum Feed {
    Agent(Box<AgentSubscription>),
    Visitor(Box<VisitorSubscription>),
}

impl Feed {
    async fn next(&mut self) -> Result<Arc<str>, SubscriptionError> {
        match self {
            Self::Agent(s) => s.next().await,
            Self::Visitor(s) => s.next().await,
        }
    }
}

/// Who is on the other end, for their inbound frames.
pub enum Peer {
    Agent {
        account: AccountId,
        sender: Sender,
        visibility: Visibility,
        /// Conversation → inbox, so typing does not query the database each time.
        inboxes: HashMap<ConversationId, InboxId>,
    },
    Visitor {
        account: AccountId,
        inbox: InboxId,
        conversation: ConversationId,
        sender: Sender,
    },
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Inbound {
    Ping,
    Typing {
        conversation_id: Option<ConversationId>,
        typing: bool,
    },
}

fn error_frame(code: &str, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

impl Peer {
    /// Handles one client frame; returns the reply, if any.
    async fn inbound(&mut self, state: &AppState, text: &str) -> Option<String> {
        let frame = match serde_json::from_str::<Inbound>(text) {
            Ok(f) => f,
            Err(_) => {
                return Some(error_frame(
                    "invalid_frame",
                    "expected {\"type\":\"ping\"} or {\"type\":\"typing\",…}",
                ));
            }
        };
        let (conversation_id, typing) = match frame {
            Inbound::Ping => return Some(json!({"type": "pong"}).to_string()),
            Inbound::Typing {
                conversation_id,
                typing,
            } => (conversation_id, typing),
        };
        match self {
            Self::Agent {
                account,
                sender,
                visibility,
                inboxes,
            } => {
                let Some(conv) = conversation_id else {
                    return Some(error_frame("invalid_frame", "conversation_id is required"));
                };
                let inbox = match inboxes.get(&conv) {
                    Some(i) => *i,
                    None => match state.store.get_conversation(*account, conv).await {
                        Ok(c) if visibility.can_see_inbox(c.inbox_id) => {
                            if inboxes.len() >= 1000 {
                                inboxes.clear();
                            }
                            inboxes.insert(conv, c.inbox_id);
                            c.inbox_id
                        }
                        _ => return Some(error_frame("not_found", "conversation not found")),
                    },
                };
                state
                    .hub
                    .publish_ephemeral(Ephemeral::typing(*account, conv, inbox, *sender, typing));
                None
            }
            Self::Visitor {
                account,
                inbox,
                conversation,
                sender,
            } => {
                if conversation_id.is_some_and(|c| c != *conversation) {
                    return Some(error_frame("not_found", "conversation not found"));
                }
                state.hub.publish_ephemeral(Ephemeral::typing(
                    *account,
                    *conversation,
                    *inbox,
                    *sender,
                    typing,
                ));
                None
            }
        }
    }
}

/// Resolves once shutdown begins; never if nobody can signal it any more.
/// (The watch guard is dropped in here, so the socket's future stays `Send`.)
async fn shutting_down(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn send(socket: &mut WebSocket, msg: Message) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(msg)).await,
        Ok(Ok(()))
    )
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from(reason),
    };
    let _ = send(socket, Message::Close(Some(frame))).await;
}

/// The socket's whole life. Every await in the `select!` below is
/// cancel-safe (the subscription keeps its position across a cancelled
/// `next`), so a frame is never lost by being raced against another branch.
pub async fn run(mut socket: WebSocket, mut feed: Feed, mut peer: Peer, state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
    let mut last_heard = Instant::now();
    let mut window = (Instant::now(), 0u32);
    loop {
        tokio::select! {
            biased;
            () = shutting_down(&mut shutdown) => {
                close(&mut socket, CLOSE_GOING_AWAY, "server shutting down").await;
                break;
            }
            msg = socket.recv() => {
                let text = match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(_)) => {
                        // Pings are answered by the library; pongs and
                        // binary frames just show the client is alive.
                        last_heard = Instant::now();
                        continue;
                    }
                };
                last_heard = Instant::now();
                if window.0.elapsed() >= Duration::from_secs(1) {
                    window = (Instant::now(), 0);
                }
                window.1 += 1;
                if window.1 > MAX_INBOUND_PER_SECOND {
                    close(&mut socket, CLOSE_POLICY, "too many frames").await;
                    break;
                }
                if let Some(reply) = peer.inbound(&state, text.as_str()).await
                    && !send(&mut socket, Message::Text(reply.into())).await
                {
                    break;
                }
            }
            frame = feed.next() => match frame {
                Ok(text) => {
                    if !send(&mut socket, Message::Text(Utf8Bytes::from(&*text))).await {
                        break;
                    }
                }
                Err(SubscriptionError::SlowConsumer) => {
                    close(&mut socket, CLOSE_SLOW, "slow consumer: reconnect with your last cursor").await;
                    break;
                }
                Err(SubscriptionError::Closed) => {
                    close(&mut socket, CLOSE_GOING_AWAY, "server shutting down").await;
                    break;
                }
                Err(SubscriptionError::Store(e)) => {
                    tracing::warn!(error = %e, "socket feed failed");
                    close(&mut socket, CLOSE_ERROR, "temporary failure: reconnect with your last cursor").await;
                    break;
                }
            },
            _ = keepalive.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    break;
                }
                if !send(&mut socket, Message::Ping(Default::default())).await {
                    break;
                }
            }
        }
    }
}
