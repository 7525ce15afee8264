//! Links taken from data become hrefs: only absolute http(s) URLs are kept.
//! A bad link is dropped with a warning naming place and field, and the
//! record is still imported.

use std::io::Write;
use std::sync::{Arc, Mutex};

use papers_ingest::Format;

use crate::common::{Collected, parse};

/// Parses with a tracing subscriber that captures the warnings.
fn parse_capturing(format: Format, source: &str, bytes: &[u8]) -> (Collected, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let c = tracing::subscriber::with_default(subscriber, || parse(format, source, bytes));
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (c, log)
}

#[test]
fn papers_jsonl_drops_javascript_links_but_keeps_the_paper() {
    let lines = [
        r#"{"id": "2501.00001", "title": "Bad links", "authors": ["A"], "github_repo": "javascript:alert(document.domain)", "project_page": "JaVaScRiPt:alert(1)", "hf_daily_date": "2025-01-02", "sources": []}"#,
        r#"{"id": "2501.00002", "title": "Sneaky links", "authors": ["B"], "github_repo": "java\tscript:alert(1)", "project_page": "//evil.example/x", "sources": []}"#,
        r#"{"id": "2501.00003", "title": "Good links", "authors": ["C"], "github_repo": "https://github.com/x/y", "project_page": " http://example.org ", "sources": []}"#,
    ];
    let doc = lines.join("\n");
    let (c, log) = parse_capturing(Format::PapersJsonl, "export.jsonl", doc.as_bytes());
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.ids(), ["2501.00001", "2501.00002", "2501.00003"]);
    for id in ["2501.00001", "2501.00002"] {
        let p = &c.record(id).paper;
        assert_eq!((&p.github_repo, &p.project_page), (&None, &None), "{id}");
    }
    let bad = c.record("2501.00001");
    assert_eq!(bad.paper.title, "Bad links");
    assert_eq!(bad.listing.as_ref().unwrap().day.to_string(), "2025-01-02");
    let good = &c.record("2501.00003").paper;
    assert_eq!(good.github_repo.as_deref(), Some("https://github.com/x/y"));
    assert_eq!(good.project_page.as_deref(), Some("http://example.org"));

    for (line, field) in [
        (1, "github_repo"),
        (1, "project_page"),
        (2, "github_repo"),
        (2, "project_page"),
    ] {
        let want = format!("export.jsonl:{line}: field `{field}`: link dropped");
        assert!(log.contains(&want), "no warning {want:?} in:\n{log}");
    }
    assert!(log.contains("WARN"), "{log}");
    assert_eq!(log.matches("link dropped").count(), 4, "{log}");
}

#[test]
fn hf_daily_drops_javascript_links_but_keeps_the_paper() {
    let doc = br#"[
      {"paper": {"id": "2501.00001", "title": "Bad links", "authors": [{"name": "A"}],
                 "githubRepo": "javascript:alert(document.domain)",
                 "projectPage": "data:text/html,<script>alert(1)</script>",
                 "upvotes": 3},
       "thumbnail": "javascript:alert(2)", "mediaUrl": "https://cdn.example/t.png"},
      {"paper": {"id": "2501.00002", "title": "Good links", "authors": [],
                 "githubRepo": "https://github.com/x/y", "projectPage": "https://x.github.io"},
       "thumbnail": "https://cdn.example/u.png"}
    ]"#;
    let (c, log) = parse_capturing(Format::HfDaily, "2025-01-02.json", doc);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.ids(), ["2501.00001", "2501.00002"]);
    let bad = c.record("2501.00001");
    assert_eq!(
        (&bad.paper.github_repo, &bad.paper.project_page),
        (&None, &None)
    );
    assert_eq!(bad.paper.upvotes, Some(3));
    // The bad thumbnail gives way to the item's media URL.
    let listing = bad.listing.as_ref().unwrap();
    assert_eq!(
        listing.thumbnail.as_deref(),
        Some("https://cdn.example/t.png")
    );
    assert_eq!(listing.day.to_string(), "2025-01-02");
    let good = c.record("2501.00002");
    assert_eq!(
        good.paper.github_repo.as_deref(),
        Some("https://github.com/x/y")
    );
    assert_eq!(
        good.paper.project_page.as_deref(),
        Some("https://x.github.io")
    );
    for field in ["paper.githubRepo", "paper.projectPage", "thumbnail"] {
        let want = format!("2025-01-02.json entry 0: field `{field}`: link dropped");
        assert!(log.contains(&want), "no warning {want:?} in:\n{log}");
    }
    assert_eq!(log.matches("link dropped").count(), 3, "{log}");
}

#[test]
fn hf_daily_python_repr_items_are_checked_too() {
    let doc = br#"["{'paper': {'id': '2501.00001', 'title': 'T', 'authors': [], 'githubRepo': 'javascript:alert(1)', 'projectPage': 'https://ok.example'}}"]"#;
    let (c, log) = parse_capturing(Format::HfDaily, "2025-01-02.json", doc);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    let p = &c.record("2501.00001").paper;
    assert_eq!(p.github_repo, None);
    assert_eq!(p.project_page.as_deref(), Some("https://ok.example"));
    assert!(
        log.contains("field `paper.githubRepo`: link dropped"),
        "{log}"
    );
}

/// Inputs the fuzzers found (`fuzz/`): links a browser reads as https but
/// that do not start with `https://` were kept before the rule was tightened.
#[test]
fn fuzz_found_scheme_relative_spellings_are_dropped() {
    let hf = br#"[{"paper": {"id": "2501.00001", "title": "T", "?authors": [{"name": "A"}], "githubRepo": "javascript:alert(document.domain)", "projectPage": "https:/uuuuuuuuuuuuuu/e00Z"}, "thumbnail": "data:image/png;bise64,AAAA"}]"#;
    let c = parse(Format::HfDaily, "2024-05-27.json", hf);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    let r = c.record("2501.00001");
    assert_eq!(
        (&r.paper.github_repo, &r.paper.project_page),
        (&None, &None)
    );
    assert_eq!(r.listing.as_ref().unwrap().thumbnail, None);

    let jsonl = br#"{"id": "2501.00006", "title": "Listing date only", "abstract": "Falls back.", "authors": ["B"], "categories": ["cs.LG"], "published_at": null, "hf_daily_date": null, "upvotes": null, "num_comments": null, "github_repo": "https:/,github.com/x/y#", "project_page": "HTTPS:xamropel.g/a?b#c", "ai_keywords": null, "arxiv_listing_date": "2025-03-04", "sources": ["arxiv_listings"]}"#;
    let c = parse(Format::PapersJsonl, "x.jsonl", jsonl);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    let p = &c.record("2501.00006").paper;
    assert_eq!((&p.github_repo, &p.project_page), (&None, &None));
}
