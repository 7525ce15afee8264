use jiff::civil::date;
use papers_search::{KeywordIndex, KeywordQuery, SearchDoc};

use crate::{doc, fixture_papers};

fn ids(index: &KeywordIndex, text: &str) -> Vec<String> {
    index
        .search(&KeywordQuery::new(text, 10))
        .unwrap()
        .into_iter()
        .map(|h| h.paper_id)
        .collect()
}

fn small_index() -> KeywordIndex {
    let index = KeywordIndex::in_memory().unwrap();
    let mut a = doc(
        "2401.00001",
        "Graph neural networks for molecules",
        "We study message passing on molecular graphs.",
    );
    a.authors = vec!["Ada Lovelace".into(), "Alan Turing".into()];
    a.categories = vec!["cs.LG".into()];
    a.published = Some(date(2024, 1, 2));
    let mut b = doc(
        "2402.00002",
        "Diffusion models for images",
        "Denoising diffusion generates images; graphs are not involved. Neural rendering too.",
    );
    b.authors = vec!["Grace Hopper".into()];
    b.categories = vec!["cs.CV".into(), "cs.LG".into()];
    b.published = Some(date(2024, 2, 10));
    let mut c = doc(
        "2403.00003",
        "Language models reason",
        "Large language models trained on graphs of text reason about molecules.",
    );
    c.authors = vec!["Alan Kay".into()];
    c.categories = vec!["cs.CL".into()];
    c.published = Some(date(2024, 3, 20));
    index.upsert(&[a, b, c]).unwrap();
    index
}

#[test]
fn bm25_with_stemming_ranks_title_matches_first() {
    let index = small_index();
    // "graphs" stems to "graph": all three mention it; the title match wins.
    let hits = index.search(&KeywordQuery::new("graph", 10)).unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].paper_id, "2401.00001");
    assert_eq!(hits[0].rank, 1);
    assert!(hits[0].score > hits[1].score);
    assert_eq!(ids(&index, "denoising"), ["2402.00002"]);
    assert_eq!(
        ids(&index, "hopper"),
        ["2402.00002"],
        "author names are searchable"
    );
}

#[test]
fn phrases_are_required_and_ordered() {
    let index = small_index();
    assert_eq!(ids(&index, "\"language models\""), ["2403.00003"]);
    assert!(ids(&index, "\"models language\"").is_empty());
    assert_eq!(ids(&index, "\"neural networks\" molecules"), ["2401.00001"]);
}

#[test]
fn author_category_and_date_filters() {
    let index = small_index();
    assert_eq!(ids(&index, "author:turing graph"), ["2401.00001"]);
    assert_eq!(ids(&index, "author:\"alan turing\""), ["2401.00001"]);
    let mut alans = ids(&index, "author:alan");
    alans.sort();
    assert_eq!(
        alans,
        ["2401.00001", "2403.00003"],
        "filters alone list matches"
    );
    assert!(ids(&index, "author:\"turing alan\"").is_empty());
    assert_eq!(ids(&index, "cat:cs.cv graph"), ["2402.00002"]);
    assert_eq!(ids(&index, "category:CS.LG cat:cs.cv"), ["2402.00002"]);
    assert_eq!(ids(&index, "graph -diffusion -language"), ["2401.00001"]);
    let ranged = |from, to| {
        let q = KeywordQuery {
            text: "graph".into(),
            from,
            to,
            limit: 10,
        };
        let mut got: Vec<String> = index
            .search(&q)
            .unwrap()
            .into_iter()
            .map(|h| h.paper_id)
            .collect();
        got.sort();
        got
    };
    assert_eq!(
        ranged(Some(date(2024, 2, 10)), None),
        ["2402.00002", "2403.00003"]
    );
    assert_eq!(
        ranged(Some(date(2024, 1, 3)), Some(date(2024, 2, 10))),
        ["2402.00002"]
    );
    assert_eq!(ranged(None, Some(date(2024, 1, 2))), ["2401.00001"]);
    assert!(ranged(Some(date(2025, 1, 1)), None).is_empty());
}

#[test]
fn no_user_string_is_an_error() {
    let index = small_index();
    let long = "a".repeat(300);
    let long_words = "graph ".repeat(50);
    let nasty = [
        "",
        " ",
        "\"",
        "\"graph",
        "graph\"",
        "\"\"",
        "author:",
        "author:\"",
        "cat:",
        "((",
        "))",
        "-",
        "--",
        "*",
        "?",
        "~2",
        "^3",
        "title:foo AND",
        "AND OR NOT",
        "graph AND (",
        "[1 TO 2]",
        "{}",
        "\\",
        "::::",
        "author:*",
        "-graph",
        long.as_str(),
        long_words.as_str(),
        "グラフ ニューラル",
        "émoji 🚀 graph",
        "\u{0}\u{7}\t\n",
        "📄\"📄",
    ];
    for q in nasty {
        let hits = index.search(&KeywordQuery::new(q, 10));
        assert!(hits.is_ok(), "{q:?}: {hits:?}");
    }
    assert_eq!(
        ids(&index, "\"graph"),
        ids(&index, "graph"),
        "unbalanced quote"
    );
    assert!(!ids(&index, "title:graph AND").is_empty());
    assert!(
        index
            .search(&KeywordQuery::new("graph", 0))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn upsert_replaces_delete_removes_and_the_index_persists() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = KeywordIndex::open_or_create(dir.path()).unwrap();
        index.upsert(&fixture_papers()).unwrap();
        assert_eq!(index.num_docs(), 30);
        let replaced = SearchDoc::new("2510.12670", "Zebra stripes", "Nothing about codecs.");
        index.upsert(&[replaced]).unwrap();
        assert_eq!(index.num_docs(), 30);
        assert_eq!(ids(&index, "zebra"), ["2510.12670"]);
        assert!(ids(&index, "TerraCodec").is_empty());
        index.delete("2606.17482").unwrap();
        index.delete("no-such-id").unwrap();
        index.compact().unwrap();
        assert_eq!(index.num_segments(), 1);
        assert_eq!(index.num_docs(), 29);
        index.compact().unwrap();
    }
    let index = KeywordIndex::open_or_create(dir.path()).unwrap();
    assert_eq!(index.num_docs(), 29);
    let mut got = index.doc_ids().unwrap();
    got.sort();
    let mut want: Vec<String> = fixture_papers()
        .into_iter()
        .map(|d| d.id)
        .filter(|id| id != "2606.17482")
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(ids(&index, "zebra"), ["2510.12670"]);
    let meta = index.doc_meta().unwrap();
    assert_eq!(
        meta["2601.05573"].categories().collect::<Vec<_>>(),
        ["cs.cv"]
    );
    assert_eq!(meta["2601.05573"].published, Some(date(2026, 1, 9)));
}

#[test]
fn a_second_opener_finds_the_writer_held_and_still_searches() {
    let dir = tempfile::tempdir().unwrap();
    let owner = KeywordIndex::open_or_create(dir.path()).unwrap();
    owner.upsert(&fixture_papers()).unwrap();
    // Like a command run beside the server: the writer is taken.
    let beside = KeywordIndex::open_or_create(dir.path()).unwrap();
    assert!(beside.writer_held_elsewhere());
    assert_eq!(beside.num_docs(), 30);
    assert_eq!(
        ids(&beside, "infrared small target detection")[0],
        "2509.22909"
    );
    assert!(!owner.writer_held_elsewhere(), "the owner holds it itself");
    drop(owner);
    let alone = KeywordIndex::open_or_create(dir.path()).unwrap();
    assert!(!alone.writer_held_elsewhere());
    alone.delete("2509.22909").unwrap();
    assert_eq!(alone.num_docs(), 29);
}

#[test]
fn real_abstracts_find_their_papers() {
    let index = KeywordIndex::in_memory().unwrap();
    index.upsert(&fixture_papers()).unwrap();
    assert_eq!(
        ids(&index, "infrared small target detection")[0],
        "2509.22909"
    );
    assert_eq!(ids(&index, "\"code-switch\" ASR")[0], "2506.14177");
    assert_eq!(ids(&index, "prompt injection cat:cs.CR")[0], "2506.23260");
}

/// The marks of a highlighter on a text: the highlighted pieces, and the
/// segments joined back (which must be the text).
fn marks(segments: &[papers_search::Segment]) -> (Vec<String>, String) {
    let marked = segments
        .iter()
        .filter(|s| s.highlighted)
        .map(|s| s.text.clone())
        .collect();
    (marked, segments.iter().map(|s| s.text.as_str()).collect())
}

#[test]
fn the_highlighter_marks_query_words_as_the_index_analyses_them() {
    let index = small_index();
    let title = "Graph neural networks for molecules";
    let abstract_text =
        "Denoising diffusion generates images; graphs are not involved. Neural rendering too.";
    // Stemmed like the index (`graphs` for `graph`), case-insensitive, every
    // occurrence, in the whole text; stop words and filters mark nothing.
    let h = index
        .highlighter(r#"GRAPH neural -rendering author:Lovelace cat:cs.LG the"#)
        .unwrap();
    let (marked, joined) = marks(&h.title(title));
    assert_eq!(marked, ["Graph", "neural"]);
    assert_eq!(joined, title);
    let (marked, joined) = marks(&h.summary(abstract_text));
    assert_eq!(marked, ["graphs", "Neural"]);
    assert_eq!(joined, abstract_text);
    // A phrase marks its words.
    let h = index.highlighter(r#""diffusion generates""#).unwrap();
    assert_eq!(
        marks(&h.summary(abstract_text)).0,
        ["diffusion", "generates"]
    );
    // A word the index has never seen, or no words at all: one plain segment.
    for q in ["zebra", "author:Hopper", "", "\"\""] {
        let h = index.highlighter(q).unwrap();
        let segments = h.title(title);
        assert_eq!(segments.len(), 1, "{q:?}");
        assert!(!segments[0].highlighted);
        assert_eq!(segments[0].text, title);
    }
    // Markup in a text stays text, cut only around the words.
    let h = index.highlighter("graph").unwrap();
    let (marked, joined) = marks(&h.title("<b>graph</b> & <i>graphs</i>"));
    assert_eq!(marked, ["graph", "graphs"]);
    assert_eq!(joined, "<b>graph</b> & <i>graphs</i>");
    assert!(h.summary("").is_empty());
}
