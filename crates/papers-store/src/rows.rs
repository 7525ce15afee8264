//! Mapping between domain records and table columns, shared by the backends.

use jiff::Timestamp;
use papers_core::{ArxivId, Author, Comment, DailyListing, Paper, Role, Submitter, User};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::{ListedPaper, Result, StoreError, format_timestamp};

/// Reading columns by name from either backend's rows, so the mapping from
/// rows to records is written once. The schemas agree on column names and
/// on text for timestamps, days and JSON; flags are SQLite's 0/1 integers
/// and PostgreSQL's booleans, which sqlx decodes alike as `bool`.
pub(crate) trait Cols {
    fn text(&self, c: &str) -> Result<String>;
    fn opt_text(&self, c: &str) -> Result<Option<String>>;
    fn int(&self, c: &str) -> Result<i64>;
    fn opt_int(&self, c: &str) -> Result<Option<i64>>;
    fn opt_bool(&self, c: &str) -> Result<Option<bool>>;
    /// A yes/no column that is never NULL.
    fn flag(&self, c: &str) -> Result<bool>;
}

macro_rules! cols_for {
    ($($row:ty),*) => {$(
        impl Cols for $row {
            fn text(&self, c: &str) -> Result<String> {
                Ok(self.try_get(c)?)
            }
            fn opt_text(&self, c: &str) -> Result<Option<String>> {
                Ok(self.try_get(c)?)
            }
            fn int(&self, c: &str) -> Result<i64> {
                Ok(self.try_get(c)?)
            }
            fn opt_int(&self, c: &str) -> Result<Option<i64>> {
                Ok(self.try_get(c)?)
            }
            fn opt_bool(&self, c: &str) -> Result<Option<bool>> {
                Ok(self.try_get(c)?)
            }
            fn flag(&self, c: &str) -> Result<bool> {
                Ok(self.try_get(c)?)
            }
        }
    )*};
}

cols_for!(SqliteRow, PgRow);

/// A paper flattened into column values.
pub(crate) struct PaperColumns {
    pub id: String,
    pub version: Option<i64>,
    pub title: String,
    pub abstract_text: String,
    pub authors: String,
    pub author_count: i64,
    pub categories: String,
    pub primary_category: Option<String>,
    pub published_at: Option<String>,
    pub updated_at: Option<String>,
    pub github_repo: Option<String>,
    pub github_stars: Option<i64>,
    pub project_page: Option<String>,
    pub ai_summary: Option<String>,
    pub ai_keywords: Option<String>,
    pub doi: Option<String>,
    pub journal_ref: Option<String>,
    pub arxiv_comments: Option<String>,
    pub discussion_id: Option<String>,
    pub organization: Option<String>,
    pub upvotes: Option<i64>,
    pub num_comments: Option<i64>,
}

/// Text as the store keeps it and looks it up: without U+0000, which
/// PostgreSQL's `text` cannot hold (it refuses the whole statement) and
/// SQLite's can. Both backends drop it, on the way in and in lookups, so a
/// stray NUL from a source or a form is stored and found alike (JSON
/// columns need nothing: serde_json writes it as `\u0000`).
pub(crate) fn nul_free(s: &str) -> String {
    s.replace('\0', "")
}

/// [`nul_free`] of an optional value.
pub(crate) fn opt_nul_free(s: Option<&str>) -> Option<String> {
    s.map(nul_free)
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

impl PaperColumns {
    pub fn from_paper(p: &Paper) -> Self {
        PaperColumns {
            id: p.id.base().to_string(),
            version: p.id.version().map(i64::from),
            title: nul_free(&p.title),
            abstract_text: nul_free(&p.abstract_text),
            authors: to_json(&p.authors),
            author_count: p.authors.len() as i64,
            categories: to_json(&p.categories),
            primary_category: opt_nul_free(p.categories.first().map(String::as_str)),
            published_at: p.published_at.map(format_timestamp),
            updated_at: p.updated_at.map(format_timestamp),
            github_repo: opt_nul_free(p.github_repo.as_deref()),
            github_stars: p.github_stars,
            project_page: opt_nul_free(p.project_page.as_deref()),
            ai_summary: opt_nul_free(p.ai_summary.as_deref()),
            ai_keywords: p.ai_keywords.as_ref().map(to_json),
            doi: opt_nul_free(p.doi.as_deref()),
            journal_ref: opt_nul_free(p.journal_ref.as_deref()),
            arxiv_comments: opt_nul_free(p.comments.as_deref()),
            discussion_id: opt_nul_free(p.discussion_id.as_deref()),
            organization: p.organization.as_ref().map(to_json),
            upvotes: p.upvotes,
            num_comments: p.num_comments,
        }
    }
}

/// A listing flattened into column values.
pub(crate) struct ListingColumns {
    pub day: String,
    pub paper_id: String,
    pub position: i64,
    pub submitted_at: Option<String>,
    pub item_published_at: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter: Option<String>,
    pub comment: Option<String>,
    pub thumbnail: Option<String>,
    pub is_author_participating: Option<bool>,
}

impl ListingColumns {
    pub fn from_listing(l: &DailyListing) -> Self {
        ListingColumns {
            day: l.day.to_string(),
            paper_id: l.paper_id.base().to_string(),
            position: l.position,
            submitted_at: l.submitted_at.map(format_timestamp),
            item_published_at: l.item_published_at.map(format_timestamp),
            submitter_name: l.submitter.as_ref().map(|s| nul_free(&s.name)),
            submitter: l.submitter.as_ref().map(|s| to_json(&s.profile)),
            comment: opt_nul_free(l.comment.as_deref()),
            thumbnail: opt_nul_free(l.thumbnail.as_deref()),
            is_author_participating: l.is_author_participating,
        }
    }
}

/// The columns `listed_from_row` reads: papers as `p`, listings as `l`.
pub(crate) const LISTED_COLUMNS: &str = "p.id, p.version, p.title, p.abstract, p.authors,
    p.categories, p.published_at, p.updated_at, p.github_repo, p.github_stars, p.project_page,
    p.ai_summary, p.ai_keywords, p.doi, p.journal_ref, p.arxiv_comments, p.discussion_id,
    p.organization, p.upvotes_baseline, p.comments_baseline, p.local_votes, p.local_comments,
    l.day, l.position, l.submitted_at, l.item_published_at, l.submitter_name, l.submitter,
    l.comment, l.thumbnail, l.is_author_participating";

/// Papers `p` with their latest listing `l`, if any: what
/// [`LISTED_COLUMNS`] selects from.
pub(crate) const PAPERS_WITH_LATEST_LISTING: &str = "papers p
    LEFT JOIN daily_listings l ON l.paper_id = p.id
      AND l.day = (SELECT MAX(day) FROM daily_listings WHERE paper_id = p.id)";

/// The verified claims of a paper as [`crate::dialect::Dialect::json_array_agg`]
/// wrote them: (author key, username, verified at) each.
pub(crate) fn verified_claims(json: Option<&str>) -> Result<Vec<(String, String, String)>> {
    match json {
        None => Ok(Vec::new()),
        Some(s) => serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
            what: "verified claims".into(),
            detail: e.to_string(),
        }),
    }
}

fn corrupt(id: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: format!("paper {id}"),
        detail: detail.to_string(),
    }
}

pub(crate) fn ts(v: Option<String>) -> Option<Timestamp> {
    v.and_then(|s| s.parse().ok())
}

fn json<T: serde::de::DeserializeOwned>(
    id: &str,
    col: &str,
    v: Option<String>,
) -> Result<Option<T>> {
    match v {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|e| corrupt(id, format!("column {col}: {e}"))),
    }
}

pub(crate) fn listed_from_row(row: &impl Cols) -> Result<ListedPaper> {
    let raw_id = row.text("id")?;
    let version = row.opt_int("version")?;
    let id = ArxivId::parse(&raw_id)
        .map_err(|e| corrupt(&raw_id, e))?
        .with_version(
            version
                .and_then(|v| u32::try_from(v).ok())
                .filter(|v| *v > 0),
        );
    let authors: Vec<Author> =
        json(&raw_id, "authors", Some(row.text("authors")?))?.unwrap_or_default();
    let categories: Vec<String> =
        json(&raw_id, "categories", Some(row.text("categories")?))?.unwrap_or_default();
    let mut paper = Paper::new(id.clone(), row.text("title")?, row.text("abstract")?);
    paper.authors = authors;
    paper.categories = categories;
    paper.published_at = ts(row.opt_text("published_at")?);
    paper.updated_at = ts(row.opt_text("updated_at")?);
    paper.github_repo = row.opt_text("github_repo")?;
    paper.github_stars = row.opt_int("github_stars")?;
    paper.project_page = row.opt_text("project_page")?;
    paper.ai_summary = row.opt_text("ai_summary")?;
    paper.ai_keywords = json(&raw_id, "ai_keywords", row.opt_text("ai_keywords")?)?;
    paper.doi = row.opt_text("doi")?;
    paper.journal_ref = row.opt_text("journal_ref")?;
    paper.comments = row.opt_text("arxiv_comments")?;
    paper.discussion_id = row.opt_text("discussion_id")?;
    paper.organization = json(&raw_id, "organization", row.opt_text("organization")?)?;
    let up_base = row.int("upvotes_baseline")?;
    let com_base = row.int("comments_baseline")?;
    let local_votes = row.int("local_votes")?;
    let local_comments = row.int("local_comments")?;
    paper.upvotes = Some(up_base);
    paper.num_comments = Some(com_base);

    let day = row.opt_text("day")?;
    let listing = match day.and_then(|d| d.parse().ok()) {
        None => None,
        Some(day) => {
            let submitter_name = row.opt_text("submitter_name")?;
            let profile: Option<serde_json::Value> =
                json(&raw_id, "submitter", row.opt_text("submitter")?)?;
            let submitter = submitter_name.map(|name| Submitter {
                name,
                profile: profile.unwrap_or(serde_json::Value::Null),
            });
            Some(DailyListing {
                paper_id: id,
                day,
                position: row.int("position")?,
                submitted_at: ts(row.opt_text("submitted_at")?),
                item_published_at: ts(row.opt_text("item_published_at")?),
                submitter,
                comment: row.opt_text("comment")?,
                thumbnail: row.opt_text("thumbnail")?,
                is_author_participating: row.opt_bool("is_author_participating")?,
            })
        }
    };
    Ok(ListedPaper {
        paper,
        listing,
        upvotes: up_base + local_votes,
        num_comments: com_base + local_comments,
    })
}

pub(crate) fn user_from_row(row: &impl Cols) -> Result<User> {
    let role = row.text("role")?;
    let created = row.text("created_at")?;
    Ok(User {
        id: row.int("id")?,
        username: row.text("username")?,
        email: row.text("email")?,
        role: Role::parse(&role).unwrap_or(Role::User),
        banned: row.flag("banned")?,
        created_at: created.parse().map_err(|e| StoreError::Corrupt {
            what: "user".into(),
            detail: format!("created_at: {e}"),
        })?,
    })
}

pub(crate) fn comment_from_row(row: &impl Cols) -> Result<Comment> {
    Ok(Comment {
        id: row.int("id")?,
        paper_id: row.text("paper_id")?,
        author: row.text("username")?,
        author_id: row.int("user_id")?,
        parent_id: row.opt_int("parent_id")?,
        body: row.text("body")?,
        created_at: ts(row.opt_text("created_at")?).unwrap_or(Timestamp::UNIX_EPOCH),
        edited_at: ts(row.opt_text("edited_at")?),
        deleted: row.opt_text("deleted_at")?.is_some(),
        hidden: row.flag("hidden")?,
    })
}
