//! RSS 2.0, with `atom:link rel="self"` and one `dc:creator` per author.

use rss::extension::atom::AtomExtension;
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Guid, Item};

use crate::text::{html_escape, xml_safe};
use crate::{FeedEntry, FeedMeta, GENERATOR, conditional::rfc2822};

/// Renders an RSS 2.0 channel: items in the order given, each with a
/// `guid isPermaLink="false"` holding the entry's stable id, an RFC 2822
/// `pubDate`, its authors as `dc:creator`, and the abstract HTML-escaped in
/// `description`.
pub fn render_rss(meta: &FeedMeta, entries: &[FeedEntry]) -> String {
    let channel = Channel {
        title: xml_safe(&meta.title),
        link: xml_safe(&meta.alternate_url),
        description: xml_safe(&meta.subtitle),
        last_build_date: Some(rfc2822(meta.updated)),
        generator: Some(GENERATOR.to_string()),
        atom_ext: Some(AtomExtension {
            links: vec![atom_syndication::Link {
                href: xml_safe(&meta.self_url),
                rel: "self".to_string(),
                mime_type: Some("application/rss+xml".to_string()),
                ..atom_syndication::Link::default()
            }],
        }),
        items: entries.iter().map(item).collect(),
        ..Channel::default()
    };
    // Writing into a Vec cannot fail, and the writer only emits UTF-8.
    let bytes = channel.write_to(Vec::new()).unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn item(e: &FeedEntry) -> Item {
    Item {
        title: Some(xml_safe(&e.title)),
        link: Some(xml_safe(&e.link)),
        // Readers treat the description as HTML: escape the text for HTML here,
        // and the XML writer escapes the result once more for XML.
        description: Some(html_escape(&xml_safe(&e.abstract_text))),
        guid: Some(Guid {
            value: xml_safe(&e.id),
            permalink: false,
        }),
        pub_date: Some(rfc2822(e.published)),
        categories: e
            .categories
            .iter()
            .map(|name| Category {
                name: xml_safe(name),
                domain: None,
            })
            .collect(),
        dublin_core_ext: (!e.authors.is_empty()).then(|| DublinCoreExtension {
            creators: e.authors.iter().map(|a| xml_safe(a)).collect(),
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
