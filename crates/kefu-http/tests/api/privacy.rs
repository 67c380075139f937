//! Privacy requests and retention over the API, on both backends: an admin
//! exports everything about a contact as a ZIP, then erases them, after
//! which nothing they said or were called is left in any table or in the
//! attachments folder; the retention policy anonymises or deletes old
//! resolved conversations and leaves the rest.

use std::io::{Cursor, Read};

use kefu_core::{ContactId, Timestamp};
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::{conversation, upload};
use crate::support::{Client, TestApp, error_code, eventually, files_text};

/// Strings only the erased contact's data contains; none may survive.
const NAME: &str = "张QZXV测试";
const EMAIL: &str = "qzxv.private@example.com";
const PHONE: &str = "+8613911112222";
const SAID: &str = "我的身份证号是QZXV110101199003077777";
const REPLY: &str = "好的QZXV先生，地址是幸福路88号";
const NOTE: &str = "QZXV客户情绪不稳定";
const FILE_TEXT: &str = "QZXV-ATTACHMENT 身份证复印件";
const COMMENT: &str = "QZXV服务不错";
/// What the database holds (the file's text lives in the attachments folder).
const SECRETS: [&str; 7] = [NAME, EMAIL, PHONE, SAID, REPLY, NOTE, COMMENT];
/// Another customer's words, which must stay.
const KEPT: &str = "KEEPME别的客户的话";

/// Every row of every table, as JSON lines (the `kefu export` code path).
async fn dump(app: &TestApp) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut all = String::new();
    for table in kefu_store::transfer::TABLES {
        let path = dir.path().join(format!("{table}.jsonl"));
        let file = std::fs::File::create(&path).unwrap();
        kefu_store::transfer::export_table(&app.store_url, table, Box::new(file), Box::new(|_| {}))
            .await
            .unwrap();
        all.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    all
}

async fn get_bytes(client: &Client, path: &str) -> (u16, String, Vec<u8>) {
    let res = client
        .http
        .get(format!("{}{path}", client.base))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        out.insert(f.name().unwrap().to_string(), buf);
    }
    out
}

both_backends!(export_then_erase_a_contact, |app| {
    let t = app.tenant.clone();
    // The node's search index, kept current as `kefu serve` keeps it.
    let index_dir = app.enable_search();
    let admin = app.admin().await;
    let agent = app.agent().await;

    // A customer who said personal things, sent a file and rated the chat.
    let (v, conv) = conversation(&app, t.inbox_id).await;
    let contact: ContactId = v.contact_id;
    v.says(SAID).await;
    let (s, file) = upload(
        &v.client,
        "/api/v1/widget/attachments",
        "id-card.txt",
        FILE_TEXT.as_bytes().to_vec(),
        None,
    )
    .await;
    assert_eq!(s, 201, "{file}");
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/messages",
            json!({"content": {"type": "attachment", "attachment_id": file["id"]}}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": REPLY}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = agent
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            json!({"text": NOTE, "visibility": "internal"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = agent
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            json!({"name": NAME, "email": EMAIL, "phone": PHONE}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = agent
        .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = v
        .client
        .post(
            "/api/v1/widget/csat",
            json!({"rating": 4, "comment": COMMENT}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    // Someone else, whose conversation must be untouched.
    let (other, other_conv) = conversation(&app, t.inbox_id).await;
    other.says(KEPT).await;

    // Only admins of the account.
    let export = format!("/api/v1/contacts/{contact}/export");
    let erase = format!("/api/v1/contacts/{contact}/erase");
    let (s, _, _) = get_bytes(&agent, &export).await;
    assert_eq!(s, 403, "agents cannot export");
    let (s, b) = agent.post(&erase, json!({})).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"));
    let stranger = app.new_tenant("Stranger").await;
    let stranger = app.login(&stranger.admin_email).await;
    let (s, _, _) = get_bytes(&stranger, &export).await;
    assert_eq!(s, 404, "another account's contact does not exist");
    let (s, _) = stranger.post(&erase, json!({})).await;
    assert_eq!(s, 404);

    // The export: the contact, every message (the note too), the file.
    let (s, ct, zip) = get_bytes(&admin, &export).await;
    assert_eq!((s, ct.as_str()), (200, "application/zip"));
    let files = unzip(&zip);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["contact_id"], json!(contact));
    assert_eq!(manifest["conversations"], 1, "{manifest}");
    assert_eq!(manifest["attachments"], 1, "{manifest}");
    let card: Value = serde_json::from_slice(&files["contact.json"]).unwrap();
    assert_eq!(card["contact"]["name"], NAME);
    assert!(
        card["identities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["value"] == EMAIL),
        "{card}"
    );
    let transcript =
        String::from_utf8(files[&format!("conversations/{conv}.json")].clone()).unwrap();
    for text in [SAID, REPLY, NOTE, COMMENT] {
        assert!(transcript.contains(text), "{text} missing from the export");
    }
    assert!(
        !transcript.contains(KEPT),
        "another contact's words were exported"
    );
    let attached: Vec<_> = files
        .keys()
        .filter(|k| k.starts_with("attachments/"))
        .collect();
    assert_eq!(attached.len(), 1, "{:?}", files.keys());
    assert!(attached[0].ends_with("-id-card.txt"), "{attached:?}");
    assert_eq!(files[attached[0]], FILE_TEXT.as_bytes());

    // Before erasure every secret is in the database and the file on disk:
    // the checks below can fail.
    let before = dump(&app).await;
    for s in SECRETS {
        assert!(before.contains(s), "{s} not stored before erasure");
    }
    assert!(files_text(&app.data_dir().join("blobs")).contains(FILE_TEXT));
    eventually("the search index has the contact", || async {
        let text = files_text(&index_dir);
        [NAME, EMAIL, SAID, REPLY, NOTE]
            .iter()
            .all(|s| text.contains(s))
            .then_some(())
    })
    .await;

    // The request: accepted, audited, a durable job.
    let (s, b) = admin.post(&erase, json!({})).await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(b["status"], "scheduled");
    let (pending, _) = app
        .store
        .count_jobs(kefu_http::privacy::ERASE_JOB)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    // Asking twice schedules it once.
    let (s, _) = admin.post(&erase, json!({})).await;
    assert_eq!(s, 202);
    assert_eq!(
        app.store
            .count_jobs(kefu_http::privacy::ERASE_JOB)
            .await
            .unwrap()
            .0,
        1
    );
    // What the job runs.
    let erased = kefu_http::privacy::erase_contact(
        &*app.store,
        &*app.state.blobs,
        t.account_id,
        contact,
        Some(t.admin_id),
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(erased.conversations.len(), 1);
    assert!(erased.messages >= 4, "{erased:?}");
    assert_eq!(erased.attachments, 1);

    // The contact is an empty shell marked erased; details cannot come back.
    let (s, c) = admin.get(&format!("/api/v1/contacts/{contact}")).await;
    assert_eq!(s, 200, "{c}");
    assert!(c["erased_at"].is_number(), "{c}");
    assert_eq!(
        (c["name"].clone(), c["email"].clone(), c["phone"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(c["identities"], json!([]));
    let (s, b) = admin
        .patch(
            &format!("/api/v1/contacts/{contact}"),
            json!({"name": NAME}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (409, "contact_erased"));

    // The conversation keeps its shape: every message redacted, in place.
    let (s, page) = admin
        .get(&format!("/api/v1/conversations/{conv}/messages?limit=100"))
        .await;
    assert_eq!(s, 200, "{page}");
    let items = page["items"]
        .as_array()
        .unwrap_or_else(|| page.as_array().unwrap());
    assert!(items.len() >= 5, "{page}");
    assert!(
        items.iter().all(|m| m["content"]["type"] == "redacted"),
        "{page}"
    );
    let (s, _) = admin
        .get(&format!(
            "/api/v1/attachments/{}",
            file["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 404, "the file is gone");
    let (_, events) = admin
        .get(&format!("/api/v1/conversations/{conv}/events"))
        .await;
    assert!(
        events.to_string().contains("conversation.redacted"),
        "the redaction is an event: {events}"
    );

    // No trace in any table, nor in the attachments folder.
    reclaim(&app).await;
    let after = dump(&app).await;
    for s in SECRETS {
        assert!(
            !after.contains(s),
            "{s} survived the erasure in the database"
        );
    }
    assert!(after.contains(KEPT), "another contact's words were erased");
    let blobs = files_text(&app.data_dir().join("blobs"));
    assert!(!blobs.contains(FILE_TEXT), "the attachment file survived");
    // Nor in the search index's files (its indexer follows the erasure).
    eventually("the search index forgets the contact", || async {
        let text = files_text(&index_dir);
        SECRETS.iter().all(|s| !text.contains(s)).then_some(())
    })
    .await;
    let (_, found) = admin.get(&format!("/api/v1/search?q={}", "QZXV")).await;
    assert_eq!(found["total"], 0, "{found}");
    if app.backend == crate::support::Backend::Sqlite {
        // Not even in the file's free space or the write-ahead log.
        let raw = files_text(app.data_dir());
        for s in SECRETS {
            assert!(!raw.contains(s), "{s} is still in the SQLite files");
        }
    }

    // Audited: the request (by the admin) and its completion.
    let (_, log) = admin.get("/api/v1/audit-log?limit=50").await;
    let log = log.to_string();
    assert!(log.contains("contact.erasure_requested"), "{log}");
    assert!(log.contains("contact.erased"), "{log}");
    // The other customer's conversation reads as before.
    let (_, page) = admin
        .get(&format!(
            "/api/v1/conversations/{other_conv}/messages?limit=100"
        ))
        .await;
    assert!(page.to_string().contains(KEPT));
});

async fn reclaim(app: &TestApp) {
    app.store.reclaim_space().await.unwrap();
}

both_backends!(retention_anonymises_then_deletes_old_conversations, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;

    let (s, p) = admin.get("/api/v1/account/retention").await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p, json!({"days": null, "action": "anonymise"}));
    let (s, _) = agent.get("/api/v1/account/retention").await;
    assert_eq!(s, 403);
    let (s, _) = agent
        .put(
            "/api/v1/account/retention",
            json!({"days": 30, "action": "anonymise"}),
        )
        .await;
    assert_eq!(s, 403);
    for bad in [
        json!({"days": 0}),
        json!({"days": 5000}),
        json!({"days": 30, "action": "shred"}),
    ] {
        let (s, b) = admin.put("/api/v1/account/retention", bad.clone()).await;
        assert_eq!(s, 422, "{bad} → {b}");
    }

    // Two finished conversations and one still open.
    let mut resolved = Vec::new();
    for text in ["RETAIN-A 订单问题", "RETAIN-B 发票问题"] {
        let (v, conv) = conversation(&app, t.inbox_id).await;
        v.says(text).await;
        let (s, b) = agent
            .post(&format!("/api/v1/conversations/{conv}/resolve"), json!({}))
            .await;
        assert_eq!(s, 200, "{b}");
        resolved.push(conv);
    }
    let (open_v, open_conv) = conversation(&app, t.inbox_id).await;
    open_v.says("RETAIN-OPEN 还在处理").await;
    // Another account's old conversation, without a policy.
    let other = app.new_tenant("No policy").await;
    let (ov, oconv) = conversation(&app, other.inbox_id).await;
    ov.says("RETAIN-OTHER").await;

    let (s, p) = admin
        .put(
            "/api/v1/account/retention",
            json!({"days": 30, "action": "anonymise"}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p, json!({"days": 30, "action": "anonymise"}));
    assert_eq!(
        app.store
            .count_jobs(kefu_http::privacy::RETENTION_JOB)
            .await
            .unwrap()
            .0,
        1,
        "the sweep is scheduled"
    );

    // Today nothing is 30 days old.
    let now = Timestamp::now();
    let done = kefu_http::privacy::sweep_retention(&*app.store, &*app.state.blobs, now)
        .await
        .unwrap();
    assert!(done.is_empty(), "{done:?}");
    // In 31 days both resolved ones are due; the open one is not.
    let later = now.plus_millis(31 * 24 * 3600 * 1000);
    let done = kefu_http::privacy::sweep_retention(&*app.store, &*app.state.blobs, later)
        .await
        .unwrap();
    assert_eq!(done.len(), 1, "only the account with a policy: {done:?}");
    assert_eq!(done[0].0, t.account_id);
    assert_eq!(done[0].1.conversations, 2);
    for conv in &resolved {
        let (s, c) = admin.get(&format!("/api/v1/conversations/{conv}")).await;
        assert_eq!(s, 200, "anonymised conversations stay: {c}");
        let (_, page) = admin
            .get(&format!("/api/v1/conversations/{conv}/messages?limit=100"))
            .await;
        let text = page.to_string();
        assert!(!text.contains("RETAIN-"), "{text}");
        assert!(text.contains("redacted"), "{text}");
    }
    let (_, page) = admin
        .get(&format!(
            "/api/v1/conversations/{open_conv}/messages?limit=100"
        ))
        .await;
    assert!(
        page.to_string().contains("RETAIN-OPEN"),
        "open conversations stay"
    );
    let other_admin = app.login(&other.admin_email).await;
    let (_, page) = other_admin
        .get(&format!("/api/v1/conversations/{oconv}/messages?limit=100"))
        .await;
    assert!(
        page.to_string().contains("RETAIN-OTHER"),
        "other accounts are untouched"
    );
    let (_, log) = admin.get("/api/v1/audit-log?limit=50").await;
    assert!(log.to_string().contains("retention.applied"), "{log}");

    // Deleting: a newly resolved conversation goes entirely; the already
    // anonymised ones are not counted again.
    let (s, _) = admin
        .put(
            "/api/v1/account/retention",
            json!({"days": 30, "action": "delete"}),
        )
        .await;
    assert_eq!(s, 200);
    let (v, gone) = conversation(&app, t.inbox_id).await;
    v.says("RETAIN-GONE").await;
    let (s, _) = agent
        .post(&format!("/api/v1/conversations/{gone}/resolve"), json!({}))
        .await;
    assert_eq!(s, 200);
    let done = kefu_http::privacy::sweep_retention(&*app.store, &*app.state.blobs, later)
        .await
        .unwrap();
    assert_eq!(done[0].1.conversations, 1, "{done:?}");
    let (s, _) = admin.get(&format!("/api/v1/conversations/{gone}")).await;
    assert_eq!(s, 404, "deleted");
    assert!(!dump(&app).await.contains("RETAIN-GONE"));

    // Off again.
    let (s, p) = admin
        .put("/api/v1/account/retention", json!({"days": null}))
        .await;
    assert_eq!((s, p), (200, json!({"days": null, "action": "anonymise"})));
});
