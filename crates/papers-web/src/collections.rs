//! Collections: reading lists. Pages (`/collections`, `/collections/{id}`,
//! its BibTeX at `/collections/{id}.bib` and its feeds at
//! `/collections/{id}/feed.{atom,rss,json}`) and Hugging Face's collections
//! API (`/api/collections…`), where a collection is named by its id or by
//! its slug (`owner/title-words-id`), as `huggingface_hub` sends it.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use papers_app::{Collection, CollectionEdit, CollectionView, ListedPaper, MAX_COLLECTION_ITEMS};
use papers_core::User;
use serde::Deserialize;

use crate::error::{ApiError, PageError};
use crate::extract::{ApiQuery, MaybeViewer};
use crate::feeds::{Format, cached_feed, render_feed};
use crate::guard::{ApiReader, ApiUser, JsonBody, SignedIn, SignedInForm, csrf_form};
use crate::papers::bibliography;
use crate::session::Viewer;
use crate::state::AppState;
use crate::view::{ItemView, Layout, day_of, private, render};
use crate::wire::{CollectionJson, DeletedCollectionJson, collection_json};

/// Items each collection carries in `GET /api/collections`, as on Hugging Face.
const LISTED_ITEMS: usize = 4;

/// This resource's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    api_list,
    api_create,
    api_get,
    api_update,
    api_delete,
    api_add_item,
    api_update_item,
    api_remove_item
))]
pub(crate) struct ApiDoc;

pub(crate) fn routes() -> Router<AppState> {
    let one = get(api_get).patch(api_update).delete(api_delete);
    let item = axum::routing::patch(api_update_item).delete(api_remove_item);
    Router::new()
        .route("/api/collections", get(api_list).post(api_create))
        .route("/api/collections/{key}", one.clone())
        .route("/api/collections/{key}/{slug}", one)
        .route("/api/collections/{key}/items", post(api_add_item))
        .route("/api/collections/{key}/{slug}/items", post(api_add_item))
        .route("/api/collections/{key}/items/{item}", item.clone())
        .route("/api/collections/{key}/{slug}/items/{item}", item)
        .route("/collections", get(mine).post(create))
        .route("/collections/{key}", get(page))
        .route("/collections/{key}/{rest}", get(feed_or_slug))
        .route("/collections/{key}/edit", post(edit))
        .route("/collections/{key}/delete", post(delete))
        .route("/collections/save", post(save))
        .route("/collections/{key}/items", post(add))
        .route("/collections/{key}/items/{item}", post(change_item))
}

/// The collection a path names: `{key}` (an id), or `{key}/{slug}` (an
/// owner and `title-words-id`); and the item it names, if any.
fn named(params: &HashMap<String, String>) -> (String, Option<&str>) {
    let key = match (params.get("key"), params.get("slug")) {
        (Some(owner), Some(slug)) => format!("{owner}/{slug}"),
        (Some(key), None) => key.clone(),
        _ => String::new(),
    };
    (key, params.get("item").map(String::as_str))
}

/// A visible collection with its first `limit` papers, as JSON.
async fn with_papers(
    state: &AppState,
    c: Collection,
    position: Option<usize>,
    limit: usize,
) -> Result<CollectionJson, ApiError> {
    let view = state.community.collection_with_items(c).await?;
    Ok(view_json(state, &view, position, limit))
}

/// The answer to a change of `user`'s collection: the response cache
/// emptied, and the whole collection as it is now.
async fn changed(
    state: &AppState,
    user: &User,
    key: &str,
) -> Result<Json<CollectionJson>, ApiError> {
    state.cache.invalidate();
    let view = state.community.collection_view(Some(user), key).await?;
    Ok(Json(view_json(state, &view, Some(0), usize::MAX)))
}

fn view_json(
    state: &AppState,
    v: &CollectionView,
    position: Option<usize>,
    limit: usize,
) -> CollectionJson {
    let items: Vec<_> = v
        .items
        .iter()
        .take(limit)
        .map(|(i, p)| (i.clone(), Some(p)))
        .collect();
    collection_json(&state.config.base_url, &v.collection, &items, position)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// `papers/{id}`: only collections holding this paper.
    #[param(pattern = "^papers/")]
    item: Option<String>,
    /// Only collections of this user.
    owner: Option<String>,
    /// At most this many (1–100, default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/collections",
    tag = "collections",
    operation_id = "listCollections",
    summary = "Public collections, the last changed first (each with at most 4 items)",
    params(ListParams),
    responses(
        (status = 200, description = "The collections", body = Vec<crate::wire::CollectionJson>),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
    )
)]
async fn api_list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<Vec<CollectionJson>>, ApiError> {
    let paper = match q.item.as_deref() {
        Some(item) => Some(item.strip_prefix("papers/").ok_or_else(|| {
            ApiError::bad(
                "invalid_item",
                "`item` names a paper as `papers/{id}`; collections hold only papers here",
            )
        })?),
        None => None,
    };
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad("invalid_limit", "`limit` is from 1 to 100"));
    }
    if paper.is_some_and(|p| papers_core::ArxivId::parse(p).is_err()) {
        // No paper has that id, so no collection holds it.
        return Ok(Json(Vec::new()));
    }
    let found = state
        .community
        .public_collections(paper, q.owner.as_deref(), limit)
        .await?;
    let mut out = Vec::with_capacity(found.len());
    for c in found {
        out.push(with_papers(&state, c, None, LISTED_ITEMS).await?);
    }
    Ok(Json(out))
}

/// `POST /api/collections`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct CreateBody {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    title: String,
    #[schema(max_length = 1000)]
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    private: Option<bool>,
    /// Hugging Face's owner of the collection: here only the caller.
    #[serde(default)]
    namespace: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/collections",
    tag = "collections",
    operation_id = "createCollection",
    summary = "Make a collection",
    request_body = CreateBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new collection; `id` names it", body = crate::wire::CollectionJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 403, description = "Refused (banned, or a `namespace` other than yours)", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(b): JsonBody<CreateBody>,
) -> Result<Json<CollectionJson>, ApiError> {
    if let Some(ns) = b.namespace.as_deref()
        && !ns.eq_ignore_ascii_case(&user.username)
    {
        return Err(ApiError::App(papers_app::AppError::refused(
            papers_app::Fault::Forbidden,
            "invalid_namespace",
            "Collections are made in your own namespace.",
        )));
    }
    let c = state
        .community
        .create_collection(
            &user,
            &b.title,
            b.description.as_deref().unwrap_or(""),
            b.private.unwrap_or(false),
        )
        .await?;
    Ok(Json(collection_json(
        &state.config.base_url,
        &c,
        &[],
        Some(0),
    )))
}

#[utoipa::path(
    get,
    path = "/api/collections/{id}",
    tag = "collections",
    operation_id = "getCollection",
    summary = "A collection and all its papers (a private one to its owner only)",
    params(("id" = String, Path, description = "The collection's id, or its slug `owner/title-words-id`")),
    responses(
        (status = 200, description = "The collection", body = crate::wire::CollectionJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such collection", body = crate::wire::RefusalJson),
    )
)]
async fn api_get(
    State(state): State<AppState>,
    reader: ApiReader,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Json<CollectionJson>, ApiError> {
    let (key, _) = named(&params);
    let view = state
        .community
        .collection_view(reader.0.as_ref(), &key)
        .await?;
    Ok(Json(view_json(&state, &view, Some(0), usize::MAX)))
}

/// `PATCH /api/collections/{id}`: what changes.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct UpdateBody {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    title: Option<String>,
    #[schema(max_length = 1000)]
    description: Option<String>,
    private: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/collections/{id}",
    tag = "collections",
    operation_id = "updateCollection",
    summary = "Rename a collection, change its description or make it private or public",
    params(("id" = String, Path, description = "The collection's id, or its slug")),
    request_body = UpdateBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The collection now", body = crate::wire::CollectionJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such collection of yours", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(params): Path<HashMap<String, String>>,
    JsonBody(b): JsonBody<UpdateBody>,
) -> Result<Json<CollectionJson>, ApiError> {
    let (key, _) = named(&params);
    let edit = CollectionEdit {
        title: b.title.as_deref(),
        description: b.description.as_deref(),
        private: b.private,
    };
    state.community.edit_collection(&user, &key, edit).await?;
    changed(&state, &user, &key).await
}

#[utoipa::path(
    delete,
    path = "/api/collections/{id}",
    tag = "collections",
    operation_id = "deleteCollection",
    summary = "Delete a collection",
    params(("id" = String, Path, description = "The collection's id, or its slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = crate::wire::DeletedCollectionJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such collection of yours", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Json<DeletedCollectionJson>, ApiError> {
    let (key, _) = named(&params);
    state.community.delete_collection(&user, &key).await?;
    state.cache.invalidate();
    Ok(Json(DeletedCollectionJson { deleted: true }))
}

/// `POST /api/collections/{id}/items`: `{"paperId"}`, or Hugging Face's
/// `{"item": {"id", "type": "paper"}}`, with an optional note.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct AddItemBody {
    paper_id: Option<String>,
    item: Option<ItemRef>,
    #[schema(max_length = 1000)]
    note: Option<String>,
}

#[derive(Debug, Default, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct ItemRef {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[utoipa::path(
    post,
    path = "/api/collections/{id}/items",
    tag = "collections",
    operation_id = "addCollectionItem",
    summary = "Save a paper at the end of a collection",
    params(("id" = String, Path, description = "The collection's id, or its slug")),
    request_body = AddItemBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The collection now", body = crate::wire::CollectionJson),
        (status = 400, description = "Neither `paperId` nor a paper `item` names an arXiv id, or the body is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such collection of yours, or no such paper", body = crate::wire::RefusalJson),
        (status = 409, description = "The paper is in the collection already", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota (a collection holds 1,000 papers); see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_add_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(params): Path<HashMap<String, String>>,
    JsonBody(b): JsonBody<AddItemBody>,
) -> Result<Json<CollectionJson>, ApiError> {
    let (key, _) = named(&params);
    let paper = match (&b.paper_id, &b.item) {
        (Some(p), _) => p.as_str(),
        (None, Some(i)) if i.kind == "paper" => i.id.as_str(),
        (None, Some(_)) => {
            return Err(ApiError::bad(
                "invalid_item",
                "collections hold papers only: `{\"item\": {\"id\": \"2407.21783\", \"type\": \"paper\"}}`",
            ));
        }
        (None, None) => {
            return Err(ApiError::bad(
                "missing_paper",
                "send `{\"paperId\": \"2407.21783\"}`",
            ));
        }
    };
    let (_, new) = state
        .community
        .add_to_collection(&user, &key, paper, b.note.as_deref().unwrap_or(""))
        .await?;
    if !new {
        return Err(ApiError::App(papers_app::AppError::refused(
            papers_app::Fault::Conflict,
            "already_in_collection",
            "The paper is in this collection already.",
        )));
    }
    changed(&state, &user, &key).await
}

/// `PATCH /api/collections/{id}/items/{itemId}`: a new note or place.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct UpdateItemBody {
    #[schema(max_length = 1000)]
    note: Option<String>,
    /// 0 is first.
    position: Option<usize>,
}

#[utoipa::path(
    patch,
    path = "/api/collections/{id}/items/{itemId}",
    tag = "collections",
    operation_id = "updateCollectionItem",
    summary = "Change a paper's note in a collection, or move it",
    params(
        ("id" = String, Path, description = "The collection's id, or its slug"),
        ("itemId" = String, Path, description = "The item's `_id`"),
    ),
    request_body = UpdateItemBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The collection now", body = crate::wire::CollectionJson),
        (status = 400, description = "The body or a parameter is malformed", body = crate::wire::RefusalJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such item in your collections", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_update_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(params): Path<HashMap<String, String>>,
    JsonBody(b): JsonBody<UpdateItemBody>,
) -> Result<Json<CollectionJson>, ApiError> {
    let (key, item) = named(&params);
    state
        .community
        .edit_collection_item(
            &user,
            &key,
            item.unwrap_or(""),
            b.note.as_deref(),
            b.position,
        )
        .await?;
    changed(&state, &user, &key).await
}

#[utoipa::path(
    delete,
    path = "/api/collections/{id}/items/{itemId}",
    tag = "collections",
    operation_id = "removeCollectionItem",
    summary = "Take a paper out of a collection",
    params(
        ("id" = String, Path, description = "The collection's id, or its slug"),
        ("itemId" = String, Path, description = "The item's `_id`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The collection now", body = crate::wire::CollectionJson),
        (status = 401, description = "No valid token", body = crate::wire::RefusalJson),
        (status = 404, description = "No such item in your collections", body = crate::wire::RefusalJson),
        (status = 429, description = "Over a rate limit or quota; see `Retry-After`", body = crate::wire::RefusalJson),
    )
)]
async fn api_remove_item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Json<CollectionJson>, ApiError> {
    let (key, item) = named(&params);
    state
        .community
        .remove_from_collection(&user, &key, item.unwrap_or(""))
        .await?;
    changed(&state, &user, &key).await
}

// ---- pages ----

/// A collection as a row of the "your collections" page.
#[derive(Debug)]
struct CollectionRow {
    id: String,
    title: String,
    description: String,
    private: bool,
    items: i64,
    updated: String,
}

impl CollectionRow {
    fn of(c: &Collection) -> Self {
        CollectionRow {
            id: c.id.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            private: c.private,
            items: c.items,
            updated: day_of(c.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "collections.html")]
struct MinePage {
    layout: Layout,
    collections: Vec<CollectionRow>,
    max_items: u32,
}

async fn mine(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Response, PageError> {
    let collections = state.community.my_collections(&who.user).await?;
    Ok(private(render(&MinePage {
        layout: Layout::load(&state, Some(&who)).await?,
        collections: collections.iter().map(CollectionRow::of).collect(),
        max_items: MAX_COLLECTION_ITEMS,
    })))
}

/// The form that makes or edits a collection, and where to go back to.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CollectionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// A checkbox: present when ticked.
    #[serde(default)]
    private: Option<String>,
    /// A paper to save into the new collection at once.
    #[serde(default)]
    paper: Option<String>,
}

csrf_form!(CollectionForm, |_f| "/collections".to_string());

async fn create(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<CollectionForm>,
) -> Result<Response, PageError> {
    let c = state
        .community
        .create_collection(
            &who.user,
            form.title.as_deref().unwrap_or(""),
            form.description.as_deref().unwrap_or(""),
            form.private.is_some(),
        )
        .await?;
    if let Some(paper) = form.paper.as_deref().filter(|p| !p.is_empty()) {
        state
            .community
            .add_to_collection(&who.user, &c.id, paper, "")
            .await?;
        state.cache.invalidate();
    }
    Ok(Redirect::to(&format!("/collections/{}", c.id)).into_response())
}

#[derive(Debug)]
struct EntryView {
    item: ItemView,
    item_id: String,
    note: String,
    first: bool,
    last: bool,
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionPage {
    layout: Layout,
    c: CollectionRow,
    owner: String,
    mine: bool,
    entries: Vec<EntryView>,
}

async fn page(
    State(state): State<AppState>,
    MaybeViewer(who): MaybeViewer,
    Path(key): Path<String>,
) -> Result<Response, PageError> {
    let bare = key.strip_suffix(".bib");
    let view = state
        .community
        .collection_view(who.as_ref().map(|v| &v.user), bare.unwrap_or(&key))
        .await?;
    if bare.is_some() {
        let papers: Vec<&papers_core::Paper> = view.items.iter().map(|(_, p)| &p.paper).collect();
        return Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/x-bibtex; charset=utf-8",
                ),
                (axum::http::header::CACHE_CONTROL, "private, no-cache"),
            ],
            bibliography(&papers),
        )
            .into_response());
    }
    Ok(private(render(
        &collection_page(&state, who.as_ref(), &view).await?,
    )))
}

async fn collection_page(
    state: &AppState,
    who: Option<&Viewer>,
    view: &CollectionView,
) -> Result<CollectionPage, PageError> {
    let c = &view.collection;
    let n = view.items.len();
    let mut layout = Layout::load(state, who).await?;
    if !c.private {
        layout.feed_path = Some(format!("/collections/{}", c.id));
    }
    Ok(CollectionPage {
        layout,
        c: CollectionRow::of(c),
        owner: c.owner.clone(),
        mine: who.is_some_and(|v| v.user.id == c.owner_id),
        entries: view
            .items
            .iter()
            .enumerate()
            .map(|(at, (i, p))| EntryView {
                item: ItemView::from_listed(p),
                item_id: i.item_id.clone(),
                note: i.note.clone(),
                first: at == 0,
                last: at + 1 == n,
            })
            .collect(),
    })
}

/// `/collections/{id}/feed.{atom,rss,json}` (public collections), or
/// Hugging Face's `/collections/{owner}/{slug}`, sent on to the page.
async fn feed_or_slug(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    Path((key, rest)): Path<(String, String)>,
) -> Response {
    let Some(format) = Format::from_file(&rest) else {
        let id = papers_app::collection_id_of(&rest);
        return Redirect::permanent(&format!("/collections/{id}")).into_response();
    };
    let view = match state.community.collection_view(None, &key).await {
        Ok(v) => v,
        Err(e) => return PageError::from(e).into_response(),
    };
    cached_feed(&state, &uri, &headers, async {
        let c = &view.collection;
        let papers: Vec<ListedPaper> = view.items.iter().map(|(_, p)| p.clone()).collect();
        let html = format!("/collections/{}", c.id);
        Ok(render_feed(
            &state,
            format,
            c.title.clone(),
            &html,
            &format!("{html}/{}", format.file()),
            &papers,
        ))
    })
    .await
}

async fn edit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    SignedInForm { who, form }: SignedInForm<CollectionForm>,
) -> Result<Response, PageError> {
    let edit = CollectionEdit {
        title: form.title.as_deref(),
        description: form.description.as_deref(),
        private: Some(form.private.is_some()),
    };
    let c = state
        .community
        .edit_collection(&who.user, &key, edit)
        .await?;
    state.cache.invalidate();
    Ok(Redirect::to(&format!("/collections/{}", c.id)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    Path(key): Path<String>,
    SignedInForm { who, .. }: SignedInForm<CollectionForm>,
) -> Result<Response, PageError> {
    state.community.delete_collection(&who.user, &key).await?;
    state.cache.invalidate();
    Ok(Redirect::to("/collections").into_response())
}

/// The paper page's "save to collection" form, and an item's buttons.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ItemForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    paper: Option<String>,
    /// The collection to save to (the paper page's form).
    #[serde(default)]
    collection: Option<String>,
    #[serde(default)]
    note: Option<String>,
    /// `remove`, `up`, `down` or `note`.
    #[serde(default)]
    action: Option<String>,
    /// Where the item is now (for `up` and `down`).
    #[serde(default)]
    at: Option<usize>,
}

csrf_form!(ItemForm, |f| match &f.paper {
    Some(p) => format!("/papers/{p}"),
    None => "/collections".to_string(),
});

/// The paper page's form: the collection is a field of the form.
async fn save(
    State(state): State<AppState>,
    SignedInForm { who, form }: SignedInForm<ItemForm>,
) -> Result<Response, PageError> {
    let key = form.collection.clone().unwrap_or_default();
    add_paper(&state, &who, &key, form).await
}

async fn add(
    State(state): State<AppState>,
    Path(key): Path<String>,
    SignedInForm { who, form }: SignedInForm<ItemForm>,
) -> Result<Response, PageError> {
    add_paper(&state, &who, &key, form).await
}

async fn add_paper(
    state: &AppState,
    who: &Viewer,
    key: &str,
    form: ItemForm,
) -> Result<Response, PageError> {
    let paper = form.paper.as_deref().unwrap_or("");
    state
        .community
        .add_to_collection(&who.user, key, paper, form.note.as_deref().unwrap_or(""))
        .await?;
    state.cache.invalidate();
    Ok(Redirect::to(&format!(
        "/collections/{}",
        papers_app::collection_id_of(key)
    ))
    .into_response())
}

async fn change_item(
    State(state): State<AppState>,
    Path((key, item)): Path<(String, String)>,
    SignedInForm { who, form }: SignedInForm<ItemForm>,
) -> Result<Response, PageError> {
    let at = form.at.unwrap_or(0);
    match form.action.as_deref() {
        Some("remove") => {
            state
                .community
                .remove_from_collection(&who.user, &key, &item)
                .await?
        }
        Some("up") => {
            state
                .community
                .edit_collection_item(&who.user, &key, &item, None, Some(at.saturating_sub(1)))
                .await?
        }
        Some("down") => {
            state
                .community
                .edit_collection_item(&who.user, &key, &item, None, Some(at + 1))
                .await?
        }
        Some("note") => {
            state
                .community
                .edit_collection_item(&who.user, &key, &item, form.note.as_deref(), None)
                .await?
        }
        _ => return Err(PageError::BadRequest("No such change to an item.".into())),
    }
    state.cache.invalidate();
    Ok(Redirect::to(&format!(
        "/collections/{}#i{item}",
        papers_app::collection_id_of(&key)
    ))
    .into_response())
}
