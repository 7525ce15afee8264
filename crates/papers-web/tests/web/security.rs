//! The security properties, each shown on the real server.

use papers_core::Clock;

use crate::common::{Options, csrf_in, site, site_with};
use crate::pages::sample;

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let site = site(sample()).await;
    let mut b = site.browser();
    b.sign_up("erin").await;
    for csrf in [
        "",
        "forged",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let r = b
            .post(
                "/vote",
                &[("csrf", csrf), ("paper", "2608.00001"), ("action", "up")],
            )
            .await;
        assert_eq!(r.status, 403, "csrf {csrf:?}");
        let r = b
            .post(
                "/comment",
                &[("csrf", csrf), ("paper", "2608.00001"), ("body", "hi")],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = b.post("/signout", &[("csrf", csrf)]).await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(
        site.json("/api/papers/2608.00001").await.1["upvotes"],
        3,
        "nothing changed"
    );
    // Anonymous forms use a double-submit cookie: a sign-in without it is refused too.
    let mut anon = site.browser();
    let r = anon
        .post(
            "/signin",
            &[
                ("csrf", "x"),
                ("username", "erin"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn a_session_cookie_is_dead_after_sign_out() {
    let site = site(sample()).await;
    let mut b = site.browser();
    b.sign_up("frank").await;
    let stolen = b.cookies.get("dp_session").cloned().unwrap();
    let csrf = csrf_in(&b.get("/").await.body);
    assert_eq!(b.post("/signout", &[("csrf", &csrf)]).await.status, 303);
    let mut thief = site.browser();
    thief.cookies.insert("dp_session".into(), stolen);
    assert!(!thief.get("/settings").await.body.contains("frank"));
    assert_eq!(
        thief.get("/settings").await.status,
        303,
        "settings redirect to sign-in"
    );
    let r = thief
        .post("/vote", &[("csrf", &csrf), ("paper", "2608.00001")])
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let site = site_with(
        sample(),
        Options {
            rate_limits: true,
            ..Options::default()
        },
    )
    .await;
    let mut b = site.browser();
    let csrf = b.csrf("/signin").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let r = b
            .post(
                "/signin",
                &[
                    ("csrf", &csrf),
                    ("username", "nobody"),
                    ("password", "wrong password"),
                ],
            )
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            let wait: u64 = r
                .headers
                .get("retry-after")
                .unwrap()
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&wait));
        }
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[10], 429);
    let r = site
        .api(
            "POST",
            "/api/auth/token",
            None,
            Some(serde_json::json!({"username": "x", "password": "y"})),
        )
        .await;
    assert_eq!(r.status, 429, "the API shares the per-IP sign-in limit");
    assert!(r.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn script_in_a_comment_is_neutralised() {
    let site = site(sample()).await;
    let token = site.user_with_token("mallory").await;
    let body = "<script>alert('x')</script><img src=x onerror=alert(1)> <a href=\"https://evil.example\" onclick=\"steal()\">x</a>\n\n[click](javascript:alert(2))";
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00001/comments",
            Some(&token),
            Some(serde_json::json!({"body": body})),
        )
        .await;
    assert_eq!(r.status, 201);
    let (_, page, _) = site.get("/papers/2608.00001").await;
    for bad in [
        "<script>alert",
        "onerror",
        "href=\"javascript:",
        "onclick",
        "steal()",
    ] {
        assert!(!page.contains(bad), "{bad} survived: {page}");
    }
    assert!(page.contains("rel=\"nofollow ugc\""));
}

#[tokio::test]
async fn another_users_comment_cannot_be_edited_or_deleted() {
    let site = site(sample()).await;
    let alice = site.user_with_token("alice").await;
    let r = site
        .api(
            "POST",
            "/api/papers/2608.00001/comments",
            Some(&alice),
            Some(serde_json::json!({"body": "mine"})),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap().to_string();
    let mut eve = site.browser();
    eve.sign_up("eve").await;
    let csrf = csrf_in(&eve.get("/").await.body);
    assert_eq!(
        eve.post(
            "/comment/edit",
            &[("csrf", &csrf), ("id", &id), ("body", "hacked")]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        eve.post("/comment/delete", &[("csrf", &csrf), ("id", &id)])
            .await
            .status,
        403
    );
    assert_eq!(
        eve.post("/admin/hide-comment", &[("csrf", &csrf), ("id", &id)])
            .await
            .status,
        403
    );
    let thread = site
        .api("GET", "/api/papers/2608.00001/comments", None, None)
        .await
        .json();
    assert_eq!(thread[0]["body_markdown"], "mine");
}

#[tokio::test]
async fn a_hidden_paper_is_absent_from_pages_and_api_and_a_ban_ends_access() {
    let site = site(sample()).await;
    let user_token = site.user_with_token("gina").await;
    site.make_admin("root").await;
    let mut admin = site.browser();
    assert_eq!(
        admin.sign_in("root", "correct horse battery").await.status,
        303
    );
    let csrf = csrf_in(&admin.get("/papers/2608.00002").await.body);
    assert_eq!(
        admin
            .post(
                "/admin/hide-paper",
                &[("csrf", &csrf), ("paper", "2608.00002")]
            )
            .await
            .status,
        303
    );
    assert_eq!(site.get("/papers/2608.00002").await.0, 404);
    assert_eq!(site.json("/api/papers/2608.00002").await.0, 404);
    let (_, day) = site.json("/api/daily_papers?date=2026-08-21").await;
    assert!(
        day.as_array()
            .unwrap()
            .iter()
            .all(|i| i["paper"]["id"] != "2608.00002")
    );
    let (_, html, _) = site.get("/papers/date/2026-08-21").await;
    assert!(!html.contains("High votes"));
    assert!(!site.get("/papers/trending").await.1.contains("High votes"));
    assert_eq!(
        site.api(
            "POST",
            "/api/papers/2608.00002/upvote",
            Some(&user_token),
            None
        )
        .await
        .status,
        404
    );
    // Nothing was deleted: the row is still in the store.
    assert_eq!(site.store.stats().await.unwrap().papers, 4);

    // A ban: the user's token stops working.
    assert_eq!(
        admin
            .post("/admin/ban", &[("csrf", &csrf), ("username", "gina")])
            .await
            .status,
        303
    );
    assert_eq!(
        site.api(
            "POST",
            "/api/papers/2608.00001/upvote",
            Some(&user_token),
            None
        )
        .await
        .status,
        401
    );
    // Only admins may hide.
    let mut b = site.browser();
    b.sign_up("henry").await;
    let csrf = csrf_in(&b.get("/").await.body);
    assert_eq!(
        b.post(
            "/admin/hide-paper",
            &[("csrf", &csrf), ("paper", "2608.00001")]
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn passwords_are_never_returned_or_stored_in_clear() {
    let site = site(sample()).await;
    let secret = "correct horse battery";
    let r = site
        .api("POST", "/api/auth/signup", None, Some(serde_json::json!({"username": "ivy", "email": "ivy@example.org", "password": secret})))
        .await;
    assert_eq!(r.status, 201);
    assert!(
        !r.body.contains(secret) && !r.body.contains("argon2"),
        "{}",
        r.body
    );
    let r = site
        .api(
            "POST",
            "/api/auth/token",
            None,
            Some(serde_json::json!({"username": "ivy", "password": secret})),
        )
        .await;
    assert!(!r.body.contains(secret) && !r.body.contains("argon2"));
    let r = site
        .api(
            "POST",
            "/api/auth/token",
            None,
            Some(serde_json::json!({"username": "ivy", "password": "wrong"})),
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(!r.body.contains("wrong\""), "{}", r.body);
    let (_, hash) = site.store.user_credentials("ivy").await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(secret));
    let mut b = site.browser();
    let r = b.sign_in("ivy", secret).await;
    assert!(!r.body.contains(secret));
    let r = b.sign_in("ivy", "a wrong guess").await;
    assert_eq!(r.status, 401);
    assert!(
        !r.body.contains("a wrong guess"),
        "a failed sign-in does not echo the password"
    );
    let settings = {
        b.sign_in("ivy", secret).await;
        b.get("/settings").await
    };
    assert!(!settings.body.contains(secret) && !settings.body.contains("argon2"));
    // Weak passwords and bad addresses get clear messages.
    let r = site.api("POST", "/api/auth/signup", None, Some(serde_json::json!({"username": "jo", "email": "jo@example.org", "password": "short"}))).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (400, "weak_password")
    );
    let r = site.api("POST", "/api/auth/signup", None, Some(serde_json::json!({"username": "jo", "email": "not-an-address", "password": secret}))).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (400, "invalid_email")
    );
    let r = site.api("POST", "/api/auth/signup", None, Some(serde_json::json!({"username": "IVY", "email": "i2@example.org", "password": secret}))).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        (409, "username_taken"),
        "usernames ignore case"
    );
}

/// Issue 11, hole 1: a `javascript:` link stored before ingest checked links
/// (or put there by any other path) is never an href on a page, nor in the API.
#[tokio::test]
async fn links_from_data_become_hrefs_only_when_http() {
    let mut records = sample();
    records[0].paper.github_repo = Some("javascript:alert(document.domain)".into());
    records[0].paper.project_page = Some(" JaVaScRiPt:alert(1)".into());
    let site = site(records).await;
    for path in ["/papers/2608.00001", "/papers/date/2026-08-21", "/"] {
        let (status, body, _) = site.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !body.to_ascii_lowercase().contains("javascript:"),
            "{path}: {body}"
        );
    }
    let (_, json) = site.json("/api/papers/2608.00001").await;
    assert!(
        !json
            .to_string()
            .to_ascii_lowercase()
            .contains("javascript:")
    );
    // http(s) links still are links.
    let (_, body, _) = site.get("/papers/2608.00002").await;
    assert!(
        body.contains("href=\"https://github.com/example/1\""),
        "{body}"
    );
}

/// Issue 11, hole 2: a multibyte character where an id's prefix is read
/// panicked the handler and dropped the connection.
#[tokio::test]
async fn odd_ids_are_answered_never_dropped() {
    let site = site(sample()).await;
    for path in [
        "/papers/aaaaa%C3%A9",
        "/api/papers/aaaaa%C3%A9",
        "/papers/%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9",
        "/api/papers/arxiv%3A%C3%A9",
        "/papers/hep-th/%C3%A9",
    ] {
        let (status, _, _) = site.get(path).await;
        assert!(status == 400 || status == 404, "{path} answered {status}");
    }
}

/// Issue 11, hole 3: `next=/\t/evil.com` was followed after sign-in, and
/// browsers read `/\t/evil.com` as `//evil.com`.
#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let site = site(sample()).await;
    let mut b = site.browser();
    b.sign_up("gina").await;
    let csrf = csrf_in(&b.get("/").await.body);
    b.post("/signout", &[("csrf", &csrf)]).await;
    for next in [
        "/\t/evil.com",
        "//evil.com",
        "/\\evil.com",
        "https://evil.com",
        "/ /evil.com",
    ] {
        let csrf = b.csrf("/signin").await;
        let r = b
            .post(
                "/signin",
                &[
                    ("csrf", &csrf),
                    ("username", "gina"),
                    ("password", "correct horse battery"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{next:?}");
        assert_eq!(r.location(), "/", "{next:?}");
        let csrf = csrf_in(&b.get("/").await.body);
        b.post("/signout", &[("csrf", &csrf)]).await;
    }
}

/// Issue 11, hole 4: the `Link` header was built from the request's `Host`
/// and cached for everyone; it is built from the configured base URL.
#[tokio::test]
async fn next_links_never_come_from_the_host_header() {
    let site = site(sample()).await;
    let r = site
        .client
        .get(format!(
            "{}/api/daily_papers?date=2026-08-21&limit=1",
            site.base
        ))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    let link = r
        .headers()
        .get("link")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        link.starts_with(&format!("<{}/api/daily_papers?", site.base)),
        "{link}"
    );
    assert!(!link.contains("evil.example"), "{link}");
    // And a client without the header, served from the cache, gets the same.
    let (_, _, h) = site.get("/api/daily_papers?date=2026-08-21&limit=1").await;
    assert_eq!(h.get("link").unwrap().to_str().unwrap(), link);
}

/// Issue 11, item 8: pages may not be framed, sniffed or leak full referrers;
/// scripts come only from the site (no inline script).
#[tokio::test]
async fn pages_carry_security_headers() {
    let site = site(sample()).await;
    for path in ["/", "/papers/2608.00001", "/signin", "/no/such/page"] {
        let (_, body, h) = site.get(path).await;
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(h.get("referrer-policy").is_some());
        assert!(!body.contains("<script>"), "{path}: an inline script");
    }
    let (_, _, h) = site.get("/api/daily_papers").await;
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.get("content-security-policy").is_none());
    let (status, js, _) = site.get("/static/vote.js").await;
    assert_eq!(status, 200);
    assert!(js.contains("vote-form"));
}

/// Issue 11, item 6: the per-account sign-in limit holds on every sign-in
/// path, even when every attempt comes from another address (here through a
/// trusted proxy, whose `X-Forwarded-For` is believed); an untrusted peer's
/// `X-Forwarded-For` is ignored.
#[tokio::test]
async fn sign_in_attempts_are_limited_per_account_from_any_address() {
    let site = site_with(
        sample(),
        Options {
            rate_limits: true,
            trusted_proxies: vec![papers_web::IpPrefix::parse("127.0.0.1").unwrap()],
            ..Options::default()
        },
    )
    .await;
    site.user_with_token("victim").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = site
            .client
            .post(format!("{}/api/auth/token", site.base))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&serde_json::json!({"username": "VICTIM", "password": "wrong password!"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    // One attempt went to getting the first token; ten in all are allowed.
    assert_eq!(&statuses[..9], &[401; 9], "{statuses:?}");
    assert!(statuses[9..].iter().all(|s| *s == 429), "{statuses:?}");
    // The page form is another way in, and it is closed too.
    let mut b = site.browser();
    let csrf = b.csrf("/signin").await;
    let r = b
        .post(
            "/signin",
            &[
                ("csrf", &csrf),
                ("username", "victim"),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(r.status, 429);

    // Without a trusted proxy, X-Forwarded-For changes nothing: the peer
    // address is limited after 10 tries.
    let site = site_with(
        sample(),
        Options {
            rate_limits: true,
            ..Options::default()
        },
    )
    .await;
    let mut limited = false;
    for i in 0..12 {
        let r = site
            .client
            .post(format!("{}/api/auth/token", site.base))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&serde_json::json!({"username": format!("nobody{i}"), "password": "wrong password!"}))
            .send()
            .await
            .unwrap();
        limited |= r.status() == 429;
    }
    assert!(
        limited,
        "the forged header let the client past the per-IP limit"
    );
}

/// Issue 11, hole 7: a password reset assumes the old credentials leaked,
/// so API tokens stop working too (sessions already did).
#[tokio::test]
async fn a_password_reset_revokes_api_tokens() {
    let site = site(sample()).await;
    let token = site.user_with_token("ivy").await;
    let r = site
        .api("POST", "/api/papers/2608.00001/upvote", Some(&token), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut anon = site.browser();
    let csrf = anon.csrf("/reset").await;
    anon.post("/reset", &[("csrf", &csrf), ("email", "ivy@example.org")])
        .await;
    let mailbox = site.state.mail.mailer.memory_mailbox().unwrap().clone();
    let mut text = String::new();
    for _ in 0..500 {
        if let Some(m) = mailbox.sent().first() {
            text = m.mail.text.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let reset: String = text
        .split("/reset?token=")
        .nth(1)
        .expect("a reset mail")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert!(text.contains("expires in 1 hour"), "{text}");
    let r = anon
        .post(
            "/reset",
            &[
                ("csrf", &csrf),
                ("token", &reset),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = site
        .api(
            "DELETE",
            "/api/papers/2608.00001/upvote",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 401, "the token died with the reset: {}", r.body);
}

/// Issue 11, hole 5: subscribing someone else's address over and over sends
/// one confirmation an hour, and the subject carries none of the caller's text.
#[tokio::test]
async fn confirmations_to_one_address_are_one_an_hour() {
    let site = site(sample()).await;
    for query in ["BUY CHEAP PILLS", "diffusion", "graphs", "robots"] {
        let r = site
            .api(
                "POST",
                "/api/subscriptions",
                None,
                Some(serde_json::json!({"email": "target@example.org", "cadence": "daily", "query": query})),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let sent = site.state.mail.mailer.memory_mailbox().unwrap().sent();
    assert_eq!(sent.len(), 1, "one confirmation, not four");
    assert_eq!(
        sent[0].mail.subject,
        "Confirm your Daily Papers subscription"
    );
    // An hour later the address may be asked again.
    let later = site.clock.now() + jiff::SignedDuration::from_mins(61);
    site.clock.set(later);
    let r = site
        .api(
            "POST",
            "/api/subscriptions",
            None,
            Some(serde_json::json!({"email": "target@example.org", "cadence": "weekly"})),
        )
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        site.state
            .mail
            .mailer
            .memory_mailbox()
            .unwrap()
            .sent()
            .len(),
        2
    );
}

/// Issue 11, item 8: over https the cookies carry the `__Host-` prefix, so
/// only this host can set them, Secure and for the whole site.
#[tokio::test]
async fn cookies_are_host_only_over_https() {
    let secure = site_with(
        sample(),
        Options {
            secure_cookies: true,
            ..Options::default()
        },
    )
    .await;
    let (_, _, h) = secure.get("/signin").await;
    let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-dp_csrf="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    // Plain http (local use) keeps the plain names, which browsers accept there.
    let plain = site(sample()).await;
    let (_, _, h) = plain.get("/signin").await;
    assert!(
        h.get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("dp_csrf=")
    );
}
