//! `papers digest send`: one run of the digests by hand (the server runs them as
//! its `digests` job, see `jobs.rs`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use papers_app::{DigestReport, Period, default_period};
use papers_core::{Cadence, today_in_new_york};
use papers_store::Store;

use crate::Ctx;
use crate::parse_date;

#[derive(Debug, Subcommand)]
pub enum DigestAction {
    /// Build and send every due digest of a period. Safe to rerun: a
    /// subscription gets one mail per period and never the same paper twice.
    Send {
        /// `daily` (weekdays) or `weekly`.
        #[arg(long, value_parser = ["daily", "weekly"])]
        period: String,
        /// The day (daily) or a day of the week (weekly) [default: today in
        /// New York for daily, last week for weekly].
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
        /// Mails sent at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
}

pub async fn run(ctx: &Ctx, action: DigestAction) -> Result<ExitCode> {
    let (cfg, progress) = (&ctx.cfg, ctx.progress);
    let DigestAction::Send {
        period,
        date,
        concurrency,
    } = action;
    let store = Store::open(&cfg.database_url()).await?;
    let community = crate::community(cfg, store.clone(), ctx.clock.clone())?;
    let mail = cfg.mail_context()?;
    let today = today_in_new_york(ctx.clock.now());
    let cadence =
        Cadence::parse(&period).ok_or_else(|| anyhow::anyhow!("unknown period {period:?}"))?;
    let period = match date {
        Some(d) if cadence == Cadence::Weekly => Period::Weekly(d),
        Some(d) => Period::Daily(d),
        None => default_period(cadence, today),
    };
    let pb = if progress {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} digests {msg} · {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(150));
        pb
    } else {
        ProgressBar::hidden()
    };
    #[cfg(feature = "test-hooks")]
    let crash_after = cfg.test_hooks.digest_crash_after;
    let bar = pb.clone();
    let after_each = Arc::new(move |r: &DigestReport| {
        bar.set_message(format!(
            "{} sent, {} empty, {} failed of {}",
            r.sent, r.empty, r.failed, r.due
        ));
        // Fault injection for the crash-resume test (test builds only): die
        // like `kill -9` once this many digests are recorded.
        #[cfg(feature = "test-hooks")]
        if crash_after.is_some_and(|n| r.sent >= n) {
            std::process::abort();
        }
    });
    // Saved searches run on the search engine (the keyword side when the
    // model is absent; with it, the same hybrid ranking as the site).
    let model = crate::search::embedder(&ctx.model_dir, None, &cfg.search);
    let search: Option<Arc<dyn papers_app::SavedSearch>> = match crate::search::open(
        cfg, &store, model,
    )
    .await
    {
        Ok(s) => Some(Arc::new(s)),
        Err(e) => {
            eprintln!(
                "saved searches are skipped this run: the search index could not be opened ({e})"
            );
            None
        }
    };
    let report = community
        .send_digests(&mail, period, search, concurrency.max(1), after_each)
        .await;
    pb.finish_and_clear();
    mail.mailer.shutdown().await;
    store.close().await;
    let report = report?;
    println!("{}", serde_json::to_string(&report)?);
    eprintln!(
        "{}: {} due, {} sent, {} empty (not sent), {} failed, {} deferred",
        period.key(),
        report.due,
        report.sent,
        report.empty,
        report.failed,
        report.deferred
    );
    Ok(if report.failed > 0 || report.deferred > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
