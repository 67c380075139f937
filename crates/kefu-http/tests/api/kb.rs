//! The knowledge base through the API: who may read and change it,
//! optimistic updates, clear errors for bad input, imports that say exactly
//! which rows they skipped, exports that import back, and the revision the
//! bot polls.

use kefu_core::model::Role;
use kefu_http::HttpConfig;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::{member_client, new_member, pat};
use crate::support::{Backend, Client, TestApp, error_code};

async fn revision(c: &Client) -> i64 {
    let (s, b) = c.get("/api/v1/kb/revision").await;
    assert_eq!(s, 200, "{b}");
    b["revision"].as_i64().unwrap()
}

/// A GET whose body is a file, not JSON.
async fn download(c: &Client, path: &str) -> (u16, String) {
    let res = c
        .http
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// A POST with a chunked body (no Content-Length), over a plain socket;
/// the status code and the body of the answer.
async fn post_chunked(app: &TestApp, token: &str, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    )
    .into_bytes();
    for c in body.chunks(1000) {
        req.extend(format!("{:x}\r\n", c.len()).bytes());
        req.extend_from_slice(c);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    // The server may answer and close before reading everything.
    let _ = s.write_all(&req).await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

fn rejected_lines(report: &Value) -> Vec<(u64, String)> {
    report["rejected"]
        .as_array()
        .unwrap_or_else(|| panic!("no rejected list: {report}"))
        .iter()
        .map(|r| {
            assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
            (
                r["line"].as_u64().unwrap(),
                r["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

both_backends!(kb_entries_by_role_with_versions, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let sup_id = new_member(&app, &t, Role::Supervisor).await;
    let supervisor = member_client(&app, t.account_id, sup_id).await;
    assert_eq!(revision(&agent).await, 0);

    let faq = json!({
        "question": "  How do I reset my password? ",
        "similar_questions": ["I forgot my password", "", "i forgot my password", "can't sign in"],
        "answer": "Click **Forgot password** on the [sign-in page](https://kefu.example/login).",
        "tags": ["Account"],
        "locale": "en_us",
    });
    // Agents read the knowledge base but do not write it.
    let (s, b) = agent.post("/api/v1/kb/entries", faq.clone()).await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let (s, e) = supervisor.post("/api/v1/kb/entries", faq.clone()).await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["question"], "How do I reset my password?");
    assert_eq!(
        e["similar_questions"],
        json!(["I forgot my password", "can't sign in"])
    );
    assert_eq!(e["tags"], json!(["account"]));
    assert_eq!(
        (e["locale"].as_str(), e["kind"].as_str()),
        (Some("en-US"), Some("faq"))
    );
    assert_eq!(
        (e["enabled"].as_bool(), e["version"].as_i64()),
        (Some(true), Some(1))
    );
    let id = e["id"].as_str().unwrap().to_string();
    let r1 = revision(&agent).await;
    assert!(r1 > 0);
    assert_eq!(app.store.kb_revision(t.account_id).await.unwrap(), r1);

    let (s, b) = admin.post("/api/v1/kb/entries", faq.clone()).await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (409, "conflict"),
        "the same question twice: {b}"
    );

    // Bad input: clear errors naming the field, never a 500.
    for (body, field) in [
        (
            json!({"question": "", "answer": "a", "locale": "en"}),
            "question",
        ),
        (
            json!({"question": "q".repeat(501), "answer": "a", "locale": "en"}),
            "question",
        ),
        (
            json!({"question": "q", "answer": "a", "locale": "klingon"}),
            "locale",
        ),
        (
            json!({"question": "q", "answer": "", "locale": "en"}),
            "answer",
        ),
        (
            json!({"question": "q", "answer": "a".repeat(20_001), "locale": "en"}),
            "answer",
        ),
        (
            json!({"question": "q", "answer": "a", "locale": "en", "tags": ["a|b"]}),
            "tags",
        ),
    ] {
        let (s, b) = admin.post("/api/v1/kb/entries", body).await;
        assert_eq!(
            (s, error_code(&b).as_str()),
            (422, "validation_failed"),
            "{b}"
        );
        assert!(
            b["error"]["message"].as_str().unwrap().starts_with(field),
            "{b}"
        );
    }
    let (s, b) = admin
        .post(
            "/api/v1/kb/entries",
            json!({"question": "q", "answer": "a", "locale": "en", "colour": 1}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "invalid_body"), "{b}");
    // An out-of-scope question needs no answer: the bot hands it off.
    let (s, oos) = admin
        .post(
            "/api/v1/kb/entries",
            json!({"question": "Can you give me legal advice?", "locale": "en", "out_of_scope": true,
                   "similar_questions": ["is this legal", "I want to sue"]}),
        )
        .await;
    assert_eq!(s, 201, "{oos}");
    let (s, article) = admin
        .post(
            "/api/v1/kb/entries",
            json!({"kind": "article", "question": "安装指南", "answer": "# 下载\n\n一个文件。", "locale": "zh-cn", "enabled": false}),
        )
        .await;
    assert_eq!(s, 201, "{article}");

    // Everyone reads, with filters.
    let (s, one) = agent.get(&format!("/api/v1/kb/entries/{id}")).await;
    assert_eq!((s, one["id"].as_str()), (200, Some(id.as_str())));
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let (_, all) = agent.get("/api/v1/kb/entries").await;
    assert_eq!(count(&all), 3);
    let (_, zh) = agent.get("/api/v1/kb/entries?locale=zh_CN").await;
    assert_eq!(count(&zh), 1);
    let (_, found) = agent.get("/api/v1/kb/entries?q=SIGN-IN%20PAGE").await;
    assert_eq!(found["items"][0]["id"], id.as_str());
    let (_, tagged) = agent
        .get("/api/v1/kb/entries?tag=account&kind=faq&enabled=true")
        .await;
    assert_eq!(count(&tagged), 1);
    let (_, off) = agent.get("/api/v1/kb/entries?enabled=false").await;
    assert_eq!(off["items"][0]["kind"], "article");
    let (_, page) = agent.get("/api/v1/kb/entries?limit=2").await;
    assert_eq!(count(&page), 2);
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, rest) = agent
        .get(&format!("/api/v1/kb/entries?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(count(&rest), 1);
    let (s, b) = agent.get("/api/v1/kb/entries?locale=nope-nope").await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (s, b) = agent.get("/api/v1/kb/entries?kind=howto").await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"), "{b}");

    // Optimistic updates: the version read wins once.
    let (s, b) = agent
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 1, "answer": "x"}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let (s, v2) = supervisor
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 1, "answer": "Use the reset link.", "action": "reset_password"}),
        )
        .await;
    assert_eq!(s, 200, "{v2}");
    assert_eq!(
        (v2["version"].as_i64(), v2["action"].as_str()),
        (Some(2), Some("reset_password"))
    );
    let r2 = revision(&agent).await;
    assert!(r2 > r1);
    let (s, b) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 1, "answer": "Stale edit"}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (409, "version_conflict"),
        "{b}"
    );
    let (s, same) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 2, "answer": "Use the reset link."}),
        )
        .await;
    assert_eq!(
        (s, same["version"].as_i64()),
        (200, Some(2)),
        "no change, no new version"
    );
    assert_eq!(revision(&agent).await, r2);
    let (s, cleared) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 2, "action": null}),
        )
        .await;
    assert_eq!((s, cleared["action"].clone()), (200, Value::Null));
    let (s, b) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 3, "question": " "}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (s, b) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"version": 3, "question": "Can you give me LEGAL advice?", "locale": "en"}),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (409, "conflict"), "{b}");

    // Deleting.
    let article_id = article["id"].as_str().unwrap();
    let (s, b) = agent
        .delete(&format!("/api/v1/kb/entries/{article_id}"))
        .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");
    let before = revision(&agent).await;
    let (s, _) = admin
        .delete(&format!("/api/v1/kb/entries/{article_id}"))
        .await;
    assert_eq!(s, 204);
    assert!(revision(&agent).await > before);
    let (s, b) = agent.get(&format!("/api/v1/kb/entries/{article_id}")).await;
    assert_eq!((s, error_code(&b).as_str()), (404, "not_found"), "{b}");
    let (s, _) = agent.get("/api/v1/kb/entries/not-a-uuid").await;
    assert_eq!(s, 404);

    // Changes are audited.
    let (s, log) = admin.get("/api/v1/audit-log").await;
    assert_eq!(s, 200, "{log}");
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in ["kb_entry.created", "kb_entry.updated", "kb_entry.deleted"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
});

both_backends!(kb_imports_report_skipped_rows_exactly, |app| {
    let t = app.tenant.clone();
    let admin = app.admin().await;
    let agent = app.agent().await;
    let csv = "\u{feff}question,answer,locale,similar_questions,tags,enabled\n\
        What are your business hours?,9:00-18:00 Monday to Friday.,en,when are you open|opening hours,hours,yes\n\
        ,An answer without a question,en,,,\n\
        Where is my data stored?,\"On your own server:\nSQLite or PostgreSQL.\",en,where do you keep my data,,\n\
        A question,An answer,xx-YY,,,\n\
        Broken row,\"unclosed\n";
    let (s, b) = agent
        .post_raw(
            "/api/v1/kb/import?format=csv",
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (403, "forbidden"), "{b}");

    // A dry run reports and writes nothing.
    let r0 = revision(&agent).await;
    let (s, dry) = admin
        .post_raw(
            "/api/v1/kb/import?format=csv&dry_run=true",
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, 200, "{dry}");
    assert_eq!(
        (dry["created"].as_u64(), dry["dry_run"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(revision(&agent).await, r0);
    assert!(
        app.store
            .knowledge_base(t.account_id)
            .await
            .unwrap()
            .is_empty()
    );

    let (s, report) = admin
        .post_raw(
            "/api/v1/kb/import?format=csv",
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(report["total"].as_u64(), Some(5));
    assert_eq!(
        rejected_lines(&report),
        vec![
            (3, "invalid_question".into()),
            (6, "invalid_locale".into()),
            (7, "malformed_csv".into())
        ],
        "{report}"
    );
    assert!(revision(&agent).await > r0);

    // JSON Lines, matched by question: one update, one unchanged, one new,
    // and the bad lines named.
    let jsonl = [
        r#"{"question":"WHAT ARE YOUR BUSINESS HOURS?","answer":"Around the clock.","locale":"en"}"#,
        r#"{"question":"Where is my data stored?","answer":"On your own server:\nSQLite or PostgreSQL.","locale":"en","similar_questions":["where do you keep my data"]}"#,
        r#"{"question":"Does Kefu support WeChat?","answer":"Through an adapter.","locale":"en"}"#,
        r#"{"question":"typo","anwser":"x","locale":"en"}"#,
        r#"{"question":"Does Kefu support WeChat?","answer":"Twice in one file.","locale":"en"}"#,
        "not json",
    ]
    .join("\n");
    let (s, report) = admin
        .post_raw(
            "/api/v1/kb/import",
            "application/x-ndjson",
            jsonl.into_bytes(),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        (
            report["created"].as_u64(),
            report["updated"].as_u64(),
            report["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(
        rejected_lines(&report),
        vec![
            (4, "malformed_json".into()),
            (5, "duplicate".into()),
            (6, "malformed_json".into())
        ]
    );

    // Markdown with the file's locale from the query.
    let md = "## 怎么重置密码\n> similar: 密码忘了 | 登录不上\nTags: 账户\n\n在登录页点击“忘记密码”。\n\n## \n\n没有问题的条目\n";
    let (s, report) = admin
        .post_raw(
            "/api/v1/kb/import?format=md&locale=zh-cn",
            "text/plain",
            md.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["created"].as_u64(), Some(1));
    assert_eq!(
        rejected_lines(&report),
        vec![(7, "invalid_question".into())]
    );
    let all = app.store.knowledge_base(t.account_id).await.unwrap();
    assert_eq!(all.len(), 4);
    assert!(
        all.iter()
            .any(|e| e.locale == "zh-CN" && e.similar_questions.len() == 2)
    );

    // Whole-file problems and bad requests.
    let (s, b) = admin
        .post_raw(
            "/api/v1/kb/import?format=csv",
            "text/csv",
            b"question,answer,colour\nq,a,red\n".to_vec(),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (422, "invalid_file"), "{b}");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("colour"),
        "{b}"
    );
    let (s, b) = admin
        .post_raw(
            "/api/v1/kb/import",
            "text/plain",
            b"question,answer\n".to_vec(),
        )
        .await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"), "{b}");
    let (s, b) = admin
        .post_raw("/api/v1/kb/import?format=xlsx", "text/plain", vec![])
        .await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"), "{b}");
    let (s, b) = admin
        .post_raw(
            "/api/v1/kb/import?format=csv&locale=elvish",
            "text/csv",
            vec![],
        )
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (422, "validation_failed"),
        "{b}"
    );
    let (s, b) = admin
        .post_raw(
            "/api/v1/kb/import?format=jsonl",
            "text/plain",
            vec![0xff, 0xfe, b'\n', b'{'],
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        rejected_lines(&b),
        vec![(1, "not_utf8".into()), (2, "malformed_json".into())]
    );

    let (s, log) = admin.get("/api/v1/audit-log").await;
    assert_eq!(s, 200);
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "kb.imported"),
        "{log}"
    );
});

both_backends!(kb_exports_import_back_to_the_same_entries, |app| {
    let admin = app.admin().await;
    let agent = app.agent().await;
    let md = "# locale: en\n\n\
        ## How do I embed the chat widget on my site?\n\
        > similar: widget code | where is the embed snippet\n\
        Tags: widget, setup\n\n\
        Copy the snippet from **Admin > Inboxes** into your page.\n\n\
        ### Single-page apps\n\
        Load it once.\n\n\
        ## Can you give me legal advice?\n\
        Out of scope: yes\n\n\
        # locale: zh-CN\n\n\
        ## 如何导出聊天记录\n\
        Enabled: no\n\n\
        在 **管理 > 数据** 中导出，格式为 \"CSV\"，含 | 竖线。\n";
    let (s, report) = admin
        .post_raw(
            "/api/v1/kb/import?format=markdown",
            "text/markdown",
            md.as_bytes().to_vec(),
        )
        .await;
    assert_eq!((s, report["created"].as_u64()), (200, Some(3)), "{report}");
    let r = revision(&agent).await;

    for (format, content_type, ext) in [
        ("csv", "text/csv", "csv"),
        ("jsonl", "application/x-ndjson", "jsonl"),
        ("markdown", "text/markdown", "md"),
    ] {
        let res = agent
            .http
            .get(format!("{}/api/v1/kb/export?format={format}", agent.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(content_type), "{ct}");
        let cd = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cd.starts_with("attachment; filename=\"kefu-kb-") && cd.ends_with(&format!(".{ext}\"")),
            "{cd}"
        );
        let file = res.bytes().await.unwrap().to_vec();
        // Importing the export changes nothing: same ids, same texts.
        let (s, back) = admin
            .post_raw(
                &format!("/api/v1/kb/import?format={format}"),
                "text/plain",
                file,
            )
            .await;
        assert_eq!(s, 200, "{back}");
        assert_eq!(
            (
                back["created"].as_u64(),
                back["updated"].as_u64(),
                back["unchanged"].as_u64()
            ),
            (Some(0), Some(0), Some(3)),
            "{format}: {back}"
        );
        assert_eq!(revision(&agent).await, r, "{format}: nothing changed");
    }
    let (s, zh) = download(&agent, "/api/v1/kb/export?format=jsonl&locale=zh-CN").await;
    assert_eq!(s, 200);
    assert_eq!(zh.lines().count(), 1, "{zh}");
    let (s, b) = agent.get("/api/v1/kb/export?format=pdf").await;
    assert_eq!((s, error_code(&b).as_str()), (400, "invalid_query"), "{b}");

    // Another account imports the same file as its own entries; this one
    // is untouched.
    let other = app.new_tenant("Globex").await;
    let other_admin = app.login(&other.admin_email).await;
    let (_, jsonl) = download(&agent, "/api/v1/kb/export?format=jsonl").await;
    let (s, theirs) = other_admin
        .post_raw(
            "/api/v1/kb/import?format=jsonl",
            "text/plain",
            jsonl.into_bytes(),
        )
        .await;
    assert_eq!((s, theirs["created"].as_u64()), (200, Some(3)), "{theirs}");
    assert_eq!(revision(&agent).await, r);
    let (_, mine) = agent.get("/api/v1/kb/entries").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
});

async fn too_large(backend: Backend) {
    let config = HttpConfig {
        max_upload_bytes: 4096,
        ..HttpConfig::default()
    };
    let Some(app) = TestApp::spawn_with(backend, config).await else {
        return;
    };
    let admin = app.admin().await;
    let mut file = b"question,answer,locale\n".to_vec();
    while file.len() <= 4096 {
        file.extend_from_slice(b"A question that fills the file?,An answer.,en\n");
    }
    let (s, b) = admin
        .post_raw("/api/v1/kb/import?format=csv", "text/csv", file.clone())
        .await;
    assert_eq!(
        (s, error_code(&b).as_str()),
        (413, "payload_too_large"),
        "{b}"
    );
    // Without a declared length, the limit holds while reading.
    let token = pat(&app, app.tenant.account_id, app.tenant.admin_id).await;
    let (s, b) = post_chunked(&app, &token, "/api/v1/kb/import?format=csv", &file).await;
    assert_eq!(s, 413, "{b}");
    assert!(b.contains("payload_too_large"), "{b}");
    assert_eq!(
        app.store.kb_revision(app.tenant.account_id).await.unwrap(),
        0
    );
    // A file within the limit goes through.
    let (s, ok) = admin
        .post_raw(
            "/api/v1/kb/import?format=csv",
            "text/csv",
            file[..2000].to_vec(),
        )
        .await;
    assert_eq!(s, 200, "{ok}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_import_over_the_limit_is_413_sqlite() {
    too_large(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_import_over_the_limit_is_413_postgres() {
    too_large(Backend::Postgres).await;
}
