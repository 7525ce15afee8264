//! `ArxivId::parse` (ids, `arXiv:` ids, abs/pdf URLs): never panics, and what
//! it accepts prints in a canonical form that parses back to the same id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_core::ArxivId;

fuzz_target!(|input: &str| {
    if let Ok(id) = ArxivId::parse(input) {
        let printed = id.to_string();
        assert_eq!(ArxivId::parse(&printed).as_ref(), Ok(&id), "{printed}");
        assert_eq!(ArxivId::parse(&id.abs_url()).as_ref(), Ok(&id));
        assert_eq!(id.unversioned().base(), id.base());
        assert!(printed.is_ascii());
    }
});
