//! Comment bodies (`papers_app::render_markdown`: pulldown-cmark, then
//! ammonia). Never panics, and the HTML keeps the module's promises: no raw
//! HTML from the comment survives (every tag is one Markdown makes, with
//! only the attributes Markdown gives it), no script, image or frame, no
//! event handler, no `javascript:` (or any other non-http(s)/mailto) link,
//! every link is `rel="nofollow ugc"` and comes from a Markdown link or
//! image, and the markup is balanced, so a comment cannot reach into the
//! page around it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Options, Parser, Tag};

/// Tags pulldown-cmark writes with the options comments use (strikethrough
/// and tables), and the attributes it gives them that ammonia keeps.
fn allowed_attributes(tag: &str) -> Option<&'static [&'static str]> {
    Some(match tag {
        "a" => &["href", "title", "rel"],
        "ol" => &["start"],
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre" | "code" | "ul"
        | "li" | "em" | "strong" | "del" | "hr" | "br" | "table" | "thead" | "tbody" | "tr"
        | "th" | "td" => &[],
        _ => return None,
    })
}

const VOID: [&str; 2] = ["br", "hr"];

/// What a browser would take as the scheme of `href`, if any (tabs and
/// newlines are ignored inside URLs, leading controls and spaces dropped).
fn scheme(href: &str) -> Option<String> {
    let cleaned: String = href
        .replace("&amp;", "&")
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let (head, _) = cleaned.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| head.to_ascii_lowercase())
}

fn check(source: &str, html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "<img", "<iframe", "<style", "<!--", "<svg", "<math", "<object",
    ] {
        assert!(!lower.contains(bad), "{bad} in {html:?}");
    }
    let mut open: Vec<&str> = Vec::new();
    let mut links = 0;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        assert!(!rest[..lt].contains('>'), "unescaped > in text: {html:?}");
        let tag_and_rest = &rest[lt + 1..];
        let (closing, body) = match tag_and_rest.strip_prefix('/') {
            Some(b) => (true, b),
            None => (false, tag_and_rest),
        };
        let name_len = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .expect("a tag ends");
        let name = &body[..name_len];
        let allowed = allowed_attributes(name)
            .unwrap_or_else(|| panic!("<{name}> is not a tag Markdown makes: {html:?}"));
        let mut attrs = &body[name_len..];
        let mut rel = Vec::new();
        loop {
            if let Some(after) = attrs.strip_prefix('>') {
                rest = after;
                break;
            }
            assert!(!closing, "attributes on a closing tag: {html:?}");
            let a = attrs.strip_prefix(' ').expect("attributes are spaced");
            let (attr, after) = a.split_once("=\"").expect("attribute=\"value\"");
            let (value, after) = after.split_once('"').expect("closing quote");
            assert!(
                allowed.contains(&attr),
                "<{name} {attr}> is not Markdown's: {html:?}"
            );
            assert!(!attr.starts_with("on"), "event handler in {html:?}");
            if attr == "href"
                && let Some(s) = scheme(value)
            {
                assert!(
                    ["http", "https", "mailto"].contains(&s.as_str()),
                    "href with scheme {s:?} in {html:?}"
                );
            }
            if attr == "rel" {
                rel.push(value);
            }
            attrs = after;
        }
        if closing {
            assert_eq!(open.pop(), Some(name), "unbalanced </{name}> in {html:?}");
        } else {
            if name == "a" {
                links += 1;
                assert_eq!(rel, ["nofollow ugc"], "a link's rel in {html:?}");
            }
            if !VOID.contains(&name) {
                open.push(name);
            }
        }
    }
    assert!(!rest.contains('>'), "unescaped > in text: {html:?}");
    assert!(open.is_empty(), "unclosed {open:?} in {html:?}");

    // Every link is one the Markdown asked for (a link, or an image shown
    // as a link): none comes from raw HTML, none is reopened by the HTML
    // parser because one was left unclosed.
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    let asked = Parser::new_ext(source, opts)
        .filter(|e| matches!(e, Event::Start(Tag::Link { .. } | Tag::Image { .. })))
        .count();
    assert!(
        links <= asked,
        "{links} links for {asked} in the Markdown: {html:?}"
    );
}

fuzz_target!(|source: &str| {
    let html = papers_app::render_markdown(source);
    check(source, &html);
});
