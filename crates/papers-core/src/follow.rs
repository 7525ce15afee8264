//! What a reader follows (an author, an arXiv category, a saved search, or
//! a paper chosen as a seed of their taste) and the notifications that
//! reach them in the app.

use jiff::Timestamp;

/// What a follow points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FollowKind {
    /// An author, by [`crate::author_key`].
    Author,
    /// An arXiv category such as `cs.CL` (a topic at sign-up).
    Category,
    /// A saved search: its query text.
    Search,
    /// A paper chosen at sign-up or in settings as one the reader likes
    /// (a seed of "For you" before any upvote).
    Paper,
}

impl FollowKind {
    pub const ALL: [FollowKind; 4] = [
        FollowKind::Author,
        FollowKind::Category,
        FollowKind::Search,
        FollowKind::Paper,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowKind::Author => "author",
            FollowKind::Category => "category",
            FollowKind::Search => "search",
            FollowKind::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<FollowKind> {
        FollowKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One thing a reader follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Follow {
    pub kind: FollowKind,
    /// What it matches: an author key, a category, a query, a paper id.
    pub target: String,
    /// How it is shown: the author's name, the category, the query, the
    /// paper's title.
    pub label: String,
    pub created_at: Timestamp,
}

/// What a notification tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// Someone answered the reader's comment.
    Reply,
    /// An author the reader follows has a new paper.
    AuthorPaper,
    /// A paper the reader saved now links its code (`githubRepo`).
    Code,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::AuthorPaper => "author_paper",
            NotificationKind::Code => "code",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationKind> {
        [
            NotificationKind::Reply,
            NotificationKind::AuthorPaper,
            NotificationKind::Code,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One in-app notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    /// The paper it is about (without a version).
    pub paper_id: String,
    pub paper_title: String,
    /// The reply's comment id, the followed author's key, or the code's URL.
    pub detail: String,
    /// Who replied, or the followed author's name as the paper writes it.
    pub actor: String,
    pub created_at: Timestamp,
    pub read: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in FollowKind::ALL {
            assert_eq!(FollowKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FollowKind::parse("Author"), None);
        for k in [
            NotificationKind::Reply,
            NotificationKind::AuthorPaper,
            NotificationKind::Code,
        ] {
            assert_eq!(NotificationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(NotificationKind::parse(""), None);
    }
}
