//! `/mcp`: the Model Context Protocol over streamable HTTP (the official
//! Rust SDK, `rmcp`), so AI agents can read the site as tools. Read-only:
//! five tools over the same use cases the pages and the API use, each with
//! a JSON schema and a description written for a model. Stateless (no MCP
//! session is kept between requests), so any node can answer any call, and
//! rate-limited per IP like the search API.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use papers_app::{FeedOrder, FeedRequest, ListedPaper, SearchMode, SearchRequest};
use papers_core::{ArxivId, DateWindow};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};

use crate::guard::{IpQuota, Searching};
use crate::papers::paper_markdown;
use crate::state::AppState;

/// The most papers one tool call answers.
const MAX_LIMIT: u32 = 50;
/// The longest query `search_papers` takes, as the search API.
const MAX_QUERY: usize = 250;

/// The `/mcp` endpoint. Stateless, so there are no sessions to end at
/// shutdown.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "[::1]".to_string(),
    ];
    if let Some(host) = authority(&state.config.base_url) {
        hosts.push(host);
    }
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts);
    let tools_state = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(PaperTools::new(tools_state.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(state, limit))
}

/// Every MCP request counts against the caller's search quota.
async fn limit(_: State<AppState>, _: IpQuota<Searching>, req: Request, next: Next) -> Response {
    next.run(req).await
}

/// `host` or `host:port` of the configured public address, which is the
/// `Host` MCP clients send through a proxy.
fn authority(base_url: &str) -> Option<String> {
    let rest = base_url.split_once("://")?.1;
    let end = rest.find('/').unwrap_or(rest.len());
    let host = rest.get(..end)?;
    (!host.is_empty()).then(|| host.to_string())
}

/// The tools, over the application's read side.
#[derive(Clone)]
pub(crate) struct PaperTools {
    state: AppState,
    tool_router: ToolRouter<PaperTools>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SearchArgs {
    /// What to look for: words, a phrase in double quotes, or a description
    /// of the idea. At most 250 characters.
    query: String,
    /// `hybrid` (default: meaning and words together), `semantic` (meaning
    /// only) or `keyword` (words only, BM25).
    #[serde(default)]
    mode: Option<String>,
    /// Only papers published on or after this day (YYYY-MM-DD).
    #[serde(default)]
    from: Option<String>,
    /// Only papers published on or before this day (YYYY-MM-DD).
    #[serde(default)]
    to: Option<String>,
    /// How many papers to return, 1 to 50 (default 10).
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct WindowArgs {
    /// One day of the feed (YYYY-MM-DD).
    #[serde(default)]
    date: Option<String>,
    /// One ISO week (YYYY-Www, e.g. 2024-W31).
    #[serde(default)]
    week: Option<String>,
    /// One month (YYYY-MM).
    #[serde(default)]
    month: Option<String>,
    /// How many papers to return, 1 to 50 (default 10).
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct PaperArgs {
    /// The arXiv id, e.g. `2407.21783` or `hep-th/9901001` (a version
    /// suffix, an `arXiv:` prefix or an arxiv.org URL are accepted too).
    id: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct SimilarArgs {
    /// The arXiv id of the paper to start from.
    id: String,
    /// How many papers to return, 1 to 50 (default 10).
    #[serde(default)]
    limit: Option<u32>,
}

/// One paper as a tool answers it: enough to decide whether to read it.
#[derive(Debug, Serialize)]
struct ToolPaper {
    id: String,
    title: String,
    authors: Vec<String>,
    published: Option<String>,
    /// The day it was on the daily feed, if it was.
    listed_on: Option<String>,
    upvotes: i64,
    comments: i64,
    url: String,
    pdf: String,
    github_repo: Option<String>,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
}

impl ToolPaper {
    fn new(p: &ListedPaper, base_url: &str, score: Option<f32>) -> Self {
        let id = p.paper.id.base().to_string();
        ToolPaper {
            title: p.paper.title.clone(),
            authors: p
                .paper
                .authors
                .iter()
                .filter(|a| !a.hidden)
                .map(|a| a.name.clone())
                .collect(),
            published: p.paper.published_at.map(|t| t.strftime("%F").to_string()),
            listed_on: p.listing.as_ref().map(|l| l.day.to_string()),
            upvotes: p.upvotes,
            comments: p.num_comments,
            url: format!("{}/papers/{id}", base_url.trim_end_matches('/')),
            pdf: format!("https://arxiv.org/pdf/{id}"),
            github_repo: p.paper.github_repo.clone(),
            summary: p
                .paper
                .ai_summary
                .clone()
                .unwrap_or_else(|| p.paper.abstract_text.clone()),
            score,
            id,
        }
    }
}

/// What the listing tools answer (structured content must be an object).
#[derive(Debug, Serialize)]
struct Papers {
    papers: Vec<ToolPaper>,
}

/// A tool error the model can read.
#[derive(Debug, Serialize)]
struct Refusal {
    error: String,
}

fn structured(value: &impl Serialize, error: bool) -> CallToolResult {
    match serde_json::to_value(value) {
        Ok(v) if error => CallToolResult::structured_error(v),
        Ok(v) => CallToolResult::structured(v),
        Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
    }
}

/// A mistake in the arguments: the model sees the message and can retry.
fn refuse(message: impl Into<String>) -> CallToolResult {
    structured(
        &Refusal {
            error: message.into(),
        },
        true,
    )
}

fn internal(e: impl std::fmt::Display) -> ErrorData {
    tracing::warn!(error = %e, "an MCP tool failed");
    ErrorData::internal_error("the server could not answer; try again later", None)
}

fn limit_of(limit: Option<u32>) -> Result<u64, CallToolResult> {
    match limit {
        None => Ok(10),
        Some(n @ 1..=MAX_LIMIT) => Ok(u64::from(n)),
        Some(n) => Err(refuse(format!(
            "`limit` must be from 1 to {MAX_LIMIT}, got {n}"
        ))),
    }
}

fn parse_id(id: &str) -> Result<ArxivId, CallToolResult> {
    ArxivId::parse(id).map_err(|e| refuse(format!("`id`: {e}")))
}

#[tool_router]
impl PaperTools {
    fn new(state: AppState) -> Self {
        PaperTools {
            state,
            tool_router: Self::tool_router(),
        }
    }

    fn answer(&self, papers: &[ListedPaper], scores: Option<&[f32]>) -> CallToolResult {
        let base = &self.state.config.base_url;
        let papers: Vec<ToolPaper> = papers
            .iter()
            .enumerate()
            .map(|(i, p)| ToolPaper::new(p, base, scores.and_then(|s| s.get(i).copied())))
            .collect();
        structured(&Papers { papers }, false)
    }

    #[tool(
        description = "Search every paper on this site by meaning and by words (hybrid search). \
        Use it to find papers about a topic, method or dataset. Returns papers best first, each \
        with id, title, authors, dates, upvotes, links and a short summary; call `paper` with an \
        id to read one in full."
    )]
    async fn search_papers(
        &self,
        Parameters(args): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let query = args.query.trim();
        if query.is_empty() || query.chars().count() > MAX_QUERY {
            return Ok(refuse("`query` must have 1 to 250 characters"));
        }
        let limit = match limit_of(args.limit) {
            Ok(n) => n,
            Err(r) => return Ok(r),
        };
        let mode = match args.mode.as_deref().unwrap_or("hybrid") {
            "hybrid" | "" => SearchMode::Hybrid,
            "semantic" => SearchMode::Semantic,
            "keyword" => SearchMode::Keyword,
            other => {
                return Ok(refuse(format!(
                    "`mode` must be hybrid, semantic or keyword, got {other:?}"
                )));
            }
        };
        let mut req = SearchRequest::new(query)
            .mode(mode)
            .limit(usize::try_from(limit).unwrap_or(10));
        for (field, value, slot) in [
            ("from", &args.from, &mut req.from),
            ("to", &args.to, &mut req.to),
        ] {
            if let Some(s) = value {
                match s.parse() {
                    Ok(d) => *slot = Some(d),
                    Err(_) => {
                        return Ok(refuse(format!("`{field}` must be YYYY-MM-DD, got {s:?}")));
                    }
                }
            }
        }
        let Some(finder) = self.state.finder() else {
            return Err(internal("search is not set up on this server"));
        };
        let found = finder.search(req).await.map_err(internal)?;
        let (papers, scores): (Vec<ListedPaper>, Vec<f32>) =
            found.items.into_iter().map(|(p, r)| (p, r.score)).unzip();
        Ok(self.answer(&papers, Some(&scores)))
    }

    #[tool(
        description = "The papers of the daily feed for one day, ISO week or month, most upvoted \
        first, as the community ranked them. Give at most one of `date`, `week` or `month`; with \
        none, the latest day that has papers."
    )]
    async fn daily_papers(
        &self,
        Parameters(args): Parameters<WindowArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let limit = match limit_of(args.limit) {
            Ok(n) => n,
            Err(r) => return Ok(r),
        };
        let window = match (&args.date, &args.week, &args.month) {
            (None, None, None) => Ok(DateWindow::Day(
                self.state.catalog.latest_day().await.map_err(internal)?,
            )),
            (Some(d), None, None) => DateWindow::parse_day(d),
            (None, Some(w), None) => DateWindow::parse_week(w),
            (None, None, Some(m)) => DateWindow::parse_month(m),
            _ => return Ok(refuse("give at most one of `date`, `week` or `month`")),
        }
        .map_err(|e| refuse(e.to_string()));
        let window = match window {
            Ok(w) => w,
            Err(r) => return Ok(r),
        };
        let page = self
            .state
            .catalog
            .feed(FeedRequest::window(window, 0, limit), FeedOrder::Upvotes)
            .await
            .map_err(internal)?;
        Ok(self.answer(&page.items, None))
    }

    #[tool(
        description = "Papers trending now: recent papers of the daily feed ranked by upvotes \
        with a time decay (the site's trending page). Use it for \"what is hot this week\"."
    )]
    async fn trending(
        &self,
        Parameters(args): Parameters<WindowArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let limit = match limit_of(args.limit) {
            Ok(n) => n,
            Err(r) => return Ok(r),
        };
        let (from, to) = self.state.catalog.trending_days().await.map_err(internal)?;
        let req = FeedRequest {
            from,
            to,
            submitter: None,
            offset: 0,
            limit,
        };
        let page = self.state.catalog.trending(req).await.map_err(internal)?;
        let papers: Vec<ListedPaper> = page.items.into_iter().map(|t| t.paper).collect();
        Ok(self.answer(&papers, None))
    }

    #[tool(
        description = "One paper in full, as Markdown: title, authors, dates, links (arXiv, PDF, \
        code, project page), the abstract and the discussion on this site."
    )]
    async fn paper(
        &self,
        Parameters(args): Parameters<PaperArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let id = match parse_id(&args.id) {
            Ok(id) => id,
            Err(r) => return Ok(r),
        };
        let Some(p) = self.state.catalog.paper(&id).await.map_err(internal)? else {
            return Ok(refuse(format!("no paper {} on this site", id.base())));
        };
        let comments = self
            .state
            .community
            .comment_thread(id.base())
            .await
            .map_err(internal)?;
        let md = paper_markdown(&p, &comments, &self.state.config.base_url);
        Ok(CallToolResult::success(vec![ContentBlock::text(md)]))
    }

    #[tool(
        description = "Papers nearest in meaning to a given paper (by their abstracts' \
        embeddings), most similar first, each with a `score` from -1 to 1."
    )]
    async fn similar_papers(
        &self,
        Parameters(args): Parameters<SimilarArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let id = match parse_id(&args.id) {
            Ok(id) => id,
            Err(r) => return Ok(r),
        };
        let limit = match limit_of(args.limit) {
            Ok(n) => usize::try_from(n).unwrap_or(10),
            Err(r) => return Ok(r),
        };
        if self
            .state
            .catalog
            .paper(&id)
            .await
            .map_err(internal)?
            .is_none()
        {
            return Ok(refuse(format!("no paper {} on this site", id.base())));
        }
        let Some(finder) = self.state.finder() else {
            return Err(internal("search is not set up on this server"));
        };
        let found = finder.similar(&id, limit).await.map_err(internal)?;
        let (papers, scores): (Vec<ListedPaper>, Vec<f32>) = found.into_iter().unzip();
        Ok(self.answer(&papers, Some(&scores)))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PaperTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "daily-papers",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "Daily Papers: research papers (mostly arXiv) ranked by a community's upvotes. \
                 Find papers with `search_papers`, browse a day, week or month with \
                 `daily_papers`, see what is hot with `trending`, read one with `paper`, and \
                 explore neighbours with `similar_papers`. Every tool is read-only.",
            )
    }
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn authority_is_the_host_and_port_of_the_base_url() {
        assert_eq!(
            authority("https://papers.example.org/"),
            Some("papers.example.org".into())
        );
        assert_eq!(
            authority("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(authority("nonsense"), None);
    }
}
