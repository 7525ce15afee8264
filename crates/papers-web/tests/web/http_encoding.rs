//! HTTP as clients expect it: bodies compressed by `Accept-Encoding` (gzip
//! and brotli, decoding to the very bytes sent uncompressed), `Vary`, an ETag
//! per representation with `304` on `If-None-Match`, nothing compressed that
//! holds a signed-in viewer's secrets, and cache lifetimes on static assets.
//! Each check runs with the response cache on (bodies compressed once and
//! kept) and off (compressed for each answer).

use std::io::Read;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::common::{Options, Site, record, site_with};

/// Three papers on one day, with abstracts long enough to be worth
/// compressing.
fn corpus() -> Vec<papers_core::IngestRecord> {
    let long = |topic: &str| {
        format!("We study {topic} at scale. ").repeat(40) + "Code and data are released."
    };
    vec![
        record(
            "2608.00001",
            "Diffusion models for image synthesis",
            &long("diffusion"),
            "2026-08-21",
            0,
            3,
        ),
        record(
            "2608.00002",
            "Language models reason with chains of thought",
            &long("reasoning"),
            "2026-08-21",
            1,
            30,
        ),
        record(
            "2608.00003",
            "Graph neural networks for molecules",
            &long("molecules"),
            "2026-08-21",
            2,
            7,
        ),
    ]
}

async fn cached_and_not() -> [Site; 2] {
    [
        site_with(corpus(), Options::default()).await,
        site_with(
            corpus(),
            Options {
                cache_ttl: Duration::ZERO,
                ..Options::default()
            },
        )
        .await,
    ]
}

pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// A GET with the given request headers; the body as it came (reqwest here
/// decodes nothing).
pub async fn get_with(site: &Site, path: &str, headers: &[(&str, &str)]) -> Raw {
    let mut req = site.client.get(format!("{}{path}", site.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    Raw {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().await.unwrap().to_vec(),
    }
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn varies_on_encoding(r: &Raw) -> bool {
    r.headers
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding"))
}

const PATHS: [&str; 8] = [
    "/papers/date/2026-08-21",
    "/api/daily_papers?date=2026-08-21",
    "/papers/date/2026-08-21/feed.atom",
    "/papers/date/2026-08-21/feed.rss",
    "/papers/date/2026-08-21/feed.json",
    "/static/style.css",
    "/static/vote.js",
    "/healthz",
];

#[tokio::test]
async fn gzip_and_brotli_bodies_decode_to_the_identity_body() {
    for site in cached_and_not().await {
        for path in PATHS {
            let plain = get_with(&site, path, &[]).await;
            assert_eq!(plain.status, 200, "{path}");
            assert_eq!(plain.header("content-encoding"), None, "{path}");
            assert!(varies_on_encoding(&plain), "{path}: {:?}", plain.headers);

            let gz = get_with(&site, path, &[("accept-encoding", "gzip")]).await;
            let br = get_with(&site, path, &[("accept-encoding", "br")]).await;
            let browser = get_with(
                &site,
                path,
                &[("accept-encoding", "gzip, deflate, br, zstd")],
            )
            .await;
            if plain.body.len() < 1024 {
                // Below the size worth compressing (`/healthz`): sent as it is.
                for r in [&gz, &br, &browser] {
                    assert_eq!(r.header("content-encoding"), None);
                    assert_eq!(r.body, plain.body);
                }
                continue;
            }
            assert_eq!(gz.header("content-encoding"), Some("gzip"), "{path}");
            assert_eq!(gunzip(&gz.body), plain.body, "{path}");
            assert_eq!(br.header("content-encoding"), Some("br"), "{path}");
            assert_eq!(unbrotli(&br.body), plain.body, "{path}");
            assert_eq!(browser.header("content-encoding"), Some("br"), "{path}");
            assert_eq!(browser.body, br.body, "{path}: the same bytes");
            for r in [&gz, &br] {
                assert!(varies_on_encoding(r), "{path}");
                assert!(
                    r.body.len() * 2 < plain.body.len(),
                    "{path}: {} bytes",
                    r.body.len()
                );
                assert_eq!(
                    r.header("content-length")
                        .map(|n| n.parse::<usize>().unwrap()),
                    Some(r.body.len()),
                    "{path}"
                );
                assert_eq!(r.header("content-type"), plain.header("content-type"));
            }
            // Each representation has its own tag, derived from the identity one.
            let tag = plain
                .header("etag")
                .unwrap_or_else(|| panic!("{path}: no etag"));
            let stem = tag.trim_end_matches('"');
            assert_eq!(
                gz.header("etag").unwrap(),
                format!("{stem}-gzip\""),
                "{path}"
            );
            assert_eq!(br.header("etag").unwrap(), format!("{stem}-br\""), "{path}");

            // q-values: the client's order wins; refusals fall back to identity.
            for (header, want) in [
                ("gzip;q=1.0, br;q=0.5", Some("gzip")),
                ("br;q=0.2, gzip;q=0.1", Some("br")),
                ("br;q=0, gzip;q=0", None),
                ("gzip;q=0.5, identity", None),
                ("identity;q=0, *;q=0", None),
                ("*", Some("br")),
                ("deflate", None),
            ] {
                let r = get_with(&site, path, &[("accept-encoding", header)]).await;
                assert_eq!(r.status, 200);
                assert_eq!(r.header("content-encoding"), want, "{path} with {header}");
                let body = match want {
                    Some("gzip") => gunzip(&r.body),
                    Some(_) => unbrotli(&r.body),
                    None => r.body.clone(),
                };
                assert_eq!(body, plain.body, "{path} with {header}");
            }
        }
    }
}

#[tokio::test]
async fn head_answers_describe_the_compressed_body() {
    let site = site_with(corpus(), Options::default()).await;
    let path = "/api/daily_papers?date=2026-08-21";
    let br = get_with(&site, path, &[("accept-encoding", "br")]).await;
    let head = site
        .client
        .head(format!("{}{path}", site.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    let h = head.headers().clone();
    assert_eq!(h.get("content-encoding").unwrap(), "br");
    assert_eq!(
        h.get("etag").unwrap().to_str().unwrap(),
        br.header("etag").unwrap()
    );
    assert_eq!(
        h.get("content-length").unwrap().to_str().unwrap(),
        br.body.len().to_string()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn json_answers_carry_an_etag_and_answer_304() {
    for site in cached_and_not().await {
        // A cached list and an uncached single paper alike.
        for path in [
            "/api/daily_papers?date=2026-08-21",
            "/api/papers/2608.00002",
        ] {
            let first = get_with(&site, path, &[]).await;
            assert_eq!(first.status, 200);
            let tag = first
                .header("etag")
                .unwrap_or_else(|| panic!("{path}: no etag"))
                .to_string();
            assert!(
                tag.starts_with('"') && tag.ends_with('"') && tag.len() > 20,
                "{tag}"
            );
            let again = get_with(&site, path, &[]).await;
            assert_eq!(again.header("etag"), Some(tag.as_str()), "stable");

            let not_modified = get_with(&site, path, &[("if-none-match", &tag)]).await;
            assert_eq!(not_modified.status, 304, "{path}");
            assert!(not_modified.body.is_empty());
            assert_eq!(not_modified.header("etag"), Some(tag.as_str()));
            assert_eq!(not_modified.header("content-encoding"), None);
            // Weak comparison, lists and `*`, as RFC 9110 has it.
            for inm in [
                format!("W/{tag}"),
                format!("\"nope\", {tag}"),
                "*".to_string(),
            ] {
                let r = get_with(&site, path, &[("if-none-match", &inm)]).await;
                assert_eq!(r.status, 304, "{path} with {inm}");
            }
            let other = get_with(&site, path, &[("if-none-match", "\"nope\"")]).await;
            assert_eq!(
                (other.status, other.body.clone()),
                (200, first.body.clone())
            );

            // The compressed representation has its own tag: the identity
            // tag does not validate it, its own does.
            let br = get_with(&site, path, &[("accept-encoding", "br")]).await;
            let br_tag = br.header("etag").unwrap().to_string();
            if br.header("content-encoding") == Some("br") {
                assert_ne!(br_tag, tag);
                let r = get_with(
                    &site,
                    path,
                    &[("accept-encoding", "br"), ("if-none-match", &tag)],
                )
                .await;
                assert_eq!(r.status, 200, "{path}: another representation");
                assert_eq!(unbrotli(&r.body), first.body);
            }
            let r = get_with(
                &site,
                path,
                &[("accept-encoding", "br"), ("if-none-match", &br_tag)],
            )
            .await;
            assert_eq!(r.status, 304, "{path}");
            assert_eq!(r.header("etag"), Some(br_tag.as_str()));
            assert!(r.body.is_empty());
            if br.header("content-encoding").is_some() {
                assert!(varies_on_encoding(&r), "a 304 repeats Vary");
            }
        }
    }
}

#[tokio::test]
async fn a_new_vote_changes_the_tag() {
    let site = site_with(corpus(), Options::default()).await;
    let path = "/api/papers/2608.00001";
    let before = get_with(&site, path, &[]).await;
    let tag = before.header("etag").unwrap().to_string();
    let token = site.user_with_token("ada").await;
    let r = site
        .api("POST", "/api/papers/2608.00001/upvote", Some(&token), None)
        .await;
    assert!(r.status < 300, "{}", r.body);
    let after = get_with(&site, path, &[("if-none-match", &tag)]).await;
    assert_eq!(after.status, 200, "the paper changed: a new body");
    assert_ne!(after.header("etag"), Some(tag.as_str()));
}

#[tokio::test]
async fn signed_in_pages_are_never_compressed() {
    let site = site_with(corpus(), Options::default()).await;
    let mut b = site.browser();
    b.sign_up("grace").await;
    let cookie: String = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let page = get_with(
        &site,
        "/papers/date/2026-08-21",
        &[("accept-encoding", "gzip, br"), ("cookie", &cookie)],
    )
    .await;
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(
        html.contains("name=\"csrf\""),
        "a signed-in page, with its CSRF token"
    );
    assert_eq!(
        page.headers.get("content-encoding"),
        None,
        "BREACH: not compressed"
    );
    assert!(page.header("cache-control").unwrap().contains("no-store"));
    // A signed-in page whose handler says nothing about caching is not
    // compressed either: the session cookie tells.
    let submit = get_with(
        &site,
        "/submit",
        &[("accept-encoding", "gzip, br"), ("cookie", &cookie)],
    )
    .await;
    assert_eq!(submit.status, 200);
    assert_eq!(
        submit.header("cache-control"),
        Some("private, no-store"),
        "the form is one user's page"
    );
    assert!(
        String::from_utf8(submit.body.clone())
            .unwrap()
            .contains("name=\"csrf\"")
    );
    assert_eq!(
        submit.header("content-encoding"),
        None,
        "BREACH: not compressed"
    );
    // The same address for an anonymous reader is compressed, and so is a
    // page from the shared response cache for anyone with a cookie: it is
    // the same for everyone.
    let anon = get_with(
        &site,
        "/papers/date/2026-08-21",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(anon.header("content-encoding"), Some("br"));
    let with_csrf_cookie = get_with(
        &site,
        "/papers/date/2026-08-21",
        &[("accept-encoding", "gzip, br"), ("cookie", "dp_csrf=abc")],
    )
    .await;
    assert_eq!(with_csrf_cookie.header("content-encoding"), Some("br"));
    assert_eq!(with_csrf_cookie.body, anon.body);
}

#[tokio::test]
async fn writes_and_errors_pass_through_untouched() {
    let site = site_with(corpus(), Options::default()).await;
    let r = site
        .client
        .post(format!("{}/api/auth/signup", site.base))
        .header("accept-encoding", "gzip, br")
        .json(&serde_json::json!({"username": "hopper", "email": "hopper@example.org", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("content-encoding").is_none());
    assert!(r.headers().get("etag").is_none());
    let missing = get_with(&site, "/papers/2608.99999", &[("accept-encoding", "br")]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-encoding"), None);
    assert!(String::from_utf8(missing.body).unwrap().contains("<html"));
}

#[tokio::test]
async fn static_assets_are_cached_by_content_hash() {
    let site = site_with(corpus(), Options::default()).await;
    for (name, kind) in [("style.css", "text/css"), ("vote.js", "text/javascript")] {
        let plain = get_with(&site, &format!("/static/{name}"), &[]).await;
        assert_eq!(plain.status, 200);
        assert!(plain.header("content-type").unwrap().starts_with(kind));
        assert_eq!(plain.header("cache-control"), Some("public, max-age=3600"));
        let tag = plain.header("etag").unwrap().to_string();
        // The plain address names the hashed one.
        let link = plain.header("link").unwrap();
        let hashed = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"canonical\""))
            .map(|(url, _)| url.to_string())
            .unwrap_or_else(|| panic!("{link}"));
        let (stem, ext) = name.split_once('.').unwrap();
        let hash = hashed
            .strip_prefix(&format!("/static/{stem}."))
            .and_then(|h| h.strip_suffix(&format!(".{ext}")))
            .unwrap();
        assert!(
            hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{hashed}"
        );

        // Pages link the hashed address, so a deploy busts every cache.
        let (_, home, _) = site.get("/").await;
        let attr = if ext == "css" { "href" } else { "src" };
        assert!(home.contains(&format!("{attr}=\"{hashed}\"")), "{home}");
        assert!(!home.contains(&format!("\"/static/{name}\"")), "{home}");

        let immutable = get_with(&site, &hashed, &[]).await;
        assert_eq!(immutable.status, 200);
        assert_eq!(
            immutable.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(immutable.body, plain.body);
        assert_eq!(immutable.header("link"), None);

        // Revalidation by ETag on either address.
        for path in [format!("/static/{name}"), hashed.clone()] {
            let r = get_with(&site, &path, &[("if-none-match", &tag)]).await;
            assert_eq!(r.status, 304, "{path}");
            assert!(
                r.header("cache-control").is_some(),
                "{path}: a 304 repeats it"
            );
        }
        // A page from before a deploy names an older hash: the current
        // content, revalidated every time.
        let stale = get_with(&site, &format!("/static/{stem}.0000000000.{ext}"), &[]).await;
        assert_eq!(stale.status, 200);
        assert_eq!(stale.header("cache-control"), Some("public, no-cache"));
        assert_eq!(stale.body, plain.body);
    }
    let missing = get_with(&site, "/static/nothing.css", &[]).await;
    assert_eq!(missing.status, 404);
}
