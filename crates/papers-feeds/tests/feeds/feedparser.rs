//! The rendered feeds checked by Python's feedparser (PyPI `feedparser`
//! 6.0.x), through tests/check_feeds.py: no bozo, the entries in order.
//!
//! JSON Feed: no released feedparser reads it (6.0.14, the latest on PyPI, has
//! no JSON parser; its main branch has `feedparser/parsers/json.py`). The
//! JSON Feed test runs the full check where the Python's feedparser has that
//! parser, and otherwise asserts the gap as it is.
//!
//! The Python comes from `PAPERS_TEST_PYTHON`, else the repository's
//! `.venv/bin/python`. Without it (or without feedparser in it) the test is
//! skipped with a note, unless `CI` is set, where it fails.

use std::process::Command;

use std::path::Path;
use std::process::Output;

use papers_feeds::{render_atom, render_json_feed, render_rss};

use crate::{entries, expected_titles, meta};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/check_feeds.py");

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The entries as check_feeds.py expects them, written to `dir`.
fn expected_entries(dir: &Path) -> std::path::PathBuf {
    let expected: Vec<String> = entries()
        .iter()
        .zip(expected_titles())
        .map(|(e, title)| {
            let authors: Vec<String> = e.authors.iter().map(|a| json_string(a)).collect();
            format!(
                "{{\"title\": {}, \"id\": {}, \"link\": {}, \"authors\": [{}], \"summary\": {}}}",
                json_string(&title),
                json_string(&e.id),
                json_string(&e.link),
                authors.join(", "),
                json_string(&e.abstract_text),
            )
        })
        .collect();
    let path = dir.join("expected.json");
    std::fs::write(&path, format!("[{}]", expected.join(",\n"))).unwrap();
    path
}

fn check_feeds(python: &Path, expected: &Path, feeds: &[&Path]) -> (Output, String) {
    let out = Command::new(python)
        .arg(SCRIPT)
        .arg(expected)
        .args(feeds)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, report)
}

fn python() -> Option<std::path::PathBuf> {
    papers_testkit::python_with("feedparser", "feedparser==6.0.14", "the feedparser check")
}

#[test]
fn feedparser_reads_both_feeds_without_complaint() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let atom = dir.path().join("feed.atom");
    let rss = dir.path().join("feed.rss");
    std::fs::write(&atom, render_atom(&meta(), &entries())).unwrap();
    std::fs::write(&rss, render_rss(&meta(), &entries())).unwrap();

    let expected = expected_entries(dir.path());
    let (out, report) = check_feeds(&python, &expected, &[&atom, &rss]);
    assert!(out.status.success(), "check_feeds.py failed:\n{report}");
    assert_eq!(report.matches(": ok (").count(), 2, "{report}");
}

#[test]
fn feedparser_reads_the_json_feed_where_it_can() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("feed.json");
    std::fs::write(&json, render_json_feed(&meta(), &entries())).unwrap();

    let expected = expected_entries(dir.path());
    let (out, report) = check_feeds(&python, &expected, &[&json]);
    if out.status.code() == Some(3) {
        // FIXME: released feedparser (6.0.14) has no JSON Feed parser; the
        // check runs in full with feedparser's main branch (PAPERS_TEST_PYTHON).
        assert!(
            report.contains("unsupported: feedparser 6.0.")
                && report.contains("no JSON Feed parser"),
            "{report}"
        );
        eprintln!("NOTE: {report}");
        return;
    }
    assert!(out.status.success(), "check_feeds.py failed:\n{report}");
    assert!(report.contains(": ok (json11, 3 entries)"), "{report}");
}
