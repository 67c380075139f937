//! Canned responses: shared ones and each member's own, short codes unique
//! per scope, and a member's own going with them.

use kefu_core::model::*;
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    shared_and_personal_responses_by_scope,
    short_codes_are_unique_per_scope,
    personal_responses_leave_with_their_owner,
);

fn canned(fx: &Fx, owner: Option<UserId>, code: &str, content: &str) -> CannedResponse {
    CannedResponse {
        id: CannedResponseId::new(),
        account_id: fx.account,
        owner_id: owner,
        short_code: code.into(),
        content: content.into(),
        created_at: fx.now,
        updated_at: fx.now,
    }
}

async fn shared_and_personal_responses_by_scope(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let shared = canned(&fx, None, "hello", "Hi {{contact.name}}!");
    let mine = canned(&fx, Some(fx.agent), "bye", "Bye");
    let theirs = canned(&fx, Some(fx.agent2), "secret", "Only agent 2 sees this");
    for r in [&shared, &mine, &theirs] {
        s.create_canned_response(r).await.unwrap();
    }
    let seen = s.list_canned_responses(fx.account, fx.agent).await.unwrap();
    assert_eq!(
        seen,
        vec![mine.clone(), shared.clone()],
        "by short code, without agent 2's"
    );
    assert_eq!(
        s.get_canned_response(fx.account, theirs.id).await.unwrap(),
        theirs
    );

    let mut changed = shared.clone();
    changed.content = "Hello {{contact.name}}".into();
    changed.updated_at = ts(fx.now.0 + 1);
    s.update_canned_response(&changed).await.unwrap();
    assert_eq!(
        s.get_canned_response(fx.account, shared.id).await.unwrap(),
        changed
    );

    // Another account sees none of it, by list or by id.
    let other = account("Other");
    s.create_account(&other).await.unwrap();
    assert!(
        s.list_canned_responses(other.id, fx.agent)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        s.get_canned_response(other.id, shared.id).await,
        Err(StoreError::NotFound(_))
    ));
    let mut foreign = changed.clone();
    foreign.account_id = other.id;
    assert!(matches!(
        s.update_canned_response(&foreign).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.delete_canned_response(other.id, shared.id).await,
        Err(StoreError::NotFound(_))
    ));

    s.delete_canned_response(fx.account, shared.id)
        .await
        .unwrap();
    assert!(matches!(
        s.delete_canned_response(fx.account, shared.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        s.list_canned_responses(fx.account, fx.agent).await.unwrap(),
        vec![mine]
    );
}

async fn short_codes_are_unique_per_scope(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    s.create_canned_response(&canned(&fx, None, "refund", "Shared"))
        .await
        .unwrap();
    assert!(matches!(
        s.create_canned_response(&canned(&fx, None, "refund", "Again"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // The same code may be someone's own, once per member.
    s.create_canned_response(&canned(&fx, Some(fx.agent), "refund", "Mine"))
        .await
        .unwrap();
    s.create_canned_response(&canned(&fx, Some(fx.agent2), "refund", "Theirs"))
        .await
        .unwrap();
    let dup = canned(&fx, Some(fx.agent), "other", "Mine too");
    s.create_canned_response(&dup).await.unwrap();
    let mut renamed = dup.clone();
    renamed.short_code = "refund".into();
    assert!(matches!(
        s.update_canned_response(&renamed).await,
        Err(StoreError::Conflict(_))
    ));
    // Only members of the account may own one.
    let stranger = user("stranger");
    s.create_user(&stranger, "not-a-hash").await.unwrap();
    assert!(matches!(
        s.create_canned_response(&canned(&fx, Some(stranger.id), "x", "y"))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn personal_responses_leave_with_their_owner(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mine = canned(&fx, Some(fx.agent2), "mine", "Mine");
    s.create_canned_response(&mine).await.unwrap();
    s.remove_member(fx.account, fx.agent2).await.unwrap();
    assert!(matches!(
        s.get_canned_response(fx.account, mine.id).await,
        Err(StoreError::NotFound(_))
    ));
}
