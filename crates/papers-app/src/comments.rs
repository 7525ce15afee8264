//! Threaded comments: writing, editing, deleting, and the tree shown on a
//! paper page and by the API.

use papers_core::{Comment, User};

use crate::auth::refusal_error;
use crate::markdown::render_markdown;
use crate::{AppError, AppResult, Community, Fault, paper_id};

const MAX_COMMENT_CHARS: usize = 10_000;

/// A comment ready to show: sanitised HTML, depth in the thread, and whether
/// the viewer may edit it. Deleted and hidden comments keep their place as
/// "[deleted]" so replies still make sense.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CommentView {
    pub id: i64,
    pub parent: Option<i64>,
    pub depth: usize,
    pub author: Option<String>,
    pub body_markdown: Option<String>,
    pub body_html: String,
    pub created_at: String,
    pub edited: bool,
    pub deleted: bool,
}

fn check_body(body: &str) -> AppResult<&str> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::refused(
            Fault::BadInput,
            "empty_comment",
            "A comment cannot be empty.",
        ));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::refused(
            Fault::BadInput,
            "comment_too_long",
            format!("A comment has at most {MAX_COMMENT_CHARS} characters."),
        ));
    }
    Ok(body)
}

impl Community {
    pub async fn add_comment(
        &self,
        user: &User,
        paper: &str,
        parent: Option<i64>,
        body: &str,
    ) -> AppResult<i64> {
        if user.banned {
            return Err(AppError::refused(
                Fault::Forbidden,
                "banned",
                "This account is banned.",
            ));
        }
        let body = check_body(body)?;
        let id = paper_id(paper)?;
        self.store
            .add_comment(&id, user.id, parent, body, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    pub async fn edit_comment(&self, user: &User, comment_id: i64, body: &str) -> AppResult<()> {
        let body = check_body(body)?;
        self.store
            .edit_comment(comment_id, user.id, body, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    /// The author deletes their comment; an admin hides anyone's.
    pub async fn delete_comment(&self, user: &User, comment_id: i64) -> AppResult<()> {
        self.store
            .remove_comment(comment_id, user.id, false, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    pub async fn hide_comment(&self, admin: &User, comment_id: i64) -> AppResult<()> {
        crate::auth::require_admin(admin)?;
        self.store
            .remove_comment(comment_id, admin.id, true, self.clock.now())
            .await?
            .map_err(refusal_error)
    }

    /// A paper's comments as a thread: parents before their replies, replies
    /// in order, each with its depth.
    pub async fn comment_thread(&self, paper: &str) -> AppResult<Vec<CommentView>> {
        let id = paper_id(paper)?;
        let all = self.store.comments(&id).await?;
        Ok(thread(&all))
    }

    /// The paper a comment belongs to; `None` for an unknown comment.
    pub async fn comment_paper(&self, id: i64) -> AppResult<Option<String>> {
        Ok(self.store.comment(id).await?.map(|c| c.paper_id))
    }
}

/// Orders comments depth-first and renders them.
pub(crate) fn thread(all: &[Comment]) -> Vec<CommentView> {
    let mut out = Vec::with_capacity(all.len());
    fn walk(all: &[Comment], parent: Option<i64>, depth: usize, out: &mut Vec<CommentView>) {
        for c in all.iter().filter(|c| c.parent_id == parent) {
            let gone = c.deleted || c.hidden;
            out.push(CommentView {
                id: c.id,
                parent: c.parent_id,
                depth,
                author: (!gone).then(|| c.author.clone()),
                body_markdown: (!gone).then(|| c.body.clone()),
                body_html: if gone {
                    "<p>[deleted]</p>".to_string()
                } else {
                    render_markdown(&c.body)
                },
                created_at: papers_store::format_timestamp(c.created_at),
                edited: c.edited_at.is_some(),
                deleted: gone,
            });
            if depth < 32 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    walk(all, None, 0, &mut out);
    out
}
