//! Atom 1.0 (RFC 4287).

use atom_syndication::{
    Category, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, TextType,
};
use jiff::Timestamp;

use crate::text::xml_safe;
use crate::{FeedEntry, FeedMeta, GENERATOR};

/// Renders an Atom feed: the entries in the order given, titles and summaries
/// as `type="text"`.
pub fn render_atom(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    let feed = Feed {
        title: plain(&meta.title),
        id: xml_safe(&meta.self_url),
        updated: chrono_time(meta.updated),
        subtitle: (!meta.subtitle.is_empty()).then(|| plain(&meta.subtitle)),
        links: vec![
            link(&meta.self_url, "self", "application/atom+xml"),
            link(&meta.alternate_url, "alternate", "text/html"),
        ],
        generator: Some(Generator {
            value: GENERATOR.to_string(),
            uri: None,
            version: None,
        }),
        entries: entries.iter().map(entry).collect(),
        ..Feed::default()
    };
    // Writing into a Vec cannot fail, and the writer only emits UTF-8.
    let bytes = feed.write_to(Vec::new()).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn entry(e: &FeedEntry) -> Entry {
    Entry {
        title: plain(&e.title),
        id: xml_safe(&e.id),
        updated: chrono_time(e.updated),
        published: Some(chrono_time(e.published)),
        authors: e
            .authors
            .iter()
            .map(|name| Person {
                name: xml_safe(name),
                ..Person::default()
            })
            .collect(),
        categories: e
            .categories
            .iter()
            .map(|term| Category {
                term: xml_safe(term),
                scheme: None,
                label: None,
            })
            .collect(),
        links: vec![link(&e.link, "alternate", "text/html")],
        summary: Some(plain(&e.abstract_text)),
        ..Entry::default()
    }
}

fn plain(s: &str) -> Text {
    Text {
        value: xml_safe(s),
        base: None,
        lang: None,
        r#type: TextType::Text,
    }
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: xml_safe(href),
        rel: rel.to_string(),
        mime_type: Some(mime_type.to_string()),
        ..Link::default()
    }
}

/// jiff to chrono, in UTC. Every `Timestamp` fits in chrono's range.
pub(crate) fn chrono_time(ts: Timestamp) -> FixedDateTime {
    chrono::DateTime::from_timestamp(ts.as_second(), ts.subsec_nanosecond().unsigned_abs())
        .unwrap_or_default()
        .fixed_offset()
}
