//! `DateWindow::parse_day` / `parse_week` / `parse_month` (URL path segments):
//! never panic, and every accepted window prints back to itself and steps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use papers_core::DateWindow;

fuzz_target!(|input: &str| {
    for parsed in [
        DateWindow::parse_day(input),
        DateWindow::parse_week(input),
        DateWindow::parse_month(input),
    ] {
        let Ok(window) = parsed else { continue };
        let printed = window.to_string();
        let again = match window {
            DateWindow::Day(_) => DateWindow::parse_day(&printed),
            DateWindow::Week { .. } => DateWindow::parse_week(&printed),
            DateWindow::Month { .. } => DateWindow::parse_month(&printed),
        };
        assert_eq!(again, Ok(window), "{printed}");
        let (start, end) = window.bounds();
        assert!(start <= end);
        let _ = (
            window.title(),
            window.path(),
            window.previous(),
            window.next(),
        );
    }
});
