//! `papers store copy --to URL`: moving a site to another database (SQLite
//! to PostgreSQL when it outgrows one machine, or back, or to a new file).
//! The copy itself, its resumption and its checks are papers-store's
//! (`Store::copy_into`); this command opens both stores, draws the
//! progress, stops cleanly on Ctrl-C and prints the per-table report.

use std::ops::ControlFlow;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use papers_store::{CopyEvent, CopyOptions, CopyReport, DEFAULT_BATCH_ROWS, Store, StoreError};

use crate::Ctx;

#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Copy everything in the configured store (papers, listings, accounts,
    /// sessions, tokens, votes, comments, subscriptions, digest history,
    /// throttles, harvest cursors, vectors) into an empty database, keeping
    /// every id.
    ///
    /// The target must be empty, or hold an unfinished copy of this same
    /// store: an interrupted copy (Ctrl-C, a crash) continues where it
    /// stopped when the same command is run again. At the end every table is
    /// counted and compared on both sides; any difference is an error. The
    /// source is read as one consistent snapshot, but what is written to it
    /// after the copy starts stays behind: stop the server first, copy,
    /// then point `database_url` at the new store.
    Copy {
        /// The store to fill: postgres://USER@HOST[:PORT]/DATABASE (an
        /// existing, empty database) or sqlite://PATH (created if missing).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Rows per transaction on the target.
        #[arg(long, default_value_t = DEFAULT_BATCH_ROWS, value_name = "ROWS")]
        batch: u64,
    },
}

pub async fn run(ctx: &Ctx, action: StoreAction) -> Result<ExitCode> {
    let StoreAction::Copy { to, batch } = action;
    let from = ctx.cfg.database_url();
    let (source_name, target_name) = (store_name(&from), store_name(&to));
    if source_name == target_name {
        bail!("cannot copy the store into itself ({target_name}): name another database with --to");
    }
    let source = Store::open(&from)
        .await
        .with_context(|| format!("cannot open the store {source_name}"))?;
    let target = Store::open(&to)
        .await
        .with_context(|| format!("cannot open the target {target_name}"))?;

    let stop = Arc::new(AtomicBool::new(false));
    let on_ctrl_c = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        })
    };
    let pb = if ctx.progress {
        ProgressBar::new(0)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template(
            "{msg:24} [{bar:30}] {human_pos}/{human_len} rows · {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message("counting rows");
    let started = Instant::now();
    let options = CopyOptions {
        source: source_name.clone(),
        now: ctx.clock.now(),
        batch_rows: batch.max(1),
    };
    let result = source
        .copy_into(&target, &options, |event| {
            match event {
                CopyEvent::Started {
                    total,
                    already,
                    resumed,
                } => {
                    pb.set_length(total);
                    pb.set_position(already);
                    pb.reset_eta();
                    if resumed {
                        pb.println(format!(
                            "resuming the unfinished copy of {source_name} ({already} of {total} rows were copied)"
                        ));
                    }
                }
                CopyEvent::Copied { table, rows } => {
                    pb.set_message(table.to_string());
                    pb.inc(rows);
                }
                CopyEvent::Checking { table } => pb.set_message(format!("checking {table}")),
            }
            if stop.load(Ordering::SeqCst) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .await;
    pb.finish_and_clear();
    on_ctrl_c.abort();
    source.close().await;
    target.close().await;
    let report = match result {
        Ok(report) => report,
        Err(StoreError::CopyStopped) => {
            bail!(
                "the copy into {target_name} was stopped; run the same command again to continue where it stopped"
            )
        }
        Err(e) => return Err(e).with_context(|| format!("cannot copy into {target_name}")),
    };
    print_report(&report);
    let differ: Vec<String> = report
        .tables
        .iter()
        .filter(|t| !t.matches())
        .map(|t| {
            format!(
                "{} ({} rows here, {} there)",
                t.table(),
                t.source.rows,
                t.target.rows
            )
        })
        .collect();
    if !differ.is_empty() {
        bail!(
            "the copy in {target_name} differs from the store in {}: was the store written to \
             during the copy? Copy again into a new, empty database with the server stopped",
            differ.join(", ")
        );
    }
    let rows: u64 = report.tables.iter().map(|t| t.source.rows).sum();
    eprintln!(
        "copied {} rows into {target_name}{} in {:.1}s; all {rows} rows in {} tables checked",
        report.copied,
        if report.resumed { " (resumed)" } else { "" },
        started.elapsed().as_secs_f64(),
        report.tables.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// One line per table: rows on each side and whether the contents agree.
fn print_report(report: &CopyReport) {
    println!(
        "{:<22} {:>12} {:>12}  contents",
        "table", "source", "target"
    );
    for t in &report.tables {
        println!(
            "{:<22} {:>12} {:>12}  {}",
            t.table(),
            t.source.rows,
            t.target.rows,
            if t.matches() { "same" } else { "DIFFERENT" }
        );
    }
}

/// How a store is named in messages and in the target's record of its
/// source: the URL without a password, a SQLite file by its absolute path
/// (so that a rerun from another directory still resumes).
fn store_name(url: &str) -> String {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = Path::new(path);
        let absolute = std::fs::canonicalize(path)
            .ok()
            .or_else(|| {
                let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
                let dir = std::fs::canonicalize(dir.unwrap_or(Path::new("."))).ok()?;
                Some(dir.join(path.file_name()?))
            })
            .unwrap_or_else(|| path.to_path_buf());
        return format!("sqlite://{}", absolute.display());
    }
    without_password(url)
}

/// `scheme://user:secret@host/db?password=…` → `scheme://user@host/db`.
fn without_password(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let Some((scheme, rest)) = base.split_once("://") else {
        return base.to_string();
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_string(),
    };
    let query: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.to_ascii_lowercase().starts_with("password"))
        .collect();
    let mut out = format!("{scheme}://{authority}");
    if !path.is_empty() || rest.contains('/') {
        out.push('/');
        out.push_str(path);
    }
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_never_show_a_password() {
        assert_eq!(
            without_password("postgres://papers:s3cret@db.internal:5432/papers"),
            "postgres://papers@db.internal:5432/papers"
        );
        assert_eq!(
            without_password("postgresql://u@h/db?sslmode=require&password=x"),
            "postgresql://u@h/db?sslmode=require"
        );
        assert_eq!(without_password("postgres://h"), "postgres://h");
        assert_eq!(without_password("postgres://u:p@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn a_sqlite_store_is_named_by_its_absolute_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("papers.db");
        let name = store_name(&format!("sqlite://{}", file.display()));
        let canonical = std::fs::canonicalize(dir.path()).unwrap().join("papers.db");
        assert_eq!(name, format!("sqlite://{}", canonical.display()));
    }
}
