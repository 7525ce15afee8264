//! A paper as Markdown (`/papers/{id}.md`, or `/papers/{id}` with
//! `Accept: text/markdown`), what `hf papers read` prints: the title, the
//! authors, the dates, the links, the abstract and the discussion.
//!
//! Everything that comes from data or from users is written as literal
//! text: Markdown's punctuation is backslash-escaped (so no link, image,
//! raw HTML, heading or list can be made by a title, an abstract or a
//! comment), control and bidirectional-override characters are dropped (a
//! terminal prints this), and comments stay inside their block quotes.

use std::fmt::Write as _;

use jiff::Timestamp;
use papers_app::{CommentView, ListedPaper};

/// The paper and its discussion as a Markdown document. `base_url` is the
/// site's configured address, for the link to the paper's page.
pub(crate) fn paper_markdown(lp: &ListedPaper, comments: &[CommentView], base_url: &str) -> String {
    let p = &lp.paper;
    let id = p.id.base();
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&format!("# {}", inline(&p.title)));
    line("");
    let page = format!("{}/papers/{id}", base_url.trim_end_matches('/'));
    let mut facts: Vec<String> = vec![format!(
        "**arXiv:** [{}]({}) · [PDF]({}) · [Page]({page})",
        inline(id),
        p.id.abs_url(),
        p.id.pdf_url(),
    )];
    let authors: Vec<String> = p
        .authors
        .iter()
        .filter(|a| !a.hidden)
        .map(|a| inline(&a.name))
        .collect();
    if !authors.is_empty() {
        facts.push(format!("**Authors:** {}", authors.join(", ")));
    }
    if let Some(d) = p.published_at {
        facts.push(format!("**Published:** {}", day(d)));
    }
    if let Some(d) = p.updated_at.filter(|u| Some(*u) != p.published_at) {
        facts.push(format!("**Updated:** {}", day(d)));
    }
    if let Some(l) = &lp.listing {
        let by = l
            .submitter
            .as_ref()
            .map(|s| {
                let full = s
                    .profile
                    .get("fullname")
                    .and_then(|v| v.as_str())
                    .filter(|f| !f.trim().is_empty())
                    .unwrap_or(s.name.as_str());
                format!(", submitted by {}", inline(full))
            })
            .unwrap_or_default();
        facts.push(format!("**On Daily Papers:** {}{by}", l.day));
    }
    facts.push(format!(
        "**Upvotes:** {} · **Comments:** {}",
        lp.upvotes, lp.num_comments
    ));
    if !p.categories.is_empty() {
        let cats: Vec<String> = p.categories.iter().map(|c| inline(c)).collect();
        facts.push(format!("**Categories:** {}", cats.join(", ")));
    }
    if let Some(url) = p.github_repo.as_deref().and_then(papers_core::http_url) {
        let stars = p
            .github_stars
            .map(|s| format!(" ({s} stars)"))
            .unwrap_or_default();
        facts.push(format!("**GitHub:** {}{stars}", link(&url)));
    }
    if let Some(url) = p.project_page.as_deref().and_then(papers_core::http_url) {
        facts.push(format!("**Project page:** {}", link(&url)));
    }
    if let Some(j) = &p.journal_ref {
        facts.push(format!("**Journal reference:** {}", inline(j)));
    }
    if let Some(doi) = &p.doi {
        facts.push(format!("**DOI:** {}", inline(doi)));
    }
    if let Some(c) = &p.comments {
        facts.push(format!("**arXiv comments:** {}", inline(c)));
    }
    for f in &facts {
        line(&format!("- {f}"));
    }
    line("");
    line("## Abstract");
    line("");
    for para in paragraphs(&p.abstract_text) {
        line(&para);
        line("");
    }
    if let Some(s) = p.ai_summary.as_deref().filter(|s| !s.trim().is_empty()) {
        line("## AI summary");
        line("");
        for para in paragraphs(s) {
            line(&para);
            line("");
        }
    }
    if let Some(k) = p.ai_keywords.as_ref().filter(|k| !k.is_empty()) {
        let words: Vec<String> = k.iter().map(|w| inline(w)).collect();
        line(&format!("**Keywords:** {}", words.join(", ")));
        line("");
    }
    line("## Discussion");
    line("");
    if comments.is_empty() {
        line("No comments here yet.");
        line("");
    }
    for c in comments {
        write_comment(&mut out, c);
    }
    out
}

/// One comment: who and when, then its text, quoted one level deeper per
/// level of reply. Its text stays literal: Markdown in a comment is shown
/// as typed, never interpreted here.
fn write_comment(out: &mut String, c: &CommentView) {
    let depth = c.depth.min(8);
    let outer = "> ".repeat(depth);
    let inner = "> ".repeat(depth + 1);
    let who = c.author.as_deref().map(inline);
    let date: String = c.created_at.chars().take(10).collect();
    let edited = if c.edited { " (edited)" } else { "" };
    let _ = writeln!(
        out,
        "{outer}**{}** · {}{edited}",
        who.as_deref().unwrap_or("[deleted]"),
        inline(&date)
    );
    let _ = writeln!(out, "{}", inner.trim_end());
    match c.body_markdown.as_deref().filter(|_| !c.deleted) {
        Some(body) => {
            for l in body.lines() {
                let l = block_line(l);
                if l.is_empty() {
                    let _ = writeln!(out, "{}", inner.trim_end());
                } else {
                    let _ = writeln!(out, "{inner}{l}");
                }
            }
        }
        None => {
            let _ = writeln!(out, "{inner}\\[deleted\\]");
        }
    }
    out.push('\n');
}

fn day(ts: Timestamp) -> String {
    jiff::tz::TimeZone::UTC.to_datetime(ts).date().to_string()
}

/// A link from data (already checked to be http(s)): an autolink when it
/// can be one, else its escaped text.
fn link(url: &str) -> String {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'))
    {
        inline(url)
    } else {
        format!("<{url}>")
    }
}

/// Characters a terminal or an editor could be fooled by: controls, and
/// the bidirectional overrides and isolates.
fn dropped(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text on one line, as literal Markdown: runs of white space become one
/// space, and the punctuation that could make a link, an image, raw HTML,
/// an entity, emphasis, code or a table is backslash-escaped.
pub(super) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut space = false;
    for c in text.trim().chars().filter(|c| !dropped(*c)) {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A line that starts a block, as literal Markdown: [`inline`], and a
/// leading `-`, `+`, `=` or `1.` / `1)` that would make a list, a rule or
/// a heading is escaped too.
pub(super) fn block_line(text: &str) -> String {
    let line = inline(text);
    if line.starts_with(['-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if let Some((number, rest)) = line.split_at_checked(digits)
        && !number.is_empty()
        && let Some(after) = rest.strip_prefix(['.', ')'])
    {
        let mark = rest.get(..1).unwrap_or("");
        return format!("{number}\\{mark}{after}");
    }
    line
}

/// Text in paragraphs (split at blank lines; hard-wrapped lines joined),
/// each one line of literal Markdown.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for l in text.lines() {
        if l.trim().is_empty() {
            if !current.is_empty() {
                out.push(block_line(&current));
                current.clear();
            }
        } else {
            current.push(' ');
            current.push_str(l);
        }
    }
    if !current.trim().is_empty() {
        out.push(block_line(&current));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_data_stays_literal() {
        assert_eq!(inline("  A  title\nover\tlines "), "A title over lines");
        assert_eq!(
            inline("[click](javascript:alert(1)) <script>x</script> & *b* `c` #h |t| ~s~ $x$ \\"),
            "\\[click\\](javascript:alert(1)) \\<script\\>x\\</script\\> \\& \\*b\\* \\`c\\` \\#h \\|t\\| \\~s\\~ $x$ \\\\"
        );
        assert_eq!(inline("a\u{1b}[31mred\u{202e}b\u{0}"), "a\\[31mredb");
        assert_eq!(block_line("- item"), "\\- item");
        assert_eq!(block_line("+ item"), "\\+ item");
        assert_eq!(block_line("=== "), "\\===");
        assert_eq!(block_line("12. twelve"), "12\\. twelve");
        assert_eq!(block_line("3) three"), "3\\) three");
        assert_eq!(block_line("2024 was a year"), "2024 was a year");
        assert_eq!(block_line("> quote"), "\\> quote");
        assert_eq!(block_line("# heading"), "\\# heading");
        assert_eq!(
            paragraphs("one\nline\n\n\n- two\n"),
            ["one line", "\\- two"]
        );
    }

    #[test]
    fn links_from_data_are_autolinks_only_when_whole() {
        assert_eq!(link("https://github.com/a/b"), "<https://github.com/a/b>");
        assert_eq!(link("https://x.org/a>b"), "https://x.org/a\\>b");
    }
}
