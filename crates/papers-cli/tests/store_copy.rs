//! `papers store copy` through the real binary: a site with every kind of
//! row moves from SQLite to PostgreSQL and back unchanged (PostgreSQL from
//! `PAPERS_TEST_DATABASE_URL`: skipped with a note without it, required
//! under CI), a copy killed half-way continues when run again, and a target
//! that is not empty is refused in one line.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

mod common;
#[path = "../../papers-store/tests/every_row/mod.rs"]
mod every_row;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::papers_command;
use jiff::Timestamp;
use papers_store::Store;

fn now() -> Timestamp {
    "2026-08-21T12:00:00Z".parse().unwrap()
}

fn papers(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    papers_command(data_dir, database_url, args)
        .output()
        .expect("run papers")
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A SQLite store in `dir` (where `papers --data-dir dir` finds it) with
/// every kind of row.
async fn filled_site(dir: &Path, papers: usize) -> every_row::Filled {
    let store = Store::open(&sqlite_url(&dir.join("papers.db")))
        .await
        .unwrap();
    let filled = every_row::fill(&store, papers, now()).await;
    store.close().await;
    filled
}

async fn summaries(url: &str) -> Vec<papers_store::TableSummary> {
    let store = Store::open(url).await.unwrap();
    let s = store.table_summaries().await.unwrap();
    store.close().await;
    s
}

fn assert_copied(out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    // The report: a header and one line per table, each the same.
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("table"), "{stdout}");
    assert_eq!(lines.len(), 24, "{stdout}");
    for line in &lines[1..] {
        assert!(line.ends_with(" same"), "{line}");
    }
    assert!(stderr.contains("rows in 23 tables checked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_moves_to_postgresql_and_back_with_every_row() {
    let Some(admin) = papers_testkit::postgres_url("store copy to PostgreSQL") else {
        return;
    };
    let pg = papers_testkit::new_database(&admin);
    let site = tempfile::tempdir().unwrap();
    let filled = filled_site(site.path(), 40).await;
    let original = sqlite_url(&site.path().join("papers.db"));

    // SQLite → PostgreSQL.
    let out = papers(site.path(), None, &["store", "copy", "--to", &pg]);
    assert_copied(&out);
    let users = format!("{:<22} {:>12} {:>12}  same", "users", 4, 4);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&users),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // PostgreSQL → a new SQLite file, with the PostgreSQL store configured.
    let back_dir = tempfile::tempdir().unwrap();
    let back = sqlite_url(&back_dir.path().join("back.db"));
    let out = papers(
        back_dir.path(),
        Some(&pg),
        &["store", "copy", "--to", &back],
    );
    assert_copied(&out);

    let expected = summaries(&original).await;
    assert_eq!(summaries(&pg).await, expected, "SQLite → PostgreSQL");
    assert_eq!(summaries(&back).await, expected, "and back");
    // The site on PostgreSQL answers as it did on SQLite: `stats --json`,
    // and the API's day, paper, comments and cursor answers, byte for byte
    // (before the checks below write to both).
    let stats = |dir: &Path, url: &str| {
        let out = papers(dir, Some(url), &["stats", "--json"]);
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(stats(site.path(), &original), stats(site.path(), &pg));
    let answers = |url: &str| {
        let dir = tempfile::tempdir().unwrap();
        let port = common::free_port();
        // No housekeeping: it would purge the fixture's sessions, which
        // expire by the fixture's clock, before the checks below.
        let config = dir.path().join("papers.toml");
        std::fs::write(&config, "[schedule]\nhousekeeping = \"off\"\n").unwrap();
        let bind = format!("127.0.0.1:{port}");
        let mut server = papers_command(
            dir.path(),
            Some(url),
            &[
                "--config",
                config.to_str().unwrap(),
                "serve",
                "--bind",
                &bind,
            ],
        )
        .env("PAPERS_FETCH_MODEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let get = |path: &str| common::get(port, path).map(|(_, body)| body);
        let deadline = Instant::now() + Duration::from_secs(60);
        while get("/healthz").is_none() {
            assert!(Instant::now() < deadline, "the server did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        let bodies: Vec<String> = [
            "/api/daily_papers?date=2026-08-21&limit=100",
            "/api/daily_papers?date=2026-08-20&limit=100",
            "/api/papers/2608.00002",
            "/api/papers/2608.00002?field=comments",
            "/api/papers?limit=100",
        ]
        .iter()
        .map(|p| get(p).unwrap())
        .collect();
        server.kill().unwrap();
        let _ = server.wait();
        bodies
    };
    let on_sqlite = answers(&original);
    assert!(on_sqlite[0].contains("\"id\":\"2608."), "{}", on_sqlite[0]);
    assert_eq!(
        answers(&pg),
        on_sqlite,
        "the same API answers on PostgreSQL"
    );

    // Ids still point where they did, and new rows get new ids on both
    // (PostgreSQL's identity sequences were moved past the copied ids).
    for url in [&pg, &back] {
        let store = Store::open(url).await.unwrap();
        every_row::check_filled(&store, &filled, now()).await;
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_killed_half_way_continues_when_run_again() {
    let site = tempfile::tempdir().unwrap();
    filled_site(site.path(), 1500).await;
    let original = sqlite_url(&site.path().join("papers.db"));
    let target_dir = tempfile::tempdir().unwrap();
    let target = sqlite_url(&target_dir.path().join("new.db"));

    // One row per transaction, so that the copy is still running when it
    // is killed, once the first papers are in.
    let mut child = papers_command(
        site.path(),
        None,
        &["store", "copy", "--batch", "1", "--to", &target],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the copy never began");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the copy ended before it could be interrupted"
        );
        let store = Store::open(&target).await.unwrap();
        let papers = store.stats().await.unwrap().papers;
        store.close().await;
        if papers > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = summaries(&target).await;
    assert_ne!(partial, summaries(&original).await, "it was interrupted");

    let out = papers(site.path(), None, &["store", "copy", "--to", &target]);
    assert_copied(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(resumed)"), "{stderr}");
    assert_eq!(summaries(&target).await, summaries(&original).await);

    // Finished: the same command now refuses instead of copying again.
    let out = papers(site.path(), None, &["store", "copy", "--to", &target]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already holds a finished copy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_is_not_empty_is_refused_in_one_line() {
    let site = tempfile::tempdir().unwrap();
    filled_site(site.path(), 6).await;
    let target_dir = tempfile::tempdir().unwrap();
    let target_file = target_dir.path().join("other.db");
    let target = sqlite_url(&target_file);
    // Another site, with one paper and one user of its own.
    let other = Store::open(&target).await.unwrap();
    every_row::fill(&other, 6, now()).await;
    let before = other.table_summaries().await.unwrap();
    other.close().await;

    let out = papers(site.path(), None, &["store", "copy", "--to", &target]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let canonical = std::fs::canonicalize(&target_file).unwrap();
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: cannot copy into sqlite://{}: the target is not empty (4 users, 8 papers, \
             7 daily_listings, 16 paper_authors, 2 authorship_claims, 2 sessions, 2 api_tokens, 2 password_resets, 5 votes, \
             1 not_interested, 2 collections, 2 collection_items, 4 follows, 3 notifications, 4 comments, 3 subscriptions, 3 manage_tokens, 4 digest_sends, \
             2 subscription_papers, \
             8 paper_vectors, 1 harvest_cursors, 1 mail_throttle, 1 rate_counters); \
             copy into a new, empty database",
            canonical.display()
        )
    );
    assert_eq!(summaries(&target).await, before, "nothing was written");

    // Nor is the store copied into itself.
    let itself = sqlite_url(&site.path().join("papers.db"));
    let out = papers(site.path(), None, &["store", "copy", "--to", &itself]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("into itself"), "{stderr}");
}
