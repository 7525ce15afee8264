//! Search results in Hugging Face's shape: a daily item with the title and
//! the abstract cut into plain and highlighted segments
//! (`highlightedTitle`, `highlightedSummary`), as `/api/papers/search`
//! answers on huggingface.co. Segments are JSON strings, never markup, and
//! join back to the title and abstract exactly.

use papers_app::{Highlights, Segment};
use serde::Serialize;

use super::DailyItemJson;

/// One segment: `{"type": "text" | "highlight", "text": …}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentJson {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
}

impl From<&Segment> for SegmentJson {
    fn from(s: &Segment) -> Self {
        SegmentJson {
            kind: if s.highlighted { "highlight" } else { "text" },
            text: s.text.clone(),
        }
    }
}

/// One item of `GET /api/papers/search`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchItemJson {
    #[serde(flatten)]
    pub item: DailyItemJson,
    #[serde(rename = "highlightedTitle")]
    pub highlighted_title: Vec<SegmentJson>,
    #[serde(rename = "highlightedSummary")]
    pub highlighted_summary: Vec<SegmentJson>,
    /// How it ranked (only with `explain=true`; not in Hugging Face's shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<super::ExplainJson>,
}

/// One item of `GET /api/papers/{id}/similar`: a daily item and its
/// cosine similarity to the paper.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarItemJson {
    #[serde(flatten)]
    pub item: DailyItemJson,
    pub similarity: f32,
}

/// A search item from a daily item and where the query's words are.
pub fn search_item_json(item: DailyItemJson, h: &Highlights) -> SearchItemJson {
    SearchItemJson {
        item,
        highlighted_title: h.title.iter().map(SegmentJson::from).collect(),
        highlighted_summary: h.summary.iter().map(SegmentJson::from).collect(),
        explain: None,
    }
}
