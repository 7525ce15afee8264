//! Authors (`authors.rs`): one author per normalised name, their papers,
//! co-authors and upvotes, the derived rows kept in step with ingest and
//! filled in at open, and authorship claims with their verification.

use papers_core::{ArxivId, Author, ClaimStatus};
use papers_store::{Coauthor, Refusal, Store};

use super::{Fixture, listed, now, paper, users};

fn with_authors(id: &str, upvotes: i64, names: &[&str]) -> papers_core::IngestRecord {
    let mut p = paper(id, &format!("Paper {id}"), Some(upvotes));
    p.authors = names.iter().map(|n| Author::named(*n)).collect();
    listed(p, "2026-08-21", 0, None)
}

async fn keys_of(store: &Store, key: &str) -> Vec<String> {
    store
        .author_papers(key, 0, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|lp| lp.paper.id.base().to_string())
        .collect()
}

/// "Alan Turing", "alan  turing", "ALAN TURING" and "Alan Türing" are one
/// author; "A. Turing" another. Their page counts visible papers and
/// upvotes; co-authors are counted by papers together.
pub async fn spellings_of_a_name_are_one_author(f: Fixture) {
    let store = f.store.clone();
    store
        .upsert_batch(
            &[
                with_authors("2608.00001", 3, &["Alan Turing", "Ada Lovelace"]),
                with_authors("2608.00002", 5, &["alan  turing", "Ada  LOVELACE"]),
                with_authors("2608.00003", 7, &["ALAN TURING", "Grace Hopper"]),
                with_authors("2608.00004", 11, &["Alan Tu\u{308}ring"]),
                with_authors("2608.00005", 13, &["A. Turing", "Ada Lovelace"]),
            ],
            now(),
        )
        .await
        .unwrap();
    let key = papers_core::author_key("Alan Turing");
    let summary = store.author_summary(&key).await.unwrap().unwrap();
    assert_eq!((summary.papers, summary.upvotes), (4, 3 + 5 + 7 + 11));
    assert_eq!(
        keys_of(&store, &key).await,
        ["2608.00004", "2608.00003", "2608.00002", "2608.00001"]
    );
    assert_eq!(
        store.coauthors(&key, 10).await.unwrap(),
        [
            Coauthor {
                name: "Ada  LOVELACE".into(),
                papers: 2
            },
            Coauthor {
                name: "Grace Hopper".into(),
                papers: 1
            },
        ]
    );
    assert_eq!(keys_of(&store, "a. turing").await, ["2608.00005"]);
    assert!(store.author_summary("nobody").await.unwrap().is_none());
    assert!(store.author_summary("").await.unwrap().is_none());

    // A hidden paper leaves the author's page; a new list of authors
    // replaces the old one.
    store
        .set_paper_hidden(&ArxivId::parse("2608.00004").unwrap(), true)
        .await
        .unwrap();
    store
        .upsert_batch(&[with_authors("2608.00003", 7, &["Grace Hopper"])], now())
        .await
        .unwrap();
    assert_eq!(keys_of(&store, &key).await, ["2608.00002", "2608.00001"]);
    let summary = store.author_summary(&key).await.unwrap().unwrap();
    assert_eq!((summary.papers, summary.upvotes), (2, 8));
    assert_eq!(keys_of(&store, "grace hopper").await, ["2608.00003"]);
}

/// Papers stored before migration 0011 have no author rows: opening the
/// store fills them in.
pub async fn opening_fills_in_author_rows(f: Fixture) {
    let store = f.store.clone();
    let records: Vec<_> = (1..=30)
        .map(|n| with_authors(&format!("2608.{n:05}"), 1, &["Ada Lovelace"]))
        .collect();
    store.upsert_batch(&records, now()).await.unwrap();
    // As a store migrated from 0009 would be.
    if f.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&f.url).await.unwrap();
        sqlx::query("DELETE FROM paper_authors")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&f.url).await.unwrap();
        sqlx::query("DELETE FROM paper_authors")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    assert!(
        store
            .author_summary("ada lovelace")
            .await
            .unwrap()
            .is_none()
    );
    let reopened = Store::open(&f.url).await.unwrap();
    let summary = reopened
        .author_summary("ada lovelace")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.papers, 30);
    reopened.close().await;
}

/// A claim names an author of a visible paper in any spelling; an admin
/// verifies or rejects it; one verified claim per author of a paper; the
/// paper's author entry then names the account; the claims go with the
/// account.
pub async fn claims_are_verified_once_and_mark_the_author(f: Fixture) {
    let store = f.store.clone();
    store
        .upsert_batch(
            &[
                with_authors("2608.00001", 3, &["Alan Turing", "Ada Lovelace"]),
                with_authors("2608.00002", 5, &["Grace Hopper"]),
            ],
            now(),
        )
        .await
        .unwrap();
    let ids = users(&store, 3).await;
    let (alan, ada, other) = (ids[0], ids[1], ids[2]);
    let first = ArxivId::parse("2608.00001v2").unwrap();
    let missing = ArxivId::parse("2608.09999").unwrap();

    let claim = store
        .claim_authorship(alan, &first, " alan TURING ", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            claim.author_name.as_str(),
            claim.paper_id.as_str(),
            claim.status
        ),
        ("Alan Turing", "2608.00001", ClaimStatus::Pending)
    );
    let refused = |r: Result<_, Refusal>| r.err();
    assert_eq!(
        refused(
            store
                .claim_authorship(alan, &first, "Ada Lovelace", now())
                .await
                .unwrap()
        ),
        Some(Refusal::ClaimExists)
    );
    assert_eq!(
        refused(
            store
                .claim_authorship(ada, &first, "Grace Hopper", now())
                .await
                .unwrap()
        ),
        Some(Refusal::NoSuchAuthor)
    );
    assert_eq!(
        refused(
            store
                .claim_authorship(ada, &missing, "Ada", now())
                .await
                .unwrap()
        ),
        Some(Refusal::NoSuchPaper)
    );
    // Somebody else claims the same author: both wait for an admin.
    let rival = store
        .claim_authorship(other, &first, "Alan Turing", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.pending_claims(10).await.unwrap().len(), 2);

    let verified = store
        .decide_claim(claim.id, true, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.status, ClaimStatus::Verified);
    assert!(verified.decided_at.is_some());
    assert_eq!(
        refused(store.decide_claim(rival.id, true, now()).await.unwrap()),
        Some(Refusal::AuthorClaimed),
        "one verified claim per author"
    );
    assert_eq!(
        refused(
            store
                .claim_authorship(ada, &first, "alan turing", now())
                .await
                .unwrap()
        ),
        Some(Refusal::AuthorClaimed)
    );
    let rejected = store
        .decide_claim(rival.id, false, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rejected.status, ClaimStatus::Rejected);
    assert_eq!(
        refused(store.decide_claim(999_999, true, now()).await.unwrap()),
        Some(Refusal::NoSuchClaim)
    );
    assert!(store.pending_claims(10).await.unwrap().is_empty());

    // Every read of the paper names the account on that author.
    let lp = store.paper(&first).await.unwrap().unwrap();
    let marks: Vec<Option<&str>> = lp
        .paper
        .authors
        .iter()
        .map(|a| a.claimed_by.as_ref().map(|c| c.username.as_str()))
        .collect();
    assert_eq!(marks, [Some("voter0"), None]);
    let day = store
        .listings(&super::day_query("2026-08-21"))
        .await
        .unwrap();
    let listed = day
        .items
        .iter()
        .find(|p| p.paper.id.base() == "2608.00001")
        .unwrap();
    assert!(listed.paper.authors[0].claimed_by.is_some());
    let view = super::feed_view_matches_the_reads(
        &store,
        &super::day_query("2026-08-21"),
        "2026-08-21".parse().ok(),
    )
    .await;
    let marks: Vec<Option<&str>> = view
        .page
        .items
        .iter()
        .flat_map(|p| &p.paper.authors)
        .map(|a| a.claimed_by.as_ref().map(|c| c.username.as_str()))
        .collect();
    assert_eq!(marks.iter().flatten().collect::<Vec<_>>(), [&"voter0"]);
    let by_ids = store
        .papers_by_ids(&["2608.00001".to_string()])
        .await
        .unwrap();
    assert!(by_ids[0].paper.authors[0].claimed_by.is_some());
    let by_author = store.author_papers("alan turing", 0, 10).await.unwrap();
    assert!(by_author.items[0].paper.authors[0].claimed_by.is_some());
    assert_eq!(store.claims_of(alan).await.unwrap().len(), 1);
    assert_eq!(
        store.user_by_name("VOTER0").await.unwrap().map(|u| u.id),
        Some(alan)
    );

    // The account goes, and its claims with it.
    store.delete_user(alan, now()).await.unwrap().unwrap();
    assert!(store.claims_of(alan).await.unwrap().is_empty());
    let lp = store.paper(&first).await.unwrap().unwrap();
    assert!(lp.paper.authors[0].claimed_by.is_none());
    // The author is free to be claimed again.
    store
        .claim_authorship(ada, &first, "Alan Turing", now())
        .await
        .unwrap()
        .unwrap();
}
