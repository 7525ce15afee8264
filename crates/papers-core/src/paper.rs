//! Papers, authors and daily listings: the records every source is parsed into
//! and every view is rendered from.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ArxivId;

/// One author, in the order the paper lists them.
///
/// The Hugging Face fields (`_id`, `user`, `status`, …) are kept when a source
/// has them, so the HF-compatible API can answer with them unchanged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hf_id: Option<String>,
    #[serde(default)]
    pub hidden: bool,
    /// The linked Hugging Face user object, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_last_changed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// The account here whose claim to be this author an admin verified
    /// (the store sets it when it reads the paper; never stored with the
    /// authors).
    #[serde(skip)]
    pub claimed_by: Option<crate::VerifiedAuthor>,
}

impl Author {
    pub fn named(name: impl Into<String>) -> Self {
        Author {
            name: name.into(),
            ..Author::default()
        }
    }
}

/// A paper, as known from one or more sources.
///
/// Optional fields are `None` when the source did not say; the store merges
/// records field by field, so a later source never erases what an earlier one
/// knew.
#[derive(Clone, Debug, PartialEq)]
pub struct Paper {
    /// The id, with the latest version seen when the source gives one.
    pub id: ArxivId,
    pub title: String,
    pub abstract_text: String,
    pub authors: Vec<Author>,
    /// arXiv categories, primary first.
    pub categories: Vec<String>,
    /// The arXiv date (first version).
    pub published_at: Option<Timestamp>,
    /// The arXiv date of the latest version.
    pub updated_at: Option<Timestamp>,
    pub github_repo: Option<String>,
    pub github_stars: Option<i64>,
    pub project_page: Option<String>,
    pub ai_summary: Option<String>,
    pub ai_keywords: Option<Vec<String>>,
    pub doi: Option<String>,
    pub journal_ref: Option<String>,
    pub comments: Option<String>,
    /// Hugging Face's discussion id.
    pub discussion_id: Option<String>,
    /// Hugging Face organization object, verbatim.
    pub organization: Option<Value>,
    /// Upvotes imported from a source: the baseline that local votes add to.
    pub upvotes: Option<i64>,
    /// Comment count imported from a source: the baseline.
    pub num_comments: Option<i64>,
}

impl Paper {
    /// A paper with only the required fields set.
    pub fn new(id: ArxivId, title: impl Into<String>, abstract_text: impl Into<String>) -> Self {
        Paper {
            id,
            title: title.into(),
            abstract_text: abstract_text.into(),
            authors: Vec::new(),
            categories: Vec::new(),
            published_at: None,
            updated_at: None,
            github_repo: None,
            github_stars: None,
            project_page: None,
            ai_summary: None,
            ai_keywords: None,
            doi: None,
            journal_ref: None,
            comments: None,
            discussion_id: None,
            organization: None,
            upvotes: None,
            num_comments: None,
        }
    }
}

/// Who put a paper on the daily feed.
#[derive(Clone, Debug, PartialEq)]
pub struct Submitter {
    /// The username (`name` in Hugging Face's `submittedBy`).
    pub name: String,
    /// The whole `submittedBy` object, verbatim, for the HF-compatible API.
    pub profile: Value,
}

/// A paper featured on the daily feed on one day.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyListing {
    pub paper_id: ArxivId,
    /// The day of the feed it appears on (`submittedOnDailyAt`'s date).
    pub day: Date,
    /// Its place in the source's list for that day (0-based).
    pub position: i64,
    /// `submittedOnDailyAt`: when it was put on the feed.
    pub submitted_at: Option<Timestamp>,
    /// The item-level `publishedAt` of Hugging Face's listing, verbatim.
    pub item_published_at: Option<Timestamp>,
    pub submitter: Option<Submitter>,
    /// The submitter's comment.
    pub comment: Option<String>,
    pub thumbnail: Option<String>,
    pub is_author_participating: Option<bool>,
}

/// What one source record yields: a paper, and maybe its listing on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct IngestRecord {
    pub paper: Paper,
    pub listing: Option<DailyListing>,
}

impl From<Paper> for IngestRecord {
    fn from(paper: Paper) -> Self {
        IngestRecord {
            paper,
            listing: None,
        }
    }
}
