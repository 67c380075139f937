//! Acknowledged writes are durable: SQLite runs WAL with `synchronous=FULL`,
//! PostgreSQL with `synchronous_commit=on`.

use std::sync::Arc;

use kefu_store::{PgStore, SqliteStore};
use tokio::sync::Notify;

use crate::contract;
use crate::harness::{Backend, Ctx};

contract!(durable_commit_settings, migrate_is_idempotent);

async fn durable_commit_settings(cx: Ctx) {
    let notify = Arc::new(Notify::new());
    match cx.backend {
        Backend::Sqlite => {
            let s = SqliteStore::open(&cx.url, &Ctx::options(), notify)
                .await
                .unwrap();
            assert_eq!(
                s.synchronous().await.unwrap(),
                2,
                "PRAGMA synchronous = FULL"
            );
            assert_eq!(s.journal_mode().await.unwrap(), "wal");
        }
        Backend::Postgres => {
            let s = PgStore::open(&cx.url, &Ctx::options(), notify)
                .await
                .unwrap();
            assert_eq!(s.synchronous_commit().await.unwrap(), "on");
        }
    }
}

async fn migrate_is_idempotent(cx: Ctx) {
    kefu_store::migrate(&cx.url).await.unwrap();
    kefu_store::migrate(&cx.url).await.unwrap();
    cx.store.ping().await.unwrap();
    assert!(
        kefu_store::open("mysql://nope", Ctx::options())
            .await
            .is_err()
    );
    // An in-memory SQLite database works too (reads share the writer).
    let mem = kefu_store::open("sqlite::memory:", Ctx::options())
        .await
        .unwrap();
    let fx = crate::fixture::Fx::new(&*mem.store).await;
    let c = fx.conversation(&*mem.store).await;
    let got = mem.store.get_conversation(fx.account, c.id).await.unwrap();
    assert_eq!(got, c);
}
