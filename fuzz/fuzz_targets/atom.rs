//! arXiv API Atom feeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::Format;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::parse(Format::ArxivAtom, "feed.xml", data);
});
