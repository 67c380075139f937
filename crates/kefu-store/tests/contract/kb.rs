//! The knowledge base: entries per account, optimistic updates, the
//! revision counter the bot polls, filters and paging, and bulk imports.

use std::time::Instant;

use kefu_core::model::*;
use kefu_core::store::{KbFilter, KbImportMode, PageRequest};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    kb_entries_change_with_versions_and_revisions,
    kb_entries_stay_in_their_account,
    kb_lists_filter_and_page,
    kb_imports_upsert_by_id_or_question,
    kb_imports_replace_and_dry_run,
    kb_bulk_import_is_fast,
);

fn entry(account: AccountId, locale: &str, q: &str, a: &str, at: i64) -> KbEntry {
    let mut e = KbEntry::new(account, KbEntryKind::Faq, locale, q, a, ts(at));
    e.validate().unwrap();
    e
}

async fn kb_entries_change_with_versions_and_revisions(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    assert_eq!(s.kb_revision(fx.account).await.unwrap(), 0);

    let mut a = entry(
        fx.account,
        "en",
        "How do I reset my password?",
        "Use the link.",
        1000,
    );
    a.similar_questions = vec!["forgot password".into(), "密码忘了".into()];
    a.tags = vec!["account".into()];
    a.action = Some("reset_password".into());
    s.create_kb_entry(&a).await.unwrap();
    let r1 = s.kb_revision(fx.account).await.unwrap();
    assert!(r1 > 0);
    assert_eq!(s.get_kb_entry(fx.account, a.id).await.unwrap(), a);

    // The same question in the same locale, in other letters' case, clashes;
    // in another locale it is a different entry.
    let dup = entry(fx.account, "en", "HOW DO I RESET MY PASSWORD?", "x", 1001);
    assert!(matches!(
        s.create_kb_entry(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.kb_revision(fx.account).await.unwrap(),
        r1,
        "a failed create changes nothing"
    );
    let mut b = entry(
        fx.account,
        "zh-CN",
        "How do I reset my password?",
        "用链接。",
        1002,
    );
    b.enabled = false;
    b.kind = KbEntryKind::Article;
    s.create_kb_entry(&b).await.unwrap();
    let r2 = s.kb_revision(fx.account).await.unwrap();
    assert!(r2 > r1);

    // An update with the version it read wins once; the stale one conflicts.
    let mut changed = a.clone();
    changed.answer = "Click *Forgot password* on the sign-in page.".into();
    changed.updated_at = ts(2000);
    let stored = s.update_kb_entry(&changed).await.unwrap();
    assert_eq!(stored.version, a.version + 1);
    assert_eq!(stored.created_at, a.created_at);
    assert_eq!(s.get_kb_entry(fx.account, a.id).await.unwrap(), stored);
    let r3 = s.kb_revision(fx.account).await.unwrap();
    assert!(r3 > r2);
    assert!(matches!(
        s.update_kb_entry(&changed).await,
        Err(StoreError::VersionConflict(_))
    ));
    assert_eq!(s.kb_revision(fx.account).await.unwrap(), r3);
    // Renaming onto another entry's question clashes.
    let mut clash = entry(fx.account, "en", "Other question", "x", 1003);
    s.create_kb_entry(&clash).await.unwrap();
    clash.question = "how do i reset my password?".into();
    assert!(matches!(
        s.update_kb_entry(&clash).await,
        Err(StoreError::Conflict(_))
    ));
    let missing = entry(fx.account, "en", "Never stored", "x", 1004);
    assert!(matches!(
        s.update_kb_entry(&missing).await,
        Err(StoreError::NotFound(_))
    ));

    // All entries, enabled or not, oldest first.
    let all = s.knowledge_base(fx.account).await.unwrap();
    let ids: Vec<KbEntryId> = all.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![a.id, b.id, clash.id]);
    assert_eq!(all[0], stored);
    assert!(!all[1].enabled);

    let before = s.kb_revision(fx.account).await.unwrap();
    s.delete_kb_entry(fx.account, b.id).await.unwrap();
    assert!(s.kb_revision(fx.account).await.unwrap() > before);
    assert!(matches!(
        s.get_kb_entry(fx.account, b.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_kb_entry(fx.account, b.id).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn kb_entries_stay_in_their_account(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other = account("Other");
    s.create_account(&other).await.unwrap();
    let a = entry(
        fx.account,
        "en",
        "Where is my data stored?",
        "On your server.",
        1000,
    );
    s.create_kb_entry(&a).await.unwrap();
    // The other account may ask the same question: keys are per account.
    let theirs = entry(
        other.id,
        "en",
        "Where is my data stored?",
        "Elsewhere.",
        1000,
    );
    s.create_kb_entry(&theirs).await.unwrap();
    let r_mine = s.kb_revision(fx.account).await.unwrap();

    let other_fresh = account("Fresh");
    s.create_account(&other_fresh).await.unwrap();
    assert_eq!(s.kb_revision(other_fresh.id).await.unwrap(), 0);
    let named: Vec<AccountId> = s
        .find_accounts_by_name("Fresh")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(named, vec![other_fresh.id]);
    assert!(s.find_accounts_by_name("fresh").await.unwrap().is_empty());
    assert!(s.knowledge_base(other_fresh.id).await.unwrap().is_empty());
    assert!(matches!(
        s.get_kb_entry(other.id, a.id).await,
        Err(StoreError::NotFound(_))
    ));
    let mut foreign = a.clone();
    foreign.account_id = other.id;
    assert!(matches!(
        s.update_kb_entry(&foreign).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_kb_entry(other.id, a.id).await,
        Err(StoreError::NotFound(_))
    ));
    let listed = s
        .list_kb_entries(other.id, &KbFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.items, vec![theirs.clone()]);
    // An import into the other account never touches this one, even with
    // this account's ids.
    let mut stolen = a.clone();
    stolen.answer = "Overwritten?".into();
    let counts = s
        .import_kb_entries(other.id, &[stolen], KbImportMode::default())
        .await
        .unwrap();
    assert_eq!(
        counts.updated, 1,
        "it matches the other account's own question"
    );
    assert_eq!(s.get_kb_entry(fx.account, a.id).await.unwrap(), a);
    assert_eq!(s.kb_revision(fx.account).await.unwrap(), r_mine);
    assert_eq!(
        s.get_kb_entry(other.id, theirs.id).await.unwrap().answer,
        "Overwritten?"
    );
}

async fn kb_lists_filter_and_page(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mut made = Vec::new();
    for i in 0..7 {
        let locale = if i % 2 == 0 { "en" } else { "zh-CN" };
        let mut e = entry(
            fx.account,
            locale,
            &format!("Question {i}"),
            &format!("Answer {i}"),
            1000 + i,
        );
        e.tags = vec![if i < 3 { "billing" } else { "setup" }.into()];
        e.similar_questions = vec![format!("alias_{i}%")];
        e.enabled = i != 6;
        if i == 5 {
            e.kind = KbEntryKind::Article;
        }
        s.create_kb_entry(&e).await.unwrap();
        made.push(e);
    }
    let list = |f: KbFilter| async move {
        s.list_kb_entries(
            fx.account,
            &f,
            &PageRequest {
                cursor: None,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.question)
        .collect::<Vec<_>>()
    };
    assert_eq!(list(KbFilter::default()).await.len(), 7);
    assert_eq!(
        list(KbFilter {
            q: Some("question 3".into()),
            ..Default::default()
        })
        .await,
        vec!["Question 3"]
    );
    assert_eq!(
        list(KbFilter {
            q: Some("ANSWER 4".into()),
            ..Default::default()
        })
        .await,
        vec!["Question 4"]
    );
    // LIKE wildcards in the text are literal.
    assert_eq!(
        list(KbFilter {
            q: Some("alias_2%".into()),
            ..Default::default()
        })
        .await,
        vec!["Question 2"]
    );
    assert_eq!(
        list(KbFilter {
            q: Some("alias%2".into()),
            ..Default::default()
        })
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(KbFilter {
            locale: Some("zh-CN".into()),
            ..Default::default()
        })
        .await,
        vec!["Question 5", "Question 3", "Question 1"]
    );
    assert_eq!(
        list(KbFilter {
            tag: Some("Billing".into()),
            ..Default::default()
        })
        .await,
        vec!["Question 2", "Question 1", "Question 0"]
    );
    assert_eq!(
        list(KbFilter {
            tag: Some("bill".into()),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    assert_eq!(
        list(KbFilter {
            kind: Some(KbEntryKind::Article),
            ..Default::default()
        })
        .await,
        vec!["Question 5"]
    );
    assert_eq!(
        list(KbFilter {
            enabled: Some(false),
            ..Default::default()
        })
        .await,
        vec!["Question 6"]
    );

    // Pages of 3, most recently changed first, nothing repeated or lost.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_kb_entries(
                fx.account,
                &KbFilter::default(),
                &PageRequest { cursor, limit: 3 },
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|e| e.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let want: Vec<KbEntryId> = made.iter().rev().map(|e| e.id).collect();
    assert_eq!(seen, want);
    assert!(matches!(
        s.list_kb_entries(
            fx.account,
            &KbFilter::default(),
            &PageRequest {
                cursor: Some("garbage".into()),
                limit: 3
            }
        )
        .await,
        Err(StoreError::Domain(_))
    ));
}

async fn kb_imports_upsert_by_id_or_question(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let a = entry(
        fx.account,
        "en",
        "What are your business hours?",
        "9 to 5.",
        1000,
    );
    let b = entry(
        fx.account,
        "zh-CN",
        "客服工作时间是什么时候",
        "九点到五点。",
        1001,
    );
    let c = entry(
        fx.account,
        "en",
        "Does Kefu support WeChat?",
        "Through an adapter.",
        1002,
    );
    let counts = s
        .import_kb_entries(
            fx.account,
            &[a.clone(), b.clone(), c.clone()],
            KbImportMode::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (3, 0, 0)
    );
    let r1 = s.kb_revision(fx.account).await.unwrap();
    assert!(r1 > 0);

    // The same file again writes nothing and leaves the revision alone.
    let counts = s
        .import_kb_entries(
            fx.account,
            &[a.clone(), b.clone(), c.clone()],
            KbImportMode::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 0, 3)
    );
    assert_eq!(s.kb_revision(fx.account).await.unwrap(), r1);

    // Without an id, the question matches (case-insensitively, per locale);
    // with a known id, the id does, even when the question changed.
    let mut a2 = entry(
        fx.account,
        "en",
        "WHAT ARE YOUR BUSINESS HOURS?",
        "Around the clock.",
        5000,
    );
    a2.tags = vec!["hours".into()];
    let mut c2 = c.clone();
    c2.question = "Can Kefu talk to WeChat?".into();
    c2.updated_at = ts(5000);
    let d = entry(
        fx.account,
        "fr",
        "What are your business hours?",
        "De 9h à 17h.",
        5001,
    );
    let counts = s
        .import_kb_entries(
            fx.account,
            &[a2.clone(), c2.clone(), d.clone()],
            KbImportMode::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (1, 2, 0)
    );
    assert!(s.kb_revision(fx.account).await.unwrap() > r1);
    let stored_a = s.get_kb_entry(fx.account, a.id).await.unwrap();
    assert_eq!(stored_a.question, "WHAT ARE YOUR BUSINESS HOURS?");
    assert_eq!(stored_a.answer, "Around the clock.");
    assert_eq!(stored_a.version, 2);
    assert_eq!(stored_a.created_at, a.created_at);
    assert_eq!(stored_a.updated_at, ts(5000));
    assert_eq!(
        s.get_kb_entry(fx.account, c.id).await.unwrap().question,
        "Can Kefu talk to WeChat?"
    );
    assert_eq!(s.get_kb_entry(fx.account, d.id).await.unwrap(), d);
    assert_eq!(s.knowledge_base(fx.account).await.unwrap().len(), 4);

    // An update by id onto another entry's question is skipped and reported;
    // the rest of the import goes through.
    let mut clash = c2.clone();
    clash.question = "what are your business hours?".into();
    let e = entry(
        fx.account,
        "en",
        "How do I invite a colleague?",
        "Admin > Users.",
        6000,
    );
    let counts = s
        .import_kb_entries(fx.account, &[clash, e.clone()], KbImportMode::default())
        .await
        .unwrap();
    assert_eq!(counts.conflicts, vec![0]);
    assert_eq!(counts.created, 1);
    assert_eq!(
        s.get_kb_entry(fx.account, c.id).await.unwrap().question,
        "Can Kefu talk to WeChat?"
    );
}

async fn kb_imports_replace_and_dry_run(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let a = entry(fx.account, "en", "A?", "a", 1000);
    let b = entry(fx.account, "en", "B?", "b", 1001);
    s.import_kb_entries(fx.account, &[a.clone(), b.clone()], KbImportMode::default())
        .await
        .unwrap();
    let r = s.kb_revision(fx.account).await.unwrap();

    let mut a2 = a.clone();
    a2.answer = "a, changed".into();
    let c = entry(fx.account, "en", "C?", "c", 1002);
    let dry = KbImportMode {
        replace: true,
        dry_run: true,
    };
    let counts = s
        .import_kb_entries(fx.account, &[a2.clone(), c.clone()], dry)
        .await
        .unwrap();
    assert_eq!((counts.created, counts.updated, counts.deleted), (1, 1, 1));
    assert_eq!(
        s.kb_revision(fx.account).await.unwrap(),
        r,
        "a dry run writes nothing"
    );
    assert_eq!(
        s.knowledge_base(fx.account).await.unwrap(),
        vec![a.clone(), b.clone()]
    );

    let real = KbImportMode {
        replace: true,
        dry_run: false,
    };
    let counts = s
        .import_kb_entries(fx.account, &[a2.clone(), c.clone()], real)
        .await
        .unwrap();
    assert_eq!((counts.created, counts.updated, counts.deleted), (1, 1, 1));
    assert!(s.kb_revision(fx.account).await.unwrap() > r);
    let left: Vec<String> = s
        .knowledge_base(fx.account)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.question)
        .collect();
    assert_eq!(left, vec!["A?", "C?"]);
}

async fn kb_bulk_import_is_fast(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let entries: Vec<KbEntry> = (0..10_000)
        .map(|i| {
            let mut e = entry(
                fx.account,
                if i % 2 == 0 { "en" } else { "zh-CN" },
                &format!("Question number {i}?"),
                &format!("Answer number {i}, with a [link](https://example.com/{i})."),
                1000 + i,
            );
            e.similar_questions = vec![format!("q{i} alt one"), format!("q{i} alt two")];
            e.tags = vec!["bulk".into()];
            e
        })
        .collect();
    let started = Instant::now();
    let counts = s
        .import_kb_entries(fx.account, &entries, KbImportMode::default())
        .await
        .unwrap();
    let first = started.elapsed();
    assert_eq!(counts.created, 10_000);
    let started = Instant::now();
    let counts = s
        .import_kb_entries(fx.account, &entries, KbImportMode::default())
        .await
        .unwrap();
    assert_eq!(counts.unchanged, 10_000);
    let second = started.elapsed();
    eprintln!(
        "{:?}: 10,000 entries imported in {first:?}, re-imported in {second:?}",
        cx.backend
    );
    // Generous for a shared, unoptimised test build; seconds, not minutes.
    assert!(first.as_secs() < 30, "{first:?}");
    assert_eq!(s.knowledge_base(fx.account).await.unwrap().len(), 10_000);
}
