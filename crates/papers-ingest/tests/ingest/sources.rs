//! `papers-jsonl`, and walking inputs: `.gz`, `.tar.gz`, directories,
//! early stop, whole-source errors.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::common::{parse, read};
use flate2::Compression;
use flate2::write::GzEncoder;
use papers_ingest::{
    Event, Format, IngestError, Location, paper_to_jsonl, read_sources, total_input_bytes,
};

#[test]
fn format_names_round_trip() {
    for (name, format) in [
        ("hf-daily", Format::HfDaily),
        ("arxiv-atom", Format::ArxivAtom),
        ("arxiv-oai", Format::ArxivOai),
        ("arxiv-snapshot", Format::ArxivSnapshot),
        ("papers-jsonl", Format::PapersJsonl),
    ] {
        assert_eq!(Format::from_cli_name(name), Some(format));
        assert_eq!(format.cli_name(), name);
    }
    assert_eq!(Format::from_cli_name("json"), None);
}

#[test]
fn locations_and_rejects_display_where_they_point() {
    assert_eq!(
        Location::entry("path/to/file.json", 3).to_string(),
        "path/to/file.json entry 3"
    );
    assert_eq!(
        Location::line("corpus.jsonl.gz", 1234).to_string(),
        "corpus.jsonl.gz:1234"
    );
    assert_eq!(
        Location::entry("archive.tar.gz!Paper_metadata_download/2024-12-11.json", 0).to_string(),
        "archive.tar.gz!Paper_metadata_download/2024-12-11.json entry 0"
    );
}

#[test]
fn papers_jsonl_gz_sample() {
    let path = data!("papers_jsonl/sample.jsonl.gz");
    let c = read(Format::PapersJsonl, &[path]);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.records.len(), 50);
    assert_eq!(
        c.done,
        [(path.to_string(), std::fs::metadata(path).unwrap().len())]
    );

    let (first, loc) = &c.records[0];
    assert_eq!(loc, &Location::line(path, 1));
    assert_eq!(first.paper.id.to_string(), "1610.09431");
    assert_eq!(
        first.paper.title,
        "Attention acts to suppress goal-based conflict under high competition"
    );
    assert_eq!(first.paper.authors[0].name, "Omar Claflin");
    assert_eq!(first.paper.categories, ["q-bio.NC", "cs.AI"]);
    // No published_at: the arXiv listing date, at midnight UTC.
    assert_eq!(
        first.paper.published_at.unwrap().to_string(),
        "2025-07-02T00:00:00Z"
    );
    assert!(first.listing.is_none());
    assert!(first.paper.abstract_text.starts_with(
        "It is known that when multiple stimuli are present, top-down attention selectively"
    ));

    let listed: Vec<_> = c
        .records
        .iter()
        .filter(|(r, _)| r.listing.is_some())
        .collect();
    assert_eq!(listed.len(), 6);
    let (r, loc) = listed[0];
    assert_eq!(r.paper.id.to_string(), "2502.17092");
    assert_eq!(
        r.paper.published_at.unwrap().to_string(),
        "2025-02-24T12:15:07Z"
    );
    assert_eq!(r.paper.upvotes, Some(2));
    let l = r.listing.as_ref().unwrap();
    assert_eq!(l.day.to_string(), "2025-02-26");
    assert_eq!(loc.line, Some(45));
    assert_eq!(l.position, 44);
    let hf_only = c.record("2405.14906");
    assert!(hf_only.paper.categories.is_empty());
    assert_eq!(
        hf_only.listing.as_ref().unwrap().day.to_string(),
        "2024-05-27"
    );
}

#[test]
fn papers_jsonl_bad_lines_name_line_and_field() {
    let path = data!("papers_jsonl/bad.jsonl");
    let c = read(Format::PapersJsonl, &[path]);
    assert_eq!(c.ids(), ["2502.17092", "2501.00006"]);
    assert_eq!(c.records[0].0.paper.title, "A good line");
    assert_eq!(c.records[1].1, Location::line(path, 9));
    assert_eq!(
        c.records[1].0.paper.published_at.unwrap().to_string(),
        "2025-03-04T00:00:00Z"
    );
    assert_eq!(
        c.records[1].0.paper.github_repo.as_deref(),
        Some("https://github.com/x/y")
    );
    let got: Vec<_> = c
        .rejects
        .iter()
        .map(|r| (r.location.line.unwrap(), r.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (2, Some("id")),
            (3, Some("title")),
            (4, None),
            (5, Some("authors")),
            (7, Some("published_at")),
            (8, Some("authors[1]")),
            (10, Some("(record)")),
            (11, Some("upvotes")),
            (12, Some("hf_daily_date")),
        ]
    );
    assert_eq!((c.summary.records, c.summary.rejects), (2, 9));
    let truncated = &c.rejects[2];
    assert!(truncated.message.starts_with("not valid JSON"));
    assert_eq!(
        truncated.to_string(),
        format!("{path}:4: {}", truncated.message)
    );
    assert_eq!(
        truncated.raw.as_deref(),
        Some(r#"{"id": "2501.00002", "title": "Truncated line", "abstract": ""#)
    );
    assert_eq!(
        c.rejects[4].to_string(),
        format!("{path}:7: field `published_at`: not a timestamp: \"yesterday\"")
    );
}

#[test]
fn invalid_utf8_and_crlf_lines() {
    let mut bytes = b"{\"id\": \"2501.00001\", \"title\": \"Crlf\"}\r\n".to_vec();
    bytes.extend_from_slice(b"{\"id\": \"2501.00002\", \"title\": \"\xff\"}\n\n");
    let c = parse(Format::PapersJsonl, "mixed.jsonl", &bytes);
    assert_eq!(c.ids(), ["2501.00001"]);
    assert_eq!(c.rejects.len(), 1);
    assert_eq!(c.rejects[0].location, Location::line("mixed.jsonl", 2));
    assert!(c.rejects[0].message.contains("UTF-8"));
}

#[test]
fn paper_to_jsonl_round_trips() {
    let c = read(Format::HfDaily, &[data!("hf_daily/2026-08-21.json")]);
    let original = &c.records[0].0;
    let line = paper_to_jsonl(&original.paper, original.listing.as_ref()).to_string();
    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(value["published_at"], "2026-08-20T00:00:00.000Z");
    assert_eq!(value["hf_daily_date"], "2026-08-21");
    assert_eq!(value["categories"], serde_json::Value::Null);
    assert_eq!(value["sources"], serde_json::json!(["hf_daily"]));
    for key in [
        "id",
        "title",
        "abstract",
        "authors",
        "upvotes",
        "num_comments",
        "github_repo",
        "project_page",
        "ai_keywords",
        "arxiv_listing_date",
    ] {
        assert!(value.get(key).is_some(), "{key}");
    }

    let back = parse(
        Format::PapersJsonl,
        "export.jsonl",
        format!("{line}\n").as_bytes(),
    );
    assert!(back.rejects.is_empty(), "{:?}", back.rejects);
    let p = &back.records[0].0.paper;
    let o = &original.paper;
    assert_eq!(p.id, o.id);
    assert_eq!(p.title, o.title);
    assert_eq!(p.abstract_text, o.abstract_text);
    assert_eq!(
        p.authors.iter().map(|a| &a.name).collect::<Vec<_>>(),
        o.authors.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    assert_eq!(p.published_at, o.published_at);
    assert_eq!(
        (p.upvotes, p.num_comments, p.github_stars),
        (o.upvotes, o.num_comments, o.github_stars)
    );
    assert_eq!(
        (&p.github_repo, &p.project_page),
        (&o.github_repo, &o.project_page)
    );
    assert_eq!(
        (&p.ai_keywords, &p.ai_summary, &p.discussion_id),
        (&o.ai_keywords, &o.ai_summary, &o.discussion_id)
    );
    assert_eq!(
        back.records[0].0.listing.as_ref().unwrap().day,
        original.listing.as_ref().unwrap().day
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A tar.gz holding, in this order: a directory entry, two day files, a
/// README, a macOS `._` shadow file and a symlink.
fn build_archive(dir: &Path) -> PathBuf {
    let path = dir.join("days.tar.gz");
    let file = std::fs::File::create(&path).unwrap();
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(0o755);
    tar.append_data(&mut header, "Paper_metadata_download/", std::io::empty())
        .unwrap();
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, bytes).unwrap();
    };
    add(
        "Paper_metadata_download/2026-08-21.json",
        &std::fs::read(data!("hf_daily/2026-08-21.json")).unwrap(),
    );
    add(
        "Paper_metadata_download/2024-12-11.json",
        &std::fs::read(data!("hf_daily/2024-12-11.json")).unwrap(),
    );
    add("Paper_metadata_download/README.md", b"# not a day file");
    add(
        "Paper_metadata_download/._2024-12-11.json",
        b"\0\x05\x16\x07 mac resource fork",
    );
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    tar.append_link(
        &mut link,
        "Paper_metadata_download/latest.json",
        "2026-08-21.json",
    )
    .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    path
}

#[test]
fn tar_gz_members_in_archive_order() {
    let dir = tempfile::tempdir().unwrap();
    let archive = build_archive(dir.path());
    let name = archive.display().to_string();
    let c = read(Format::HfDaily, &[&name]);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.summary.sources, 2);
    assert_eq!(c.records.len(), 17 + 26);
    assert_eq!(c.records[0].0.paper.id.to_string(), "2608.19880");
    assert_eq!(
        c.records[17].1.to_string(),
        format!("{name}!Paper_metadata_download/2024-12-11.json entry 0")
    );
    // Repr items without submittedOnDailyAt take the member's file-name day.
    assert_eq!(
        c.records[17].0.listing.as_ref().unwrap().day.to_string(),
        "2024-12-11"
    );
    let sources: Vec<_> = c
        .done
        .iter()
        .map(|(s, _)| s.rsplit('!').next().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "Paper_metadata_download/2026-08-21.json",
            "Paper_metadata_download/2024-12-11.json"
        ]
    );
    let reported: u64 = c.done.iter().map(|(_, b)| b).sum();
    let size = std::fs::metadata(&archive).unwrap().len();
    assert!(reported <= size && reported > 0, "{reported} of {size}");
    assert_eq!(total_input_bytes(&[archive]), size);
}

#[test]
fn directories_are_walked_in_name_order_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("b/nested")).unwrap();
    std::fs::copy(
        data!("papers_jsonl/bad.jsonl"),
        root.join("b/nested/z.jsonl"),
    )
    .unwrap();
    std::fs::write(
        root.join("a.jsonl.gz"),
        gzip(&std::fs::read(data!("papers_jsonl/bad.jsonl")).unwrap()),
    )
    .unwrap();
    std::fs::copy(
        data!("papers_jsonl/sample.jsonl.gz"),
        root.join("c.jsonl.gz"),
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "skip me").unwrap();
    std::fs::write(root.join(".hidden.jsonl"), "{broken").unwrap();

    let c = read(Format::PapersJsonl, &[root.to_str().unwrap()]);
    let sources: Vec<_> = c
        .done
        .iter()
        .map(|(s, _)| {
            Path::new(s)
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(sources, ["a.jsonl.gz", "b/nested/z.jsonl", "c.jsonl.gz"]);
    assert_eq!(c.summary.sources, 3);
    assert_eq!(c.records.len(), 2 + 2 + 50);
    assert_eq!(c.rejects.len(), 9 + 9);
    assert!(c.rejects[0].location.source.ends_with("a.jsonl.gz"));
    assert_eq!(c.rejects[0].location.line, Some(2));
    let expected_bytes = total_input_bytes(&[root.to_path_buf()]);
    let read_bytes: u64 = c.done.iter().map(|(_, b)| b).sum();
    // Hidden files are not counted; other files that are not read are.
    assert_eq!(read_bytes + "skip me".len() as u64, expected_bytes);

    // XML formats pick *.xml only (index.json is skipped).
    let c = read(Format::ArxivAtom, &[data!("arxiv_atom")]);
    assert_eq!(c.summary.sources, 8);
    assert_eq!(c.rejects.len(), 1); // the error feed
    assert_eq!(c.records.len(), 5 + 10); // five one-paper feeds and a page of ten
    assert!(c.done.iter().all(|(s, _)| s.ends_with(".xml")));
}

#[test]
fn explicit_files_are_read_whatever_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("feed.txt");
    std::fs::copy(
        data!("arxiv_atom/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml"),
        &odd,
    )
    .unwrap();
    let c = read(Format::ArxivAtom, &[odd.to_str().unwrap()]);
    assert_eq!(c.ids(), ["astro-ph/0601001v1"]);
}

#[test]
fn break_stops_early_and_missing_files_are_errors() {
    let mut seen = 0;
    let summary = read_sources(
        Format::ArxivSnapshot,
        &[PathBuf::from(data!(
            "snapshot/arxiv-metadata-oai-snapshot.first200.jsonl"
        ))],
        &mut |e| {
            if matches!(e, Event::Record(..)) {
                seen += 1;
            }
            if seen == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )
    .unwrap();
    assert_eq!(seen, 5);
    assert_eq!(summary.records, 5);

    let missing = PathBuf::from(data!("no/such/file.jsonl"));
    let err = read_sources(Format::PapersJsonl, &[missing], &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(
        matches!(err, IngestError::Io { ref path, .. } if path.ends_with("no/such/file.jsonl")),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("corpus.jsonl.gz");
    std::fs::write(&fake, b"this is not gzip").unwrap();
    let err = read_sources(Format::PapersJsonl, &[fake], &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(err.to_string().contains("corpus.jsonl.gz"), "{err}");
}
