//! Search as the product uses it: the engine from `papers-search` kept in
//! step with the store. The indexes are derived state: `reindex` rebuilds
//! them, `sync` repairs any difference with the store (run at start and
//! periodically by the server), ingest updates them incrementally, and
//! vectors are embedded by a resumable backfill and kept in the store per
//! model.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::civil::Date;
use papers_core::IngestRecord;
use papers_search::{
    Embedder, Int8ScanIndex, KeywordIndex, MiniLmEmbedder, SearchDoc, SearchEngine, SearchError,
    SearchRequest, SearchResponse, SearchResult, VectorIndex, VectorSet,
};
use papers_store::{ListedPaper, Store};

use crate::subscriptions::SavedSearch;
use crate::{AppError, AppResult};

const CHUNK: u64 = 2_000;

/// The search document of a stored paper.
pub fn search_doc(lp: &ListedPaper) -> SearchDoc {
    let p = &lp.paper;
    let mut d = SearchDoc::new(p.id.base(), p.title.clone(), p.abstract_text.clone());
    d.authors = p.authors.iter().map(|a| a.name.clone()).collect();
    d.categories = p.categories.clone();
    d.published = p
        .published_at
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
        .or_else(|| lp.listing.as_ref().map(|l| l.day));
    d
}

fn doc_of_record(r: &IngestRecord) -> SearchDoc {
    search_doc(&ListedPaper {
        paper: r.paper.clone(),
        listing: r.listing.clone(),
        upvotes: 0,
        num_comments: 0,
    })
}

fn err(e: SearchError) -> AppError {
    AppError::Internal(format!("search: {e}"))
}

/// How many vectors the store holds for `model_id`.
async fn stored_vectors(store: &Store, model_id: &str) -> AppResult<u64> {
    Ok(store
        .vector_models()
        .await?
        .into_iter()
        .find(|(m, _)| m == model_id)
        .map_or(0, |(_, n)| n))
}

/// Reads the store's vectors for `model_id` in chunks (never all at once).
async fn for_each_stored_vector(
    store: &Store,
    model_id: &str,
    mut f: impl FnMut(String, Vec<f32>) -> AppResult<()>,
) -> AppResult<()> {
    let mut after = String::new();
    loop {
        let chunk = store.vectors_after(model_id, &after, 5_000).await?;
        let Some((last, _)) = chunk.last() else {
            return Ok(());
        };
        after = last.clone();
        for (id, v) in chunk {
            f(id, v)?;
        }
    }
}

/// How the indexes compared with the store, and what was repaired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub store_papers: u64,
    pub index_docs: u64,
    pub added: u64,
    pub removed: u64,
    pub vectors: u64,
}

/// The search engine of one data directory.
pub struct SearchService {
    engine: SearchEngine,
    embedder: Option<Arc<dyn Embedder>>,
    /// Why semantic search is off, when it is.
    pub semantic_off_reason: Option<String>,
    /// Another process holds the keyword index's writer: search only (the
    /// keyword index is not written; vectors still go to the store).
    /// Rechecked before each write: a server started while a command held
    /// the writer takes it over once the command ends.
    read_only: std::sync::atomic::AtomicBool,
    /// The store's papers fingerprint at the last sync.
    synced: std::sync::Mutex<Option<(u64, i64)>>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService")
            .field("semantic", &self.engine.semantic_available())
            .field("semantic_off_reason", &self.semantic_off_reason)
            .finish_non_exhaustive()
    }
}

/// Where a data directory keeps its keyword index.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index").join("keyword")
}

/// Loads the embedding model from `model_dir` (hashes checked), or says why not.
pub fn load_embedder(model_dir: Option<&Path>) -> Result<Arc<dyn Embedder>, String> {
    let Some(dir) = model_dir else {
        return Err("no model directory (set --model-dir or PAPERS_MODEL_DIR, or run scripts/fetch-model.sh)".into());
    };
    MiniLmEmbedder::load(dir)
        .map(|m| Arc::new(m) as Arc<dyn Embedder>)
        .map_err(|e| format!("the model in {} could not be loaded: {e}", dir.display()))
}

impl SearchService {
    /// Opens the keyword index, brings it in step with the store, and adds
    /// semantic search when an embedder is given (with the vectors the store
    /// holds for its model).
    pub async fn open(
        store: &Store,
        index: &Path,
        embedder: Result<Arc<dyn Embedder>, String>,
    ) -> AppResult<(SearchService, SyncReport)> {
        std::fs::create_dir_all(index)
            .map_err(|e| AppError::Internal(format!("{}: {e}", index.display())))?;
        let keyword = KeywordIndex::open_or_create(index).map_err(err)?;
        let mut engine = SearchEngine::new(keyword).map_err(err)?;
        let (embedder, reason) = match embedder {
            Ok(e) => (Some(e), None),
            Err(why) => (None, Some(why)),
        };
        let mut vectors = 0;
        if let Some(e) = &embedder {
            // Read in chunks straight into the index, so the vectors are
            // never held twice while loading.
            let stored = stored_vectors(store, e.model_id()).await?;
            let mut index = Int8ScanIndex::new(e.dim());
            index.reserve(usize::try_from(stored).unwrap_or(0));
            for_each_stored_vector(store, e.model_id(), |id, v| {
                index.upsert(&id, &v).map_err(err)
            })
            .await?;
            vectors = index.len() as u64;
            engine = engine.with_vector_index(e.clone(), Box::new(index));
        }
        let read_only = engine.keyword().writer_held_elsewhere();
        let service = SearchService {
            engine,
            embedder,
            semantic_off_reason: reason,
            read_only: std::sync::atomic::AtomicBool::new(read_only),
            synced: std::sync::Mutex::new(None),
        };
        let mut report = if read_only {
            // A running server owns the index and repairs it every minute;
            // this process searches it as it stands.
            tracing::info!(
                "another process (a running server) holds the search index: searching it read-only"
            );
            SyncReport {
                store_papers: store.visible_paper_ids().await?.len() as u64,
                index_docs: service.engine.keyword().num_docs(),
                ..SyncReport::default()
            }
        } else {
            service.sync(store).await?
        };
        report.vectors = vectors;
        Ok((service, report))
    }

    pub fn engine(&self) -> &SearchEngine {
        &self.engine
    }

    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Like [`SearchService::sync`], skipped when the store's papers look
    /// unchanged since the last sync (the server's minute upkeep: a full
    /// comparison reads every id, which costs a loaded server seconds).
    pub async fn sync_if_changed(&self, store: &Store) -> AppResult<Option<SyncReport>> {
        let print = store.papers_fingerprint().await?;
        let same_papers = *self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            == Some(print)
            && self.engine.keyword().num_docs() == print.0;
        let same_vectors = match &self.embedder {
            Some(e) => {
                stored_vectors(store, e.model_id()).await? == self.engine.vector_count() as u64
            }
            None => true,
        };
        if same_papers && same_vectors {
            return Ok(None);
        }
        self.sync(store).await.map(Some)
    }

    /// Brings the indexes in step with the store, then embeds what lacks a
    /// vector (a few papers: after a submission).
    pub async fn refresh(&self, store: &Store) -> AppResult<()> {
        self.sync(store).await?;
        while self.embed_missing(store, 16).await? == 16 {}
        Ok(())
    }

    /// Whether another process (a running server) holds the keyword index,
    /// so this one only searches it.
    pub fn read_only(&self) -> bool {
        self.read_only.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Errs while another process holds the keyword index's writer; takes
    /// the writer once it is free.
    fn writable(&self) -> AppResult<()> {
        use std::sync::atomic::Ordering;
        if self.read_only.load(Ordering::Relaxed) {
            if self.engine.keyword().writer_held_elsewhere() {
                return Err(AppError::Internal(
                    "another process (a running server, or a command beside it) holds the search index; a server repairs the index itself every minute".into(),
                ));
            }
            self.read_only.store(false, Ordering::Relaxed);
            tracing::info!(
                "the search index's writer is free again: this process keeps the index now"
            );
        }
        Ok(())
    }

    /// Makes the keyword index hold exactly the store's visible papers, and
    /// the vector index every vector the store holds for the model (another
    /// process, `papers embed` or `papers ingest`, may have added some).
    pub async fn sync(&self, store: &Store) -> AppResult<SyncReport> {
        self.writable()?;
        let print = store.papers_fingerprint().await?;
        self.load_new_vectors(store).await?;
        let want: HashSet<String> = store.visible_paper_ids().await?.into_iter().collect();
        let have: HashSet<String> = self
            .engine
            .keyword()
            .doc_ids()
            .map_err(err)?
            .into_iter()
            .collect();
        let mut report = SyncReport {
            store_papers: want.len() as u64,
            ..SyncReport::default()
        };
        for gone in have.difference(&want) {
            self.engine.keyword().delete(gone).map_err(err)?;
            report.removed += 1;
        }
        let missing: HashSet<&String> = want.difference(&have).collect();
        if !missing.is_empty() {
            report.added = self
                .index_from_store(store, |id| missing.contains(&id.to_string()), |_| {})
                .await?;
        }
        report.index_docs = self.engine.keyword().num_docs();
        *self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(print);
        if report.added + report.removed > 0 {
            tracing::info!(
                added = report.added,
                removed = report.removed,
                "search index repaired to match the store"
            );
        }
        Ok(report)
    }

    /// Adds the store's vectors for the model that the vector index lacks.
    async fn load_new_vectors(&self, store: &Store) -> AppResult<u64> {
        let Some(e) = &self.embedder else {
            return Ok(0);
        };
        if stored_vectors(store, e.model_id()).await? == self.engine.vector_count() as u64 {
            return Ok(0);
        }
        let have: HashSet<String> = self.engine.vector_ids().into_iter().collect();
        let mut set = VectorSet::new(e.model_id(), e.dim());
        for_each_stored_vector(store, e.model_id(), |id, v| {
            if !have.contains(&id) {
                set.push(id, &v).map_err(err)?;
            }
            Ok(())
        })
        .await?;
        self.engine.upsert_vectors(&set).map_err(err)?;
        if !set.is_empty() {
            tracing::info!(
                added = set.len(),
                "vectors stored by another process loaded"
            );
        }
        Ok(set.len() as u64)
    }

    /// Rebuilds the keyword index from the store, in committed chunks (a
    /// crash leaves a partial index that the next `sync` completes).
    pub async fn reindex(
        &self,
        store: &Store,
        mut progress: impl FnMut(u64),
    ) -> AppResult<SyncReport> {
        self.writable()?;
        for id in self.engine.keyword().doc_ids().map_err(err)? {
            self.engine.keyword().delete(&id).map_err(err)?;
        }
        self.index_from_store(store, |_| true, &mut progress)
            .await?;
        let _ = self.engine.keyword().compact();
        self.sync(store).await
    }

    /// Indexes the store's visible papers whose id `keep` accepts, reading
    /// the store in chunks and committing each; `progress` gets the count of
    /// papers read. Answers how many were indexed.
    async fn index_from_store(
        &self,
        store: &Store,
        keep: impl Fn(&str) -> bool,
        mut progress: impl FnMut(u64),
    ) -> AppResult<u64> {
        let (mut after, mut read, mut indexed) = (String::new(), 0, 0);
        loop {
            let page = store.papers_after(&after, CHUNK).await?;
            let Some(last) = page.last() else { break };
            after = last.0.paper.id.base().to_string();
            let docs: Vec<SearchDoc> = page
                .iter()
                .filter(|(p, hidden)| !hidden && keep(p.paper.id.base()))
                .map(|(p, _)| search_doc(p))
                .collect();
            if !docs.is_empty() {
                self.engine.keyword().upsert(&docs).map_err(err)?;
            }
            indexed += docs.len() as u64;
            read += page.len() as u64;
            progress(read);
        }
        Ok(indexed)
    }

    /// Indexes freshly ingested records (keyword side; vectors come from the
    /// embedding backfill).
    pub fn index_records(&self, records: &[IngestRecord]) -> AppResult<()> {
        self.writable()?;
        let docs: Vec<SearchDoc> = records.iter().map(doc_of_record).collect();
        self.engine.keyword().upsert(&docs).map_err(err)
    }

    /// Embeds up to `limit` papers that lack vectors for the model, stores
    /// the vectors, and adds them to the live index. Answers how many.
    pub async fn embed_missing(&self, store: &Store, limit: u64) -> AppResult<u64> {
        let Some(embedder) = &self.embedder else {
            return Ok(0);
        };
        let todo = store
            .papers_without_vectors(embedder.model_id(), limit)
            .await?;
        if todo.is_empty() {
            return Ok(0);
        }
        let docs: Vec<SearchDoc> = todo.iter().map(search_doc).collect();
        let e = embedder.clone();
        let vectors = tokio::task::spawn_blocking(move || {
            let texts: Vec<String> = docs.iter().map(SearchDoc::embedding_text).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            e.embed(&refs).map(|v| (docs, v))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(err)?;
        let (docs, vecs) = vectors;
        let pairs: Vec<(String, Vec<f32>)> = docs.iter().map(|d| d.id.clone()).zip(vecs).collect();
        store.put_vectors(embedder.model_id(), &pairs).await?;
        let mut set = VectorSet::new(embedder.model_id(), embedder.dim());
        for (id, v) in &pairs {
            set.push(id.clone(), v).map_err(err)?;
        }
        self.engine.upsert_vectors(&set).map_err(err)?;
        Ok(pairs.len() as u64)
    }

    pub fn search(&self, request: &SearchRequest) -> AppResult<SearchResponse> {
        self.engine.search(request).map_err(err)
    }

    pub fn similar(&self, paper_id: &str, k: usize) -> AppResult<Vec<SearchResult>> {
        self.engine.similar(paper_id, k).map_err(err)
    }
}

impl SavedSearch for SearchService {
    fn find(&self, query: &str, from: Date, to: Date, limit: usize) -> Vec<String> {
        let mut req = SearchRequest::new(query).limit(limit);
        req.from = Some(from);
        req.to = Some(to);
        match self.engine.search(&req) {
            Ok(r) => r.results.into_iter().map(|r| r.paper_id).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "saved search failed");
                Vec::new()
            }
        }
    }
}
