//! Properties on generated input: no parser panics on arbitrary bytes, and
//! what has a printer reads back as itself (`papers-jsonl` through
//! `paper_to_jsonl`, Python literals through a `repr()`-like printer).

use jiff::Timestamp;
use jiff::civil::Date;
use papers_core::{ArxivId, Author, DailyListing, IngestRecord, Paper};
use papers_ingest::{Format, paper_to_jsonl, parse_oai_page, parse_python_literal};
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::common::parse;

const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // A failure is reported with its minimal input; no files are written.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Bytes that are sometimes UTF-8, sometimes not, sometimes near the format.
fn bytes_near(prefix: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        "\\PC{0,128}".prop_map(String::into_bytes),
        "\\PC{0,96}".prop_map(move |s| format!("{prefix}{s}").into_bytes()),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_format_panics_on_bytes(
        format in proptest::sample::select(Format::ALL.to_vec()),
        bytes in bytes_near(""),
    ) {
        parse(format, "2025-01-02.json", &bytes);
    }

    #[test]
    fn hf_daily_never_panics(bytes in bytes_near(r#"[{"paper": {"id": "2501.00001", "title": "#)) {
        parse(Format::HfDaily, "2025-01-02.json", &bytes);
    }

    #[test]
    fn xml_formats_never_panic(bytes in bytes_near("<?xml version=\"1.0\"?><feed><entry><id>")) {
        parse(Format::ArxivAtom, "feed.xml", &bytes);
        parse(Format::ArxivOai, "page.xml", &bytes);
        let _ = parse_oai_page("page.xml", &bytes);
    }

    #[test]
    fn json_lines_never_panic(bytes in bytes_near(r#"{"id": "2501.00001", "title": "T", "#)) {
        parse(Format::PapersJsonl, "x.jsonl", &bytes);
        parse(Format::ArxivSnapshot, "x.jsonl", &bytes);
    }

    /// Any JSON value in any field of an otherwise valid record: a record or
    /// a reject, never a panic, and never a non-http link.
    #[test]
    fn any_value_in_any_field(
        format in proptest::sample::select(vec![Format::PapersJsonl, Format::ArxivSnapshot, Format::HfDaily]),
        key in proptest::sample::select(vec![
            "id", "title", "abstract", "authors", "authors_parsed", "categories", "versions",
            "published_at", "hf_daily_date", "upvotes", "github_repo", "project_page",
            "githubRepo", "projectPage", "ai_keywords", "submittedOnDailyAt", "paper",
            "thumbnail", "sources", "doi",
        ]),
        value in json_value(),
    ) {
        let mut record = serde_json::json!({"id": "2501.00001", "title": "T", "authors": ["A"]});
        record[key] = value.clone();
        let doc = if format == Format::HfDaily {
            let mut item = serde_json::json!({"paper": record});
            item[key] = value;
            Value::Array(vec![item]).to_string()
        } else {
            record.to_string()
        };
        let c = parse(format, "2025-01-02.json", doc.as_bytes());
        prop_assert_eq!(c.records.len() + c.rejects.len(), 1);
        for (r, _) in &c.records {
            for link in [&r.paper.github_repo, &r.paper.project_page].into_iter().flatten() {
                prop_assert!(link.starts_with("http://") || link.starts_with("https://"), "{}", link);
            }
        }
    }

    #[test]
    fn python_literals_never_panic(s in "\\PC{0,64}|[\\[\\]{}()'\"\\\\,:ruUbxN0-9a-fe.+_ -]{0,32}") {
        if let Err(e) = parse_python_literal(&s) {
            prop_assert!(e.offset <= s.len());
        }
    }

    #[test]
    fn python_repr_round_trips(value in json_value()) {
        let repr = python_repr(&value);
        prop_assert_eq!(parse_python_literal(&repr), Ok(value), "{}", repr);
    }

    #[test]
    fn papers_jsonl_round_trips(record in ingest_record()) {
        let line = paper_to_jsonl(&record.paper, record.listing.as_ref()).to_string();
        let c = parse(Format::PapersJsonl, "export.jsonl", format!("{line}\n").as_bytes());
        prop_assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        prop_assert_eq!(c.records.len(), 1);
        prop_assert_eq!(&c.records[0].0, &record, "{}", line);
    }
}

/// JSON values without floats (whose text round trip is not exact) and with
/// keys and strings from a mix of ASCII, quotes, escapes and non-ASCII.
fn json_value() -> impl Strategy<Value = Value> {
    let text = "[ -~]{0,8}|\\PC{0,8}|['\"\\\\\n\t\u{e9}\u{1F600}]{0,4}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((text, inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// What Python's `repr()` writes for the JSON-like value.
fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let items: Vec<_> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<_> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// `repr(str)`: single quotes unless the text has a single quote and no
/// double quote; `\\`, the quote, `\n`, `\r`, `\t` and other control
/// characters escaped.
fn py_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Text as the parsers leave it: whitespace collapsed, trimmed.
fn collapsed(min: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        "[A-Za-z0-9$<>&'\"\u{e9}\u{4e2d}\u{1F600}.,:;()-]{1,8}",
        min..5,
    )
    .prop_map(|words| words.join(" "))
}

fn arxiv_id() -> impl Strategy<Value = ArxivId> {
    let new = (15u32..30, 1u32..=12, 0u32..100_000)
        .prop_map(|(yy, mm, n)| format!("{yy:02}{mm:02}.{n:05}"));
    let old = ("[a-z][a-z-]{0,8}", 91u32..100, 1u32..=12, 0u32..1000)
        .prop_map(|(a, yy, mm, n)| format!("{a}/{yy:02}{mm:02}{n:03}"));
    (prop_oneof![new, old], proptest::option::of(1u32..50)).prop_map(|(base, v)| {
        let id = ArxivId::parse(&base).expect("generated ids are valid");
        id.with_version(v)
    })
}

/// A timestamp to the millisecond, as `papers-jsonl` writes them.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..4_102_444_800_000).prop_map(|ms| Timestamp::from_millisecond(ms).expect("in range"))
}

fn http_link() -> impl Strategy<Value = String> {
    // Host labels with single hyphens only: `xn--…` is punycode, which a
    // URL parser decodes and refuses when it is not valid (`http://xn--.aa`).
    "https?://[a-z][a-z0-9]{0,4}(-[a-z0-9]{1,5})?\\.[a-z]{2,4}(/[A-Za-z0-9._~-]{1,8}){0,3}"
}

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn ingest_record() -> impl Strategy<Value = IngestRecord> {
    let core = (
        arxiv_id(),
        collapsed(1),
        collapsed(0),
        proptest::collection::vec(collapsed(1), 0..4),
        proptest::collection::vec("[a-z]{2,5}\\.[A-Z]{2}", 0..3),
        opt(timestamp()),
        opt(timestamp()),
    );
    let extra = (
        (opt(http_link()), opt(any::<i64>()), opt(http_link())),
        (
            opt(collapsed(1)),
            opt(proptest::collection::vec("\\PC{0,8}", 0..3)),
        ),
        (
            opt(collapsed(1)),
            opt(collapsed(1)),
            opt(collapsed(1)),
            opt("[0-9a-f]{24}"),
        ),
        (opt(any::<i64>()), opt(any::<i64>())),
    );
    let day = opt((1990i16..2100, 1i8..=12, 1i8..=28)
        .prop_map(|(y, m, d)| Date::new(y, m, d).expect("valid day")));
    (core, extra, day).prop_map(
        |(
            (id, title, abstract_text, authors, categories, published_at, updated_at),
            (
                (github_repo, github_stars, project_page),
                (ai_summary, ai_keywords),
                (doi, journal_ref, comments, discussion_id),
                (upvotes, num_comments),
            ),
            day,
        )| {
            let mut paper = Paper::new(id, title, abstract_text);
            paper.authors = authors.into_iter().map(Author::named).collect();
            paper.categories = categories;
            paper.published_at = published_at;
            paper.updated_at = updated_at;
            paper.github_repo = github_repo;
            paper.github_stars = github_stars;
            paper.project_page = project_page;
            paper.ai_summary = ai_summary;
            paper.ai_keywords = ai_keywords;
            paper.doi = doi;
            paper.journal_ref = journal_ref;
            paper.comments = comments;
            paper.discussion_id = discussion_id;
            paper.upvotes = upvotes;
            paper.num_comments = num_comments;
            let listing = day.map(|day| DailyListing {
                paper_id: paper.id.unversioned(),
                day,
                position: 0,
                submitted_at: None,
                item_published_at: None,
                submitter: None,
                comment: None,
                thumbnail: None,
                is_author_participating: None,
            });
            IngestRecord { paper, listing }
        },
    )
}
