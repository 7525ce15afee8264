//! The JSON answers of the community endpoints and search's extras. Their
//! keys are in alphabetical order: the order the API has always written.

use papers_app::Explain;
use serde::Serialize;

/// A refusal of the use cases: `{"code", "error", "link"?}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusalJson {
    pub code: &'static str,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `POST /api/auth/signup` → 201.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedUpJson {
    pub id: i64,
    pub username: String,
}

/// `POST /api/auth/token`: the token, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenJson {
    pub id: i64,
    pub token: String,
}

/// A vote through the API: the paper's new total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpvotesJson {
    pub upvotes: i64,
}

/// A vote from a page's script: the new total and the viewer's vote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VoteJson {
    pub upvotes: i64,
    pub voted: bool,
}

/// `POST /api/papers/submit` → 201.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmittedJson {
    pub id: String,
    #[serde(rename = "submittedOnDailyAt")]
    pub submitted_on_daily_at: String,
    pub title: String,
    pub url: String,
}

/// A comment was written: its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedJson {
    pub id: i64,
}

/// `POST /api/subscriptions` → 202.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscribedJson {
    #[serde(rename = "confirmationSent")]
    pub confirmation_sent: bool,
    pub id: i64,
    #[schema(value_type = String)]
    pub status: papers_core::SubscriptionStatus,
}

/// How a search result ranked (`explain=true`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainJson {
    #[serde(rename = "degradedToKeyword")]
    pub degraded_to_keyword: bool,
    #[serde(rename = "fusedScore")]
    pub fused_score: f32,
    #[serde(rename = "keywordRank")]
    pub keyword_rank: Option<usize>,
    #[serde(rename = "keywordScore")]
    pub keyword_score: Option<f32>,
    pub mode: &'static str,
    #[serde(rename = "semanticRank")]
    pub semantic_rank: Option<usize>,
    #[serde(rename = "semanticScore")]
    pub semantic_score: Option<f32>,
}

impl ExplainJson {
    pub fn new(mode: &'static str, degraded: bool, x: &Explain) -> Self {
        ExplainJson {
            degraded_to_keyword: degraded,
            fused_score: x.fused_score,
            keyword_rank: x.keyword_rank,
            keyword_score: x.keyword_score,
            mode,
            semantic_rank: x.semantic_rank,
            semantic_score: x.semantic_score,
        }
    }
}

/// `{}`: what Hugging Face answers when a write has nothing to report
/// (`POST /api/papers/index`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmptyJson {}

/// `GET /api/me/export`: everything the site holds about the caller.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportJson {
    pub api_tokens: Vec<ExportTokenJson>,
    pub collections: Vec<super::CollectionJson>,
    pub authorship_claims: Vec<ClaimJson>,
    pub comments: Vec<ExportCommentJson>,
    pub exported_at: String,
    pub follows: Vec<super::FollowJson>,
    pub notifications: Vec<super::NotificationJson>,
    pub not_interested: Vec<ExportVoteJson>,
    pub profile: ExportProfileJson,
    pub subscriptions: Vec<ExportSubscriptionJson>,
    pub votes: Vec<ExportVoteJson>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportProfileJson {
    pub created_at: String,
    pub email: String,
    pub id: i64,
    pub role: String,
    pub username: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportVoteJson {
    pub created_at: String,
    pub paper_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportCommentJson {
    pub body: String,
    pub created_at: String,
    pub deleted: bool,
    pub edited_at: Option<String>,
    pub hidden: bool,
    pub id: i64,
    pub paper_id: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSubscriptionJson {
    pub cadence: String,
    pub categories: Vec<String>,
    pub email: String,
    /// A "For you" digest.
    pub for_you: bool,
    pub id: i64,
    pub query: Option<String>,
    pub status: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportTokenJson {
    pub created_at: String,
    pub id: i64,
    pub name: String,
    pub revoked: bool,
}

/// A claim to be one of a paper's authors: `POST /api/papers/{id}/claim`
/// answers it, and the export lists them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimJson {
    pub id: i64,
    pub paper_id: String,
    /// The name as the paper writes it.
    pub author: String,
    /// `pending` until an admin decides, then `verified` or `rejected`.
    pub status: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
}

impl ClaimJson {
    pub fn of(c: &papers_core::AuthorshipClaim) -> Self {
        ClaimJson {
            id: c.id,
            paper_id: c.paper_id.clone(),
            author: c.author_name.clone(),
            status: c.status.as_str().to_string(),
            created_at: papers_app::format_timestamp(c.created_at),
            decided_at: c.decided_at.map(papers_app::format_timestamp),
        }
    }
}

/// `POST|DELETE /api/papers/{id}/not-interested`: whether the paper is now
/// marked "not interested" for the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotInterestedJson {
    pub not_interested: bool,
}

/// `DELETE /api/me`: what the deletion took back.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedJson {
    pub comments_left_as_deleted: u64,
    pub deleted: bool,
    pub votes_taken_back: u64,
}
