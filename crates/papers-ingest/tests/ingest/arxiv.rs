//! arXiv's native formats: API Atom feeds, OAI-PMH pages, the bulk snapshot.

use crate::common::{parse, read};
use papers_ingest::{Format, Location, parse_oai_page};

struct Paper {
    id: &'static str,
    title: &'static str,
    authors: &'static [&'static str],
    categories: &'static [&'static str],
    published: Option<&'static str>,
    updated: Option<&'static str>,
    doi: Option<&'static str>,
    journal_ref: Option<&'static str>,
}

/// Checks the records of one source, in order, against `expected` (only
/// the first authors listed are compared).
fn check(format: Format, path: &str, expected: &[Paper]) {
    let c = read(format, &[path]);
    assert!(c.rejects.is_empty(), "{path}: {:?}", c.rejects);
    assert_eq!(c.records.len(), expected.len(), "{path}: {:?}", c.ids());
    for ((record, _), want) in c.records.iter().zip(expected) {
        let p = &record.paper;
        assert_eq!(p.id.to_string(), want.id, "{path}");
        assert_eq!(p.title, want.title, "{}", want.id);
        let names: Vec<&str> = p
            .authors
            .iter()
            .map(|a| a.name.as_str())
            .take(want.authors.len())
            .collect();
        assert_eq!(names, want.authors, "{}", want.id);
        assert_eq!(p.categories, want.categories, "{}", want.id);
        assert_eq!(
            p.published_at.map(|t| t.to_string()).as_deref(),
            want.published,
            "{}",
            want.id
        );
        assert_eq!(
            p.updated_at.map(|t| t.to_string()).as_deref(),
            want.updated,
            "{}",
            want.id
        );
        assert_eq!(p.doi.as_deref(), want.doi, "{}", want.id);
        assert_eq!(p.journal_ref.as_deref(), want.journal_ref, "{}", want.id);
        assert!(!p.abstract_text.contains('\n') && p.abstract_text == p.abstract_text.trim());
        assert!(record.listing.is_none());
    }
}

#[test]
fn atom_old_style_id_with_affiliations() {
    check(
        Format::ArxivAtom,
        data!("arxiv_atom/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"),
        &[Paper {
            id: "astro-ph/0601001v1",
            title: "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward the Galactic Bulge and Carina",
            authors: &[
                "Andrew Gould",
                "Susan Dorsher",
                "B. Scott Gaudi",
                "Andrzej Udalski",
            ],
            categories: &["astro-ph"],
            published: Some("2006-01-02T14:57:58Z"),
            updated: Some("2006-01-02T14:57:58Z"),
            doi: None,
            journal_ref: Some("ActaAstron.56:1-50,2006"),
        }],
    );
    let c = read(
        Format::ArxivAtom,
        &[data!(
            "arxiv_atom/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"
        )],
    );
    let p = &c.records[0].0.paper;
    assert!(p.id.is_old_style());
    assert_eq!(p.id.version(), Some(1));
    let affiliations: Vec<_> = p
        .authors
        .iter()
        .map(|a| a.affiliation.as_deref().unwrap())
        .collect();
    assert_eq!(
        affiliations,
        [
            "Ohio State",
            "Ohio State",
            "CfA",
            "Warsaw University Observatory"
        ]
    );
    // Entities are unescaped once; LaTeX and the rest stay as written.
    assert!(
        p.abstract_text
            .starts_with("We derive the frequencies of hot Jupiters (HJs) with 3--5 day periods")
    );
    assert!(p.abstract_text.contains("Gould & Morgan (2003)"));
    assert!(p.abstract_text.contains("V_max<17.5"));
    assert!(p.abstract_text.contains("(1/310)(1^{+1.39}_{-0.59})"));
    assert!(
        p.comments
            .as_deref()
            .unwrap()
            .starts_with("62 pages including 16 figures")
    );
}

#[test]
fn atom_versioned_ids_and_primary_category_first() {
    check(
        Format::ArxivAtom,
        data!("arxiv_atom/legacy2016_id_list=1111.2011v2.xml"),
        &[Paper {
            id: "1111.2011v2",
            title: "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
            authors: &["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"],
            categories: &["cond-mat.str-el", "cond-mat.stat-mech"],
            published: Some("2011-11-08T18:48:36Z"),
            updated: Some("2012-04-02T12:38:54Z"),
            doi: Some("10.1103/PhysRevB.85.115117"),
            journal_ref: Some("Phys. Rev. B 85, 115117 (2012)"),
        }],
    );
    check(
        Format::ArxivAtom,
        data!("arxiv_atom/id_quant-ph_0201082v1_s0_m100_86989fe779ef.xml"),
        &[Paper {
            id: "quant-ph/0201082v1",
            title: "Quantum Computers and Quantum Computer Languages: Quantum Assembly Language and Quantum C Language",
            authors: &["Stephen Blaha"],
            categories: &["quant-ph", "cs.PL"],
            published: Some("2002-01-18T15:08:05Z"),
            updated: Some("2002-01-18T15:08:05Z"),
            doi: None,
            journal_ref: None,
        }],
    );
    check(
        Format::ArxivAtom,
        data!("arxiv_atom/id_2104.12255v1_s0_m100_6ae69987ffe1.xml"),
        &[Paper {
            id: "2104.12255v1",
            title: "0",
            authors: &["Quan Thoi Minh Nguyen"],
            categories: &["cs.CR"],
            published: Some("2021-04-20T16:07:14Z"),
            updated: Some("2021-04-20T16:07:14Z"),
            doi: None,
            journal_ref: None,
        }],
    );
}

#[test]
fn atom_search_page_and_byte_exact_names() {
    let c = read(
        Format::ArxivAtom,
        &[data!("arxiv_atom/q_testing_s0_m10_bc5a6c384fe9.xml")],
    );
    assert!(c.rejects.is_empty());
    assert_eq!(c.records.len(), 10);
    assert_eq!(c.records[2].0.paper.id.to_string(), "2005.14124v2");
    assert_eq!(c.records[2].0.paper.categories, ["cs.SE", "cs.CR", "cs.LG"]);
    assert_eq!(c.records[2].0.paper.authors.len(), 5);
    assert_eq!(
        c.records[9].1,
        Location::entry(data!("arxiv_atom/q_testing_s0_m10_bc5a6c384fe9.xml"), 9)
    );

    let c = read(
        Format::ArxivAtom,
        &[data!(
            "arxiv_atom/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml"
        )],
    );
    let p = &c.records[0].0.paper;
    assert_eq!(p.authors.len(), 34);
    assert_eq!(p.authors[32].name, "Dirk WÃ¼bben"); // the feed's own mojibake, kept
}

#[test]
fn atom_error_feed_is_a_reject_and_empty_feed_is_nothing() {
    let path = data!("arxiv_atom/id_abc_s0_m100_b79c8dcf6bc3.xml");
    let c = read(Format::ArxivAtom, &[path]);
    assert!(c.records.is_empty());
    assert_eq!(c.rejects.len(), 1);
    let r = &c.rejects[0];
    assert_eq!(r.location, Location::entry(path, 0));
    assert_eq!(r.message, "arXiv API error: incorrect id format for abc");
    assert!(r.raw.as_deref().unwrap().starts_with("<entry>"));
    assert!(r.raw.as_deref().unwrap().ends_with("</entry>"));

    let path = data!("arxiv_atom/id_0000.0000_s0_m100_8b51d9633a68.xml");
    let c = read(Format::ArxivAtom, &[path]);
    assert!(c.records.is_empty() && c.rejects.is_empty());
    assert_eq!(c.done, [(path.to_string(), 695)]);
}

#[test]
fn atom_broken_documents_keep_what_came_before() {
    let text =
        std::fs::read_to_string(data!("arxiv_atom/q_testing_s0_m10_bc5a6c384fe9.xml")).unwrap();
    // Cut inside the fourth entry.
    let cut = text.match_indices("<entry>").nth(3).unwrap().0 + 40;
    let c = parse(Format::ArxivAtom, "cut.xml", &text.as_bytes()[..cut]);
    assert_eq!(c.records.len(), 3);
    assert_eq!(c.rejects.len(), 1);
    assert_eq!(c.rejects[0].location, Location::source("cut.xml"));

    let c = parse(
        Format::ArxivAtom,
        "junk.xml",
        b"<html><body>Rate limited</body></html>",
    );
    assert_eq!(c.rejects.len(), 1);
    assert!(
        c.rejects[0].message.contains("root element is <html>"),
        "{}",
        c.rejects[0]
    );

    let bad = text.replacen(
        "<id>http://arxiv.org/abs/2405.13786v1</id>",
        "<id>http://arxiv.org/abs/nonsense</id>",
        1,
    );
    let c = parse(Format::ArxivAtom, "bad.xml", bad.as_bytes());
    assert_eq!(c.records.len(), 9);
    assert_eq!(c.rejects[0].location.entry, Some(1));
    assert_eq!(c.rejects[0].field.as_deref(), Some("id"));
}

#[test]
fn oai_recorded_responses() {
    check(
        Format::ArxivOai,
        data!("oai_pmh/arxiv-single.xml"),
        &[Paper {
            id: "1401.2122",
            title: "New integrable (3+1)-dimensional systems and contact geometry",
            authors: &["A. Sergyeyev"],
            categories: &[
                "math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI",
            ],
            published: Some("2014-01-09T00:00:00Z"),
            updated: Some("2017-10-23T00:00:00Z"),
            doi: Some("10.1007/s11005-017-1013-4"),
            journal_ref: Some("Lett. Math. Phys. 108 (2018), no. 2, 359-376"),
        }],
    );
    check(
        Format::ArxivOai,
        data!("oai_pmh/arxiv-physics-hep-th.xml"),
        &[
            Paper {
                id: "1412.8323",
                title: "Toolbox for reconstructing quantum theory from rules on information acquisition",
                authors: &["Philipp A Hoehn"],
                categories: &[
                    "quant-ph",
                    "gr-qc",
                    "hep-th",
                    "math-ph",
                    "math.MP",
                    "physics.hist-ph",
                ],
                published: Some("2014-12-29T00:00:00Z"),
                updated: Some("2017-12-13T00:00:00Z"),
                doi: None,
                journal_ref: None,
            },
            Paper {
                id: "1507.07790",
                title: "Relativistic quantum dynamics of vector bosons in an Aharonov-Bohm potential",
                authors: &["Luis B. Castro", "Edilberto O. Silva"],
                categories: &["hep-th", "math-ph", "math.MP", "quant-ph"],
                published: Some("2015-07-28T00:00:00Z"),
                updated: Some("2016-03-04T00:00:00Z"),
                doi: Some("10.1088/1751-8121/aa9c53"),
                journal_ref: Some("J. Phys. A: Math. Theor. 51 (2018) 035201"),
            },
            Paper {
                id: "1607.01710",
                title: "Refinements of the Weyl pure geometrical thick branes from information-entropic measure",
                authors: &[
                    "R. A. C. Correa",
                    "D. M. Dantas",
                    "P. H. R. S. Moraes",
                    "A. de Souza Dutra",
                    "C. A. S. Almeida",
                ],
                categories: &["hep-th"],
                published: Some("2016-07-06T00:00:00Z"),
                updated: Some("2016-10-13T00:00:00Z"),
                doi: Some("10.1002/andp.201700188"),
                journal_ref: None,
            },
        ],
    );
    let c = read(
        Format::ArxivOai,
        &[data!("oai_pmh/arxiv-physics-hep-ex.xml")],
    );
    assert_eq!((c.records.len(), c.rejects.len()), (3, 0));
    let c = read(
        Format::ArxivOai,
        &[data!("oai_pmh/sample_arxiv_record.xml")],
    );
    assert_eq!(
        (c.records.len(), c.rejects.len()),
        (12, 0),
        "{:?}",
        c.rejects
    );
    let planck = c.record("1601.03238");
    assert_eq!(planck.paper.authors[0].name, "Planck Collaboration");
    assert_eq!(planck.paper.authors[1].name, "Jieci Wang");
    let cd = c.record("1603.00997");
    assert!(
        cd.paper
            .comments
            .as_deref()
            .unwrap()
            .contains("\"The 8th International Workshopon Chiral Dynamics, CD2015\"")
    );
}

#[test]
fn oai_pages_resumption_tokens_and_deleted_records() {
    let page1 = std::fs::read(data!("oai_pmh/paging/page1.xml")).unwrap();
    let page = parse_oai_page("page1", &page1).unwrap();
    assert_eq!(page.resumption_token.as_deref(), Some("tok1"));
    assert_eq!(page.complete_list_size, Some(4));
    assert_eq!(page.error, None);
    let records: Vec<_> = page.records.into_iter().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    let p = &records[0].paper;
    assert_eq!(p.title, "Paging Through Harvests & Other Loops");
    assert_eq!(p.abstract_text, "We study resumption tokens. Twice.");
    let names: Vec<_> = p.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Charles Babbage Jr"]);
    assert_eq!(
        p.authors[1].affiliation.as_deref(),
        Some("Analytical Engines Ltd")
    );
    assert_eq!(p.categories, ["cs.DL", "cs.IR"]);
    assert_eq!(records[1].paper.title, "Compilers for $x < y$");

    let page2 = std::fs::read(data!("oai_pmh/paging/page2.xml")).unwrap();
    let page = parse_oai_page("page2", &page2).unwrap();
    assert_eq!(page.resumption_token, None);
    assert_eq!(page.complete_list_size, Some(4));
    assert_eq!(page.deleted, 1);
    let ids: Vec<_> = page
        .records
        .iter()
        .map(|r| r.as_ref().unwrap().paper.id.to_string())
        .collect();
    assert_eq!(ids, ["2503.00003", "math/0309136"]);

    // Through read_sources the deleted record is skipped, not rejected, and
    // locations keep the record's place in the page.
    let c = read(Format::ArxivOai, &[data!("oai_pmh/paging/page2.xml")]);
    assert!(c.rejects.is_empty());
    assert_eq!(c.records[1].1.entry, Some(2));
}

#[test]
fn oai_errors() {
    let none = std::fs::read(data!("oai_pmh/paging/no_records.xml")).unwrap();
    let page = parse_oai_page("none", &none).unwrap();
    assert!(page.records.is_empty() && page.error.is_none() && page.resumption_token.is_none());

    let bad = std::fs::read(data!("oai_pmh/paging/bad_token.xml")).unwrap();
    let page = parse_oai_page("bad", &bad).unwrap();
    let (code, message) = page.error.unwrap();
    assert_eq!(code, "badResumptionToken");
    assert!(message.starts_with("The value of the resumptionToken argument is invalid"));
    let c = parse(Format::ArxivOai, "bad.xml", &bad);
    assert_eq!(c.rejects.len(), 1);
    assert!(
        c.rejects[0]
            .message
            .starts_with("OAI-PMH error badResumptionToken")
    );

    assert!(parse_oai_page("x", b"<feed/>").is_err());
    assert!(parse_oai_page("x", b"<OAI-PMH><ListRecords><record>").is_err());

    let broken = String::from_utf8(std::fs::read(data!("oai_pmh/paging/page1.xml")).unwrap())
        .unwrap()
        .replace("<id>2503.00002</id>", "<id>2503.2</id>");
    let page = parse_oai_page("p", broken.as_bytes()).unwrap();
    assert!(page.records[0].is_ok());
    let reject = page.records[1].as_ref().unwrap_err();
    assert_eq!(reject.field.as_deref(), Some("id"));
    assert_eq!(reject.location, Location::entry("p", 1));
    assert!(reject.raw.as_deref().unwrap().contains("<id>2503.2</id>"));
}

#[test]
fn snapshot_lines() {
    let path = data!("snapshot/arxiv-metadata-oai-snapshot.first200.jsonl");
    let c = read(Format::ArxivSnapshot, &[path]);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.records.len(), 200);
    assert_eq!(c.records[199].1, Location::line(path, 200));
    assert_eq!(c.records[199].0.paper.id.base(), "0704.0200");

    let first = &c.records[0].0.paper;
    assert_eq!(first.id.to_string(), "0704.0001v2");
    assert_eq!(
        first.title,
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    );
    let names: Vec<_> = first.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    );
    assert_eq!(first.categories, ["hep-ph"]);
    assert_eq!(
        first.published_at.unwrap().to_string(),
        "2007-04-02T19:18:42Z"
    );
    assert_eq!(
        first.updated_at.unwrap().to_string(),
        "2007-07-24T20:10:27Z"
    );
    assert_eq!(first.doi.as_deref(), Some("10.1103/PhysRevD.76.013009"));
    assert_eq!(
        first.journal_ref.as_deref(),
        Some("Phys.Rev.D76:013009,2007")
    );
    assert_eq!(
        first.comments.as_deref(),
        Some("37 pages, 15 figures; published version")
    );
    assert!(first.abstract_text.starts_with(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    ));

    assert_eq!(c.record("0704.0002").paper.categories, ["math.CO", "cs.CG"]);
    assert_eq!(c.record("0704.0027").paper.id.version(), Some(4));
    let evans = &c.record("0704.0009").paper.authors[5];
    assert_eq!(evans.name, "Neal J. Evans II");
}

#[test]
fn snapshot_bad_lines() {
    let text = concat!(
        r#"{"id":"0704.0001","title":"T","authors":"A. One and B. Two","authors_parsed":[],"versions":[{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}]}"#,
        "\n",
        r#"{"id":"0704.0002","title":"T","versions":[{"version":"v1","created":"someday"}]}"#,
        "\n",
        r#"{"id":"0704.0003","title":"T","authors_parsed":[["Solo"], 7]}"#,
        "\n",
        r#"{"id":"0704.0004","title":"T","versions":[{"version":"one","created":"Mon, 2 Apr 2007 19:18:42 GMT"}]}"#,
        "\n",
        r#"{"id":"0704.0005","title":"T","categories":["cs.AI"]}"#,
        "\n",
    );
    let c = parse(Format::ArxivSnapshot, "snap.jsonl", text.as_bytes());
    assert_eq!(c.ids(), ["0704.0001v1"]);
    let names: Vec<_> = c.records[0]
        .0
        .paper
        .authors
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["A. One", "B. Two"]);
    let got: Vec<_> = c
        .rejects
        .iter()
        .map(|r| (r.location.line, r.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(2), Some("versions[0].created")),
            (Some(3), Some("authors_parsed[1]")),
            (Some(4), Some("versions[0].version")),
            (Some(5), Some("categories")),
        ]
    );
}
