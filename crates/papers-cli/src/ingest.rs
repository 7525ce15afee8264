//! `papers ingest`: streams records from the parsers into the store in
//! batches, one transaction each, with a progress bar. Rejected records are
//! printed with their place and kept in `DATA_DIR/rejects/` so nothing is lost.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;

use papers_core::{Clock, IngestRecord};
use papers_ingest::{Event, Format, Reject};
use papers_store::Store;

use crate::Ctx;

/// What an import did.
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestReport {
    pub records: u64,
    pub papers_new: u64,
    pub listings_new: u64,
    pub rejects: u64,
    pub sources: u64,
}

enum Msg {
    Batch(Vec<IngestRecord>),
    Reject(Reject),
    SourceDone,
}

/// Keeps rejected records, with their place and the reason, in a JSON-lines file.
pub struct RejectLog {
    dir: PathBuf,
    file: Option<(PathBuf, BufWriter<File>)>,
    shown: u64,
    clock: Arc<dyn Clock>,
}

impl RejectLog {
    pub fn new(data_dir: &Path, clock: Arc<dyn Clock>) -> Self {
        RejectLog {
            dir: data_dir.join("rejects"),
            file: None,
            shown: 0,
            clock,
        }
    }

    pub fn record(&mut self, r: &Reject, progress: &ProgressBar) -> Result<()> {
        if self.shown < 50 {
            progress.suspend(|| eprintln!("rejected: {r}"));
        } else if self.shown == 50 {
            progress.suspend(|| eprintln!("(more rejects: see the rejects file)"));
        }
        self.shown += 1;
        if self.file.is_none() {
            std::fs::create_dir_all(&self.dir)
                .with_context(|| format!("creating {}", self.dir.display()))?;
            let stamp = self.clock.now().strftime("%Y%m%dT%H%M%SZ").to_string();
            let path = self
                .dir
                .join(format!("ingest-{stamp}-{}.jsonl", std::process::id()));
            let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            self.file = Some((path, BufWriter::new(f)));
        }
        if let Some((_, w)) = &mut self.file {
            let line = serde_json::json!({
                "location": r.location.to_string(),
                "field": r.field,
                "message": r.message,
                "raw": r.raw,
            });
            writeln!(w, "{line}")?;
        }
        Ok(())
    }

    /// Flushes the file and returns its path, if anything was rejected.
    pub fn finish(mut self) -> Result<Option<PathBuf>> {
        match self.file.take() {
            Some((path, mut w)) => {
                w.flush()?;
                Ok(Some(path))
            }
            None => Ok(None),
        }
    }
}

pub fn progress_bar(enabled: bool, what: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what}: {{human_pos}} records · {{per_sec}} · {{elapsed}} · {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Reads `paths` in `format` and writes every good record to `store`.
pub async fn ingest_paths(
    store: &Store,
    clock: &dyn Clock,
    format: Format,
    paths: Vec<PathBuf>,
    batch_size: usize,
    rejects: &mut RejectLog,
    pb: &ProgressBar,
) -> Result<IngestReport> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4);
    let reader = std::thread::spawn(move || {
        let mut batch: Vec<IngestRecord> = Vec::with_capacity(batch_size);
        let mut on_event = |ev: Event| {
            let msg = match ev {
                Event::Record(rec, _) => {
                    batch.push(*rec);
                    if batch.len() < batch_size {
                        return ControlFlow::Continue(());
                    }
                    Msg::Batch(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(batch_size),
                    ))
                }
                Event::Reject(r) => Msg::Reject(r),
                Event::SourceDone { .. } => Msg::SourceDone,
            };
            match tx.blocking_send(msg) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            }
        };
        let result = papers_ingest::read_sources(format, &paths, &mut on_event);
        if !batch.is_empty() {
            let _ = tx.blocking_send(Msg::Batch(batch));
        }
        result
    });
    let mut report = IngestReport::default();
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Batch(records) => {
                let stats = store
                    .upsert_batch(&records, clock.now())
                    .await
                    .context("writing a batch to the store")?;
                report.records += stats.records;
                report.papers_new += stats.papers_new;
                report.listings_new += stats.listings_new;
                pb.inc(stats.records);
            }
            Msg::Reject(r) => {
                report.rejects += 1;
                rejects.record(&r, pb)?;
            }
            Msg::SourceDone => {
                report.sources += 1;
                pb.set_message(format!("{} files", report.sources));
            }
        }
    }
    reader
        .join()
        .map_err(|_| anyhow!("the reader thread panicked"))?
        .context("reading the input")?;
    Ok(report)
}

pub async fn run(
    ctx: &Ctx,
    format: &str,
    paths: Vec<PathBuf>,
    batch_size: usize,
    embed_max: u64,
) -> Result<ExitCode> {
    let (cfg, progress) = (&ctx.cfg, ctx.progress);
    let format =
        Format::from_cli_name(format).ok_or_else(|| anyhow!("unknown format {format:?}"))?;
    let store = Store::open(&cfg.database_url()).await?;
    let started = Instant::now();
    let mut rejects = RejectLog::new(&cfg.data_dir, ctx.clock.clone());
    let pb = progress_bar(progress, "importing");
    let result = ingest_paths(
        &store,
        ctx.clock.as_ref(),
        format,
        paths,
        batch_size,
        &mut rejects,
        &pb,
    )
    .await;
    pb.finish_and_clear();
    let rejects_file = rejects.finish()?;
    let report = result?;
    let secs = started.elapsed().as_secs_f64();
    crate::search::after_ingest(cfg, &store, &ctx.model_dir, embed_max, progress).await;
    let stats = store.stats().await?;
    store.close().await;
    eprintln!(
        "imported {} records ({} new papers, {} new listings) from {} files in {:.1}s ({:.0} records/s); rejected {}",
        report.records,
        report.papers_new,
        report.listings_new,
        report.sources,
        secs,
        report.records as f64 / secs.max(1e-9),
        report.rejects
    );
    eprintln!(
        "store now holds {} papers on {} listing days",
        stats.papers, stats.listing_days
    );
    if let Some(path) = rejects_file {
        eprintln!("rejected records were saved to {}", path.display());
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
