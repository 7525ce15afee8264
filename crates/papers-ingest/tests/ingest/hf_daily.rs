//! Hugging Face day files: all three schema generations and both quirks.

use crate::common::{parse, read};
use papers_ingest::{Format, Location};

struct Expect {
    items: usize,
    first_id: &'static str,
    first_title: &'static str,
    authors: usize,
    day: &'static str,
    submitted_at: Option<&'static str>,
    submitter: Option<&'static str>,
    upvotes: i64,
    comments: i64,
    github_stars: Option<i64>,
    keywords: usize,
    participating: Option<bool>,
    last_id: &'static str,
}

fn check(path: &str, e: Expect) {
    let c = read(Format::HfDaily, &[path]);
    assert!(c.rejects.is_empty(), "{path}: {:?}", c.rejects);
    assert_eq!(c.records.len(), e.items, "{path}");
    assert_eq!(c.summary.records, e.items as u64);
    assert_eq!(c.summary.sources, 1);
    assert_eq!(
        c.done,
        [(path.to_string(), std::fs::metadata(path).unwrap().len())]
    );

    let (first, loc) = &c.records[0];
    assert_eq!(loc, &Location::entry(path, 0));
    let p = &first.paper;
    assert_eq!(p.id.to_string(), e.first_id, "{path}");
    assert_eq!(p.title, e.first_title, "{path}");
    assert_eq!(p.authors.len(), e.authors, "{path}");
    assert!(
        p.authors
            .iter()
            .all(|a| a.hf_id.is_some() && !a.name.is_empty())
    );
    assert!(!p.abstract_text.contains('\n') && p.abstract_text.len() > 200);
    assert!(p.published_at.is_some());
    assert_eq!(p.upvotes, Some(e.upvotes), "{path}");
    assert_eq!(p.num_comments, Some(e.comments), "{path}");
    assert_eq!(p.github_stars, e.github_stars, "{path}");
    assert_eq!(
        p.ai_keywords.as_ref().map_or(0, Vec::len),
        e.keywords,
        "{path}"
    );
    assert!(p.categories.is_empty());

    let l = first.listing.as_ref().expect("every hf item is listed");
    assert_eq!(l.paper_id, p.id);
    assert_eq!(l.day.to_string(), e.day, "{path}");
    assert_eq!(l.position, 0);
    assert_eq!(
        l.submitted_at.map(|t| t.to_string()).as_deref(),
        e.submitted_at
    );
    assert_eq!(
        l.submitter.as_ref().map(|s| s.name.as_str()),
        e.submitter,
        "{path}"
    );
    assert!(l.item_published_at.is_some());
    assert_eq!(
        l.thumbnail.as_deref(),
        Some(
            format!(
                "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{}.png",
                e.first_id
            )
            .as_str()
        )
    );
    assert_eq!(l.is_author_participating, e.participating);

    let (last, last_loc) = c.records.last().unwrap();
    assert_eq!(last.paper.id.to_string(), e.last_id);
    assert_eq!(last_loc.entry, Some(e.items - 1));
    assert_eq!(
        last.listing.as_ref().unwrap().position as usize,
        e.items - 1
    );
    assert!(
        c.records
            .iter()
            .all(|(r, _)| r.listing.as_ref().unwrap().day.to_string() == e.day)
    );
}

#[test]
fn newest_schema_2026_08_21() {
    check(
        data!("hf_daily/2026-08-21.json"),
        Expect {
            items: 17,
            first_id: "2608.19880",
            first_title: "EnvHarness: Awakening Static Worlds for Agent Learning",
            authors: 17,
            day: "2026-08-21",
            submitted_at: Some("2026-08-21T00:00:00Z"),
            submitter: Some("taesiri"),
            upvotes: 163,
            comments: 1,
            github_stars: Some(8),
            keywords: 8,
            participating: Some(false),
            last_id: "2608.13210",
        },
    );
    let c = read(Format::HfDaily, &[data!("hf_daily/2026-08-21.json")]);
    let p = &c.records[0].0.paper;
    assert_eq!(
        p.github_repo.as_deref(),
        Some("https://github.com/google-research/envharness")
    );
    assert_eq!(p.project_page.as_deref(), Some("https://envharness.com/"));
    assert_eq!(p.discussion_id.as_deref(), Some("6a87afc589e517cbfd75dbe0"));
    assert_eq!(p.organization.as_ref().unwrap()["name"], "google");
    assert!(
        p.ai_summary
            .as_deref()
            .unwrap()
            .starts_with("EnvHarness and EnvRigger")
    );
    assert_eq!(p.published_at.unwrap().to_string(), "2026-08-20T00:00:00Z");
    assert_eq!(p.authors[0].name, "Chengsong Huang");
    assert_eq!(p.authors[16].name, "Chen-Yu Lee");
    let submitter = c.records[0]
        .0
        .listing
        .as_ref()
        .unwrap()
        .submitter
        .as_ref()
        .unwrap();
    assert_eq!(submitter.profile["followerCount"], 362);
    assert_eq!(submitter.profile["fullname"], "taesiri");
}

#[test]
fn middle_schema_2025_07_22() {
    check(
        data!("hf_daily/2025-07-22.json"),
        Expect {
            items: 16,
            first_id: "2507.14683",
            first_title: "MiroMind-M1: An Open-Source Advancement in Mathematical Reasoning via Context-Aware Multi-Stage Policy Optimization",
            authors: 18,
            day: "2025-07-22",
            submitted_at: Some("2025-07-22T01:41:01.897Z"),
            submitter: Some("veggiebird"),
            upvotes: 63,
            comments: 1,
            github_stars: None,
            keywords: 12,
            participating: Some(false),
            last_id: "2507.10935",
        },
    );
    let c = read(Format::HfDaily, &[data!("hf_daily/2025-07-22.json")]);
    let zonglin = &c.records[0].0.paper.authors[10];
    assert_eq!(zonglin.name, "Zonglin Yang");
    assert_eq!(zonglin.hf_id.as_deref(), Some("687eece833947f780d9b4a60"));
    assert_eq!(zonglin.status.as_deref(), Some("claimed_verified"));
    assert_eq!(
        zonglin.status_last_changed_at.as_deref(),
        Some("2025-07-22T07:49:22.809Z")
    );
    assert_eq!(zonglin.user.as_ref().unwrap()["user"], "ZonglinY");
    assert!(!zonglin.hidden);
}

#[test]
fn oldest_schema_takes_the_day_from_the_file_name() {
    check(
        data!("hf_daily/2024-05-27.json"),
        Expect {
            items: 13,
            first_id: "2405.15738",
            first_title: "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
            authors: 9,
            day: "2024-05-27",
            submitted_at: None,
            submitter: None,
            upvotes: 32,
            comments: 3,
            github_stars: None,
            keywords: 0,
            participating: None,
            last_id: "2405.15125",
        },
    );
}

#[test]
fn python_repr_strings_are_parsed() {
    check(
        data!("hf_daily/2024-12-11.json"),
        Expect {
            items: 26,
            first_id: "2412.07730",
            first_title: "STIV: Scalable Text and Image Conditioned Video Generation",
            authors: 17,
            day: "2024-12-11",
            submitted_at: None,
            submitter: Some("yyf86"),
            upvotes: 54,
            comments: 2,
            github_stars: None,
            keywords: 0,
            participating: None,
            last_id: "2412.07187",
        },
    );
    let c = read(Format::HfDaily, &[data!("hf_daily/2024-12-11.json")]);
    let lu = &c.records[0].0.paper.authors[3];
    assert_eq!(lu.name, "Jiasen Lu");
    assert_eq!(lu.user.as_ref().unwrap()["isPro"], false);
}

#[test]
fn wrapped_file_is_unwrapped() {
    check(
        data!("hf_daily/2025-01-10.json"),
        Expect {
            items: 9,
            first_id: "2501.05441",
            first_title: "The GAN is dead; long live the GAN! A Modern GAN Baseline",
            authors: 4,
            day: "2025-01-10",
            submitted_at: None,
            submitter: Some("Skylion007"),
            upvotes: 51,
            comments: 4,
            github_stars: None,
            keywords: 0,
            participating: Some(true),
            last_id: "2501.04828",
        },
    );
    // Without a dated file name, the wrapper's "date" gives the day.
    let bytes = std::fs::read(data!("hf_daily/2025-01-10.json")).unwrap();
    let c = parse(Format::HfDaily, "upload.json", &bytes);
    assert_eq!(c.records.len(), 9);
    assert!(
        c.records
            .iter()
            .all(|(r, _)| r.listing.as_ref().unwrap().day.to_string() == "2025-01-10")
    );
}

#[test]
fn bad_items_are_rejected_one_by_one() {
    let doc = br#"[
        {"paper": {"id": "2501.00001", "title": "Fine\n  title", "summary": "S", "authors": [{"_id": "a", "name": "A", "hidden": false}], "upvotes": 1}, "numComments": 0, "publishedAt": "2025-01-02T00:00:00.000Z"},
        {"paper": {"id": "junk", "title": "T", "authors": []}},
        {"paper": {"id": "2501.00002", "authors": []}},
        "{'paper': {'id': '2501.00003', 'title': 'From repr', 'authors': [], 'upvotes': 2}}",
        "{'paper': {'id': ",
        {"paper": {"id": "2501.00004", "title": "T", "authors": [{"name": 5}]}},
        {"paper": {"id": "2501.00005", "title": "T", "upvotes": "lots"}},
        {"paper": {"id": "2501.00006", "title": "T", "publishedAt": "soon"}},
        42
    ]"#;
    let c = parse(Format::HfDaily, "days/2025-01-03.json", doc);
    assert_eq!(c.ids(), ["2501.00001", "2501.00003"]);
    assert_eq!(c.records[0].0.paper.title, "Fine title");
    assert_eq!(c.records[1].1, Location::entry("days/2025-01-03.json", 3));
    assert_eq!(
        c.records[1].0.listing.as_ref().unwrap().day.to_string(),
        "2025-01-03"
    );
    let got: Vec<(Option<usize>, Option<&str>)> = c
        .rejects
        .iter()
        .map(|r| (r.location.entry, r.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(1), Some("paper.id")),
            (Some(2), Some("paper.title")),
            (Some(4), None),
            (Some(5), Some("paper.authors[0].name")),
            (Some(6), Some("paper.upvotes")),
            (Some(7), Some("paper.publishedAt")),
            (Some(8), Some("(record)")),
        ]
    );
    assert_eq!(
        c.rejects[0].to_string(),
        "days/2025-01-03.json entry 1: field `paper.id`: not an arXiv id: \"junk\" (expected YYMM.NNNNN or archive/YYMMNNN)"
    );
    assert_eq!(c.rejects[2].raw.as_deref(), Some("{'paper': {'id': "));
    assert!(c.rejects[1].raw.as_deref().unwrap().contains("2501.00002"));
}

#[test]
fn a_day_cannot_be_guessed_without_a_dated_name() {
    let doc = br#"[{"paper": {"id": "2501.00001", "title": "T", "authors": []}}]"#;
    let c = parse(Format::HfDaily, "papers.json", doc);
    assert!(c.records.is_empty());
    assert_eq!(
        c.rejects[0].field.as_deref(),
        Some("paper.submittedOnDailyAt")
    );
}

#[test]
fn an_unparseable_file_is_one_reject_naming_it() {
    let c = parse(Format::HfDaily, "x/2025-01-01.json", b"{\"oops\": ");
    assert!(c.records.is_empty());
    assert_eq!(c.rejects.len(), 1);
    assert_eq!(c.rejects[0].location, Location::source("x/2025-01-01.json"));
    assert!(
        c.rejects[0].message.starts_with("not valid JSON"),
        "{}",
        c.rejects[0]
    );
    assert_eq!(c.rejects[0].raw.as_deref(), Some("{\"oops\": "));

    let c = parse(
        Format::HfDaily,
        "x/2025-01-01.json",
        br#"{"error": "Invalid date"}"#,
    );
    assert_eq!(c.rejects.len(), 1);
    assert!(c.rejects[0].message.contains("`data` list"));
}
