#![allow(clippy::unwrap_used)]
//! papers-feeds' integration tests, one binary: Atom and RSS parsed back as XML,
//! the JSON Feed held to its spec, the conditional-request validators, and the
//! same feeds checked by Python's feedparser (tests/check_feeds.py).

mod conditional;
mod feedparser;
mod json;
mod xml;

use jiff::Timestamp;
use papers_feeds::{FeedEntry, FeedMeta};

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn meta() -> FeedMeta {
    FeedMeta {
        title: "Daily Papers — Aug 21, 2026".into(),
        subtitle: "Trending papers & the day's best <em>ML</em> research".into(),
        self_url: "https://papers.example.com/feed.atom?date=2026-08-21&sort=trending".into(),
        alternate_url: "https://papers.example.com/?date=2026-08-21".into(),
        updated: ts("2026-08-21T12:00:00Z"),
    }
}

/// Three entries whose text needs escaping, in a deliberate order.
pub fn entries() -> Vec<FeedEntry> {
    vec![
        FeedEntry {
            id: "tag:dailypapers,2024:paper/2410.12345".into(),
            title: "<script>alert(1)</script> & Friends".into(),
            authors: vec!["Ada Lovelace".into(), "Alan Turing".into()],
            abstract_text: "We prove $\\alpha < \\beta$ & show <b>bold</b> claims.\nSecond line."
                .into(),
            link: "https://papers.example.com/papers/2410.12345".into(),
            published: ts("2026-08-20T18:00:00Z"),
            updated: ts("2026-08-21T09:30:00Z"),
            categories: vec!["cs.LG".into(), "stat.ML".into()],
        },
        FeedEntry {
            id: "tag:dailypapers,2024:paper/2410.00002".into(),
            title: "Zebra Models: Ünïcode — and \u{1}control characters".into(),
            authors: vec!["Émilie du Châtelet".into()],
            abstract_text: "Plain abstract.".into(),
            link: "https://papers.example.com/papers/2410.00002".into(),
            published: ts("2026-08-19T08:00:00Z"),
            updated: ts("2026-08-19T08:00:00Z"),
            categories: vec!["cs.CL".into()],
        },
        FeedEntry {
            id: "tag:dailypapers,2024:paper/hep-th/9901001".into(),
            title: "An Old-Style Paper".into(),
            authors: vec![],
            abstract_text: String::new(),
            link: "https://papers.example.com/papers/hep-th/9901001".into(),
            published: ts("1999-01-05T00:00:00Z"),
            updated: ts("1999-01-05T00:00:00Z"),
            categories: vec![],
        },
    ]
}

/// The titles as a reader shows them: control characters dropped.
pub fn expected_titles() -> Vec<String> {
    vec![
        "<script>alert(1)</script> & Friends".into(),
        "Zebra Models: Ünïcode — and control characters".into(),
        "An Old-Style Paper".into(),
    ]
}
