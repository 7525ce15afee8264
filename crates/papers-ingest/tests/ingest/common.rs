//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::ops::ControlFlow;
use std::path::PathBuf;

use papers_core::IngestRecord;
use papers_ingest::{Event, Format, Location, ReadSummary, Reject, parse_bytes, read_sources};

/// A path under the repository's `tests/data/`.
macro_rules! data {
    ($path:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/", $path)
    };
}

/// Everything one run produced, in order.
#[derive(Debug, Default)]
pub struct Collected {
    pub records: Vec<(IngestRecord, Location)>,
    pub rejects: Vec<Reject>,
    pub done: Vec<(String, u64)>,
    pub summary: ReadSummary,
}

impl Collected {
    pub fn ids(&self) -> Vec<String> {
        self.records
            .iter()
            .map(|(r, _)| r.paper.id.to_string())
            .collect()
    }

    pub fn record(&self, id: &str) -> &IngestRecord {
        self.records
            .iter()
            .map(|(r, _)| r)
            .find(|r| r.paper.id.to_string() == id || r.paper.id.base() == id)
            .unwrap_or_else(|| panic!("no record {id} in {:?}", self.ids()))
    }
}

pub fn read(format: Format, paths: &[&str]) -> Collected {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let mut c = Collected::default();
    c.summary = read_sources(format, &paths, &mut |e| {
        push(&mut c, e);
        ControlFlow::Continue(())
    })
    .unwrap();
    c
}

pub fn parse(format: Format, source: &str, bytes: &[u8]) -> Collected {
    let mut c = Collected::default();
    parse_bytes(format, source, bytes, &mut |e| {
        push(&mut c, e);
        ControlFlow::Continue(())
    })
    .unwrap();
    c
}

pub fn push(c: &mut Collected, e: Event) {
    match e {
        Event::Record(r, loc) => c.records.push((*r, loc)),
        Event::Reject(r) => c.rejects.push(r),
        Event::SourceDone { source, bytes } => c.done.push((source, bytes)),
    }
}
