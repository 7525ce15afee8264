//! Two app nodes (`papers serve`, each with its own data directory) on one
//! PostgreSQL, through the real binary: a paper ingested by the CLI is
//! found by search on both within 5 s; 200 users voting at once, half
//! through each node, give exact totals on both; a vote on one node shows on
//! the other's page within 1 s; `kill -9` of one node under load leaves the
//! other serving every request; and the dead node's jobs are taken over.
//! Two `papers embed` runs at once embed each paper once between them.
//! PostgreSQL comes from `PAPERS_TEST_DATABASE_URL` (the test command
//! starts a throwaway cluster): skipped with a note without it, required
//! under CI.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{BIN, data, free_port, papers_command, request};

const ATOM_TEN: &str = "arxiv_atom/q_testing_s0_m10_bc5a6c384fe9.xml";
const ATOM_FIRST_ID: &str = "2202.12139";

fn papers(data_dir: &Path, url: &str, args: &[&str]) -> Output {
    papers_command(data_dir, Some(url), args)
        .env("PAPERS_FETCH_MODEL", "off")
        .output()
        .unwrap()
}

struct Node {
    name: &'static str,
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start(name: &'static str, url: &str) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("papers.toml");
        std::fs::write(
            &config,
            format!(
                "[schedule]\nnode = \"{name}\"\nlease_seconds = 3\ntick_seconds = 1\nhousekeeping = \"every 2s\"\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--quiet", "serve", "--bind", &format!("127.0.0.1:{port}")])
            .env_remove("PAPERS_CONFIG")
            .env_remove("PAPERS_MODEL_DIR")
            .env("PAPERS_FETCH_MODEL", "off")
            .env("PAPERS_RATE_LIMITS", "off")
            .env("PAPERS_DATABASE_URL", url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Node {
            name,
            port,
            child,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> Option<(u16, String)> {
        request(self.port, "GET", path, None)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Some((200, body)) = self.get("/readyz") {
                assert!(body.contains("\"ready\":true"), "{body}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("node {} did not become ready", self.name);
    }

    fn upvotes(&self, id: &str) -> i64 {
        let (status, body) = self.get(&format!("/api/papers/{id}")).unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["upvotes"].as_i64().unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Users with API tokens, made in the store: (token) each.
fn voters(url: &str, n: usize) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = papers_store::Store::open(url).await.unwrap();
        let now: jiff::Timestamp = "2026-08-21T12:00:00Z".parse().unwrap();
        let mut tokens = Vec::new();
        for i in 0..n {
            let user = store
                .create_user(
                    &format!("voter{i}"),
                    &format!("v{i}@example.org"),
                    "unused",
                    papers_core::Role::User,
                    now,
                )
                .await
                .unwrap()
                .unwrap();
            let token = format!("token-of-voter-{i}-0123456789abcdef");
            store
                .create_api_token(user.id, "test", &papers_app::sha256_hex(&token), now)
                .await
                .unwrap();
            tokens.push(token);
        }
        store.close().await;
        tokens
    })
}

fn jobs(url: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = papers(dir.path(), url, &["jobs", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_nodes_on_one_postgresql_serve_as_one_site() {
    let Some(admin) = papers_testkit::postgres_url("two app nodes on one PostgreSQL") else {
        return;
    };
    let url = papers_testkit::new_database(&admin);
    let cli_dir = tempfile::tempdir().unwrap();
    let hf = data("hf_daily");
    let out = papers(
        cli_dir.path(),
        &url,
        &["ingest", "hf-daily", hf.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = Node::start("node-a", &url);
    let b = Node::start("node-b", &url);
    a.wait_ready();
    b.wait_ready();

    // A paper ingested through the CLI is found by search on both nodes
    // within 5 s (the change feed, woken by NOTIFY).
    let atom = data(ATOM_TEN);
    let out = papers(
        cli_dir.path(),
        &url,
        &["ingest", "arxiv-atom", atom.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ingested = Instant::now();
    for node in [&a, &b] {
        loop {
            let (status, body) = node
                .get("/api/papers/search?q=Testing+Deep+Learning+Models&limit=5")
                .unwrap();
            assert_eq!(status, 200, "{body}");
            if body.contains(&format!("\"id\":\"{ATOM_FIRST_ID}\"")) {
                break;
            }
            assert!(
                ingested.elapsed() < Duration::from_secs(5),
                "{} did not find the new paper within 5 s",
                node.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let found_in = ingested.elapsed();
    eprintln!("the new paper was searchable on both nodes after {found_in:?}");

    // 200 users vote at once, half through each node: exact totals on both.
    let tokens = voters(&url, 201);
    let before = a.upvotes(ATOM_FIRST_ID);
    let failures = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = tokens[..200]
        .chunks(10)
        .enumerate()
        .map(|(n, chunk)| {
            let port = if n % 2 == 0 { a.port } else { b.port };
            let chunk = chunk.to_vec();
            let failures = failures.clone();
            std::thread::spawn(move || {
                for t in chunk {
                    let path = format!("/api/papers/{ATOM_FIRST_ID}/upvote");
                    if !matches!(request(port, "POST", &path, Some(&t)), Some((200, _))) {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        failures.load(Ordering::SeqCst),
        0,
        "every vote was accepted"
    );
    // A cached answer may be up to the cache's age old: after a write the
    // writing node empties its cache, and the other is told by NOTIFY.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(a.upvotes(ATOM_FIRST_ID), before + 200);
    assert_eq!(b.upvotes(ATOM_FIRST_ID), before + 200);

    // A vote made on A shows on B's (cached) page within 1 s.
    assert_eq!(
        b.upvotes(ATOM_FIRST_ID),
        before + 200,
        "B's answer is cached now"
    );
    let path = format!("/api/papers/{ATOM_FIRST_ID}/upvote");
    assert!(matches!(
        request(a.port, "POST", &path, Some(&tokens[200])),
        Some((200, _))
    ));
    let voted = Instant::now();
    while b.upvotes(ATOM_FIRST_ID) != before + 201 {
        assert!(
            voted.elapsed() < Duration::from_secs(1),
            "the vote on A did not show on B within 1 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("a vote on A showed on B after {:?}", voted.elapsed());

    // kill -9 of A under load: B serves every request meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let load: Vec<_> = (0..4)
        .map(|i| {
            let (stop, served, failed) = (stop.clone(), served.clone(), failed.clone());
            let port = b.port;
            std::thread::spawn(move || {
                let paths = [
                    "/",
                    "/api/daily_papers?limit=5",
                    "/papers/trending",
                    "/api/papers/search?q=testing",
                ];
                let mut n = i;
                while !stop.load(Ordering::SeqCst) {
                    match request(port, "GET", paths[n % paths.len()], None) {
                        Some((200, _)) => served.fetch_add(1, Ordering::SeqCst),
                        _ => failed.fetch_add(1, Ordering::SeqCst),
                    };
                    n += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let mut a = a;
    a.child.kill().unwrap(); // SIGKILL
    a.child.wait().unwrap();
    let killed = papers_core::Clock::now(&papers_core::SystemClock);
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::SeqCst);
    for t in load {
        t.join().unwrap();
    }
    assert_eq!(
        failed.load(Ordering::SeqCst),
        0,
        "B failed no request while A died"
    );
    assert!(served.load(Ordering::SeqCst) > 20, "B served under load");

    // A's jobs are taken over: B runs housekeeping (every 2 s) from now on,
    // within the lease (3 s) and a tick, well under 60 s.
    let killed_text = papers_store::format_timestamp(killed);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let doc = jobs(&url);
        let h = doc["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["name"] == "housekeeping")
            .cloned()
            .expect("housekeeping is registered");
        let finished = h["last_finished"].as_str().unwrap_or("");
        if h["last_node"] == "node-b" && finished > killed_text.as_str() && h["last_status"] == "ok"
        {
            assert_eq!(h["every"], "every 2s");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B did not take the jobs over: {h}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // The other node still answers readiness.
    assert!(matches!(b.get("/readyz"), Some((200, _))));
    drop(a);
}

/// Serves recorded answers on loopback: Hugging Face's daily list (the same
/// recorded day for any `date=`) and two OAI-PMH pages.
/// Two `papers embed` runs at once on one PostgreSQL claim disjoint
/// batches (each names itself like a node): between them every paper gets
/// its vector once. Needs the model (`PAPERS_MODEL_DIR`).
#[test]
fn two_embed_runs_at_once_embed_each_paper_once() {
    let Some(admin) = papers_testkit::postgres_url("two embed runs on one PostgreSQL") else {
        return;
    };
    let Some(model) = papers_testkit::model_dir("two embed runs on one PostgreSQL") else {
        return;
    };
    let url = papers_testkit::new_database(&admin);
    let dir = tempfile::tempdir().unwrap();
    let hf = data("hf_daily");
    let out = papers(
        dir.path(),
        &url,
        &[
            "ingest",
            "hf-daily",
            hf.to_str().unwrap(),
            "--embed-max",
            "0",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = papers(dir.path(), &url, &["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let total = stats["papers"].as_u64().unwrap();
    assert!(total >= 20, "{stats}");
    let run = |d: &Path| {
        papers_command(
            d,
            Some(&url),
            &[
                "--model-dir",
                model.to_str().unwrap(),
                "embed",
                "--batch",
                "2",
            ],
        )
        .env("PAPERS_FETCH_MODEL", "off")
        .env("PAPERS_EMBED_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    };
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let runs = [run(d1.path()), run(d2.path())];
    let counts: Vec<u64> = runs
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(out.status.success(), "{err}");
            let n = err
                .split("embedded ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse().ok());
            n.unwrap_or_else(|| panic!("no count in: {err}"))
        })
        .collect();
    eprintln!("two embed runs: {counts:?} of {total} papers");
    assert_eq!(
        counts.iter().sum::<u64>(),
        total,
        "each paper embedded once: {counts:?}"
    );
    assert!(
        counts.iter().all(|&n| n > 0),
        "both runs took part: {counts:?}"
    );
}

fn fixture_server() -> u16 {
    common::fixture_server(|line| {
        let (kind, file) = if line.contains("/api/daily_papers") {
            ("application/json", "hf_daily/2026-08-21.json")
        } else if line.contains("resumptionToken=") {
            ("text/xml", "oai_pmh/paging/page2.xml")
        } else {
            ("text/xml", "oai_pmh/paging/page1.xml")
        };
        Some((kind, std::fs::read(data(file)).unwrap()))
    })
}

/// A new site keeps itself current: the scheduler harvests Hugging Face's
/// daily list and arXiv's followed sets (loopback fixture servers) as soon as
/// the server starts, records each run for `papers jobs`, and what it
/// harvested is on the site and searchable (SQLite: one node).
#[test]
fn the_server_harvests_on_its_schedule() {
    let port = fixture_server();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("papers.toml");
    std::fs::write(
        &config,
        format!(
            "[harvest]\nhf_base = \"http://127.0.0.1:{port}\"\narxiv_oai_base = \"http://127.0.0.1:{port}/oai\"\n\
             max_retries = 1\nbase_delay_ms = 10\nmax_delay_ms = 20\nmin_interval_ms = 0\n\
             [schedule]\nharvest_hf = \"every 1h\"\nharvest_arxiv = \"every 6h\"\narxiv_sets = [\"cs\"]\ntick_seconds = 1\n"
        ),
    )
    .unwrap();
    let site = free_port();
    let url = format!("sqlite://{}", dir.path().join("papers.db").display());
    let mut server = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--quiet", "serve", "--bind", &format!("127.0.0.1:{site}")])
        .env_remove("PAPERS_CONFIG")
        .env_remove("PAPERS_MODEL_DIR")
        .env_remove("PAPERS_DATABASE_URL")
        .env("PAPERS_FETCH_MODEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let doc = jobs(&url);
        let list = doc["jobs"].as_array().cloned().unwrap_or_default();
        let ok = |name: &str| {
            list.iter()
                .any(|j| j["name"] == name && j["last_status"] == "ok")
        };
        if ok("harvest-hf") && ok("harvest-arxiv") {
            break list;
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            panic!("the harvests did not run: {doc}");
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    for j in &done {
        if j["name"] == "harvest-hf" || j["name"] == "harvest-arxiv" {
            assert!(
                j["last_message"]
                    .as_str()
                    .unwrap()
                    .contains("records stored, 0 rejected"),
                "{j}"
            );
            assert!(j["next_run"].as_str().unwrap() > j["last_finished"].as_str().unwrap());
        }
    }
    // What the harvests stored is on the site and, through the change feed,
    // in the search index within seconds.
    let (status, body) = request(
        site,
        "GET",
        "/api/daily_papers?date=2026-08-21&limit=5",
        None,
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"id\":\""), "{body}");
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    let title = first[0]["paper"]["title"].as_str().unwrap().to_string();
    let q: String = title
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join("+")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
        .collect();
    let id = first[0]["paper"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, found) = request(
            site,
            "GET",
            &format!("/api/papers/search?q={q}&limit=20"),
            None,
        )
        .unwrap();
        if found.contains(&format!("\"id\":\"{id}\"")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{id} ({title}) not searchable: {found}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = server.kill();
    let _ = server.wait();
}
