//! The Python-literal reader behind archived HF day files: never panics, and
//! what it accepts is a JSON value that prints as valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_ingest::parse_python_literal;

fuzz_target!(|input: &str| {
    match parse_python_literal(input) {
        Ok(value) => {
            let text = value.to_string();
            // (Not compared: floats need serde_json's `float_roundtrip`.)
            let back: Result<serde_json::Value, _> = serde_json::from_str(&text);
            assert!(back.is_ok(), "{text}");
        }
        Err(e) => assert!(e.offset <= input.len(), "{e}"),
    }
});
