//! The OpenAPI 3.1 document of every JSON endpoint, generated from the
//! handlers' `#[utoipa::path]` attributes and the wire types' schemas: each
//! resource module contributes its `ApiDoc`, merged here. Served at
//! `/.well-known/openapi.json` (Hugging Face's path) and `/api/openapi.json`,
//! and rendered as a page at `/docs/api`.

use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};

use crate::state::AppState;
use crate::view::render;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Daily Papers API",
        description = "Research papers ranked by a community's upvotes, in Hugging Face's \
            paper API shapes (`huggingface_hub` works against it). Errors answer \
            `{\"error\", \"code\"}` (and `link` where there is a page to go to).",
        license(name = "Apache-2.0")
    ),
    components(schemas(crate::wire::RefusalJson, crate::wire::ErrorJson)),
    tags(
        (name = "papers", description = "The daily feed and the papers"),
        (name = "search", description = "Hybrid search and similar papers"),
        (name = "community", description = "Votes, comments and submissions (Bearer token)"),
        (name = "accounts", description = "Accounts and API tokens"),
        (name = "mail", description = "Digest subscriptions"),
        (name = "collections", description = "Reading lists, in Hugging Face's shape"),
    )
)]
struct Root;

/// The whole document, built once.
pub(crate) fn document() -> &'static Document {
    static DOC: LazyLock<Document> = LazyLock::new(|| {
        let mut doc = Root::openapi();
        for part in [
            crate::daily::ApiDoc::openapi(),
            crate::papers::ApiDoc::openapi(),
            crate::search::ApiDoc::openapi(),
            crate::comments::ApiDoc::openapi(),
            crate::votes::ApiDoc::openapi(),
            crate::authors::ApiDoc::openapi(),
            crate::submit::ApiDoc::openapi(),
            crate::auth::ApiDoc::openapi(),
            crate::subscriptions::ApiDoc::openapi(),
            crate::collections::ApiDoc::openapi(),
            crate::for_you::ApiDoc::openapi(),
            crate::follows::ApiDoc::openapi(),
        ] {
            doc.merge(part);
        }
        let bearer = SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A token from `POST /api/auth/token` or the settings page",
                ))
                .build(),
        );
        doc.components
            .get_or_insert_with(Default::default)
            .security_schemes
            .insert("bearer".into(), RefOr::T(bearer));
        doc
    });
    &DOC
}

static JSON: LazyLock<String> =
    LazyLock::new(|| document().to_pretty_json().unwrap_or_else(|_| "{}".into()));

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openapi.json", get(json))
        .route("/api/openapi.json", get(json))
        .route("/docs/api", get(page))
}

async fn json() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JSON.as_str(),
    )
        .into_response()
}

/// One operation as the page lists it.
#[derive(Debug)]
struct OperationView {
    method: &'static str,
    path: String,
    summary: String,
    description: String,
    needs_token: bool,
    params: Vec<(String, String, bool, String)>,
    body: Option<String>,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    layout: crate::view::Layout,
    title: String,
    description: String,
    operations: Vec<OperationView>,
}

fn schema_name(r: &RefOr<utoipa::openapi::schema::Schema>) -> String {
    match r {
        RefOr::Ref(r) => r.ref_location.rsplit('/').next().unwrap_or("").to_string(),
        RefOr::T(_) => "object".to_string(),
    }
}

fn operations(doc: &Document) -> Vec<OperationView> {
    use utoipa::openapi::path::{HttpMethod, ParameterIn};
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", HttpMethod::Get, &item.get),
            ("POST", HttpMethod::Post, &item.post),
            ("DELETE", HttpMethod::Delete, &item.delete),
        ];
        for (method, _, op) in ops {
            let Some(op) = op else { continue };
            let params = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    RefOr::T(p) => Some(p),
                    RefOr::Ref(_) => None,
                })
                .map(|p| {
                    let place = match p.parameter_in {
                        ParameterIn::Path => "path",
                        ParameterIn::Query | ParameterIn::QueryString => "query",
                        ParameterIn::Header => "header",
                        ParameterIn::Cookie => "cookie",
                    };
                    let required = matches!(p.required, utoipa::openapi::Required::True);
                    (
                        p.name.clone(),
                        place.to_string(),
                        required,
                        p.description.clone().unwrap_or_default(),
                    )
                })
                .collect();
            let body = op.request_body.as_ref().and_then(|b| {
                let RefOr::T(b) = b else { return None };
                b.content
                    .get("application/json")
                    .and_then(|c| match c {
                        RefOr::T(c) => c.schema.as_ref(),
                        RefOr::Ref(_) => None,
                    })
                    .map(schema_name)
            });
            let responses = op
                .responses
                .responses
                .iter()
                .map(|(code, r)| {
                    let text = match r {
                        RefOr::T(r) => r.description.clone(),
                        RefOr::Ref(r) => r.ref_location.clone(),
                    };
                    (code.clone(), text)
                })
                .collect();
            out.push(OperationView {
                method,
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                needs_token: op.security.as_ref().is_some_and(|s| !s.is_empty()),
                params,
                body,
                responses,
            });
        }
    }
    out
}

async fn page(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Html<String>, crate::error::PageError> {
    let doc = document();
    let layout = crate::view::Layout::load(&state, None).await?;
    Ok(render(&DocsPage {
        layout,
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations: operations(doc),
    }))
}
