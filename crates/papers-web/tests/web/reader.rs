//! Issue 14, the reader's own layer: collections (Hugging Face's API shape,
//! pages, BibTeX, feeds, privacy) and "For you" (learned from upvotes,
//! saves and "not interested", every item with its reason).

use serde_json::json;

use crate::common::{Options, record, site, site_with, token_after};

fn papers() -> Vec<papers_core::IngestRecord> {
    vec![
        record(
            "2608.00001",
            "Graph neural networks for molecules",
            "We learn molecular graph neural networks with message passing over atoms and bonds.",
            "2026-08-20",
            1,
            9,
        ),
        record(
            "2608.00002",
            "Message passing graph networks at scale",
            "Graph neural networks with message passing scale to molecules and bonds of proteins.",
            "2026-08-20",
            2,
            1,
        ),
        record(
            "2608.00003",
            "Diffusion models for <images> & video",
            "Denoising diffusion generates images and video frames from noise with a sampler.",
            "2026-08-21",
            1,
            30,
        ),
        record(
            "2608.00004",
            "Faster diffusion samplers",
            "A sampler for denoising diffusion of images that needs fewer steps from noise.",
            "2026-08-21",
            2,
            20,
        ),
        record(
            "2608.00005",
            "Graph networks predict molecular bonds",
            "Message passing neural networks over molecular graphs of atoms predict bonds.",
            "2026-08-19",
            1,
            0,
        ),
    ]
}

/// `POST /api/collections` then `POST …/items` in both body shapes; the
/// answers are Hugging Face's `Collection`; a paper is in it once; the
/// list by item and by owner shows public collections only; private ones
/// are the owner's alone; only the owner edits.
#[tokio::test]
async fn collections_speak_hugging_faces_api() {
    let site = site(papers()).await;
    let ada = site.user_with_token("ada").await;
    let bob = site.user_with_token("bob").await;
    let r = site
        .api(
            "POST",
            "/api/collections",
            Some(&ada),
            Some(json!({"title": "Graphs & <molecules>", "private": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 24);
    let slug = c["slug"].as_str().unwrap().to_string();
    assert_eq!(slug, format!("ada/graphs-molecules-{id}"));
    assert_eq!(c["owner"]["name"], "ada");
    assert_eq!(c["items"], json!([]));

    let items = format!("/api/collections/{id}/items");
    let r = site
        .api(
            "POST",
            &items,
            Some(&ada),
            Some(json!({"paperId": "2608.00001"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Hugging Face's body, through the slug path `huggingface_hub` uses.
    let r = site
        .api(
            "POST",
            &format!("/api/collections/{slug}/items"),
            Some(&ada),
            Some(json!({"item": {"id": "2608.00005", "type": "paper"}, "note": "read *first*"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json();
    assert_eq!(c["items"][1]["id"], "2608.00005");
    assert_eq!(c["items"][1]["type"], "paper");
    assert_eq!(c["items"][1]["note"]["text"], "read *first*");
    assert_eq!(
        c["items"][1]["note"]["html"],
        "<p>read <em>first</em></p>\n"
    );
    let second = c["items"][1]["_id"].as_str().unwrap().to_string();
    let r = site
        .api(
            "POST",
            &items,
            Some(&ada),
            Some(json!({"paperId": "2608.00001"})),
        )
        .await;
    assert_eq!(r.status, 409, "a paper is in a collection once: {}", r.body);
    let r = site
        .api(
            "POST",
            &items,
            Some(&ada),
            Some(json!({"item": {"id": "org/model", "type": "model"}})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = site
        .api(
            "POST",
            &items,
            Some(&bob),
            Some(json!({"paperId": "2608.00002"})),
        )
        .await;
    assert_eq!(r.status, 404, "only the owner adds: {}", r.body);

    // Move the second paper first.
    let r = site
        .api(
            "PATCH",
            &format!("{items}/{second}"),
            Some(&ada),
            Some(json!({"position": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ["2608.00005", "2608.00001"]);

    // Listed by the paper it holds and by owner, anonymously.
    let (s, list) = site.json("/api/collections?item=papers/2608.00005").await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    let (_, list) = site.json("/api/collections?owner=ADA").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = site.json("/api/collections?item=papers/2608.00002").await;
    assert_eq!(list, json!([]));

    // A private collection: the owner's alone.
    let r = site
        .api(
            "POST",
            "/api/collections",
            Some(&bob),
            Some(json!({"title": "Secret", "private": true})),
        )
        .await;
    let secret = r.json()["id"].as_str().unwrap().to_string();
    site.api(
        "POST",
        &format!("/api/collections/{secret}/items"),
        Some(&bob),
        Some(json!({"paperId": "2608.00005"})),
    )
    .await;
    let (_, list) = site.json("/api/collections?item=papers/2608.00005").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "private ones are not listed"
    );
    let path = format!("/api/collections/{secret}");
    assert_eq!(site.api("GET", &path, None, None).await.status, 404);
    assert_eq!(site.api("GET", &path, Some(&ada), None).await.status, 404);
    assert_eq!(site.api("GET", &path, Some(&bob), None).await.status, 200);
    assert_eq!(
        site.get(&format!("/collections/{secret}")).await.0,
        404,
        "nor its page"
    );
    assert_eq!(
        site.get(&format!("/collections/{secret}/feed.atom"))
            .await
            .0,
        404,
        "nor its feed"
    );

    // Rename; another user cannot; delete an item.
    let r = site
        .api(
            "PATCH",
            &format!("/api/collections/{id}"),
            Some(&bob),
            Some(json!({"title": "Mine now"})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = site
        .api(
            "PATCH",
            &format!("/api/collections/{id}"),
            Some(&ada),
            Some(json!({"title": "Graph reading"})),
        )
        .await;
    assert_eq!(r.json()["title"], "Graph reading");
    let r = site
        .api("DELETE", &format!("{items}/{second}"), Some(&ada), None)
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);

    // The export holds both of bob's collections' worth: his private one.
    let r = site.api("GET", "/api/me/export", Some(&bob), None).await;
    let export: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(export["collections"][0]["id"], secret.as_str());
    assert_eq!(export["collections"][0]["items"][0]["id"], "2608.00005");

    let r = site
        .api(
            "DELETE",
            &format!("/api/collections/{id}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        site.api("GET", &format!("/api/collections/{id}"), None, None)
            .await
            .status,
        404
    );
}

/// A public collection's page escapes what readers wrote, and its BibTeX
/// holds one entry per paper with unique keys; its feed lists its papers.
#[tokio::test]
async fn a_collection_has_a_page_bibtex_and_a_feed() {
    let site = site(papers()).await;
    let ada = site.user_with_token("ada").await;
    let r = site
        .api(
            "POST",
            "/api/collections",
            Some(&ada),
            Some(json!({"title": "<script>alert(1)</script> & co", "description": "x < y"})),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    for p in ["2608.00003", "2608.00004"] {
        let r = site
            .api(
                "POST",
                &format!("/api/collections/{id}/items"),
                Some(&ada),
                Some(json!({"paperId": p, "note": "<b>bold</b> claim"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let (s, html, _) = site.get(&format!("/collections/{id}")).await;
    assert_eq!(s, 200);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; &#38; co"),
        "{html}"
    );
    assert!(html.contains("Diffusion models for &#60;images&#62; &#38; video"));
    assert!(html.contains("&#60;b&#62;bold&#60;/b&#62; claim"));
    assert!(!html.contains("Edit this collection"), "not to a stranger");

    let (s, bib, h) = site.get(&format!("/collections/{id}.bib")).await;
    assert_eq!(s, 200);
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/x-bibtex")
    );
    assert_eq!(bib.matches("@misc{").count(), 2, "{bib}");
    assert!(bib.contains("eprint = {2608.00003}") && bib.contains("eprint = {2608.00004}"));
    let keys: Vec<&str> = bib
        .lines()
        .filter_map(|l| l.strip_prefix("@misc{"))
        .collect();
    assert_ne!(keys[0], keys[1], "{bib}");

    let (s, atom, _) = site.get(&format!("/collections/{id}/feed.atom")).await;
    assert_eq!(s, 200);
    assert!(atom.contains("Faster diffusion samplers"), "{atom}");
    // Hugging Face's page address leads to ours.
    let (s, _, h) = site
        .get(&format!("/collections/ada/script-alert-1-script-co-{id}"))
        .await;
    assert_eq!(s, 308);
    assert_eq!(h["location"], format!("/collections/{id}").as_str());
}

/// The paper page's forms save a paper to a new collection and to an
/// existing one; the owner's page moves, notes and removes it.
#[tokio::test]
async fn a_reader_saves_papers_from_their_pages() {
    let site = site(papers()).await;
    let mut b = site.browser();
    b.sign_up("ada").await;
    let csrf = b.csrf("/papers/2608.00003").await;
    let r = b
        .post(
            "/collections",
            &[
                ("csrf", &csrf),
                ("title", "Diffusion"),
                ("paper", "2608.00003"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = r.location().to_string();
    let id = page.trim_start_matches("/collections/").to_string();
    let html = b.get("/papers/2608.00004").await.body;
    assert!(
        html.contains(&format!("<option value=\"{id}\">Diffusion</option>")),
        "{html}"
    );
    let r = b
        .post(
            "/collections/save",
            &[
                ("csrf", &csrf),
                ("collection", &id),
                ("paper", "2608.00004"),
                ("note", "faster"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = b.get(&page).await.body;
    assert!(
        html.contains("Edit this collection") && html.contains("faster"),
        "{html}"
    );
    let (s, json) = site.json(&format!("/api/collections/{id}")).await;
    assert_eq!(s, 200);
    let second = json["items"][1]["_id"].as_str().unwrap().to_string();
    let r = b
        .post(
            &format!("/collections/{id}/items/{second}"),
            &[("csrf", &csrf), ("action", "up"), ("at", "1")],
        )
        .await;
    assert_eq!(r.status, 303);
    let (_, json) = site.json(&format!("/api/collections/{id}")).await;
    assert_eq!(json["items"][0]["id"], "2608.00004");
    let html = b.get("/papers/2608.00004").await.body;
    assert!(
        html.contains("In collections:"),
        "public ones are named on the paper"
    );
    let r = b
        .post(
            &format!("/collections/{id}/items/{second}"),
            &[("csrf", &csrf), ("action", "remove")],
        )
        .await;
    assert_eq!(r.status, 303);
    let (_, json) = site.json(&format!("/api/collections/{id}")).await;
    assert_eq!(json["items"].as_array().unwrap().len(), 1);
    let html = b.get("/collections").await.body;
    assert!(
        html.contains("Diffusion") && html.contains("1 paper"),
        "{html}"
    );
}

/// "For you" learns from upvotes: after two graph papers are upvoted, the
/// third graph paper leads, because of one of them; "not interested" takes
/// it out; without signals it is the trending list; no caller is a 401.
#[tokio::test]
async fn for_you_learns_from_what_a_reader_does() {
    // Each paper by an author of its own: here the model, not a shared
    // author, decides (a favourite author's lift is in follows.rs).
    let mut corpus = papers();
    for (n, r) in corpus.iter_mut().enumerate() {
        r.paper.authors = vec![papers_core::Author::named(format!("Author {n}"))];
    }
    let site = site_with(
        corpus,
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await;
    let ada = site.user_with_token("ada").await;
    let feed = |r: crate::common::Reply| -> Vec<(String, String)> {
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["paper"]["id"].as_str().unwrap().to_string(),
                    i["reason"]["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let path = "/api/feed/for-you?days=7&limit=3";
    let cold = feed(site.api("GET", path, Some(&ada), None).await);
    assert_eq!(
        cold,
        [
            ("2608.00003".to_string(), "trending".to_string()),
            ("2608.00004".to_string(), "trending".to_string()),
            ("2608.00001".to_string(), "trending".to_string()),
        ],
        "no signals yet: trending"
    );
    for p in ["2608.00001", "2608.00002"] {
        let r = site
            .api("POST", &format!("/api/papers/{p}/upvote"), Some(&ada), None)
            .await;
        assert_eq!(r.status, 200);
    }
    let r = site
        .api("GET", "/api/feed/for-you?blend=0", Some(&ada), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first = &r.json()[0];
    assert_eq!(first["paper"]["id"], "2608.00005", "{}", r.body);
    assert_eq!(first["reason"]["kind"], "because");
    assert_eq!(first["reason"]["how"], "upvoted");
    assert!(
        first["reason"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Because you upvoted “"),
        "{}",
        r.body
    );
    let ids: Vec<String> = feed(r).into_iter().map(|(id, _)| id).collect();
    assert!(
        !ids.contains(&"2608.00001".to_string()),
        "upvoted papers are not recommended again: {ids:?}"
    );
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00005/not-interested",
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let ids: Vec<String> = feed(site.api("GET", "/api/feed/for-you", Some(&ada), None).await)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(!ids.contains(&"2608.00005".to_string()), "{ids:?}");
    assert_eq!(
        site.api("GET", "/api/feed/for-you", None, None)
            .await
            .status,
        401
    );
    let r = site
        .api("GET", "/api/feed/for-you?blend=2", Some(&ada), None)
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    // The page, signed in; signed out it sends the reader to sign in.
    let mut b = site.browser();
    b.sign_up("grace").await;
    let html = b.get("/papers/for-you").await.body;
    assert!(
        html.contains("For you") && html.contains("Trending"),
        "{html}"
    );
    let (s, _, _) = site.get("/papers/for-you").await;
    assert_eq!(s, 303);
}

/// Issue 14: "For you" as a digest. Only a signed-in reader may subscribe
/// to it; the mail carries their feed (not what they already upvoted), and
/// the next run never sends a paper twice.
#[tokio::test]
async fn a_for_you_digest_sends_the_readers_feed_never_a_paper_twice() {
    use std::sync::Arc;
    let site = site_with(
        papers(),
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await;
    let mailbox = site.state.mail.mailer.memory_mailbox().unwrap().clone();
    let token = site.user_with_token("ada").await;
    for p in ["2608.00001", "2608.00002"] {
        site.api(
            "POST",
            &format!("/api/papers/{p}/upvote"),
            Some(&token),
            None,
        )
        .await;
    }
    let mut anon = site.browser();
    let csrf = anon.csrf("/subscribe").await;
    let r = anon
        .post(
            "/subscribe",
            &[
                ("csrf", &csrf),
                ("email", "ada@example.org"),
                ("for_you", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "signed out: {}", r.body);
    assert!(r.body.contains("sign in"), "{}", r.body);

    let mut b = site.browser();
    assert_eq!(b.sign_in("ada", "correct horse battery").await.status, 303);
    let page = b.get("/subscribe").await.body;
    assert!(page.contains("my “For you” feed"), "{page}");
    let csrf = b.csrf("/subscribe").await;
    let r = b
        .post(
            "/subscribe",
            &[
                ("csrf", &csrf),
                ("email", "ada@example.org"),
                ("cadence", "daily"),
                ("for_you", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let confirm = mailbox.sent().last().unwrap().mail.text.clone();
    assert!(confirm.contains("papers for you"), "{confirm}");
    let token = token_after(&confirm, "/subscriptions/confirm?token=");
    let r = site
        .api(
            "POST",
            &format!("/subscriptions/confirm?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let search = site
        .state
        .search
        .clone()
        .map(|s| s as Arc<dyn papers_app::SavedSearch>);
    let run = |day: &'static str| {
        let search = search.clone();
        let site = &site;
        async move {
            site.state
                .community
                .send_digests(
                    &site.state.mail,
                    papers_app::Period::Daily(day.parse().unwrap()),
                    search,
                    2,
                    Arc::new(|_: &papers_app::DigestReport| {}),
                )
                .await
                .unwrap()
        }
    };
    let before = mailbox.sent().len();
    assert_eq!(run("2026-08-21").await.sent, 1);
    let first = mailbox.sent()[before].mail.text.clone();
    assert!(first.contains("2608.00005"), "the reader's pick: {first}");
    assert!(
        !first.contains("/papers/2608.00001"),
        "not what they upvoted: {first}"
    );
    let sent_first: Vec<&str> = ["2608.00003", "2608.00004", "2608.00005"]
        .into_iter()
        .filter(|p| first.contains(&format!("/papers/{p}")))
        .collect();
    let report = run("2026-08-24").await;
    let second = if report.sent == 1 {
        mailbox.sent().last().unwrap().mail.text.clone()
    } else {
        String::new()
    };
    for p in sent_first {
        assert!(
            !second.contains(&format!("/papers/{p}")),
            "{p} sent twice: {second}"
        );
    }
}

/// Without a model (no semantic search) and with a window that holds only
/// what the reader already upvoted, "For you" goes on with the most
/// upvoted papers of the year before the window.
#[tokio::test]
async fn for_you_without_a_model_reaches_back_past_an_empty_window() {
    let mut records = papers();
    records.push(record(
        "2612.00001",
        "A paper listed months later",
        "Alone in its week.",
        "2026-12-01",
        1,
        0,
    ));
    let site = site(records).await;
    let token = site.user_with_token("ada").await;
    site.api("POST", "/api/papers/2612.00001/upvote", Some(&token), None)
        .await;
    let r = site
        .api("GET", "/api/feed/for-you?limit=3", Some(&token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["paper"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        ["2608.00003", "2608.00004", "2608.00001"],
        "{}",
        r.body
    );
}
