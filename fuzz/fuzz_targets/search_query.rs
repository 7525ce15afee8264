//! The search box's query syntax (`ParsedQuery::parse`: words, `"phrases"`,
//! `-excluded`, `author:`/`cat:` filters) and the keyword search it drives.
//! Parsing is total and never panics; every part it returns is trimmed and
//! non-blank; a query printed back from the parts parses to the same parts;
//! searching a small index with any text answers `Ok` (never an error); and
//! the filters mean the same on the keyword side as in `DocMeta::matches`
//! (the semantic side's filter), as that function promises.
#![no_main]

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use papers_search::keyword::DocMeta;
use papers_search::{KeywordIndex, KeywordQuery, ParsedQuery, SearchDoc};

struct Fixture {
    index: KeywordIndex,
    meta: HashMap<String, DocMeta>,
}

thread_local! {
    static FIXTURE: Arc<Fixture> = {
        let doc = |id: &str, title: &str, abs: &str, authors: &[&str], cats: &[&str], day: i8| {
            let mut d = SearchDoc::new(id, title, abs);
            d.authors = authors.iter().map(|s| s.to_string()).collect();
            d.categories = cats.iter().map(|s| s.to_string()).collect();
            d.published = Some(jiff::civil::date(2024, 5, day));
            d
        };
        let index = KeywordIndex::in_memory().expect("in-memory index");
        index
            .upsert(&[
                doc(
                    "2405.00001",
                    "Denoising diffusion models for image generation",
                    "We train diffusion models on images: a \"quoted\" abstract, AND OR NOT.",
                    &["Geoffrey E. Hinton", "Ada Lovelace"],
                    &["cs.LG", "cs.CV"],
                    1,
                ),
                doc(
                    "2405.00002",
                    "Graph neural networks",
                    "Message passing over graphs; author:nobody cat:none.",
                    &["Yann LeCun"],
                    &["cs.LG"],
                    2,
                ),
                doc(
                    "2405.00003",
                    "Attention is all you need",
                    "Transformers for machine translation, no recurrence.",
                    &["Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"],
                    &["cs.CL"],
                    3,
                ),
                doc(
                    "2405.00004",
                    "Protein folding with language models",
                    "Self-supervised learning of protein sequences; the 日本語 abstract.",
                    &["José García-Pérez", "Hinton Smith"],
                    &["q-bio.BM", "cs.LG"],
                    4,
                ),
            ])
            .expect("index the fixture");
        let meta = index.doc_meta().expect("doc meta");
        Arc::new(Fixture { index, meta })
    };
}

fuzz_target!(|input: &str| {
    let parsed = ParsedQuery::parse(input);
    assert_eq!(
        ParsedQuery::parse(input),
        parsed,
        "parsing is deterministic"
    );
    let parts = parsed
        .terms
        .iter()
        .chain(&parsed.phrases)
        .chain(&parsed.excluded)
        .chain(&parsed.authors)
        .chain(&parsed.categories);
    for part in parts {
        assert!(!part.is_empty(), "blank part in {parsed:?}");
        assert_eq!(part.trim(), part, "untrimmed part in {parsed:?}");
    }
    for part in parsed.terms.iter().chain(&parsed.excluded) {
        assert!(!part.contains(char::is_whitespace), "{parsed:?}");
    }
    for p in &parsed.phrases {
        assert!(!p.contains('"'), "{parsed:?}");
    }
    for c in &parsed.categories {
        assert_eq!(&c.to_lowercase(), c, "categories are lower-cased");
    }
    // Everything but the (lower-cased) categories is a piece of the input.
    for part in parsed
        .terms
        .iter()
        .chain(&parsed.phrases)
        .chain(&parsed.excluded)
        .chain(&parsed.authors)
    {
        assert!(input.contains(part.as_str()), "{part:?} not in the input");
    }
    if let Some(printed) = parsed.to_query() {
        assert_eq!(
            ParsedQuery::parse(&printed),
            parsed,
            "printed as {printed:?}"
        );
    }

    let fixture = FIXTURE.with(Arc::clone);
    let hits = fixture
        .index
        .search(&KeywordQuery::new(input, 10))
        .expect("a query string is never an error");
    assert!(fixture.index.highlighter(input).is_ok());
    let ids: BTreeSet<&str> = hits.iter().map(|h| h.paper_id.as_str()).collect();
    assert_eq!(ids.len(), hits.len(), "a paper listed twice");
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit.rank, i + 1);
        assert!(hit.score.is_finite());
        let meta = fixture
            .meta
            .get(&hit.paper_id)
            .expect("a hit is a document");
        // Every keyword hit passes the filters as the semantic side reads them.
        assert!(
            meta.matches(&parsed, None, None),
            "{} found by the keyword side but filtered out by DocMeta for {parsed:?}",
            hit.paper_id
        );
    }
    // Filters alone (no words, phrases or exclusions) find exactly the papers
    // DocMeta lets through. An author filter in which the name analyzer
    // keeps no word (`author:*`; words of 40 bytes or more are dropped) is
    // ignored on both sides; with no other filter the keyword side finds
    // nothing (and the engine asks DocMeta nothing).
    let kept_word = |a: &String| {
        a.split(|c: char| !c.is_alphanumeric())
            .any(|w| !w.is_empty() && w.len() < 40)
    };
    if (!parsed.categories.is_empty() || parsed.authors.iter().any(kept_word))
        && parsed.terms.is_empty()
        && parsed.phrases.is_empty()
        && parsed.excluded.is_empty()
    {
        let expected: BTreeSet<&str> = fixture
            .meta
            .iter()
            .filter(|(_, m)| m.matches(&parsed, None, None))
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(ids, expected, "filters disagree for {parsed:?}");
    }
});
