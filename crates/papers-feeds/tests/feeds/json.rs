//! The JSON Feed read back as JSON and held to the JSON Feed 1.1 spec
//! (<https://www.jsonfeed.org/version/1.1/>): the required fields, the types
//! of the optional ones, and every text exactly as given.

use papers_feeds::{JSON_FEED_VERSION, render_json_feed};
use serde_json::Value;

use crate::{entries, expected_titles, meta};

/// Asserts that `feed` is a JSON Feed 1.1 document, as the spec words it, and
/// returns its items.
fn check_json_feed(feed: &Value) -> &Vec<Value> {
    let top = feed.as_object().expect("the top level is an object");
    // Required: version (the 1.1 URL), title, items.
    assert_eq!(top["version"], JSON_FEED_VERSION);
    assert!(top["title"].as_str().is_some_and(|t| !t.is_empty()));
    let items = top["items"].as_array().expect("items is an array");
    // Optional top-level strings are strings when present; nothing is null.
    for key in ["home_page_url", "feed_url", "description"] {
        if let Some(v) = top.get(key) {
            assert!(v.is_string(), "{key} is {v}");
        }
    }
    for v in top.values() {
        assert!(!v.is_null(), "no nulls: {feed}");
    }
    for item in items {
        let item = item.as_object().expect("an item is an object");
        // Required: a non-empty string id; content_html or content_text.
        assert!(item["id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(
            item.get("content_text").is_some_and(Value::is_string)
                || item.get("content_html").is_some_and(Value::is_string),
            "an item needs content_html or content_text: {item:?}"
        );
        for key in ["url", "title", "summary", "content_text", "content_html"] {
            if let Some(v) = item.get(key) {
                assert!(v.is_string(), "{key} is {v}");
            }
        }
        // Dates are RFC 3339.
        for key in ["date_published", "date_modified"] {
            if let Some(v) = item.get(key) {
                let s = v.as_str().unwrap();
                s.parse::<jiff::Timestamp>()
                    .unwrap_or_else(|e| panic!("{key} {s:?} is not RFC 3339: {e}"));
            }
        }
        // authors: a non-empty array of objects, each with a name (or url
        // or avatar); tags: strings.
        if let Some(authors) = item.get("authors") {
            let authors = authors.as_array().unwrap();
            assert!(!authors.is_empty(), "authors, when present, is not empty");
            for a in authors {
                assert!(a["name"].is_string(), "{a}");
            }
        }
        if let Some(tags) = item.get("tags") {
            assert!(tags.as_array().unwrap().iter().all(Value::is_string));
        }
        for v in item.values() {
            assert!(!v.is_null(), "no nulls: {item:?}");
        }
    }
    items
}

#[test]
fn renders_a_json_feed_1_1_with_every_entry_in_order() {
    let feed: Value = serde_json::from_str(&render_json_feed(&meta(), &entries())).unwrap();
    let items = check_json_feed(&feed);

    assert_eq!(feed["title"], meta().title);
    assert_eq!(feed["description"], meta().subtitle);
    assert_eq!(feed["feed_url"], meta().self_url);
    assert_eq!(feed["home_page_url"], meta().alternate_url);

    assert_eq!(items.len(), entries().len());
    for ((item, e), title) in items.iter().zip(entries()).zip(expected_titles()) {
        assert_eq!(item["id"], e.id.as_str());
        assert_eq!(item["url"], e.link.as_str());
        assert_eq!(item["title"], title.as_str(), "control characters dropped");
        // The abstract as written: `<b>` and `&` are text, not markup.
        assert_eq!(item["content_text"], e.abstract_text.as_str());
        assert!(item.get("content_html").is_none());
        let published: jiff::Timestamp = item["date_published"].as_str().unwrap().parse().unwrap();
        let modified: jiff::Timestamp = item["date_modified"].as_str().unwrap().parse().unwrap();
        assert_eq!((published, modified), (e.published, e.updated));
        let authors: Vec<&str> = item
            .get("authors")
            .map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            authors,
            e.authors.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let tags: Vec<&str> = item
            .get("tags")
            .map(|t| {
                t.as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            tags,
            e.categories.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }
    // The entry without authors or categories leaves both out (no empty arrays).
    assert!(items[2].get("authors").is_none() && items[2].get("tags").is_none());
}

#[test]
fn an_empty_list_is_still_a_valid_feed() {
    let mut m = meta();
    m.subtitle.clear();
    let feed: Value = serde_json::from_str(&render_json_feed(&m, &[])).unwrap();
    assert!(check_json_feed(&feed).is_empty());
    assert!(feed.get("description").is_none(), "no empty description");
}
