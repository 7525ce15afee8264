//! The real model. Needs the weights: `scripts/fetch-model.sh DIR` and
//! `PAPERS_MODEL_DIR=DIR`. Without them the tests say so and pass, except
//! under CI (`CI` set), where a missing model is a failure.

use papers_search::{Embedder, MiniLmEmbedder, SearchDoc};

use crate::{data_dir, fixture_papers};

#[test]
fn minilm_matches_the_sentence_transformers_reference() {
    let Some(dir) = papers_testkit::model_dir("the all-MiniLM-L6-v2 test") else {
        return;
    };
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data_dir().join("embeddings/minilm_reference.json")).unwrap(),
    )
    .unwrap();
    let items = reference["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    let texts: Vec<&str> = items.iter().map(|i| i["text"].as_str().unwrap()).collect();
    let got = embedder.embed(&texts).unwrap();
    assert_eq!(embedder.dim(), 384);
    for (item, v) in items.iter().zip(&got) {
        let want: Vec<f32> = item["vector"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(v.len(), want.len());
        let max_diff = v
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            max_diff <= 1e-4,
            "{:?}: max abs diff {max_diff}",
            &item["text"].as_str().unwrap()[..30.min(item["text"].as_str().unwrap().len())]
        );
    }
    // One text alone gives the same vector as in a padded batch.
    let alone = embedder.embed(&texts[..1]).unwrap();
    let diff = alone[0]
        .iter()
        .zip(&got[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff <= 1e-5, "batching changed a vector by {diff}");
}

#[test]
fn minilm_finds_a_paper_from_a_paraphrase() {
    let Some(dir) = papers_testkit::model_dir("the all-MiniLM-L6-v2 test") else {
        return;
    };
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
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
