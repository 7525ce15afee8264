//! Issue 14: author pages (`/authors/{name}`, one page for every spelling
//! of a name), names linked from paper pages and list rows, authorship
//! claims (the paper page's form and `POST /api/papers/{id}/claim`) that an
//! admin verifies at `/admin/claims`, and the profile (`/users/{username}`)
//! that then lists the paper; Hugging Face's `claimed_verified` in the API.

use papers_core::{Author, IngestRecord};

use crate::common::{Site, record, site};

fn corpus() -> Vec<IngestRecord> {
    let mut a = record(
        "2608.00001",
        "Computing machinery",
        "Can machines think?",
        "2026-08-21",
        0,
        10,
    );
    a.paper.authors = vec![Author::named("Alan Turing"), Author::named("Ada Lovelace")];
    let mut b = record(
        "2608.00002",
        "On computable numbers",
        "Numbers whose expansions are computable.",
        "2026-08-21",
        1,
        5,
    );
    b.paper.authors = vec![
        Author::named("alan  TURING"),
        Author::named("Alonzo Chu\u{308}rch"),
    ];
    let mut c = record(
        "2608.00003",
        "Morphogenesis",
        "Patterns from reaction and diffusion.",
        "2026-08-20",
        0,
        2,
    );
    c.paper.authors = vec![
        Author::named("A. Turing"),
        Author::named("<script>alert(1)</script> & Sons"),
    ];
    vec![a, b, c]
}

/// The papers an author page lists, by their links.
fn paper_links(html: &str) -> Vec<&str> {
    html.split("<h2 class=\"title\"><a href=\"/papers/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

#[tokio::test]
async fn one_page_for_every_spelling_of_a_name() {
    let site = site(corpus()).await;
    for path in [
        "/authors/Alan%20Turing",
        "/authors/alan%20%20turing",
        "/authors/ALAN%20TURING",
    ] {
        let (status, html, _) = site.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("<h1>Alan Turing</h1>"), "{html}");
        assert_eq!(paper_links(&html), ["2608.00002", "2608.00001"], "{path}");
        assert!(html.contains("<strong>15</strong> upvotes"), "{html}");
        // Co-authors link to their pages.
        assert!(
            html.contains("<a href=\"/authors/Ada%20Lovelace\">Ada Lovelace</a>"),
            "{html}"
        );
    }
    // Diacritics do not make another author.
    let (status, html, _) = site.get("/authors/alonzo%20church").await;
    assert_eq!(status, 200);
    assert_eq!(paper_links(&html), ["2608.00002"]);
    // Initials do.
    let (_, html, _) = site.get("/authors/A.%20Turing").await;
    assert_eq!(paper_links(&html), ["2608.00003"]);
    let (status, _, _) = site.get("/authors/Nobody%20At%20All").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn author_names_link_to_their_pages_from_papers_and_lists() {
    let site = site(corpus()).await;
    let (_, html, _) = site.get("/papers/2608.00002").await;
    assert!(
        html.contains("<a href=\"/authors/alan%20TURING\">alan  TURING</a>"),
        "{html}"
    );
    let (_, html, _) = site.get("/papers/date/2026-08-21").await;
    assert!(
        html.contains("<a href=\"/authors/Alan%20Turing\">Alan Turing</a>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/authors/Alonzo%20Chu%CC%88rch\">"));
}

/// Names with `<` and `&` are escaped on every page that shows them, and
/// their links are percent-encoded.
#[tokio::test]
async fn author_names_are_escaped() {
    let site = site(corpus()).await;
    let raw = "<script>alert(1)</script>";
    let escaped = "&#60;script&#62;alert(1)&#60;/script&#62; &#38; Sons";
    let (_, paper, _) = site.get("/papers/2608.00003").await;
    let (_, list, _) = site.get("/papers/date/2026-08-20").await;
    let path = "/authors/%3Cscript%3Ealert%281%29%3C%2Fscript%3E%20%26%20Sons";
    let (status, author, _) = site.get(path).await;
    assert_eq!(status, 200, "{author}");
    let (_, coauthor, _) = site.get("/authors/A.%20Turing").await;
    for html in [&paper, &list, &author, &coauthor] {
        assert!(!html.contains(raw), "{html}");
        assert!(html.contains(escaped), "{html}");
    }
    assert!(paper.contains(&format!("href=\"{path}\"")), "{paper}");
}

async fn admin_browser(site: &Site) -> crate::common::Browser {
    site.make_admin("boss").await;
    let mut admin = site.browser();
    let r = admin.sign_in("boss", "correct horse battery").await;
    assert_eq!(r.status, 303, "{}", r.body);
    admin
}

/// A claim through the API waits for an admin, who verifies it on
/// `/admin/claims`; then the profile lists the paper, the paper names the
/// account, and the API says `claimed_verified` as Hugging Face does.
#[tokio::test]
async fn a_verified_claim_shows_on_the_profile_and_in_the_api() {
    let site = site(corpus()).await;
    let token = site.user_with_token("turing").await;
    let claim = |author: &str| Some(serde_json::json!({ "author": author }));
    let path = "/api/papers/2608.00001/claim";
    assert_eq!(
        site.api("POST", path, None, claim("Alan Turing"))
            .await
            .status,
        401
    );
    let r = site
        .api("POST", path, Some(&token), claim("Kurt Gödel"))
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (404, Some("no_such_author"))
    );
    let r = site
        .api(
            "POST",
            "/api/papers/2608.09999/claim",
            Some(&token),
            claim("Alan Turing"),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = site
        .api("POST", path, Some(&token), Some(serde_json::json!({})))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = site
        .api("POST", path, Some(&token), claim("ALAN  turing"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json();
    assert_eq!(
        (
            c["author"].as_str(),
            c["status"].as_str(),
            c["paperId"].as_str()
        ),
        (Some("Alan Turing"), Some("pending"), Some("2608.00001"))
    );
    let r = site
        .api("POST", path, Some(&token), claim("Ada Lovelace"))
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (409, Some("claim_exists"))
    );

    // Pending: nothing shows yet.
    let (_, json) = site.json("/api/papers/2608.00001").await;
    assert!(json["authors"][0].get("status").is_none(), "{json}");
    let (_, profile, _) = site.get("/users/turing").await;
    assert!(paper_links(&profile).is_empty(), "{profile}");

    // The admin's list, and the verdict.
    let mut admin = admin_browser(&site).await;
    let page = admin.get("/admin/claims").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Alan Turing"), "{}", page.body);
    let csrf = crate::common::csrf_in(&page.body);
    let id = c["id"].as_i64().unwrap().to_string();
    let r = admin
        .post(
            "/admin/claims",
            &[("csrf", &csrf), ("id", &id), ("decision", "verify")],
        )
        .await;
    assert_eq!(
        (r.status, r.location()),
        (303, "/admin/claims"),
        "{}",
        r.body
    );
    assert!(!admin.get("/admin/claims").await.body.contains("2608.00001"));

    let (_, profile, _) = site.get("/users/turing").await;
    assert_eq!(paper_links(&profile), ["2608.00001"]);
    let (_, paper, _) = site.get("/papers/2608.00001").await;
    assert!(
        paper.contains("<a class=\"verified\" href=\"/users/turing\""),
        "{paper}"
    );
    let (_, json) = site.json("/api/papers/2608.00001").await;
    let author = &json["authors"][0];
    assert_eq!(author["status"], "claimed_verified", "{json}");
    assert_eq!(author["user"]["user"], "turing");
    assert!(author["statusLastChangedAt"].is_string());
    assert!(json["authors"][1].get("status").is_none());
    let (_, daily) = site.json("/api/daily_papers?date=2026-08-21").await;
    let item = daily
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["paper"]["id"] == "2608.00001")
        .unwrap();
    assert_eq!(item["paper"]["authors"][0]["status"], "claimed_verified");

    // Someone else cannot claim that author any more.
    let other = site.user_with_token("impostor").await;
    let r = site
        .api("POST", path, Some(&other), claim("Alan Turing"))
        .await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (409, Some("author_claimed"))
    );

    // The claim is the reader's data: exported, and gone with the account.
    let r = site.api("GET", "/api/me/export", Some(&token), None).await;
    let export = r.json();
    assert_eq!(
        export["authorshipClaims"][0]["status"], "verified",
        "{export}"
    );
    let r = site
        .api(
            "DELETE",
            "/api/me",
            Some(&token),
            Some(serde_json::json!({"password": "correct horse battery"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, json) = site.json("/api/papers/2608.00001").await;
    assert!(json["authors"][0].get("status").is_none(), "{json}");
    assert_eq!(site.get("/users/turing").await.0, 404);
}

/// The paper page's form: signed in, a reader picks the author they are;
/// the claim waits on their own profile; others see no pending claims.
#[tokio::test]
async fn claiming_from_the_paper_page() {
    let site = site(corpus()).await;
    let mut reader = site.browser();
    assert_eq!(reader.sign_up("ada").await.status, 303);
    let page = reader.get("/papers/2608.00001").await;
    assert!(
        page.body
            .contains("<select id=\"claim-author\" name=\"author\">"),
        "{}",
        page.body
    );
    let csrf = crate::common::csrf_in(&page.body);
    let r = reader
        .post(
            "/claim",
            &[
                ("csrf", &csrf),
                ("paper", "2608.00001"),
                ("author", "Ada Lovelace"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/users/ada"), "{}", r.body);
    let own = reader.get("/users/ada").await;
    assert!(own.body.contains("waiting for an admin"), "{}", own.body);
    let (_, public, _) = site.get("/users/ada").await;
    assert!(!public.contains("waiting for an admin"));
    // Without the CSRF token the form is refused.
    let r = reader
        .post(
            "/claim",
            &[("paper", "2608.00002"), ("author", "Alonzo Church")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Only admins see the claims.
    assert_eq!(reader.get("/admin/claims").await.status, 404);
    let r = reader
        .post(
            "/admin/claims",
            &[("csrf", &csrf), ("id", "1"), ("decision", "verify")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
