//! The int8 model on ONNX Runtime (`OnnxEmbedder`). Needs `model-int8.onnx`
//! and `libonnxruntime.so` next to the f32 files: `scripts/fetch-model.sh
//! DIR` and `PAPERS_MODEL_DIR=DIR`. Without them the tests say so and pass,
//! except under CI (`CI` set), where they are a failure.
//!
//! `OnnxEmbedder` reuses the f32 model's id, so its vectors must be
//! interchangeable with candle's: cosine ≥ 0.995 to every sentence-transformers
//! reference vector and to candle's vector of every fixture paper.

use std::path::PathBuf;

use papers_search::{Embedder, MiniLmEmbedder, OnnxEmbedder, SearchDoc};

use crate::{data_dir, fixture_papers};

const MIN_COSINE: f32 = 0.995;

/// The model directory when it holds the int8 files; `None` skips (a panic
/// under CI).
fn onnx_dir(check: &str) -> Option<PathBuf> {
    let dir = papers_testkit::model_dir(check)?;
    let missing: Vec<PathBuf> = OnnxEmbedder::expected_files(&dir)
        .into_iter()
        .filter(|p| !p.exists())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    let problem = format!("{missing:?} missing");
    let hint = "run `scripts/fetch-model.sh DIR` (it fetches the int8 model and ONNX Runtime)";
    if std::env::var_os("CI").is_some() {
        panic!("{check}: {problem}; {hint}");
    }
    eprintln!("SKIPPED {check}: {problem}; {hint}");
    None
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn onnx_int8_matches_the_f32_reference() {
    let Some(dir) = onnx_dir("the int8 ONNX reference test") else {
        return;
    };
    let embedder = OnnxEmbedder::load(&dir).unwrap();
    assert_eq!(embedder.dim(), 384);
    assert_eq!(
        embedder.model_id(),
        "sentence-transformers/all-MiniLM-L6-v2"
    );
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data_dir().join("embeddings/minilm_reference.json")).unwrap(),
    )
    .unwrap();
    let items = reference["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    let texts: Vec<&str> = items.iter().map(|i| i["text"].as_str().unwrap()).collect();
    let wants: Vec<Vec<f32>> = items
        .iter()
        .map(|item| {
            let v = item["vector"].as_array().unwrap();
            v.iter().map(|x| x.as_f64().unwrap() as f32).collect()
        })
        .collect();
    let got = embedder.embed(&texts).unwrap();
    for ((v, want), text) in got.iter().zip(&wants).zip(&texts) {
        assert_eq!(v.len(), want.len());
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        let c = cosine(v, want);
        assert!(
            c >= MIN_COSINE,
            "{:?}: cosine {c} to the f32 reference",
            &text[..30.min(text.len())]
        );
    }
    // Alone or in a batch (other texts change the per-batch activation
    // scales of the dynamic quantisation): nearly the same, and within the
    // bound to the reference either way. (Measured: ≥ 0.998 to each other.)
    for (i, (text, want)) in texts.iter().zip(&wants).enumerate() {
        let alone = embedder.embed(&[text]).unwrap();
        let c = cosine(&alone[0], &got[i]);
        assert!(
            c >= 0.997,
            "text {i}: batching moved the vector to cosine {c}"
        );
        let c = cosine(&alone[0], want);
        assert!(
            c >= MIN_COSINE,
            "text {i} alone: cosine {c} to the reference"
        );
    }
}

#[test]
fn onnx_int8_agrees_with_candle_on_real_abstracts() {
    let Some(dir) = onnx_dir("the int8 ONNX vs candle test") else {
        return;
    };
    let onnx = OnnxEmbedder::load(&dir).unwrap();
    let candle = MiniLmEmbedder::load(&dir).unwrap();
    assert_eq!(onnx.model_id(), candle.model_id());
    let papers: Vec<SearchDoc> = fixture_papers();
    let texts: Vec<String> = papers.iter().map(SearchDoc::embedding_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let a = onnx.embed(&refs).unwrap();
    let b = candle.embed(&refs).unwrap();
    let cosines: Vec<f32> = a.iter().zip(&b).map(|(x, y)| cosine(x, y)).collect();
    let min = cosines.iter().copied().fold(1.0f32, f32::min);
    assert!(min >= MIN_COSINE, "lowest cosine {min}: {cosines:?}");
}

#[test]
fn onnx_int8_finds_a_paper_from_a_paraphrase() {
    let Some(dir) = onnx_dir("the int8 ONNX paraphrase test") else {
        return;
    };
    let embedder = OnnxEmbedder::load(&dir).unwrap();
    let papers: Vec<SearchDoc> = fixture_papers();
    let texts: Vec<String> = papers.iter().map(SearchDoc::embedding_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs).unwrap();
    // A paraphrase of 2509.22909 (infrared small target detection with YOLO)
    // that shares few of its words.
    let query = "spotting tiny objects in thermal camera footage quickly with a one-stage detector";
    let q = &embedder.embed(&[query]).unwrap()[0];
    let mut scored: Vec<(f32, &str)> = vectors
        .iter()
        .zip(&papers)
        .map(|(v, p)| (v.iter().zip(q).map(|(a, b)| a * b).sum(), p.id.as_str()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(scored[0].1, "2509.22909", "{scored:?}");
}
