//! all-MiniLM-L6-v2 throughput (papers/s, bulk) at 128 and 256 tokens, and
//! the latency of embedding one short query.
//!
//! cargo run --release -p papers-search --example bench_embed -- \
//!   --model /path/to/minilm [--papers 2000] [--threads 2] [--batch 16] \
//!   [--max-tokens 128,256] [--corpus ../shared/data/benchmark/papers_unified.jsonl.gz]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use common::{AnyError, arg, load_papers, print_machine, read_lines, round3, summary};
use papers_search::{Embedder, MiniLmEmbedder, MiniLmOptions, QueryEmbedder, SearchDoc};

fn main() -> Result<(), AnyError> {
    let model = PathBuf::from(arg(
        "--model",
        &std::env::var("PAPERS_MODEL_DIR").unwrap_or_default(),
    ));
    let n: usize = arg("--papers", "2000").parse()?;
    let threads: usize = arg("--threads", "2").parse()?;
    let batches: Vec<usize> = arg("--batch", "16")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let max_tokens: Vec<usize> = arg("--max-tokens", "128,256")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let corpus = PathBuf::from(arg(
        "--corpus",
        "../shared/data/benchmark/papers_unified.jsonl.gz",
    ));
    let queries = read_lines(&PathBuf::from(arg(
        "--queries",
        "../shared/data/queries/bench_queries.txt",
    )))?;
    print_machine();
    // A spread-out sample: every 50th paper.
    let docs = load_papers(&corpus, n, 50)?;
    let texts: Vec<String> = docs.iter().map(SearchDoc::embedding_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for &max in &max_tokens {
        for &batch in &batches {
            let options = MiniLmOptions {
                max_tokens: max,
                batch_size: batch,
                threads: Some(threads),
                cuda: false,
            };
            let embedder = MiniLmEmbedder::load_with(&model, options)?;
            embedder.embed(&refs[..16.min(refs.len())])?;
            let t = Instant::now();
            let vectors = embedder.embed(&refs)?;
            let s = t.elapsed().as_secs_f64();
            println!(
                "{}",
                serde_json::json!({
                    "max_tokens": max, "batch": batch, "threads": threads,
                    "papers": vectors.len(), "seconds": round3(s),
                    "papers_per_s": round3(vectors.len() as f64 / s),
                })
            );
        }
    }
    // Query latency: short queries, one at a time, no cache; then cached.
    let options = MiniLmOptions {
        threads: Some(threads),
        ..MiniLmOptions::default()
    };
    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::load_with(&model, options)?);
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
        serde_json::json!({"query_embedding": summary(cold), "query_embedding_cached": summary(warm), "threads": threads})
    );
    Ok(())
}
