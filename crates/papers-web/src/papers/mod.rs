//! A paper: its page (`/papers/{id}`, and as Markdown at `/papers/{id}.md`
//! or with `Accept: text/markdown`, as BibTeX at `/papers/{id}.bib`), its JSON (`GET /api/papers/{id}`, with
//! `?field=comments` its discussion too), every paper in a stable order
//! (`GET /api/papers?cursor=&limit=`), and a page for any arXiv paper
//! (`POST /api/papers/index`), for new-style ids and old-style ones
//! (`/papers/hep-th/9901001`).

mod api;
mod bibtex;
mod markdown;

pub(crate) use bibtex::bibliography;
pub(crate) use markdown::paper_markdown;
mod page;

use axum::Router;
use axum::routing::{get, post};
use papers_core::ArxivId;

use crate::error::ApiError;
use crate::extract::at_paper;
use crate::state::AppState;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(api::paper, api::list, api::index))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let r = Router::new()
        .route("/api/papers", get(api::list))
        .route("/api/papers/index", post(api::index));
    let r = at_paper(r, "/papers", "", get(page::paper));
    at_paper(r, "/api/papers", "", get(api::paper))
}

/// True for a string shaped like an arXiv id, valid or not: `YYMM.NNNN(N)`
/// or `archive/YYMMNNN`, with an optional version and `arXiv:` prefix.
/// Hugging Face answers 404 for any such id it does not hold
/// (`1234.56789`, month 34, included) and 400 for anything else.
pub(crate) fn id_shaped(raw: &str) -> bool {
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let s = raw.trim();
    let s = match s.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("arxiv:") => s.get(6..).unwrap_or(""),
        _ => s,
    };
    // An optional version: `v` and digits at the end.
    let s = match s.rsplit_once(['v', 'V']) {
        Some((body, v)) if !body.is_empty() && digits(v, 1..=4) => body,
        _ => s,
    };
    if let Some((yymm, num)) = s.split_once('.')
        && digits(yymm, 4..=4)
        && digits(num, 4..=5)
    {
        return true;
    }
    match s.split_once('/') {
        Some((archive, num)) => {
            let name = archive.split('.').next().unwrap_or("");
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
                && archive.len() <= name.len() + 3
                && digits(num, 7..=7)
        }
        None => false,
    }
}

/// The id in a path, or the error Hugging Face answers: 404 for an
/// id-shaped string that is no paper's id, 400 for anything else.
pub(crate) fn parse_paper_id(raw: &str) -> Result<ArxivId, ApiError> {
    ArxivId::parse(raw).map_err(|e| {
        if id_shaped(raw) {
            not_found(raw.trim())
        } else {
            ApiError::bad("invalid_id", e.to_string())
        }
    })
}

/// `{"error": "Paper not found", …}`, as Hugging Face words it.
pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Paper not found: {id}"))
}

#[cfg(test)]
mod tests {
    use super::id_shaped;

    #[test]
    fn knows_the_shape_of_an_id() {
        for shaped in [
            "2407.21783",
            "1234.56789",
            "0000.00000",
            "2608.9999",
            "2407.21783v2",
            "arXiv:1234.56789",
            "hep-th/9901001",
            "hep-th/9999001v3",
            "math.GT/0309136",
        ] {
            assert!(id_shaped(shaped), "{shaped}");
        }
        for not in [
            "",
            "garbage",
            "2407",
            "2407.",
            "24071.21783",
            "2407.217834",
            "2407.21x83",
            "hep-th/990100",
            "hep th/9901001",
            "/9901001",
            "aaaaaé",
            "2407.21783.md",
            "hep-th.toolong/9901001",
        ] {
            assert!(!id_shaped(not), "{not}");
        }
    }
}
