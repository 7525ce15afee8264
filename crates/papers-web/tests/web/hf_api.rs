//! Hugging Face's paper API, answered the way huggingface.co answers it
//! (issue 12): 404 for ids that look like ids, a submitter's papers across
//! days, the bounds of weeks and months, exact limits, the fields its client
//! reads at the top of a daily item, every paper by cursor, a paper with its
//! discussion, and a page for any arXiv paper.

use papers_core::{ArxivId, IngestRecord};

use crate::common::{Options, Site, arxiv_replay, record, site, site_with};

/// `record` with another submitter.
fn by(mut r: IngestRecord, who: &str, full: Option<&str>) -> IngestRecord {
    let l = r.listing.as_mut().unwrap();
    let s = l.submitter.as_mut().unwrap();
    s.name = who.into();
    s.profile = match full {
        Some(f) => {
            serde_json::json!({"_id": format!("id-{who}"), "name": who, "fullname": f, "type": "user"})
        }
        None => serde_json::json!({"_id": format!("id-{who}"), "name": who, "type": "user"}),
    };
    r
}

/// Papers on both sides of the week 2026-W34 (Monday 17 to Sunday 23
/// August) and of the month 2026-08, by two submitters.
fn calendar() -> Vec<IngestRecord> {
    vec![
        by(
            record("2607.00031", "July's last", "A.", "2026-07-31", 0, 1),
            "akhaliq",
            Some("AK"),
        ),
        by(
            record("2608.00001", "August's first", "B.", "2026-08-01", 0, 2),
            "akhaliq",
            Some("AK"),
        ),
        by(
            record("2608.00016", "Sunday before", "C.", "2026-08-16", 0, 3),
            "akhaliq",
            Some("AK"),
        ),
        by(
            record("2608.00017", "Monday of W34", "D.", "2026-08-17", 0, 4),
            "taesiri",
            None,
        ),
        by(
            record("2608.00020", "Thursday of W34", "E.", "2026-08-20", 0, 9),
            "akhaliq",
            Some("AK"),
        ),
        by(
            record("2608.00023", "Sunday of W34", "F.", "2026-08-23", 0, 5),
            "taesiri",
            None,
        ),
        by(
            record("2608.00024", "Monday after", "G.", "2026-08-24", 0, 6),
            "akhaliq",
            Some("AK"),
        ),
        by(
            record("2609.00001", "September", "H.", "2026-09-01", 0, 7),
            "taesiri",
            None,
        ),
    ]
}

async fn ids(site: &Site, path: &str) -> Vec<String> {
    let (status, json) = site.json(path).await;
    assert_eq!(status, 200, "{path}: {json}");
    json.as_array()
        .unwrap()
        .iter()
        .map(|i| i["paper"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn ids_that_look_like_ids_are_404_and_anything_else_400() {
    let site = site(calendar()).await;
    // Month 34 is no arXiv month, but the string is shaped like an id:
    // Hugging Face answers 404, and its own client tests expect that.
    for path in [
        "/api/papers/1234.56789",
        "/api/papers/0000.00000",
        "/api/papers/2608.99999",
        "/api/papers/hep-th/9999001",
        "/api/papers/1234.56789/similar",
        "/papers/1234.56789.md",
        "/papers/2608.99999.md",
    ] {
        let (status, body, _) = site.get(path).await;
        assert_eq!(status, 404, "{path}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            json["error"]
                .as_str()
                .unwrap()
                .starts_with("Paper not found"),
            "{path}: {json}"
        );
    }
    for path in [
        "/api/papers/garbage",
        "/api/papers/2608",
        "/papers/garbage.md",
        "/api/papers/2608.00001x",
        "/api/papers/garbage/similar",
    ] {
        let (status, body, _) = site.get(path).await;
        assert_eq!(status, 400, "{path}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["code"], "invalid_id", "{path}");
    }
    assert_eq!(site.json("/api/papers/2608.00017").await.0, 200);
}

#[tokio::test]
async fn a_submitter_without_a_date_gets_their_papers_across_days_newest_first() {
    let site = site(calendar()).await;
    // Before, this filtered the latest day (01 September) only: nothing.
    let got = ids(&site, "/api/daily_papers?submitter=akhaliq").await;
    assert_eq!(
        got,
        [
            "2608.00024",
            "2608.00020",
            "2608.00016",
            "2608.00001",
            "2607.00031"
        ]
    );
    let (_, json) = site.json("/api/daily_papers?submitter=akhaliq").await;
    assert_eq!(json[0]["submittedBy"]["fullname"], "AK");
    // Case does not matter; paging follows the same order with a next link.
    let (status, body, headers) = site
        .get("/api/daily_papers?submitter=AKHALIQ&limit=2&p=1")
        .await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let page: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["paper"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(page, ["2608.00016", "2608.00001"]);
    let link = headers.get("link").unwrap().to_str().unwrap();
    assert!(
        link.contains("p=2") && link.contains("submitter=AKHALIQ"),
        "{link}"
    );
    // Other orders and windows still apply.
    let got = ids(&site, "/api/daily_papers?submitter=akhaliq&sort=trending").await;
    assert_eq!(sorted(got.clone()).len(), 5, "{got:?}");
    assert_eq!(
        ids(&site, "/api/daily_papers?submitter=akhaliq&week=2026-W34").await,
        ["2608.00020"]
    );
    assert!(
        ids(&site, "/api/daily_papers?submitter=nobody")
            .await
            .is_empty()
    );
    // With no submitter, no window is still the latest day.
    assert_eq!(ids(&site, "/api/daily_papers").await, ["2609.00001"]);
}

#[tokio::test]
async fn weeks_and_months_cover_exactly_their_days() {
    let site = site(calendar()).await;
    // ISO week 34 of 2026: Monday 17 to Sunday 23 August, both included.
    assert_eq!(
        sorted(ids(&site, "/api/daily_papers?week=2026-W34&limit=100").await),
        ["2608.00017", "2608.00020", "2608.00023"]
    );
    assert_eq!(
        sorted(ids(&site, "/api/daily_papers?week=2026-W33").await),
        ["2608.00016"]
    );
    assert_eq!(
        sorted(ids(&site, "/api/daily_papers?week=2026-W35").await),
        ["2608.00024"]
    );
    // Every listing day of a week lies inside it.
    let (_, json) = site.json("/api/daily_papers?week=2026-W34").await;
    for item in json.as_array().unwrap() {
        let day = &item["paper"]["submittedOnDailyAt"].as_str().unwrap()[..10];
        assert!(("2026-08-17"..="2026-08-23").contains(&day), "{day}");
    }
    assert_eq!(
        sorted(ids(&site, "/api/daily_papers?month=2026-08&limit=100").await),
        [
            "2608.00001",
            "2608.00016",
            "2608.00017",
            "2608.00020",
            "2608.00023",
            "2608.00024"
        ]
    );
    assert_eq!(
        ids(&site, "/api/daily_papers?month=2026-07").await,
        ["2607.00031"]
    );
    assert!(
        ids(&site, "/api/daily_papers?month=2026-06")
            .await
            .is_empty()
    );
    // sort=publishedAt and sort=trending are the two orders there are.
    assert_eq!(
        site.json("/api/daily_papers?month=2026-08&sort=publishedAt")
            .await
            .0,
        200
    );
    let (status, json) = site
        .json("/api/daily_papers?month=2026-08&sort=upvotes")
        .await;
    assert_eq!((status, json["code"].as_str()), (400, Some("invalid_sort")));
}

#[tokio::test]
async fn limits_are_exact_and_a_page_past_the_end_is_empty() {
    let site = site(calendar()).await;
    for n in [1, 2, 5] {
        let got = ids(&site, &format!("/api/daily_papers?month=2026-08&limit={n}")).await;
        assert_eq!(got.len(), n);
    }
    assert_eq!(
        ids(&site, "/api/daily_papers?month=2026-08&limit=100")
            .await
            .len(),
        6
    );
    for bad in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=1.5",
        "p=-1",
        "p=x",
    ] {
        let (status, _) = site
            .json(&format!("/api/daily_papers?month=2026-08&{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
    // A page past the end: an empty list and no next link, not an error.
    let (status, body, headers) = site.get("/api/daily_papers?month=2026-08&p=100").await;
    assert_eq!((status, body.as_str()), (200, "[]"));
    assert!(headers.get("link").is_none());
    let (status, body, _) = site
        .get("/api/daily_papers?month=2026-08&limit=3&p=2")
        .await;
    assert_eq!((status, body.as_str()), (200, "[]"));
}

#[tokio::test]
async fn search_limits_are_exact() {
    let site = site_with(
        calendar(),
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await;
    let q = "Monday%20Sunday%20first%20last%20September%20Thursday";
    let (status, json) = site
        .json(&format!("/api/papers/search?q={q}&limit=120"))
        .await;
    assert_eq!(status, 200);
    assert!(json.as_array().unwrap().len() >= 3, "{json}");
    let (_, json) = site
        .json(&format!("/api/papers/search?q={q}&limit=2"))
        .await;
    assert_eq!(json.as_array().unwrap().len(), 2);
    let (status, _) = site
        .json(&format!("/api/papers/search?q={q}&limit=121"))
        .await;
    assert_eq!(status, 400);
    let at_most = "a".repeat(250);
    let (status, _) = site.json(&format!("/api/papers/search?q={at_most}")).await;
    assert_eq!(status, 200, "250 characters are allowed");
    let (status, json) = site.json(&format!("/api/papers/search?q={at_most}b")).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (400, Some("invalid_query"))
    );
    // 250 characters, not bytes.
    let wide = "é".repeat(250);
    let (status, _) = site.json(&format!("/api/papers/search?q={wide}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn daily_items_carry_what_the_client_reads_at_their_top() {
    let mut r = record("2608.00017", "A paper", "An abstract.", "2026-08-17", 0, 4);
    r.paper.ai_summary = Some("It does a thing.".into());
    r.paper.ai_keywords = Some(vec!["thing".into(), "doing".into()]);
    r.paper.project_page = Some("https://example.org/project".into());
    r.paper.discussion_id = Some("66198cc11e0c93ea29ffe669".into());
    r.paper.organization =
        Some(serde_json::json!({"_id": "o1", "name": "acme", "fullname": "Acme Labs"}));
    r.paper.num_comments = Some(3);
    let site = site(vec![by(r, "noname", None)]).await;
    let (_, json) = site.json("/api/daily_papers?date=2026-08-17").await;
    let item = &json[0];
    for (key, want) in [
        ("ai_summary", serde_json::json!("It does a thing.")),
        ("ai_keywords", serde_json::json!(["thing", "doing"])),
        (
            "projectPage",
            serde_json::json!("https://example.org/project"),
        ),
        (
            "githubRepo",
            serde_json::json!("https://github.com/example/0"),
        ),
        ("githubStars", serde_json::json!(42)),
        (
            "discussionId",
            serde_json::json!("66198cc11e0c93ea29ffe669"),
        ),
        ("numComments", serde_json::json!(3)),
        (
            "organization",
            serde_json::json!({"_id": "o1", "name": "acme", "fullname": "Acme Labs"}),
        ),
    ] {
        assert_eq!(item[key], want, "top-level {key}");
        assert_eq!(item["paper"][key], want, "paper.{key}");
    }
    // A profile without a full name gets the user name as one.
    assert_eq!(item["submittedBy"]["fullname"], "noname");
    assert_eq!(item["submittedBy"]["name"], "noname");
    assert_eq!(item["paper"]["submittedOnDailyBy"]["fullname"], "noname");
    assert_eq!(item["paper"]["submittedOnDailyBy"]["user"], "noname");
    // paper_info reads the comment count at the top of the paper.
    let (_, json) = site.json("/api/papers/2608.00017").await;
    assert_eq!(json["numComments"], 3);
    assert_eq!(json["ai_summary"], "It does a thing.");
}

#[tokio::test]
async fn search_results_cut_titles_and_abstracts_where_the_words_are() {
    let mut records = vec![
        record(
            "2608.00001",
            "Kazakh models for <script>alert(1)</script> & co",
            "We train models of Kazakh. More on the Kazakh language.",
            "2026-08-21",
            0,
            3,
        ),
        record(
            "2608.00002",
            "Unrelated physics",
            "Nothing to see.",
            "2026-08-21",
            1,
            1,
        ),
    ];
    records[1].paper.abstract_text = "Nothing to see here, no model.".into();
    let site = site_with(
        records,
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await;
    let (status, json) = site
        .json("/api/papers/search?q=kazakh%20model&mode=keyword")
        .await;
    assert_eq!(status, 200);
    let first = &json[0];
    assert_eq!(first["paper"]["id"], "2608.00001");
    let segments = |key: &str| -> Vec<(String, String)> {
        first[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["type"].as_str().unwrap().to_string(),
                    s["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let title = segments("highlightedTitle");
    // Hugging Face's shape: segments that join back to the title exactly,
    // plain text, the markup in a title kept as text, never made HTML.
    let joined: String = title.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(joined, first["title"].as_str().unwrap());
    let marked: Vec<&str> = title
        .iter()
        .filter(|(k, _)| k == "highlight")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        marked,
        ["Kazakh", "models"],
        "stemmed: `model` marks `models`"
    );
    assert!(title.iter().all(|(k, _)| k == "text" || k == "highlight"));
    assert!(
        title
            .iter()
            .any(|(k, t)| k == "text" && t.contains("<script>alert(1)</script> & co"))
    );
    let summary = segments("highlightedSummary");
    let joined: String = summary.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(joined, first["summary"].as_str().unwrap());
    let marked: Vec<&str> = summary
        .iter()
        .filter(|(k, _)| k == "highlight")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(marked, ["models", "Kazakh", "Kazakh"]);
    // With `explain`, the same segments and how it ranked.
    let (_, json) = site
        .json("/api/papers/search?q=kazakh&mode=keyword&explain=true")
        .await;
    assert_eq!(
        json[0]["highlightedTitle"][0],
        serde_json::json!({"type": "highlight", "text": "Kazakh"})
    );
    assert_eq!(json[0]["explain"]["mode"], "keyword");
    // A result found without its words in the title: one plain segment.
    let (_, json) = site.json("/api/papers/search?q=model&mode=keyword").await;
    let other = json
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["paper"]["id"] == "2608.00002")
        .unwrap();
    assert_eq!(
        other["highlightedTitle"],
        serde_json::json!([{"type": "text", "text": "Unrelated physics"}])
    );
}

#[tokio::test]
async fn every_paper_by_cursor_in_a_stable_order() {
    let site = site(calendar()).await;
    site.store
        .set_paper_hidden(&ArxivId::parse("2608.00020").unwrap(), true)
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut path = "/api/papers?limit=3".to_string();
    let mut pages = 0;
    loop {
        let (status, body, headers) = site.get(&path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        for p in json.as_array().unwrap() {
            assert!(p["title"].is_string() && p["authors"].is_array());
            seen.push(p["id"].as_str().unwrap().to_string());
        }
        pages += 1;
        let Some(link) = headers.get("link") else {
            break;
        };
        let link = link.to_str().unwrap();
        assert!(
            link.starts_with(&format!("<{}/api/papers?cursor=", site.base)),
            "{link}"
        );
        assert!(
            link.ends_with(">; rel=\"next\"") && link.contains("limit=3"),
            "{link}"
        );
        path = link
            .trim_start_matches(&format!("<{}", site.base))
            .split('>')
            .next()
            .unwrap()
            .to_string();
        assert!(pages < 10, "the cursor must move on");
    }
    let mut all: Vec<String> = calendar()
        .iter()
        .map(|r| r.paper.id.base().to_string())
        .filter(|id| id != "2608.00020")
        .collect();
    all.sort();
    assert_eq!(seen, all, "every visible paper once, in id order");
    for bad in ["limit=0", "limit=101", "limit=x"] {
        let (status, json) = site.json(&format!("/api/papers?{bad}")).await;
        assert_eq!(
            (status, json["code"].as_str()),
            (400, Some("invalid_limit")),
            "{bad}"
        );
    }
    let long = "9".repeat(65);
    assert_eq!(
        site.json(&format!("/api/papers?cursor={long}")).await.0,
        400
    );
    let (status, body, headers) = site.get("/api/papers?cursor=2609.00001").await;
    assert_eq!((status, body.as_str()), (200, "[]"));
    assert!(headers.get("link").is_none());
}

#[tokio::test]
async fn a_paper_with_its_discussion() {
    let site = site(calendar()).await;
    let token = site.user_with_token("ada").await;
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00017/comments",
            Some(&token),
            Some(serde_json::json!({"body": "A **fine** paper."})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (status, json) = site.json("/api/papers/2608.00017?field=comments").await;
    assert_eq!(status, 200);
    assert_eq!(json["id"], "2608.00017");
    assert_eq!(json["title"], "Monday of W34");
    assert_eq!(json["numComments"], 1);
    let comments = json["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["author"], "ada");
    assert_eq!(comments[0]["body_markdown"], "A **fine** paper.");
    let (_, plain) = site.json("/api/papers/2608.00017").await;
    assert!(plain.get("comments").is_none());
    let (status, json) = site.json("/api/papers/2608.00017?field=likes").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (400, Some("invalid_parameter"))
    );
    assert_eq!(
        site.json("/api/papers/1234.56789?field=comments").await.0,
        404
    );
}

#[tokio::test]
async fn any_arxiv_paper_gets_a_page_without_a_listing() {
    let arxiv = arxiv_replay().await;
    let site = site_with(
        calendar(),
        Options {
            arxiv_base: arxiv,
            quota: 2,
            ..Options::default()
        },
    )
    .await;
    let body = serde_json::json!({"arxivId": "2104.12255"});
    let r = site
        .api("POST", "/api/papers/index", None, Some(body.clone()))
        .await;
    assert_eq!(r.status, 401, "a token is needed");
    let token = site.user_with_token("ada").await;
    assert_eq!(site.json("/api/papers/2104.12255").await.0, 404);
    let r = site
        .api(
            "POST",
            "/api/papers/index",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    assert_eq!((r.status, r.body.as_str()), (201, "{}"));
    let (status, json) = site.json("/api/papers/2104.12255").await;
    assert_eq!(status, 200);
    assert!(!json["title"].as_str().unwrap().is_empty());
    assert!(
        json.get("submittedOnDailyAt").is_none(),
        "not on the daily list: {json}"
    );
    let (status, _, _) = site.get("/papers/2104.12255").await;
    assert_eq!(status, 200, "its page");
    // Not on any day's list.
    let (_, month) = site.json("/api/daily_papers?month=2026-08&limit=100").await;
    assert!(
        month
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["paper"]["id"] != "2104.12255")
    );
    // Already here: 200, nothing fetched (the quota is untouched).
    let r = site
        .api("POST", "/api/papers/index", Some(&token), Some(body))
        .await;
    assert_eq!((r.status, r.body.as_str()), (200, "{}"));
    let known = serde_json::json!({"arxivId": "2608.00017"});
    let r = site
        .api("POST", "/api/papers/index", Some(&token), Some(known))
        .await;
    assert_eq!(r.status, 200);
    // arXiv has no such paper: 404, and the fetch counts.
    let r = site
        .api(
            "POST",
            "/api/papers/index",
            Some(&token),
            Some(serde_json::json!({"arxivId": "2101.00001"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["code"], "unknown_id");
    // The submission's quota: two fetches a day here.
    let r = site
        .api(
            "POST",
            "/api/papers/index",
            Some(&token),
            Some(serde_json::json!({"arxivId": "2101.00002"})),
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.json()["code"], "quota_reached");
    // Not an id; no `arxivId`.
    let r = site
        .api(
            "POST",
            "/api/papers/index",
            Some(&token),
            Some(serde_json::json!({"arxivId": "not an id"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (400, Some("invalid_id"))
    );
    let r = site
        .api(
            "POST",
            "/api/papers/index",
            Some(&token),
            Some(serde_json::json!({"id": "2104.12255"})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
