//! Our own `papers-jsonl` export: never panics, and every record read
//! survives `paper_to_jsonl` and a second read with its fields intact.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::{Format, paper_to_jsonl};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    for record in common::parse(Format::PapersJsonl, "in.jsonl", data) {
        let line = paper_to_jsonl(&record.paper, record.listing.as_ref()).to_string();
        let back = common::parse(Format::PapersJsonl, "out.jsonl", line.as_bytes());
        assert_eq!(back.len(), 1, "{line}");
        let (a, b) = (&record.paper, &back[0].paper);
        assert_eq!(a.id, b.id);
        assert_eq!(a.title, b.title);
        assert_eq!(a.abstract_text, b.abstract_text);
        assert_eq!(
            (&a.github_repo, &a.project_page),
            (&b.github_repo, &b.project_page)
        );
        assert_eq!(
            (a.upvotes, a.num_comments, a.github_stars),
            (b.upvotes, b.num_comments, b.github_stars)
        );
        assert_eq!(a.categories, b.categories);
        assert_eq!(a.ai_keywords, b.ai_keywords);
        assert_eq!(
            record.listing.as_ref().map(|l| l.day),
            back[0].listing.as_ref().map(|l| l.day)
        );
    }
});
