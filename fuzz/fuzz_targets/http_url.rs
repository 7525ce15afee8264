//! `papers_core::http_url`: never panics; whatever it keeps is an absolute
//! http(s) URL with a host, by the WHATWG parser browsers use.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|input: &str| {
    if let Some(url) = papers_core::http_url(input) {
        assert!(common::is_http(&url), "{url:?}");
        assert_eq!(url, input.trim());
        assert!(!url.chars().any(char::is_control));
        // Idempotent.
        assert_eq!(papers_core::http_url(&url).as_deref(), Some(url.as_str()));
    }
});
