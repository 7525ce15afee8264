//! Shared by the targets (each includes it with `#[path]`).
#![allow(dead_code)]

use std::ops::ControlFlow;

use papers_ingest::{Event, Format, IngestRecord, parse_bytes};

/// Parses `data` as `format`, checks what every record must satisfy, and
/// returns the records.
pub fn parse(format: Format, source: &str, data: &[u8]) -> Vec<IngestRecord> {
    let mut records = Vec::new();
    let result = parse_bytes(format, source, data, &mut |event| {
        if let Event::Record(record, _) = event {
            check_record(&record);
            records.push(*record);
        }
        ControlFlow::Continue(())
    });
    assert!(
        result.is_ok(),
        "parse_bytes never fails on bytes: {result:?}"
    );
    records
}

/// Invariants of every imported record.
pub fn check_record(record: &IngestRecord) {
    let p = &record.paper;
    // Only absolute http(s) links get through.
    for link in [&p.github_repo, &p.project_page]
        .into_iter()
        .chain(record.listing.as_ref().map(|l| &l.thumbnail))
        .flatten()
    {
        assert!(is_http(link), "non-http link kept: {link:?}");
    }
    // The id is canonical: it reads back as itself.
    let again = papers_core::ArxivId::parse(&p.id.to_string());
    assert_eq!(again.as_ref(), Ok(&p.id), "id does not round-trip");
    if let Some(listing) = &record.listing {
        assert_eq!(listing.paper_id, p.id.unversioned());
    }
    assert!(!p.title.trim().is_empty(), "empty title kept");
}

pub fn is_http(link: &str) -> bool {
    let lower = link.get(..8).unwrap_or(link).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}
