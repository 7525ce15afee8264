//! Snapshots of the main pages, feeds and JSON answers, byte for byte (with
//! the random parts redacted): a restructuring of the web layer must leave
//! every one of them as it is.

use papers_core::{DateWindow, IngestRecord, today_in_new_york};

use crate::common::{Browser, Options, Site, csrf_in, record, site_with};

fn corpus() -> Vec<IngestRecord> {
    let mut records = vec![
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
        record(
            "hep-th/9901001",
            "Strings on old-style identifiers",
            "An old paper about strings, listed again.",
            "2026-08-19",
            0,
            5,
        ),
    ];
    records[1].paper.categories = vec!["cs.CL".into(), "cs.AI".into()];
    records[3].paper.categories = vec!["cs.CL".into()];
    records
}

/// Status, the headers that matter, and the body, with the site's random
/// port and what depends on it, and other random values, redacted.
fn dump(site: &Site, status: u16, headers: &reqwest::header::HeaderMap, body: &str) -> String {
    let mut out = format!("status: {status}\n");
    for name in [
        "content-type",
        "cache-control",
        "link",
        "etag",
        "last-modified",
        "retry-after",
        "location",
        "set-cookie",
    ] {
        for v in headers.get_all(name) {
            let v = v.to_str().unwrap();
            let v = match v.split_once('=') {
                // A feed's ETag hashes its URLs, which hold the random port.
                _ if name == "etag" => "[etag]".to_string(),
                Some((k, rest)) if name == "set-cookie" => {
                    let (_, flags) = rest.split_once(';').unwrap_or((rest, ""));
                    let value = if rest.starts_with(';') {
                        ""
                    } else {
                        "[redacted]"
                    };
                    format!("{k}={value};{flags}")
                }
                _ => v.to_string(),
            };
            out.push_str(&format!("{name}: {v}\n"));
        }
    }
    out.push('\n');
    out.push_str(body);
    redact(site, out)
}

fn redact(site: &Site, text: String) -> String {
    let mut text = text.replace(&site.base, "http://SITE");
    let host = site.base.trim_start_matches("http://");
    text = text.replace(host, "SITE");
    // CSRF tokens in forms.
    let marker = "name=\"csrf\" value=\"";
    let mut from = 0;
    while let Some(pos) = text[from..].find(marker) {
        let start = from + pos + marker.len();
        let end = start + text[start..].find('"').unwrap();
        if end > start {
            text.replace_range(start..end, "[csrf]");
        }
        from = start;
    }
    // Asset addresses hash the asset's content: a restyling changes them.
    let marker = "\"/static/";
    let mut from = 0;
    while let Some(pos) = text[from..].find(marker) {
        let start = from + pos + marker.len();
        let end = start + text[start..].find('"').unwrap();
        let parts: Vec<&str> = text[start..end].split('.').collect();
        if let [stem, hash, ext] = parts[..]
            && hash.len() == 10
            && hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let plain = format!("{stem}.[hash].{ext}");
            text.replace_range(start..end, &plain);
        }
        from = start;
    }
    // Error pages lay out around "today": the real one or the pinned one.
    for now in [jiff::Timestamp::now(), crate::common::NOW.parse().unwrap()] {
        let today = today_in_new_york(now);
        text = text
            .replace(&DateWindow::week_of(today).path(), "/papers/week/[today]")
            .replace(&DateWindow::month_of(today).path(), "/papers/month/[today]");
    }
    text
}

async fn get(site: &Site, path: &str) -> String {
    let (status, body, headers) = site.get(path).await;
    dump(site, status, &headers, &body)
}

async fn browse(site: &Site, b: &mut Browser, path: &str) -> String {
    let r = b.get(path).await;
    dump(site, r.status, &r.headers, &r.body)
}

async fn api(
    site: &Site,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> String {
    let r = site.api(method, path, token, body).await;
    dump(site, r.status, &r.headers, &r.body)
}

async fn searchable() -> Site {
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
async fn pages_look_as_they_did() {
    let site = searchable().await;
    for (name, path) in [
        ("home", "/"),
        ("day", "/papers/date/2026-08-20"),
        ("week", "/papers/week/2026-W34"),
        ("month_page_1", "/papers/month/2026-08?p=1"),
        ("paper", "/papers/2608.00004"),
        ("paper_old_style", "/papers/hep-th/9901001"),
        ("search", "/papers?q=language%20models&mode=hybrid"),
        ("search_empty", "/papers"),
        ("trending", "/papers/trending"),
        ("category", "/papers/category/cs.CL"),
        ("error_no_paper", "/papers/2608.99999"),
        ("error_bad_date", "/papers/date/2026-02-30"),
        ("error_bad_page", "/papers/date/2026-08-21?p=x"),
        ("error_no_page", "/no/such/page"),
    ] {
        insta::assert_snapshot!(format!("page_{name}"), get(&site, path).await);
    }
}

#[tokio::test]
async fn feeds_look_as_they_did() {
    let site = searchable().await;
    for (name, path) in [
        ("day_atom", "/papers/date/2026-08-21/feed.atom"),
        ("week_rss", "/papers/week/2026-W34/feed.rss"),
        ("month_atom", "/papers/month/2026-08/feed.atom"),
        ("trending_rss", "/papers/trending/feed.rss"),
        ("category_atom", "/papers/category/cs.CL/feed.atom"),
        ("search_atom", "/papers/feed.atom?q=language"),
        ("day_json", "/papers/date/2026-08-21/feed.json"),
        ("search_json", "/papers/feed.json?q=language"),
        ("bad_file", "/papers/date/2026-08-21/feed.xml"),
    ] {
        insta::assert_snapshot!(format!("feed_{name}"), get(&site, path).await);
    }
}

#[tokio::test]
async fn json_reads_look_as_they_did() {
    let site = searchable().await;
    for (name, path) in [
        ("daily_date", "/api/daily_papers?date=2026-08-21"),
        ("daily_default", "/api/daily_papers"),
        (
            "daily_week_paged",
            "/api/daily_papers?week=2026-W34&limit=2&p=1",
        ),
        ("daily_trending", "/api/daily_papers?sort=trending&limit=3"),
        (
            "daily_published",
            "/api/daily_papers?month=2026-08&sort=publishedAt",
        ),
        (
            "daily_bad",
            "/api/daily_papers?date=2026-08-21&week=2026-W34",
        ),
        ("paper", "/api/papers/2608.00002"),
        ("paper_old_style", "/api/papers/hep-th/9901001"),
        ("paper_missing", "/api/papers/2608.99999"),
        ("paper_bad_id", "/api/papers/nonsense"),
        ("search", "/api/papers/search?q=language%20models&limit=3"),
        (
            "search_explain",
            "/api/papers/search?q=language%20models&limit=2&explain=true",
        ),
        ("search_bad", "/api/papers/search?q=x&mode=fuzzy"),
        ("similar", "/api/papers/2608.00004/similar"),
        ("similar_old_style", "/api/papers/hep-th/9901001/similar"),
        ("similar_missing", "/api/papers/2608.99999/similar"),
        ("comments_none", "/api/papers/2608.00002/comments"),
        // The OpenAPI document, pinned: a change to the API's contract
        // shows up here.
        ("openapi", "/api/openapi.json"),
    ] {
        insta::assert_snapshot!(format!("api_{name}"), get(&site, path).await);
    }
}

#[tokio::test]
async fn community_answers_look_as_they_did() {
    let site = searchable().await;
    let signup = serde_json::json!({"username": "ada", "email": "ada@example.org", "password": "correct horse battery"});
    insta::assert_snapshot!(
        "community_signup",
        api(&site, "POST", "/api/auth/signup", None, Some(signup)).await
    );
    let short =
        serde_json::json!({"username": "bob", "email": "bob@example.org", "password": "short"});
    insta::assert_snapshot!(
        "community_signup_refused",
        api(&site, "POST", "/api/auth/signup", None, Some(short)).await
    );
    let r = site
        .api(
            "POST",
            "/api/auth/token",
            None,
            Some(serde_json::json!({"username": "ada", "password": "correct horse battery"})),
        )
        .await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    insta::assert_snapshot!(
        "community_token",
        dump(
            &site,
            r.status,
            &r.headers,
            &r.body.replace(&token, "[token]")
        )
    );
    let t = Some(token.as_str());
    for (name, method, path, body) in [
        ("upvote", "POST", "/api/papers/2608.00001/upvote", None),
        (
            "upvote_old_style",
            "POST",
            "/api/papers/hep-th/9901001/upvote",
            None,
        ),
        (
            "unvote_old_style",
            "DELETE",
            "/api/papers/hep-th/9901001/upvote",
            None,
        ),
        (
            "comment",
            "POST",
            "/api/papers/2608.00001/comments",
            Some(serde_json::json!({"body": "Nice *work*."})),
        ),
        (
            "comment_old_style",
            "POST",
            "/api/papers/hep-th/9901001/comments",
            Some(serde_json::json!({"body": "Old but gold.", "parent": null})),
        ),
        (
            "submit_duplicate",
            "POST",
            "/api/papers/submit",
            Some(serde_json::json!({"id": "2608.00002"})),
        ),
        (
            "bad_json",
            "POST",
            "/api/papers/2608.00001/comments",
            Some(serde_json::json!({"text": "no body"})),
        ),
        (
            "subscribe",
            "POST",
            "/api/subscriptions",
            Some(serde_json::json!({"email": "reader@example.org", "cadence": "weekly"})),
        ),
    ] {
        insta::assert_snapshot!(
            format!("community_{name}"),
            api(&site, method, path, t, body).await
        );
    }
    insta::assert_snapshot!(
        "community_unauthorized",
        api(&site, "POST", "/api/papers/2608.00001/upvote", None, None).await
    );
    insta::assert_snapshot!(
        "community_comments",
        get(&site, "/api/papers/2608.00001/comments").await
    );
    insta::assert_snapshot!(
        "community_comments_old_style",
        get(&site, "/api/papers/hep-th/9901001/comments").await
    );
    insta::assert_snapshot!(
        "community_trending_after_votes",
        get(&site, "/api/daily_papers?sort=trending&limit=2").await
    );

    // The same site through a browser: signed-in pages are personal.
    let mut b = site.browser();
    insta::assert_snapshot!(
        "browser_signin_form",
        browse(&site, &mut b, "/signin").await
    );
    let r = b.sign_in("ada", "correct horse battery").await;
    insta::assert_snapshot!(
        "browser_signed_in",
        dump(&site, r.status, &r.headers, &r.body)
    );
    insta::assert_snapshot!(
        "browser_paper",
        browse(&site, &mut b, "/papers/2608.00001").await
    );
    insta::assert_snapshot!("browser_settings", browse(&site, &mut b, "/settings").await);
    insta::assert_snapshot!("browser_submit", browse(&site, &mut b, "/submit").await);
    let csrf = csrf_in(&b.get("/papers/2608.00002").await.body);
    let r = b
        .post(
            "/vote",
            &[("csrf", &csrf), ("paper", "2608.00002"), ("action", "up")],
        )
        .await;
    insta::assert_snapshot!("browser_vote", dump(&site, r.status, &r.headers, &r.body));
    let cookies: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let r = site
        .client
        .post(format!("{}/vote", site.base))
        .header("cookie", cookies.join("; "))
        .header("accept", "application/json")
        .form(&[("csrf", csrf.as_str()), ("paper", "2608.00003")])
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    let body = r.text().await.unwrap();
    insta::assert_snapshot!("browser_vote_json", dump(&site, status, &headers, &body));
    let r = b
        .post(
            "/comment",
            &[("csrf", &csrf), ("paper", "2608.00002"), ("body", "Hello")],
        )
        .await;
    insta::assert_snapshot!(
        "browser_comment",
        dump(&site, r.status, &r.headers, &r.body)
    );
    let r = b
        .post(
            "/comment",
            &[
                ("csrf", "wrong"),
                ("paper", "2608.00002"),
                ("body", "Hello"),
            ],
        )
        .await;
    insta::assert_snapshot!(
        "browser_csrf_refused",
        dump(&site, r.status, &r.headers, &r.body)
    );
    let r = b
        .post("/submit", &[("csrf", &csrf), ("id", "2608.00002")])
        .await;
    insta::assert_snapshot!(
        "browser_submit_duplicate",
        dump(&site, r.status, &r.headers, &r.body)
    );
    insta::assert_snapshot!(
        "browser_subscribe_form",
        browse(&site, &mut b, "/subscribe?email=x@example.org").await
    );
    let mut anon = site.browser();
    let r = anon.get("/settings").await;
    insta::assert_snapshot!(
        "anon_settings_redirect",
        dump(&site, r.status, &r.headers, &r.body)
    );
    let r = anon
        .post("/vote", &[("csrf", ""), ("paper", "2608.00002")])
        .await;
    insta::assert_snapshot!(
        "anon_vote_refused",
        dump(&site, r.status, &r.headers, &r.body)
    );
}
