//! Sessions, API tokens and the audit log.

use std::collections::HashSet;

use kefu_core::model::*;
use kefu_core::store::{PageRequest, Session};
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    sessions_expire_and_end,
    tokens_are_found_until_revoked,
    audit_newest_first
);

async fn sessions_expire_and_end(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other = account("Other");
    s.create_account(&other).await.unwrap();
    let now = Timestamp::now();
    let session = |hash: &str| Session {
        id: SessionId::new(),
        user_id: fx.agent,
        account_id: fx.account,
        token_hash: hash.into(),
        created_at: now,
        expires_at: now.plus_millis(1_000),
        ip: Some("203.0.113.9".into()),
        user_agent: Some("Firefox".into()),
    };
    let a = session("hash-a");
    s.create_session(&a).await.unwrap();
    assert_eq!(
        s.find_session("hash-a", now).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        s.find_session("hash-a", now.plus_millis(999))
            .await
            .unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        s.find_session("hash-a", now.plus_millis(1_000))
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(s.find_session("nope", now).await.unwrap(), None);
    assert!(matches!(
        s.create_session(&session("hash-a")).await,
        Err(StoreError::Conflict(_))
    ));

    s.switch_session_account(a.id, other.id).await.unwrap();
    assert_eq!(
        s.find_session("hash-a", now)
            .await
            .unwrap()
            .unwrap()
            .account_id,
        other.id
    );
    assert!(matches!(
        s.switch_session_account(SessionId::new(), other.id).await,
        Err(StoreError::NotFound("session"))
    ));
    s.delete_session(a.id).await.unwrap();
    s.delete_session(a.id).await.unwrap(); // logging out twice is fine
    assert_eq!(s.find_session("hash-a", now).await.unwrap(), None);

    for h in ["h1", "h2", "h3"] {
        s.create_session(&session(h)).await.unwrap();
    }
    assert_eq!(s.delete_user_sessions(fx.agent).await.unwrap(), 3);
    assert_eq!(s.delete_user_sessions(fx.agent).await.unwrap(), 0);
    assert_eq!(s.find_session("h2", now).await.unwrap(), None);
}

async fn tokens_are_found_until_revoked(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let other = Fx::new(s).await;
    let now = Timestamp::now();
    let t = ApiToken {
        id: TokenId::new(),
        account_id: fx.account,
        kind: TokenKind::Personal,
        user_id: Some(fx.agent),
        inbox_id: None,
        name: "CLI".into(),
        prefix: "kf_abc".into(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    s.create_token(&t, "sha-1").await.unwrap();
    let inbox_token = ApiToken {
        id: TokenId::new(),
        kind: TokenKind::Inbox,
        user_id: None,
        inbox_id: Some(fx.inbox),
        name: "Webhook".into(),
        ..t.clone()
    };
    s.create_token(&inbox_token, "sha-2").await.unwrap();
    assert!(matches!(
        s.create_token(
            &ApiToken {
                id: TokenId::new(),
                ..t.clone()
            },
            "sha-1"
        )
        .await,
        Err(StoreError::Conflict("token"))
    ));

    let found = s.find_token("sha-1", now).await.unwrap().unwrap();
    assert_eq!(found.id, t.id);
    assert_eq!(found.last_used_at, Some(now), "marked used");
    let listed = s.list_tokens(fx.account, Some(fx.agent)).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), vec![t.id]);
    assert_eq!(listed[0].last_used_at, Some(now));
    // Within a minute the lookup does not write again.
    let soon = now.plus_millis(5_000);
    s.find_token("sha-1", soon).await.unwrap().unwrap();
    assert_eq!(
        s.list_tokens(fx.account, Some(fx.agent)).await.unwrap()[0].last_used_at,
        Some(now)
    );
    let all = s.list_tokens(fx.account, None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(s.list_tokens(other.account, None).await.unwrap().is_empty());

    // Another account cannot revoke it.
    assert!(matches!(
        s.revoke_token(other.account, t.id, now).await,
        Err(StoreError::NotFound("token"))
    ));
    let revoked_at = now.plus_millis(10);
    s.revoke_token(fx.account, t.id, revoked_at).await.unwrap();
    assert_eq!(s.find_token("sha-1", now).await.unwrap(), None);
    s.revoke_token(fx.account, t.id, revoked_at.plus_millis(99))
        .await
        .unwrap();
    let listed = s.list_tokens(fx.account, Some(fx.agent)).await.unwrap();
    assert_eq!(
        listed[0].revoked_at,
        Some(revoked_at),
        "first revocation kept"
    );
    assert!(s.find_token("sha-2", now).await.unwrap().is_some());
    assert_eq!(s.find_token("unknown", now).await.unwrap(), None);
}

async fn audit_newest_first(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let base = Timestamp::now();
    let mut ids = HashSet::new();
    for i in 0..15i64 {
        let e = AuditEntry {
            id: AuditId::new(),
            account_id: fx.account,
            actor_user_id: Some(fx.admin),
            actor: format!("user:{}", fx.admin),
            action: "user.role_changed".into(),
            target: Some(format!("user:{i}")),
            details: serde_json::json!({"from": "agent", "to": "admin", "i": i}),
            ip: None,
            created_at: base.plus_millis(i / 2),
        };
        s.append_audit(&e).await.unwrap();
        ids.insert(e.id);
    }
    let mut got = vec![];
    let mut req = PageRequest {
        cursor: None,
        limit: 4,
    };
    loop {
        let page = s.list_audit(fx.account, &req).await.unwrap();
        got.extend(page.items);
        match page.next_cursor {
            Some(c) => req.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(got.len(), 15);
    assert_eq!(got.iter().map(|e| e.id).collect::<HashSet<_>>(), ids);
    assert!(
        got.windows(2)
            .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id))
    );
    assert_eq!(got[0].details["i"], 14);
    assert!(
        s.list_audit(AccountId::new(), &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}
