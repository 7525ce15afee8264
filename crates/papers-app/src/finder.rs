//! Search as the web layer asks for it: the engine's ranked ids turned into
//! the papers they name, in order, and papers near another by meaning. The
//! engine's work is CPU-bound and runs on the blocking pool.

use std::collections::HashMap;
use std::sync::Arc;

use papers_core::ArxivId;
use papers_search::{SearchRequest, SearchResult, Segment};
use papers_store::ListedPaper;

use crate::{AppError, AppResult, Catalog, SearchService};

/// What a search found: each paper with how it ranked.
#[derive(Debug)]
pub struct Found {
    pub items: Vec<(ListedPaper, SearchResult)>,
    /// Semantic search was asked for but only keywords answered.
    pub degraded: bool,
}

/// A found paper's title and abstract, cut where the query's words are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlights {
    pub title: Vec<Segment>,
    pub summary: Vec<Segment>,
}

/// The search engine joined to the catalogue. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Finder {
    service: Arc<SearchService>,
    catalog: Catalog,
}

impl Finder {
    pub fn new(service: Arc<SearchService>, catalog: Catalog) -> Self {
        Finder { service, catalog }
    }

    /// Why semantic search is off, when it is.
    pub fn semantic_off(&self) -> Option<String> {
        (!self.service.engine().semantic_available()).then(|| {
            self.service
                .semantic_off_reason
                .clone()
                .unwrap_or_else(|| "no model".into())
        })
    }

    /// Runs a search and loads the papers it found.
    pub async fn search(&self, request: SearchRequest) -> AppResult<Found> {
        let service = self.service.clone();
        let response = tokio::task::spawn_blocking(move || service.search(&request))
            .await
            .map_err(|e| AppError::caused("search: a blocking task failed", e))??;
        let ids: Vec<String> = response
            .results
            .iter()
            .map(|r| r.paper_id.clone())
            .collect();
        let mut papers = self
            .catalog
            .papers_by_ids(&ids)
            .await?
            .into_iter()
            .peekable();
        // The store answers in the order asked, leaving out what it no longer
        // shows (hidden since the index was built).
        let mut items = Vec::with_capacity(ids.len());
        for r in response.results {
            if papers
                .peek()
                .is_some_and(|p| p.paper.id.base() == r.paper_id)
                && let Some(p) = papers.next()
            {
                items.push((p, r));
            }
        }
        Ok(Found {
            items,
            degraded: response.degraded,
        })
    }

    /// Marks `query`'s words in each paper's title and abstract, in the
    /// order given (on the blocking pool).
    pub async fn highlight<'a>(
        &self,
        query: &str,
        papers: impl IntoIterator<Item = &'a ListedPaper>,
    ) -> AppResult<Vec<Highlights>> {
        let service = self.service.clone();
        let query = query.to_string();
        let texts: Vec<(String, String)> = papers
            .into_iter()
            .map(|p| (p.paper.title.clone(), p.paper.abstract_text.clone()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let marker = service.highlighter(&query)?;
            Ok(texts
                .iter()
                .map(|(title, summary)| Highlights {
                    title: marker.title(title),
                    summary: marker.summary(summary),
                })
                .collect())
        })
        .await
        .map_err(|e| AppError::caused("search: a blocking task failed", e))?
    }

    /// The `k` nearest neighbours of a paper by meaning, with their
    /// similarity (none without vectors).
    pub async fn similar(&self, id: &ArxivId, k: usize) -> AppResult<Vec<(ListedPaper, f32)>> {
        let service = self.service.clone();
        let pid = id.base().to_string();
        let found = tokio::task::spawn_blocking(move || service.similar(&pid, k))
            .await
            .map_err(|e| AppError::caused("search: a blocking task failed", e))??;
        let ids: Vec<String> = found.iter().map(|r| r.paper_id.clone()).collect();
        let scores: HashMap<&str, f32> = found
            .iter()
            .map(|r| (r.paper_id.as_str(), r.score))
            .collect();
        Ok(self
            .catalog
            .papers_by_ids(&ids)
            .await?
            .into_iter()
            .map(|p| {
                let score = scores.get(p.paper.id.base()).copied().unwrap_or(0.0);
                (p, score)
            })
            .collect())
    }

    /// Makes a just-submitted paper searchable now rather than at the next
    /// minute's upkeep: indexes it and embeds it, in the background.
    pub async fn index_changes(self) {
        if let Err(e) = self.service.refresh(self.catalog.store()).await {
            tracing::warn!(error = %e, "indexing a submitted paper failed; the next upkeep retries");
        }
    }
}
