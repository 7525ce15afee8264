//! `papers-search` owns finding papers: a keyword index (tantivy, BM25 with
//! English stemming, phrase and filter syntax), a text embedder
//! (all-MiniLM-L6-v2 run in-process with candle, plus a tiny deterministic
//! [`HashEmbedder`] for tests), a vector index (an exact int8 scan with f32
//! rescoring), hybrid fusion (reciprocal rank fusion or a convex combination,
//! every result explaining its ranks), and relevance evaluation (nDCG@10,
//! recall@100, MRR@10 on BEIR and CACM collections). Everything it holds is
//! derived state that can always be rebuilt from the store; it knows nothing
//! of HTTP, SQL or the command line.
//!
//! Entry points: [`SearchEngine`] ties the parts together; [`KeywordIndex`],
//! [`Int8ScanIndex`] and the [`Embedder`] implementations can be used alone.
//!
//! # Vector index scale: when an HNSW index becomes necessary
//!
//! [`Int8ScanIndex`] scans every vector (384 int8 values each, 2 threads)
//! and rescores the best 200 in f32, so its latency grows linearly with the
//! corpus and, past the CPU's last-level cache, is bound by memory bandwidth
//! (each query reads `n × 384` bytes). Measured on the 2-core development
//! machine (AMD EPYC VM, 32 MiB L3, other builds running beside it), top-10
//! over random unit vectors, recall@10 = 1.0 at every size, with
//! `cargo run --release -p papers-search --example bench_vector -- --sizes 10000,104000,1000000 --queries 300`:
//!
//! | vectors | p50 | p99 |
//! |---|---|---|
//! | 10,000 | 0.42 ms | 0.57 ms |
//! | 104,000 | 2.4–4.1 ms | 4.2–8.1 ms |
//! | 1,000,000 | 40.6 ms | 65.7 ms |
//!
//! That is about 40 ns per vector once the int8 copy (n × 384 bytes) no
//! longer fits in cache. For a ~3 ms budget the exact scan is enough up to
//! roughly 75,000–100,000 papers (today's corpus, 104k, sits at the edge); for
//! ~10 ms, up to about 250,000. Beyond that, or when many queries run at
//! once, switch to an HNSW backend (e.g. `usearch`, sub-millisecond at 1M)
//! through the [`VectorIndex`] trait; keep the f32 vectors for rescoring and
//! for [`VectorSet`] persistence either way.

pub mod doc;
pub mod embed;
pub mod engine;
pub mod error;
pub mod eval;
pub mod fusion;
pub mod keyword;
pub mod vector;

pub use doc::SearchDoc;
pub use embed::{
    DOCUMENT_TEXT_SEPARATOR, Embedder, HashEmbedder, MiniLmEmbedder, MiniLmOptions, QueryEmbedder,
    document_text,
};
pub use engine::{SearchEngine, SearchMode, SearchRequest, SearchResponse, SearchResult};
pub use error::SearchError;
pub use fusion::{Explain, Fusion};
pub use keyword::{Hit, KeywordIndex, KeywordQuery, ParsedQuery};
pub use vector::{Int8ScanIndex, Prefilter, VectorIndex, VectorSet, exact_top_k, recall_at_k};
