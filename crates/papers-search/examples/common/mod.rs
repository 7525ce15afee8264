//! Helpers shared by the benchmark and evaluation examples.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;

use papers_search::SearchDoc;

pub type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// `--name value` from the command line, or `default`.
pub fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The machine and the date, printed before every figure.
pub fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1_048_576.0);
    println!(
        "{}",
        serde_json::json!({
            "machine": format!("{cores} cores, {mem_gib:.0} GiB, {cpu}"),
            "date": jiff::Timestamp::now().to_string(),
        })
    );
}

/// Reads papers from a `papers_unified.jsonl[.gz]` file (at most `limit`,
/// taking every `step`-th line).
pub fn load_papers(path: &Path, limit: usize, step: usize) -> Result<Vec<SearchDoc>, AnyError> {
    let file = std::fs::File::open(path)?;
    let reader: Box<dyn BufRead> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut docs = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        if docs.len() >= limit {
            break;
        }
        if i % step.max(1) != 0 {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let strings = |key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        docs.push(SearchDoc {
            id: v["id"].as_str().unwrap_or_default().to_string(),
            title: v["title"].as_str().unwrap_or_default().to_string(),
            abstract_text: v["abstract"].as_str().unwrap_or_default().to_string(),
            authors: strings("authors"),
            categories: strings("categories"),
            published: v["published_at"]
                .as_str()
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .map(|ts| ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()),
        });
    }
    Ok(docs)
}

pub fn read_lines(path: &Path) -> Result<Vec<String>, AnyError> {
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// The p-th percentile (0..=100) of durations in milliseconds.
pub fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted_ms.len() - 1) as f64).round() as usize;
    sorted_ms[rank.min(sorted_ms.len() - 1)]
}

pub fn summary(mut ms: Vec<f64>) -> serde_json::Value {
    ms.sort_by(f64::total_cmp);
    serde_json::json!({
        "n": ms.len(),
        "p50_ms": round3(percentile(&ms, 50.0)),
        "p95_ms": round3(percentile(&ms, 95.0)),
        "p99_ms": round3(percentile(&ms, 99.0)),
        "max_ms": round3(ms.last().copied().unwrap_or(f64::NAN)),
    })
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A deterministic generator (xorshift64), so benches need no `rand`.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn unit(&mut self, dim: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..dim)
            .map(|_| (0..4).map(|_| self.next_f32()).sum::<f32>() - 2.0)
            .collect();
        papers_search::embed::normalize(&mut v);
        v
    }
}
