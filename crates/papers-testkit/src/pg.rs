//! The PostgreSQL server of the store tests: `scripts/test.sh` starts a
//! throwaway cluster (`scripts/pg-cluster.sh`) and exports its admin URL as
//! `PAPERS_TEST_DATABASE_URL`. Each test makes its own database on it (named
//! by [`scratch_database`]), so tests run in parallel without meeting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable that names the test cluster's admin URL.
pub const DATABASE_URL_VAR: &str = "PAPERS_TEST_DATABASE_URL";

/// The admin URL of the test cluster (`postgres://postgres@127.0.0.1:PORT/postgres`),
/// or `None` to skip `check` (a panic under CI).
pub fn postgres_url(check: &str) -> Option<String> {
    match std::env::var(DATABASE_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ => {
            super::skip_or_fail(
                check,
                &format!("{DATABASE_URL_VAR} is not set"),
                "start a cluster with `scripts/pg-cluster.sh start DIR` and set \
                 PAPERS_TEST_DATABASE_URL=$(cat DIR/url)",
            );
            None
        }
    }
}

/// The variable that names the admin URL of a streaming replica of the
/// test cluster (`scripts/pg-cluster.sh replica DIR PRIMARY_DIR`).
pub const REPLICA_URL_VAR: &str = "PAPERS_TEST_REPLICA_URL";

/// The URL of `database` on the test cluster's streaming replica, or
/// `None` to skip `check` (a panic under CI).
pub fn replica_url(check: &str, database: &str) -> Option<String> {
    match std::env::var(REPLICA_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(with_database(url.trim(), database)),
        _ => {
            super::skip_or_fail(
                check,
                &format!("{REPLICA_URL_VAR} is not set"),
                "start a replica with `scripts/pg-cluster.sh replica DIR PRIMARY_DIR` and set \
                 PAPERS_TEST_REPLICA_URL=$(cat DIR/url)",
            );
            None
        }
    }
}

/// A database name no other test (in this process or another) uses:
/// `t_<pid>_<clock>_<counter>`, lower case, a valid unquoted identifier.
pub fn scratch_database() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000_000)
        .unwrap_or(0);
    format!(
        "t_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database replaced by `database` (query parameters kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    // The path starts at the first '/' after "scheme://authority".
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:1", "x"), "postgres://h:1/x");
    }

    #[test]
    fn scratch_names_differ() {
        let (a, b) = (scratch_database(), scratch_database());
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        );
    }
}
