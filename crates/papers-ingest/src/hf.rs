//! Hugging Face `/api/daily_papers?date=` day files.
//!
//! Three schema generations are handled (items without `submittedOnDailyAt`,
//! then with submitter and AI fields, then with GitHub and organization
//! fields), as are two quirks of archived files: a list of Python-repr
//! strings instead of objects, and a `{"status","date","count","data"}`
//! wrapper.

use std::ops::ControlFlow;

use jiff::civil::Date;
use papers_core::{ArxivId, Author, DailyListing, IngestRecord, Paper, Submitter};
use serde_json::Value;

use crate::text::{Obj, collapse_ws, parse_date};
use crate::{FieldError, Location, Reject, Sink, parse_python_literal};

/// The day a file is about, from a name like `…/2024-05-27.json`.
pub fn day_from_source_name(source: &str) -> Option<Date> {
    let name = source.rsplit(['/', '\\', '!']).next()?;
    let stem = name
        .strip_suffix(".json.gz")
        .or_else(|| name.strip_suffix(".json"))?;
    if stem.len() != 10 {
        return None;
    }
    parse_date(stem)
}

pub fn parse(
    source: &str,
    bytes: &[u8],
    day_hint: Option<Date>,
    sink: &mut Sink<'_>,
) -> ControlFlow<()> {
    let whole_file_reject = |message: String| Reject {
        location: Location::source(source),
        field: None,
        message,
        raw: Some(String::from_utf8_lossy(bytes).into_owned()),
    };
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(doc) => doc,
        Err(e) => return sink.reject(whole_file_reject(format!("not valid JSON: {e}"))),
    };
    let (items, wrapper_day) = match &doc {
        Value::Array(items) => (items, None),
        Value::Object(map) => match map.get("data") {
            Some(Value::Array(items)) => (
                items,
                map.get("date").and_then(Value::as_str).and_then(parse_date),
            ),
            _ => {
                return sink.reject(whole_file_reject(
                    "expected a list of daily-paper items, or an object with a `data` list".into(),
                ));
            }
        },
        _ => {
            return sink.reject(whole_file_reject(
                "expected a list of daily-paper items, or an object with a `data` list".into(),
            ));
        }
    };
    let fallback_day = day_hint.or(wrapper_day);
    for (index, item) in items.iter().enumerate() {
        let location = Location::entry(source, index);
        let parsed;
        let value = match item {
            Value::String(repr) => match parse_python_literal(repr) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(e) => {
                    sink.reject(Reject {
                        location,
                        field: None,
                        message: format!("item is a string but not a Python literal: {e}"),
                        raw: Some(repr.clone()),
                    })?;
                    continue;
                }
            },
            other => other,
        };
        match parse_item(value, index, fallback_day) {
            Ok((record, dropped)) => {
                for d in dropped {
                    sink.warn(&location, d);
                }
                sink.record(record, location)?
            }
            Err(e) => {
                let raw = match item {
                    Value::String(repr) => repr.clone(),
                    other => other.to_string(),
                };
                sink.reject(e.into_reject(location, raw))?;
            }
        }
    }
    ControlFlow::Continue(())
}

/// One item, and the links dropped from it (see [`Obj::opt_link`]).
fn parse_item(
    item: &Value,
    position: usize,
    fallback_day: Option<Date>,
) -> Result<(IngestRecord, Vec<FieldError>), FieldError> {
    let mut dropped = Vec::new();
    let it = Obj::new(item, "")?;
    let paper_value = it
        .opt_object("paper")?
        .ok_or_else(|| FieldError::new("paper", "is missing"))?;
    let p = Obj::new(paper_value, "paper")?;

    let id_text = p.req_str("id")?;
    let id = ArxivId::parse(id_text).map_err(|e| FieldError::new("paper.id", e.to_string()))?;
    let title = match p.opt_str("title")? {
        Some(t) if !t.trim().is_empty() => t,
        _ => it
            .opt_str("title")?
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| FieldError::new("paper.title", "is missing or empty"))?,
    };
    let abstract_text = match p.opt_str("summary")? {
        Some(s) => s,
        None => it.opt_str("summary")?.unwrap_or_default(),
    };

    let mut paper = Paper::new(id, collapse_ws(title), collapse_ws(abstract_text));
    paper.authors = authors(&p)?;
    paper.published_at = p.opt_timestamp("publishedAt")?;
    paper.upvotes = p.opt_i64("upvotes")?;
    paper.num_comments = match it.opt_i64("numComments")? {
        Some(n) => Some(n),
        None => p.opt_i64("numComments")?,
    };
    paper.ai_summary = p.opt_nonblank("ai_summary")?;
    paper.ai_keywords = p.opt_str_list("ai_keywords")?;
    paper.github_repo = p.opt_link("githubRepo", &mut dropped)?;
    paper.github_stars = p.opt_i64("githubStars")?;
    paper.project_page = p.opt_link("projectPage", &mut dropped)?;
    paper.discussion_id = p.opt_nonblank("discussionId")?;
    paper.organization = match p.opt_object("organization")? {
        Some(org) => Some(org.clone()),
        None => it.opt_object("organization")?.cloned(),
    };

    let submitted_at = p.opt_timestamp("submittedOnDailyAt")?;
    let submitted_day = submitted_at.map(|ts| jiff::tz::TimeZone::UTC.to_datetime(ts).date());
    let day = submitted_day.or(fallback_day).ok_or_else(|| {
        FieldError::new(
            "paper.submittedOnDailyAt",
            "is missing, and the day is known neither from the file name (YYYY-MM-DD.json) \
             nor from the request",
        )
    })?;
    let submitter_value = match it.opt_object("submittedBy")? {
        Some(v) => Some(v),
        None => p.opt_object("submittedOnDailyBy")?,
    };
    let submitter = submitter_value.and_then(|profile| {
        ["name", "user", "fullname"]
            .iter()
            .filter_map(|k| profile.get(k).and_then(Value::as_str))
            .find(|s| !s.trim().is_empty())
            .map(|name| Submitter {
                name: name.trim().to_string(),
                profile: profile.clone(),
            })
    });
    let thumbnail = match it.opt_link("thumbnail", &mut dropped)? {
        Some(t) => Some(t),
        None => it.opt_link("mediaUrl", &mut dropped)?,
    };
    let listing = DailyListing {
        paper_id: paper.id.unversioned(),
        day,
        position: position as i64,
        submitted_at,
        item_published_at: it.opt_timestamp("publishedAt")?,
        submitter,
        comment: None,
        thumbnail,
        is_author_participating: it.opt_bool("isAuthorParticipating")?,
    };
    let record = IngestRecord {
        paper,
        listing: Some(listing),
    };
    Ok((record, dropped))
}

fn authors(p: &Obj<'_>) -> Result<Vec<Author>, FieldError> {
    let list = match p.get("authors") {
        None => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(p.wrong("authors", "a list", other)),
    };
    let mut authors = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let path = format!("paper.authors[{i}]");
        let a = Obj::new(value, &path)?;
        authors.push(Author {
            name: collapse_ws(a.req_str("name")?),
            hf_id: a.opt_nonblank("_id")?,
            hidden: a.opt_bool("hidden")?.unwrap_or(false),
            user: a.get("user").cloned(),
            status: a.opt_nonblank("status")?,
            status_last_changed_at: a.opt_nonblank("statusLastChangedAt")?,
            affiliation: None,
            claimed_by: None,
        });
    }
    Ok(authors)
}
