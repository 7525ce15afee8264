//! A store with every kind of row in it, made through the `Store` API
//! alone: what the copy tests move between backends and compare. Shared by
//! the store's tests and papers-cli's `store_copy` test (which includes this
//! file by path).

use jiff::{SignedDuration, Timestamp};
use papers_core::{
    ArxivId, Author, Cadence, DailyListing, FollowKind, IngestRecord, Paper, Role, Submitter,
    SubscriptionStatus,
};
use papers_store::{DigestRecord, NewSubscription, Store, SubscribeOutcome};

/// What [`fill`] made, to check after a copy that ids still point where
/// they did.
#[allow(dead_code)] // each test crate reads what it needs
pub struct Filled {
    pub papers: usize,
    pub users: Vec<i64>,
    pub comment_ids: Vec<i64>,
    pub reply_id: i64,
    pub subscription_id: i64,
    pub session_hash: &'static str,
    pub token_hash: &'static str,
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

fn paper(n: usize) -> Paper {
    let id = format!("2608.{n:05}");
    let mut p = Paper::new(
        ArxivId::parse(&format!("{id}v{}", 1 + n % 3)).expect("an id"),
        format!("Paper {n}: ünïcode, 'quotes' and \"more\""),
        format!("Abstract {n}\nwith a second line"),
    );
    p.authors = vec![Author::named("Ada Lovelace"), Author::named("Alan Turing")];
    if n.is_multiple_of(2) {
        p.authors[0].hf_id = Some(format!("hf{n}"));
        p.github_repo = Some(format!("https://github.com/example/{n}"));
        p.github_stars = Some(n as i64 * 7);
        p.ai_keywords = Some(vec!["graphs".into(), "ranking".into()]);
        p.organization = Some(serde_json::json!({"name": "org", "n": n}));
        p.upvotes = Some(n as i64);
        p.num_comments = Some(1);
    }
    p.categories = vec![
        if n.is_multiple_of(3) {
            "cs.CL"
        } else {
            "cs.LG"
        }
        .into(),
    ];
    p.published_at = Some(at("2026-08-18T17:00:00Z"));
    p.updated_at = n.is_multiple_of(4).then(|| at("2026-08-20T09:30:00.250Z"));
    p.doi = n.is_multiple_of(5).then(|| format!("10.1000/{n}"));
    p
}

fn record(n: usize, day: &str) -> IngestRecord {
    let p = paper(n);
    IngestRecord {
        listing: Some(DailyListing {
            paper_id: p.id.clone(),
            day: day.parse().expect("a day"),
            position: n as i64,
            submitted_at: Some(at(&format!("{day}T01:02:03.456Z"))),
            item_published_at: None,
            submitter: (n % 2 == 1).then(|| Submitter {
                name: "taesiri".into(),
                profile: serde_json::json!({"name": "taesiri", "type": "user"}),
            }),
            comment: None,
            thumbnail: Some(format!("https://example.org/{n}.png")),
            is_author_participating: (!n.is_multiple_of(3)).then_some(n.is_multiple_of(2)),
        }),
        paper: p,
    }
}

/// Fills `store` with `papers` papers (at least 6) and every other kind of
/// row: users (one admin, one banned), sessions, API tokens (one revoked),
/// password resets (one used), votes, "not interested", collections (one
/// private) with items, authorship claims (verified, pending), a comment
/// thread (edited, deleted, hidden), a submission, subscriptions with
/// digests sent, failed and
/// empty, vectors of two models, a harvest cursor, mail and rate throttles.
pub async fn fill(store: &Store, papers: usize, now: Timestamp) -> Filled {
    assert!(papers >= 6);
    let records: Vec<IngestRecord> = (1..=papers)
        .map(|n| {
            let day = if n.is_multiple_of(2) {
                "2026-08-20"
            } else {
                "2026-08-21"
            };
            record(n, day)
        })
        .collect();
    for chunk in records.chunks(50) {
        store.upsert_batch(chunk, now).await.expect("ingest");
    }
    // A paper with no listing, and a hidden one.
    store
        .upsert_batch(&[paper(papers + 1).into()], now)
        .await
        .expect("ingest");
    store
        .set_paper_hidden(&ArxivId::parse("2608.00003").expect("id"), true)
        .await
        .expect("hide");

    let mut users = Vec::new();
    for (name, role) in [
        ("ada", Role::Admin),
        ("Grace_H", Role::User),
        ("alan", Role::User),
        ("banned", Role::User),
    ] {
        let u = store
            .create_user(
                name,
                &format!("{name}@Example.org"),
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                role,
                now,
            )
            .await
            .expect("create user")
            .expect("a new name");
        users.push(u.id);
    }
    let (ada, grace, alan, banned) = (users[0], users[1], users[2], users[3]);
    store.set_banned(banned, true).await.expect("ban");

    let later = now + SignedDuration::from_hours(24 * 30);
    store
        .create_session("session-hash-1", grace, "csrf-1", now, later)
        .await
        .expect("session");
    store
        .create_session("session-hash-0", ada, "csrf-0", now, later)
        .await
        .expect("session");
    store
        .create_api_token(grace, "laptop", "token-hash-1", now)
        .await
        .expect("token");
    let revoked = store
        .create_api_token(alan, "old", "token-hash-2", now)
        .await
        .expect("token");
    store
        .revoke_api_token(alan, revoked, now)
        .await
        .expect("revoke");
    store
        .create_password_reset("reset-hash-1", alan, now, later)
        .await
        .expect("reset");
    store
        .create_password_reset("reset-hash-2", grace, now, later)
        .await
        .expect("reset");
    store
        .consume_password_reset("reset-hash-2", now)
        .await
        .expect("consume");

    for (user, n) in [(ada, 1), (grace, 1), (grace, 2), (alan, 4), (ada, 6)] {
        let id = ArxivId::parse(&format!("2608.{n:05}")).expect("id");
        store
            .set_vote(user, &id, true, now)
            .await
            .expect("vote")
            .expect("a visible paper");
    }

    let fifth = ArxivId::parse("2608.00005").expect("id");
    store
        .set_not_interested(alan, &fifth, true, now)
        .await
        .expect("not interested")
        .expect("a visible paper");

    // Authorship claims: Alan's verified (in another spelling of his
    // name), Grace's pending.
    let second = ArxivId::parse("2608.00002").expect("id");
    let claim = store
        .claim_authorship(alan, &second, "alan  TURING", now)
        .await
        .expect("claim")
        .expect("an author of the paper");
    store
        .decide_claim(claim.id, true, now)
        .await
        .expect("verify")
        .expect("a claim");
    store
        .claim_authorship(grace, &fifth, "Ada Lovelace", now)
        .await
        .expect("claim")
        .expect("an author of the paper");

    let first = ArxivId::parse("2608.00001").expect("id");
    store
        .create_collection(
            "0123456789abcdef01234567",
            alan,
            "Alan's list",
            "a description",
            false,
            now,
        )
        .await
        .expect("a collection");
    store
        .create_collection("76543210fedcba9876543210", grace, "Private", "", true, now)
        .await
        .expect("a private collection");
    for (n, paper) in [&fifth, &first].into_iter().enumerate() {
        store
            .add_collection_item(
                "0123456789abcdef01234567",
                alan,
                papers_store::NewCollectionItem {
                    item_id: &format!("{n:024x}"),
                    paper,
                    note: "a *note*",
                },
                1000,
                now,
            )
            .await
            .expect("an item")
            .expect("a visible paper");
    }
    for (kind, target, label) in [
        (FollowKind::Author, "ada lovelace", "Ada Lovelace"),
        (FollowKind::Category, "cs.CL", "cs.CL"),
        (FollowKind::Search, "graph ranking", "graph ranking"),
        (FollowKind::Paper, "2608.00001", "Paper 1"),
    ] {
        assert!(
            store
                .follow(alan, kind, target, label, 200, now)
                .await
                .expect("follow")
                .expect("allowed")
        );
    }
    let top = store
        .add_comment(&first, grace, None, "**First!**", now)
        .await
        .expect("comment")
        .expect("accepted");
    let reply_id = store
        .add_comment(&first, alan, Some(top), "A reply", now)
        .await
        .expect("comment")
        .expect("accepted");
    let deep = store
        .add_comment(&first, ada, Some(reply_id), "Deeper", now)
        .await
        .expect("comment")
        .expect("accepted");
    assert_eq!(
        store
            .mark_notifications_read(grace, None, now)
            .await
            .expect("read"),
        1,
        "alan's reply told grace"
    );
    let gone = store
        .add_comment(
            &ArxivId::parse("2608.00002").expect("id"),
            grace,
            None,
            "x",
            now,
        )
        .await
        .expect("comment")
        .expect("accepted");
    store
        .edit_comment(top, grace, "**First!** (edited)", now)
        .await
        .expect("edit")
        .expect("allowed");
    store
        .remove_comment(gone, grace, false, now)
        .await
        .expect("delete")
        .expect("allowed");
    store
        .remove_comment(deep, ada, true, now)
        .await
        .expect("hide")
        .expect("allowed");

    // A submission: a listing with its submitter's user id.
    let grace_user = store.user_by_id(grace).await.expect("user").expect("there");
    store
        .record_submission(&record(papers + 2, "2026-08-21"), &grace_user, now)
        .await
        .expect("submission");

    let mut subscription_id = 0;
    for (i, (email, cadence, query, categories)) in [
        ("reader@example.org", Cadence::Daily, None, vec![]),
        (
            "Reader@Example.org",
            Cadence::Weekly,
            Some("graph ranking"),
            vec![],
        ),
        (
            "other@example.org",
            Cadence::Daily,
            None,
            vec!["cs.CL".to_string(), "cs.LG".to_string()],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let n = NewSubscription {
            email: email.into(),
            cadence,
            query: query.map(str::to_string),
            categories,
            user_id: (i == 0).then_some(grace),
            for_you: i == 0,
            confirm_token_hash: format!("confirm-{i}"),
            confirm_expires_at: later,
            manage_token_hash: format!("manage-{i}"),
        };
        let SubscribeOutcome::Created(sub) = store.subscribe(&n, now).await.expect("subscribe")
        else {
            panic!("a new subscription");
        };
        if i < 2 {
            store
                .confirm_subscription(&format!("confirm-{i}"), now)
                .await
                .expect("confirm")
                .expect("a live token");
        }
        if i == 0 {
            subscription_id = sub.id;
        }
    }
    let sent = ["2608.00001".to_string(), "2608.00002".to_string()];
    assert!(
        store
            .claim_digest(subscription_id, "daily:2026-08-20", now)
            .await
            .expect("claim")
    );
    for (period, status, papers, error) in [
        ("daily:2026-08-20", "sent", &sent[..], None),
        (
            "daily:2026-08-19",
            "failed",
            &[][..],
            Some("550 no such user"),
        ),
        ("daily:2026-08-18", "empty", &[][..], None),
    ] {
        store
            .record_digest(
                &DigestRecord {
                    subscription_id,
                    period,
                    status,
                    papers,
                    attempts: 1,
                    error,
                },
                now,
            )
            .await
            .expect("record digest");
    }
    store
        .claim_digest(subscription_id, "daily:2026-08-21", now)
        .await
        .expect("claim");
    store
        .set_subscription_status(subscription_id + 1, SubscriptionStatus::Paused)
        .await
        .expect("pause");

    let vectors: Vec<(String, Vec<f32>)> = (1..=papers)
        .map(|n| {
            let v = (0..8).map(|d| (n * 8 + d) as f32 / 3.0 - 5.5).collect();
            (format!("2608.{n:05}"), v)
        })
        .collect();
    store
        .put_vectors("model-a", &vectors)
        .await
        .expect("vectors");
    store
        .put_vectors("model-b", &vectors[..2])
        .await
        .expect("vectors");

    store
        .set_cursor("oai:cs", Some("token|2026-08-21|500"), now)
        .await
        .expect("cursor");
    assert!(
        store
            .claim_mail_slot(
                "Reader@Example.org",
                "confirm",
                now,
                SignedDuration::from_hours(1)
            )
            .await
            .expect("mail slot")
    );
    for _ in 0..3 {
        store
            .hit_counter("signin:grace_h", now, SignedDuration::from_mins(15))
            .await
            .expect("counter");
    }

    Filled {
        papers,
        users,
        comment_ids: vec![top, reply_id, deep, gone],
        reply_id,
        subscription_id,
        session_hash: "session-hash-1",
        token_hash: "token-hash-1",
    }
}

/// Checks, through the `Store` API, that `store` holds what [`fill`] made,
/// with the same ids, and that new rows get ids past the copied ones.
pub async fn check_filled(store: &Store, filled: &Filled, now: Timestamp) {
    let stats = store.stats().await.expect("stats");
    assert_eq!(stats.papers as usize, filled.papers + 2);
    assert_eq!(stats.users, 4);
    assert_eq!(stats.votes, 5);
    assert_eq!(stats.comments, 4);
    let grace = store
        .session_user(filled.session_hash, now)
        .await
        .expect("session")
        .expect("a live session");
    assert_eq!(grace.0.id, filled.users[1]);
    assert_eq!(grace.0.username, "Grace_H");
    assert_eq!(grace.1, "csrf-1");
    let by_token = store
        .token_user(filled.token_hash)
        .await
        .expect("token")
        .expect("a live token");
    assert_eq!(by_token.id, filled.users[1]);
    let reply = store
        .comment(filled.reply_id)
        .await
        .expect("comment")
        .expect("there");
    assert_eq!(reply.parent_id, Some(filled.comment_ids[0]));
    assert_eq!(reply.author_id, filled.users[2]);
    let first = store
        .paper(&ArxivId::parse("2608.00001").expect("id"))
        .await
        .expect("paper")
        .expect("visible");
    assert_eq!(first.upvotes, 2, "votes cast here");
    assert_eq!(first.num_comments, 2, "the hidden reply no longer counts");
    let sub = store
        .subscription(filled.subscription_id)
        .await
        .expect("subscription")
        .expect("there");
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(
        store
            .already_sent(filled.subscription_id, &["2608.00002".to_string()])
            .await
            .expect("sent"),
        ["2608.00002"]
    );
    assert_eq!(
        store.cursor("oai:cs").await.expect("cursor").as_deref(),
        Some("token|2026-08-21|500")
    );
    assert_eq!(
        store
            .vectors_after("model-a", "", 1)
            .await
            .expect("vectors")[0]
            .1,
        (0..8)
            .map(|d| (8 + d) as f32 / 3.0 - 5.5)
            .collect::<Vec<_>>()
    );
    assert!(
        !store
            .claim_mail_slot(
                "reader@example.org",
                "confirm",
                now,
                SignedDuration::from_hours(1)
            )
            .await
            .expect("mail slot"),
        "the throttle came along"
    );

    let second = store
        .paper(&ArxivId::parse("2608.00002").expect("id"))
        .await
        .expect("paper")
        .expect("visible");
    let turing = second.paper.authors[1].claimed_by.as_ref();
    assert_eq!(turing.map(|c| c.username.as_str()), Some("alan"));
    let ada = store
        .author_papers("ada lovelace", 0, 100)
        .await
        .expect("author");
    assert_eq!(ada.total as usize, filled.papers + 1, "every visible paper");
    let claims = store.claims_of(filled.users[1]).await.expect("claims");
    assert_eq!(claims.len(), 1, "Grace's pending claim came along");

    // New rows take ids after the copied ones (identity sequences).
    let next = store
        .create_user("newcomer", "new@example.org", "h", Role::User, now)
        .await
        .expect("create user")
        .expect("a new name");
    assert!(next.id > *filled.users.iter().max().expect("users"));
    let comment = store
        .add_comment(
            &ArxivId::parse("2608.00004").expect("id"),
            next.id,
            None,
            "hello",
            now,
        )
        .await
        .expect("comment")
        .expect("accepted");
    assert!(comment > *filled.comment_ids.iter().max().expect("comments"));
    let token = store
        .create_api_token(next.id, "new", "token-hash-new", now)
        .await
        .expect("token");
    assert!(token > 2);
    let n = NewSubscription {
        email: "new@example.org".into(),
        cadence: Cadence::Daily,
        query: None,
        categories: vec![],
        user_id: Some(next.id),
        for_you: false,
        confirm_token_hash: "confirm-new".into(),
        confirm_expires_at: now,
        manage_token_hash: "manage-new".into(),
    };
    let SubscribeOutcome::Created(sub) = store.subscribe(&n, now).await.expect("subscribe") else {
        panic!("a new subscription");
    };
    assert!(sub.id > filled.subscription_id + 2);
    let claim = store
        .claim_authorship(
            next.id,
            &ArxivId::parse("2608.00004").expect("id"),
            "Alan Turing",
            now,
        )
        .await
        .expect("claim")
        .expect("an author");
    assert!(claim.id > claims[0].id);
}
