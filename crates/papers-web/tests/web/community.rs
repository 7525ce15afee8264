//! Accounts, votes, submissions and comments through HTTP.

use std::sync::Arc;

use crate::common::{Options, arxiv_replay, csrf_in, record, site, site_with, token_after};
use crate::pages::sample;

#[tokio::test]
async fn two_hundred_users_vote_at_once_and_the_totals_are_exact() {
    let site = Arc::new(site(sample()).await);
    // Accounts are made through the use cases (hashing 200 passwords over HTTP
    // would only test argon2); the votes themselves all go through HTTP.
    let hash = papers_app::hash_password("correct horse battery").unwrap();
    let mut tokens = Vec::new();
    for i in 0..200 {
        tokens.push(site.account_with_token(&format!("voter{i}"), &hash).await);
    }
    let papers = ["2608.00001", "2608.00002"];
    let mut tasks = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        for paper in papers {
            let site = site.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                let path = format!("/api/papers/{paper}/upvote");
                let r = site.api("POST", &path, Some(&token), None).await;
                assert_eq!(r.status, 200, "{}", r.body);
                // Every fifth user also votes twice: harmless.
                if i % 5 == 0 {
                    let r = site.api("POST", &path, Some(&token), None).await;
                    assert_eq!(r.status, 200, "{}", r.body);
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    // Baselines were 3 and 30.
    let (_, a) = site.json("/api/papers/2608.00001").await;
    let (_, b) = site.json("/api/papers/2608.00002").await;
    assert_eq!(a["upvotes"], 203);
    assert_eq!(b["upvotes"], 230);
    // Take back 50 votes on one paper, concurrently.
    let mut tasks = Vec::new();
    for token in tokens.iter().take(50) {
        let site = site.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let r = site
                .api(
                    "DELETE",
                    "/api/papers/2608.00001/upvote",
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(r.status, 200);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = site
        .api(
            "DELETE",
            "/api/papers/2608.00001/upvote",
            Some(&tokens[0]),
            None,
        )
        .await;
    assert_eq!(r.json()["upvotes"], 153, "taking back twice is harmless");
    // The page shows the same number as the API.
    let (_, html, _) = site.get("/papers/2608.00001").await;
    assert!(
        html.contains("<span class=\"count\">153</span>"),
        "page and API agree"
    );
}

impl crate::common::Site {
    pub fn clock_now(&self) -> jiff::Timestamp {
        use papers_core::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn submitting_a_paper_fetches_arxiv_and_lists_it_today() {
    let arxiv = arxiv_replay().await;
    let site = site_with(
        sample(),
        Options {
            arxiv_base: arxiv,
            quota: 3,
            ..Options::default()
        },
    )
    .await;
    let token = site.user_with_token("submitter").await;

    let r = site
        .api("POST", "/api/papers/submit", Some(&token), Some(serde_json::json!({"id": "https://arxiv.org/abs/2104.12255v1", "comment": "A good one"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["id"], "2104.12255");
    // It is on today's list (America/New_York: 2026-08-21), with its submitter.
    let (_, items) = site.json("/api/daily_papers?date=2026-08-21").await;
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["paper"]["id"] == "2104.12255")
        .unwrap();
    assert_eq!(item["submittedBy"]["name"], "submitter");
    // Metadata from the recorded arXiv response (the paper is really titled "0").
    assert_eq!(item["paper"]["title"], "0");
    assert_eq!(item["paper"]["publishedAt"], "2021-04-20T16:07:14.000Z");
    assert_eq!(item["paper"]["authors"][0]["name"], "Quan Thoi Minh Nguyen");

    // Already on the list of the last 7 days: refused, with a link.
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2104.12255"})),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["code"], "already_listed");
    assert_eq!(r.json()["link"], "/papers/2104.12255");
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2608.00010"})),
        )
        .await;
    assert_eq!(r.status, 409, "listed yesterday counts too");

    // Unknown and malformed ids.
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2501.99999"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (404, "unknown_id"),
        "{}",
        r.body
    );
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "not an id"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (400, "invalid_id")
    );

    // The daily quota (3 here): one used; two more go in, the fourth is refused.
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "astro-ph/0601001"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut old = record("2501.00001", "Known paper", "Abstract.", "2026-01-02", 0, 0);
    old.listing = None;
    site.store
        .upsert_batch(&[old], site.clock_now())
        .await
        .unwrap();
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2501.00001"})),
        )
        .await;
    assert_eq!(
        r.status, 201,
        "a paper we already know needs no fetch: {}",
        r.body
    );
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2501.00002"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (429, "quota_reached")
    );

    // No token, no submission.
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            None,
            Some(serde_json::json!({"id": "2501.00001"})),
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn comments_thread_edit_delete_and_count() {
    let site = site(sample()).await;
    let alice = site.user_with_token("alice").await;
    let bob = site.user_with_token("bob").await;
    let path = "/api/papers/2608.00002/comments";
    let r = site
        .api(
            "POST",
            path,
            Some(&alice),
            Some(serde_json::json!({"body": "Nice **result**.", "parent": null})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let first = r.json()["id"].as_i64().unwrap();
    let r = site.api("POST", path, Some(&bob), Some(serde_json::json!({"body": "Agreed, see [this](https://example.org).", "parent": first}))).await;
    assert_eq!(r.status, 201);
    let reply = r.json()["id"].as_i64().unwrap();
    let r = site
        .api(
            "POST",
            path,
            Some(&bob),
            Some(serde_json::json!({"body": "   "})),
        )
        .await;
    assert_eq!(r.status, 400, "empty comments are refused");
    let r = site
        .api(
            "POST",
            path,
            Some(&bob),
            Some(serde_json::json!({"body": "x", "parent": 9999})),
        )
        .await;
    assert_eq!(r.status, 404, "the parent must be a comment on this paper");

    let r = site.api("GET", path, None, None).await;
    let thread = r.json();
    assert_eq!(thread.as_array().unwrap().len(), 2);
    assert_eq!(
        thread[0]["body_html"],
        "<p>Nice <strong>result</strong>.</p>\n"
    );
    assert_eq!(thread[1]["parent"], first);
    assert_eq!(thread[1]["depth"], 1);
    assert!(
        thread[1]["body_html"]
            .as_str()
            .unwrap()
            .contains("rel=\"nofollow ugc\"")
    );
    let (_, item) = site.json("/api/daily_papers?date=2026-08-21").await;
    let item = item
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["paper"]["id"] == "2608.00002")
        .unwrap()
        .clone();
    assert_eq!(item["numComments"], 2);

    // Through the pages: bob edits his reply, then deletes it; it stays as [deleted].
    let mut b = site.browser();
    assert_eq!(b.sign_in("bob", "correct horse battery").await.status, 303);
    let page = b.get("/papers/2608.00002").await;
    let csrf = csrf_in(&page.body);
    let id = reply.to_string();
    let r = b
        .post(
            "/comment/edit",
            &[("csrf", &csrf), ("id", &id), ("body", "Edited reply")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get("/papers/2608.00002").await;
    assert!(page.body.contains("Edited reply") && page.body.contains("edited"));
    let r = b
        .post("/comment/delete", &[("csrf", &csrf), ("id", &id)])
        .await;
    assert_eq!(r.status, 303);
    let thread = site.api("GET", path, None, None).await.json();
    assert_eq!(thread[1]["body_html"], "<p>[deleted]</p>");
    assert_eq!(thread[1]["author"], serde_json::Value::Null);
    let (_, item) = site
        .json("/api/daily_papers?date=2026-08-21&limit=100")
        .await;
    let item = item
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["paper"]["id"] == "2608.00002")
        .unwrap()
        .clone();
    assert_eq!(
        item["numComments"], 1,
        "numComments counts visible comments"
    );
}

#[tokio::test]
async fn pages_sign_up_in_vote_submit_and_out() {
    let arxiv = arxiv_replay().await;
    let site = site_with(
        sample(),
        Options {
            arxiv_base: arxiv,
            ..Options::default()
        },
    )
    .await;
    let mut b = site.browser();
    let r = b.sign_up("carol").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(b.cookies.contains_key("dp_session"));
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("dp_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let home = b.get("/").await;
    assert!(home.body.contains("carol"), "signed in");
    let csrf = csrf_in(&home.body);
    let r = b
        .post(
            "/vote",
            &[("csrf", &csrf), ("paper", "2608.00001"), ("action", "up")],
        )
        .await;
    assert_eq!(r.status, 303);
    let (_, json) = site.json("/api/papers/2608.00001").await;
    assert_eq!(json["upvotes"], 4);
    let page = b.get("/papers/2608.00001").await;
    assert!(
        page.body.contains("vote-form voted"),
        "the page shows my vote"
    );
    let r = b
        .post(
            "/vote",
            &[("csrf", &csrf), ("paper", "2608.00001"), ("action", "down")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(site.json("/api/papers/2608.00001").await.1["upvotes"], 3);

    let r = b
        .post(
            "/submit",
            &[("csrf", &csrf), ("id", "2104.12255"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/papers/2104.12255");
    let r = b
        .post(
            "/submit",
            &[("csrf", &csrf), ("id", "2104.12255"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body.contains("already on the daily list")
            && r.body.contains("href=\"/papers/2104.12255\"")
    );
    assert_eq!(
        r.headers["cache-control"], "private, no-store",
        "the refused form is one user's page"
    );

    let r = b
        .post(
            "/comment",
            &[("csrf", &csrf), ("paper", "2104.12255"), ("body", "First!")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        b.get("/papers/2104.12255")
            .await
            .body
            .contains("<p>First!</p>")
    );

    // Settings: a token, then revoke it.
    let r = b
        .post("/settings/tokens", &[("csrf", &csrf), ("name", "script")])
        .await;
    assert_eq!(r.status, 200);
    let token = r
        .body
        .split("<code class=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(token.starts_with("dp_"));
    assert_eq!(
        site.api("POST", "/api/papers/2608.00003/upvote", Some(&token), None)
            .await
            .status,
        200
    );

    let r = b.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 303);
    let home = b.get("/").await.body;
    assert!(home.contains("href=\"/signin\"") && !home.contains("action=\"/signout\""));
}

/// Issue 11, item 7: addresses are neither unique nor verified (the
/// decision is in ARCHITECTURE.md's threat model). A reset for an address
/// that two accounts share mails one link per account, each naming its
/// account, and each link resets only the account it names.
#[tokio::test]
async fn a_shared_address_gets_one_reset_link_per_account() {
    let site = site(sample()).await;
    for name in ["erin", "erin2"] {
        let mut b = site.browser();
        let csrf = b.csrf("/signup").await;
        let r = b
            .post(
                "/signup",
                &[
                    ("csrf", &csrf),
                    ("username", name),
                    ("email", "Erin@example.org"),
                    ("password", "correct horse battery"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let mut anon = site.browser();
    let csrf = anon.csrf("/reset").await;
    let r = anon
        .post("/reset", &[("csrf", &csrf), ("email", "erin@EXAMPLE.org")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for _ in 0..500 {
        if site.state.background.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let sent = site.state.mail.mailer.memory_mailbox().unwrap().sent();
    assert_eq!(sent.len(), 2, "one mail per account");
    let mut named = Vec::new();
    for m in &sent {
        let name = if m.mail.text.contains("Hello erin2,") {
            "erin2"
        } else {
            assert!(m.mail.text.contains("Hello erin,"), "{}", m.mail.text);
            "erin"
        };
        named.push((name, token_after(&m.mail.text, "/reset?token=")));
    }
    named.sort();
    assert_eq!(named[0].0, "erin");
    assert_eq!(named[1].0, "erin2");
    let r = anon
        .post(
            "/reset",
            &[
                ("csrf", &csrf),
                ("token", &named[1].1),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        anon.sign_in("erin2", "a brand new password").await.status,
        303
    );
    assert_eq!(
        anon.sign_in("erin", "correct horse battery").await.status,
        303,
        "the other account keeps its password"
    );
}

#[tokio::test]
async fn password_reset_is_single_use_and_ends_sessions() {
    let site = site(sample()).await;
    let mut b = site.browser();
    b.sign_up("dave").await;
    let session = b.cookies.get("dp_session").cloned().unwrap();
    let mut anon = site.browser();
    let csrf = anon.csrf("/reset").await;
    let r = anon
        .post("/reset", &[("csrf", &csrf), ("email", "dave@example.org")])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("reset link is on its way"));
    let r = anon
        .post(
            "/reset",
            &[("csrf", &csrf), ("email", "nobody@example.org")],
        )
        .await;
    assert!(
        r.body.contains("reset link is on its way"),
        "same answer for unknown addresses"
    );
    // Reset mails are queued (the answer takes the same time either way):
    // wait for the queue to drain.
    for _ in 0..500 {
        if site.state.background.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let sent = site.state.mail.mailer.memory_mailbox().unwrap().sent();
    assert_eq!(sent.len(), 1, "one mail: none for the unknown address");
    assert_eq!(sent[0].mail.to.email.to_string(), "dave@example.org");
    let text = &sent[0].mail.text;
    let start = text.find("/reset?token=").unwrap() + "/reset?token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(token.len(), 64);
    let r = anon
        .post(
            "/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Your password was changed"));
    let r = anon
        .post(
            "/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("password", "another new password"),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "the token works once");
    assert_eq!(
        anon.sign_in("dave", "correct horse battery").await.status,
        401
    );
    assert_eq!(
        anon.sign_in("dave", "a brand new password").await.status,
        303
    );
    // The old session ended with the reset.
    b.cookies.insert("dp_session".into(), session);
    assert!(!b.get("/").await.body.contains("action=\"/signout\""));
}

#[tokio::test]
async fn trending_page_and_api_show_their_breakdown() {
    let site = site(sample()).await;
    let (status, body, _) = site.get("/papers/trending").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Score = upvotes ÷ (age in hours + 2)"),
        "{body}"
    );
    // 30 votes listed 13.97 h ago beat 99 votes listed a day earlier.
    let high = body.find("High votes").unwrap();
    let yesterday = body.find("Yesterday").unwrap();
    assert!(high < yesterday);
    assert!(
        body.contains("= 30 votes ÷ (14.0 h + 2 h)"),
        "breakdown shown: {body}"
    );
    let (_, json) = site.json("/api/daily_papers?sort=trending").await;
    assert_eq!(json[0]["paper"]["id"], "2608.00002");
    assert_eq!(json[0]["trending"]["votes"], 30);
    assert!(json[0]["trending"]["score"].as_f64().unwrap() > 0.0);
    assert!(json[0]["trending"]["decay"].as_f64().unwrap() > 1.0);
}

/// Subscribes each address and confirms it from its mail, as a reader does.
async fn subscribed(site: &crate::common::Site, addrs: &[String]) {
    let mailbox = site.state.mail.mailer.memory_mailbox().unwrap().clone();
    let before = mailbox.sent().len();
    for a in addrs {
        let r = site
            .api(
                "POST",
                "/api/subscriptions",
                None,
                Some(serde_json::json!({"email": a, "cadence": "daily"})),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    for m in &mailbox.sent()[before..] {
        let token = token_after(&m.mail.text, "/subscriptions/confirm?token=");
        let r = site
            .api(
                "POST",
                &format!("/subscriptions/confirm?token={token}"),
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

/// One digest run for `day`, as the schedule or `papers digest send` makes it.
async fn digest_run(site: &crate::common::Site, day: &str) -> papers_app::DigestReport {
    let day: jiff::civil::Date = day.parse().unwrap();
    site.state
        .community
        .send_digests(
            &site.state.mail,
            papers_app::Period::Daily(day),
            None,
            3,
            Arc::new(|_: &papers_app::DigestReport| {}),
        )
        .await
        .unwrap()
}

/// Two digest runs at once (two app nodes, or the server's schedule and a
/// cron job) send each subscriber one mail: exactly one run wins each claim.
#[tokio::test]
async fn two_digest_runs_at_once_send_each_mail_once() {
    let site = site(sample()).await;
    let mailbox = site.state.mail.mailer.memory_mailbox().unwrap().clone();
    let addrs: Vec<String> = (0..6).map(|i| format!("reader{i}@example.org")).collect();
    subscribed(&site, &addrs).await;
    let confirmations = mailbox.sent().len();
    let (a, b) = tokio::join!(
        digest_run(&site, "2026-08-21"),
        digest_run(&site, "2026-08-21")
    );
    assert_eq!(a.sent + b.sent, 6, "{a:?} {b:?}");
    let digests: Vec<String> = mailbox.sent()[confirmations..]
        .iter()
        .map(|m| m.mail.to.email.to_string())
        .collect();
    let mut unique = digests.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(digests.len(), 6, "{digests:?}");
    assert_eq!(unique.len(), 6, "nobody got two: {digests:?}");
}

/// Issue 11, item 8: manage tokens are stored hashed. So every digest
/// carries a token of its own, and the link in each mail ever sent opens
/// the same subscription. The store never sees a token in the clear (the
/// store's own test looks at the rows).
#[tokio::test]
async fn every_digest_has_its_own_manage_link_and_each_keeps_working() {
    let site = site(sample()).await;
    let mailbox = site.state.mail.mailer.memory_mailbox().unwrap().clone();
    subscribed(&site, &["reader@example.org".to_string()]).await;
    let before = mailbox.sent().len();
    for day in ["2026-08-20", "2026-08-21"] {
        assert_eq!(digest_run(&site, day).await.sent, 1, "{day}");
    }
    let tokens: Vec<String> = mailbox.sent()[before..]
        .iter()
        .map(|m| token_after(&m.mail.text, "/subscriptions/manage?token="))
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1], "a fresh token in each mail");
    for token in &tokens {
        assert_eq!(token.len(), 64, "{token}");
        let r = site
            .api(
                "GET",
                &format!("/subscriptions/manage?token={token}"),
                None,
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("reader@example.org"), "{}", r.body);
    }
    let r = site
        .api("GET", "/subscriptions/manage?token=0000", None, None)
        .await;
    assert_eq!(r.status, 404);
}

/// Issue 11, item 9: asking arXiv for ids it does not have counts against
/// the daily quota too, so an account cannot keep the polite arXiv client
/// (one request every few seconds) busy with misses.
#[tokio::test]
async fn failed_arxiv_fetches_count_against_the_quota() {
    let arxiv = arxiv_replay().await;
    let site = site_with(
        sample(),
        Options {
            arxiv_base: arxiv,
            quota: 2,
            ..Options::default()
        },
    )
    .await;
    let token = site.user_with_token("prober").await;
    let mut codes = Vec::new();
    for id in ["2601.00001", "2601.00002", "2601.00003"] {
        let r = site
            .api(
                "POST",
                "/api/papers/submit",
                Some(&token),
                Some(serde_json::json!({ "id": id })),
            )
            .await;
        codes.push((
            r.status,
            r.json()["code"].as_str().unwrap_or("").to_string(),
        ));
    }
    assert_eq!(codes[0].0, 404, "{codes:?}");
    assert_eq!(codes[1].0, 404, "{codes:?}");
    assert_eq!(codes[2], (429, "quota_reached".to_string()));
    // A real paper is refused too now: the quota is spent.
    let r = site
        .api(
            "POST",
            "/api/papers/submit",
            Some(&token),
            Some(serde_json::json!({"id": "2104.12255"})),
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.body);
}

/// `/readyz` answers a load balancer: ready once the store answers and the
/// search index is built, with how far it has applied the change feed.
/// `/admin/jobs` lists the scheduled jobs to admins only, HTML-escaped.
#[tokio::test]
async fn readiness_and_the_jobs_page() {
    let site = site_with(
        vec![record(
            "2608.00001",
            "One",
            "An abstract.",
            "2026-08-20",
            0,
            1,
        )],
        Options {
            search: true,
            ..Options::default()
        },
    )
    .await;
    let (status, body, headers) = site.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let r: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["ready"], true);
    // Built at start (applied what the store held then); the vectors
    // embedded since are the upkeep's to apply, which this site runs not.
    let (applied, newest) = (
        r["applied_change"].as_i64().unwrap(),
        r["newest_change"].as_i64().unwrap(),
    );
    assert!(applied > 0 && applied <= newest, "{r}");

    let now = papers_core::Clock::now(site.clock.as_ref());
    site.store
        .schedule_job("harvest-hf", "every 1h", now)
        .await
        .unwrap();
    assert!(
        site.store
            .take_due_job(
                "harvest-hf",
                "node-<a>",
                now,
                now + jiff::SignedDuration::from_secs(30)
            )
            .await
            .unwrap()
    );
    let (status, _, _) = site.get("/admin/jobs").await;
    assert_eq!(status, 303, "anonymous readers are sent to sign in");
    let mut user = site.browser();
    user.sign_up("carol").await;
    assert_eq!(user.get("/admin/jobs").await.status, 404, "not for readers");
    site.make_admin("root").await;
    let mut admin = site.browser();
    assert_eq!(
        admin.sign_in("root", "correct horse battery").await.status,
        303
    );
    let page = admin.get("/admin/jobs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("harvest-hf"), "{}", page.body);
    assert!(page.body.contains("every 1h"), "{}", page.body);
    assert!(
        page.body.contains("node-&#60;a&#62;"),
        "escaped: {}",
        page.body
    );
    assert!(!page.body.contains("node-<a>"));
}

/// Issue 14, "your data": the export holds everything about the caller, and
/// `DELETE /api/me` (with the password) removes the account, takes back its
/// votes with exact totals, leaves its comments as "[deleted]", and ends
/// its tokens. (The store's own test checks that no row keeps a trace.)
#[tokio::test]
async fn export_then_delete_an_account() {
    let site = site(sample()).await;
    let mut tokens = Vec::new();
    for name in ["leaving", "staying"] {
        let token = site.user_with_token(name).await;
        for paper in ["2608.00001", "2608.00002"] {
            let r = site
                .api(
                    "POST",
                    &format!("/api/papers/{paper}/upvote"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        tokens.push(token);
    }
    let (leaving, staying) = (&tokens[0], &tokens[1]);
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00001/comments",
            Some(leaving),
            Some(serde_json::json!({"body": "A comment that stays as [deleted]."})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00001/comments",
            Some(staying),
            Some(serde_json::json!({"body": "A reply that stays."})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Baselines 3 and 30, plus the two users' votes.
    let (_, a) = site.json("/api/papers/2608.00001").await;
    assert_eq!(a["upvotes"], 5);

    let r = site.api("GET", "/api/me/export", Some(leaving), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let export: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(export["profile"]["username"], "leaving");
    assert_eq!(export["profile"]["email"], "leaving@example.org");
    assert_eq!(export["votes"].as_array().unwrap().len(), 2);
    assert_eq!(
        export["comments"][0]["body"],
        "A comment that stays as [deleted]."
    );
    assert_eq!(export["apiTokens"][0]["name"], "api");
    assert!(!r.body.contains(leaving.as_str()), "no token in the export");
    assert_eq!(
        site.api("GET", "/api/me/export", None, None).await.status,
        401
    );

    let wrong = serde_json::json!({"password": "not it at all"});
    let r = site
        .api("DELETE", "/api/me", Some(leaving), Some(wrong))
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    let right = serde_json::json!({"password": "correct horse battery"});
    let r = site
        .api("DELETE", "/api/me", Some(leaving), Some(right))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gone: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(gone["votesTakenBack"], 2);
    assert_eq!(gone["commentsLeftAsDeleted"], 1);

    let (_, a) = site.json("/api/papers/2608.00001").await;
    let (_, b) = site.json("/api/papers/2608.00002").await;
    assert_eq!(
        (a["upvotes"].clone(), b["upvotes"].clone()),
        (4.into(), 31.into())
    );
    let (_, thread) = site.json("/api/papers/2608.00001/comments").await;
    let text = thread.to_string();
    assert!(
        text.contains("[deleted]") && text.contains("A reply that stays."),
        "{text}"
    );
    assert!(
        !text.contains("leaving") && !text.contains("stays as [deleted]"),
        "{text}"
    );
    let r = site.api("GET", "/api/me/export", Some(leaving), None).await;
    assert_eq!(r.status, 401, "the token ended with the account");
    let mut b = site.browser();
    assert_eq!(
        b.sign_in("leaving", "correct horse battery").await.status,
        401
    );
    let r = site.api("GET", "/api/me/export", Some(staying), None).await;
    assert_eq!(r.status, 200, "the other account is untouched");
}

/// Issue 14: "not interested" is a reader's signal, undoable, theirs to
/// export; an unknown paper is a 404 and no token a 401.
#[tokio::test]
async fn not_interested_is_undoable_and_in_the_export() {
    let site = site(sample()).await;
    let token = site.user_with_token("reader").await;
    let path = "/api/papers/2608.00002/not-interested";
    let r = site.api("POST", path, Some(&token), None).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "{\"notInterested\":true}")
    );
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00001/not-interested",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let r = site
        .api(
            "DELETE",
            "/api/papers/2608.00001/not-interested",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "{\"notInterested\":false}")
    );
    assert_eq!(site.api("POST", path, None, None).await.status, 401);
    let r = site
        .api(
            "POST",
            "/api/papers/2608.99999/not-interested",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = site.api("GET", "/api/me/export", Some(&token), None).await;
    let export: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let marked: Vec<&str> = export["notInterested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["paperId"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["2608.00002"]);
}
