//! all-MiniLM-L6-v2 throughput (papers/s, bulk) for candle f32 and ONNX
//! Runtime int8 in the same run, their agreement (cosine per paper), and the
//! latency of embedding one short query (batch 1, no cache; then cached).
//!
//! cargo run --release -p papers-search --example bench_embed -- \
//!   --model /path/to/minilm [--papers 2000] [--threads 2] [--batch 16] \
//!   [--onnx-batch 16] [--max-tokens 256] [--engines candle,onnx] \
//!   [--corpus ../shared/data/benchmark/papers_unified.jsonl.gz]
//!
//! `--step 50` (default) takes every 50th paper of the corpus, `--step 1` the
//! first ones. Engines whose files are missing are reported and skipped.
//!
//! `--cuda` (build with `--features cuda`): candle f32 on the first CUDA
//! device instead, papers/s over all `--papers`, then the cosine of every
//! `--cpu-check-step`-th vector to candle's on the CPU
//! (`scripts/bench-embed-gpu.sh`).

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use common::{AnyError, arg, flag, load_papers, print_machine, read_lines, round3, summary};
use papers_search::{
    Embedder, MiniLmEmbedder, MiniLmOptions, OnnxEmbedder, OnnxOptions, QueryEmbedder, SearchDoc,
};

fn list(name: &str, default: &str) -> Result<Vec<usize>, AnyError> {
    Ok(arg(name, default)
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?)
}

fn main() -> Result<(), AnyError> {
    let model = PathBuf::from(arg(
        "--model",
        &std::env::var("PAPERS_MODEL_DIR").unwrap_or_default(),
    ));
    let n: usize = arg("--papers", "2000").parse()?;
    let step: usize = arg("--step", "50").parse()?;
    let threads: usize = arg("--threads", "2").parse()?;
    let batches = list("--batch", "16")?;
    let onnx_batches = list("--onnx-batch", "16")?;
    let max_tokens = list("--max-tokens", "256")?;
    let engines = arg("--engines", "candle,onnx");
    let corpus = PathBuf::from(arg(
        "--corpus",
        "../shared/data/benchmark/papers_unified.jsonl.gz",
    ));
    let queries = read_lines(&PathBuf::from(arg(
        "--queries",
        "../shared/data/queries/bench_queries.txt",
    )))?;
    print_machine();
    let docs = load_papers(&corpus, n, step.max(1))?;
    let texts: Vec<String> = docs.iter().map(SearchDoc::embedding_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    if flag("--cuda") {
        let check_step: usize = arg("--cpu-check-step", "20").parse()?;
        return cuda(
            &model,
            &refs,
            &max_tokens,
            &batches,
            threads,
            check_step.max(1),
        );
    }

    // (max_tokens, engine) -> vectors of the first configuration, to compare.
    let mut candle_vectors: Vec<(usize, Vec<Vec<f32>>)> = Vec::new();
    let mut onnx_vectors: Vec<(usize, Vec<Vec<f32>>)> = Vec::new();
    let mut rates: Vec<(usize, &str, f64)> = Vec::new();
    for &max in &max_tokens {
        if engines.contains("candle") {
            for &batch in &batches {
                let options = MiniLmOptions {
                    max_tokens: max,
                    batch_size: batch,
                    threads: Some(threads),
                    cuda: false,
                };
                let embedder = MiniLmEmbedder::load_with(&model, options)?;
                let (vectors, rate) = timed("candle-f32", &embedder, &refs, max, batch, threads)?;
                rates.push((max, "candle-f32", rate));
                if !candle_vectors.iter().any(|(m, _)| *m == max) {
                    candle_vectors.push((max, vectors));
                }
            }
        }
        if engines.contains("onnx") {
            for &batch in &onnx_batches {
                let options = OnnxOptions {
                    max_tokens: max,
                    batch_size: batch,
                    threads: Some(threads),
                    int8_compute: !flag("--onnx-f32"),
                };
                let embedder = match OnnxEmbedder::load_with(&model, options) {
                    Ok(e) => e,
                    Err(e) => {
                        println!(
                            "{}",
                            serde_json::json!({"engine": "onnx-int8", "skipped": e.to_string()})
                        );
                        break;
                    }
                };
                let (vectors, rate) = timed("onnx-int8", &embedder, &refs, max, batch, threads)?;
                rates.push((max, "onnx-int8", rate));
                if !onnx_vectors.iter().any(|(m, _)| *m == max) {
                    onnx_vectors.push((max, vectors));
                }
            }
        }
    }
    // The best rate of each engine per max_tokens, and the ratio.
    for &max in &max_tokens {
        let best = |engine: &str| {
            rates
                .iter()
                .filter(|(m, e, _)| *m == max && *e == engine)
                .map(|(_, _, r)| *r)
                .fold(f64::NAN, f64::max)
        };
        let (c, o) = (best("candle-f32"), best("onnx-int8"));
        let agreement = match (
            candle_vectors.iter().find(|(m, _)| *m == max),
            onnx_vectors.iter().find(|(m, _)| *m == max),
        ) {
            (Some((_, a)), Some((_, b))) => {
                let mut cos: Vec<f64> = a
                    .iter()
                    .zip(b)
                    .map(|(x, y)| f64::from(x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>()))
                    .collect();
                cos.sort_by(f64::total_cmp);
                let mean = cos.iter().sum::<f64>() / cos.len().max(1) as f64;
                serde_json::json!({
                    "mean": round4(mean),
                    "min": round4(cos.first().copied().unwrap_or(f64::NAN)),
                    "p01": round4(cos.get(cos.len() / 100).copied().unwrap_or(f64::NAN)),
                })
            }
            _ => serde_json::Value::Null,
        };
        println!(
            "{}",
            serde_json::json!({
                "max_tokens": max, "papers": refs.len(),
                "candle_f32_papers_per_s": round3(c), "onnx_int8_papers_per_s": round3(o),
                "onnx_over_candle": round3(o / c), "cosine_onnx_vs_candle": agreement,
            })
        );
    }

    // Query latency: short queries, one at a time, no cache; then cached.
    if engines.contains("candle") {
        let options = MiniLmOptions {
            threads: Some(threads),
            ..MiniLmOptions::default()
        };
        let e: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::load_with(&model, options)?);
        query_latency("candle-f32", e, &queries, threads)?;
    }
    if engines.contains("onnx")
        && OnnxEmbedder::expected_files(&model)
            .iter()
            .all(|p| p.exists())
    {
        let options = OnnxOptions {
            threads: Some(threads),
            ..OnnxOptions::default()
        };
        let e: Arc<dyn Embedder> = Arc::new(OnnxEmbedder::load_with(&model, options)?);
        query_latency("onnx-int8", e, &queries, threads)?;
    }
    Ok(())
}

/// candle on the GPU: papers/s, and the cosine of a sample to CPU vectors.
fn cuda(
    model: &std::path::Path,
    refs: &[&str],
    max_tokens: &[usize],
    batches: &[usize],
    threads: usize,
    check_step: usize,
) -> Result<(), AnyError> {
    let max = max_tokens.first().copied().unwrap_or(256);
    let mut gpu_vectors = Vec::new();
    for &batch in batches {
        let options = MiniLmOptions {
            max_tokens: max,
            batch_size: batch,
            threads: Some(threads),
            cuda: true,
        };
        let embedder = MiniLmEmbedder::load_with(model, options)?;
        let (vectors, _) = timed("candle-f32-cuda", &embedder, refs, max, batch, threads)?;
        gpu_vectors = vectors;
    }
    let sample: Vec<usize> = (0..refs.len()).step_by(check_step).collect();
    let texts: Vec<&str> = sample.iter().map(|&i| refs[i]).collect();
    let cpu = MiniLmEmbedder::load_with(
        model,
        MiniLmOptions {
            max_tokens: max,
            threads: Some(threads),
            ..MiniLmOptions::default()
        },
    )?;
    let cpu_vectors = cpu.embed(&texts)?;
    let cos: Vec<f64> = sample
        .iter()
        .zip(&cpu_vectors)
        .map(|(&i, c)| {
            f64::from(
                gpu_vectors[i]
                    .iter()
                    .zip(c)
                    .map(|(p, q)| p * q)
                    .sum::<f32>(),
            )
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "cpu_check_papers": cos.len(),
            "mean_cosine_gpu_vs_cpu": round4(cos.iter().sum::<f64>() / cos.len().max(1) as f64),
            "min_cosine_gpu_vs_cpu": round4(cos.iter().copied().fold(1.0, f64::min)),
        })
    );
    Ok(())
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn timed(
    engine: &str,
    embedder: &dyn Embedder,
    refs: &[&str],
    max: usize,
    batch: usize,
    threads: usize,
) -> Result<(Vec<Vec<f32>>, f64), AnyError> {
    embedder.embed(&refs[..16.min(refs.len())])?;
    let t = Instant::now();
    let vectors = embedder.embed(refs)?;
    let s = t.elapsed().as_secs_f64();
    let rate = vectors.len() as f64 / s;
    println!(
        "{}",
        serde_json::json!({
            "engine": engine, "max_tokens": max, "batch": batch, "threads": threads,
            "papers": vectors.len(), "seconds": round3(s), "papers_per_s": round3(rate),
        })
    );
    Ok((vectors, rate))
}

fn query_latency(
    engine: &str,
    embedder: Arc<dyn Embedder>,
    queries: &[String],
    threads: usize,
) -> Result<(), AnyError> {
    for q in queries.iter().take(5) {
        embedder.embed(&[q.as_str()])?;
    }
    let mut cold = Vec::new();
    for q in queries.iter().take(200) {
        let t = Instant::now();
        embedder.embed(&[q.as_str()])?;
        cold.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let cache = QueryEmbedder::new(embedder);
    for q in queries.iter().take(200) {
        cache.embed_query(q)?;
    }
    let mut warm = Vec::new();
    for q in queries.iter().take(200) {
        let t = Instant::now();
        cache.embed_query(q)?;
        warm.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{}",
        serde_json::json!({"engine": engine, "query_embedding_ms": summary(cold), "query_embedding_cached_ms": summary(warm), "threads": threads})
    );
    Ok(())
}
