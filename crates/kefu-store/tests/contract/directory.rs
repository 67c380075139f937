//! Accounts, users, members, teams, inboxes, visibility.

use kefu_core::model::*;
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    accounts_and_users,
    members,
    teams,
    inboxes,
    visibility_by_role
);

async fn accounts_and_users(cx: Ctx) {
    let s = &*cx.store;
    assert_eq!(s.backend(), format!("{:?}", cx.backend).to_lowercase());
    s.ping().await.unwrap();
    let mut a = account("Acme");
    s.create_account(&a).await.unwrap();
    assert_eq!(s.get_account(a.id).await.unwrap(), a);
    assert!(matches!(
        s.create_account(&a).await,
        Err(StoreError::Conflict(_))
    ));
    a.name = "Acme 2".into();
    a.updated_at = a.updated_at.plus_millis(5);
    s.update_account(&a).await.unwrap();
    assert_eq!(s.get_account(a.id).await.unwrap(), a);
    assert!(matches!(
        s.get_account(AccountId::new()).await,
        Err(StoreError::NotFound("account"))
    ));
    assert!(matches!(
        s.update_account(&account("ghost")).await,
        Err(StoreError::NotFound(_))
    ));

    let mut u = user("ann");
    u.email = "Ann@Example.com".into();
    s.create_user(&u, "argon-hash").await.unwrap();
    let got = s.get_user(u.id).await.unwrap();
    assert_eq!(
        got.email, "ann@example.com",
        "emails are stored lower-cased"
    );
    let (found, hash) = s
        .find_user_by_email("ANN@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "argon-hash"));
    assert!(
        s.find_user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // The same email again, in any case, is a conflict named "email".
    let mut dup = user("ann");
    dup.email = "ann@EXAMPLE.com".into();
    assert!(matches!(
        s.create_user(&dup, "h").await,
        Err(StoreError::Conflict("email"))
    ));
    s.set_password(u.id, "new-hash").await.unwrap();
    s.update_user_name(u.id, "Ann Lee").await.unwrap();
    let (found, hash) = s
        .find_user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.name.as_str(), hash.as_str()),
        ("Ann Lee", "new-hash")
    );
    assert!(matches!(
        s.set_password(UserId::new(), "x").await,
        Err(StoreError::NotFound("user"))
    ));
    assert!(matches!(
        s.get_user(UserId::new()).await,
        Err(StoreError::NotFound("user"))
    ));
}

async fn members(cx: Ctx) {
    let s = &*cx.store;
    let a = account("A");
    let b = account("B");
    s.create_account(&a).await.unwrap();
    s.create_account(&b).await.unwrap();
    let u = user("sam");
    s.create_user(&u, "h").await.unwrap();
    let mut m = member(a.id, &u, Role::Agent);
    s.upsert_member(&m).await.unwrap();
    s.upsert_member(&member(b.id, &u, Role::Admin))
        .await
        .unwrap();
    assert_eq!(s.get_member(a.id, u.id).await.unwrap(), m);
    // Upsert updates role, capacity and skills.
    m.role = Role::Supervisor;
    m.capacity = 9;
    m.skills = vec!["vip".into(), "退款".into()];
    s.upsert_member(&m).await.unwrap();
    assert_eq!(s.get_member(a.id, u.id).await.unwrap(), m);
    s.set_availability(a.id, u.id, Availability::Online)
        .await
        .unwrap();
    let got = s.get_member(a.id, u.id).await.unwrap();
    assert_eq!(got.availability, Availability::Online);
    assert_eq!(s.list_members(a.id).await.unwrap().len(), 1);

    let mut accts = s.accounts_of(u.id).await.unwrap();
    accts.sort_by(|x, y| x.0.name.cmp(&y.0.name));
    assert_eq!(
        accts,
        vec![(a.clone(), Role::Supervisor), (b.clone(), Role::Admin)]
    );

    // A user who does not exist cannot be made a member.
    let ghost = member(a.id, &user("ghost"), Role::Agent);
    assert!(matches!(
        s.upsert_member(&ghost).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_availability(a.id, UserId::new(), Availability::Away)
            .await,
        Err(StoreError::NotFound("member"))
    ));

    s.remove_member(a.id, u.id).await.unwrap();
    assert!(matches!(
        s.get_member(a.id, u.id).await,
        Err(StoreError::NotFound("member"))
    ));
    assert!(matches!(
        s.remove_member(a.id, u.id).await,
        Err(StoreError::NotFound("member"))
    ));
    assert_eq!(s.accounts_of(u.id).await.unwrap(), vec![(b, Role::Admin)]);
}

async fn teams(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mut t = Team {
        id: TeamId::new(),
        account_id: fx.account,
        name: "Billing".into(),
        skills: vec!["billing".into()],
        created_at: Timestamp::now(),
    };
    s.create_team(&t).await.unwrap();
    assert_eq!(s.get_team(fx.account, t.id).await.unwrap(), t);
    t.name = "Billing & Refunds".into();
    t.skills = vec![];
    s.update_team(&t).await.unwrap();
    assert_eq!(s.get_team(fx.account, t.id).await.unwrap(), t);
    assert_eq!(s.list_teams(fx.account).await.unwrap().len(), 2);

    s.set_team_member(fx.account, t.id, fx.agent, true)
        .await
        .unwrap();
    s.set_team_member(fx.account, t.id, fx.agent, true)
        .await
        .unwrap(); // idempotent
    s.set_team_member(fx.account, t.id, fx.agent2, true)
        .await
        .unwrap();
    let mut want = vec![fx.agent, fx.agent2];
    want.sort();
    assert_eq!(s.team_members(fx.account, t.id).await.unwrap(), want);
    s.set_team_member(fx.account, t.id, fx.agent2, false)
        .await
        .unwrap();
    assert_eq!(
        s.team_members(fx.account, t.id).await.unwrap(),
        vec![fx.agent]
    );
    // Only members of the account can join its teams.
    assert!(matches!(
        s.set_team_member(fx.account, t.id, UserId::new(), true)
            .await,
        Err(StoreError::NotFound("member"))
    ));
    assert!(matches!(
        s.set_team_member(fx.account, TeamId::new(), fx.agent, true)
            .await,
        Err(StoreError::NotFound("team"))
    ));

    // Deleting the fixture's team clears the inbox's default team.
    s.delete_team(fx.account, fx.team).await.unwrap();
    assert_eq!(
        s.get_inbox(fx.account, fx.inbox)
            .await
            .unwrap()
            .default_team_id,
        None
    );
    assert!(matches!(
        s.get_team(fx.account, fx.team).await,
        Err(StoreError::NotFound("team"))
    ));
    assert!(matches!(
        s.delete_team(fx.account, fx.team).await,
        Err(StoreError::NotFound("team"))
    ));
}

async fn inboxes(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    let mut i = inbox(fx.account, "Email", false, None);
    s.create_inbox(&i, "s1").await.unwrap();
    assert_eq!(s.get_inbox(fx.account, i.id).await.unwrap(), i);
    assert_eq!(s.find_inbox(i.id).await.unwrap(), i);
    assert_eq!(s.inbox_secret(fx.account, i.id).await.unwrap(), "s1");
    s.set_inbox_secret(fx.account, i.id, "s2").await.unwrap();
    assert_eq!(s.inbox_secret(fx.account, i.id).await.unwrap(), "s2");
    i.name = "Mail".into();
    i.channel = ChannelKind::Email;
    i.bot_enabled = true;
    i.default_team_id = Some(fx.team);
    i.allowed_origins = vec![];
    i.require_identity = true;
    i.settings = serde_json::json!({"imap": {"host": "mail.example"}});
    i.updated_at = i.updated_at.plus_millis(10);
    s.update_inbox(&i).await.unwrap();
    assert_eq!(s.get_inbox(fx.account, i.id).await.unwrap(), i);
    assert_eq!(s.list_inboxes(fx.account).await.unwrap().len(), 2);
    // A default team must be a team of the same account.
    i.default_team_id = Some(TeamId::new());
    assert!(matches!(
        s.update_inbox(&i).await,
        Err(StoreError::NotFound("team"))
    ));
    let bad = inbox(fx.account, "x", true, Some(TeamId::new()));
    assert!(matches!(
        s.create_inbox(&bad, "s").await,
        Err(StoreError::NotFound("team"))
    ));

    s.set_inbox_member(fx.account, i.id, fx.agent, true)
        .await
        .unwrap();
    s.set_inbox_member(fx.account, i.id, fx.agent, true)
        .await
        .unwrap();
    assert_eq!(
        s.inbox_members(fx.account, i.id).await.unwrap(),
        vec![fx.agent]
    );
    s.set_inbox_member(fx.account, i.id, fx.agent, false)
        .await
        .unwrap();
    assert!(s.inbox_members(fx.account, i.id).await.unwrap().is_empty());
    assert!(matches!(
        s.set_inbox_member(fx.account, i.id, UserId::new(), true)
            .await,
        Err(StoreError::NotFound("member"))
    ));
    assert!(matches!(
        s.find_inbox(InboxId::new()).await,
        Err(StoreError::NotFound("inbox"))
    ));
}

async fn visibility_by_role(cx: Ctx) {
    let s = &*cx.store;
    let fx = Fx::new(s).await;
    // inbox_a: direct membership; fx.inbox: routes to fx.team; inbox_c: neither.
    let inbox_a = inbox(fx.account, "A", true, None);
    let inbox_c = inbox(fx.account, "C", true, None);
    s.create_inbox(&inbox_a, "s").await.unwrap();
    s.create_inbox(&inbox_c, "s").await.unwrap();
    s.set_inbox_member(fx.account, inbox_a.id, fx.agent, true)
        .await
        .unwrap();
    s.set_team_member(fx.account, fx.team, fx.agent, true)
        .await
        .unwrap();

    let v = s.visibility(fx.account, fx.agent).await.unwrap();
    let mut want = vec![inbox_a.id, fx.inbox];
    want.sort();
    assert_eq!(v.inboxes, Some(want));
    assert_eq!(v.teams, vec![fx.team]);
    assert!(!v.can_see_inbox(inbox_c.id));

    let v2 = s.visibility(fx.account, fx.agent2).await.unwrap();
    assert_eq!(v2.inboxes, Some(vec![]));
    let admin = s.visibility(fx.account, fx.admin).await.unwrap();
    assert_eq!(admin.inboxes, None);
    assert!(matches!(
        s.visibility(fx.account, UserId::new()).await,
        Err(StoreError::NotFound("member"))
    ));
}
