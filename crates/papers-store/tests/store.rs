//! The store contract, exercised against the SQLite backend. Each test gets
//! its own database file.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{ArxivId, Author, DailyListing, IngestRecord, Paper, Submitter};
use papers_store::{ListingQuery, ListingSort, Store};

fn now() -> Timestamp {
    "2026-08-21T12:00:00Z".parse().unwrap()
}

async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("papers.db"))
        .await
        .unwrap();
    (dir, store)
}

fn paper(id: &str, title: &str, upvotes: Option<i64>) -> Paper {
    let mut p = Paper::new(
        ArxivId::parse(id).unwrap(),
        title,
        format!("Abstract of {title}"),
    );
    p.authors = vec![Author::named("Ada Lovelace"), Author::named("Alan Turing")];
    p.categories = vec!["cs.CL".into(), "cs.AI".into()];
    p.upvotes = upvotes;
    p
}

fn listed(p: Paper, day: &str, position: i64, submitter: Option<&str>) -> IngestRecord {
    let listing = DailyListing {
        paper_id: p.id.clone(),
        day: day.parse::<Date>().unwrap(),
        position,
        submitted_at: Some(format!("{day}T08:00:00Z").parse().unwrap()),
        item_published_at: None,
        submitter: submitter.map(|s| Submitter {
            name: s.to_string(),
            profile: serde_json::json!({"name": s, "fullname": s.to_uppercase()}),
        }),
        comment: None,
        thumbnail: None,
        is_author_participating: Some(false),
    };
    IngestRecord {
        paper: p,
        listing: Some(listing),
    }
}

fn day_query(day: &str) -> ListingQuery {
    let d: Date = day.parse().unwrap();
    ListingQuery {
        from: d,
        to: d,
        submitter: None,
        sort: ListingSort::Upvotes,
        offset: 0,
        limit: 50,
    }
}

#[tokio::test]
async fn upserts_are_idempotent() {
    let (_dir, store) = temp_store().await;
    let batch = vec![
        listed(
            paper("2608.00001", "One", Some(5)),
            "2026-08-20",
            0,
            Some("alice"),
        ),
        listed(
            paper("2608.00002", "Two", Some(9)),
            "2026-08-20",
            1,
            Some("bob"),
        ),
        listed(
            paper("2608.00001", "One", Some(5)),
            "2026-08-21",
            0,
            Some("alice"),
        ),
    ];
    let first = store.upsert_batch(&batch, now()).await.unwrap();
    assert_eq!(
        (first.papers_new, first.listings_new, first.records),
        (2, 3, 3)
    );
    let before = store.stats().await.unwrap();
    let second = store.upsert_batch(&batch, now()).await.unwrap();
    assert_eq!((second.papers_new, second.listings_new), (0, 0));
    let after = store.stats().await.unwrap();
    assert_eq!(before, after);
    assert_eq!(
        (after.papers, after.listing_days, after.listings),
        (2, 2, 3)
    );
}

#[tokio::test]
async fn merging_never_erases_known_fields() {
    let (_dir, store) = temp_store().await;
    let mut rich = paper("2608.00001", "Rich", Some(40));
    rich.github_repo = Some("https://github.com/a/b".into());
    rich.github_stars = Some(12);
    rich.authors[0].hf_id = Some("66540321d200a2ecdf784ffe".into());
    rich.published_at = Some("2026-08-19T00:00:00Z".parse().unwrap());
    store.upsert_batch(&[rich.into()], now()).await.unwrap();

    // A poorer source for the same paper, a later version, a smaller upvote snapshot.
    let mut poor = paper("2608.00001v2", "Rich", Some(3));
    poor.published_at = Some("2026-08-20T00:00:00Z".parse().unwrap());
    poor.updated_at = Some("2026-08-22T00:00:00Z".parse().unwrap());
    store.upsert_batch(&[poor.into()], now()).await.unwrap();

    let got = store
        .paper(&ArxivId::parse("2608.00001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got.paper.github_repo.as_deref(),
        Some("https://github.com/a/b")
    );
    assert_eq!(got.paper.github_stars, Some(12));
    assert_eq!(got.upvotes, 40, "upvote baselines only grow");
    assert_eq!(got.paper.id.version(), Some(2));
    assert_eq!(
        got.paper.authors[0].hf_id.as_deref(),
        Some("66540321d200a2ecdf784ffe"),
        "Hugging Face author records are kept"
    );
    assert_eq!(
        got.paper.published_at.unwrap().to_string(),
        "2026-08-19T00:00:00Z"
    );
    assert_eq!(
        got.paper.updated_at.unwrap().to_string(),
        "2026-08-22T00:00:00Z"
    );
    assert_eq!(got.paper.categories, vec!["cs.CL", "cs.AI"]);
}

#[tokio::test]
async fn a_day_is_ordered_by_upvotes_then_position() {
    let (_dir, store) = temp_store().await;
    let batch = vec![
        listed(paper("2608.00001", "A", Some(5)), "2026-08-21", 0, None),
        listed(paper("2608.00002", "B", Some(9)), "2026-08-21", 1, None),
        listed(paper("2608.00003", "C", Some(5)), "2026-08-21", 2, None),
        listed(paper("2608.00004", "D", Some(100)), "2026-08-20", 0, None),
    ];
    store.upsert_batch(&batch, now()).await.unwrap();
    let page = store.listings(&day_query("2026-08-21")).await.unwrap();
    let titles: Vec<_> = page.items.iter().map(|i| i.paper.title.as_str()).collect();
    assert_eq!(titles, ["B", "A", "C"]);
    assert_eq!(page.total, 3);

    let mut q = day_query("2026-08-21");
    q.limit = 1;
    q.offset = 1;
    let page = store.listings(&q).await.unwrap();
    assert_eq!(page.items[0].paper.title, "A");
    assert_eq!(page.total, 3);

    assert_eq!(
        store
            .latest_listing_day()
            .await
            .unwrap()
            .unwrap()
            .to_string(),
        "2026-08-21"
    );
    let (prev, next) = store
        .neighbour_listing_days("2026-08-21".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(prev.unwrap().to_string(), "2026-08-20");
    assert!(next.is_none());
}

#[tokio::test]
async fn submitter_filter_ignores_case() {
    let (_dir, store) = temp_store().await;
    let batch = vec![
        listed(
            paper("2608.00001", "A", Some(5)),
            "2026-08-21",
            0,
            Some("Alice"),
        ),
        listed(
            paper("2608.00002", "B", Some(9)),
            "2026-08-21",
            1,
            Some("bob"),
        ),
    ];
    store.upsert_batch(&batch, now()).await.unwrap();
    let mut q = day_query("2026-08-21");
    q.submitter = Some("alice".into());
    let page = store.listings(&q).await.unwrap();
    assert_eq!(page.total, 1);
    let l = page.items[0].listing.as_ref().unwrap();
    assert_eq!(l.submitter.as_ref().unwrap().name, "Alice");
    assert_eq!(l.submitter.as_ref().unwrap().profile["fullname"], "ALICE");
}

#[tokio::test]
async fn old_style_ids_round_trip_and_cursors_persist() {
    let (dir, store) = temp_store().await;
    store
        .upsert_batch(&[paper("hep-th/9901001v3", "Strings", None).into()], now())
        .await
        .unwrap();
    let got = store
        .paper(&ArxivId::parse("hep-th/9901001").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.paper.id.to_string(), "hep-th/9901001v3");
    assert!(got.listing.is_none());
    assert_eq!(got.upvotes, 0);
    assert!(
        store
            .paper(&ArxivId::parse("2608.99999").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    store
        .set_cursor("oai:cs", Some("token-1"), now())
        .await
        .unwrap();
    store.close().await;
    let store = Store::open_sqlite(&dir.path().join("papers.db"))
        .await
        .unwrap();
    assert_eq!(
        store.cursor("oai:cs").await.unwrap().as_deref(),
        Some("token-1")
    );
    store.set_cursor("oai:cs", None, now()).await.unwrap();
    assert_eq!(store.cursor("oai:cs").await.unwrap(), None);
}

#[tokio::test]
async fn vectors_are_kept_per_model_and_resumable() {
    let (_dir, store) = temp_store().await;
    let batch: Vec<IngestRecord> = (1..=3)
        .map(|i| paper(&format!("2608.0000{i}"), "T", None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let todo = store.papers_without_vectors("m1", 10).await.unwrap();
    assert_eq!(todo.len(), 3);
    store
        .put_vectors(
            "m1",
            &[
                ("2608.00001".into(), vec![0.5, -0.25]),
                ("2608.00002".into(), vec![1.0, 0.0]),
            ],
        )
        .await
        .unwrap();
    let todo = store.papers_without_vectors("m1", 10).await.unwrap();
    assert_eq!(
        todo.iter()
            .map(|p| p.paper.id.to_string())
            .collect::<Vec<_>>(),
        ["2608.00003"]
    );
    assert_eq!(
        store.papers_without_vectors("m2", 10).await.unwrap().len(),
        3,
        "another model starts over"
    );
    let v = store.vectors_after("m1", "", 10).await.unwrap();
    assert_eq!(v[0], ("2608.00001".to_string(), vec![0.5, -0.25]));
    assert_eq!(v.len(), 2);
    let rest = store.vectors_after("m1", "2608.00001", 10).await.unwrap();
    assert_eq!(rest.len(), 1, "keyset paging");
    assert_eq!(
        store.vector_models().await.unwrap(),
        vec![("m1".to_string(), 2)]
    );
    let page = store.papers_after("2608.00001", 10).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(store.visible_paper_ids().await.unwrap().len(), 3);
}

#[tokio::test]
async fn papers_by_ids_is_one_read_in_the_order_asked() {
    let (_dir, store) = temp_store().await;
    let batch: Vec<IngestRecord> = (1..=4)
        .map(|i| paper(&format!("2608.0000{i}"), &format!("T{i}"), None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let hidden = ArxivId::parse("2608.00002").unwrap();
    assert!(store.set_paper_hidden(&hidden, true).await.unwrap());
    let ask: Vec<String> = ["2608.00004", "2608.00002", "9999.99999", "2608.00001"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got: Vec<String> = store
        .papers_by_ids(&ask)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.paper.id.to_string())
        .collect();
    assert_eq!(
        got,
        ["2608.00004", "2608.00001"],
        "asked order kept; hidden and unknown ids left out"
    );
    assert!(store.papers_by_ids(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn three_hard_bounces_pause_a_subscription() {
    use papers_store::{DigestRecord, NewSubscription, SubscribeOutcome};
    let (_dir, store) = temp_store().await;
    let n = NewSubscription {
        email: "bouncy@example.org".into(),
        cadence: "daily".into(),
        query: None,
        categories: vec![],
        user_id: None,
        confirm_token_hash: "c".repeat(64),
        confirm_expires_at: "2026-08-23T00:00:00Z".parse().unwrap(),
        manage_token: "m".repeat(64),
    };
    let SubscribeOutcome::Created(sub) = store.subscribe(&n, now()).await.unwrap() else {
        panic!("a new subscription")
    };
    assert!(matches!(
        store.subscribe(&n, now()).await.unwrap(),
        SubscribeOutcome::StillPending(_)
    ));
    let active = store
        .confirm_subscription(&"c".repeat(64), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.status, "active");
    assert!(matches!(
        store.subscribe(&n, now()).await.unwrap(),
        SubscribeOutcome::AlreadyActive(_)
    ));
    for (i, day) in ["daily:2026-08-19", "daily:2026-08-20", "daily:2026-08-21"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            store.due_subscriptions("daily", day).await.unwrap().len(),
            1,
            "bounce {i}"
        );
        let r = DigestRecord {
            subscription_id: sub.id,
            period: day,
            status: "failed",
            papers: &[],
            attempts: 3,
            error: Some("550 mailbox unavailable"),
        };
        store.record_digest(&r, now()).await.unwrap();
    }
    let s = store.subscription(sub.id).await.unwrap().unwrap();
    assert_eq!((s.status.as_str(), s.hard_bounces), ("paused", 3));
    assert!(
        store
            .due_subscriptions("daily", "daily:2026-08-24")
            .await
            .unwrap()
            .is_empty()
    );
}

/// `papers backup` under load: a backup taken while 100 users vote and
/// comment restores to a store that passes `PRAGMA integrity_check` and holds
/// every vote and comment committed before the backup began.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_every_earlier_commit() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use papers_core::Role;
    use sqlx::ConnectOptions;

    let (dir, store) = temp_store().await;
    let papers: Vec<IngestRecord> = (0..10)
        .map(|i| {
            listed(
                paper(&format!("2408.{:05}", 100 + i), &format!("Paper {i}"), Some(0)),
                "2026-08-20",
                i,
                None,
            )
        })
        .collect();
    store.upsert_batch(&papers, now()).await.unwrap();
    let mut users = Vec::new();
    for i in 0..100 {
        let u = store
            .create_user(&format!("user{i}"), &format!("u{i}@example.org"), "hash", Role::User, now())
            .await
            .unwrap()
            .unwrap();
        users.push(u.id);
    }
    let backup_started = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for (n, user) in users.iter().copied().enumerate() {
        let store = store.clone();
        let started = backup_started.clone();
        let ids: Vec<ArxivId> = papers.iter().map(|r| r.paper.id.clone()).collect();
        workers.push(tokio::spawn(async move {
            // (paper, comment id, committed before the backup began)
            let mut acked = Vec::new();
            for (k, id) in ids.iter().enumerate() {
                store.set_vote(user, id, true, now()).await.unwrap().unwrap();
                let before = !started.load(Ordering::SeqCst);
                let comment = if (k + n) % 3 == 0 {
                    let c = store
                        .add_comment(id, user, None, &format!("comment by {user} on {id}"), now())
                        .await
                        .unwrap()
                        .unwrap();
                    Some((c, !started.load(Ordering::SeqCst)))
                } else {
                    None
                };
                acked.push((id.clone(), before, comment));
            }
            (user, acked)
        }));
    }
    // Let the load get going, then back up in the middle of it.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let backup = dir.path().join("backups/papers-backup.db");
    backup_started.store(true, Ordering::SeqCst);
    store.backup(&backup).await.unwrap();
    let mut results = Vec::new();
    for w in workers {
        results.push(w.await.unwrap());
    }
    assert!(
        store.backup(&backup).await.is_err(),
        "an existing backup file is never overwritten"
    );

    // A restore is refused while the store is open, and works once it is closed.
    let db = dir.path().join("papers.db");
    let err = papers_store::restore(&backup, &db, "t1").await.unwrap_err();
    assert!(err.to_string().contains("in use"), "{err}");
    store.close().await;
    drop(store);
    let report = papers_store::restore(&backup, &db, "t1").await.unwrap();
    assert_eq!(
        report.previous,
        Some(dir.path().join("papers.db.before-restore-t1"))
    );

    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(verdict, "ok");
    drop(conn);

    let restored = Store::open_sqlite(&db).await.unwrap();
    let (mut votes_before, mut comments_before) = (0u64, 0u64);
    for (user, acked) in &results {
        for (id, before, comment) in acked {
            if *before {
                votes_before += 1;
                assert!(restored.voted(*user, id).await.unwrap(), "vote {user} {id}");
            }
            if let Some((c, true)) = comment {
                comments_before += 1;
                assert!(restored.comment(*c).await.unwrap().is_some(), "comment {c}");
            }
        }
    }
    assert!(votes_before > 0, "the backup ran while votes were committed");
    let stats = restored.stats().await.unwrap();
    assert!(stats.votes >= votes_before, "{} < {votes_before}", stats.votes);
    // Each paper's count still equals its votes (local_votes = COUNT(votes)).
    for r in &papers {
        let p = restored.paper(&r.paper.id).await.unwrap().unwrap();
        let mut voters = 0;
        for user in &users {
            voters += i64::from(restored.voted(*user, &r.paper.id).await.unwrap());
        }
        assert_eq!(p.upvotes, voters, "{}", r.paper.id);
    }
    eprintln!(
        "backup under load: {votes_before} votes and {comments_before} comments committed before it began, all restored; {} votes in the backup",
        stats.votes
    );
    restored.close().await;
}

/// A password reset assumes a leak: sessions, API tokens and the other reset
/// links all stop working in the same transaction. Expired sessions and
/// reset links are purged.
#[tokio::test]
async fn a_password_reset_revokes_every_credential_and_expired_ones_are_purged() {
    use papers_core::Role;

    let (_dir, store) = temp_store().await;
    let user = store
        .create_user("ada", "ada@example.org", "old-hash", Role::User, now())
        .await
        .unwrap()
        .unwrap();
    let later: Timestamp = "2026-08-22T12:00:00Z".parse().unwrap();
    let much_later: Timestamp = "2026-09-30T12:00:00Z".parse().unwrap();
    store
        .create_session("session-hash", user.id, "csrf", now(), later)
        .await
        .unwrap();
    store
        .create_api_token(user.id, "laptop", "token-hash", now())
        .await
        .unwrap();
    store
        .create_password_reset("reset-1", user.id, now(), later)
        .await
        .unwrap();
    store
        .create_password_reset("reset-2", user.id, now(), later)
        .await
        .unwrap();
    assert!(store.token_user("token-hash").await.unwrap().is_some());

    assert_eq!(
        store.consume_password_reset("reset-1", now()).await.unwrap(),
        Some(user.id)
    );
    store.reset_password(user.id, "new-hash", now()).await.unwrap();
    assert!(store.session_user("session-hash", now()).await.unwrap().is_none());
    assert!(store.token_user("token-hash").await.unwrap().is_none());
    assert_eq!(
        store.consume_password_reset("reset-2", now()).await.unwrap(),
        None,
        "the other reset link is used up"
    );
    let (_, hash) = store.user_credentials("ada").await.unwrap().unwrap();
    assert_eq!(hash, "new-hash");

    store
        .create_session("s2", user.id, "csrf", now(), later)
        .await
        .unwrap();
    store
        .create_password_reset("reset-3", user.id, now(), later)
        .await
        .unwrap();
    assert_eq!(store.purge_expired(now()).await.unwrap(), (0, 0));
    assert_eq!(store.purge_expired(much_later).await.unwrap(), (1, 3));
}

/// The per-recipient mail limit: one slot per gap, whatever the case of the
/// address, and two racing claims never both win.
#[tokio::test]
async fn a_mail_slot_is_claimed_once_per_gap() {
    let (_dir, store) = temp_store().await;
    let hour = jiff::SignedDuration::from_hours(1);
    let t0 = now();
    let t1: Timestamp = "2026-08-21T12:59:00Z".parse().unwrap();
    let t2: Timestamp = "2026-08-21T13:00:00Z".parse().unwrap();
    assert!(store.claim_mail_slot("ada@example.org", "confirm", t0, hour).await.unwrap());
    assert!(!store.claim_mail_slot("ADA@example.org", "confirm", t1, hour).await.unwrap());
    assert!(store.claim_mail_slot("ada@example.org", "reset", t1, hour).await.unwrap());
    assert!(store.claim_mail_slot("ada@example.org", "confirm", t2, hour).await.unwrap());

    let t3: Timestamp = "2026-08-21T15:00:00Z".parse().unwrap();
    let claims = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim_mail_slot("bob@example.org", "confirm", t3, hour).await })
    });
    let mut won = 0;
    for c in claims {
        won += usize::from(c.await.unwrap().unwrap());
    }
    assert_eq!(won, 1);
}
