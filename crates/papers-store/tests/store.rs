//! The store contract, exercised against both backends: each check runs
//! once on SQLite (its own database file) and once on PostgreSQL (its own
//! database on the cluster named by `PAPERS_TEST_DATABASE_URL`, which
//! `scripts/test.sh` starts; skipped with a note without it, except under
//! CI). The backup and restore test is SQLite's alone.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

mod authors;
mod every_row;
mod follows;
mod nodes;

use authors::{
    claims_are_verified_once_and_mark_the_author, opening_fills_in_author_rows,
    spellings_of_a_name_are_one_author,
};
use follows::{follows_are_limited_and_undone, notifications_come_once_from_their_causes};
use nodes::{
    a_due_job_is_taken_by_one_node_until_its_lease_lapses,
    a_read_replica_serves_pages_and_the_primary_its_writers,
    a_reader_of_the_change_feed_misses_nothing, embedding_claims_are_disjoint,
    the_change_feed_records_what_indexes_need,
};

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

/// A fresh store on one backend, and the URL to open it again.
struct Fixture {
    store: Store,
    url: String,
    /// The PostgreSQL cluster's admin URL (None on SQLite).
    admin: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    async fn sqlite() -> Fixture {
        let (dir, store) = temp_store().await;
        let url = format!("sqlite://{}", dir.path().join("papers.db").display());
        Fixture {
            store,
            url,
            admin: None,
            _dir: Some(dir),
        }
    }

    /// A new database on the test cluster, or `None` to skip.
    async fn postgres(check: &str) -> Option<Fixture> {
        let admin = papers_testkit::postgres_url(check)?;
        let url = create_database(&admin).await;
        let store = Store::open(&url).await.unwrap();
        Some(Fixture {
            store,
            url,
            admin: Some(admin),
            _dir: None,
        })
    }

    /// The URL of another new, empty database on the same backend.
    async fn sibling(&self) -> String {
        match (&self.admin, &self._dir) {
            (Some(admin), _) => create_database(admin).await,
            (None, Some(dir)) => {
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                format!(
                    "sqlite://{}",
                    dir.path().join(format!("sibling-{n}.db")).display()
                )
            }
            (None, None) => unreachable!("a fixture is on one backend"),
        }
    }

    /// Closes the store and opens the same database again.
    async fn reopen(&mut self) {
        self.store.close().await;
        self.store = Store::open(&self.url).await.unwrap();
    }
}

/// Creates a new database on the cluster and answers its URL.
async fn create_database(admin: &str) -> String {
    let admin = admin.to_string();
    tokio::task::spawn_blocking(move || papers_testkit::new_database(&admin))
        .await
        .unwrap()
}

/// Runs each named check (`async fn NAME(f: Fixture)`) as two tests,
/// `sqlite::NAME` and `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::Fixture::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let check = concat!("store on PostgreSQL: ", stringify!($name));
                    if let Some(f) = super::Fixture::postgres(check).await {
                        super::$name(f).await;
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    follows_are_limited_and_undone,
    notifications_come_once_from_their_causes,
    upserts_are_idempotent,
    merging_never_erases_known_fields,
    a_day_is_ordered_by_upvotes_then_position,
    submitter_filter_ignores_case,
    old_style_ids_round_trip_and_cursors_persist,
    vectors_are_kept_per_model_and_resumable,
    papers_by_ids_is_one_read_in_the_order_asked,
    three_hard_bounces_pause_a_subscription,
    a_password_reset_revokes_every_credential_and_expired_ones_are_purged,
    a_mail_slot_is_claimed_once_per_gap,
    counters_count_every_hit_in_their_window,
    usernames_are_unique_in_any_case_and_emails_match_in_any_case,
    concurrent_votes_are_counted_exactly,
    a_digest_period_is_claimed_once,
    comments_count_and_moderation,
    submissions_are_counted_per_day,
    papers_between_filters_by_window_and_category,
    the_fingerprint_moves_with_new_papers,
    opening_twice_at_once_migrates_once,
    a_copy_keeps_every_row_and_id,
    an_interrupted_copy_resumes_where_it_stopped,
    a_copy_refuses_a_target_that_is_not_its_own,
    nul_characters_are_dropped_alike,
    the_change_feed_records_what_indexes_need,
    a_reader_of_the_change_feed_misses_nothing,
    a_due_job_is_taken_by_one_node_until_its_lease_lapses,
    embedding_claims_are_disjoint,
    collections_keep_their_order_notes_and_owner,
    spellings_of_a_name_are_one_author,
    opening_fills_in_author_rows,
    claims_are_verified_once_and_mark_the_author,
);

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

async fn upserts_are_idempotent(f: Fixture) {
    let store = f.store.clone();
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

async fn merging_never_erases_known_fields(f: Fixture) {
    let store = f.store.clone();
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

async fn a_day_is_ordered_by_upvotes_then_position(f: Fixture) {
    let store = f.store.clone();
    let empty = store.latest_feed_view(0, 30).await.unwrap();
    assert_eq!(
        (empty.latest, empty.prev, empty.next, empty.page.total),
        (None, None, None, 0)
    );
    assert!(empty.page.items.is_empty());
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

    // The feed view (one statement on PostgreSQL) answers what those reads
    // answer: a day, a later page of it, a day with no listings between
    // two that have, a week, and a page past the end.
    let day = |d: &str| d.parse::<Date>().unwrap();
    let view =
        feed_view_matches_the_reads(&store, &day_query("2026-08-21"), Some(day("2026-08-21")))
            .await;
    let titles: Vec<_> = view
        .page
        .items
        .iter()
        .map(|i| i.paper.title.as_str())
        .collect();
    assert_eq!(titles, ["B", "A", "C"]);
    assert_eq!(
        (view.latest, view.prev, view.next, view.page.total),
        (Some(day("2026-08-21")), Some(day("2026-08-20")), None, 3)
    );
    feed_view_matches_the_reads(&store, &q, Some(day("2026-08-21"))).await;
    store
        .upsert_batch(
            &[listed(
                paper("2608.00005", "E", Some(1)),
                "2026-08-23",
                0,
                None,
            )],
            now(),
        )
        .await
        .unwrap();
    let gap =
        feed_view_matches_the_reads(&store, &day_query("2026-08-22"), Some(day("2026-08-22")))
            .await;
    assert_eq!(
        (gap.prev, gap.next, gap.page.total),
        (Some(day("2026-08-21")), Some(day("2026-08-23")), 0)
    );
    assert!(gap.page.items.is_empty());
    let mut week = day_query("2026-08-17");
    week.to = day("2026-08-23");
    let view = feed_view_matches_the_reads(&store, &week, None).await;
    assert_eq!(
        (view.latest, view.prev, view.next, view.page.total),
        (Some(day("2026-08-23")), None, None, 5)
    );
    week.offset = 10;
    let past = feed_view_matches_the_reads(&store, &week, None).await;
    assert_eq!((past.page.items.len(), past.page.total), (0, 5));

    // The home page's view: the latest day's, in one statement on
    // PostgreSQL, the same as asking for that day.
    let home = store.latest_feed_view(0, 50).await.unwrap();
    let latest = day("2026-08-23");
    assert_eq!(
        home,
        store
            .feed_view(&day_query("2026-08-23"), Some(latest))
            .await
            .unwrap()
    );
    assert_eq!(
        (home.latest, home.prev, home.next),
        (Some(latest), Some(day("2026-08-21")), None)
    );
    assert_eq!(home.page.items[0].paper.title, "E");
    let mut paged = day_query("2026-08-23");
    paged.offset = 1;
    let second = store.latest_feed_view(1, 50).await.unwrap();
    assert_eq!(second, store.feed_view(&paged, Some(latest)).await.unwrap());
    assert!(second.page.items.is_empty());
}

/// Checks that [`Store::feed_view`] answers what the separate reads
/// answer, and answers it.
async fn feed_view_matches_the_reads(
    store: &Store,
    q: &ListingQuery,
    around: Option<Date>,
) -> papers_store::FeedView {
    let view = store.feed_view(q, around).await.unwrap();
    assert_eq!(view.page, store.listings(q).await.unwrap());
    assert_eq!(view.latest, store.latest_listing_day().await.unwrap());
    let days = match around {
        Some(d) => store.neighbour_listing_days(d).await.unwrap(),
        None => (None, None),
    };
    assert_eq!((view.prev, view.next), days);
    view
}

async fn submitter_filter_ignores_case(f: Fixture) {
    let store = f.store.clone();
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

async fn old_style_ids_round_trip_and_cursors_persist(mut f: Fixture) {
    let store = f.store.clone();
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
    f.reopen().await;
    let store = f.store.clone();
    assert_eq!(
        store.cursor("oai:cs").await.unwrap().as_deref(),
        Some("token-1")
    );
    store.set_cursor("oai:cs", None, now()).await.unwrap();
    assert_eq!(store.cursor("oai:cs").await.unwrap(), None);
}

async fn vectors_are_kept_per_model_and_resumable(f: Fixture) {
    let store = f.store.clone();
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

async fn papers_by_ids_is_one_read_in_the_order_asked(f: Fixture) {
    let store = f.store.clone();
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

/// Issue 14: a collection keeps its papers in order with their notes; only
/// its owner changes it; a paper is in it once; a full one refuses more;
/// only public ones are listed, by paper and by owner in any case.
async fn collections_keep_their_order_notes_and_owner(f: Fixture) {
    use papers_store::{CollectionEdit, Refusal};
    let store = f.store.clone();
    let batch: Vec<IngestRecord> = (1..=4)
        .map(|i| paper(&format!("2608.0000{i}"), &format!("T{i}"), None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let ids = users(&store, 2).await;
    let (ada, bob) = (ids[0], ids[1]);
    let p = |n: usize| ArxivId::parse(&format!("2608.0000{n}")).unwrap();
    let c = store
        .create_collection("aaaa", ada, "Reading", "why", false, now())
        .await
        .unwrap();
    assert_eq!((c.owner.as_str(), c.items, c.private), ("voter0", 0, false));
    for (n, item) in [(1, "i1"), (2, "i2"), (3, "i3")] {
        let (it, new) = store
            .add_collection_item(
                "aaaa",
                ada,
                papers_store::NewCollectionItem {
                    item_id: item,
                    paper: &p(n),
                    note: "",
                },
                3,
                now(),
            )
            .await
            .unwrap()
            .unwrap();
        assert!(new);
        assert_eq!(it.position, i64::try_from(n).unwrap() - 1);
    }
    let (again, new) = store
        .add_collection_item(
            "aaaa",
            ada,
            papers_store::NewCollectionItem {
                item_id: "i9",
                paper: &p(1),
                note: "",
            },
            3,
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        !new && again.item_id == "i1",
        "a paper is in a collection once"
    );
    assert_eq!(
        store
            .add_collection_item(
                "aaaa",
                ada,
                papers_store::NewCollectionItem {
                    item_id: "i4",
                    paper: &p(4),
                    note: ""
                },
                3,
                now()
            )
            .await
            .unwrap(),
        Err(Refusal::CollectionFull)
    );
    assert_eq!(
        store
            .add_collection_item(
                "aaaa",
                bob,
                papers_store::NewCollectionItem {
                    item_id: "i5",
                    paper: &p(4),
                    note: ""
                },
                10,
                now()
            )
            .await
            .unwrap(),
        Err(Refusal::NoSuchCollection),
        "only the owner adds"
    );
    let nine = ArxivId::parse("2608.00009").unwrap();
    assert_eq!(
        store
            .add_collection_item(
                "aaaa",
                ada,
                papers_store::NewCollectionItem {
                    item_id: "i6",
                    paper: &nine,
                    note: ""
                },
                10,
                now()
            )
            .await
            .unwrap(),
        Err(Refusal::NoSuchPaper)
    );
    // Move the last first, note the middle one.
    assert!(
        store
            .update_collection_item("aaaa", ada, "i3", Some("start here"), Some(0), now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .update_collection_item("aaaa", bob, "i3", Some("mine now"), None, now())
            .await
            .unwrap()
    );
    let order: Vec<(String, String)> = store
        .collection_items("aaaa")
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.paper_id, i.note))
        .collect();
    assert_eq!(
        order,
        [
            ("2608.00003".to_string(), "start here".to_string()),
            ("2608.00001".to_string(), String::new()),
            ("2608.00002".to_string(), String::new()),
        ]
    );
    assert!(
        store
            .remove_collection_item("aaaa", ada, "i1", now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .remove_collection_item("aaaa", bob, "i2", now())
            .await
            .unwrap()
    );
    // Public ones are listed by paper and owner; private ones are not.
    store
        .create_collection("bbbb", bob, "Secret", "", true, now())
        .await
        .unwrap();
    store
        .add_collection_item(
            "bbbb",
            bob,
            papers_store::NewCollectionItem {
                item_id: "j1",
                paper: &p(2),
                note: "",
            },
            10,
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    let listed =
        |v: Vec<papers_store::Collection>| -> Vec<String> { v.into_iter().map(|c| c.id).collect() };
    assert_eq!(
        listed(
            store
                .public_collections(Some(&p(2)), None, 10)
                .await
                .unwrap()
        ),
        ["aaaa"]
    );
    assert_eq!(
        listed(
            store
                .public_collections(None, Some("VOTER0"), 10)
                .await
                .unwrap()
        ),
        ["aaaa"]
    );
    assert!(
        store
            .public_collections(Some(&p(1)), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .update_collection(
                "aaaa",
                bob,
                CollectionEdit {
                    private: Some(true),
                    ..Default::default()
                },
                now()
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .update_collection(
                "bbbb",
                bob,
                CollectionEdit {
                    title: Some("Open"),
                    private: Some(false),
                    ..Default::default()
                },
                now()
            )
            .await
            .unwrap()
    );
    let open = store.collection("bbbb").await.unwrap().unwrap();
    assert_eq!(
        (open.title.as_str(), open.private, open.items),
        ("Open", false, 1)
    );
    assert_eq!(store.collections_of(bob).await.unwrap().len(), 1);
    assert_eq!(
        store.saved_papers_of(ada).await.unwrap().len(),
        2,
        "papers 3 and 2 remain saved"
    );
    assert!(!store.delete_collection("aaaa", bob).await.unwrap());
    assert!(store.delete_collection("aaaa", ada).await.unwrap());
    assert!(store.collection("aaaa").await.unwrap().is_none());
    assert!(store.collection_items("aaaa").await.unwrap().is_empty());
}

async fn three_hard_bounces_pause_a_subscription(f: Fixture) {
    use papers_store::{DigestRecord, NewSubscription, SubscribeOutcome};
    let store = f.store.clone();
    let n = NewSubscription {
        email: "bouncy@example.org".into(),
        cadence: papers_core::Cadence::Daily,
        query: None,
        categories: vec![],
        user_id: None,
        for_you: false,
        confirm_token_hash: "c".repeat(64),
        confirm_expires_at: "2026-08-23T00:00:00Z".parse().unwrap(),
        manage_token_hash: "m".repeat(64),
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
    assert_eq!(active.status.as_str(), "active");
    assert!(matches!(
        store.subscribe(&n, now()).await.unwrap(),
        SubscribeOutcome::AlreadyActive(_)
    ));
    for (i, day) in ["daily:2026-08-19", "daily:2026-08-20", "daily:2026-08-21"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            store
                .due_subscriptions(papers_core::Cadence::Daily, day)
                .await
                .unwrap()
                .len(),
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
            .due_subscriptions(papers_core::Cadence::Daily, "daily:2026-08-24")
            .await
            .unwrap()
            .is_empty()
    );
}

/// `papers backup` under load (SQLite only: PostgreSQL is backed up with
/// `pg_dump`, and `Store::backup` says so): a backup taken while 100 users vote and
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
                paper(
                    &format!("2408.{:05}", 100 + i),
                    &format!("Paper {i}"),
                    Some(0),
                ),
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
            .create_user(
                &format!("user{i}"),
                &format!("u{i}@example.org"),
                "hash",
                Role::User,
                now(),
            )
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
                store
                    .set_vote(user, id, true, now())
                    .await
                    .unwrap()
                    .unwrap();
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
    assert!(
        votes_before > 0,
        "the backup ran while votes were committed"
    );
    let stats = restored.stats().await.unwrap();
    assert!(
        stats.votes >= votes_before,
        "{} < {votes_before}",
        stats.votes
    );
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
async fn a_password_reset_revokes_every_credential_and_expired_ones_are_purged(f: Fixture) {
    use papers_core::Role;

    let store = f.store.clone();
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
        store
            .consume_password_reset("reset-1", now())
            .await
            .unwrap(),
        Some(user.id)
    );
    store
        .reset_password(user.id, "new-hash", now())
        .await
        .unwrap();
    assert!(
        store
            .session_user("session-hash", now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.token_user("token-hash").await.unwrap().is_none());
    assert_eq!(
        store
            .consume_password_reset("reset-2", now())
            .await
            .unwrap(),
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
async fn a_mail_slot_is_claimed_once_per_gap(f: Fixture) {
    let store = f.store.clone();
    let hour = jiff::SignedDuration::from_hours(1);
    let t0 = now();
    let t1: Timestamp = "2026-08-21T12:59:00Z".parse().unwrap();
    let t2: Timestamp = "2026-08-21T13:00:00Z".parse().unwrap();
    assert!(
        store
            .claim_mail_slot("ada@example.org", "confirm", t0, hour)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_mail_slot("ADA@example.org", "confirm", t1, hour)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_mail_slot("ada@example.org", "reset", t1, hour)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_mail_slot("ada@example.org", "confirm", t2, hour)
            .await
            .unwrap()
    );

    let t3: Timestamp = "2026-08-21T15:00:00Z".parse().unwrap();
    let claims = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .claim_mail_slot("bob@example.org", "confirm", t3, hour)
                .await
        })
    });
    let mut won = 0;
    for c in claims {
        won += usize::from(c.await.unwrap().unwrap());
    }
    assert_eq!(won, 1);
}

async fn users(store: &Store, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let u = store
            .create_user(
                &format!("voter{i}"),
                &format!("v{i}@example.org"),
                "hash",
                papers_core::Role::User,
                now(),
            )
            .await
            .unwrap()
            .unwrap();
        ids.push(u.id);
    }
    ids
}

/// Usernames are unique whatever their case, and sign-in and e-mail
/// look-ups ignore case.
async fn usernames_are_unique_in_any_case_and_emails_match_in_any_case(f: Fixture) {
    use papers_core::Role;
    use papers_store::Refusal;
    let store = f.store.clone();
    let ada = store
        .create_user("Ada", "Ada@Example.org", "h", Role::Admin, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ada.username.as_str(), ada.role), ("Ada", Role::Admin));
    assert!(!ada.banned);
    assert_eq!(ada.created_at, now());
    assert_eq!(
        store
            .create_user("aDA", "other@example.org", "h", Role::User, now())
            .await
            .unwrap(),
        Err(Refusal::UsernameTaken)
    );
    let (u, hash) = store.user_credentials("ADA").await.unwrap().unwrap();
    assert_eq!((u.id, hash.as_str()), (ada.id, "h"));
    assert_eq!(
        store
            .users_by_email("ada@example.ORG")
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect::<Vec<_>>(),
        vec![ada.id]
    );
    assert!(
        store
            .users_by_email("bob@example.org")
            .await
            .unwrap()
            .is_empty()
    );

    // Sessions and tokens; a ban ends sessions and tokens stop working.
    let later: Timestamp = "2026-08-22T12:00:00Z".parse().unwrap();
    store
        .create_session("s1", ada.id, "csrf", now(), later)
        .await
        .unwrap();
    let t = store
        .create_api_token(ada.id, "cli", "t1", now())
        .await
        .unwrap();
    assert_eq!(
        store.session_user("s1", now()).await.unwrap().unwrap().1,
        "csrf"
    );
    assert!(
        store.session_user("s1", later).await.unwrap().is_none(),
        "expired"
    );
    let tokens = store.api_tokens(ada.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        (tokens[0].0, tokens[0].1.as_str(), tokens[0].3),
        (t, "cli", false)
    );
    assert!(store.set_banned(ada.id, true).await.unwrap());
    assert!(store.session_user("s1", now()).await.unwrap().is_none());
    assert!(store.token_user("t1").await.unwrap().is_none());
    assert!(store.user_by_id(ada.id).await.unwrap().unwrap().banned);
    assert!(store.set_banned(ada.id, false).await.unwrap());
    assert!(store.token_user("t1").await.unwrap().is_some());
    assert!(store.revoke_api_token(ada.id, t, now()).await.unwrap());
    assert!(!store.revoke_api_token(ada.id, t, now()).await.unwrap());
    assert!(store.token_user("t1").await.unwrap().is_none());
    store
        .create_session("s2", ada.id, "c2", now(), later)
        .await
        .unwrap();
    store.reset_password(ada.id, "h2", now()).await.unwrap();
    assert!(store.session_user("s2", now()).await.unwrap().is_none());
    store
        .create_session("s3", ada.id, "c3", now(), later)
        .await
        .unwrap();
    store.delete_session("s3").await.unwrap();
    assert!(store.session_user("s3", now()).await.unwrap().is_none());
}

/// 200 users vote on one paper at once, each twice; then half take their
/// vote back, twice: the count is exact and equals the votes stored.
async fn concurrent_votes_are_counted_exactly(f: Fixture) {
    let store = f.store.clone();
    let p = paper("2608.00001", "Popular", Some(5));
    let id = p.id.clone();
    store.upsert_batch(&[p.into()], now()).await.unwrap();
    let voters = users(&store, 200).await;
    let mut tasks = Vec::new();
    for (n, user) in voters.iter().copied().enumerate() {
        for _ in 0..2 {
            let store = store.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .set_vote(user, &id, true, now())
                    .await
                    .unwrap()
                    .unwrap();
                n
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.paper(&id).await.unwrap().unwrap().upvotes, 205);
    let mut tasks = Vec::new();
    for user in voters.iter().copied().take(100) {
        for _ in 0..2 {
            let store = store.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .set_vote(user, &id, false, now())
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.paper(&id).await.unwrap().unwrap().upvotes, 105);
    assert_eq!(store.stats().await.unwrap().votes, 100);
    assert!(!store.voted(voters[0], &id).await.unwrap());
    assert!(store.voted(voters[199], &id).await.unwrap());
    assert_eq!(
        store.set_vote(voters[0], &id, true, now()).await.unwrap(),
        Ok(106)
    );
    let hidden = ArxivId::parse("2608.00001").unwrap();
    assert!(store.set_paper_hidden(&hidden, true).await.unwrap());
    assert_eq!(
        store.set_vote(voters[1], &id, true, now()).await.unwrap(),
        Err(papers_store::Refusal::NoSuchPaper)
    );
}

/// Twenty runs race for the same subscription and period: one wins.
async fn a_digest_period_is_claimed_once(f: Fixture) {
    use papers_store::{DigestRecord, NewSubscription, SubscribeOutcome};
    let store = f.store.clone();
    store
        .upsert_batch(&[paper("2608.00001", "T", Some(1)).into()], now())
        .await
        .unwrap();
    let n = NewSubscription {
        email: "Reader@Example.org".into(),
        cadence: papers_core::Cadence::Daily,
        query: None,
        categories: vec!["cs.CL".into()],
        user_id: None,
        for_you: false,
        confirm_token_hash: "c".repeat(64),
        confirm_expires_at: "2026-08-23T00:00:00Z".parse().unwrap(),
        manage_token_hash: "m".repeat(64),
    };
    let SubscribeOutcome::Created(sub) = store.subscribe(&n, now()).await.unwrap() else {
        panic!("a new subscription")
    };
    assert_eq!(sub.categories, vec!["cs.CL"]);
    store
        .confirm_subscription(&"c".repeat(64), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .subscriptions_of("reader@example.ORG")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .subscription_by_manage_token(&"m".repeat(64))
            .await
            .unwrap()
            .map(|s| s.id),
        Some(sub.id)
    );
    // Each mail adds a token of its own; every one keeps finding it.
    store
        .add_manage_token(sub.id, &"n".repeat(64), now())
        .await
        .unwrap();
    for token in ["m", "n"] {
        let found = store
            .subscription_by_manage_token(&token.repeat(64))
            .await
            .unwrap();
        assert_eq!(found.map(|s| s.id), Some(sub.id), "{token}");
    }
    assert!(
        store
            .subscription_by_manage_token(&"o".repeat(64))
            .await
            .unwrap()
            .is_none()
    );
    let period = "daily:2026-08-21";
    let claims = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim_digest(sub.id, period, now()).await.unwrap() })
    });
    let mut won = 0;
    for c in claims {
        won += usize::from(c.await.unwrap());
    }
    assert_eq!(won, 1);
    assert!(
        store
            .due_subscriptions(papers_core::Cadence::Daily, period)
            .await
            .unwrap()
            .is_empty()
    );
    store.release_digest(sub.id, period).await.unwrap();
    assert_eq!(
        store
            .due_subscriptions(papers_core::Cadence::Daily, period)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.claim_digest(sub.id, period, now()).await.unwrap());
    let papers = vec!["2608.00001".to_string()];
    store
        .record_digest(
            &DigestRecord {
                subscription_id: sub.id,
                period,
                status: "sent",
                papers: &papers,
                attempts: 1,
                error: None,
            },
            now(),
        )
        .await
        .unwrap();
    store.release_digest(sub.id, period).await.unwrap();
    assert!(
        !store.claim_digest(sub.id, period, now()).await.unwrap(),
        "a sent period is never claimed again"
    );
    assert_eq!(
        store
            .already_sent(sub.id, &["2608.00001".into(), "2608.00002".into()])
            .await
            .unwrap(),
        papers
    );
    assert!(
        store
            .set_subscription_status(sub.id, papers_core::SubscriptionStatus::Unsubscribed)
            .await
            .unwrap()
    );
    assert!(matches!(
        store.subscribe(&n, now()).await.unwrap(),
        SubscribeOutcome::StillPending(_)
    ));
}

/// Comments count towards the paper while visible; threads keep their
/// shape; only authors edit, and removals count down once.
async fn comments_count_and_moderation(f: Fixture) {
    use papers_store::Refusal;
    let store = f.store.clone();
    let p = paper("2608.00001", "T", None);
    let id = p.id.clone();
    let mut p2 = paper("2608.00002", "U", None);
    p2.num_comments = Some(4);
    store
        .upsert_batch(&[p.into(), p2.into()], now())
        .await
        .unwrap();
    let u = users(&store, 2).await;
    let c1 = store
        .add_comment(&id, u[0], None, "first", now())
        .await
        .unwrap()
        .unwrap();
    let c2 = store
        .add_comment(&id, u[1], Some(c1), "reply", now())
        .await
        .unwrap()
        .unwrap();
    let other = ArxivId::parse("2608.00002").unwrap();
    assert_eq!(
        store
            .add_comment(&other, u[1], Some(c1), "x", now())
            .await
            .unwrap(),
        Err(Refusal::BadParent)
    );
    assert_eq!(
        store
            .add_comment(
                &ArxivId::parse("2608.09999").unwrap(),
                u[1],
                None,
                "x",
                now()
            )
            .await
            .unwrap(),
        Err(Refusal::NoSuchPaper)
    );
    assert_eq!(store.paper(&id).await.unwrap().unwrap().num_comments, 2);
    assert_eq!(store.paper(&other).await.unwrap().unwrap().num_comments, 4);
    let thread = store.comments(&id).await.unwrap();
    assert_eq!(thread.len(), 2);
    assert_eq!(thread[1].parent_id, Some(c1));
    assert_eq!(thread[0].author, "voter0");
    assert_eq!(
        store.edit_comment(c1, u[1], "hijack", now()).await.unwrap(),
        Err(Refusal::NotYours)
    );
    let later: Timestamp = "2026-08-21T13:00:00Z".parse().unwrap();
    store
        .edit_comment(c1, u[0], "first!", later)
        .await
        .unwrap()
        .unwrap();
    let c = store.comment(c1).await.unwrap().unwrap();
    assert_eq!((c.body.as_str(), c.edited_at), ("first!", Some(later)));
    assert_eq!(
        store.remove_comment(c2, u[0], false, now()).await.unwrap(),
        Err(Refusal::NotYours)
    );
    store
        .remove_comment(c2, u[1], false, now())
        .await
        .unwrap()
        .unwrap();
    store
        .remove_comment(c2, u[0], true, now())
        .await
        .unwrap()
        .unwrap();
    let c = store.comment(c2).await.unwrap().unwrap();
    assert!(c.deleted && c.hidden);
    assert_eq!(store.paper(&id).await.unwrap().unwrap().num_comments, 1);
    assert_eq!(
        store.edit_comment(c2, u[1], "back", now()).await.unwrap(),
        Err(Refusal::Deleted)
    );
    assert_eq!(
        store.edit_comment(9999, u[1], "x", now()).await.unwrap(),
        Err(Refusal::NoSuchComment)
    );
    assert_eq!(
        store.remove_comment(9999, u[1], true, now()).await.unwrap(),
        Err(Refusal::NoSuchComment)
    );
    assert_eq!(store.stats().await.unwrap().comments, 2);
}

/// A submission is a listing by a user: counted for the day's quota and
/// put at the end of the day.
async fn submissions_are_counted_per_day(f: Fixture) {
    let store = f.store.clone();
    store
        .upsert_batch(
            &[listed(
                paper("2608.00001", "A", Some(1)),
                "2026-08-21",
                0,
                None,
            )],
            now(),
        )
        .await
        .unwrap();
    let u = users(&store, 1).await;
    let user = store.user_by_id(u[0]).await.unwrap().unwrap();
    let day: Date = "2026-08-21".parse().unwrap();
    assert_eq!(store.submissions_on(user.id, day).await.unwrap(), 0);
    for i in 2..=3 {
        let rec = listed(
            paper(&format!("2608.0000{i}"), "S", None),
            "2026-08-21",
            0,
            Some("voter0"),
        );
        store.record_submission(&rec, &user, now()).await.unwrap();
    }
    assert_eq!(store.submissions_on(user.id, day).await.unwrap(), 2);
    assert_eq!(
        store
            .submissions_on(user.id, "2026-08-22".parse().unwrap())
            .await
            .unwrap(),
        0
    );
    let mut q = day_query("2026-08-21");
    q.sort = ListingSort::PublishedAt;
    let page = store.listings(&q).await.unwrap();
    let mut positions: Vec<i64> = page
        .items
        .iter()
        .map(|p| p.listing.as_ref().unwrap().position)
        .collect();
    positions.sort();
    assert_eq!(positions, [0, 1, 2]);
    let id = ArxivId::parse("2608.00003").unwrap();
    assert_eq!(
        store
            .listed_between(&id, "2026-08-15".parse().unwrap(), day)
            .await
            .unwrap(),
        Some(day)
    );
    assert_eq!(
        store
            .listed_between(
                &id,
                "2026-08-01".parse().unwrap(),
                "2026-08-20".parse().unwrap()
            )
            .await
            .unwrap(),
        None
    );
}

/// The digest's candidates: listed or published in the window, in any of
/// the categories asked, most upvoted first.
async fn papers_between_filters_by_window_and_category(f: Fixture) {
    let store = f.store.clone();
    let mut a = paper("2608.00001", "A", Some(3));
    a.categories = vec!["cs.CL".into()];
    let mut b = paper("2608.00002", "B", Some(9));
    b.categories = vec!["math.AG".into()];
    let mut c = paper("2608.00003", "C", Some(1));
    c.categories = vec!["cs.LG".into(), "cs.CL".into()];
    c.published_at = Some("2026-08-21T00:00:00Z".parse().unwrap());
    let mut d = paper("2608.00004", "D", Some(50));
    d.published_at = Some("2026-07-01T00:00:00Z".parse().unwrap());
    store
        .upsert_batch(
            &[
                listed(a, "2026-08-21", 0, None),
                listed(b, "2026-08-21", 1, None),
                c.into(),
                d.into(),
            ],
            now(),
        )
        .await
        .unwrap();
    let day: Date = "2026-08-21".parse().unwrap();
    let titles = |v: Vec<papers_store::ListedPaper>| -> Vec<String> {
        v.into_iter().map(|p| p.paper.title).collect()
    };
    assert_eq!(
        titles(store.papers_between(day, day, &[], 10).await.unwrap()),
        ["B", "A", "C"]
    );
    assert_eq!(
        titles(
            store
                .papers_between(day, day, &["cs.CL".into(), "q-bio.NC".into()], 10)
                .await
                .unwrap()
        ),
        ["A", "C"]
    );
    assert_eq!(
        titles(store.papers_between(day, day, &[], 1).await.unwrap()),
        ["B"]
    );
}

/// The cheap fingerprint: it changes with a new or hidden paper, not with
/// a merge.
async fn the_fingerprint_moves_with_new_papers(f: Fixture) {
    let store = f.store.clone();
    assert_eq!(store.papers_fingerprint().await.unwrap(), (0, 0));
    let batch: Vec<IngestRecord> = (1..=2)
        .map(|i| paper(&format!("2608.0000{i}"), "T", None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let first = store.papers_fingerprint().await.unwrap();
    assert_eq!(first.0, 2);
    store.upsert_batch(&batch, now()).await.unwrap();
    assert_eq!(store.papers_fingerprint().await.unwrap(), first);
    store
        .upsert_batch(&[paper("2608.00003", "T", None).into()], now())
        .await
        .unwrap();
    let second = store.papers_fingerprint().await.unwrap();
    assert_eq!(second.0, 3);
    assert!(second.1 > first.1);
    store
        .set_paper_hidden(&ArxivId::parse("2608.00001").unwrap(), true)
        .await
        .unwrap();
    assert_eq!(store.papers_fingerprint().await.unwrap().0, 2);
    let (papers, hidden): (Vec<_>, Vec<_>) = store
        .papers_after("", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, h)| (p.paper.id.to_string(), h))
        .unzip();
    assert_eq!(papers, ["2608.00001", "2608.00002", "2608.00003"]);
    assert_eq!(hidden, [true, false, false]);
}

/// Four processes' worth of opens of one new database at once: the
/// migrations run once (SQLite: a file lock; PostgreSQL: sqlx's advisory
/// lock), and every store works.
async fn opening_twice_at_once_migrates_once(f: Fixture) {
    let url = f.sibling().await;
    let opens = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { Store::open(&url).await.unwrap() })
    });
    let mut stores = Vec::new();
    for o in opens {
        stores.push(o.await.unwrap());
    }
    for (i, s) in stores.iter().enumerate() {
        s.set_cursor(&format!("c{i}"), Some("v"), now())
            .await
            .unwrap();
    }
    assert_eq!(stores[0].cursor("c3").await.unwrap().as_deref(), Some("v"));
    for s in stores {
        s.close().await;
    }
}

/// PostgreSQL only: a streaming replica (`PAPERS_TEST_REPLICA_URL`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_read_replica() {
    if let Some(f) = Fixture::postgres("store on a read replica").await {
        a_read_replica_serves_pages_and_the_primary_its_writers(f).await;
    }
}

/// PostgreSQL-only: both URL schemes open it, and a backup points to
/// pg_dump instead of writing a file.
#[tokio::test]
async fn postgres_backup_points_to_pg_dump() {
    let Some(f) = Fixture::postgres("store on PostgreSQL: backup").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup.db");
    let err = f.store.backup(&dest).await.unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
    assert!(!dest.exists());
    let other = f.url.replacen("postgres://", "postgresql://", 1);
    let again = Store::open(&other).await.unwrap();
    assert_eq!(again.stats().await.unwrap().papers, 0);
    again.close().await;
    f.store.close().await;
}

/// Fixed-window counters (the per-account sign-in limit): every concurrent
/// hit is counted, and a new window starts from one.
async fn counters_count_every_hit_in_their_window(f: Fixture) {
    let store = f.store.clone();
    let window = jiff::SignedDuration::from_mins(15);
    let hits = (0..25).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.hit_counter("signin:ada", now(), window).await })
    });
    let mut seen = Vec::new();
    for h in hits {
        seen.push(h.await.unwrap().unwrap());
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=25).collect::<Vec<u64>>(),
        "each hit got its own count"
    );
    assert_eq!(
        store
            .hit_counter("signin:bob", now(), window)
            .await
            .unwrap(),
        1
    );
    let later: Timestamp = "2026-08-21T12:15:00Z".parse().unwrap();
    assert_eq!(
        store
            .hit_counter("signin:ada", later, window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .hit_counter("signin:ada", later, window)
            .await
            .unwrap(),
        2
    );
}

fn copy_options(source: &str, batch_rows: u64) -> papers_store::CopyOptions {
    papers_store::CopyOptions {
        source: source.to_string(),
        now: now(),
        batch_rows,
    }
}

/// Every kind of row moves to a new store on the same backend with its ids,
/// the report compares every table, and the finished copy is not redone.
async fn a_copy_keeps_every_row_and_id(f: Fixture) {
    let filled = every_row::fill(&f.store, 12, now()).await;
    let target = Store::open(&f.sibling().await).await.unwrap();
    let mut events = Vec::new();
    let report = f
        .store
        .copy_into(&target, &copy_options(&f.url, 5), |e| {
            events.push(format!("{e:?}"));
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap();
    assert!(report.matches(), "{report:#?}");
    assert!(!report.resumed);
    let total: u64 = report.tables.iter().map(|t| t.source.rows).sum();
    assert_eq!(report.copied, total);
    assert!(
        report.tables.iter().all(|t| t.source.rows > 0),
        "the fixture fills every table: {report:#?}"
    );
    assert!(events[0].starts_with("Started"), "{events:?}");
    assert_eq!(
        f.store.table_summaries().await.unwrap(),
        target.table_summaries().await.unwrap()
    );
    every_row::check_filled(&target, &filled, now()).await;

    let again = f
        .store
        .copy_into(&target, &copy_options(&f.url, 5), |_| {
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("already holds a finished copy"),
        "{again}"
    );
    target.close().await;
}

/// A copy stopped between two batches (as by an interruption) continues
/// after the last batch it committed, and ends with the same store.
async fn an_interrupted_copy_resumes_where_it_stopped(f: Fixture) {
    every_row::fill(&f.store, 30, now()).await;
    let url = f.sibling().await;
    let target = Store::open(&url).await.unwrap();
    let mut batches = 0;
    let err = f
        .store
        .copy_into(&target, &copy_options(&f.url, 7), |e| {
            if matches!(e, papers_store::CopyEvent::Copied { .. }) {
                batches += 1;
            }
            if batches == 3 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, papers_store::StoreError::CopyStopped),
        "{err}"
    );
    target.close().await;

    // Opened again, as a rerun of the command would.
    let target = Store::open(&url).await.unwrap();
    let mut started = None;
    let report = f
        .store
        .copy_into(&target, &copy_options(&f.url, 7), |e| {
            if let papers_store::CopyEvent::Started { total, already, .. } = e {
                started = Some((total, already));
            }
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap();
    assert!(report.resumed);
    assert!(report.matches(), "{report:#?}");
    let (total, already) = started.unwrap();
    assert_eq!(
        already,
        4 + 7 + 7,
        "three batches were committed: the 4 users, then 7 papers twice"
    );
    assert_eq!(report.copied, total - already, "nothing is copied twice");
    assert_eq!(
        f.store.table_summaries().await.unwrap(),
        target.table_summaries().await.unwrap()
    );
    target.close().await;
}

/// A target with rows of its own, or a copy of another store, is refused
/// with one line that says why; nothing is written to it.
async fn a_copy_refuses_a_target_that_is_not_its_own(f: Fixture) {
    every_row::fill(&f.store, 6, now()).await;
    let target = Store::open(&f.sibling().await).await.unwrap();
    target
        .upsert_batch(&[paper("2401.00001", "Mine", None).into()], now())
        .await
        .unwrap();
    let before = target.table_summaries().await.unwrap();
    let err = f
        .store
        .copy_into(&target, &copy_options(&f.url, 100), |_| {
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, papers_store::StoreError::CopyRefused(_)),
        "{msg}"
    );
    assert_eq!(
        msg,
        "the target is not empty (1 papers, 2 paper_authors); copy into a new, empty database"
    );
    assert_eq!(target.table_summaries().await.unwrap(), before);
    target.close().await;

    // An unfinished copy of one store is not continued from another.
    let other = Store::open(&f.sibling().await).await.unwrap();
    let err = f
        .store
        .copy_into(
            &other,
            &copy_options("sqlite:///somewhere/else.db", 5),
            |_| std::ops::ControlFlow::Break(()),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, papers_store::StoreError::CopyStopped));
    let err = f
        .store
        .copy_into(&other, &copy_options(&f.url, 5), |_| {
            std::ops::ControlFlow::Continue(())
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the target holds an unfinished copy of another store (sqlite:///somewhere/else.db)"
        ),
        "{err}"
    );
    other.close().await;
}

/// A NUL character (a `\u0000` in a source's JSON, `%00` in a form or a
/// link) is dropped alike on both backends: PostgreSQL's text cannot hold
/// it (it refused the whole statement, so one such record failed an ingest
/// batch and a sign-in with it was a server error), and a lookup with one
/// finds what the same text without it finds.
async fn nul_characters_are_dropped_alike(f: Fixture) {
    let store = f.store.clone();
    let mut p = paper("2608.00001", "Graph\0 networks", None);
    p.abstract_text = "An\0 abstract".into();
    p.doi = Some("10.1000/\0x".into());
    let mut rec = listed(p, "2026-08-21", 0, Some("ali\0ce"));
    rec.listing.as_mut().unwrap().comment = Some("no\0te".into());
    store.upsert_batch(&[rec], now()).await.unwrap();
    let id = ArxivId::parse("2608.00001").unwrap();
    let got = store.paper(&id).await.unwrap().unwrap();
    assert_eq!(got.paper.title, "Graph networks");
    assert_eq!(got.paper.abstract_text, "An abstract");
    assert_eq!(got.paper.doi.as_deref(), Some("10.1000/x"));
    let listing = got.listing.unwrap();
    assert_eq!(listing.submitter.unwrap().name, "alice");
    assert_eq!(listing.comment.as_deref(), Some("note"));
    let mut q = day_query("2026-08-21");
    q.submitter = Some("ALI\0CE".into());
    assert_eq!(store.listings(&q).await.unwrap().total, 1);

    let user = store
        .create_user(
            "ada\0",
            "ada@exa\0mple.org",
            "hash",
            papers_core::Role::User,
            now(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.username.as_str(), user.email.as_str()),
        ("ada", "ada@example.org")
    );
    assert!(store.user_credentials("a\0da").await.unwrap().is_some());
    assert!(
        store
            .users_by_email("ADA@example.org\0")
            .await
            .unwrap()
            .len()
            == 1
    );
    assert!(store.token_user("\0").await.unwrap().is_none());
    assert!(store.session_user("\0", now()).await.unwrap().is_none());
    let comment = store
        .add_comment(&id, user.id, None, "hi\0 there", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.comment(comment).await.unwrap().unwrap().body,
        "hi there"
    );
    let gap = jiff::SignedDuration::from_hours(1);
    assert!(
        store
            .claim_mail_slot("a\0@b.co", "confirm", now(), gap)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_mail_slot("a@b.co", "confirm", now(), gap)
            .await
            .unwrap()
    );
    let window = jiff::SignedDuration::from_mins(15);
    assert_eq!(
        store
            .hit_counter("signin:a\0", now(), window)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.hit_counter("signin:a", now(), window).await.unwrap(),
        2
    );
    store
        .set_cursor("oai\0", Some("tok\0en"), now())
        .await
        .unwrap();
    assert_eq!(store.cursor("oai").await.unwrap().as_deref(), Some("token"));
    assert!(
        store
            .subscription_by_manage_token("x\0y")
            .await
            .unwrap()
            .is_none()
    );
    let sub = papers_store::NewSubscription {
        email: "r\0@example.org".into(),
        cadence: papers_core::Cadence::Daily,
        query: Some("graph\0".into()),
        categories: vec![],
        user_id: None,
        for_you: false,
        confirm_token_hash: "c\0".into(),
        confirm_expires_at: now(),
        manage_token_hash: "m\0".into(),
    };
    let papers_store::SubscribeOutcome::Created(created) =
        store.subscribe(&sub, now()).await.unwrap()
    else {
        panic!("a new subscription");
    };
    assert_eq!(created.email, "r@example.org");
    assert_eq!(created.query.as_deref(), Some("graph"));
    assert_eq!(
        store
            .subscription_by_manage_token("m")
            .await
            .unwrap()
            .unwrap()
            .id,
        created.id
    );
    assert_eq!(
        store
            .subscriptions_of("r@example.org\0")
            .await
            .unwrap()
            .len(),
        1
    );
}
