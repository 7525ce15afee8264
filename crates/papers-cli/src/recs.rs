//! `papers eval recs`: the offline evaluation of the personal feed on the
//! papers in the store (see `papers_recs::evaluate`). Each simulated reader
//! needs vectors for their papers; the corpus is cut to the sampled
//! readers' papers plus seeded distractors, and the vectors those lack are
//! embedded first and stored (so a rerun embeds nothing).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use papers_app::{ListedPaper, search_doc};
use papers_recs::{EvalPaper, EvalParams, Rng, evaluate, readers};
use papers_store::Store;

use crate::config::Config;
use crate::search::embedder;

/// `papers eval recs` options.
#[derive(Debug, Args)]
pub struct RecsArgs {
    /// Authors with at least this many papers are simulated readers.
    #[arg(long, default_value_t = 10)]
    min_papers: usize,
    /// Papers dated before this day are a reader's upvotes; those after it
    /// are what they would want.
    #[arg(long, default_value = "2026-01-01")]
    split_date: String,
    /// Seed of the reader sample, the distractors and the training order.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// At most this many readers (a seeded sample).
    #[arg(long, default_value_t = 200)]
    max_readers: usize,
    /// Papers by no sampled reader added to the corpus (seeded).
    #[arg(long, default_value_t = 5000)]
    distractors: usize,
    /// Background papers each reader model trains against (as many as
    /// "For you" draws).
    #[arg(long, default_value_t = 300)]
    background: usize,
    /// Weight of the community's upvotes in the blend.
    #[arg(long, default_value_t = 0.1)]
    blend: f32,
    /// Leave out arxiv-sanity-lite's method (the slow one).
    #[arg(long)]
    no_tfidf_svm: bool,
    /// One JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// A paper's arXiv date: its first version's, else the month of a
/// new-style id (`2503.01234` → 2025-03-01), else its listing day.
fn arxiv_date(lp: &ListedPaper) -> Option<String> {
    if let Some(t) = lp.paper.published_at {
        return Some(t.strftime("%F").to_string());
    }
    let id = lp.paper.id.base();
    let yymm = id
        .split_once('.')
        .map(|(a, _)| a)
        .filter(|a| a.len() == 4 && a.bytes().all(|b| b.is_ascii_digit()) && !id.contains('/'));
    if let Some(yymm) = yymm {
        return Some(format!("20{}-{}-01", yymm.get(..2)?, yymm.get(2..)?));
    }
    lp.listing.as_ref().map(|l| l.day.to_string())
}

pub async fn run(cfg: &Config, model: &Path, a: RecsArgs, progress: bool) -> Result<ExitCode> {
    let store = Store::open(&cfg.database_url()).await?;
    let e = embedder(model, None, &cfg.search).map_err(|w| anyhow::anyhow!(w))?;
    let params = EvalParams {
        min_papers: a.min_papers,
        split_date: a.split_date.clone(),
        seed: a.seed,
        max_readers: a.max_readers,
        background: a.background,
        blend: a.blend,
        tfidf_svm: !a.no_tfidf_svm,
        ..EvalParams::default()
    };

    // Every visible paper, without vectors yet.
    let mut all: Vec<(ListedPaper, EvalPaper)> = Vec::new();
    let mut after = String::new();
    loop {
        let page = store.papers_after(&after, 2000).await?;
        let Some((last, _)) = page.last() else { break };
        after = last.paper.id.base().to_string();
        for (lp, hidden) in page {
            let Some(date) = arxiv_date(&lp).filter(|_| !hidden) else {
                continue;
            };
            let ep = EvalPaper {
                id: lp.paper.id.base().to_string(),
                date,
                authors: lp.paper.authors.iter().map(|x| x.name.clone()).collect(),
                title: lp.paper.title.clone(),
                abstract_text: lp.paper.abstract_text.clone(),
                vector: Vec::new(),
                upvotes: lp.upvotes,
            };
            all.push((lp, ep));
        }
    }
    let corpus: Vec<EvalPaper> = all.iter().map(|(_, ep)| ep.clone()).collect();
    let sampled = readers(&corpus, &params);
    if sampled.is_empty() {
        bail!(
            "no author has {} papers on both sides of {} among the {} papers",
            a.min_papers,
            a.split_date,
            corpus.len()
        );
    }

    // The sub-corpus: the readers' papers and seeded distractors.
    let mut keep: HashSet<usize> = sampled
        .iter()
        .flat_map(|r| r.liked.iter().chain(r.wanted.iter()).copied())
        .collect();
    let mut rng = Rng::new(a.seed ^ 0xd157);
    let mut others: Vec<usize> = (0..corpus.len()).filter(|i| !keep.contains(i)).collect();
    rng.shuffle(&mut others);
    keep.extend(others.into_iter().take(a.distractors));
    let mut keep: Vec<usize> = keep.into_iter().collect();
    keep.sort_unstable();
    let map: HashMap<usize, usize> = keep.iter().enumerate().map(|(n, o)| (*o, n)).collect();
    let sampled: Vec<_> = sampled.iter().map(|r| r.remap(&map)).collect();

    // Their vectors: stored ones, then the missing ones embedded and stored.
    let wanted_ids: HashSet<&str> = keep.iter().map(|i| corpus[*i].id.as_str()).collect();
    let mut vectors: HashMap<String, Vec<f32>> = HashMap::new();
    let mut after = String::new();
    loop {
        let page = store.vectors_after(e.model_id(), &after, 5000).await?;
        let Some((last, _)) = page.last() else { break };
        after = last.clone();
        for (id, v) in page {
            if wanted_ids.contains(id.as_str()) {
                vectors.insert(id, v);
            }
        }
    }
    let missing: Vec<usize> = keep
        .iter()
        .copied()
        .filter(|i| !vectors.contains_key(&corpus[*i].id))
        .collect();
    let pb = if progress {
        ProgressBar::new(missing.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("embedding [{bar:30}] {pos}/{len} · {per_sec} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for chunk in missing.chunks(64) {
        let texts: Vec<String> = chunk
            .iter()
            .map(|i| search_doc(&all[*i].0).embedding_text())
            .collect();
        let e2 = e.clone();
        let vs = tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            e2.embed(&refs)
        })
        .await??;
        let pairs: Vec<(String, Vec<f32>)> = chunk
            .iter()
            .map(|i| corpus[*i].id.clone())
            .zip(vs)
            .collect();
        store.put_vectors(e.model_id(), &pairs).await?;
        vectors.extend(pairs);
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    store.close().await;

    let sub: Vec<EvalPaper> = keep
        .iter()
        .map(|i| {
            let mut p = corpus[*i].clone();
            p.vector = vectors.remove(&p.id).unwrap_or_default();
            p
        })
        .collect();
    let pb = if progress {
        ProgressBar::new(sampled.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("readers [{bar:30}] {pos}/{len} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = tokio::task::spawn_blocking(move || {
        evaluate(&sub, &sampled, &params, |done, _| {
            pb.set_position(done as u64)
        })
    })
    .await?;
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} readers · {} candidates after {} · {} training papers · k = {}",
            report.readers, report.candidates, report.split_date, report.training, report.k
        );
        for m in &report.methods {
            println!(
                "{:<32} recall@{k} {:.3}  nDCG@{k} {:.3}  {:.1} ms/reader",
                m.method,
                m.recall,
                m.ndcg,
                m.ms_per_reader,
                k = report.k
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
