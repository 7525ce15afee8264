//! Search as the product uses it: the engine from `papers-search` kept in
//! step with the store. The indexes are derived state, one set per node:
//! `reindex` rebuilds them, `sync` repairs any difference with the store (at
//! start, and every ten minutes in the server), and in between
//! [`SearchService::catch_up`] applies the store's change feed — every
//! paper, hide and vector written by any node or command since the last
//! change applied — within seconds (the server polls it every two seconds,
//! and on PostgreSQL a notification wakes it at once). Vectors are embedded
//! by a backfill that every node shares through claimed batches, and kept in
//! the store per model.
//!
//! Every touch of the tantivy index (reads of all ids, adds, deletes,
//! commits, reloads) runs on Tokio's blocking pool, never on a worker, and
//! bulk changes are staged and committed in batches: a commit costs a
//! segment flush, an fsync and new indexing threads.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::civil::Date;
use papers_core::IngestRecord;
use papers_search::{
    Embedder, Highlighter, Int8ScanIndex, KeywordIndex, MiniLmEmbedder, SearchDoc, SearchEngine,
    SearchError, SearchRequest, SearchResponse, SearchResult, VectorIndex, VectorSet,
};
use papers_store::{ListedPaper, Store};
use tokio_util::sync::CancellationToken;

use crate::subscriptions::SavedSearch;
use crate::{AppError, AppResult};

/// Papers read from the store at a time.
const CHUNK: u64 = 2_000;
/// Papers staged between two commits when `sync` indexes many (a first
/// start): searches see the index fill up, and a crash keeps what was
/// committed for the next `sync` to complete.
const COMMIT_EVERY: u64 = 25_000;
/// Papers embedded per batch of the upkeep's backfill; cancellation is
/// checked between batches (one takes a second or two on a CPU).
const BACKFILL_BATCH: u64 = 32;
/// How often the upkeep looks at the change feed when nothing wakes it.
const POLL_PERIOD: Duration = Duration::from_secs(2);
/// How often the upkeep compares the indexes with the store in full (a
/// repair: the change feed keeps them in step).
const FULL_SYNC_PERIOD: Duration = Duration::from_secs(600);
/// Changes read from the feed at a time.
const CHANGES_PAGE: u64 = 2_000;
/// How long a node's claim on a batch of papers to embed lasts: a node that
/// dies leaves its batch to the others after this.
const EMBED_CLAIM: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

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
    AppError::caused("search", e)
}

fn join_err(e: tokio::task::JoinError) -> AppError {
    AppError::caused("search: a blocking task failed", e)
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
    /// Shared with the blocking tasks that write the keyword index.
    engine: Arc<SearchEngine>,
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
    /// Wakes [`SearchService::run_upkeep`] before its next period.
    wake: tokio::sync::Notify,
    /// The number of the last change of the store's change feed applied to
    /// the indexes (`-1` before the first sync).
    applied: std::sync::atomic::AtomicI64,
    /// This node's name in the store (embedding claims).
    node: String,
    clock: Arc<dyn papers_core::Clock>,
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
        let dir = index.to_path_buf();
        let (mut engine, read_only) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)
                .map_err(|e| AppError::caused(dir.display().to_string(), e))?;
            let keyword = KeywordIndex::open_or_create(&dir).map_err(err)?;
            let read_only = keyword.writer_held_elsewhere();
            let engine = SearchEngine::new(keyword).map_err(err)?;
            Ok::<_, AppError>((engine, read_only))
        })
        .await
        .map_err(join_err)??;
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
        let service = SearchService {
            engine: Arc::new(engine),
            embedder,
            semantic_off_reason: reason,
            read_only: std::sync::atomic::AtomicBool::new(read_only),
            synced: std::sync::Mutex::new(None),
            wake: tokio::sync::Notify::new(),
            applied: std::sync::atomic::AtomicI64::new(-1),
            node: "local".into(),
            clock: Arc::new(papers_core::SystemClock),
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

    /// Names this node (its embedding claims in a store shared by several)
    /// and gives it the clock claims are dated by.
    pub fn with_node(
        mut self,
        node: impl Into<String>,
        clock: Arc<dyn papers_core::Clock>,
    ) -> Self {
        self.node = node.into();
        self.clock = clock;
        self
    }

    pub fn engine(&self) -> &SearchEngine {
        &self.engine
    }

    /// The number of the last change applied, and the store's newest: equal
    /// when the indexes are caught up (`/readyz`).
    pub async fn lag(&self, store: &Store) -> AppResult<(i64, i64)> {
        let (_, newest) = store.change_horizon().await?;
        Ok((
            self.applied.load(std::sync::atomic::Ordering::Acquire),
            newest,
        ))
    }

    /// Applies the store's change feed since the last change applied: new
    /// and changed papers are indexed, hidden ones removed, and vectors
    /// stored by any node loaded. When the feed no longer reaches back that
    /// far (pruned), the indexes are compared with the store in full.
    /// Answers how many changes were applied.
    pub async fn catch_up(&self, store: &Store) -> AppResult<u64> {
        use std::sync::atomic::Ordering;
        if self.read_only() {
            return Ok(0);
        }
        let (oldest, newest) = store.change_horizon().await?;
        let mut cursor = self.applied.load(Ordering::Acquire);
        if newest <= cursor {
            return Ok(0);
        }
        if cursor < 0 || cursor < oldest - 1 {
            self.sync(store).await?;
            return Ok(0);
        }
        let mut applied = 0;
        loop {
            let changes = store.changes_after(cursor, CHANGES_PAGE).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                break;
            };
            let mut papers = std::collections::BTreeSet::new();
            let mut vectors = std::collections::BTreeSet::new();
            let model = self.embedder.as_ref().map(|e| e.model_id().to_string());
            for c in &changes {
                match c.kind {
                    papers_store::ChangeKind::Paper => {
                        papers.insert(c.paper_id.clone());
                    }
                    papers_store::ChangeKind::Vector => {
                        if c.model_id.is_some() && c.model_id == model {
                            vectors.insert(c.paper_id.clone());
                        }
                    }
                }
            }
            let ids: Vec<String> = papers.into_iter().collect();
            let found = store.papers_for_index(&ids).await?;
            let mut docs = Vec::new();
            let mut gone: HashSet<String> = ids.iter().cloned().collect();
            for (p, hidden) in &found {
                if !hidden {
                    gone.remove(p.paper.id.base());
                    docs.push(search_doc(p));
                    // Shown again after a hide: its vector comes back too.
                    vectors.insert(p.paper.id.base().to_string());
                }
            }
            let gone: Vec<String> = gone.into_iter().collect();
            self.blocking(move |e| {
                if !gone.is_empty() {
                    e.stage_removals(&gone)?;
                }
                e.stage_docs(&docs)?;
                e.commit()
            })
            .await?;
            if let Some(e) = &self.embedder {
                let ids: Vec<String> = vectors.into_iter().collect();
                let mut set = VectorSet::new(e.model_id(), e.dim());
                for (id, v) in store.vectors_of(e.model_id(), &ids).await? {
                    set.push(id, &v).map_err(err)?;
                }
                if !set.is_empty() {
                    self.blocking(move |engine| engine.upsert_vectors(&set))
                        .await?;
                }
            }
            applied += changes.len() as u64;
            cursor = last;
            self.applied.store(cursor, Ordering::Release);
        }
        Ok(applied)
    }

    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Runs `f` with the engine on the blocking pool (tantivy's reads of
    /// whole segments, and every write, commit and reload).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SearchEngine) -> Result<T, SearchError> + Send + 'static,
    ) -> AppResult<T> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || f(&engine))
            .await
            .map_err(join_err)?
            .map_err(err)
    }

    /// The server's search upkeep, as one task that stops when `cancel` is
    /// cancelled (between two batches of work: at most a batch of
    /// embeddings or a chunk of indexing runs on after it).
    ///
    /// Every two seconds, or at once when [`SearchService::refresh_soon`]
    /// asks (a submission here, a notification from another node), it
    /// applies the store's change feed ([`SearchService::catch_up`]); every
    /// ten minutes it compares the indexes with the store in full; and in
    /// between it embeds the papers that lack vectors, in batches claimed in
    /// the store, so that every node shares the backfill (a fresh corpus
    /// takes hours on one CPU).
    pub async fn run_upkeep(self: Arc<Self>, store: Store, cancel: CancellationToken) {
        let mut next_full = Instant::now() + FULL_SYNC_PERIOD;
        let mut backlog = self.embedder.is_some();
        let (mut embedded, mut started) = (0u64, Instant::now());
        loop {
            if cancel.is_cancelled() {
                break;
            }
            if let Err(e) = self.catch_up(&store).await {
                tracing::error!(error = %e, "applying the store's changes to the search index failed");
            }
            if Instant::now() >= next_full {
                next_full = Instant::now() + FULL_SYNC_PERIOD;
                if let Err(e) = self.sync_until(&store, &cancel).await {
                    tracing::error!(error = %e, "search index sync failed");
                }
            }
            if backlog {
                match self.embed_missing(&store, BACKFILL_BATCH).await {
                    Ok(0) => backlog = false,
                    Ok(n) => embedded += n,
                    Err(e) => {
                        tracing::error!(error = %e, "embedding backfill failed");
                        backlog = false;
                    }
                }
                if !backlog && embedded > 0 {
                    let secs = started.elapsed().as_secs_f64();
                    tracing::info!(
                        embedded,
                        rate = embedded as f64 / secs.max(1e-9),
                        "vectors backfilled"
                    );
                    embedded = 0;
                }
                if backlog {
                    continue;
                }
            }
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(POLL_PERIOD) => {}
                () = self.wake.notified() => {}
            }
            // New papers may lack vectors (none: one cheap query).
            started = Instant::now();
            backlog = self.embedder.is_some();
        }
        tracing::debug!("search upkeep stopped");
    }

    /// Asks [`SearchService::run_upkeep`] to bring the indexes in step with
    /// the store and embed what is new now rather than at its next period
    /// (after a submission). Without a running upkeep it does nothing.
    pub fn refresh_soon(&self) {
        self.wake.notify_one();
    }

    /// Like [`SearchService::sync`], skipped when the store's papers look
    /// unchanged since the last sync (the server's minute upkeep: a full
    /// comparison reads every id, which costs a loaded server seconds).
    pub async fn sync_if_changed(&self, store: &Store) -> AppResult<Option<SyncReport>> {
        self.sync_if_changed_until(store, &CancellationToken::new())
            .await
    }

    async fn sync_if_changed_until(
        &self,
        store: &Store,
        cancel: &CancellationToken,
    ) -> AppResult<Option<SyncReport>> {
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
        self.sync_until(store, cancel).await.map(Some)
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
    async fn writable(&self) -> AppResult<()> {
        use std::sync::atomic::Ordering;
        if self.read_only.load(Ordering::Relaxed) {
            if self
                .blocking(|e| Ok(e.keyword().writer_held_elsewhere()))
                .await?
            {
                return Err(AppError::internal(
                    "another process (a running server, or a command beside it) holds the search index; a server repairs the index itself every minute",
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
    /// Removals and additions are staged and committed in batches.
    pub async fn sync(&self, store: &Store) -> AppResult<SyncReport> {
        self.sync_until(store, &CancellationToken::new()).await
    }

    /// [`SearchService::sync`], stopping between chunks when `cancel` is
    /// cancelled (what was indexed is committed; the next sync completes it).
    async fn sync_until(&self, store: &Store, cancel: &CancellationToken) -> AppResult<SyncReport> {
        self.writable().await?;
        // Changes made while this compares are applied after it (again, at
        // worst: applying one twice changes nothing).
        let (_, newest) = store.change_horizon().await?;
        let print = store.papers_fingerprint().await?;
        self.load_new_vectors(store).await?;
        let want: HashSet<String> = store.visible_paper_ids().await?.into_iter().collect();
        let have: HashSet<String> = self
            .blocking(|e| e.keyword().doc_ids())
            .await?
            .into_iter()
            .collect();
        let mut report = SyncReport {
            store_papers: want.len() as u64,
            ..SyncReport::default()
        };
        let gone: Vec<String> = have.difference(&want).cloned().collect();
        report.removed = gone.len() as u64;
        if !gone.is_empty() {
            self.blocking(move |e| e.stage_removals(&gone)).await?;
        }
        let missing: HashSet<String> = want.difference(&have).cloned().collect();
        drop((want, have));
        if !missing.is_empty() {
            report.added = self
                .index_from_store(
                    store,
                    |id| missing.contains(id),
                    |_| {},
                    COMMIT_EVERY,
                    cancel,
                )
                .await?;
        }
        if report.added + report.removed > 0 {
            self.blocking(SearchEngine::commit).await?;
        }
        report.index_docs = self.engine.keyword().num_docs();
        if !cancel.is_cancelled() {
            self.applied
                .fetch_max(newest, std::sync::atomic::Ordering::AcqRel);
        }
        // Cut short: not in step yet, so the next look compares again.
        *self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            (!cancel.is_cancelled()).then_some(print);
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
        drop(have);
        let added = set.len() as u64;
        if added > 0 {
            self.blocking(move |engine| engine.upsert_vectors(&set))
                .await?;
            tracing::info!(added, "vectors stored by another process loaded");
        }
        Ok(added)
    }

    /// Rebuilds the keyword index from the store: every document is
    /// removed and every visible paper added in one staged batch with a
    /// single commit, so searches see the old index until the new one is
    /// whole, and a crash leaves the old one as it was. `progress` gets the
    /// count of papers read.
    pub async fn reindex(
        &self,
        store: &Store,
        mut progress: impl FnMut(u64),
    ) -> AppResult<SyncReport> {
        self.writable().await?;
        self.blocking(SearchEngine::stage_clear).await?;
        let never = CancellationToken::new();
        self.index_from_store(store, |_| true, &mut progress, u64::MAX, &never)
            .await?;
        self.blocking(|e| {
            e.commit()?;
            e.keyword().compact()
        })
        .await?;
        self.sync(store).await
    }

    /// Stages the store's visible papers whose id `keep` accepts, reading
    /// the store in chunks and committing every `commit_every` papers (the
    /// caller commits the rest); `progress` gets the count of papers read.
    /// Stops between chunks when `cancel` is cancelled. Answers how many
    /// were staged.
    async fn index_from_store(
        &self,
        store: &Store,
        keep: impl Fn(&str) -> bool,
        mut progress: impl FnMut(u64),
        commit_every: u64,
        cancel: &CancellationToken,
    ) -> AppResult<u64> {
        let (mut after, mut read, mut indexed, mut staged) = (String::new(), 0, 0, 0);
        while !cancel.is_cancelled() {
            let page = store.papers_after(&after, CHUNK).await?;
            let Some(last) = page.last() else { break };
            after = last.0.paper.id.base().to_string();
            let docs: Vec<SearchDoc> = page
                .iter()
                .filter(|(p, hidden)| !hidden && keep(p.paper.id.base()))
                .map(|(p, _)| search_doc(p))
                .collect();
            if !docs.is_empty() {
                let n = docs.len() as u64;
                staged += n;
                let commit = staged >= commit_every;
                if commit {
                    staged = 0;
                }
                // Adding hands the documents to tantivy's indexing threads,
                // so the next chunk is read from the store while they work.
                self.blocking(move |e| {
                    e.stage_docs(&docs)?;
                    if commit { e.commit() } else { Ok(()) }
                })
                .await?;
                indexed += n;
            }
            read += page.len() as u64;
            progress(read);
        }
        Ok(indexed)
    }

    /// Indexes freshly ingested records (keyword side; vectors come from the
    /// embedding backfill).
    pub async fn index_records(&self, records: &[IngestRecord]) -> AppResult<()> {
        self.writable().await?;
        let docs: Vec<SearchDoc> = records.iter().map(doc_of_record).collect();
        self.blocking(move |e| {
            e.stage_docs(&docs)?;
            e.commit()
        })
        .await
    }

    /// Embeds up to `limit` papers that lack vectors for the model and that
    /// no other node has claimed, stores the vectors, and adds them to the
    /// live index. Answers how many.
    pub async fn embed_missing(&self, store: &Store, limit: u64) -> AppResult<u64> {
        let Some(embedder) = &self.embedder else {
            return Ok(0);
        };
        let now = self.clock.now();
        let todo = store
            .claim_papers_to_embed(
                embedder.model_id(),
                &self.node,
                now,
                now + EMBED_CLAIM,
                limit,
            )
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
        .map_err(join_err)?
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

    /// Marks `query`'s words in titles and abstracts (CPU-bound: call it
    /// on the blocking pool).
    pub fn highlighter(&self, query: &str) -> AppResult<Highlighter> {
        self.engine.keyword().highlighter(query).map_err(err)
    }
}

impl SavedSearch for SearchService {
    fn service(&self) -> Option<&SearchService> {
        Some(self)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use papers_core::{ArxivId, Paper};
    use papers_search::{HashEmbedder, SearchMode};

    fn record(n: u32, title: &str) -> IngestRecord {
        let id = ArxivId::parse(&format!("2401.{n:05}")).expect("an id");
        IngestRecord {
            paper: Paper::new(id, title, format!("The abstract of paper {n}.")),
            listing: None,
        }
    }

    async fn store_with(dir: &Path, n: u32) -> Store {
        // SQLite, or PostgreSQL with PAPERS_TEST_BACKEND=postgres.
        let url = papers_testkit::store_url(&dir.join("p.db"));
        let store = Store::open(&url).await.expect("store");
        let records: Vec<IngestRecord> = (1..=n)
            .map(|i| record(i, &format!("Graph networks, part {i}")))
            .collect();
        store
            .upsert_batch(&records, jiff::Timestamp::UNIX_EPOCH)
            .await
            .expect("upsert");
        store
    }

    fn keyword_hits(service: &SearchService, q: &str) -> Vec<String> {
        service
            .search(&SearchRequest::new(q).mode(SearchMode::Keyword).limit(50))
            .expect("search")
            .results
            .into_iter()
            .map(|r| r.paper_id)
            .collect()
    }

    #[tokio::test]
    async fn sync_and_reindex_batch_their_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_with(dir.path(), 120).await;
        let index = dir.path().join("index");
        let (service, report) = SearchService::open(&store, &index, Err("off".into()))
            .await
            .expect("open");
        assert_eq!((report.added, report.index_docs), (120, 120));
        assert_eq!(keyword_hits(&service, "\"part 7\""), vec!["2401.00007"]);

        // Hidden papers leave at the next sync, in one commit with the adds.
        for n in [3, 4] {
            let id = ArxivId::parse(&format!("2401.{n:05}")).expect("an id");
            store.set_paper_hidden(&id, true).await.expect("hide");
        }
        store
            .upsert_batch(
                &[record(500, "Protein folding")],
                jiff::Timestamp::UNIX_EPOCH,
            )
            .await
            .expect("upsert");
        let report = service.sync(&store).await.expect("sync");
        assert_eq!((report.added, report.removed), (1, 2));
        assert_eq!(report.index_docs, 119);
        assert_eq!(keyword_hits(&service, "protein"), vec!["2401.00500"]);
        assert!(keyword_hits(&service, "\"part 3\"").is_empty());

        let mut seen = 0;
        let report = service
            .reindex(&store, |n| seen = n)
            .await
            .expect("reindex");
        assert_eq!(seen, 121, "every stored paper was read");
        assert_eq!(
            (report.index_docs, report.added, report.removed),
            (119, 0, 0)
        );
        assert_eq!(service.engine().keyword().num_segments(), 1);
        assert_eq!(keyword_hits(&service, "\"part 7\""), vec!["2401.00007"]);
        assert!(keyword_hits(&service, "\"part 4\"").is_empty());
        store.close().await;
    }

    #[tokio::test]
    async fn the_upkeep_backfills_refreshes_and_stops_when_cancelled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_with(dir.path(), 40).await;
        let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder);
        let (service, _) = SearchService::open(&store, &dir.path().join("index"), Ok(embedder))
            .await
            .expect("open");
        let service = Arc::new(service);
        let cancel = CancellationToken::new();
        let upkeep = tokio::spawn(service.clone().run_upkeep(store.clone(), cancel.clone()));

        // The backfill embeds every paper without being asked.
        let deadline = Instant::now() + Duration::from_secs(20);
        while service.engine().vector_count() < 40 {
            assert!(Instant::now() < deadline, "the backfill did not finish");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // A paper stored by someone else is indexed and embedded on request.
        store
            .upsert_batch(
                &[record(900, "Protein folding")],
                jiff::Timestamp::UNIX_EPOCH,
            )
            .await
            .expect("upsert");
        service.refresh_soon();
        while keyword_hits(&service, "protein").is_empty() || service.engine().vector_count() < 41 {
            assert!(Instant::now() < deadline, "refresh_soon was not heard");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), upkeep)
            .await
            .expect("the upkeep stops promptly when cancelled")
            .expect("the upkeep task did not panic");
        store.close().await;
    }

    #[tokio::test]
    async fn a_cancelled_upkeep_stops_in_the_middle_of_a_backfill() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store_with(dir.path(), 3_000).await;
        let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder);
        let (service, _) = SearchService::open(&store, &dir.path().join("index"), Ok(embedder))
            .await
            .expect("open");
        let service = Arc::new(service);
        let cancel = CancellationToken::new();
        let upkeep = tokio::spawn(service.clone().run_upkeep(store.clone(), cancel.clone()));
        while service.engine().vector_count() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), upkeep)
            .await
            .expect("the upkeep stops between batches")
            .expect("the upkeep task did not panic");
        let embedded = service.engine().vector_count();
        assert!(
            embedded < 3_000,
            "stopped before the end of the backlog ({embedded})"
        );
        store.close().await;
    }
}
