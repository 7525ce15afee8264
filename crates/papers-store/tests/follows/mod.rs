//! Follows and notifications (`follows.rs`): the limit, unfollowing, the
//! papers of followed authors, and the notifications written where their
//! cause is (a reply; an ingest batch's new papers and newly linked code),
//! once each however often an ingest runs, and gone with the account.

use jiff::Timestamp;
use papers_core::{ArxivId, Author, FollowKind, NotificationKind};
use papers_store::{NewCollectionItem, Refusal};

use super::{Fixture, listed, now, paper, users};

fn by(id: &str, names: &[&str], published: &str) -> papers_core::IngestRecord {
    let mut p = paper(id, &format!("Paper {id}"), Some(1));
    p.authors = names.iter().map(|n| Author::named(*n)).collect();
    p.published_at = Some(published.parse::<Timestamp>().unwrap());
    listed(p, "2026-08-21", 0, None)
}

pub async fn follows_are_limited_and_undone(f: Fixture) {
    let store = f.store.clone();
    let [reader] = users(&store, 1).await[..] else {
        unreachable!()
    };
    store
        .upsert_batch(
            &[by("2608.00001", &["Ada Lovelace"], "2026-08-20T00:00:00Z")],
            now(),
        )
        .await
        .unwrap();
    let follow = |kind, target: &'static str| {
        let store = store.clone();
        async move {
            store
                .follow(reader, kind, target, target, 3, now())
                .await
                .unwrap()
        }
    };
    assert_eq!(follow(FollowKind::Author, "ada lovelace").await, Ok(true));
    assert_eq!(follow(FollowKind::Author, "ada lovelace").await, Ok(false));
    assert_eq!(follow(FollowKind::Category, "cs.CL").await, Ok(true));
    assert_eq!(
        follow(FollowKind::Paper, "2608.99999").await,
        Err(Refusal::NoSuchPaper)
    );
    assert_eq!(follow(FollowKind::Paper, "2608.00001").await, Ok(true));
    assert_eq!(
        follow(FollowKind::Search, "graphs").await,
        Err(Refusal::TooManyFollows),
        "three at most"
    );
    let kinds: Vec<FollowKind> = store
        .follows_of(reader)
        .await
        .unwrap()
        .iter()
        .map(|f| f.kind)
        .collect();
    assert_eq!(
        kinds,
        [FollowKind::Author, FollowKind::Category, FollowKind::Paper]
    );
    assert!(
        store
            .unfollow(reader, FollowKind::Category, "cs.CL")
            .await
            .unwrap()
    );
    assert!(
        !store
            .unfollow(reader, FollowKind::Category, "cs.CL")
            .await
            .unwrap()
    );
    assert_eq!(follow(FollowKind::Search, "graphs").await, Ok(true));

    // Papers of followed authors in a window, each once, newest first.
    store
        .upsert_batch(
            &[
                by(
                    "2608.00002",
                    &["Ada Lovelace", "Alan Turing"],
                    "2026-08-21T00:00:00Z",
                ),
                by("2608.00003", &["Grace Hopper"], "2026-08-21T00:00:00Z"),
            ],
            now(),
        )
        .await
        .unwrap();
    let keys = vec!["ada lovelace".to_string(), "alan turing".to_string()];
    let day = "2026-08-21".parse().unwrap();
    let found: Vec<(String, String)> = store
        .papers_of_authors_between(&keys, day, day, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, k)| (p.paper.id.base().to_string(), k))
        .collect();
    assert_eq!(
        found,
        [
            ("2608.00002".to_string(), "ada lovelace".to_string()),
            ("2608.00001".to_string(), "ada lovelace".to_string()),
        ]
    );
}

pub async fn notifications_come_once_from_their_causes(f: Fixture) {
    let store = f.store.clone();
    let [writer, replier, fan, saver] = users(&store, 4).await[..] else {
        unreachable!()
    };
    store
        .upsert_batch(
            &[by("2608.00001", &["Ada Lovelace"], "2026-08-20T00:00:00Z")],
            now(),
        )
        .await
        .unwrap();
    let first = ArxivId::parse("2608.00001").unwrap();

    // A reply tells the parent's author, not someone answering themselves.
    let top = store
        .add_comment(&first, writer, None, "A question", now())
        .await
        .unwrap()
        .unwrap();
    let reply = store
        .add_comment(&first, replier, Some(top), "An answer", now())
        .await
        .unwrap()
        .unwrap();
    store
        .add_comment(&first, writer, Some(top), "Self-reply", now())
        .await
        .unwrap()
        .unwrap();
    let got = store.notifications_of(writer, 10).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].kind, NotificationKind::Reply);
    assert_eq!(got[0].detail, reply.to_string());
    assert_eq!(got[0].actor, "voter1");
    assert_eq!(got[0].paper_title, "Paper 2608.00001");
    assert!(!got[0].read);

    // A new, recent paper by a followed author (any spelling) tells the
    // follower; an old one, imported now, does not; nor does a re-import.
    store
        .follow(
            fan,
            FollowKind::Author,
            "ada lovelace",
            "Ada Lovelace",
            200,
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    let batch = [
        by(
            "2608.00002",
            &["ADA  Lovelace", "Alan Turing"],
            "2026-08-21T00:00:00Z",
        ),
        by("1501.00001", &["Ada Lovelace"], "2015-01-01T00:00:00Z"),
        by("2608.00003", &["Grace Hopper"], "2026-08-21T00:00:00Z"),
    ];
    store.upsert_batch(&batch, now()).await.unwrap();
    store.upsert_batch(&batch, now()).await.unwrap();
    let got = store.notifications_of(fan, 10).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].kind, got[0].paper_id.as_str(), got[0].actor.as_str()),
        (NotificationKind::AuthorPaper, "2608.00002", "ADA  Lovelace")
    );
    assert_eq!(store.unread_notifications(fan).await.unwrap(), 1);

    // Code appearing on a saved paper tells who saved it, once.
    store
        .create_collection(
            "0123456789abcdef01234567",
            saver,
            "Reading",
            "",
            true,
            now(),
        )
        .await
        .unwrap();
    store
        .add_collection_item(
            "0123456789abcdef01234567",
            saver,
            NewCollectionItem {
                item_id: "000000000000000000000001",
                paper: &ArxivId::parse("2608.00003").unwrap(),
                note: "",
            },
            1000,
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    let mut with_code = batch[2].clone();
    with_code.paper.github_repo = Some("https://github.com/example/code".into());
    store
        .upsert_batch(std::slice::from_ref(&with_code), now())
        .await
        .unwrap();
    store.upsert_batch(&[with_code], now()).await.unwrap();
    let got = store.notifications_of(saver, 10).await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (got[0].kind, got[0].detail.as_str()),
        (NotificationKind::Code, "https://github.com/example/code")
    );

    // Read, then gone with the account.
    assert_eq!(
        store
            .mark_notifications_read(saver, None, now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.unread_notifications(saver).await.unwrap(), 0);
    assert!(store.notifications_of(saver, 10).await.unwrap()[0].read);
    assert_eq!(
        store
            .mark_notifications_read(fan, Some(0), now())
            .await
            .unwrap(),
        0
    );
    store.delete_user(fan, now()).await.unwrap().unwrap();
    assert!(store.notifications_of(fan, 10).await.unwrap().is_empty());
    assert!(store.follows_of(fan).await.unwrap().is_empty());
}
