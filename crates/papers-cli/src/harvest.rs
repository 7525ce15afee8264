//! `papers harvest`: pulls papers from live services with the ingest crate's
//! polite HTTP clients and writes them to the store. The OAI-PMH harvest keeps
//! its `resumptionToken` in the store after every page, so a rerun resumes
//! where an interrupted one stopped.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::ToSpan;
use jiff::civil::Date;
use papers_core::IngestRecord;
use papers_ingest::Event;
use papers_ingest::harvest::{HarvestConfig, HfDailyClient, HttpFetcher, OaiClient};
use papers_store::Store;

use crate::Ctx;
use crate::config::Config;
use crate::ingest::RejectLog;
use crate::parse_date;

#[derive(Debug, Subcommand)]
pub enum HarvestSource {
    /// Hugging Face daily papers, one request per day: `{hf_base}/api/daily_papers?date=D`.
    Hf {
        /// First day (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        from: Date,
        /// Last day, inclusive [default: the first day].
        #[arg(long, value_parser = parse_date)]
        to: Option<Date>,
    },
    /// arXiv metadata over OAI-PMH (`metadataPrefix=arXiv`), following resumption tokens.
    ArxivOai {
        /// Harvest records changed on or after this day.
        #[arg(long, value_parser = parse_date)]
        from: Date,
        /// ... and on or before this day.
        #[arg(long, value_parser = parse_date)]
        until: Option<Date>,
        /// An OAI set such as `cs` or `physics:hep-th`.
        #[arg(long)]
        set: Option<String>,
        /// Ignore a saved cursor and start from the beginning.
        #[arg(long)]
        restart: bool,
    },
}

fn fetcher(cfg: &Config) -> Result<HttpFetcher> {
    let h = &cfg.harvest;
    HttpFetcher::new(HarvestConfig {
        user_agent: h.user_agent.clone(),
        timeout: Duration::from_secs(h.timeout_secs),
        max_retries: h.max_retries,
        base_delay: Duration::from_millis(h.base_delay_ms),
        max_delay: Duration::from_millis(h.max_delay_ms),
        min_interval: Duration::from_millis(h.min_interval_ms),
    })
    .context("building the HTTP client")
}

fn bar(progress: bool, len: Option<u64>, what: &str) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    let template = match len {
        Some(_) => format!("{what} [{{bar:30}}] {{pos}}/{{len}} · {{msg}} · ETA {{eta}}"),
        None => format!("{{spinner}} {what}: {{pos}} records · {{msg}} · {{elapsed}}"),
    };
    pb.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.enable_steady_tick(Duration::from_millis(150));
    pb
}

/// Splits harvested events into records to store, logging the rejects.
fn split_events(
    events: Vec<Event>,
    rejects: &mut RejectLog,
    pb: &ProgressBar,
    rejected: &mut u64,
) -> Result<Vec<IngestRecord>> {
    let mut records = Vec::new();
    for ev in events {
        match ev {
            Event::Record(r, _) => records.push(*r),
            Event::Reject(r) => {
                *rejected += 1;
                rejects.record(&r, pb)?;
            }
            Event::SourceDone { .. } => {}
        }
    }
    Ok(records)
}

/// What a harvest wrote: records stored, records rejected (logged).
#[derive(Clone, Copy, Debug, Default)]
pub struct Harvested {
    pub stored: u64,
    pub rejected: u64,
}

pub async fn run(ctx: &Ctx, source: HarvestSource, embed_max: u64) -> Result<ExitCode> {
    let (cfg, progress) = (&ctx.cfg, ctx.progress);
    let store = Store::open(&cfg.database_url()).await?;
    let mut rejects = RejectLog::new(&cfg.data_dir, ctx.clock.clone());
    let mut done = Harvested::default();
    let result = harvest(
        cfg,
        &store,
        ctx.clock.as_ref(),
        source,
        progress,
        &mut rejects,
        &mut done,
    )
    .await;
    let Harvested { stored, rejected } = done;
    let rejects_file = rejects.finish()?;
    if stored > 0 {
        crate::search::after_ingest(cfg, &store, &ctx.model_dir, embed_max, progress).await;
    }
    let stats = store.stats().await?;
    store.close().await;
    eprintln!(
        "harvested {stored} records, rejected {rejected}; store now holds {} papers on {} listing days",
        stats.papers, stats.listing_days
    );
    result?;
    if let Some(path) = rejects_file {
        eprintln!("rejected records were saved to {}", path.display());
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Harvests `source` into the store (the command, and the server's
/// scheduled harvests), counting into `done` as it goes.
pub async fn harvest(
    cfg: &Config,
    store: &Store,
    clock: &dyn papers_core::Clock,
    source: HarvestSource,
    progress: bool,
    rejects: &mut RejectLog,
    done: &mut Harvested,
) -> Result<()> {
    let Harvested { stored, rejected } = done;
    match source {
        HarvestSource::Hf { from, to } => {
            let to = to.unwrap_or(from);
            anyhow::ensure!(to >= from, "--to {to} is before --from {from}");
            let client = HfDailyClient::new(cfg.harvest.hf_base.clone(), fetcher(cfg)?);
            let days = (to - from).get_days() + 1;
            let pb = bar(
                progress,
                Some(u64::try_from(days).unwrap_or(0)),
                "harvesting days",
            );
            let mut day = from;
            let mut outcome = Ok(());
            while day <= to {
                pb.set_message(day.to_string());
                match client.fetch_day(day).await {
                    Ok(events) => {
                        let records = split_events(events, rejects, &pb, rejected)?;
                        store.upsert_batch(&records, clock.now()).await?;
                        *stored += records.len() as u64;
                    }
                    Err(e) => {
                        outcome = Err(anyhow::Error::new(e).context(format!("harvesting {day}")));
                        break;
                    }
                }
                pb.inc(1);
                day = day.saturating_add(1.day());
            }
            pb.finish_and_clear();
            outcome
        }
        HarvestSource::ArxivOai {
            from,
            until,
            set,
            restart,
        } => {
            let client = OaiClient::new(cfg.harvest.arxiv_oai_base.clone(), fetcher(cfg)?);
            let cursor_name = format!(
                "arxiv-oai|set={}|from={from}|until={}",
                set.as_deref().unwrap_or(""),
                until.map(|d| d.to_string()).unwrap_or_default()
            );
            let mut token = if restart {
                None
            } else {
                store.cursor(&cursor_name).await?
            };
            if let Some(t) = &token {
                eprintln!("resuming an interrupted harvest at resumptionToken {t:?}");
            }
            let pb = bar(progress, None, "harvesting arXiv OAI-PMH");
            let mut pages = 0u64;
            let outcome = loop {
                let page = match client
                    .list_records(Some(from), until, set.as_deref(), token.as_deref())
                    .await
                {
                    Ok(p) => p,
                    Err(e) => break Err(anyhow::Error::new(e).context("harvesting OAI-PMH")),
                };
                pages += 1;
                let mut records = Vec::with_capacity(page.records.len());
                for r in page.records {
                    match r {
                        Ok(rec) => records.push(rec),
                        Err(rej) => {
                            *rejected += 1;
                            rejects.record(&rej, &pb)?;
                        }
                    }
                }
                store.upsert_batch(&records, clock.now()).await?;
                *stored += records.len() as u64;
                pb.inc(records.len() as u64);
                if let Some(total) = page.complete_list_size {
                    pb.set_message(format!("page {pages}, {total} in all"));
                }
                // Saved after the page is committed: a crash re-fetches at most one page.
                store
                    .set_cursor(&cursor_name, page.resumption_token.as_deref(), clock.now())
                    .await?;
                match page.resumption_token {
                    Some(t) => token = Some(t),
                    None => break Ok(()),
                }
            };
            pb.finish_and_clear();
            outcome
        }
    }
}
