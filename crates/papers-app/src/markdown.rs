//! Comment bodies: Markdown rendered with pulldown-cmark, then sanitised with
//! ammonia, so no raw HTML or script survives and links are marked
//! `rel="nofollow ugc"`.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to safe HTML.
pub fn render_markdown(source: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    let parser = Parser::new_ext(source, opts);
    let mut raw = String::with_capacity(source.len() * 2);
    html::push_html(&mut raw, parser);
    ammonia::Builder::default()
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
}
