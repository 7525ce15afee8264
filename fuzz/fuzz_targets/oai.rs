//! arXiv OAI-PMH pages, both through `parse_bytes` and `parse_oai_page`
//! (the harvester's entry point), which must agree on the records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::{Format, parse_oai_page};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let records = common::parse(Format::ArxivOai, "page.xml", data);
    if let Ok(page) = parse_oai_page("page.xml", data) {
        let ok: Vec<_> = page
            .records
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .collect();
        for record in &ok {
            common::check_record(record);
        }
        assert_eq!(ok.len(), records.len());
    }
});
