//! `GET /api/feed/for-you`: Hugging Face's daily items, each with why it is
//! there.

use papers_app::{ForYouItem, Liked, Reason};
use papers_core::FollowKind;
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

/// Why a paper is in the feed: `because` (near a paper you upvoted, saved
/// or chose), `follows` (by an author, or in a category, you follow),
/// `author` (by an author of papers you liked) or `trending`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasonJson {
    pub kind: &'static str,
    /// What a reader is shown: "Because you upvoted “…”", "Trending".
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_id: Option<String>,
    /// `upvoted`, `saved` or `chosen` (a seed paper).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<&'static str>,
    /// What is followed: `author` or `category`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
}

/// The words a reader is shown for a reason.
pub fn reason_text(r: &Reason) -> String {
    match r {
        Reason::Because { title, how, .. } => format!("Because you {} “{title}”", how_word(*how)),
        Reason::Follows {
            kind: FollowKind::Author,
            label,
        } => format!("By {label}, whom you follow"),
        Reason::Follows { label, .. } => format!("In {label}, which you follow"),
        Reason::Author { name, liked: 1 } => format!("By {name}, an author of a paper you liked"),
        Reason::Author { name, liked } => {
            format!("By {name}, an author of {liked} papers you liked")
        }
        Reason::Trending => "Trending".to_string(),
    }
}

fn how_word(how: Liked) -> &'static str {
    match how {
        Liked::Upvoted => "upvoted",
        Liked::Saved => "saved",
        Liked::Chosen => "chose",
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
                Liked::Chosen => "chosen",
                how => how_word(*how),
            }),
            follows: None,
            similarity: Some(*similarity),
        },
        Reason::Follows { kind, .. } => ReasonJson {
            kind: "follows",
            text: reason_text(&i.reason),
            paper_id: None,
            how: None,
            follows: Some(kind.as_str()),
            similarity: None,
        },
        Reason::Author { .. } => ReasonJson {
            kind: "author",
            text: reason_text(&i.reason),
            paper_id: None,
            how: None,
            follows: None,
            similarity: None,
        },
        Reason::Trending => ReasonJson {
            kind: "trending",
            text: reason_text(&i.reason),
            paper_id: None,
            how: None,
            follows: None,
            similarity: None,
        },
    };
    ForYouItemJson {
        item: daily_item_json(&i.paper),
        reason,
        score: i.score,
    }
}
