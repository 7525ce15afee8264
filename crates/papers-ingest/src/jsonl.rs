//! `papers-jsonl`: our own export format, one JSON object per line:
//!
//! `id, title, abstract, authors[], categories[]|null, published_at|null,
//! hf_daily_date|null, upvotes|null, num_comments|null, github_repo|null,
//! project_page|null, ai_keywords|null, arxiv_listing_date|null, sources[]`
//!
//! plus optional extension keys that [`paper_to_jsonl`] writes only when set
//! (`updated_at, ai_summary, github_stars, doi, journal_ref, comments,
//! discussion_id`), so an export round-trips more than the base shape holds.

use papers_core::{ArxivId, Author, DailyListing, IngestRecord, Paper};
use serde_json::{Map, Value, json};

use crate::FieldError;
use crate::text::{Obj, collapse_ws, date_start, kind};

/// One line, and the links dropped from it (see [`Obj::opt_link`]).
pub fn parse_line(line: &str, line_no: u64) -> Result<(IngestRecord, Vec<FieldError>), FieldError> {
    let mut dropped = Vec::new();
    let value: Value = serde_json::from_str(line)
        .map_err(|e| FieldError::whole(format!("not valid JSON: {e}")))?;
    let o = Obj::new(&value, "")?;
    let id = ArxivId::parse(o.req_str("id")?).map_err(|e| FieldError::new("id", e.to_string()))?;
    let title = collapse_ws(o.req_str("title")?);
    let abstract_text = collapse_ws(o.opt_str("abstract")?.unwrap_or_default());
    let mut paper = Paper::new(id, title, abstract_text);

    paper.authors = match o.get("authors") {
        None => Vec::new(),
        Some(Value::Array(list)) => {
            let mut authors = Vec::with_capacity(list.len());
            for (i, a) in list.iter().enumerate() {
                let field = || format!("authors[{i}]");
                let author = match a {
                    Value::String(name) => Author::named(collapse_ws(name)),
                    Value::Object(_) => serde_json::from_value::<Author>(a.clone())
                        .map_err(|e| FieldError::new(field(), e.to_string()))?,
                    other => {
                        return Err(FieldError::new(
                            field(),
                            format!("expected a name or an author object, found {}", kind(other)),
                        ));
                    }
                };
                if author.name.trim().is_empty() {
                    return Err(FieldError::new(field(), "is an empty name"));
                }
                authors.push(author);
            }
            authors
        }
        Some(other) => return Err(o.wrong("authors", "a list", other)),
    };
    paper.categories = o.opt_str_list("categories")?.unwrap_or_default();
    let listing_date = o.opt_date("arxiv_listing_date")?;
    paper.published_at = match o.opt_timestamp("published_at")? {
        Some(ts) => Some(ts),
        None => listing_date.and_then(date_start),
    };
    paper.updated_at = o.opt_timestamp("updated_at")?;
    paper.upvotes = o.opt_i64("upvotes")?;
    paper.num_comments = o.opt_i64("num_comments")?;
    paper.github_repo = o.opt_link("github_repo", &mut dropped)?;
    paper.github_stars = o.opt_i64("github_stars")?;
    paper.project_page = o.opt_link("project_page", &mut dropped)?;
    paper.ai_keywords = o.opt_str_list("ai_keywords")?;
    paper.ai_summary = o.opt_nonblank("ai_summary")?;
    paper.doi = o.opt_nonblank("doi")?;
    paper.journal_ref = o.opt_nonblank("journal_ref")?;
    paper.comments = o.opt_nonblank("comments")?;
    paper.discussion_id = o.opt_nonblank("discussion_id")?;
    match o.get("sources") {
        Some(sources) if !sources.is_array() => return Err(o.wrong("sources", "a list", sources)),
        _ => {}
    }

    let listing = o.opt_date("hf_daily_date")?.map(|day| DailyListing {
        paper_id: paper.id.unversioned(),
        day,
        position: line_no.saturating_sub(1) as i64,
        submitted_at: None,
        item_published_at: None,
        submitter: None,
        comment: None,
        thumbnail: None,
        is_author_participating: None,
    });
    Ok((IngestRecord { paper, listing }, dropped))
}

/// Writes a paper (and its daily listing, if any) in the `papers-jsonl`
/// shape that [`crate::Format::PapersJsonl`] reads back. Authors are written
/// as names, timestamps as `YYYY-MM-DDTHH:MM:SS.sssZ`, `sources` is
/// `["hf_daily"]` for a listed paper and `[]` otherwise.
pub fn paper_to_jsonl(paper: &Paper, listing: Option<&DailyListing>) -> Value {
    let ts = |t: &jiff::Timestamp| Value::String(t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    let opt_str = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| json!(s));
    let mut v = json!({
        "id": paper.id.to_string(),
        "title": paper.title,
        "abstract": paper.abstract_text,
        "authors": paper.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        "categories": if paper.categories.is_empty() { Value::Null } else { json!(paper.categories) },
        "published_at": paper.published_at.as_ref().map_or(Value::Null, ts),
        "hf_daily_date": listing.map_or(Value::Null, |l| json!(l.day.to_string())),
        "upvotes": paper.upvotes,
        "num_comments": paper.num_comments,
        "github_repo": opt_str(&paper.github_repo),
        "project_page": opt_str(&paper.project_page),
        "ai_keywords": paper.ai_keywords,
        "arxiv_listing_date": Value::Null,
        "sources": if listing.is_some() { json!(["hf_daily"]) } else { json!([]) },
    });
    let mut extra = Map::new();
    if let Some(t) = &paper.updated_at {
        extra.insert("updated_at".into(), ts(t));
    }
    for (key, value) in [
        ("ai_summary", &paper.ai_summary),
        ("doi", &paper.doi),
        ("journal_ref", &paper.journal_ref),
        ("comments", &paper.comments),
        ("discussion_id", &paper.discussion_id),
    ] {
        if let Some(s) = value {
            extra.insert(key.into(), json!(s));
        }
    }
    if let Some(stars) = paper.github_stars {
        extra.insert("github_stars".into(), json!(stars));
    }
    if let Value::Object(map) = &mut v {
        map.extend(extra);
    }
    v
}
