//! `GET /api/feed/for-you`: Hugging Face's daily items, each with why it is
//! there.

use papers_app::{ForYouItem, Liked, Reason};
use serde::Serialize;

use super::{DailyItemJson, daily_item_json};

/// A paper of the personal feed: a daily item plus its reason and score.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForYouItemJson {
    #[serde(flatten)]
    pub item: DailyItemJson,
    pub reason: ReasonJson,
    /// The blended score (higher first; 0 for the older papers after the
    /// window's).
    pub score: f32,
}

/// Why a paper is in the feed: `because` (near a paper you upvoted or
/// saved) or `trending`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasonJson {
    pub kind: &'static str,
    /// What a reader is shown: "Because you upvoted “…”", "Trending".
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_id: Option<String>,
    /// `upvoted` or `saved`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// The words a reader is shown for a reason.
pub fn reason_text(r: &Reason) -> String {
    match r {
        Reason::Because { title, how, .. } => format!(
            "Because you {} “{title}”",
            match how {
                Liked::Upvoted => "upvoted",
                Liked::Saved => "saved",
            }
        ),
        Reason::Trending => "Trending".to_string(),
    }
}

pub fn for_you_item_json(i: &ForYouItem) -> ForYouItemJson {
    let reason = match &i.reason {
        Reason::Because {
            paper_id,
            how,
            similarity,
            ..
        } => ReasonJson {
            kind: "because",
            text: reason_text(&i.reason),
            paper_id: Some(paper_id.clone()),
            how: Some(match how {
                Liked::Upvoted => "upvoted",
                Liked::Saved => "saved",
            }),
            similarity: Some(*similarity),
        },
        Reason::Trending => ReasonJson {
            kind: "trending",
            text: reason_text(&i.reason),
            paper_id: None,
            how: None,
            similarity: None,
        },
    };
    ForYouItemJson {
        item: daily_item_json(&i.paper),
        reason,
        score: i.score,
    }
}
