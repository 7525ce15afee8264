//! The feeds parsed back with quick-xml into a tiny element tree: well-formed,
//! entries in order, and every text exactly as given (escaped once, decoded
//! once).

use papers_feeds::{render_atom, render_rss};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::{entries, expected_titles, meta};

/// An element: its qualified name, attributes (decoded), text (decoded) and
/// children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn one<'a>(&'a self, name: &'a str) -> &'a Element {
        let mut found = self.all(name);
        let first = found
            .next()
            .unwrap_or_else(|| panic!("no <{name}> in <{}>", self.name));
        assert!(
            found.next().is_none(),
            "several <{name}> in <{}>",
            self.name
        );
        first
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart<'_>| Element {
        name: e.name().as_ref().to_string(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::default())
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        ..Element::default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => stack.last_mut().unwrap().children.push(open(&e)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t),
            Event::GeneralRef(r) => {
                let reference = format!("&{};", &*r);
                let text = quick_xml::escape::unescape(&reference).unwrap();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::CData(c) => stack.last_mut().unwrap().text.push_str(&c),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

#[test]
fn atom_round_trips_every_entry_in_order() {
    let xml = render_atom(&meta(), &entries());
    assert!(xml.starts_with("<?xml version=\"1.0\""), "{xml}");
    let feed = parse(&xml);
    assert_eq!(feed.name, "feed");
    assert_eq!(feed.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(feed.one("title").text, meta().title);
    assert_eq!(feed.one("title").attr("type").unwrap_or("text"), "text");
    assert_eq!(feed.one("subtitle").text, meta().subtitle);
    assert_eq!(feed.one("id").text, meta().self_url);
    assert_eq!(feed.one("updated").text, "2026-08-21T12:00:00+00:00");
    let links: Vec<_> = feed
        .all("link")
        .map(|l| (l.attr("rel").unwrap(), l.attr("href").unwrap()))
        .collect();
    assert_eq!(
        links,
        [
            ("self", meta().self_url.as_str()),
            ("alternate", meta().alternate_url.as_str())
        ]
    );

    let got: Vec<&Element> = feed.all("entry").collect();
    assert_eq!(got.len(), 3);
    let titles: Vec<&str> = got.iter().map(|e| e.one("title").text.as_str()).collect();
    assert_eq!(titles, expected_titles());
    for (entry, want) in got.iter().zip(entries()) {
        assert_eq!(entry.one("id").text, want.id);
        assert_eq!(entry.one("summary").text, want.abstract_text);
        assert_eq!(entry.one("summary").attr("type").unwrap_or("text"), "text");
        assert_eq!(entry.one("link").attr("href"), Some(want.link.as_str()));
        let authors: Vec<&str> = entry
            .all("author")
            .map(|a| a.one("name").text.as_str())
            .collect();
        assert_eq!(authors, want.authors);
        let cats: Vec<&str> = entry
            .all("category")
            .map(|c| c.attr("term").unwrap())
            .collect();
        assert_eq!(cats, want.categories);
    }
    assert_eq!(got[0].one("published").text, "2026-08-20T18:00:00+00:00");
    assert_eq!(got[0].one("updated").text, "2026-08-21T09:30:00+00:00");
    // Escaped, never markup.
    assert!(!xml.contains("<script>"));
    assert!(!xml.contains("<b>"));
}

#[test]
fn rss_round_trips_every_item_in_order() {
    let xml = render_rss(&meta(), &entries());
    let rss = parse(&xml);
    assert_eq!(rss.name, "rss");
    assert_eq!(rss.attr("version"), Some("2.0"));
    let channel = rss.one("channel");
    assert_eq!(channel.one("title").text, meta().title);
    assert_eq!(channel.one("link").text, meta().alternate_url);
    assert_eq!(channel.one("description").text, meta().subtitle);
    assert_eq!(
        channel.one("lastBuildDate").text,
        "Fri, 21 Aug 2026 12:00:00 +0000"
    );
    let self_link = channel.one("atom:link");
    assert_eq!(self_link.attr("rel"), Some("self"));
    assert_eq!(self_link.attr("href"), Some(meta().self_url.as_str()));
    assert_eq!(rss.attr("xmlns:atom"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(
        rss.attr("xmlns:dc"),
        Some("http://purl.org/dc/elements/1.1/")
    );

    let items: Vec<&Element> = channel.all("item").collect();
    let titles: Vec<&str> = items.iter().map(|i| i.one("title").text.as_str()).collect();
    assert_eq!(titles, expected_titles());
    for (item, want) in items.iter().zip(entries()) {
        let guid = item.one("guid");
        assert_eq!(guid.text, want.id);
        assert_eq!(guid.attr("isPermaLink"), Some("false"));
        assert_eq!(item.one("link").text, want.link);
        let creators: Vec<&str> = item.all("dc:creator").map(|c| c.text.as_str()).collect();
        assert_eq!(creators, want.authors);
        let cats: Vec<&str> = item.all("category").map(|c| c.text.as_str()).collect();
        assert_eq!(cats, want.categories);
    }
    assert_eq!(
        items[0].one("pubDate").text,
        "Thu, 20 Aug 2026 18:00:00 +0000"
    );
    // The description is HTML: the abstract escaped for HTML, so a reader that
    // renders it shows the text as written.
    assert_eq!(
        items[0].one("description").text,
        "We prove $\\alpha &lt; \\beta$ &amp; show &lt;b&gt;bold&lt;/b&gt; claims.\nSecond line."
    );
    assert!(!xml.contains("<script>"));
}

#[test]
fn empty_feeds_are_still_valid() {
    let atom = parse(&render_atom(&meta(), &[]));
    assert_eq!(atom.all("entry").count(), 0);
    let rss = parse(&render_rss(&meta(), &[]));
    assert_eq!(rss.one("channel").all("item").count(), 0);
}
