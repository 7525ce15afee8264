//! The JSON wire format, in Hugging Face's own shapes and field names. This is
//! the one place the API's JSON is defined.

use papers_app::{ListedPaper, format_timestamp};
use papers_core::{Author, DailyListing, Paper};
use serde::Serialize;
use serde_json::Value;

mod answers;
mod collections;
mod follows;
mod for_you;
mod search;

pub use answers::*;
pub use collections::*;
pub use follows::*;
pub use for_you::*;
pub use search::*;

/// `paper{…}`: the object `GET /api/papers/{id}` answers with, and the
/// `paper` field of each daily item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaperJson {
    pub id: String,
    pub authors: Vec<AuthorJson>,
    #[serde(rename = "publishedAt", skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(rename = "submittedOnDailyAt", skip_serializing_if = "Option::is_none")]
    pub submitted_on_daily_at: Option<String>,
    pub title: String,
    #[serde(rename = "submittedOnDailyBy", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub submitted_on_daily_by: Option<Value>,
    pub summary: String,
    pub upvotes: i64,
    /// Not in Hugging Face's paper object, which `paper_info` reads it
    /// from (its comment count is 0 there otherwise).
    #[serde(rename = "numComments")]
    pub num_comments: i64,
    #[serde(rename = "discussionId", skip_serializing_if = "Option::is_none")]
    pub discussion_id: Option<String>,
    #[serde(rename = "projectPage", skip_serializing_if = "Option::is_none")]
    pub project_page: Option<String>,
    #[serde(rename = "githubRepo", skip_serializing_if = "Option::is_none")]
    pub github_repo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_keywords: Option<Vec<String>>,
    #[serde(rename = "githubStars", skip_serializing_if = "Option::is_none")]
    pub github_stars: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub organization: Option<Value>,
    /// Not in Hugging Face's shape; extra fields are ignored by its clients.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

/// `GET /api/papers/{id}?field=comments`: the paper with its discussion,
/// each comment as `GET /api/papers/{id}/comments` writes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaperWithCommentsJson {
    #[serde(flatten)]
    pub paper: PaperJson,
    /// Only with `?field=comments`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub comments: Option<Vec<papers_app::CommentView>>,
}

/// One author, as Hugging Face writes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthorJson {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub hidden: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(
        rename = "statusLastChangedAt",
        skip_serializing_if = "Option::is_none"
    )]
    pub status_last_changed_at: Option<String>,
}

/// One item of `GET /api/daily_papers` and `GET /api/papers/search`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DailyItemJson {
    pub paper: PaperJson,
    #[serde(rename = "publishedAt", skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    pub title: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    #[serde(rename = "numComments")]
    pub num_comments: i64,
    #[serde(rename = "submittedBy", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub submitted_by: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub organization: Option<Value>,
    #[serde(rename = "isAuthorParticipating")]
    pub is_author_participating: bool,
    /// The paper's own fields again at the top: Hugging Face's client
    /// (`PaperInfo`) reads these only here, never under `paper`.
    #[serde(rename = "discussionId", skip_serializing_if = "Option::is_none")]
    pub discussion_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_keywords: Option<Vec<String>>,
    #[serde(rename = "projectPage", skip_serializing_if = "Option::is_none")]
    pub project_page: Option<String>,
    #[serde(rename = "githubRepo", skip_serializing_if = "Option::is_none")]
    pub github_repo: Option<String>,
    #[serde(rename = "githubStars", skip_serializing_if = "Option::is_none")]
    pub github_stars: Option<i64>,
    /// How the trending score was made (only with `sort=trending`; not in
    /// Hugging Face's shape, where the score is a black box).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub trending: Option<papers_core::TrendingScore>,
}

/// A JSON error body: `{"error": "...", "code": "..."}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorJson<'a> {
    pub error: &'a str,
    pub code: &'a str,
}

/// A stable 24-hex-digit id for records that came without a Hugging Face one.
fn synthetic_id(seed: &str) -> String {
    // FNV-1a, twice with different offsets: stable across runs and platforms.
    let fnv = |offset: u64| {
        seed.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    let a = fnv(0xcbf2_9ce4_8422_2325);
    let b = fnv(0x8422_2325_cbf2_9ce4);
    format!("{:016x}{:08x}", a, b as u32)
}

fn author_json(paper_id: &str, index: usize, a: &Author) -> AuthorJson {
    let id = a
        .hf_id
        .clone()
        .unwrap_or_else(|| synthetic_id(&format!("{paper_id}#author{index}")));
    // An authorship verified here reads as Hugging Face writes a claimed
    // author: the status, when it changed, and the account.
    if let Some(c) = &a.claimed_by {
        return AuthorJson {
            id,
            name: a.name.clone(),
            hidden: a.hidden,
            user: Some(serde_json::json!({
                "_id": synthetic_id(&format!("user:{}", c.username)),
                "fullname": c.username,
                "isPro": false,
                "name": c.username,
                "type": "user",
                "user": c.username,
            })),
            status: Some("claimed_verified".into()),
            status_last_changed_at: Some(format_timestamp(c.verified_at)),
        };
    }
    AuthorJson {
        id,
        name: a.name.clone(),
        hidden: a.hidden,
        user: a.user.clone(),
        status: a.status.clone(),
        status_last_changed_at: a.status_last_changed_at.clone(),
    }
}

/// The submitter's profile as stored (Hugging Face's item-level
/// `submittedBy`), with `name` and `fullname` always present (the `hf`
/// command line shows the full name).
fn submitter_json(l: Option<&DailyListing>) -> Option<Value> {
    l.and_then(|l| l.submitter.as_ref())
        .map(|s| match &s.profile {
            Value::Object(map) => {
                let mut map = map.clone();
                map.entry("name")
                    .or_insert_with(|| Value::from(s.name.clone()));
                let blank = map
                    .get("fullname")
                    .and_then(Value::as_str)
                    .is_none_or(|f| f.trim().is_empty());
                if blank {
                    map.insert("fullname".into(), Value::from(s.name.clone()));
                }
                Value::Object(map)
            }
            _ => serde_json::json!({ "name": s.name, "fullname": s.name }),
        })
}

/// The paper-level `submittedOnDailyBy`: Hugging Face names the username
/// `user` there.
fn submitted_on_daily_by_json(l: Option<&DailyListing>) -> Option<Value> {
    let mut v = submitter_json(l)?;
    if let (Value::Object(map), Some(s)) = (&mut v, l.and_then(|l| l.submitter.as_ref())) {
        map.entry("user")
            .or_insert_with(|| Value::from(s.name.clone()));
    }
    Some(v)
}

/// The `paper` object for a stored paper.
pub fn paper_json(lp: &ListedPaper) -> PaperJson {
    let p: &Paper = &lp.paper;
    let id = p.id.base().to_string();
    let listing = lp.listing.as_ref();
    PaperJson {
        authors: p
            .authors
            .iter()
            .enumerate()
            .map(|(i, a)| author_json(&id, i, a))
            .collect(),
        published_at: p.published_at.map(format_timestamp),
        submitted_on_daily_at: listing.map(|l| {
            l.submitted_at
                .map(format_timestamp)
                .unwrap_or_else(|| format!("{}T00:00:00.000Z", l.day))
        }),
        title: p.title.clone(),
        submitted_on_daily_by: submitted_on_daily_by_json(listing),
        summary: p.abstract_text.clone(),
        upvotes: lp.upvotes,
        num_comments: lp.num_comments,
        discussion_id: p.discussion_id.clone(),
        project_page: p.project_page.as_deref().and_then(papers_core::http_url),
        github_repo: p.github_repo.as_deref().and_then(papers_core::http_url),
        ai_summary: p.ai_summary.clone(),
        ai_keywords: p.ai_keywords.clone(),
        github_stars: p.github_stars,
        organization: p.organization.clone(),
        categories: p.categories.clone(),
        id,
    }
}

/// A daily item for a stored paper and its listing.
pub fn daily_item_json(lp: &ListedPaper) -> DailyItemJson {
    let listing = lp.listing.as_ref();
    let paper = paper_json(lp);
    DailyItemJson {
        published_at: listing
            .and_then(|l| l.item_published_at.or(l.submitted_at))
            .or(lp.paper.published_at)
            .map(format_timestamp),
        title: lp.paper.title.clone(),
        summary: lp.paper.abstract_text.clone(),
        thumbnail: listing.and_then(|l| l.thumbnail.clone()),
        num_comments: lp.num_comments,
        submitted_by: submitter_json(listing),
        organization: lp.paper.organization.clone(),
        is_author_participating: listing
            .and_then(|l| l.is_author_participating)
            .unwrap_or(false),
        discussion_id: paper.discussion_id.clone(),
        ai_summary: paper.ai_summary.clone(),
        ai_keywords: paper.ai_keywords.clone(),
        project_page: paper.project_page.clone(),
        github_repo: paper.github_repo.clone(),
        github_stars: paper.github_stars,
        trending: None,
        paper,
    }
}
