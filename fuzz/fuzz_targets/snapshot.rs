//! arXiv's bulk metadata snapshot (JSON lines).
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::Format;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::parse(Format::ArxivSnapshot, "snapshot.jsonl", data);
});
