//! Follows, "Following" and notifications, as the JSON API answers them.

use papers_app::{FollowedPaper, format_timestamp};
use papers_core::{Follow, Notification, NotificationKind};
use serde::Serialize;

use super::{DailyItemJson, daily_item_json};

/// One thing you follow.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowJson {
    /// `author`, `category`, `search` or `paper` (a seed paper).
    pub kind: &'static str,
    /// What it matches: the author's key (lower case, accents dropped),
    /// the category, the query, the paper's id.
    pub target: String,
    /// How it is shown: the author's name, the category, the query, the
    /// paper's title.
    pub label: String,
    pub created_at: String,
}

pub fn follow_json(f: &Follow) -> FollowJson {
    FollowJson {
        kind: f.kind.as_str(),
        target: f.target.clone(),
        label: f.label.clone(),
        created_at: format_timestamp(f.created_at),
    }
}

/// A paper of "Following": a daily item and the follow that put it there.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowingItemJson {
    #[serde(flatten)]
    pub item: DailyItemJson,
    pub because: FollowJson,
}

pub fn following_item_json(f: &FollowedPaper) -> FollowingItemJson {
    FollowingItemJson {
        item: daily_item_json(&f.paper),
        because: follow_json(&f.because),
    }
}

/// One notification.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationJson {
    pub id: i64,
    /// `reply`, `author_paper` or `code`.
    pub kind: &'static str,
    pub paper_id: String,
    pub paper_title: String,
    /// What a reader is shown.
    pub text: String,
    /// The reply's comment id (`reply`), the author's key
    /// (`author_paper`), the repository's URL (`code`).
    pub detail: String,
    pub created_at: String,
    pub read: bool,
}

/// The words a reader is shown for a notification.
pub fn notification_text(n: &Notification) -> String {
    match n.kind {
        NotificationKind::Reply => {
            format!("{} replied to your comment on “{}”", n.actor, n.paper_title)
        }
        NotificationKind::AuthorPaper => format!("New paper by {}: “{}”", n.actor, n.paper_title),
        NotificationKind::Code => format!("Code is out for “{}”, which you saved", n.paper_title),
    }
}

pub fn notification_json(n: &Notification) -> NotificationJson {
    NotificationJson {
        id: n.id,
        kind: n.kind.as_str(),
        paper_id: n.paper_id.clone(),
        paper_title: n.paper_title.clone(),
        text: notification_text(n),
        detail: n.detail.clone(),
        created_at: format_timestamp(n.created_at),
        read: n.read,
    }
}

/// `GET /api/notifications`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsJson {
    pub unread: u64,
    pub notifications: Vec<NotificationJson>,
}

/// `POST /api/notifications/read`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarkedReadJson {
    /// Notifications marked read now.
    pub marked: u64,
}

/// `POST /api/follows`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowedJson {
    #[serde(flatten)]
    pub follow: FollowJson,
    /// False when you followed it already.
    pub new: bool,
}
