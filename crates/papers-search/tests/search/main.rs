#![allow(clippy::unwrap_used)]
//! Integration tests of `papers-search`, in one binary.

mod engine;
mod keyword;
mod minilm;
mod onnx;
mod vector_recall;

use std::path::PathBuf;

use papers_search::SearchDoc;

/// The repository's `tests/data` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// The 30 real papers of `tests/data/search/papers.jsonl`.
pub fn fixture_papers() -> Vec<SearchDoc> {
    let text = std::fs::read_to_string(data_dir().join("search/papers.jsonl")).unwrap();
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let strings = |key: &str| -> Vec<String> {
                v[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            SearchDoc {
                id: v["id"].as_str().unwrap().to_string(),
                title: v["title"].as_str().unwrap().to_string(),
                abstract_text: v["abstract"].as_str().unwrap().to_string(),
                authors: strings("authors"),
                categories: strings("categories"),
                published: v["published_at"]
                    .as_str()
                    .map(|s| s.parse::<jiff::Timestamp>().unwrap())
                    .map(|ts| ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()),
            }
        })
        .collect()
}

pub fn doc(id: &str, title: &str, abstract_text: &str) -> SearchDoc {
    SearchDoc::new(id, title, abstract_text)
}
