//! The per-reader time of "For you" on a real-size corpus: the whole use
//! case (`Community::for_you`: the store reads, training the reader model,
//! scoring the window, the older papers' inner-product search over every
//! vector, the reasons), as the server runs it, in a release build.
//!
//!   cargo run --release -p papers-app --example bench_for_you -- \
//!     [--corpus ../shared/data/benchmark/papers_unified.jsonl.gz] \
//!     [--data /tmp/papers-bench-for-you] [--readers 30] [--liked 40] [--days 7]
//!
//! The corpus is ingested into a SQLite store under `--data` once (reruns
//! reuse it). Vectors come from a 384-dimensional hashing embedder (words
//! and word pairs hashed into MiniLM's dimension), not the model: the cost
//! of ranking does not depend on where the vectors came from, and the model
//! would take the better part of an hour to embed 104k abstracts on two
//! cores. Each reader upvotes `--liked` papers that share a word, and marks
//! a few others "not interested".

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use papers_app::{Community, CommunitySettings, ForYouRequest, SearchService};
use papers_core::{ArxivId, Role, SystemClock};
use papers_ingest::harvest::{ArxivApiClient, HarvestConfig, HttpFetcher};
use papers_ingest::{Event, Format, read_sources};
use papers_search::{Embedder, SearchError};
use papers_store::Store;

type AnyError = Box<dyn std::error::Error + Send + Sync>;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

/// Words and word pairs hashed into 384 signed buckets, L2-normalised.
struct Hashing384;

impl Embedder for Hashing384 {
    fn model_id(&self) -> &str {
        "bench-hash-384"
    }

    fn dim(&self) -> usize {
        384
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        Ok(texts
            .iter()
            .map(|t| {
                let words: Vec<String> = t
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.len() > 2)
                    .map(str::to_lowercase)
                    .collect();
                let mut v = vec![0f32; 384];
                let mut add = |f: &str| {
                    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                    for b in f.bytes() {
                        h ^= u64::from(b);
                        h = h.wrapping_mul(0x0100_0000_01b3);
                    }
                    let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
                    v[(h % 384) as usize] += sign;
                };
                for w in &words {
                    add(w);
                }
                for p in words.windows(2) {
                    add(&format!("{} {}", p[0], p[1]));
                }
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), AnyError> {
    let corpus = PathBuf::from(arg(
        "--corpus",
        "../shared/data/benchmark/papers_unified.jsonl.gz",
    ));
    let data = PathBuf::from(arg("--data", "/tmp/papers-bench-for-you"));
    let readers: usize = arg("--readers", "30").parse()?;
    let liked_n: usize = arg("--liked", "40").parse()?;
    let days: i64 = arg("--days", "7").parse()?;
    std::fs::create_dir_all(&data)?;
    let db = data.join("papers.db");
    let fresh = !db.exists();
    let store = Store::open_sqlite(&db).await?;
    let now = jiff::Timestamp::now();
    if fresh {
        let t = Instant::now();
        let mut batch = Vec::new();
        let mut total = 0usize;
        let mut pending = Vec::new();
        read_sources(
            Format::PapersJsonl,
            std::slice::from_ref(&corpus),
            &mut |e| {
                if let Event::Record(r, _) = e {
                    batch.push(*r);
                    if batch.len() == 2000 {
                        pending.push(std::mem::take(&mut batch));
                    }
                }
                ControlFlow::Continue(())
            },
        )?;
        pending.push(batch);
        for b in pending {
            total += b.len();
            store.upsert_batch(&b, now).await?;
        }
        eprintln!(
            "ingested {total} records in {:.0} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let embedder: Arc<dyn Embedder> = Arc::new(Hashing384);
    let (service, _) = SearchService::open(&store, &data.join("index"), Ok(embedder)).await?;
    let mut embedded = 0;
    loop {
        let n = service.embed_missing(&store, 4000).await?;
        if n == 0 {
            break;
        }
        embedded += n;
    }
    let vectors = service.engine().vector_count();
    eprintln!(
        "search index ready in {:.0} s ({embedded} embedded now, {vectors} vectors)",
        t.elapsed().as_secs_f64()
    );

    let fetcher = HttpFetcher::new(HarvestConfig::default())?;
    let community = Community::new(
        store.clone(),
        Arc::new(SystemClock),
        ArxivApiClient::new("http://127.0.0.1:9", fetcher),
        CommunitySettings::default(),
    );

    // Readers: each likes papers sharing a topic word, in the order the
    // keyword index ranks them, and dismisses a few papers of another.
    let topics = [
        "diffusion",
        "reinforcement",
        "graph",
        "retrieval",
        "quantum",
        "robot",
        "speech",
        "protein",
        "agents",
        "vision",
        "reasoning",
        "privacy",
        "compression",
        "translation",
        "segmentation",
    ];
    let mut times = Vec::new();
    let mut personal = 0;
    let mut window = 0usize;
    for r in 0..readers {
        let name = format!("bench{r}-{}", now.as_second());
        let user = match store
            .create_user(&name, &format!("{name}@example.org"), "!", Role::User, now)
            .await?
        {
            Ok(u) => u,
            Err(e) => return Err(format!("{e:?}").into()),
        };
        let topic = topics[r % topics.len()];
        let other = topics[(r + 7) % topics.len()];
        let req = papers_search::SearchRequest::new(topic).limit(liked_n);
        let liked = service.search(&req)?.results;
        for hit in &liked {
            let id = ArxivId::parse(&hit.paper_id)?;
            let _ = store.set_vote(user.id, &id, true, now).await?;
        }
        let req = papers_search::SearchRequest::new(other).limit(5);
        for hit in service.search(&req)?.results {
            let id = ArxivId::parse(&hit.paper_id)?;
            let _ = store.set_not_interested(user.id, &id, true, now).await?;
        }
        let ask = ForYouRequest {
            limit: 30,
            days,
            trending_weight: None,
        };
        // One warm-up call per reader (the store's page cache), then timed.
        community.for_you(Some(&service), &user, ask).await?;
        let t = Instant::now();
        let feed = community.for_you(Some(&service), &user, ask).await?;
        times.push(t.elapsed());
        personal += usize::from(feed.personal);
        window = window.max(feed.items.len());
    }
    times.sort();
    let p = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    println!(
        "{}",
        serde_json::json!({
            "papers_with_vectors": vectors,
            "readers": readers,
            "personal": personal,
            "liked_per_reader": liked_n,
            "days": days,
            "items": window,
            "ms_p50": (p(0.5) * 100.0).round() / 100.0,
            "ms_p95": (p(0.95) * 100.0).round() / 100.0,
            "ms_max": (p(1.0) * 100.0).round() / 100.0,
        })
    );
    Ok(())
}
