//! Durable jobs: dedupe, leases, retries, dead letters.

use kefu_core::model::NewJob;
use kefu_core::*;

use crate::contract;
use crate::fixture::*;
use crate::harness::Ctx;

contract!(
    jobs_dedupe_lease_retry_dead,
    jobs_claimed_once_under_concurrency,
    a_pending_timer_can_be_brought_forward,
);

async fn a_pending_timer_can_be_brought_forward(cx: Ctx) {
    let s = &*cx.store;
    let t0 = Timestamp::now();
    let later = t0.plus_millis(3_600_000);
    s.enqueue_job(&job("sla.check", later, Some("sla.check:c9"), 100))
        .await
        .unwrap()
        .unwrap();
    assert!(s.claim_jobs(t0, 1_000, 10).await.unwrap().is_empty());
    // Never pushed back, only forward.
    assert!(
        !s.expedite_job("sla.check:c9", later.plus_millis(1))
            .await
            .unwrap()
    );
    assert!(!s.expedite_job("sla.check:other", t0).await.unwrap());
    assert!(s.expedite_job("sla.check:c9", t0).await.unwrap());
    let claimed = s.claim_jobs(t0, 60_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // A claimed (running) job is its worker's: left alone.
    assert!(
        !s.expedite_job("sla.check:c9", t0.plus_millis(-1))
            .await
            .unwrap()
    );
}

fn job(kind: &str, run_at: Timestamp, key: Option<&str>, max_attempts: i32) -> NewJob {
    NewJob {
        account_id: None,
        kind: kind.into(),
        payload: serde_json::json!({"conversation_id": "c1"}),
        run_at,
        dedupe_key: key.map(str::to_owned),
        max_attempts,
    }
}

async fn jobs_dedupe_lease_retry_dead(cx: Ctx) {
    let s = &*cx.store;
    let t0 = Timestamp::now();
    let id = s
        .enqueue_job(&job("conversation.unsnooze", t0, Some("unsnooze:c1"), 3))
        .await
        .unwrap();
    let id = id.expect("first enqueue");
    // A pending job with the same key: not enqueued again.
    assert_eq!(
        s.enqueue_job(&job("conversation.unsnooze", t0, Some("unsnooze:c1"), 3))
            .await
            .unwrap(),
        None
    );
    // Jobs without a key never clash; a future job is not due yet.
    let later = s
        .enqueue_job(&job("sla.check", t0.plus_millis(10_000), None, 1))
        .await
        .unwrap();
    assert!(later.is_some());
    assert!(
        s.enqueue_job(&job("sla.check", t0.plus_millis(10_000), None, 1))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(s.count_jobs("conversation.unsnooze").await.unwrap(), (1, 0));
    assert_eq!(s.count_jobs("sla.check").await.unwrap(), (2, 0));
    assert_eq!(s.count_jobs("nothing").await.unwrap(), (0, 0));

    let claimed = s.claim_jobs(t0, 1_000, 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "only the due job");
    let j = &claimed[0];
    assert_eq!(
        (j.id, j.attempts, j.locked_until),
        (id, 1, Some(t0.plus_millis(1_000)))
    );
    assert_eq!(j.payload["conversation_id"], "c1");
    // Leased: nobody else gets it until the lease runs out.
    assert!(
        s.claim_jobs(t0.plus_millis(999), 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let reclaimed = s
        .claim_jobs(t0.plus_millis(1_000), 1_000, 10)
        .await
        .unwrap();
    assert_eq!(
        reclaimed
            .iter()
            .map(|j| (j.id, j.attempts))
            .collect::<Vec<_>>(),
        vec![(id, 2)]
    );

    // A failure with a retry time reschedules it...
    s.fail_job(id, "smtp timeout", Some(t0.plus_millis(5_000)))
        .await
        .unwrap();
    assert!(
        s.claim_jobs(t0.plus_millis(4_999), 1_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|j| j.id != id)
    );
    let third = s
        .claim_jobs(t0.plus_millis(5_000), 1_000, 10)
        .await
        .unwrap();
    let third = third.iter().find(|j| j.id == id).expect("retried");
    assert_eq!(
        (third.attempts, third.last_error.as_deref()),
        (3, Some("smtp timeout"))
    );
    // ...until the attempts are used up: then it is dead.
    s.fail_job(id, "smtp timeout again", Some(t0.plus_millis(9_000)))
        .await
        .unwrap();
    assert_eq!(s.count_jobs("conversation.unsnooze").await.unwrap(), (0, 1));
    assert!(
        s.claim_jobs(t0.plus_millis(9_500), 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A dead job does not block its key.
    assert!(
        s.enqueue_job(&job("conversation.unsnooze", t0, Some("unsnooze:c1"), 3))
            .await
            .unwrap()
            .is_some()
    );

    // Completing deletes; completing twice is fine.
    let due = s
        .claim_jobs(t0.plus_millis(10_000), 1_000, 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 3);
    assert!(
        due.windows(2).all(|w| w[0].run_at <= w[1].run_at),
        "most overdue first"
    );
    for j in &due {
        s.complete_job(j.id).await.unwrap();
        s.complete_job(j.id).await.unwrap();
    }
    assert_eq!(s.count_jobs("sla.check").await.unwrap(), (0, 0));
    assert_eq!(s.count_jobs("conversation.unsnooze").await.unwrap(), (0, 1));

    // A failure without a retry time is final; a lease that runs out with no
    // attempts left makes the job dead too.
    let once = s
        .enqueue_job(&job("webhook", t0, None, 5))
        .await
        .unwrap()
        .unwrap();
    s.claim_jobs(t0, 1_000, 10).await.unwrap();
    s.fail_job(once, "410 gone", None).await.unwrap();
    let crash = s
        .enqueue_job(&job("webhook", t0, None, 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.claim_jobs(t0, 1_000, 10).await.unwrap()[0].id, crash);
    assert!(
        s.claim_jobs(t0.plus_millis(2_000), 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.count_jobs("webhook").await.unwrap(), (0, 2));
}

async fn jobs_claimed_once_under_concurrency(cx: Ctx) {
    let s = cx.store.clone();
    let t0 = Timestamp::now();
    for i in 0..60 {
        s.enqueue_job(&job("tick", t0.plus_millis(-i), None, 3))
            .await
            .unwrap();
    }
    let mut workers = vec![];
    for _ in 0..6 {
        let s = s.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = vec![];
            loop {
                let batch = s.claim_jobs(t0, 60_000, 4).await.unwrap();
                if batch.is_empty() {
                    break mine;
                }
                mine.extend(batch.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = vec![];
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (60, 60), "each job claimed exactly once");
    let _ = ts(0);
}
