//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).

use jiff::Timestamp;
use serde::Serialize;

use crate::text::xml_safe;
use crate::{FeedEntry, FeedMeta};

/// The `version` every JSON Feed 1.1 document opens with.
pub const JSON_FEED_VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The media type of a JSON Feed.
pub const JSON_FEED_MEDIA_TYPE: &str = "application/feed+json";

#[derive(Serialize)]
struct Feed {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    id: String,
    url: String,
    title: String,
    content_text: String,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

/// Renders a JSON Feed 1.1 document: the items in the order given, each with
/// its stable id, the paper page as `url`, the abstract as `content_text`
/// (plain text, so a reader shows it as written and never as markup), RFC 3339
/// dates, its authors and its categories as `tags`. Optional fields with
/// nothing to say are left out rather than sent empty or `null`. The same
/// characters as in the XML feeds are dropped, so a title reads alike in all
/// three formats.
pub fn render_json_feed(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    let feed = Feed {
        version: JSON_FEED_VERSION,
        title: xml_safe(&meta.title),
        home_page_url: xml_safe(&meta.alternate_url),
        feed_url: xml_safe(&meta.self_url),
        description: (!meta.subtitle.is_empty()).then(|| xml_safe(&meta.subtitle)),
        items: entries.iter().map(item).collect(),
    };
    // Serialising strings and vectors into a String cannot fail.
    serde_json::to_string(&feed).unwrap_or_default()
}

fn item(e: &FeedEntry) -> Item {
    Item {
        id: xml_safe(&e.id),
        url: xml_safe(&e.link),
        title: xml_safe(&e.title),
        content_text: xml_safe(&e.abstract_text),
        date_published: rfc3339(e.published),
        date_modified: rfc3339(e.updated),
        authors: e
            .authors
            .iter()
            .map(|name| Author {
                name: xml_safe(name),
            })
            .collect(),
        tags: e.categories.iter().map(|t| xml_safe(t)).collect(),
    }
}

/// RFC 3339 in UTC, to the second: `2026-08-21T06:00:00Z`.
fn rfc3339(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_in_utc() {
        let ts: Timestamp = "2026-08-21T06:00:00.5+02:00".parse().unwrap();
        assert_eq!(rfc3339(ts), "2026-08-21T04:00:00Z");
    }
}
