//! Search over HTTP: the results page, the HF-compatible API, explanations,
//! similar papers and the search feed.

use crate::common::{Options, record, site_with};

fn corpus() -> Vec<papers_core::IngestRecord> {
    vec![
        record(
            "2608.00001",
            "Diffusion models for image synthesis",
            "We train denoising diffusion models that synthesise images.",
            "2026-08-21",
            0,
            3,
        ),
        record(
            "2608.00002",
            "Large language models reason with chains of thought",
            "Prompting language models to think step by step improves reasoning.",
            "2026-08-21",
            1,
            30,
        ),
        record(
            "2608.00003",
            "Graph neural networks for molecules",
            "Message passing networks predict molecular properties.",
            "2026-08-20",
            0,
            7,
        ),
        record(
            "2608.00004",
            "Scaling laws of language models",
            "Loss falls as a power law in parameters and data for language models.",
            "2026-08-20",
            1,
            12,
        ),
    ]
}

async fn searchable() -> crate::common::Site {
    site_with(
        corpus(),
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await
}

#[tokio::test]
async fn the_api_answers_like_hugging_face_and_explains_itself() {
    let site = searchable().await;
    let (status, json) = site
        .json("/api/papers/search?q=language%20models&limit=10")
        .await;
    assert_eq!(status, 200);
    let items = json.as_array().unwrap();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["paper"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"2608.00002") && ids.contains(&"2608.00004"),
        "{ids:?}"
    );
    assert_eq!(items[0]["title"], items[0]["paper"]["title"]);
    assert!(items[0].get("explain").is_none());
    let (_, json) = site
        .json("/api/papers/search?q=language%20models&explain=true&mode=hybrid")
        .await;
    let x = &json[0]["explain"];
    assert_eq!(x["mode"], "hybrid");
    assert!(
        x["keywordRank"].as_u64().is_some() && x["semanticRank"].as_u64().is_some(),
        "{x}"
    );
    assert!(x["fusedScore"].as_f64().unwrap() > 0.0);
    let (_, json) = site
        .json("/api/papers/search?q=%22graph%20neural%22&mode=keyword")
        .await;
    assert_eq!(json.as_array().unwrap().len(), 1, "a quoted phrase");
    assert_eq!(json[0]["paper"]["id"], "2608.00003");
    let (_, json) = site
        .json("/api/papers/search?q=author:Turing%20molecules&mode=keyword")
        .await;
    assert_eq!(json[0]["paper"]["id"], "2608.00003");
}

#[tokio::test]
async fn bad_queries_get_400_never_500() {
    let site = searchable().await;
    for (q, code) in [
        ("", "invalid_query"),
        ("q=", "invalid_query"),
        (&format!("q={}", "a".repeat(251)), "invalid_query"),
        ("q=x&limit=0", "invalid_limit"),
        ("q=x&limit=121", "invalid_limit"),
        ("q=x&mode=fuzzy", "invalid_mode"),
    ] {
        let (status, json) = site.json(&format!("/api/papers/search?{q}")).await;
        assert_eq!(status, 400, "{q}");
        assert_eq!(json["code"], code, "{q}");
    }
    for nasty in [
        "%22unbalanced",
        "author:",
        "((",
        "-",
        "*",
        "title:foo%20AND",
        "%E2%88%80x",
    ] {
        let (status, _) = site.json(&format!("/api/papers/search?q={nasty}")).await;
        assert_eq!(status, 200, "{nasty}");
        let (status, _, _) = site.get(&format!("/papers?q={nasty}")).await;
        assert_eq!(status, 200, "{nasty}");
    }
}

#[tokio::test]
async fn the_page_similar_papers_and_the_search_feed() {
    let site = searchable().await;
    let (status, body, _) = site.get("/papers?q=diffusion").await;
    assert_eq!(status, 200);
    assert!(body.contains("Diffusion models for image synthesis"));
    assert!(body.contains("3 authors") && body.contains("Published on"));
    assert!(body.contains("/papers/feed.atom?q=diffusion"));
    let (status, json) = site.json("/api/papers/2608.00004/similar").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["paper"]["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"2608.00004"), "not itself");
    assert_eq!(
        ids[0], "2608.00002",
        "the other language-model paper is nearest: {ids:?}"
    );
    let (_, page, _) = site.get("/papers/2608.00004").await;
    assert!(page.contains("Similar papers"));
    let (status, feed, headers) = site.get("/papers/feed.atom?q=diffusion").await;
    assert_eq!(status, 200);
    assert!(headers.get("etag").is_some());
    assert!(feed.contains("Diffusion models for image synthesis"));
    assert_eq!(site.json("/api/papers/2608.99999/similar").await.0, 404);
}

#[tokio::test]
async fn the_upkeep_skips_an_unchanged_store_and_catches_what_others_wrote() {
    let site = searchable().await;
    let service = site.state.search.clone().unwrap();
    let store = &site.store;
    assert_eq!(
        service.sync_if_changed(store).await.unwrap(),
        None,
        "nothing changed since the engine opened"
    );
    // Another process (a CLI import) adds a paper to the store.
    let new = record(
        "2608.00009",
        "Protein folding with transformers",
        "Attention predicts protein structure.",
        "2026-08-21",
        0,
        1,
    );
    store
        .upsert_batch(&[new], jiff::Timestamp::now())
        .await
        .unwrap();
    let report = service.sync_if_changed(store).await.unwrap().unwrap();
    assert_eq!(report.added, 1);
    assert_eq!(service.sync_if_changed(store).await.unwrap(), None);
    // …and then its vector, embedded by that process.
    let model = service.embedder().unwrap().model_id().to_string();
    let before = service.engine().vector_count();
    let v = service
        .embedder()
        .unwrap()
        .embed(&["protein folding"])
        .unwrap();
    store
        .put_vectors(&model, &[("2608.00009".to_string(), v[0].clone())])
        .await
        .unwrap();
    assert!(service.sync_if_changed(store).await.unwrap().is_some());
    assert_eq!(service.engine().vector_count(), before + 1);
    let found = service
        .similar("2608.00009", 3)
        .unwrap()
        .into_iter()
        .map(|r| r.paper_id)
        .collect::<Vec<_>>();
    assert_eq!(found.len(), 3, "its vector is searchable: {found:?}");
}

#[tokio::test]
async fn a_process_that_found_the_index_held_takes_it_over_once_free() {
    let site = searchable().await;
    let store = &site.store;
    let dir = tempfile::tempdir().unwrap();
    let no_model = || Err("keyword only".to_string());
    let (first, _) = papers_app::SearchService::open(store, dir.path(), no_model())
        .await
        .unwrap();
    assert!(!first.read_only());
    // Like a server started while a command held the writer.
    let (second, report) = papers_app::SearchService::open(store, dir.path(), no_model())
        .await
        .unwrap();
    assert!(second.read_only());
    assert_eq!(
        report.index_docs, 4,
        "it still searches what the other built"
    );
    assert!(second.sync(store).await.is_err(), "no writes while held");
    drop(first);
    let report = second.sync(store).await.unwrap();
    assert!(!second.read_only(), "the writer was free, so it took it");
    assert_eq!(report.index_docs, 4);
}
