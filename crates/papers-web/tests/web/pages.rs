//! Pages and the read-only JSON API.

use papers_core::{Author, IngestRecord};

use crate::common::{record, site};

pub fn sample() -> Vec<IngestRecord> {
    vec![
        record(
            "2608.00001",
            "Low votes",
            "First abstract.",
            "2026-08-21",
            0,
            3,
        ),
        record(
            "2608.00002",
            "High votes",
            "Second abstract.",
            "2026-08-21",
            1,
            30,
        ),
        record(
            "2608.00003",
            "Same low votes, later position",
            "Third.",
            "2026-08-21",
            2,
            3,
        ),
        record("2608.00010", "Yesterday", "Older.", "2026-08-20", 0, 99),
    ]
}

#[tokio::test]
async fn html_escapes_titles_authors_and_abstracts() {
    let mut evil = record(
        "2608.00666",
        "<script>alert('t')</script> Tom & Jerry",
        "We show x < y && $\\alpha<\\beta$ <img src=x onerror=alert(1)> holds.",
        "2026-08-21",
        0,
        1,
    );
    evil.paper.authors = vec![Author::named("Bobby <b>Tables</b> & Sons")];
    let site = site(vec![evil]).await;
    for path in ["/", "/papers/date/2026-08-21", "/papers/2608.00666"] {
        let (status, body, _) = site.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains("<script>alert"), "{path} leaks a script tag");
        assert!(!body.contains("<img src=x"), "{path} leaks an img tag");
        // askama writes numeric character references: &#60; is `<`, &#38; is `&`.
        assert!(
            body.contains("&#60;script&#62;alert(&#39;t&#39;)&#60;/script&#62; Tom &#38; Jerry"),
            "{path}: {body}"
        );
        assert!(
            body.contains("x &#60; y &#38;&#38; $\\alpha&#60;\\beta$"),
            "{path}"
        );
    }
    let (_, body, _) = site.get("/papers/2608.00666").await;
    assert!(body.contains("Bobby &#60;b&#62;Tables&#60;/b&#62; &#38; Sons"));
}

#[tokio::test]
async fn day_page_orders_by_upvotes_then_position_and_links_neighbours() {
    let site = site(sample()).await;
    let (status, body, _) = site.get("/").await;
    assert_eq!(status, 200);
    let high = body.find("High votes").unwrap();
    let low = body.find("Low votes").unwrap();
    let later = body.find("Same low votes, later position").unwrap();
    assert!(high < low && low < later, "order on the home page");
    assert!(
        !body.contains("Yesterday"),
        "home shows only the latest day"
    );
    assert!(body.contains("Daily Papers — by the research community"));
    assert!(body.contains("3 authors"));
    assert!(body.contains("Published on Aug 19, 2026"));
    assert!(body.contains("★ 43"), "code link with stars");
    assert!(
        body.contains("href=\"/papers/date/2026-08-20\""),
        "previous day link"
    );

    let (status, body, _) = site.get("/papers/week/2026-W34").await;
    assert_eq!(status, 200);
    assert!(body.find("Yesterday").unwrap() < body.find("High votes").unwrap());
    assert!(body.contains("href=\"/papers/week/2026-W33\""));
    let (status, body, _) = site.get("/papers/month/2026-08").await;
    assert_eq!(status, 200);
    assert!(body.contains("4 papers"));
}

#[tokio::test]
async fn unknown_and_malformed_addresses_get_real_error_pages() {
    let site = site(sample()).await;
    let (status, body, _) = site.get("/papers/2608.99999").await;
    assert_eq!(status, 404);
    assert!(body.contains("We have no paper 2608.99999"));
    assert!(body.contains("<html"));
    let (status, _, _) = site.get("/papers/not-an-id").await;
    assert_eq!(status, 404);
    let (status, body, _) = site.get("/papers/date/2026-02-30").await;
    assert_eq!(status, 400);
    assert!(body.contains("2026-02-30"));
    let (status, _, _) = site.get("/no/such/page").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn daily_papers_api_speaks_hugging_face() {
    let site = site(sample()).await;
    let (status, json) = site.json("/api/daily_papers?date=2026-08-21").await;
    assert_eq!(status, 200);
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let first = &items[0];
    assert_eq!(first["paper"]["id"], "2608.00002");
    assert_eq!(first["paper"]["upvotes"], 30);
    assert_eq!(first["paper"]["publishedAt"], "2026-08-19T17:00:00.000Z");
    assert_eq!(
        first["paper"]["submittedOnDailyAt"],
        "2026-08-21T01:02:03.456Z"
    );
    assert_eq!(first["paper"]["submittedOnDailyBy"]["name"], "taesiri");
    assert_eq!(first["paper"]["authors"][0]["name"], "Ada Lovelace");
    assert_eq!(
        first["paper"]["authors"][0]["_id"].as_str().unwrap().len(),
        24
    );
    assert_eq!(first["paper"]["githubStars"], 43);
    assert_eq!(first["submittedBy"]["_id"], "6039478ab3ecf716b1a5fd4d");
    assert_eq!(first["title"], "High votes");
    assert_eq!(first["summary"], "Second abstract.");
    assert_eq!(first["numComments"], 0);
    assert_eq!(first["isAuthorParticipating"], false);

    // No window: the latest day.
    let (_, json) = site.json("/api/daily_papers").await;
    assert_eq!(json.as_array().unwrap().len(), 3);
    let (_, json) = site.json("/api/daily_papers?week=2026-W34&limit=100").await;
    assert_eq!(json.as_array().unwrap().len(), 4);
    let (_, json) = site
        .json("/api/daily_papers?month=2026-08&submitter=TAESIRI")
        .await;
    assert_eq!(json.as_array().unwrap().len(), 4);
    let (_, json) = site
        .json("/api/daily_papers?month=2026-08&submitter=nobody")
        .await;
    assert_eq!(json.as_array().unwrap().len(), 0);
    let (_, json) = site
        .json("/api/daily_papers?week=2026-W34&sort=trending")
        .await;
    assert_eq!(
        json[0]["paper"]["id"], "2608.00002",
        "30 votes today beat 99 yesterday"
    );
}

#[tokio::test]
async fn daily_papers_pages_through_link_headers() {
    let site = site(sample()).await;
    let (status, _, headers) = site.get("/api/daily_papers?date=2026-08-21&limit=2").await;
    assert_eq!(status, 200);
    let link = headers.get("link").unwrap().to_str().unwrap();
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    assert!(
        link.contains("p=1") && link.contains("limit=2") && link.contains("date=2026-08-21"),
        "{link}"
    );
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_string();
    let r = reqwest::get(&next).await.unwrap();
    assert!(
        r.headers().get("link").is_none(),
        "last page has no next link"
    );
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["paper"]["id"], "2608.00003");
}

#[tokio::test]
async fn bad_parameters_answer_400_json_never_500() {
    let site = site(sample()).await;
    for (q, code) in [
        ("date=2026-13-01", "invalid_date"),
        ("week=2026-W99", "invalid_week"),
        ("month=26-08", "invalid_month"),
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("p=-3", "invalid_page"),
        ("sort=best", "invalid_sort"),
        ("date=2026-08-21&month=2026-08", "invalid_parameter"),
    ] {
        let (status, json) = site.json(&format!("/api/daily_papers?{q}")).await;
        assert_eq!(status, 400, "{q}");
        assert_eq!(json["code"], code, "{q}");
        assert!(!json["error"].as_str().unwrap().is_empty());
    }
    let (status, json) = site.json("/api/papers/2608.99999").await;
    assert_eq!(status, 404);
    assert_eq!(json["code"], "not_found");
    let (status, json) = site.json("/api/papers/garbage").await;
    assert_eq!(status, 400);
    assert_eq!(json["code"], "invalid_id");
}

#[tokio::test]
async fn paper_api_and_page_show_the_whole_record() {
    let mut recs = sample();
    let mut old = record(
        "hep-th/9901001",
        "Old style",
        "Strings.",
        "2026-08-20",
        1,
        0,
    );
    old.listing = None;
    recs.push(old);
    let site = site(recs).await;
    let (status, json) = site.json("/api/papers/2608.00002").await;
    assert_eq!(status, 200);
    assert_eq!(json["id"], "2608.00002");
    assert_eq!(json["title"], "High votes");
    assert_eq!(json["githubRepo"], "https://github.com/example/1");
    let (status, json) = site.json("/api/papers/hep-th/9901001").await;
    assert_eq!(status, 200);
    assert_eq!(json["id"], "hep-th/9901001");
    let (status, body, _) = site.get("/papers/2608.00002").await;
    assert_eq!(status, 200);
    assert!(body.contains("https://arxiv.org/abs/2608.00002"));
    assert!(body.contains("https://arxiv.org/pdf/2608.00002"));
    assert!(body.contains("Ada Lovelace"));
    let (status, _, _) = site.get("/papers/hep-th/9901001").await;
    assert_eq!(status, 200);
}
