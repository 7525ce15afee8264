//! [`SearchEngine`]: the keyword index, the vector index and the query
//! embedder together, answering keyword, semantic and hybrid searches and
//! "similar papers".
//!
//! Without an embedder (the model could not be obtained) the engine still
//! answers: semantic and hybrid requests fall back to keyword search and say
//! so in [`SearchResponse::degraded`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::SearchDoc;
use crate::embed::{Embedder, QueryEmbedder};
use crate::error::SearchError;
use crate::fusion::{Explain, Fusion, fuse};
use crate::keyword::{DocMeta, KeywordIndex, MAX_LIMIT, ParsedQuery};
use crate::vector::{Int8ScanIndex, VectorIndex, VectorSet};

/// Which rankings a search uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    Keyword,
    Semantic,
    #[default]
    Hybrid,
}

/// One search, as the web layer or the CLI asks it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    /// The user's query, with the syntax of [`ParsedQuery`].
    pub q: String,
    pub mode: SearchMode,
    pub limit: usize,
    pub offset: usize,
    /// Published on or after.
    pub from: Option<Date>,
    /// Published on or before.
    pub to: Option<Date>,
    pub fusion: Fusion,
    /// Candidates taken from each side before hybrid fusion (at least
    /// `offset + limit`).
    pub candidates: usize,
}

impl SearchRequest {
    pub const DEFAULT_CANDIDATES: usize = 100;

    /// A hybrid search for `q`, first 10 results, default fusion (RRF, k = 60).
    pub fn new(q: impl Into<String>) -> Self {
        SearchRequest {
            q: q.into(),
            mode: SearchMode::Hybrid,
            limit: 10,
            offset: 0,
            from: None,
            to: None,
            fusion: Fusion::default(),
            candidates: Self::DEFAULT_CANDIDATES,
        }
    }

    pub fn mode(mut self, mode: SearchMode) -> Self {
        self.mode = mode;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

/// One ranked paper.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchResult {
    pub paper_id: String,
    pub score: f32,
    pub explain: Explain,
}

/// The answer to a [`SearchRequest`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchResponse {
    pub results: Vec<SearchResult>,
    /// The mode actually used.
    pub mode: SearchMode,
    /// True when semantic or hybrid search was asked for but no embedder or
    /// vectors are available, so keyword search answered instead.
    pub degraded: bool,
}

struct Semantic {
    queries: QueryEmbedder,
    vectors: RwLock<Box<dyn VectorIndex>>,
}

/// Keyword + semantic + hybrid search over one corpus.
pub struct SearchEngine {
    keyword: KeywordIndex,
    semantic: Option<Semantic>,
    /// Categories, authors and dates by id, to filter semantic candidates
    /// as the keyword side filters its own.
    meta: RwLock<HashMap<String, DocMeta>>,
}

fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SearchEngine {
    /// A keyword-only engine over an index (its filter metadata is read back
    /// from the index).
    pub fn new(keyword: KeywordIndex) -> Result<Self, SearchError> {
        let meta = keyword.doc_meta()?;
        Ok(SearchEngine {
            keyword,
            semantic: None,
            meta: RwLock::new(meta),
        })
    }

    /// Adds semantic search with stored vectors. Errs with
    /// [`SearchError::ModelMismatch`] when the vectors were made by another
    /// model than `embedder` (offer a re-embed), and with
    /// [`SearchError::Dimension`] when the sizes differ.
    pub fn with_semantic(
        self,
        embedder: Arc<dyn Embedder>,
        vectors: &VectorSet,
    ) -> Result<Self, SearchError> {
        vectors.check_model(embedder.model_id())?;
        if vectors.dim != embedder.dim() {
            return Err(SearchError::Dimension {
                expected: embedder.dim(),
                actual: vectors.dim,
            });
        }
        let index = Int8ScanIndex::from_set(vectors)?;
        Ok(self.with_vector_index(embedder, Box::new(index)))
    }

    /// Adds semantic search with any vector index (its vectors must be
    /// `embedder`'s).
    pub fn with_vector_index(
        mut self,
        embedder: Arc<dyn Embedder>,
        index: Box<dyn VectorIndex>,
    ) -> Self {
        self.semantic = Some(Semantic {
            queries: QueryEmbedder::new(embedder),
            vectors: RwLock::new(index),
        });
        self
    }

    pub fn keyword(&self) -> &KeywordIndex {
        &self.keyword
    }

    /// Whether semantic and hybrid searches can be answered as asked.
    pub fn semantic_available(&self) -> bool {
        self.semantic.is_some()
    }

    /// The model id of the embedder, if any.
    pub fn model_id(&self) -> Option<&str> {
        self.semantic.as_ref().map(|s| s.queries.model_id())
    }

    /// How many papers have a vector.
    pub fn vector_count(&self) -> usize {
        self.semantic.as_ref().map_or(0, |s| read(&s.vectors).len())
    }

    /// The ids that have a vector (none without semantic search).
    pub fn vector_ids(&self) -> Vec<String> {
        self.semantic
            .as_ref()
            .map(|s| read(&s.vectors).ids())
            .unwrap_or_default()
    }

    /// The stored vectors of `ids`, in their order (`None` where a paper
    /// has none, and for all without semantic search), under one lock.
    pub fn vectors_of(&self, ids: &[String]) -> Vec<Option<Vec<f32>>> {
        match &self.semantic {
            Some(s) => {
                let vectors = read(&s.vectors);
                ids.iter().map(|id| vectors.get(id)).collect()
            }
            None => vec![None; ids.len()],
        }
    }

    /// The `k` papers whose vectors have the largest inner product with
    /// `query` (a unit vector, e.g. a reader model's direction), best first,
    /// among those `keep` accepts; none without semantic search.
    pub fn nearest(
        &self,
        query: &[f32],
        k: usize,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Vec<(String, f32)> {
        match &self.semantic {
            Some(s) => read(&s.vectors).search_filtered(query, k, keep),
            None => Vec::new(),
        }
    }

    /// The stored vectors, for persisting (None without semantic search).
    pub fn vector_set(&self) -> Option<VectorSet> {
        let semantic = self.semantic.as_ref()?;
        let vectors = read(&semantic.vectors);
        let mut set = VectorSet::new(semantic.queries.model_id(), vectors.dim());
        for id in vectors.ids() {
            if let Some(v) = vectors.get(&id) {
                // The dimension is the index's own, so this cannot fail.
                let _ = set.push(id, &v);
            }
        }
        Some(set)
    }

    /// Indexes documents: the keyword index always, and their vectors when
    /// an embedder is attached (that embeds them: seconds per hundred
    /// papers on a CPU).
    pub fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.keyword.upsert(docs)?;
        {
            let mut meta = write(&self.meta);
            for doc in docs {
                meta.insert(doc.id.clone(), DocMeta::of(doc));
            }
        }
        if let Some(semantic) = &self.semantic {
            let texts: Vec<String> = docs.iter().map(SearchDoc::embedding_text).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let vectors = semantic.queries.embedder().embed(&refs)?;
            let mut index = write(&semantic.vectors);
            for (doc, v) in docs.iter().zip(vectors) {
                index.upsert(&doc.id, &v)?;
            }
        }
        Ok(())
    }

    /// Queues documents for the keyword index (added or replaced by id)
    /// without embedding them; they become searchable at the next
    /// [`SearchEngine::commit`]. Bulk indexing stages many batches and
    /// commits once.
    pub fn stage_docs(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.keyword.stage_upsert(docs)?;
        let mut meta = write(&self.meta);
        for doc in docs {
            meta.insert(doc.id.clone(), DocMeta::of(doc));
        }
        Ok(())
    }

    /// Queues the removal of papers from the keyword index (their vectors
    /// stay: the store keeps them) until the next [`SearchEngine::commit`].
    pub fn stage_removals<S: AsRef<str>>(&self, ids: &[S]) -> Result<(), SearchError> {
        self.keyword.stage_delete(ids)?;
        let mut meta = write(&self.meta);
        for id in ids {
            meta.remove(id.as_ref());
        }
        Ok(())
    }

    /// Queues the removal of every document indexed so far (a rebuild
    /// stages this, then every paper, then commits once).
    pub fn stage_clear(&self) -> Result<(), SearchError> {
        self.keyword.stage_clear()?;
        write(&self.meta).clear();
        Ok(())
    }

    /// Commits the staged keyword changes: searches see them from now on.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.keyword.commit()
    }

    /// Adds vectors computed elsewhere (e.g. by a background job).
    pub fn upsert_vectors(&self, vectors: &VectorSet) -> Result<(), SearchError> {
        let Some(semantic) = &self.semantic else {
            return Ok(());
        };
        vectors.check_model(semantic.queries.model_id())?;
        let mut index = write(&semantic.vectors);
        for (i, id) in vectors.ids.iter().enumerate() {
            index.upsert(id, vectors.vector(i))?;
        }
        Ok(())
    }

    /// Removes a paper from every index.
    pub fn remove(&self, id: &str) -> Result<(), SearchError> {
        self.keyword.delete(id)?;
        write(&self.meta).remove(id);
        if let Some(semantic) = &self.semantic {
            write(&semantic.vectors).remove(id);
        }
        Ok(())
    }

    /// Answers a search. Never fails on the query text itself.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let parsed = ParsedQuery::parse(&request.q);
        let want = request.offset.saturating_add(request.limit).min(MAX_LIMIT);
        let free_text = parsed.free_text();
        let degraded = request.mode != SearchMode::Keyword && self.semantic.is_none();
        let mode = match (&self.semantic, request.mode) {
            (None, _) => SearchMode::Keyword,
            // Only filters: nothing to embed, the keyword side lists matches.
            (Some(_), _) if free_text.trim().is_empty() => SearchMode::Keyword,
            (Some(_), mode) => mode,
        };
        let keyword = |n: usize| -> Result<Vec<(String, f32)>, SearchError> {
            Ok(self
                .keyword
                .search_parsed(&parsed, request.from, request.to, n)?
                .into_iter()
                .map(|h| (h.paper_id, h.score))
                .collect())
        };
        let semantic = |n: usize| -> Result<Vec<(String, f32)>, SearchError> {
            match &self.semantic {
                Some(s) => self.semantic_candidates(s, &parsed, &free_text, request, n),
                None => Ok(Vec::new()),
            }
        };
        let ranked: Vec<(String, Explain)> = match mode {
            SearchMode::Keyword => keyword(want)?
                .into_iter()
                .enumerate()
                .map(|(i, (id, score))| {
                    let e = Explain {
                        keyword_rank: Some(i + 1),
                        keyword_score: Some(score),
                        fused_score: score,
                        ..Explain::default()
                    };
                    (id, e)
                })
                .collect(),
            SearchMode::Semantic => semantic(want)?
                .into_iter()
                .enumerate()
                .map(|(i, (id, score))| {
                    let e = Explain {
                        semantic_rank: Some(i + 1),
                        semantic_score: Some(score),
                        fused_score: score,
                        ..Explain::default()
                    };
                    (id, e)
                })
                .collect(),
            SearchMode::Hybrid => {
                let n = request.candidates.max(want);
                fuse(&keyword(n)?, &semantic(n)?, request.fusion)
            }
        };
        let results = ranked
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .map(|(paper_id, explain)| SearchResult {
                paper_id,
                score: explain.fused_score,
                explain,
            })
            .collect();
        Ok(SearchResponse {
            results,
            mode,
            degraded,
        })
    }

    fn semantic_candidates(
        &self,
        semantic: &Semantic,
        parsed: &ParsedQuery,
        free_text: &str,
        request: &SearchRequest,
        n: usize,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let query = semantic.queries.embed_query(free_text)?;
        let vectors = read(&semantic.vectors);
        if parsed.has_filters() || request.from.is_some() || request.to.is_some() {
            let meta = read(&self.meta);
            let keep = |id: &str| {
                meta.get(id)
                    .is_some_and(|m| m.matches(parsed, request.from, request.to))
            };
            Ok(vectors.search_filtered(&query, n, &keep))
        } else {
            Ok(vectors.search(&query, n))
        }
    }

    /// The `k` papers nearest to `paper_id`'s vector, itself excluded.
    pub fn similar(&self, paper_id: &str, k: usize) -> Result<Vec<SearchResult>, SearchError> {
        let Some(semantic) = &self.semantic else {
            return Err(SearchError::SemanticUnavailable);
        };
        let vectors = read(&semantic.vectors);
        let query = vectors
            .get(paper_id)
            .ok_or_else(|| SearchError::UnknownPaper(paper_id.to_string()))?;
        Ok(vectors
            .search_filtered(&query, k, &|id| id != paper_id)
            .into_iter()
            .enumerate()
            .map(|(i, (id, score))| SearchResult {
                paper_id: id,
                score,
                explain: Explain {
                    semantic_rank: Some(i + 1),
                    semantic_score: Some(score),
                    fused_score: score,
                    ..Explain::default()
                },
            })
            .collect())
    }
}
