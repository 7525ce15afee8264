//! Collections in Hugging Face's shape (`huggingface_hub`'s `Collection` and
//! `CollectionItem` read it), plus `id`, the short form our own paths take.

use papers_app::{
    Collection, CollectionItem, ListedPaper, collection_slug, format_timestamp, render_markdown,
};
use serde::Serialize;

/// A collection: `GET /api/collections/{id}`, and each entry of
/// `GET /api/collections` (there with at most four items, as on Hugging Face).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionJson {
    /// 24 hex digits: `/api/collections/{id}` and `/collections/{id}`.
    pub id: String,
    /// `owner/title-words-id`, Hugging Face's name for it.
    pub slug: String,
    pub title: String,
    pub description: String,
    pub owner: CollectionOwnerJson,
    pub items: Vec<CollectionItemJson>,
    /// How many papers it holds (`items` may be cut short).
    pub num_items: i64,
    pub last_updated: String,
    /// Its place among its owner's collections, in a single collection's
    /// answer (Hugging Face's list answers leave it out: the client counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    pub private: bool,
    pub theme: &'static str,
    pub upvotes: i64,
    pub is_upvoted_by_user: bool,
    pub gating: bool,
    pub share_url: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionOwnerJson {
    pub name: String,
    pub fullname: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub is_pro: bool,
    pub avatar_url: String,
}

/// A paper in a collection.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CollectionItemJson {
    /// The item's own id (24 hex digits), for `…/items/{itemId}`.
    #[serde(rename = "_id")]
    pub item_id: String,
    /// The paper's arXiv id.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub position: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<NoteJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upvotes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    pub added_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoteJson {
    pub text: String,
    /// The text rendered as Markdown to safe HTML, as comments are.
    pub html: String,
}

/// The JSON of a collection, with `items` (each with its paper where it is
/// still visible) as given; `position` for a single collection's answer.
pub fn collection_json(
    base_url: &str,
    c: &Collection,
    items: &[(CollectionItem, Option<&ListedPaper>)],
    position: Option<usize>,
) -> CollectionJson {
    let slug = collection_slug(c);
    CollectionJson {
        id: c.id.clone(),
        share_url: format!("{}/collections/{}", base_url.trim_end_matches('/'), c.id),
        slug,
        title: c.title.clone(),
        description: c.description.clone(),
        owner: CollectionOwnerJson {
            name: c.owner.clone(),
            fullname: c.owner.clone(),
            kind: "user",
            is_pro: false,
            avatar_url: String::new(),
        },
        items: items
            .iter()
            .map(|(i, p)| CollectionItemJson {
                item_id: i.item_id.clone(),
                id: i.paper_id.clone(),
                kind: "paper",
                position: i.position,
                note: (!i.note.is_empty()).then(|| NoteJson {
                    text: i.note.clone(),
                    html: render_markdown(&i.note),
                }),
                title: p.map(|p| p.paper.title.clone()),
                upvotes: p.map(|p| p.upvotes),
                published_at: p.and_then(|p| p.paper.published_at.map(format_timestamp)),
                added_at: format_timestamp(i.added_at),
            })
            .collect(),
        num_items: c.items,
        last_updated: format_timestamp(c.updated_at),
        position,
        private: c.private,
        theme: "default",
        upvotes: 0,
        is_upvoted_by_user: false,
        gating: false,
    }
}

/// `DELETE /api/collections/{id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeletedCollectionJson {
    pub deleted: bool,
}
