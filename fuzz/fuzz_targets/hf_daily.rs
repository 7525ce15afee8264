//! Hugging Face daily-papers day files (JSON, wrapped JSON, lists of
//! Python-repr strings), through the public `parse_bytes`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::Format;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // A dated name, so items without `submittedOnDailyAt` get a day too.
    common::parse(Format::HfDaily, "2024-05-27.json", data);
});
