//! The rendered feeds checked by Python's feedparser (PyPI `feedparser`
//! 6.0.x), through tests/check_feeds.py: no bozo, the entries in order.
//!
//! The Python comes from `PAPERS_TEST_PYTHON`, else the repository's
//! `.venv/bin/python`. Without it (or without feedparser in it) the test is
//! skipped with a note, unless `CI` is set, where it fails.

use std::process::Command;

use papers_feeds::{render_atom, render_rss};

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

#[test]
fn feedparser_reads_both_feeds_without_complaint() {
    let Some(python) =
        papers_testkit::python_with("feedparser", "feedparser==6.0.14", "the feedparser check")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let atom = dir.path().join("feed.atom");
    let rss = dir.path().join("feed.rss");
    std::fs::write(&atom, render_atom(&meta(), &entries())).unwrap();
    std::fs::write(&rss, render_rss(&meta(), &entries())).unwrap();

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
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&expected_path, format!("[{}]", expected.join(",\n"))).unwrap();

    let out = Command::new(&python)
        .arg(SCRIPT)
        .arg(&expected_path)
        .arg(&atom)
        .arg(&rss)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "check_feeds.py failed:\n{report}");
    assert_eq!(report.matches(": ok (").count(), 2, "{report}");
}
