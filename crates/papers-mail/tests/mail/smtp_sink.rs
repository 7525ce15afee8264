//! A real SMTP round trip: aiosmtpd (PyPI `aiosmtpd==1.4.6`) runs on a free
//! loopback port with the `raw_maildir.RawMaildir` handler (tests/raw_maildir.py),
//! which stores each message exactly as received in a Maildir; the test sends
//! through the SMTP backend and reads the message back.
//!
//! The Python comes from `PAPERS_TEST_PYTHON`, else the repository's
//! `.venv/bin/python`. Without it (or without aiosmtpd in it) the test is
//! skipped with a note, unless `CI` is set, where it fails.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use papers_mail::{Mailer, SmtpConfig, compose_digest};
use tokio::task::JoinSet;

use crate::{assert_is_the_sample_digest, digest, item, now, parse, settings};

/// aiosmtpd as a child process; killed when dropped.
struct Sink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    log: PathBuf,
}

impl Sink {
    fn start(python: &Path, dir: &Path) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = dir.join("maildir");
        let log = dir.join("aiosmtpd.log");
        let child = Command::new(python)
            .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "raw_maildir.RawMaildir"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut sink = Sink {
            child,
            port,
            maildir,
            log,
        };
        sink.wait_until_listening();
        sink
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("aiosmtpd exited with {status}: {}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {} in 20 s: {}",
                self.port,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The messages in the Maildir's `new/`, waiting until there are `n`.
    fn received(&self, n: usize) -> Vec<Vec<u8>> {
        let new = self.maildir.join("new");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let files: Vec<PathBuf> = std::fs::read_dir(&new)
                .map(|d| d.map(|e| e.unwrap().path()).collect())
                .unwrap_or_default();
            if files.len() >= n || Instant::now() > deadline {
                assert_eq!(files.len(), n, "messages in {}", new.display());
                return files.iter().map(|f| std::fs::read(f).unwrap()).collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_arrives_through_a_real_smtp_server() {
    let Some(python) =
        papers_testkit::python_with("aiosmtpd", "aiosmtpd==1.4.6", "the SMTP round-trip test")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(&python, dir.path());
    let config = SmtpConfig::from_url(&format!("smtp://127.0.0.1:{}?pool=4", sink.port)).unwrap();
    let mailer = Mailer::smtp(&config).unwrap();

    let mut first = item("2410.12345", "Scaling Laws for Cats");
    first.github_repo = Some("cats/scaling".into());
    first.github_stars = Some(99);
    let mail = compose_digest(
        &digest(vec![first, item("2410.00001", "Ünïcode — in a title")]),
        &settings(),
        now(),
    )
    .unwrap();
    mailer.send(&mail).await.unwrap();

    let received = sink.received(1);
    let got = parse(&received[0]);
    assert_is_the_sample_digest(&got);
    assert!(got.text.contains("Ünïcode — in a title"));
    assert!(got.html.contains("Ünïcode — in a title"));
    assert!(
        got.text
            .contains("Code: https://github.com/cats/scaling (99 stars)")
    );

    // Many at once share the pool.
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let mailer = mailer.clone();
        let mail = mail.clone();
        tasks.spawn(async move { mailer.send(&mail).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    mailer.shutdown().await;
    let all = sink.received(21);
    for raw in &all {
        assert_is_the_sample_digest(&parse(raw));
    }
}
