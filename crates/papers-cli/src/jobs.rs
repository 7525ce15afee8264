//! The jobs a Daily Papers site runs every day, as the server's scheduler
//! runs them (`[schedule]` and `[digest] schedule` in the config), and
//! `papers jobs`, which lists them with their last and next runs.
//!
//! Each job runs on one node at a time through a lease in the store
//! (`papers_app::Scheduler`); embedding new papers is not one of them: every
//! node's search upkeep embeds in batches claimed in the store, so nodes
//! share that work instead of taking turns.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Subcommand;
use jiff::ToSpan;
use jiff::civil::Weekday;
use papers_app::{Community, Every, Job, JobOutcome, MailContext, Period, SavedSearch};
use papers_core::{Cadence, Clock, today_in_new_york};
use papers_store::Store;
use tokio_util::sync::CancellationToken;

use crate::Ctx;
use crate::config::Config;
use crate::harvest::{HarvestSource, Harvested, harvest};
use crate::ingest::RejectLog;

/// Changes of the change feed kept for nodes that fall behind (a node
/// further behind compares its indexes with the store in full).
const CHANGES_KEPT: u64 = 1_000_000;

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Make a job due now: the next node to look runs it.
    Run {
        /// The job's name, as `papers jobs` lists it.
        name: String,
    },
}

/// What the jobs need.
#[derive(Clone)]
pub struct JobContext {
    pub cfg: Config,
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub community: Community,
    pub mail: MailContext,
    pub search: Option<Arc<dyn SavedSearch>>,
}

fn job<F, Fut>(name: &str, every: Every, f: F) -> Job
where
    F: Fn(CancellationToken, jiff::Timestamp) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = JobOutcome> + Send + 'static,
{
    Job {
        name: name.into(),
        every,
        run: Arc::new(move |cancel, due| Box::pin(f(cancel, due))),
    }
}

/// The configured schedule: (job name, when), for the jobs that run.
pub fn schedule(cfg: &Config) -> Result<Vec<(&'static str, Every)>> {
    let parse = |s: &Option<String>| s.as_deref().and_then(Every::parse);
    let mut out = Vec::new();
    if let Some(at) = cfg.digest_time()? {
        out.push(("digests", Every::Weekday(at)));
    }
    if let Some(e) = parse(&cfg.schedule.harvest_hf) {
        out.push(("harvest-hf", e));
    }
    if let Some(e) = parse(&cfg.schedule.harvest_arxiv) {
        out.push(("harvest-arxiv", e));
    }
    if let Some(e) = parse(&cfg.schedule.housekeeping) {
        out.push(("housekeeping", e));
    }
    Ok(out)
}

/// The site's jobs, each with its body.
pub fn jobs(ctx: &JobContext) -> Result<Vec<Job>> {
    let mut out = Vec::new();
    for (name, every) in schedule(&ctx.cfg)? {
        let c = ctx.clone();
        out.push(match name {
            "digests" => job(name, every, move |_, due| digests(c.clone(), due)),
            "harvest-hf" => job(name, every, move |_, _| harvest_hf(c.clone())),
            "harvest-arxiv" => job(name, every, move |_, _| harvest_arxiv(c.clone())),
            _ => job(name, every, move |_, _| housekeeping(c.clone())),
        });
    }
    Ok(out)
}

/// The day's digests (weekdays), and the week's on Mondays.
async fn digests(c: JobContext, due: jiff::Timestamp) -> JobOutcome {
    let day = today_in_new_york(due);
    let concurrency = c.cfg.digest.concurrency.unwrap_or(16).max(1);
    let mut periods = vec![Period::Daily(day)];
    if day.weekday() == Weekday::Monday {
        periods.push(papers_app::default_period(Cadence::Weekly, day));
    }
    let mut lines = Vec::new();
    for period in periods {
        let r = c
            .community
            .send_digests(
                &c.mail,
                period,
                c.search.clone(),
                concurrency,
                Arc::new(|_: &papers_app::DigestReport| {}),
            )
            .await
            .map_err(|e| format!("{}: {e}", period.key()))?;
        lines.push(format!(
            "{}: {} sent, {} empty, {} failed, {} deferred",
            period.key(),
            r.sent,
            r.empty,
            r.failed,
            r.deferred
        ));
    }
    Ok(lines.join("; "))
}

async fn run_harvests(c: &JobContext, sources: Vec<HarvestSource>) -> JobOutcome {
    let mut rejects = RejectLog::new(&c.cfg.data_dir, c.clock.clone());
    let mut done = Harvested::default();
    let mut result = Ok(());
    for source in sources {
        result = harvest(
            &c.cfg,
            &c.store,
            c.clock.as_ref(),
            source,
            false,
            &mut rejects,
            &mut done,
        )
        .await;
        if result.is_err() {
            break;
        }
    }
    let saved = rejects.finish().map_err(|e| format!("{e:#}"))?;
    let line = format!("{} records stored, {} rejected", done.stored, done.rejected);
    match (result, saved) {
        (Err(e), _) => Err(format!("{line}; {e:#}")),
        (Ok(()), Some(path)) => Ok(format!("{line} (see {})", path.display())),
        (Ok(()), None) => Ok(line),
    }
}

/// Hugging Face's daily list of today and the two days before (a day's list
/// grows during the day; harvesting it again changes only what changed).
async fn harvest_hf(c: JobContext) -> JobOutcome {
    let today = today_in_new_york(c.clock.now());
    let from = today.saturating_sub(2.days());
    run_harvests(
        &c,
        vec![HarvestSource::Hf {
            from,
            to: Some(today),
        }],
    )
    .await
}

/// arXiv's records changed since yesterday, in each followed set.
async fn harvest_arxiv(c: JobContext) -> JobOutcome {
    let from = today_in_new_york(c.clock.now()).saturating_sub(1.day());
    let sources = c
        .cfg
        .schedule
        .arxiv_sets
        .iter()
        .map(|set| HarvestSource::ArxivOai {
            from,
            until: None,
            set: Some(set.clone()),
            restart: false,
        })
        .collect();
    run_harvests(&c, sources).await
}

async fn housekeeping(c: JobContext) -> JobOutcome {
    let (sessions, resets) = c
        .community
        .purge_expired()
        .await
        .map_err(|e| e.to_string())?;
    let pruned = c
        .store
        .prune_changes(CHANGES_KEPT)
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{sessions} expired sessions, {resets} reset links and {pruned} old changes removed"
    ))
}

/// `papers jobs [--json]` and `papers jobs run NAME`.
pub async fn run(ctx: &Ctx, json: bool, action: Option<JobsAction>) -> Result<ExitCode> {
    let cfg = &ctx.cfg;
    let store = Store::open(&cfg.database_url()).await?;
    if let Some(JobsAction::Run { name }) = action {
        let known = store.run_job_soon(&name, ctx.clock.now()).await?;
        store.close().await;
        anyhow::ensure!(
            known,
            "no job named {name:?} (a server registers its jobs when it starts; `papers jobs` lists them)"
        );
        eprintln!("{name} is due now: the next node to look (within seconds) runs it");
        return Ok(ExitCode::SUCCESS);
    }
    let records = store.jobs().await?;
    let vectors = store.vector_models().await?;
    let stats = store.stats().await?;
    store.close().await;
    if json {
        #[derive(serde::Serialize)]
        struct Vectors {
            model: String,
            count: u64,
        }
        #[derive(serde::Serialize)]
        struct Embedding {
            papers: u64,
            vectors: Vec<Vectors>,
        }
        #[derive(serde::Serialize)]
        struct Listing {
            jobs: Vec<papers_store::JobRecord>,
            embedding: Embedding,
        }
        let out = Listing {
            jobs: records,
            embedding: Embedding {
                papers: stats.papers,
                vectors: vectors
                    .into_iter()
                    .map(|(model, count)| Vectors { model, count })
                    .collect(),
            },
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        println!("no jobs yet: a server registers the configured jobs when it starts");
    } else {
        println!(
            "{:<14} {:<18} {:<8} {:<26} {:<26} RUNNING ON",
            "JOB", "SCHEDULE", "LAST", "LAST FINISHED", "NEXT RUN"
        );
        for r in &records {
            println!(
                "{:<14} {:<18} {:<8} {:<26} {:<26} {}",
                r.name,
                r.every.as_deref().unwrap_or("-"),
                r.last_status.as_deref().unwrap_or("never"),
                r.last_finished.as_deref().unwrap_or("-"),
                r.next_run.as_deref().unwrap_or("-"),
                r.holder.as_deref().unwrap_or("-"),
            );
            if let Some(m) = r.last_message.as_deref().filter(|m| !m.is_empty()) {
                println!("{:<14} └ {m}", "");
            }
        }
    }
    for (model, n) in vectors {
        println!(
            "embedding: {n} of {} papers have vectors for {model} (every node embeds the rest in claimed batches)",
            stats.papers
        );
    }
    Ok(ExitCode::SUCCESS)
}
