//! Issue 14: follows (authors, categories, saved searches), "Following",
//! the interests chosen at sign-up (topics and seed papers) that start
//! "For you", and the in-app notifications: a reply, a followed author's
//! new paper, code appearing on a saved paper.

use papers_core::{Author, IngestRecord};

use crate::common::{Options, csrf_in, record, site_with};

fn corpus() -> Vec<IngestRecord> {
    let mut a = record(
        "2608.00001",
        "Computing machinery",
        "Can machines think?",
        "2026-08-21",
        0,
        10,
    );
    a.paper.authors = vec![Author::named("Alan Turing")];
    a.paper.categories = vec!["cs.AI".into()];
    let mut b = record(
        "2608.00002",
        "Sparse graphs",
        "Ranking sparse graphs <fast> & well.",
        "2026-08-21",
        1,
        50,
    );
    b.paper.authors = vec![Author::named("Grace Hopper")];
    b.paper.categories = vec!["cs.CL".into()];
    let mut c = record(
        "2608.00003",
        "Compilers",
        "A compiler for everyone.",
        "2026-08-20",
        0,
        99,
    );
    c.paper.authors = vec![Author::named("Grace Hopper")];
    c.paper.categories = vec!["cs.PL".into()];
    c.paper.github_repo = None;
    vec![a, b, c]
}

fn search_site() -> Options {
    Options {
        search: true,
        ..Options::default()
    }
}

#[tokio::test]
async fn follows_through_the_api() {
    let site = site_with(corpus(), search_site()).await;
    let token = site.user_with_token("reader").await;
    let body = |kind: &str, target: &str| Some(serde_json::json!({"kind": kind, "target": target}));
    assert_eq!(
        site.api("POST", "/api/follows", None, body("author", "Alan Turing"))
            .await
            .status,
        401
    );
    let r = site
        .api(
            "POST",
            "/api/follows",
            Some(&token),
            body("author", "alan  TURING"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    assert_eq!(
        (
            j["label"].as_str(),
            j["target"].as_str(),
            j["new"].as_bool()
        ),
        (Some("Alan Turing"), Some("alan turing"), Some(true))
    );
    let r = site
        .api(
            "POST",
            "/api/follows",
            Some(&token),
            body("author", "Alan Turing"),
        )
        .await;
    assert_eq!((r.status, r.json()["new"].as_bool()), (200, Some(false)));
    for (kind, target, status, code) in [
        ("author", "Nobody At All", 404, "no_such_author"),
        ("category", "cs.XX", 400, "invalid_category"),
        ("search", "   ", 400, "invalid_query"),
        ("paper", "2608.09999", 404, "not_found"),
        ("planet", "Mars", 400, "invalid_kind"),
    ] {
        let r = site
            .api("POST", "/api/follows", Some(&token), body(kind, target))
            .await;
        assert_eq!(
            (r.status, r.json()["code"].as_str()),
            (status, Some(code)),
            "{kind} {target}: {}",
            r.body
        );
    }
    for (kind, target) in [("category", "cs.CL"), ("search", "  sparse   graphs ")] {
        let r = site
            .api("POST", "/api/follows", Some(&token), body(kind, target))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = site.api("GET", "/api/follows", Some(&token), None).await;
    let kinds: Vec<(String, String)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["target"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("author".into(), "alan turing".into()),
            ("category".into(), "cs.CL".into()),
            ("search".into(), "sparse graphs".into()),
        ]
    );

    // What is new from them, each paper once with its reason.
    let r = site
        .api("GET", "/api/feed/following?days=7", Some(&token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items: Vec<(String, String)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["paper"]["id"].as_str().unwrap().into(),
                i["because"]["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("2608.00002".into(), "category".into()),
            ("2608.00001".into(), "author".into()),
            ("2608.00003".into(), "search".into()),
        ],
        "newest first; the graphs paper once, by its category (the search's \
         hybrid results reach the compilers paper by meaning)"
    );
    let r = site
        .api("GET", "/api/feed/following?days=0", Some(&token), None)
        .await;
    assert_eq!(r.status, 400);

    let r = site
        .api(
            "DELETE",
            "/api/follows",
            Some(&token),
            body("author", "ALAN TURING"),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = site
        .api(
            "DELETE",
            "/api/follows",
            Some(&token),
            body("author", "Alan Turing"),
        )
        .await;
    assert_eq!(r.status, 404);

    // Follows are in the export.
    let r = site.api("GET", "/api/me/export", Some(&token), None).await;
    assert_eq!(
        r.json()["follows"].as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
}

/// A new account chooses topics and a seed paper; "For you" starts with
/// them, saying why. The author page's Follow button, then "Following".
#[tokio::test]
async fn interests_start_for_you_and_buttons_follow() {
    let site = site_with(corpus(), search_site()).await;
    let mut b = site.browser();
    let r = b.sign_up("newcomer").await;
    assert_eq!(r.location(), "/settings/interests?welcome=1");
    let page = b.get(r.location()).await;
    assert!(page.body.contains("Welcome!"), "{}", page.body);
    let csrf = csrf_in(&page.body);
    let r = b
        .post(
            "/settings/interests",
            &[("csrf", &csrf), ("categories", "cs.XX"), ("papers", "")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("is not an arXiv category"), "{}", r.body);
    let r = b
        .post(
            "/settings/interests",
            &[
                ("csrf", &csrf),
                ("categories", "cs.AI"),
                ("papers", "https://arxiv.org/abs/2608.00003v1\n"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/papers/for-you"));
    let page = b.get("/settings/interests").await;
    assert!(page.body.contains("value=\"cs.AI\""), "{}", page.body);
    assert!(page.body.contains("2608.00003</textarea>"), "{}", page.body);

    // The seed paper's author and the topic lead For you, each saying so;
    // the seed paper is a liked paper, so it is not shown again.
    let page = b.get("/papers/for-you").await;
    assert_eq!(page.status, 200);
    let by_author = page
        .body
        .find("By Grace Hopper, an author of a paper you liked")
        .expect("an author reason");
    let graphs = page.body.find("Sparse graphs").unwrap();
    let topic = page
        .body
        .find("In cs.AI, which you follow")
        .expect("a topic reason");
    let machinery = page.body.find("Computing machinery").unwrap();
    assert!(by_author < graphs && topic < machinery, "{}", page.body);
    assert!(
        !page.body.contains("href=\"/papers/2608.00003\""),
        "{}",
        page.body
    );

    // Follow from the author's page; the button says so; Following lists it.
    let page = b.get("/authors/Grace%20Hopper").await;
    assert!(page.body.contains(">Follow</button>"), "{}", page.body);
    let csrf = csrf_in(&page.body);
    let r = b
        .post(
            "/follow",
            &[
                ("csrf", &csrf),
                ("kind", "author"),
                ("target", "Grace Hopper"),
                ("back", "/authors/Grace%20Hopper"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/authors/Grace%20Hopper"));
    let page = b.get("/authors/Grace%20Hopper").await;
    assert!(page.body.contains("Following ✓"), "{}", page.body);
    let page = b.get("/following?days=7").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("By Grace Hopper"), "{}", page.body);
    assert!(page.body.contains("In cs.AI"), "{}", page.body);
    // Escaped like every page.
    assert!(
        page.body.contains("&#60;fast&#62; &#38; well"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<fast>"));

    // A signed-out reader is asked to sign in instead.
    let (_, html, _) = site.get("/authors/Grace%20Hopper").await;
    assert!(html.contains("Sign in to follow"), "{html}");
    let (status, _, _) = site.get("/following").await;
    assert_eq!(status, 303);
}

/// A reply, a followed author's new paper and code appearing on a saved
/// paper each notify once; the header counts the unread ones.
#[tokio::test]
async fn notifications_for_replies_authors_and_code() {
    let site = site_with(corpus(), Options::default()).await;
    let alice = site.user_with_token("alice").await;
    let bob = site.user_with_token("bob").await;
    let path = "/api/papers/2608.00001/comments";
    let r = site
        .api(
            "POST",
            path,
            Some(&alice),
            Some(serde_json::json!({"body": "Why?"})),
        )
        .await;
    let top = r.json()["id"].as_i64().unwrap();
    let r = site
        .api(
            "POST",
            path,
            Some(&bob),
            Some(serde_json::json!({"body": "Because.", "parent": top})),
        )
        .await;
    assert_eq!(r.status, 201);
    let reply = r.json()["id"].as_i64().unwrap();

    // alice follows Grace Hopper and saves the compilers paper.
    let r = site
        .api(
            "POST",
            "/api/follows",
            Some(&alice),
            Some(serde_json::json!({"kind": "author", "target": "Grace Hopper"})),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = site
        .api(
            "POST",
            "/api/collections",
            Some(&alice),
            Some(serde_json::json!({"title": "To read", "private": true})),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = site
        .api(
            "POST",
            &format!("/api/collections/{id}/items"),
            Some(&alice),
            Some(serde_json::json!({"paperId": "2608.00003"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // An ingest brings her new paper and the compilers paper's code; a
    // second run of the same ingest notifies nobody again.
    let mut new = record("2608.00004", "Debugging", "A moth.", "2026-08-21", 2, 0);
    new.paper.authors = vec![Author::named("Grace  HOPPER")];
    let mut code = corpus().remove(2);
    code.paper.github_repo = Some("https://github.com/example/compilers".into());
    for _ in 0..2 {
        site.store
            .upsert_batch(
                &[new.clone(), code.clone()],
                papers_core::Clock::now(&*site.clock),
            )
            .await
            .unwrap();
    }
    let r = site
        .api("GET", "/api/notifications", Some(&alice), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["unread"].as_u64(), Some(3), "{j}");
    let kinds: Vec<&str> = j["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["code", "author_paper", "reply"], "{j}");
    let texts: Vec<&str> = j["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Code is out for “Compilers”, which you saved",
            "New paper by Grace  HOPPER: “Debugging”",
            "bob replied to your comment on “Computing machinery”",
        ]
    );
    let bob_has = site
        .api("GET", "/api/notifications", Some(&bob), None)
        .await;
    assert_eq!(bob_has.json()["unread"].as_u64(), Some(0));

    // The page: a badge in the header, links to the reply, then read.
    let mut b = site.browser();
    b.sign_in("alice", "correct horse battery").await;
    let page = b.get("/").await;
    assert!(
        page.body.contains("<span class=\"badge\">3</span>"),
        "{}",
        page.body
    );
    let page = b.get("/notifications").await;
    assert!(
        page.body
            .contains(&format!("href=\"/papers/2608.00001#c{reply}\"")),
        "{}",
        page.body
    );
    let csrf = csrf_in(&page.body);
    let r = b.post("/notifications/read", &[("csrf", &csrf)]).await;
    assert_eq!((r.status, r.location()), (303, "/notifications"));
    let page = b.get("/").await;
    assert!(!page.body.contains("class=\"badge\""), "{}", page.body);
    let r = site
        .api(
            "POST",
            "/api/notifications/read",
            Some(&alice),
            Some(serde_json::json!({})),
        )
        .await;
    assert_eq!((r.status, r.json()["marked"].as_u64()), (200, Some(0)));
}
