use std::sync::Arc;

use jiff::civil::date;
use papers_search::{
    Embedder, Fusion, HashEmbedder, KeywordIndex, SearchEngine, SearchError, SearchMode,
    SearchRequest, VectorSet,
};

use crate::doc;

fn corpus() -> Vec<papers_search::SearchDoc> {
    let mut docs = vec![
        doc(
            "p1",
            "Sparse attention for long documents",
            "Efficient transformers with sparse attention patterns.",
        ),
        doc(
            "p2",
            "Protein folding with deep learning",
            "Predicting protein structure from sequence.",
        ),
        doc(
            "p3",
            "Attention is what you need for proteins",
            "Transformers applied to protein sequences.",
        ),
        doc(
            "p4",
            "Graph coloring heuristics",
            "Classical combinatorial optimisation on graphs.",
        ),
        doc(
            "p5",
            "Long context language models",
            "Scaling context windows with efficient attention.",
        ),
    ];
    for (i, d) in docs.iter_mut().enumerate() {
        d.categories = vec![if i % 2 == 0 { "cs.LG" } else { "q-bio.BM" }.to_string()];
        d.published = Some(date(2024, 1, 1 + i as i8));
        d.authors = vec![format!("Author {i}")];
    }
    docs
}

fn engine() -> SearchEngine {
    let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder);
    let engine = SearchEngine::new(KeywordIndex::in_memory().unwrap())
        .unwrap()
        .with_semantic(embedder, &VectorSet::new("hash-64", 64))
        .unwrap();
    engine.upsert(&corpus()).unwrap();
    engine
}

fn ids(results: &[papers_search::SearchResult]) -> Vec<&str> {
    results.iter().map(|r| r.paper_id.as_str()).collect()
}

#[test]
fn the_three_modes_answer_and_explain() {
    let engine = engine();
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let response = engine
            .search(&SearchRequest::new("efficient attention transformers").mode(mode))
            .unwrap();
        assert_eq!(response.mode, mode);
        assert!(!response.degraded);
        assert!(!response.results.is_empty(), "{mode:?}");
        let top = &response.results[0];
        assert_eq!(top.score, top.explain.fused_score);
        match mode {
            SearchMode::Keyword => assert_eq!(top.explain.semantic_rank, None),
            SearchMode::Semantic => assert_eq!(top.explain.keyword_rank, None),
            SearchMode::Hybrid => {
                assert!(top.explain.keyword_rank.is_some() && top.explain.semantic_rank.is_some());
                let k = Fusion::DEFAULT_RRF_K;
                let want = 1.0 / (k + top.explain.keyword_rank.unwrap() as f32)
                    + 1.0 / (k + top.explain.semantic_rank.unwrap() as f32);
                assert!((top.score - want).abs() < 1e-6);
            }
        }
    }
    let json =
        serde_json::to_value(engine.search(&SearchRequest::new("protein")).unwrap()).unwrap();
    assert_eq!(json["mode"], "hybrid");
    assert!(json["results"][0]["explain"]["keyword_rank"].is_number());
}

#[test]
fn paging_and_convex_fusion() {
    let engine = engine();
    let all = engine
        .search(&SearchRequest::new("attention protein").limit(10))
        .unwrap()
        .results;
    let mut page = SearchRequest::new("attention protein").limit(2);
    page.offset = 1;
    assert_eq!(ids(&engine.search(&page).unwrap().results), ids(&all[1..3]));
    let mut convex = SearchRequest::new("attention protein");
    convex.fusion = Fusion::Convex { alpha: 0.0 };
    let keyword_only = engine.search(&convex).unwrap().results;
    let keyword = engine
        .search(&SearchRequest::new("attention protein").mode(SearchMode::Keyword))
        .unwrap()
        .results;
    assert_eq!(ids(&keyword_only)[..keyword.len()], ids(&keyword)[..]);
}

#[test]
fn filters_apply_to_semantic_candidates_too() {
    let engine = engine();
    for mode in [SearchMode::Semantic, SearchMode::Hybrid] {
        let mut req = SearchRequest::new("attention cat:q-bio.BM").mode(mode);
        let got = engine.search(&req).unwrap().results;
        assert!(!got.is_empty());
        assert!(
            ids(&got).iter().all(|id| ["p2", "p4"].contains(id)),
            "{mode:?} {got:?}"
        );
        req.q = "attention".into();
        req.from = Some(date(2024, 1, 4));
        let got = engine.search(&req).unwrap().results;
        assert!(
            ids(&got).iter().all(|id| ["p4", "p5"].contains(id)),
            "{mode:?} {got:?}"
        );
        req.q = "attention author:\"author 2\"".into();
        req.from = None;
        assert_eq!(ids(&engine.search(&req).unwrap().results), ["p3"]);
    }
}

#[test]
fn similar_excludes_the_paper_itself() {
    let engine = engine();
    let similar = engine.similar("p2", 3).unwrap();
    assert_eq!(similar.len(), 3);
    assert!(!ids(&similar).contains(&"p2"));
    assert!(matches!(
        engine.similar("nope", 3),
        Err(SearchError::UnknownPaper(_))
    ));
}

#[test]
fn without_a_model_semantic_degrades_to_keyword() {
    let keyword = KeywordIndex::in_memory().unwrap();
    keyword.upsert(&corpus()).unwrap();
    let engine = SearchEngine::new(keyword).unwrap();
    assert!(!engine.semantic_available());
    let response = engine.search(&SearchRequest::new("protein")).unwrap();
    assert!(response.degraded);
    assert_eq!(response.mode, SearchMode::Keyword);
    assert!(!response.results.is_empty());
    assert!(matches!(
        engine.similar("p2", 3),
        Err(SearchError::SemanticUnavailable)
    ));
    let plain = engine
        .search(&SearchRequest::new("protein").mode(SearchMode::Keyword))
        .unwrap();
    assert!(!plain.degraded);
}

#[test]
fn vectors_of_another_model_are_refused_and_persist_with_their_model() {
    let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder);
    let engine = engine();
    let saved = engine.vector_set().unwrap();
    assert_eq!(saved.len(), 5);
    let loaded = VectorSet::from_bytes(&saved.to_bytes()).unwrap();
    assert_eq!(loaded.model_id(), "hash-64");
    // A fresh engine over the same stored vectors answers without re-embedding.
    let keyword = KeywordIndex::in_memory().unwrap();
    keyword.upsert(&corpus()).unwrap();
    let reopened = SearchEngine::new(keyword)
        .unwrap()
        .with_semantic(embedder.clone(), &loaded)
        .unwrap();
    let q = SearchRequest::new("protein structure").mode(SearchMode::Semantic);
    assert_eq!(
        ids(&reopened.search(&q).unwrap().results),
        ids(&engine.search(&q).unwrap().results)
    );
    let mut other = loaded.clone();
    other.model_id = "sentence-transformers/all-MiniLM-L6-v2".into();
    let err = SearchEngine::new(KeywordIndex::in_memory().unwrap())
        .unwrap()
        .with_semantic(embedder, &other)
        .err()
        .unwrap();
    assert!(matches!(err, SearchError::ModelMismatch { .. }), "{err}");
}

#[test]
fn removal_reaches_every_index() {
    let engine = engine();
    engine.remove("p2").unwrap();
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let got = engine
            .search(&SearchRequest::new("protein folding").mode(mode))
            .unwrap()
            .results;
        assert!(!ids(&got).contains(&"p2"), "{mode:?}");
    }
    assert_eq!(engine.keyword().num_docs(), 4);
}
