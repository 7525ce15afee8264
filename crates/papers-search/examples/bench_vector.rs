//! Exact int8-scan vector search: top-10 latency and recall@10 against the
//! exact f32 ranking, on random unit vectors of 384 dimensions.
//!
//! cargo run --release -p papers-search --example bench_vector -- \
//!   [--sizes 10000,104000,1000000] [--queries 200] [--recall-queries 50]

mod common;

use std::time::Instant;

use common::{AnyError, Rng, arg, print_machine, round3, summary};
use papers_search::{Int8ScanIndex, VectorIndex, VectorSet, recall_at_k};

const DIM: usize = 384;

fn main() -> Result<(), AnyError> {
    let sizes: Vec<usize> = arg("--sizes", "10000,104000,1000000")
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let n_queries: usize = arg("--queries", "200").parse()?;
    let n_recall: usize = arg("--recall-queries", "50").parse()?;
    print_machine();
    println!(
        "{}",
        serde_json::json!({"rayon_threads": rayon::current_num_threads()})
    );
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for n in sizes {
        let mut set = VectorSet::new("random", DIM);
        for i in 0..n {
            set.push(format!("{i}"), &rng.unit(DIM))?;
        }
        let t = Instant::now();
        let index = Int8ScanIndex::from_set(&set)?;
        let build_s = t.elapsed().as_secs_f64();
        let queries: Vec<Vec<f32>> = (0..n_queries).map(|_| rng.unit(DIM)).collect();
        for q in queries.iter().take(10) {
            index.search(q, 10);
        }
        let mut ms = Vec::new();
        for q in &queries {
            let t = Instant::now();
            let top = index.search(q, 10);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(top.len(), 10.min(n));
        }
        let recall = recall_at_k(&index, &set, &queries[..n_recall.min(queries.len())], 10);
        println!(
            "{}",
            serde_json::json!({
                "vectors": n,
                "dim": DIM,
                "build_s": round3(build_s),
                "top10": summary(ms),
                "recall_at_10": recall,
            })
        );
    }
    Ok(())
}
