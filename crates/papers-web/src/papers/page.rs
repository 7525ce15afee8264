//! The paper page: the record, votes, the comment thread and similar papers.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{Html, Response};
use papers_app::ListedPaper;
use papers_core::ArxivId;

use super::markdown::paper_markdown;
use super::{not_found, parse_paper_id};
use crate::error::{ApiError, PageError};
use crate::extract::{MaybeViewer, PaperId};
use crate::search;
use crate::session::Viewer;
use crate::state::AppState;
use crate::view::{
    AuthorLink, HfDiscussion, Layout, author_links, cached_html, day_of, render, submitter_name,
};

#[derive(Debug)]
struct PaperView {
    id: String,
    title: String,
    authors: Vec<AuthorLink>,
    abstract_text: String,
    abs_url: String,
    pdf_url: String,
    upvotes: i64,
    github_repo: Option<String>,
    github_stars: Option<i64>,
    project_page: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    submitter: Option<String>,
    listed_on: Option<String>,
    categories: Vec<String>,
    journal_ref: Option<String>,
    doi: Option<String>,
    comments: Option<String>,
    ai_summary: Option<String>,
    keywords: Vec<String>,
    /// Hugging Face's discussion, for papers that came from there.
    hf: Option<HfDiscussion>,
}

impl PaperView {
    fn new(lp: &ListedPaper) -> Self {
        let p = &lp.paper;
        PaperView {
            id: p.id.base().to_string(),
            title: p.title.clone(),
            authors: author_links(p),
            abstract_text: p.abstract_text.clone(),
            abs_url: p.id.abs_url(),
            pdf_url: p.id.pdf_url(),
            upvotes: lp.upvotes,
            // Only http(s) links become hrefs, whatever the store holds
            // (data imported before ingest checked them, say).
            github_repo: p.github_repo.as_deref().and_then(papers_core::http_url),
            github_stars: p.github_stars,
            project_page: p.project_page.as_deref().and_then(papers_core::http_url),
            published: p.published_at.map(day_of),
            updated: p
                .updated_at
                .filter(|u| Some(*u) != p.published_at)
                .map(day_of),
            submitter: submitter_name(lp),
            listed_on: lp.listing.as_ref().map(|l| l.day.to_string()),
            categories: p.categories.clone(),
            journal_ref: p.journal_ref.clone(),
            doi: p.doi.clone(),
            comments: p.comments.clone(),
            ai_summary: p.ai_summary.clone(),
            keywords: p.ai_keywords.clone().unwrap_or_default(),
            hf: HfDiscussion::of(p),
        }
    }
}

/// A comment and whether the viewer wrote it.
#[derive(Debug)]
struct CommentRow {
    date: String,
    c: papers_app::CommentView,
    mine: bool,
}

#[derive(Template)]
#[template(path = "paper.html")]
struct PaperPage {
    layout: Layout,
    p: PaperView,
    voted: bool,
    comments: Vec<CommentRow>,
    /// (id, title) of papers near this one by meaning.
    similar: Vec<(String, String)>,
    /// The viewer's collections, to save the paper to: (id, title).
    my_collections: Vec<(String, String)>,
    /// Public collections holding the paper: (id, title, owner).
    in_collections: Vec<(String, String, String)>,
}

async fn paper_page(
    state: &AppState,
    raw: &str,
    who: Option<&Viewer>,
) -> Result<Html<String>, PageError> {
    let id = ArxivId::parse(raw).map_err(|_| {
        PageError::NotFound(format!(
            "“{raw}” is not an arXiv id, so there is no such paper here."
        ))
    })?;
    let lp = state
        .catalog
        .paper(&id)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("We have no paper {}.", id.base())))?;
    let latest = state.catalog.latest_day().await?;
    let voted = match who {
        Some(v) => state.catalog.voted(v.user.id, &lp.paper.id).await?,
        None => false,
    };
    let comments = state.community.comment_thread(lp.paper.id.base()).await?;
    let me = who.map(|v| v.user.username.clone());
    let comments = comments
        .into_iter()
        .map(|c| {
            let mine = me.is_some() && c.author == me;
            let date = c.created_at.chars().take(10).collect();
            CommentRow { date, c, mine }
        })
        .collect();
    let similar = search::similar_papers(state, &lp.paper.id, 5)
        .await
        .into_iter()
        .map(|(p, _)| (p.paper.id.base().to_string(), p.paper.title))
        .collect();
    let my_collections = match who {
        Some(v) => state.community.my_collections(&v.user).await?,
        None => Vec::new(),
    };
    let in_collections = state
        .community
        .public_collections(Some(lp.paper.id.base()), None, 10)
        .await?;
    Ok(render(&PaperPage {
        layout: Layout::for_viewer(latest, who),
        p: PaperView::new(&lp),
        voted,
        comments,
        similar,
        my_collections: my_collections
            .into_iter()
            .map(|c| (c.id, c.title))
            .collect(),
        in_collections: in_collections
            .into_iter()
            .map(|c| (c.id, c.title, c.owner))
            .collect(),
    }))
}

/// `/papers/{id}` and `/papers/{archive}/{num}` (a search's feeds,
/// `/papers/feed.{atom,rss,json}?q=`, have routes of their own in
/// `search/`). `/papers/{id}.md`, or the page asked for with
/// `Accept: text/markdown`, is the paper as Markdown.
pub(super) async fn paper(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    MaybeViewer(who): MaybeViewer,
    PaperId(id): PaperId,
) -> Response {
    if let Some(bare) = id.strip_suffix(".md") {
        return markdown_page(&state, bare).await;
    }
    if let Some(bare) = id.strip_suffix(".bib") {
        return bibtex_page(&state, bare).await;
    }
    let mut resp = if wants_markdown(&headers) {
        markdown_page(&state, &id).await
    } else {
        cached_html(&state, &uri, who.is_some(), async {
            paper_page(&state, &id, who.as_ref()).await
        })
        .await
    };
    // The same address answers HTML or Markdown by `Accept`.
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// The paper as Markdown (`text/markdown`), cached for everyone; an
/// unknown id answers 404, a malformed one 400, as the API does.
async fn markdown_page(state: &AppState, raw: &str) -> Response {
    let key = format!("md:{raw}");
    let mut resp = state
        .cache
        .respond(key, "text/markdown; charset=utf-8", async {
            let lp = known_paper(state, raw).await?;
            let comments = state.community.comment_thread(lp.paper.id.base()).await?;
            Ok::<_, ApiError>(paper_markdown(&lp, &comments, &state.config.base_url))
        })
        .await;
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// The paper as a BibTeX entry (`application/x-bibtex`), cached for
/// everyone; an unknown id answers 404, a malformed one 400.
async fn bibtex_page(state: &AppState, raw: &str) -> Response {
    state
        .cache
        .respond(
            format!("bib:{raw}"),
            "application/x-bibtex; charset=utf-8",
            async {
                let lp = known_paper(state, raw).await?;
                Ok::<_, ApiError>(super::bibtex::paper_bibtex(&lp.paper))
            },
        )
        .await
}

/// The paper `raw` names: 400 when it is no arXiv id, 404 when we lack it.
async fn known_paper(state: &AppState, raw: &str) -> Result<papers_app::ListedPaper, ApiError> {
    let id = parse_paper_id(raw)?;
    state
        .catalog
        .paper(&id)
        .await?
        .ok_or_else(|| not_found(id.base()))
}

/// Whether `Accept` asks for Markdown: `text/markdown` with a quality
/// above 0 and no lower than `text/html`'s (browsers never list it).
fn wants_markdown(headers: &HeaderMap) -> bool {
    let mut markdown = 0.0_f32;
    let mut html = 0.0_f32;
    for accept in headers.get_all(header::ACCEPT) {
        let Ok(accept) = accept.to_str() else {
            continue;
        };
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match media.as_str() {
                "text/markdown" => markdown = markdown.max(q),
                "text/html" => html = html.max(q),
                _ => {}
            }
        }
    }
    markdown > 0.0 && markdown >= html
}
