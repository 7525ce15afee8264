//! The stylesheet and `vote.js`, the health check, and the page for unknown
//! addresses.
//!
//! An asset has two addresses. Its name with a hash of its content
//! (`/static/style.3f2a9c01de.css`, from [`url`]) is cached for a year as
//! `immutable`: changed content gets a new address, so nothing stale is ever
//! served from it. Its plain name (`/static/style.css`) is cached for an hour
//! and then revalidated by ETag, and names the hashed address in a `Link:
//! rel="canonical"` header. A hashed name whose hash is not the current one
//! (a page rendered before a deploy) gets the current content, revalidated on
//! every use. The compressed forms are made once per process.

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::cache::{CachedResponse, Effort, EncodedBody};
use crate::error::PageError;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{file}", get(asset))
        .route("/healthz", get(|| async { "ok" }))
}

pub(crate) async fn not_found() -> PageError {
    PageError::NotFound("There is no page at this address.".to_string())
}

/// `vote.js` upvotes in place: a separate file, so the
/// Content-Security-Policy allows no inline script.
const ASSETS: [(&str, &str, &str); 2] = [
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    ),
    (
        "vote.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/vote.js"),
    ),
];

/// Hex digits of the content hash in a hashed name.
const HASH_LEN: usize = 10;

const PLAIN: &str = "public, max-age=3600";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const STALE: &str = "public, no-cache";

struct Asset {
    /// `style.css`.
    name: &'static str,
    /// `style.3f2a9c01de.css`.
    hashed: String,
    content_type: &'static str,
    body: Arc<EncodedBody>,
}

static SERVED: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|&(name, content_type, text)| {
            let digest = Sha256::digest(text.as_bytes());
            let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            Asset {
                name,
                hashed: format!("{stem}.{}.{ext}", hash.get(..HASH_LEN).unwrap_or(&hash)),
                content_type,
                body: Arc::new(EncodedBody::new(text.into(), Effort::Static)),
            }
        })
        .collect()
});

/// The address to link an asset by: its content-hashed name
/// (`/static/style.3f2a9c01de.css` for `style.css`), or the plain one for a
/// name that is no asset.
pub(crate) fn url(name: &str) -> String {
    match SERVED.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}", a.hashed),
        None => format!("/static/{name}"),
    }
}

/// `/static/{file}`: the plain name, the hashed name, or a stale hash.
async fn asset(Path(file): Path<String>) -> Response {
    for a in SERVED.iter() {
        let policy = if file == a.hashed {
            IMMUTABLE
        } else if file == a.name {
            PLAIN
        } else if is_other_hash(&file, a.name) {
            STALE
        } else {
            continue;
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(a.content_type),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        if let Ok(v) = HeaderValue::from_str(a.body.etag()) {
            headers.insert(header::ETAG, v);
        }
        if policy == PLAIN
            && let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"canonical\"", url(a.name)))
        {
            headers.insert(header::LINK, v);
        }
        return CachedResponse {
            headers,
            body: a.body.clone(),
        }
        .into_response();
    }
    not_found().await.into_response()
}

/// `style.0123456789.css` for `style.css`: the name with some other hash.
fn is_other_hash(file: &str, name: &str) -> bool {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    file.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(ext))
        .and_then(|rest| rest.strip_suffix('.'))
        .is_some_and(|hash| hash.len() == HASH_LEN && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_the_content() {
        let css = url("style.css");
        assert!(
            css.starts_with("/static/style.") && css.ends_with(".css"),
            "{css}"
        );
        assert_eq!(css.len(), "/static/style..css".len() + HASH_LEN);
        assert_ne!(url("vote.js"), "/static/vote.js");
        assert_eq!(url("nothing.css"), "/static/nothing.css");
        assert!(is_other_hash("style.0123456789.css", "style.css"));
        assert!(!is_other_hash("style.css", "style.css"));
        assert!(!is_other_hash("style.01234.css", "style.css"));
        assert!(!is_other_hash("style.0123456789.js", "style.css"));
        assert!(!is_other_hash("vote.0123456789.js", "style.css"));
    }
}
