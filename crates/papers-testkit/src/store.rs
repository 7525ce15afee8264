//! The store an integration suite runs on. SQLite by default (a file in the
//! test's own directory); with `PAPERS_TEST_BACKEND=postgres` a new
//! database on the PostgreSQL test cluster (`PAPERS_TEST_DATABASE_URL`)
//! for each store, so that tests never meet and run in parallel. The test
//! command runs the suites that open a store a second time this way.
//!
//! The testkit depends on no database library (the architecture test keeps
//! `sqlx` in papers-store): a database is created with `psql`, which comes
//! with the cluster's PostgreSQL. Databases of test processes that have
//! ended are dropped (in the background) the first time a process creates
//! one, so a cluster kept between runs does not fill up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use crate::pg::{DATABASE_URL_VAR, scratch_database, with_database};

/// The variable that picks the backend of the suites' stores: `sqlite`
/// (the default) or `postgres`.
pub const BACKEND_VAR: &str = "PAPERS_TEST_BACKEND";

/// A backend the suites can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// The backend `PAPERS_TEST_BACKEND` names (SQLite when unset). Any other
/// value is a mistake in the test command, and a panic.
pub fn test_backend() -> TestBackend {
    match std::env::var(BACKEND_VAR).as_deref().map(str::trim) {
        Err(_) | Ok("") | Ok("sqlite") => TestBackend::Sqlite,
        Ok("postgres") | Ok("postgresql") => TestBackend::Postgres,
        Ok(other) => panic!("{BACKEND_VAR}={other:?}: use sqlite or postgres"),
    }
}

/// The URL of a new, empty store for one test: `sqlite://` and
/// `sqlite_file` on SQLite; on PostgreSQL a database created for it on
/// the test cluster (asking for PostgreSQL without a cluster is a panic:
/// the run would otherwise pass on SQLite and claim otherwise).
pub fn store_url(sqlite_file: &Path) -> String {
    match test_backend() {
        TestBackend::Sqlite => format!("sqlite://{}", sqlite_file.display()),
        TestBackend::Postgres => {
            let admin = std::env::var(DATABASE_URL_VAR)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| {
                    panic!(
                        "{BACKEND_VAR}=postgres needs {DATABASE_URL_VAR}: start a cluster \
                         with `scripts/pg-cluster.sh start DIR` and set it to $(cat DIR/url)"
                    )
                });
            new_database(admin.trim())
        }
    }
}

/// Creates a new, empty database on the cluster whose admin URL is `admin`
/// and answers its URL.
pub fn new_database(admin: &str) -> String {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        // In the background: each DROP DATABASE waits for a checkpoint
        // (about a second on a busy machine), and tests need not wait.
        let admin = admin.to_string();
        std::thread::spawn(move || drop_databases_of_ended_processes(&admin));
    });
    let name = scratch_database();
    psql(admin, &[&format!("CREATE DATABASE {name}")]);
    with_database(admin, &name)
}

/// Drops the scratch databases (`t_<pid>_…`) whose test process is gone.
/// Best effort: a failure leaves them to the next sweep.
fn drop_databases_of_ended_processes(admin: &str) {
    let Ok(list) = try_psql(
        admin,
        &["SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'"],
    ) else {
        return;
    };
    let stale: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|name| {
            scratch_pid(name).is_some_and(|pid| {
                pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
            })
        })
        .collect();
    if stale.is_empty() {
        return;
    }
    let drops: Vec<String> = stale
        .iter()
        .map(|name| format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .collect();
    let drops: Vec<&str> = drops.iter().map(String::as_str).collect();
    let _ = try_psql(admin, &drops);
}

/// The test process that made a scratch database `t_<pid>_<clock>_<n>`.
fn scratch_pid(name: &str) -> Option<u32> {
    let parts: Vec<&str> = name.strip_prefix("t_")?.split('_').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [pid, clock, n] if [pid, clock, n].iter().all(|p| numeric(p)) => pid.parse().ok(),
        _ => None,
    }
}

/// Runs each statement (its own transaction) with `psql` against `url` and
/// answers what it printed (unaligned, tuples only). A failure is a panic.
fn psql(url: &str, statements: &[&str]) -> String {
    try_psql(url, statements).unwrap_or_else(|e| panic!("{e}"))
}

fn try_psql(url: &str, statements: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new(psql_program());
    cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]);
    for s in statements {
        cmd.args(["-c", s]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run psql ({e}): install PostgreSQL's client"))?;
    if !out.status.success() {
        return Err(format!(
            "psql {statements:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `psql` of the cluster's PostgreSQL (`PG_BIN`, as `scripts/pg-cluster.sh`
/// uses it), else the one on the PATH.
fn psql_program() -> PathBuf {
    let bin = std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    let beside = bin.join("psql");
    if beside.exists() {
        beside
    } else {
        PathBuf::from("psql")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scratch_names_are_swept() {
        assert_eq!(scratch_pid("t_123_456_7"), Some(123));
        assert_eq!(scratch_pid(&scratch_database()), Some(std::process::id()));
        for other in [
            "t_1_2",
            "t_a_2_3",
            "t_1_2_3_4",
            "test_1_2_3",
            "postgres",
            "t___",
        ] {
            assert_eq!(scratch_pid(other), None, "{other}");
        }
    }
}
