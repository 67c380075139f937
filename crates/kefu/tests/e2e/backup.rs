//! `kefu backup` under write load and `kefu restore` into an empty place:
//! visitors send as fast as they can while the backup runs; the backup is
//! restored into a new data folder (SQLite) or a new database (PostgreSQL),
//! a server started on it, and every message acknowledged before the
//! backup began is there, exactly once, under the id it was acknowledged
//! with. Nothing is there that was never sent. A second restore into the
//! same place is refused, and so is a file that is not a backup.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::durability::{Site, VISITORS, load, stored_client_ids};
use crate::fixtures::{
    assert_pdf_served, kefu_cli, pg_base_url, upload_pdf, with_pg_schema, with_schema,
};

async fn run(source: Site, target: Site, file: &Path) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut server = source.start(&http).await;
    // An attachment, whose file must come along.
    let link = upload_pdf(&server).await;
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = load(&http, &server.base, "b", &stop).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let began = Instant::now();
    let file_arg = file.to_str().unwrap();
    let (ok, out, err) = kefu_cli(&source, &["backup", file_arg]).await;
    assert!(ok, "backup failed:\n{out}\n{err}");
    assert!(out.contains("backup of"), "{out}");
    // The load goes on a little past the backup, then stops.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Release);
    let mut visitors = Vec::new();
    for t in tasks {
        visitors.push(t.await.expect("visitor task"));
    }
    server.kill();
    let errors: Vec<&String> = visitors
        .iter()
        .flat_map(|v| &v.errors_before_kill)
        .collect();
    assert!(errors.is_empty(), "sends failed: {errors:#?}");
    let before: usize = visitors
        .iter()
        .map(|v| v.acked_at.values().filter(|t| **t < began).count())
        .sum();
    let after: usize = visitors
        .iter()
        .map(|v| v.acked_at.values().filter(|t| **t >= began).count())
        .sum();
    eprintln!(
        "{}: {before} messages acknowledged before the backup began, {after} during and after it",
        source.name()
    );
    assert!(
        before >= VISITORS && after >= VISITORS,
        "too little load to prove anything ({before} before, {after} after)"
    );

    let (ok, out, err) = kefu_cli(&target, &["restore", file_arg]).await;
    assert!(ok, "restore failed:\n{out}\n{err}");
    eprintln!("{}: {}", source.name(), out.trim());
    let (ok, _, err) = kefu_cli(&target, &["restore", file_arg]).await;
    assert!(!ok, "a second restore into the same place must be refused");
    assert!(err.contains("restore into"), "{err}");

    let mut restored = target.start(&http).await;
    let contacts: HashSet<String> = visitors.iter().map(|v| v.contact_id.clone()).collect();
    let stored = stored_client_ids(&restored.base, &contacts).await;
    let attempted: HashSet<&String> = visitors.iter().flat_map(|v| &v.attempted).collect();
    for v in &visitors {
        for (cid, at) in &v.acked_at {
            if *at >= began {
                continue;
            }
            match stored.get(cid) {
                None => panic!("{cid}, acknowledged before the backup, is not in it"),
                Some((count, id)) => {
                    assert_eq!(*count, 1, "{cid} restored {count} times");
                    assert_eq!(Some(id), v.acked.get(cid), "{cid} under another id");
                }
            }
        }
    }
    for (cid, (count, _)) in &stored {
        assert!(attempted.contains(cid), "{cid} restored but never sent");
        assert_eq!(*count, 1, "{cid} restored {count} times");
    }
    // The attachment's file came along, and its signed link from before the
    // backup still works: the secret key came with it.
    assert_pdf_served(&http, &restored, &link).await;
    // So does a visitor's session from before the backup.
    let v = &visitors[0];
    let r = http
        .post(restored.url("/api/v1/widget/messages"))
        .bearer_auth(&v.token)
        .json(&serde_json::json!({"text": "after the restore", "client_id": "after-restore"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    restored.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backup_under_load_restores_every_acknowledged_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kefu.backup");
    run(Site::new(None), Site::new(None), &file).await;

    // Not a backup: refused with a clear message, nothing written.
    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, b"not a backup").unwrap();
    let target = Site::new(None);
    let (ok, _, err) = kefu_cli(&target, &["restore", junk.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(err.contains("not a Kefu backup"), "{err}");
    assert!(!target.data_dir.join("kefu.db").exists());
    // A backup never overwrites a file.
    let source = Site::new(None);
    let (ok, _, err) = kefu_cli(&source, &["backup", junk.to_str().unwrap()]).await;
    assert!(!ok);
    assert!(err.contains("never overwrites"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backup_under_load_restores_into_a_new_database() {
    with_pg_schema("backup", |url, schema| async move {
        use sqlx::Connection;
        // The restore goes into another database, under the same schema.
        let base = pg_base_url();
        let database = format!("kefu_r_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let (root, _) = base.rsplit_once('/').expect("a database in the URL");
        let target = Site::new(Some(with_schema(&format!("{root}/{database}"), &schema)));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kefu.backup");
        let outcome =
            tokio::spawn(async move { run(Site::new(Some(url)), target, &file).await }).await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {database} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    })
    .await;
}
