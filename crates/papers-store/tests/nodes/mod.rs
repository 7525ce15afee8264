//! What several app nodes share (`nodes.rs`): the change feed, job leases
//! and embedding claims, checked on both backends with racing tasks where
//! a rule must hold across nodes.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use papers_core::ArxivId;
use papers_store::{ChangeKind, Store};

use super::{Fixture, listed, now, paper, users};

fn later(secs: i64) -> Timestamp {
    now() + SignedDuration::from_secs(secs)
}

async fn seqs_after(store: &Store, after: i64) -> Vec<(ChangeKind, String)> {
    store
        .changes_after(after, 1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.kind, c.paper_id))
        .collect()
}

/// New papers, listings, changed text, hiding and vectors are changes, in
/// order; an identical re-ingest and votes are not.
pub async fn the_change_feed_records_what_indexes_need(f: Fixture) {
    let store = f.store.clone();
    assert_eq!(store.change_horizon().await.unwrap(), (0, 0));
    let batch = vec![
        listed(paper("2608.00001", "One", None), "2026-08-20", 0, None),
        paper("2608.00002", "Two", None).into(),
    ];
    store.upsert_batch(&batch, now()).await.unwrap();
    let first = seqs_after(&store, 0).await;
    let ids: BTreeSet<&str> = first.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["2608.00001", "2608.00002"]));
    assert!(first.iter().all(|(k, _)| *k == ChangeKind::Paper));
    let (_, newest) = store.change_horizon().await.unwrap();

    // The same batch again changes nothing, and neither do votes.
    store.upsert_batch(&batch, now()).await.unwrap();
    let voter = users(&store, 1).await[0];
    let one = ArxivId::parse("2608.00001").unwrap();
    store
        .set_vote(voter, &one, true, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seqs_after(&store, newest).await, vec![]);

    // A new title, a hide and a vector each are one change, in that order.
    store
        .upsert_batch(&[paper("2608.00002", "Two, revised", None).into()], now())
        .await
        .unwrap();
    store.set_paper_hidden(&one, true).await.unwrap();
    store
        .put_vectors("m1", &[("2608.00002".into(), vec![1.0, 0.0])])
        .await
        .unwrap();
    let changes = store.changes_after(newest, 100).await.unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.kind, c.paper_id.as_str(), c.model_id.as_deref()))
            .collect::<Vec<_>>(),
        vec![
            (ChangeKind::Paper, "2608.00002", None),
            (ChangeKind::Paper, "2608.00001", None),
            (ChangeKind::Vector, "2608.00002", Some("m1")),
        ]
    );
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));

    // What a node reads to apply them: the hidden flag, visible vectors.
    let papers = store
        .papers_for_index(&[
            "2608.00001".into(),
            "2608.00002".into(),
            "2608.09999".into(),
        ])
        .await
        .unwrap();
    let flags: Vec<(String, bool)> = papers
        .iter()
        .map(|(p, h)| (p.paper.id.to_string(), *h))
        .collect();
    assert_eq!(flags.len(), 2, "{flags:?}");
    assert!(flags.contains(&("2608.00001".into(), true)));
    assert!(flags.contains(&("2608.00002".into(), false)));
    let v = store
        .vectors_of("m1", &["2608.00002".into(), "2608.00001".into()])
        .await
        .unwrap();
    assert_eq!(v, vec![("2608.00002".to_string(), vec![1.0, 0.0])]);

    // Pruning keeps the newest.
    let (_, newest) = store.change_horizon().await.unwrap();
    let total = store.changes_after(0, 1_000).await.unwrap().len() as u64;
    assert_eq!(store.prune_changes(2).await.unwrap(), total - 2);
    assert_eq!(store.change_horizon().await.unwrap(), (newest - 1, newest));
}

/// Writers on many connections at once while a reader follows the feed:
/// the reader, only ever asking for what follows the last number it saw,
/// sees every change (numbers are handed out in commit order, so none
/// commits behind a reader's back).
pub async fn a_reader_of_the_change_feed_misses_nothing(f: Fixture) {
    let store = f.store.clone();
    let ids: Vec<String> = (1..=40).map(|i| format!("2608.{i:05}")).collect();
    let batch: Vec<papers_core::IngestRecord> =
        ids.iter().map(|id| paper(id, "T", None).into()).collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let (_, start) = store.change_horizon().await.unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let store = store.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let (mut cursor, mut seen) = (start, 0usize);
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let page = store.changes_after(cursor, 7).await.unwrap();
                if let Some(last) = page.last() {
                    cursor = last.seq;
                }
                seen += page.len();
                if finished && page.is_empty() {
                    return seen;
                }
            }
        })
    };
    let mut writers = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        let ids = ids.clone();
        writers.push(tokio::spawn(async move {
            for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 8 == w) {
                let v = vec![i as f32, 1.0];
                store.put_vectors("m1", &[(id.clone(), v)]).await.unwrap();
                store
                    .put_vectors("m2", &[(id.clone(), vec![0.0, 1.0])])
                    .await
                    .unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        reader.await.unwrap(),
        80,
        "every vector write was seen once"
    );
}

/// Twenty nodes race for a due job: one takes it. The lease holds until it
/// lapses, and then another node takes the job over.
pub async fn a_due_job_is_taken_by_one_node_until_its_lease_lapses(f: Fixture) {
    let store = f.store.clone();
    store
        .schedule_job("digests", "weekdays 08:00", later(60))
        .await
        .unwrap();
    assert!(
        !store
            .take_due_job("digests", "a", now(), later(30))
            .await
            .unwrap(),
        "not due yet"
    );
    // A later schedule never postpones; an earlier one brings it forward.
    store
        .schedule_job("digests", "weekdays 08:00", later(120))
        .await
        .unwrap();
    store
        .schedule_job("digests", "weekdays 08:00", now())
        .await
        .unwrap();
    let mut racers = Vec::new();
    for n in 0..20 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            let node = format!("node-{n}");
            store
                .take_due_job("digests", &node, now(), later(30))
                .await
                .unwrap()
                .then_some(node)
        }));
    }
    let mut winners = Vec::new();
    for r in racers {
        winners.extend(r.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = winners[0].clone();
    let job = store.jobs().await.unwrap().remove(0);
    assert_eq!(job.holder.as_deref(), Some(winner.as_str()));
    assert_eq!(job.every.as_deref(), Some("weekdays 08:00"));
    assert!(
        store
            .renew_job_lease("digests", &winner, later(40))
            .await
            .unwrap()
    );
    assert!(
        !store
            .renew_job_lease("digests", "other", later(40))
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_due_job("digests", "other", later(39), later(70))
            .await
            .unwrap(),
        "a live lease is not taken"
    );
    // The winner dies; once its lease lapses another node takes over, and
    // the dead node can no longer renew or finish.
    assert!(
        store
            .take_due_job("digests", "other", later(41), later(71))
            .await
            .unwrap()
    );
    assert!(
        !store
            .renew_job_lease("digests", &winner, later(80))
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_job("digests", &winner, later(42), true, "", later(3600))
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_job(
                "digests",
                "other",
                later(50),
                false,
                "SMTP down",
                later(3600)
            )
            .await
            .unwrap()
    );
    let job = store.jobs().await.unwrap().remove(0);
    assert_eq!(job.holder, None);
    assert_eq!(job.last_status.as_deref(), Some("failed"));
    assert_eq!(job.last_message.as_deref(), Some("SMTP down"));
    assert_eq!(job.last_node.as_deref(), Some("other"));
    assert_eq!(
        job.next_run.as_deref(),
        Some(papers_store::format_timestamp(later(3600)).as_str())
    );
    assert!(
        !store
            .take_due_job("digests", "a", later(60), later(90))
            .await
            .unwrap()
    );
    assert!(store.run_job_soon("digests", later(60)).await.unwrap());
    assert!(
        store
            .take_due_job("digests", "a", later(60), later(90))
            .await
            .unwrap()
    );
    assert!(!store.run_job_soon("nope", later(60)).await.unwrap());
}

/// Nodes claiming papers to embed at once get disjoint batches that cover
/// the backlog; stored vectors clear their claims, lapsed claims are taken
/// again.
pub async fn embedding_claims_are_disjoint(f: Fixture) {
    let store = f.store.clone();
    let batch: Vec<papers_core::IngestRecord> = (1..=30)
        .map(|i| paper(&format!("2608.{i:05}"), "T", None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    // Four nodes claim batches at once, each "embedding" (storing a vector
    // for) what it claimed, until nothing is left.
    let mut nodes = Vec::new();
    for n in 0..4 {
        let store = store.clone();
        nodes.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch: Vec<String> = store
                    .claim_papers_to_embed("m1", &format!("node-{n}"), now(), later(60), 5)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| p.paper.id.to_string())
                    .collect();
                if batch.is_empty() {
                    return mine;
                }
                let vectors: Vec<(String, Vec<f32>)> =
                    batch.iter().map(|id| (id.clone(), vec![1.0])).collect();
                store.put_vectors("m1", &vectors).await.unwrap();
                mine.extend(batch);
            }
        }));
    }
    let mut all = Vec::new();
    for n in nodes {
        all.extend(n.await.unwrap());
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "no paper embedded twice: {all:?}"
    );
    assert_eq!(all.len(), 30, "the nodes covered the backlog");
    assert_eq!(
        store.vector_models().await.unwrap(),
        vec![("m1".to_string(), 30)]
    );

    // Claims that are never fulfilled lapse.
    let batch: Vec<papers_core::IngestRecord> = (31..=40)
        .map(|i| paper(&format!("2608.{i:05}"), "T", None).into())
        .collect();
    store.upsert_batch(&batch, now()).await.unwrap();
    let claimed = store
        .claim_papers_to_embed("m1", "dies", now(), later(60), 100)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 10);
    assert!(
        store
            .claim_papers_to_embed("m1", "late", now(), later(60), 10)
            .await
            .unwrap()
            .is_empty(),
        "everything is claimed"
    );
    let retaken = store
        .claim_papers_to_embed("m1", "late", later(61), later(120), 100)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 10, "lapsed claims are taken again");
    assert_eq!(
        store
            .claim_papers_to_embed("m2", "late", now(), later(60), 100)
            .await
            .unwrap()
            .len(),
        40,
        "claims are per model"
    );
}

/// Reads of lists and pages go to a streaming replica (a real one, made by
/// `pg_basebackup`); writes, and the reads inside `on_primary` (a client
/// that writes), go to the primary. With the replica's replay paused, a
/// paper written since is missing from the replica's answers and present
/// on the primary's.
pub async fn a_read_replica_serves_pages_and_the_primary_its_writers(f: Fixture) {
    use papers_store::on_primary;
    let database = f.url.rsplit('/').next().unwrap().to_string();
    let Some(replica) = papers_testkit::replica_url("store on a read replica", &database) else {
        return;
    };
    // The new database reaches the replica a moment after it was created.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let store = loop {
        match Store::open_with_replica(&f.url, Some(&replica)).await {
            Ok(s) => break s,
            Err(e) if std::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the replica never had the database: {e}"),
        }
    };
    let first = ArxivId::parse("2608.00001").unwrap();
    store
        .upsert_batch(&[paper("2608.00001", "First", Some(1)).into()], now())
        .await
        .unwrap();
    // The replica catches up (streaming: milliseconds; until then it may
    // not even have the tables).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !matches!(store.paper(&first).await, Ok(Some(_))) {
        assert!(
            std::time::Instant::now() < deadline,
            "the replica never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Pause the replica's replay: what is written now stays on the primary.
    let pause = |sql: &'static str| {
        let replica = replica.clone();
        async move {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&replica).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    };
    pause("SELECT pg_wal_replay_pause()").await;
    let second = ArxivId::parse("2608.00002").unwrap();
    store
        .upsert_batch(&[paper("2608.00002", "Second", Some(1)).into()], now())
        .await
        .unwrap();
    let voter = users(&store, 1).await[0];
    assert_eq!(
        store.set_vote(voter, &first, true, now()).await.unwrap(),
        Ok(2)
    );
    assert!(
        store.paper(&second).await.unwrap().is_none(),
        "a page read goes to the (paused) replica"
    );
    assert_eq!(store.paper(&first).await.unwrap().unwrap().upvotes, 1);
    let (own_vote, new_paper) = on_primary(async {
        (
            store.paper(&first).await.unwrap().unwrap().upvotes,
            store.paper(&second).await.unwrap().is_some(),
        )
    })
    .await;
    assert_eq!(own_vote, 2, "the voter reads the primary: their own vote");
    assert!(new_paper);
    assert!(
        store.voted(voter, &first).await.unwrap(),
        "community reads stay on the primary"
    );
    pause("SELECT pg_wal_replay_resume()").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.paper(&second).await.unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the replica never resumed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        Store::open_with_replica(&f.url.replace("postgres://", "sqlite://"), Some(&replica))
            .await
            .is_err(),
        "a replica needs PostgreSQL"
    );
}
