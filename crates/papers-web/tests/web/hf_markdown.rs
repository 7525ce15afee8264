//! A paper as Markdown, what `hf papers read` fetches: `/papers/{id}.md`
//! and the paper page asked for with `Accept: text/markdown`.

use crate::common::{record, site};

fn papers() -> Vec<papers_core::IngestRecord> {
    let mut hostile = record(
        "2608.00002",
        "[Click](javascript:alert(1)) <script>alert(2)</script> # not a heading",
        "First line of the abstract\nwrapped by arXiv.\n\n- not a list\n<img src=x onerror=alert(3)>",
        "2026-08-21",
        1,
        7,
    );
    hostile.paper.authors[0].name = "Eve <b>Bold</b> **Star**".into();
    hostile.paper.github_repo = Some("https://github.com/example/repo".into());
    hostile.paper.comments = Some("12 pages | `code`".into());
    let mut plain = record(
        "2608.00001",
        "Diffusion models for image synthesis",
        "We train denoising diffusion models.",
        "2026-08-21",
        0,
        3,
    );
    plain.paper.ai_summary = Some("Diffusion makes pictures.".into());
    plain.paper.ai_keywords = Some(vec!["diffusion".into()]);
    plain.paper.categories = vec!["cs.CV".into()];
    vec![
        plain,
        hostile,
        record("hep-th/9901001", "Strings", "Old.", "2026-08-20", 0, 1),
    ]
}

#[tokio::test]
async fn the_paper_as_markdown_at_its_md_address_and_by_accept() {
    let site = site(papers()).await;
    let (status, md, headers) = site.get("/papers/2608.00001.md").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/markdown; charset=utf-8");
    assert_eq!(headers["vary"], "Accept");
    let want = format!(
        "# Diffusion models for image synthesis\n\
         \n\
         - **arXiv:** [2608.00001](https://arxiv.org/abs/2608.00001) · [PDF](https://arxiv.org/pdf/2608.00001) · [Page]({base}/papers/2608.00001)\n\
         - **Authors:** Ada Lovelace, Alan Turing, Grace Hopper\n\
         - **Published:** 2026-08-19\n\
         - **On Daily Papers:** 2026-08-21, submitted by taesiri\n\
         - **Upvotes:** 3 · **Comments:** 0\n\
         - **Categories:** cs.CV\n\
         - **GitHub:** <https://github.com/example/0> (42 stars)\n\
         \n\
         ## Abstract\n\
         \n\
         We train denoising diffusion models.\n\
         \n\
         ## AI summary\n\
         \n\
         Diffusion makes pictures.\n\
         \n\
         **Keywords:** diffusion\n\
         \n\
         ## Discussion\n\
         \n\
         No comments here yet.\n\
         \n",
        base = site.base
    );
    assert_eq!(md, want);

    // The page itself answers Markdown to whoever asks for it first.
    let ask = |accept: &'static str| {
        site.client
            .get(format!("{}/papers/2608.00001", site.base))
            .header("accept", accept)
            .send()
    };
    let r = ask("text/markdown").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
    assert_eq!(r.headers()["vary"], "Accept");
    assert_eq!(r.text().await.unwrap(), want);
    let r = ask("text/markdown, text/html;q=0.9").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/markdown; charset=utf-8");
    // A browser gets HTML, and the answer says it varies by Accept.
    let r = ask("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["vary"], "Accept");
    let r = ask("text/html, text/markdown;q=0.5").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let r = ask("text/markdown;q=0").await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");

    // Old-style ids too.
    let (status, md, _) = site.get("/papers/hep-th/9901001.md").await;
    assert_eq!(status, 200);
    assert!(md.starts_with("# Strings\n"), "{md}");
    assert!(
        md.contains("[hep-th/9901001](https://arxiv.org/abs/hep-th/9901001)"),
        "{md}"
    );
    assert_eq!(site.get("/papers/2608.99999.md").await.0, 404);
}

#[tokio::test]
async fn what_users_and_data_wrote_stays_literal_text() {
    let site = site(papers()).await;
    let token = site.user_with_token("mallory").await;
    for body in [
        "# Heading\n<script>alert(4)</script>\n[x](javascript:alert(5))\n\n---\n1. one",
        "> fake quote\n```\ncode\n```",
    ] {
        let r = site
            .api(
                "POST",
                "/api/papers/2608.00002/comments",
                Some(&token),
                Some(serde_json::json!({"body": body})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let (status, md, _) = site.get("/papers/2608.00002.md").await;
    assert_eq!(status, 200);
    // The title cannot make a link, raw HTML or a second heading.
    let title = md.lines().next().unwrap();
    assert_eq!(
        title,
        "# \\[Click\\](javascript:alert(1)) \\<script\\>alert(2)\\</script\\> \\# not a heading"
    );
    assert!(
        md.contains("- **Authors:** Eve \\<b\\>Bold\\</b\\> \\*\\*Star\\*\\*, Alan Turing"),
        "{md}"
    );
    assert!(
        md.contains("- **arXiv comments:** 12 pages \\| \\`code\\`"),
        "{md}"
    );
    // The abstract: hard wraps joined, no list, no HTML.
    assert!(md.contains("\nFirst line of the abstract wrapped by arXiv.\n\n\\- not a list \\<img src=x onerror=alert(3)\\>\n"), "{md}");
    // Comments are quoted, and their Markdown is shown as typed.
    let discussion = md.split("## Discussion\n").nth(1).unwrap();
    assert!(discussion.contains("**mallory** · "), "{discussion}");
    for line in [
        "> \\# Heading",
        "> \\<script\\>alert(4)\\</script\\>",
        "> \\[x\\](javascript:alert(5))",
        "> \\---",
        "> 1\\. one",
        "> \\> fake quote",
        "> \\`\\`\\`",
    ] {
        assert!(
            discussion.lines().any(|l| l == line),
            "{line:?} in {discussion}"
        );
    }
    // Nothing outside a quote but the headers of the comments.
    for l in discussion.lines().filter(|l| !l.is_empty()) {
        assert!(
            l.starts_with('>') || l.starts_with("**mallory** · "),
            "{l:?}"
        );
    }
    // No raw `<` or `[` anywhere that is not escaped, except our own links.
    for (i, c) in md.char_indices() {
        if c == '<' {
            let before = md[..i].chars().last();
            let ours = md[i..].starts_with("<https://github.com/example/repo>");
            assert!(
                before == Some('\\') || ours,
                "raw `<` at {i}: {}",
                &md[i..i + 20]
            );
        }
    }
}

/// Issue 14: every paper as BibTeX at `/papers/{id}.bib`, for both id
/// styles; titles from data are escaped (the compat suite parses these with
/// bibtexparser).
#[tokio::test]
async fn every_paper_as_bibtex() {
    let site = site(papers()).await;
    let (status, bib, headers) = site.get("/papers/2608.00001v1.bib").await;
    assert_eq!(status, 200, "{bib}");
    assert_eq!(
        headers["content-type"],
        "application/x-bibtex; charset=utf-8"
    );
    assert!(bib.starts_with("@misc{lovelace2026diffusion,\n"), "{bib}");
    assert!(bib.contains("  eprint = {2608.00001},\n"), "{bib}");
    assert!(bib.contains("  primaryClass = {cs.CV},\n"), "{bib}");
    let (status, bib, _) = site.get("/papers/hep-th/9901001.bib").await;
    assert_eq!(status, 200, "{bib}");
    assert!(bib.contains("  eprint = {hep-th/9901001},\n"), "{bib}");
    assert!(bib.contains("  url = {https://arxiv.org/abs/hep-th/9901001},\n"));
    let (status, bib, _) = site.get("/papers/2608.00002.bib").await;
    assert_eq!(status, 200);
    assert!(
        bib.contains(
            "title = {[Click](javascript:alert(1)) <script>alert(2)</script> \\# not a heading}"
        ),
        "{bib}"
    );
    assert_eq!(site.get("/papers/2608.99999.bib").await.0, 404);
    assert_eq!(site.get("/papers/garbage.bib").await.0, 400);
    let (_, page, _) = site.get("/papers/2608.00001").await;
    assert!(page.contains("href=\"/papers/2608.00001.bib\""));
}
