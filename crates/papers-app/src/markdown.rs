//! Comment bodies: Markdown rendered with pulldown-cmark, then sanitised with
//! ammonia, so no raw HTML or script survives and links are marked
//! `rel="nofollow ugc"`. Images are not allowed at all: an `<img>` loads from
//! any host when the page is viewed, which makes every comment a tracking
//! pixel; an image in Markdown is shown as a link to it instead.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Renders Markdown to safe HTML.
pub fn render_markdown(source: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    // `![alt](url)` becomes `[alt](url)`: the link stays, nothing loads.
    let mut in_image = false;
    let parser = Parser::new_ext(source, opts).map(|event| match event {
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
