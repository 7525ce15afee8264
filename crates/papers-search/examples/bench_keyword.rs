//! Keyword search latency over the benchmark corpus, against SQLite FTS5
//! (BM25 over the same fields, same queries, same run).
//!
//! cargo run --release -p papers-search --example bench_keyword -- \
//!   [--corpus ../shared/data/benchmark/papers_unified.jsonl.gz] \
//!   [--queries ../shared/data/queries/bench_queries.txt] [--rounds 5]

mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::{AnyError, arg, load_papers, print_machine, read_lines, round3, summary};
use papers_search::{KeywordIndex, KeywordQuery};

fn main() -> Result<(), AnyError> {
    let corpus = PathBuf::from(arg(
        "--corpus",
        "../shared/data/benchmark/papers_unified.jsonl.gz",
    ));
    let queries = read_lines(&PathBuf::from(arg(
        "--queries",
        "../shared/data/queries/bench_queries.txt",
    )))?;
    let rounds: usize = arg("--rounds", "5").parse()?;
    let limit: usize = arg("--limit", "100000000").parse()?;
    print_machine();

    let t = Instant::now();
    let docs = load_papers(&corpus, limit, 1)?;
    println!(
        "{}",
        serde_json::json!({"loaded_papers": docs.len(), "load_s": round3(t.elapsed().as_secs_f64())})
    );

    let dir = tempfile::tempdir()?;
    let index = KeywordIndex::open_or_create(dir.path())?;
    let t = Instant::now();
    for chunk in docs.chunks(20_000) {
        index.upsert(chunk)?;
    }
    let index_s = t.elapsed().as_secs_f64();
    let segments_before = index.num_segments();
    let t = Instant::now();
    if !common::flag("--no-compact") {
        index.compact()?;
    }
    println!(
        "{}",
        serde_json::json!({
            "tantivy_index_s": round3(index_s),
            "tantivy_compact_s": round3(t.elapsed().as_secs_f64()),
            "segments_before_compact": segments_before,
            "segments": index.num_segments(),
            "num_docs": index.num_docs(),
        })
    );

    // SQLite FTS5, the same fields, porter stemming, BM25 with the same title weight.
    let db = rusqlite::Connection::open(dir.path().join("fts.db"))?;
    db.execute_batch(
        "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
         CREATE VIRTUAL TABLE papers USING fts5(id UNINDEXED, title, abstract, authors, tokenize='porter unicode61');",
    )?;
    let t = Instant::now();
    {
        let tx = db.unchecked_transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO papers(id, title, abstract, authors) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for d in &docs {
                insert.execute((&d.id, &d.title, &d.abstract_text, d.authors.join(", ")))?;
            }
        }
        tx.commit()?;
    }
    println!(
        "{}",
        serde_json::json!({"fts5_index_s": round3(t.elapsed().as_secs_f64())})
    );
    let mut fts = db.prepare(
        "SELECT id, bm25(papers, 0.0, 2.0, 1.0, 1.0) AS s FROM papers WHERE papers MATCH ?1 ORDER BY s LIMIT 10",
    )?;
    // Any of the words, as the tantivy side does (OR of BM25 terms).
    let fts_query = |q: &str| -> String {
        q.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ")
    };

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut overlap = 0usize;
    let mut compared = 0usize;
    for round in 0..=rounds {
        for q in &queries {
            let t = Instant::now();
            let hits = index.search(&KeywordQuery::new(q.as_str(), 10))?;
            let ours_ms = t.elapsed().as_secs_f64() * 1e3;
            let match_expr = fts_query(q);
            let t = Instant::now();
            let fts_ids: Vec<String> = if match_expr.is_empty() {
                Vec::new()
            } else {
                fts.query_map([&match_expr], |row| row.get::<_, String>(0))?
                    .collect::<Result<_, _>>()?
            };
            let fts_ms = t.elapsed().as_secs_f64() * 1e3;
            if round == 0 {
                // Warm-up round; also compare the two top-10s.
                compared += 1;
                overlap += hits
                    .iter()
                    .filter(|h| fts_ids.contains(&h.paper_id))
                    .count();
                continue;
            }
            ours.push(ours_ms);
            theirs.push(fts_ms);
        }
    }
    let ours = summary(ours);
    let theirs = summary(theirs);
    let ratio =
        theirs["p95_ms"].as_f64().unwrap_or(f64::NAN) / ours["p95_ms"].as_f64().unwrap_or(f64::NAN);
    println!(
        "{}",
        serde_json::json!({
            "queries": queries.len(),
            "rounds": rounds,
            "tantivy_top10": ours,
            "fts5_top10": theirs,
            "fts5_p95_over_tantivy_p95": round3(ratio),
            "mean_top10_overlap": round3(overlap as f64 / compared.max(1) as f64),
        })
    );
    Ok(())
}
