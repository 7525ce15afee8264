//! Comment bodies: Markdown rendered with pulldown-cmark, then sanitised with
//! ammonia, so no raw HTML or script survives and links are marked
//! `rel="nofollow ugc"`. Raw HTML in a comment (an HTML block, or an inline
//! tag such as `<b>`) is dropped before rendering, text between inline tags
//! kept: every tag of the result is one Markdown makes, and ammonia still
//! checks those (link schemes, `rel`). Images are not allowed at all: an
//! `<img>` loads from any host when the page is viewed, which makes every
//! comment a tracking pixel; an image in Markdown is shown as a link to it
//! instead.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Renders Markdown to safe HTML.
pub fn render_markdown(source: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    // `![alt](url)` becomes `[alt](url)`: the link stays, nothing loads.
    let mut in_image = false;
    let parser = Parser::new_ext(source, opts).filter_map(|event| {
        Some(match event {
            // Raw HTML: ammonia would keep the tags it allows (`<b>`, `<div>`,
            // `<details>`…), so it never gets that far.
            Event::Html(_) | Event::InlineHtml(_) => return None,
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_image = true;
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) if in_image => {
                in_image = false;
                Event::End(TagEnd::Link)
            }
            other => other,
        })
    });
    let mut raw = String::with_capacity(source.len() * 2);
    html::push_html(&mut raw, parser);
    let mut tags = ammonia::Builder::default().clone_tags();
    tags.remove("img");
    ammonia::Builder::default()
        .tags(tags)
        .link_rel(Some("nofollow ugc"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&raw)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown_and_strips_scripts() {
        let html = render_markdown(
            "**bold** and [link](https://example.org)\n\n<script>alert(1)</script><img src=x onerror=alert(2)>",
        );
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("rel=\"nofollow ugc\""));
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        let js = render_markdown("[x](javascript:alert(1))");
        assert!(!js.contains("javascript:"), "{js}");
        assert!(render_markdown("x < y & $\\alpha$").contains("x &lt; y &amp; $\\alpha$"));
    }

    #[test]
    fn images_never_load_but_stay_as_links() {
        let html = render_markdown(
            "see ![a pixel](https://tracker.example/p.gif) and <img src=\"https://tracker.example/q.gif\">",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://tracker.example/p.gif\" rel=\"nofollow ugc\">a pixel</a>"
            ),
            "{html}"
        );
    }

    /// Found by the `markdown` fuzz target: ammonia keeps the raw tags it
    /// allows (`<b>`, `<span>`, `<div>`, `<details>`…), so raw HTML from a
    /// comment reached the page. Raw HTML is now dropped; the text between
    /// inline tags stays.
    #[test]
    fn raw_html_is_dropped() {
        assert_eq!(
            render_markdown("<b>bold</b> and <span style=\"color:red\">red</span>, <em>em</em>"),
            "<p>bold and red, em</p>\n"
        );
        let html = render_markdown(
            "<div onclick=\"x()\">\nblock *html*\n</div>\n\n<details><summary>s</summary>t</details>\n\n<a href=\"https://e.example\">raw</a> *after*",
        );
        assert_eq!(html, "<p>raw <em>after</em></p>\n");
        // Markdown still makes its own tags, code shows markup as text.
        assert_eq!(
            render_markdown("*a* `<b>` [l](https://e.example)"),
            "<p><em>a</em> <code>&lt;b&gt;</code> <a href=\"https://e.example\" rel=\"nofollow ugc\">l</a></p>\n"
        );
    }

    /// The tags of `html` (opening ones, lower-cased names).
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .filter(|t| !t.starts_with('/'))
            .map(|t| {
                t.chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Raw HTML never survives: every tag is one Markdown makes, and
        /// there are no more links than the Markdown asks for.
        #[test]
        fn only_markdown_makes_tags(source in "(?s)(.|<b>|</b>|<div>|</div>|<span title=x>|<details>|<em>|</em>|<table><tr><td>|<a href=https://e.example>|</a>|<p>|\\[x\\]\\(https://e.example\\)|!\\[i\\]\\(https://e.example/i.png\\)|\\*|`|\n|\n\n){0,40}") {
            const MARKDOWN_TAGS: [&str; 25] = [
                "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "ol",
                "ul", "li", "em", "strong", "del", "a", "hr", "br", "table", "thead", "tbody",
                "tr", "th", "td",
            ];
            let html = render_markdown(&source);
            let tags = tags(&html);
            for tag in &tags {
                proptest::prop_assert!(MARKDOWN_TAGS.contains(&tag.as_str()), "<{tag}> in {html}");
            }
            let mut opts = Options::empty();
            opts.insert(Options::ENABLE_STRIKETHROUGH);
            opts.insert(Options::ENABLE_TABLES);
            let asked = Parser::new_ext(&source, opts)
                .filter(|e| matches!(e, Event::Start(Tag::Link { .. } | Tag::Image { .. })))
                .count();
            let links = tags.iter().filter(|t| *t == "a").count();
            proptest::prop_assert!(links <= asked, "{links} links for {asked}: {html}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever a comment says, the HTML has no script, no image, no
        /// event handler and no javascript: link.
        #[test]
        fn nothing_active_survives(source in "(?s)(.|<script>|<img src=x>|!\\[a\\]\\(b\\)|javascript:|onerror=|\\[x\\]\\(|\\)|\\*|`|<|>|&){0,60}") {
            let html = render_markdown(&source).to_ascii_lowercase();
            proptest::prop_assert!(!html.contains("<script"), "{html}");
            proptest::prop_assert!(!html.contains("<img"), "{html}");
            proptest::prop_assert!(!html.contains("href=\"javascript:"), "{html}");
            // No tag carries an event handler (text may say "onerror=": it
            // is escaped text, not an attribute).
            for tag in html.split('<').skip(1).filter_map(|t| t.split('>').next()) {
                // Attribute names only: quoted values are dropped first.
                let names: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
                for attr in names.split_whitespace().skip(1) {
                    proptest::prop_assert!(!attr.starts_with("on"), "{tag} in {html}");
                }
            }
        }
    }
}
