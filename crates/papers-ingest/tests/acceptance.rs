//! Whole-corpus checks against the shared data set, outside the repository.
//! They run only where that data exists and print a note when skipped.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use papers_ingest::{Event, Format, read_sources};

const HF_ARCHIVE: &str = "/work/shared/data/hf_daily_papers/hf_daily_papers_raw_per_day.tar.gz";
const CORPUS: &str = "/work/shared/data/benchmark/papers_unified.jsonl.gz";

struct Tally {
    records: u64,
    ids: HashSet<String>,
    days: HashSet<String>,
    listings: u64,
    rejects: Vec<String>,
    bytes: u64,
}

fn tally(format: Format, path: &str) -> Option<(Tally, papers_ingest::ReadSummary)> {
    if !Path::exists(Path::new(path)) {
        eprintln!("note: {path} is not here; skipping this acceptance test");
        return None;
    }
    let mut t = Tally {
        records: 0,
        ids: HashSet::new(),
        days: HashSet::new(),
        listings: 0,
        rejects: Vec::new(),
        bytes: 0,
    };
    let summary = read_sources(format, &[PathBuf::from(path)], &mut |e| {
        match e {
            Event::Record(r, _) => {
                t.records += 1;
                t.ids.insert(r.paper.id.base().to_string());
                if let Some(l) = &r.listing {
                    t.listings += 1;
                    t.days.insert(l.day.to_string());
                }
            }
            Event::Reject(r) => t.rejects.push(r.to_string()),
            Event::SourceDone { bytes, .. } => t.bytes += bytes,
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    Some((t, summary))
}

#[test]
fn the_whole_hf_archive_goes_in() {
    let Some((t, summary)) = tally(Format::HfDaily, HF_ARCHIVE) else {
        return;
    };
    assert_eq!(t.rejects, Vec::<String>::new());
    assert_eq!(t.records, 9_881);
    assert_eq!(t.ids.len(), 9_877);
    assert_eq!(t.days.len(), 580);
    assert_eq!(t.listings, 9_881);
    assert_eq!(summary.sources, 580);
    assert_eq!(summary.records, 9_881);
    assert_eq!(summary.rejects, 0);
    let size = papers_ingest::total_input_bytes(&[PathBuf::from(HF_ARCHIVE)]);
    assert!(
        t.bytes <= size && t.bytes > size * 9 / 10,
        "{} of {size}",
        t.bytes
    );
    eprintln!(
        "hf archive: {} records, {} unique ids, {} days, {} rejects",
        t.records,
        t.ids.len(),
        t.days.len(),
        t.rejects.len()
    );
}

/// Slow in debug builds (193 MB of JSON): `cargo test -p papers-ingest --release -- --ignored`.
#[test]
#[ignore]
fn the_whole_benchmark_corpus_goes_in() {
    let Some((t, _)) = tally(Format::PapersJsonl, CORPUS) else {
        return;
    };
    assert_eq!(
        t.rejects.iter().take(5).collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    assert_eq!(t.records, 103_817);
    assert_eq!(t.ids.len(), 103_817);
    assert_eq!(t.listings, 9_877);
    eprintln!("corpus: {} records, {} listings", t.records, t.listings);
}
