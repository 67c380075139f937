//! The bot in conversations, over HTTP on both backends: it answers from the
//! knowledge base citing the entry, offers candidates when unsure, hands over
//! when asked, when out of scope, when the customer is upset or when it keeps
//! failing; it suggests answers to agents and lists what it could not answer.

use std::time::Duration;

use kefu_core::InboxId;
use serde_json::{Value, json};

use crate::both_backends;
use crate::conversations::{VisitorFixture, visitor};
use crate::support::{Client, TestApp, error_code, eventually};

async fn enable_bot(app: &TestApp, inbox: InboxId) {
    let mut i = app
        .store
        .get_inbox(app.tenant.account_id, inbox)
        .await
        .unwrap();
    i.bot_enabled = true;
    app.store.update_inbox(&i).await.unwrap();
    app.state.inboxes.forget(inbox);
}

/// (key, question, similar questions, answer, locale, out of scope)
type Seed = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    bool,
);

/// A small bilingual knowledge base; returns the entries' ids by key.
async fn seed_kb(admin: &Client) -> std::collections::HashMap<&'static str, String> {
    let entries: &[Seed] = &[
        (
            "password",
            "How do I reset my password?",
            &[
                "I forgot my password",
                "reset password",
                "can't log in, forgot password",
                "how to change my password",
                "password reset link",
            ],
            "Open the sign-in page and choose \"Forgot password\"; we email you a link.",
            "en",
            false,
        ),
        (
            "hours",
            "What are your opening hours?",
            &[
                "when are you open",
                "business hours",
                "what time do you close",
                "are you open on weekends",
                "opening times",
            ],
            "We are open 9:00-18:00, Monday to Friday.",
            "en",
            false,
        ),
        (
            "invoice",
            "How do I get an invoice?",
            &[
                "I need an invoice",
                "where can I download my invoice",
                "send me a receipt",
                "invoice for my order",
                "billing receipt",
            ],
            "Invoices are under Account > Billing; each can be downloaded as PDF.",
            "en",
            false,
        ),
        (
            "export",
            "怎么导出聊天记录？",
            &[
                "如何导出聊天记录",
                "聊天记录可以下载吗",
                "导出对话",
                "我想备份聊天记录",
                "历史消息怎么导出",
            ],
            "在“设置 > 数据”中选择导出，即可下载全部聊天记录。",
            "zh-CN",
            false,
        ),
        (
            "channels",
            "支持哪些渠道？",
            &[
                "支持微信吗",
                "可以接入哪些渠道",
                "能接邮件吗",
                "支持网页聊天吗",
                "有哪些接入方式",
            ],
            "支持网页聊天、邮件、API 和微信等渠道。",
            "zh-CN",
            false,
        ),
        (
            "legal",
            "Can you give me legal advice?",
            &[
                "I need legal advice",
                "is this contract legal",
                "can I sue my landlord",
                "legal question about my lease",
                "what does the law say about this",
            ],
            "",
            "en",
            true,
        ),
    ];
    let mut ids = std::collections::HashMap::new();
    for (key, q, similar, answer, locale, oos) in entries {
        let (s, b) = admin
            .post(
                "/api/v1/kb/entries",
                json!({
                    "question": q,
                    "similar_questions": similar,
                    "answer": answer,
                    "locale": locale,
                    "out_of_scope": oos,
                }),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        ids.insert(*key, b["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// The visitor's conversation as the widget sees it.
async fn messages(v: &VisitorFixture) -> (Value, Vec<Value>) {
    let (s, b) = v.client.get("/api/v1/widget/messages?limit=200").await;
    assert_eq!(s, 200, "{b}");
    (
        b["conversation"].clone(),
        b["items"].as_array().cloned().unwrap_or_default(),
    )
}

/// Sends a message and waits for the bot's reply to it (the messages after
/// it, once the bot has written or handed over).
async fn ask(v: &VisitorFixture, text: &str) -> (Value, Vec<Value>) {
    let posted = v.says(text).await;
    let seq = posted["message"]["seq"].as_i64().unwrap();
    eventually(&format!("the bot's reply to {text:?}"), || async {
        let (conv, items) = messages(v).await;
        let after: Vec<Value> = items
            .into_iter()
            .filter(|m| m["seq"].as_i64().unwrap() > seq)
            .collect();
        let done = conv["status"] != "bot" || after.iter().any(|m| m["sender"]["kind"] == "bot");
        done.then_some((conv, after))
    })
    .await
}

fn kinds(after: &[Value]) -> Vec<String> {
    after
        .iter()
        .map(|m| m["content"]["type"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn preview(admin: &Client, text: &str) -> Value {
    let (s, b) = admin
        .post("/api/v1/bot/preview", json!({ "text": text }))
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

both_backends!(
    the_bot_answers_in_both_languages_and_cites_the_entry,
    |app| {
        let t = app.tenant.clone();
        enable_bot(&app, t.inbox_id).await;
        let admin = app.admin().await;
        let ids = seed_kb(&admin).await;

        let v = visitor(&app, t.inbox_id).await;
        let (conv, after) = ask(&v, "Hello!").await;
        assert_eq!(conv["status"], "bot");
        assert_eq!(kinds(&after), ["text"], "a greeting: {after:?}");

        let (conv, after) = ask(&v, "i forgot my password, how do I reset it?").await;
        assert_eq!(conv["status"], "bot");
        let answer = &after[0];
        assert_eq!(answer["content"]["type"], "answer", "{after:?}");
        assert_eq!(answer["content"]["source"]["entry_id"], ids["password"]);
        assert_eq!(
            answer["content"]["source"]["question"],
            "How do I reset my password?"
        );
        assert!(
            answer["content"]["text"]
                .as_str()
                .unwrap()
                .contains("Forgot password")
        );
        let confidence = answer["content"]["source"]["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence));

        let (_, after) = ask(&v, "聊天记录怎么导出？").await;
        assert_eq!(after[0]["content"]["type"], "answer", "{after:?}");
        assert_eq!(after[0]["content"]["source"]["entry_id"], ids["export"]);

        // Thanks, in Chinese, are answered in Chinese.
        let (_, after) = ask(&v, "谢谢").await;
        assert!(
            after[0]["content"]["text"]
                .as_str()
                .unwrap()
                .contains("不客气")
        );

        // The answer is recorded as a bot.answered event agents can read.
        let agent = app.admin().await;
        let conv_id = conv["id"].as_str().unwrap();
        let (s, events) = agent
            .get(&format!("/api/v1/conversations/{conv_id}/events"))
            .await;
        assert_eq!(s, 200, "{events}");
        let answered: Vec<&Value> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "bot.answered")
            .collect();
        assert_eq!(answered.len(), 2, "{events}");
        assert_eq!(answered[0]["data"]["entry_id"], ids["password"]);
    }
);

both_backends!(the_bot_hands_over_when_asked_upset_or_out_of_scope, |app| {
    let t = app.tenant.clone();
    enable_bot(&app, t.inbox_id).await;
    let admin = app.admin().await;
    seed_kb(&admin).await;

    // Asked for a person, in either language.
    for text in ["转人工", "can I talk to a human please"] {
        let v = visitor(&app, t.inbox_id).await;
        let (conv, after) = ask(&v, text).await;
        assert_eq!(conv["status"], "queued", "{text}");
        let note = after.last().unwrap();
        assert_eq!(note["content"]["code"], "handoff_requested", "{after:?}");
    }

    // Upset: an apology in the customer's language, then a person.
    let v = visitor(&app, t.inbox_id).await;
    let (conv, after) = ask(&v, "你们就是骗子，我要投诉").await;
    assert_eq!(conv["status"], "queued");
    assert!(
        after[0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("抱歉")
    );
    assert_eq!(
        after.last().unwrap()["content"]["code"],
        "handoff_negative_sentiment"
    );

    // Out of scope: the preview and the conversation agree.
    let text = "I need legal advice about my lease contract";
    let p = preview(&admin, text).await;
    assert_eq!(p["decision"], "handoff", "{p}");
    assert_eq!(p["reason"], "out_of_scope", "{p}");
    let v = visitor(&app, t.inbox_id).await;
    let (conv, after) = ask(&v, text).await;
    assert_eq!(conv["status"], "queued");
    assert_eq!(
        after.last().unwrap()["content"]["code"],
        "handoff_out_of_scope"
    );
});

both_backends!(
    the_bot_follows_its_preview_offers_candidates_and_stops_guessing,
    |app| {
        let t = app.tenant.clone();
        enable_bot(&app, t.inbox_id).await;
        let admin = app.admin().await;
        seed_kb(&admin).await;

        // Whatever the bot decides in the preview, the conversation shows.
        let probes = [
            "password",
            "invoice hours",
            "when can I get my invoice",
            "open",
            "receipt password",
            "导出",
            "what is the weather like on mars",
        ];
        let mut seen = std::collections::HashSet::new();
        for text in probes {
            let p = preview(&admin, text).await;
            let decision = p["decision"].as_str().unwrap().to_owned();
            let v = visitor(&app, t.inbox_id).await;
            let (conv, after) = ask(&v, text).await;
            match decision.as_str() {
                "answer" => {
                    assert_eq!(after[0]["content"]["type"], "answer", "{text}: {after:?}");
                    assert_eq!(after[0]["content"]["source"]["entry_id"], p["entries"][0]);
                }
                "candidates" => {
                    assert_eq!(conv["status"], "bot");
                    let offer = &after[0]["content"];
                    assert_eq!(offer["type"], "quick_replies", "{text}: {after:?}");
                    let options = offer["options"].as_array().unwrap();
                    // The candidates, then a way to a person.
                    assert_eq!(options.len(), p["entries"].as_array().unwrap().len() + 1);
                    assert_eq!(options.last().unwrap()["title"], "Talk to a person");
                    // Choosing a candidate sends its question, which the bot answers.
                    let chosen = options[0]["payload"].as_str().unwrap();
                    let (_, after) = ask(&v, chosen).await;
                    assert_eq!(after[0]["content"]["type"], "answer", "{after:?}");
                    assert_eq!(after[0]["content"]["source"]["entry_id"], p["entries"][0]);
                }
                "handoff" => assert_eq!(conv["status"], "queued", "{text}"),
                other => panic!("unexpected decision {other} for {text}"),
            }
            seen.insert(decision);
        }
        assert!(seen.contains("answer"), "{seen:?}");
        assert!(
            seen.contains("handoff"),
            "an unrelated question must go to a person: {seen:?}"
        );

        // Not understood three times in a row: the third goes to a person.
        let v = visitor(&app, t.inbox_id).await;
        let (_, after) = ask(&v, "???").await;
        assert_eq!(after[0]["content"]["type"], "quick_replies", "{after:?}");
        let (_, _) = ask(&v, "🙂").await;
        let (conv, after) = ask(&v, "...").await;
        assert_eq!(conv["status"], "queued", "{after:?}");
        assert_eq!(
            after.last().unwrap()["content"]["code"],
            "handoff_bot_failed"
        );

        // The same answer twice in a row did not help: a person takes over.
        let v = visitor(&app, t.inbox_id).await;
        let (_, after) = ask(&v, "How do I reset my password?").await;
        assert_eq!(after[0]["content"]["type"], "answer");
        let (conv, after) = ask(&v, "how do I reset my password").await;
        assert_eq!(conv["status"], "queued", "{after:?}");
        assert_eq!(
            after.last().unwrap()["content"]["code"],
            "handoff_bot_failed"
        );
    }
);

both_backends!(
    edits_to_the_knowledge_base_reach_the_bot_without_a_restart,
    |app| {
        let t = app.tenant.clone();
        enable_bot(&app, t.inbox_id).await;
        let admin = app.admin().await;

        // No knowledge base: the bot passes every question to a person.
        let v = visitor(&app, t.inbox_id).await;
        let (conv, after) = ask(&v, "How do I reset my password?").await;
        assert_eq!(conv["status"], "queued");
        assert_eq!(
            after.last().unwrap()["content"]["code"],
            "handoff_low_confidence"
        );

        // Within seconds of the knowledge base being written, the bot uses it.
        let ids = seed_kb(&admin).await;
        eventually("the first answer", || async {
            let v = visitor(&app, t.inbox_id).await;
            let (_, after) = ask(&v, "How do I reset my password?").await;
            (after[0]["content"]["source"]["entry_id"] == ids["password"]).then_some(())
        })
        .await;

        // An edited answer is what the next customer gets.
        let id = &ids["password"];
        let (_, entry) = admin.get(&format!("/api/v1/kb/entries/{id}")).await;
        let (s, b) = admin
            .patch(
                &format!("/api/v1/kb/entries/{id}"),
                json!({"answer": "Use the reset link in the app.", "version": entry["version"]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        eventually("the new answer", || async {
            let v = visitor(&app, t.inbox_id).await;
            let (_, after) = ask(&v, "How do I reset my password?").await;
            (after[0]["content"]["text"] == "Use the reset link in the app.").then_some(())
        })
        .await;
    }
);

both_backends!(
    agents_get_suggested_answers_for_the_open_conversation,
    |app| {
        let t = app.tenant.clone();
        let admin = app.admin().await;
        let ids = seed_kb(&admin).await;
        // Without the bot the conversation goes to the agents, who get help.
        let v = visitor(&app, t.inbox_id).await;
        let posted = v.says("where do I download an invoice for my order?").await;
        let conv = posted["conversation"]["id"].as_str().unwrap();
        v.says("thanks").await;
        let agent = app.agent().await;
        let (s, b) = agent
            .get(&format!("/api/v1/conversations/{conv}/suggested_answers"))
            .await;
        assert_eq!(s, 200, "{b}");
        // Thanks are skipped: the suggestions answer the question.
        assert_eq!(b["query"], "where do I download an invoice for my order?");
        assert_eq!(b["message_id"], posted["message"]["id"]);
        let items = b["items"].as_array().unwrap();
        assert!(!items.is_empty() && items.len() <= 3, "{b}");
        assert_eq!(items[0]["entry_id"], ids["invoice"]);
        assert!(items[0]["answer"].as_str().unwrap().contains("Billing"));
        assert!(
            items.iter().all(|i| i["entry_id"] != ids["legal"]),
            "never an out-of-scope entry"
        );
        assert!(items.iter().all(|i| i["kind"] == "faq"), "{b}");

        // What the bot is too unsure about to offer a customer is not
        // suggested to agents either.
        let mut unsure = None;
        for text in ["change", "log in"] {
            let p = preview(&admin, text).await;
            if p["reason"] == "low_confidence" {
                unsure = Some(text);
                break;
            }
        }
        let text = unsure.expect("one probe the bot is unsure about");
        let v = visitor(&app, t.inbox_id).await;
        let posted = v.says(text).await;
        let unsure_conv = posted["conversation"]["id"].as_str().unwrap();
        let (_, b) = agent
            .get(&format!(
                "/api/v1/conversations/{unsure_conv}/suggested_answers"
            ))
            .await;
        assert_eq!(b["query"], text);
        assert_eq!(b["items"], json!([]), "{b}");

        // Articles contribute the passage that fits, with where it comes from.
        let (s, article) = admin
            .post(
                "/api/v1/kb/entries",
                json!({
                    "kind": "article",
                    "question": "Shipping guide",
                    "answer": "## Domestic\nParcels arrive within two days.\n\n## International\nWe ship to Canada and Japan; customs duties are paid on delivery.",
                    "locale": "en",
                }),
            )
            .await;
        assert_eq!(s, 201, "{article}");
        let v = visitor(&app, t.inbox_id).await;
        let posted = v.says("Do you ship parcels to Canada?").await;
        let conv2 = posted["conversation"]["id"].as_str().unwrap().to_owned();
        let b = eventually("the article in the suggestions", || async {
            let (_, b) = agent
                .get(&format!("/api/v1/conversations/{conv2}/suggested_answers"))
                .await;
            b["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["kind"] == "article")
                .then_some(b)
        })
        .await;
        let passage = b["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "article")
            .unwrap();
        assert_eq!(passage["entry_id"], article["id"]);
        assert_eq!(passage["question"], "Shipping guide > International");
        assert!(passage["answer"].as_str().unwrap().contains("customs"));

        // Another account's agent cannot read them; the preview is for supervisors.
        let other = app.new_tenant("Other").await;
        let stranger = app.login(&other.agent_email).await;
        let (s, b) = stranger
            .get(&format!("/api/v1/conversations/{conv}/suggested_answers"))
            .await;
        assert_eq!((s, error_code(&b)), (404, "not_found".into()));
        let (s, b) = agent
            .post("/api/v1/bot/preview", json!({"text": "password"}))
            .await;
        assert_eq!((s, error_code(&b)), (403, "forbidden".into()));
        // Bad input gets a clear error.
        let (s, b) = admin.post("/api/v1/bot/preview", json!({"text": ""})).await;
        assert_eq!((s, error_code(&b)), (422, "validation_failed".into()));
        let huge = "a".repeat(5000);
        let (s, b) = admin
            .post("/api/v1/bot/preview", json!({"text": huge}))
            .await;
        assert_eq!((s, error_code(&b)), (422, "validation_failed".into()));
    }
);

both_backends!(unanswered_questions_are_grouped_for_admins, |app| {
    let t = app.tenant.clone();
    enable_bot(&app, t.inbox_id).await;
    let admin = app.admin().await;
    // An empty knowledge base answers nothing: every question is one for
    // the knowledge base, and the grouping is what is tested here.
    let asked = [
        "do you ship to Canada?",
        "can you ship to canada",
        "shipping to Canada possible?",
        "what is the weather like on mars",
    ];
    for text in asked {
        let v = visitor(&app, t.inbox_id).await;
        let (conv, _) = ask(&v, text).await;
        assert_eq!(conv["status"], "queued", "{text}");
    }
    // Greetings and requests for a person are not questions for it.
    let v = visitor(&app, t.inbox_id).await;
    ask(&v, "hi").await;
    ask(&v, "转人工").await;
    let (s, b) = admin.get("/api/v1/bot/questions?days=7").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["total"], 4, "{b}");
    let groups = b["groups"].as_array().unwrap();
    assert_eq!(groups[0]["count"], 3, "{b}");
    assert!(
        groups[0]["text"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("canada")
    );
    assert_eq!(groups[1]["count"], 1);

    // Resolving a group takes it off the list.
    let (s, r) = admin
        .post(
            "/api/v1/bot/questions/resolve",
            json!({"message_ids": groups[0]["message_ids"], "resolution": "added"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["resolved"], 3);
    let (_, b) = admin.get("/api/v1/bot/questions").await;
    assert_eq!(b["total"], 1);

    // Agents and other accounts see none of it.
    let agent = app.agent().await;
    let (s, _) = agent.get("/api/v1/bot/questions").await;
    assert_eq!(s, 403);
    let other = app.new_tenant("Other").await;
    let (_, b) = app
        .login(&other.admin_email)
        .await
        .get("/api/v1/bot/questions")
        .await;
    assert_eq!(b["total"], 0);
    let (s, b) = admin
        .post(
            "/api/v1/bot/questions/resolve",
            json!({"message_ids": [], "resolution": "dismissed"}),
        )
        .await;
    assert_eq!((s, error_code(&b)), (422, "validation_failed".into()));
});

both_backends!(an_inbox_can_make_its_bot_more_careful_or_bolder, |app| {
    let t = app.tenant.clone();
    enable_bot(&app, t.inbox_id).await;
    let admin = app.admin().await;
    seed_kb(&admin).await;
    // A question the learnt thresholds answer, though not with certainty.
    let probes = ["download", "微信", "how do I", "is it open", "open"];
    let mut answered = None;
    for text in probes {
        let p = preview(&admin, text).await;
        if p["decision"] == "answer" && p["confidence"].as_f64().unwrap() < 0.99 {
            answered = Some((text, p));
            break;
        }
    }
    let (text, before) = answered.expect("one probe answered below certainty");
    // Settings are checked when saved.
    let inbox = format!("/api/v1/inboxes/{}", t.inbox_id);
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"bot": {"answer_threshold": 2}}}),
        )
        .await;
    assert_eq!(
        (s, error_code(&b)),
        (422, "validation_failed".into()),
        "{b}"
    );
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"bot": {"answer_threshold": 0.99, "candidates_threshold": 0}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.state.inboxes.forget(t.inbox_id);
    // The careful inbox offers candidates instead; the preview says so for
    // that inbox only.
    assert_eq!(preview(&admin, text).await["decision"], "answer");
    let (s, p) = admin
        .post(
            "/api/v1/bot/preview",
            json!({"text": text, "inbox_id": t.inbox_id}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["decision"], "candidates", "{p}");
    assert_eq!(p["entries"][0], before["entries"][0]);
    assert!(
        (p["answer_threshold"].as_f64().unwrap() - 0.99).abs() < 1e-6,
        "{p}"
    );
    let v = visitor(&app, t.inbox_id).await;
    let (conv, after) = ask(&v, text).await;
    assert_eq!(conv["status"], "bot");
    assert_eq!(after[0]["content"]["type"], "quick_replies", "{after:?}");

    // Bolder: what the learnt thresholds hand over is answered.
    let probes = ["log in", "change"];
    let mut unsure = None;
    for text in probes {
        let p = preview(&admin, text).await;
        if p["decision"] == "handoff" && p["reason"] == "low_confidence" {
            unsure = Some(text);
            break;
        }
    }
    let text = unsure.expect("one probe handed over for low confidence");
    let (s, b) = admin
        .patch(
            &inbox,
            json!({"settings": {"bot": {"answer_threshold": 0.05, "candidates_threshold": 0}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.state.inboxes.forget(t.inbox_id);
    let v = visitor(&app, t.inbox_id).await;
    let (_, after) = ask(&v, text).await;
    assert_eq!(after[0]["content"]["type"], "answer", "{after:?}");
});

/// Two nodes on one PostgreSQL database: an edit made through one reaches
/// the other's bot within seconds, with no restart and no message bus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_one_node_reaches_the_bot_on_another() {
    let Some(app) = TestApp::spawn(crate::support::Backend::Postgres).await else {
        return;
    };
    let t = app.tenant.clone();
    enable_bot(&app, t.inbox_id).await;
    let admin = app.admin().await;
    let ids = seed_kb(&admin).await;
    let other = app.second_node().await;
    let visitor_on_other = || async {
        let (s, body) = Client {
            http: reqwest::Client::new(),
            base: other.clone(),
        }
        .post("/api/v1/widget/sessions", json!({"inbox_id": t.inbox_id}))
        .await;
        assert_eq!(s, 200, "{body}");
        let token = body["token"].as_str().unwrap();
        VisitorFixture {
            client: Client::with_bearer(&other, token),
            token: token.to_owned(),
            contact_id: body["contact_id"].as_str().unwrap().parse().unwrap(),
        }
    };
    let v = visitor_on_other().await;
    let (_, after) = ask(&v, "How do I reset my password?").await;
    assert_eq!(after[0]["content"]["source"]["entry_id"], ids["password"]);

    // Edited on the first node...
    let id = &ids["password"];
    let (_, entry) = admin.get(&format!("/api/v1/kb/entries/{id}")).await;
    let (s, b) = admin
        .patch(
            &format!("/api/v1/kb/entries/{id}"),
            json!({"answer": "Ask your admin for a reset link.", "version": entry["version"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // ...answered so on the second.
    eventually("the second node's bot to learn the edit", || async {
        let v = visitor_on_other().await;
        let (_, after) = ask(&v, "How do I reset my password?").await;
        (after[0]["content"]["text"] == "Ask your admin for a reset link.").then_some(())
    })
    .await;
}

/// Messages after `seq` in the visitor's conversation.
async fn after_seq(v: &VisitorFixture, seq: i64) -> (Value, Vec<Value>) {
    let (conv, items) = messages(v).await;
    let after = items
        .into_iter()
        .filter(|m| m["seq"].as_i64().unwrap() > seq)
        .collect();
    (conv, after)
}

both_backends!(
    the_bot_answers_in_the_queue_only_when_the_inbox_allows,
    |app| {
        let t = app.tenant.clone();
        enable_bot(&app, t.inbox_id).await;
        let admin = app.admin().await;
        let ids = seed_kb(&admin).await;

        // By default a queued customer's question waits for a person.
        let v = visitor(&app, t.inbox_id).await;
        let (s, b) = v.client.post("/api/v1/widget/handoff", json!({})).await;
        assert_eq!(
            (s, b["conversation"]["status"].as_str()),
            (200, Some("queued")),
            "{b}"
        );
        let seq = v.says("how do I reset my password?").await["message"]["seq"]
            .as_i64()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (conv, after) = after_seq(&v, seq).await;
        assert_eq!(conv["status"], "queued");
        assert!(
            after.iter().all(|m| m["sender"]["kind"] != "bot"),
            "{after:?}"
        );

        // Allowed: the bot answers while the customer keeps their place.
        let (s, b) = admin
            .patch(
                &format!("/api/v1/inboxes/{}", t.inbox_id),
                json!({"settings": {"routing": {"bot_while_queued": true}}}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        app.state.inboxes.forget(t.inbox_id);
        let w = visitor(&app, t.inbox_id).await;
        let (s, _) = w.client.post("/api/v1/widget/handoff", json!({})).await;
        assert_eq!(s, 200);
        let seq = w.says("how do I reset my password?").await["message"]["seq"]
            .as_i64()
            .unwrap();
        let (conv, answer) = eventually("the bot's answer in the queue", || async {
            let (conv, after) = after_seq(&w, seq).await;
            let answer = after.into_iter().find(|m| m["sender"]["kind"] == "bot")?;
            Some((conv, answer))
        })
        .await;
        assert_eq!(conv["status"], "queued");
        assert_eq!(answer["content"]["type"], "answer", "{answer}");
        assert_eq!(answer["content"]["source"]["entry_id"], ids["password"]);
        let (_, c) = w.client.get("/api/v1/widget/conversation").await;
        assert_eq!(
            c["queue_position"], 2,
            "behind the first customer, still waiting"
        );
    }
);

both_backends!(
    an_inbox_can_hand_over_on_the_sentiment_models_verdict,
    |app| {
        let t = app.tenant.clone();
        enable_bot(&app, t.inbox_id).await;
        let admin = app.admin().await;
        seed_kb(&admin).await;
        // No anger cue of the built-in list, but plainly unhappy.
        let text = "I am so disappointed and sad, nothing works and I hate this";

        // Off by default: the bot goes on helping.
        let v = visitor(&app, t.inbox_id).await;
        let (_, after) = ask(&v, text).await;
        assert!(
            after
                .iter()
                .all(|m| m["content"]["code"] != "handoff_negative_sentiment"),
            "{after:?}"
        );

        // An inbox that opts in hands such a customer to a person.
        let mut inbox = app.store.get_inbox(t.account_id, t.inbox_id).await.unwrap();
        inbox.settings["bot"] = json!({"handoff_negative_sentiment": 0.8});
        app.store.update_inbox(&inbox).await.unwrap();
        app.state.inboxes.forget(t.inbox_id);
        let v = visitor(&app, t.inbox_id).await;
        let (conv, after) = ask(&v, text).await;
        assert_eq!(conv["status"], "queued", "{after:?}");
        assert_eq!(
            after.last().unwrap()["content"]["code"],
            "handoff_negative_sentiment"
        );
        // A plain question in the same inbox still gets the bot.
        let v = visitor(&app, t.inbox_id).await;
        let (conv, _) = ask(&v, "how do I reset my password?").await;
        assert_eq!(conv["status"], "bot");

        // The setting is checked where inboxes are saved.
        let (s, b) = admin
            .patch(
                &format!("/api/v1/inboxes/{}", t.inbox_id),
                json!({"settings": {"bot": {"handoff_negative_sentiment": 2}}}),
            )
            .await;
        assert_eq!(s, 422, "{b}");
    }
);
