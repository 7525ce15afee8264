//! JSON Feed 1.1 beside every Atom and RSS feed: each served document holds
//! to the spec (<https://www.jsonfeed.org/version/1.1/>), carries the same
//! papers in the same order as its Atom sibling, and answers conditional
//! requests like the other feeds.

use serde_json::Value;

use crate::common::{Options, Site, record, site_with};
use crate::http_encoding::get_with;

fn corpus() -> Vec<papers_core::IngestRecord> {
    let mut records = vec![
        record(
            "2608.00001",
            "Diffusion models for image synthesis",
            "We train denoising diffusion models that synthesise <images> & more.",
            "2026-08-21",
            0,
            3,
        ),
        record(
            "2608.00002",
            "Large language models reason with chains of thought",
            "Prompting language models to think step by step improves reasoning.",
            "2026-08-21",
            1,
            30,
        ),
        record(
            "2608.00003",
            "Graph neural networks for molecules",
            "Message passing networks predict molecular properties.",
            "2026-08-20",
            0,
            7,
        ),
        record(
            "hep-th/9901001",
            "Strings on old-style identifiers",
            "An old paper about strings, listed again.",
            "2026-08-19",
            0,
            5,
        ),
    ];
    records[1].paper.categories = vec!["cs.CL".into(), "cs.AI".into()];
    records
}

async fn searchable() -> Site {
    site_with(
        corpus(),
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await
}

/// Every list's feeds: (JSON Feed, its Atom sibling, the HTML page).
const FEEDS: [(&str, &str, &str); 6] = [
    (
        "/papers/date/2026-08-21/feed.json",
        "/papers/date/2026-08-21/feed.atom",
        "/papers/date/2026-08-21",
    ),
    (
        "/papers/week/2026-W34/feed.json",
        "/papers/week/2026-W34/feed.atom",
        "/papers/week/2026-W34",
    ),
    (
        "/papers/month/2026-08/feed.json",
        "/papers/month/2026-08/feed.atom",
        "/papers/month/2026-08",
    ),
    (
        "/papers/trending/feed.json",
        "/papers/trending/feed.atom",
        "/papers/trending",
    ),
    (
        "/papers/category/cs.CL/feed.json",
        "/papers/category/cs.CL/feed.atom",
        "/papers/category/cs.CL",
    ),
    (
        "/papers/feed.json?q=language",
        "/papers/feed.atom?q=language",
        "/papers?q=language",
    ),
];

/// Asserts the JSON Feed 1.1 rules on a served document; returns its items.
fn check_json_feed(feed: &Value) -> Vec<Value> {
    let top = feed.as_object().expect("an object");
    assert_eq!(top["version"], "https://jsonfeed.org/version/1.1");
    assert!(top["title"].as_str().is_some_and(|t| !t.is_empty()));
    for key in ["home_page_url", "feed_url", "description"] {
        assert!(top.get(key).is_none_or(Value::is_string), "{key}");
    }
    assert!(top.values().all(|v| !v.is_null()), "{feed}");
    let items = top["items"].as_array().expect("items is an array").clone();
    for item in &items {
        let item = item.as_object().expect("an item is an object");
        assert!(item["id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(
            item.get("content_text").is_some_and(Value::is_string)
                || item.get("content_html").is_some_and(Value::is_string),
            "{item:?}"
        );
        for key in ["url", "title", "summary", "content_text", "content_html"] {
            assert!(item.get(key).is_none_or(Value::is_string), "{key}");
        }
        for key in ["date_published", "date_modified"] {
            if let Some(v) = item.get(key) {
                v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
            }
        }
        if let Some(authors) = item.get("authors") {
            let authors = authors.as_array().unwrap();
            assert!(!authors.is_empty());
            assert!(authors.iter().all(|a| a["name"].is_string()));
        }
        if let Some(tags) = item.get("tags") {
            assert!(tags.as_array().unwrap().iter().all(Value::is_string));
        }
        assert!(item.values().all(|v| !v.is_null()), "{item:?}");
    }
    items
}

/// The entry ids of an Atom feed, in order.
fn atom_ids(atom: &str) -> Vec<String> {
    atom.split("<entry>")
        .skip(1)
        .map(|e| {
            let start = e.find("<id>").unwrap() + "<id>".len();
            let end = e.find("</id>").unwrap();
            e[start..end].to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_list_has_a_json_feed_that_holds_to_the_spec() {
    let site = searchable().await;
    for (json_path, atom_path, html_path) in FEEDS {
        let (status, body, headers) = site.get(json_path).await;
        assert_eq!(status, 200, "{json_path}: {body}");
        assert_eq!(
            headers["content-type"], "application/feed+json",
            "{json_path}"
        );
        assert!(headers.get("etag").is_some() && headers.get("last-modified").is_some());
        assert_eq!(headers["cache-control"], "public, max-age=300");
        let feed: Value = serde_json::from_str(&body).unwrap();
        let items = check_json_feed(&feed);
        assert_eq!(feed["feed_url"], format!("{}{json_path}", site.base));
        assert_eq!(feed["home_page_url"], format!("{}{html_path}", site.base));

        let (_, atom, _) = site.get(atom_path).await;
        let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert!(!ids.is_empty(), "{json_path}: no items");
        assert_eq!(ids, atom_ids(&atom), "{json_path}: the Atom feed's papers");
    }
}

#[tokio::test]
async fn a_json_feed_item_is_the_paper_as_written() {
    let site = searchable().await;
    let (_, body, _) = site.get("/papers/date/2026-08-21/feed.json").await;
    let feed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(feed["title"], "August 21, 2026 · Daily Papers");
    let items = check_json_feed(&feed);
    // Most upvoted first, as the page and the Atom feed.
    let first = &items[0];
    assert_eq!(first["id"], "tag:dailypapers,2024:paper/2608.00002");
    assert_eq!(first["url"], format!("{}/papers/2608.00002", site.base));
    assert_eq!(
        first["title"],
        "Large language models reason with chains of thought"
    );
    assert_eq!(first["tags"], serde_json::json!(["cs.CL", "cs.AI"]));
    assert_eq!(
        first["authors"],
        serde_json::json!([{"name": "Ada Lovelace"}, {"name": "Alan Turing"}, {"name": "Grace Hopper"}])
    );
    assert_eq!(first["date_published"], "2026-08-19T17:00:00Z");
    // Text stays text: no escaping to undo, no markup to fear.
    assert_eq!(
        items[1]["content_text"],
        "We train denoising diffusion models that synthesise <images> & more."
    );
}

#[tokio::test]
async fn json_feeds_answer_conditional_requests() {
    let site = searchable().await;
    for path in [
        "/papers/date/2026-08-21/feed.json",
        "/papers/feed.json?q=language",
    ] {
        let first = get_with(&site, path, &[]).await;
        assert_eq!(first.status, 200);
        let tag = first.header("etag").unwrap().to_string();
        let modified = first.header("last-modified").unwrap().to_string();

        let r = get_with(&site, path, &[("if-none-match", &tag)]).await;
        assert_eq!(r.status, 304, "{path}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(tag.as_str()));
        assert_eq!(r.header("last-modified"), Some(modified.as_str()));
        assert_eq!(r.header("cache-control"), Some("public, max-age=300"));

        // Without If-None-Match, If-Modified-Since decides: the same date or
        // a later one is fresh, an earlier one is not.
        let r = get_with(&site, path, &[("if-modified-since", &modified)]).await;
        assert_eq!(r.status, 304, "{path}");
        let later = get_with(
            &site,
            path,
            &[("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")],
        )
        .await;
        assert_eq!(later.status, 304, "{path}");
        let earlier = get_with(
            &site,
            path,
            &[("if-modified-since", "Thu, 01 Jan 2015 00:00:00 GMT")],
        )
        .await;
        assert_eq!(earlier.status, 200, "{path}");
        assert_eq!(earlier.body, first.body);
        // If-None-Match wins over If-Modified-Since.
        let r = get_with(
            &site,
            path,
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", &modified),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{path}");

        // Compressed, with its own tag, and revalidated by it.
        let gz = get_with(&site, path, &[("accept-encoding", "gzip")]).await;
        let gz_tag = gz.header("etag").unwrap().to_string();
        assert_ne!(gz_tag, tag);
        let r = get_with(
            &site,
            path,
            &[("accept-encoding", "gzip"), ("if-none-match", &gz_tag)],
        )
        .await;
        assert_eq!(r.status, 304, "{path}");
    }
}

#[tokio::test]
async fn other_feed_names_are_still_unknown() {
    let site = searchable().await;
    for path in [
        "/papers/date/2026-08-21/feed.xml",
        "/papers/trending/feed.jsonfeed",
        "/papers/category/cs.CL/feed",
    ] {
        let (status, _, _) = site.get(path).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _, _) = site.get("/papers/feed.json").await;
    assert_eq!(status, 400, "a search feed needs q");
}

/// HTML's escapes of `&` undone (askama writes `&#38;`).
fn unescape_amp(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&")
}

/// The `<link rel="alternate">` tags in a page's head: (type, title, href),
/// with `&` unescaped.
fn alternates(html: &str) -> Vec<(String, String, String)> {
    let head = &html[..html.find("</head>").expect("a head")];
    head.split("<link ")
        .skip(1)
        .filter_map(|tag| {
            let tag = format!(" {}", &tag[..tag.find('>').expect("a closed tag")]);
            let attr = |name: &str| {
                let marker = format!(" {name}=\"");
                let rest = &tag[tag.find(&marker)? + marker.len()..];
                Some(unescape_amp(
                    &rest[..rest.find('"').expect("a quoted value")],
                ))
            };
            (attr("rel")? == "alternate").then(|| {
                (
                    attr("type").expect("a type"),
                    attr("title").expect("a title"),
                    attr("href").expect("an href"),
                )
            })
        })
        .collect()
}

/// The three feed links a list's page carries, each at `{path}/feed.*{query}`.
fn feed_links(path: &str, query: &str) -> Vec<(String, String, String)> {
    [
        ("application/atom+xml", "Atom feed", "feed.atom"),
        ("application/rss+xml", "RSS feed", "feed.rss"),
        ("application/feed+json", "JSON Feed", "feed.json"),
    ]
    .into_iter()
    .map(|(t, title, file)| (t.into(), title.into(), format!("{path}/{file}{query}")))
    .collect()
}

#[tokio::test]
async fn pages_link_all_three_feeds_and_each_link_answers() {
    let site = searchable().await;
    for (page, path, query) in [
        ("/papers/date/2026-08-21", "/papers/date/2026-08-21", ""),
        ("/papers/week/2026-W34", "/papers/week/2026-W34", ""),
        ("/papers/trending", "/papers/trending", ""),
        ("/papers/category/cs.CL", "/papers/category/cs.CL", ""),
        // A search's feeds carry its query (and its days), after the file.
        ("/papers?q=language", "/papers", "?q=language"),
        (
            "/papers?q=language%20models&mode=keyword",
            "/papers",
            "?q=language%20models",
        ),
        (
            "/papers?q=language&from=2026-08-01&to=2026-08-31",
            "/papers",
            "?q=language&from=2026-08-01&to=2026-08-31",
        ),
    ] {
        let (status, html, _) = site.get(page).await;
        assert_eq!(status, 200, "{page}");
        let links = alternates(&html);
        assert_eq!(links, feed_links(path, query), "{page}");
        for (kind, _, href) in &links {
            let (status, body, headers) = site.get(href).await;
            assert_eq!(status, 200, "{href}: {body}");
            let content_type = headers["content-type"].to_str().unwrap();
            assert!(
                content_type.starts_with(kind.as_str()),
                "{href}: {content_type}"
            );
            if kind == "application/feed+json" {
                let feed: Value = serde_json::from_str(&body).unwrap();
                check_json_feed(&feed);
                assert_eq!(feed["feed_url"], format!("{}{href}", site.base));
            }
        }
        // The page's own links to its feeds, beside its count.
        let body = unescape_amp(&html[html.find("</head>").unwrap()..]);
        for (_, _, href) in &links {
            let shown = format!("href=\"{href}\"");
            assert!(body.contains(&shown), "{page}: {shown}");
        }
    }
    // No search, no feed.
    let (_, html, _) = site.get("/papers").await;
    assert_eq!(alternates(&html), Vec::new());
    let (_, html, _) = site.get("/papers/2608.00001").await;
    assert_eq!(alternates(&html), Vec::new());
}

#[tokio::test]
async fn search_feeds_answer_in_every_format_from_one_route() {
    let site = searchable().await;
    for (file, kind) in [
        ("feed.atom", "application/atom+xml"),
        ("feed.rss", "application/rss+xml"),
        ("feed.json", "application/feed+json"),
    ] {
        let (status, body, headers) = site.get(&format!("/papers/{file}?q=diffusion")).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        assert!(
            body.contains("Diffusion models for image synthesis"),
            "{file}"
        );
        // Without a query there is no search to follow.
        for bad in ["", "?q=", "?q=%20", "?from=2026-08-01"] {
            let (status, _, _) = site.get(&format!("/papers/{file}{bad}")).await;
            assert_eq!(status, 400, "{file}{bad}");
        }
        let (status, _, _) = site
            .get(&format!("/papers/{file}?q=x&from=2026-02-30"))
            .await;
        assert_eq!(status, 400, "{file}: a bad day");
    }
}
