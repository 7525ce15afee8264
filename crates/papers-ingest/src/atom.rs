//! arXiv API (`/api/query`) Atom feeds.

use std::ops::ControlFlow;

use papers_core::{ArxivId, Author, IngestRecord, Paper};

use crate::text::collapse_ws;
use crate::xml::{Node, parse_tree};
use crate::{FieldError, Location, Reject, Sink};

pub fn parse(source: &str, bytes: &[u8], sink: &mut Sink<'_>) -> ControlFlow<()> {
    let whole = |message: String| Reject {
        location: Location::source(source),
        field: None,
        message,
        raw: Some(String::from_utf8_lossy(bytes).into_owned()),
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return sink.reject(whole(format!("not valid UTF-8: {e}"))),
    };
    let (root, error) = parse_tree(text);
    let Some(feed) = root.child("feed") else {
        let message = match (&error, root.children.first()) {
            (Some(e), _) => format!("not an Atom feed: {e}"),
            (None, Some(other)) => {
                format!("not an Atom feed: the root element is <{}>", other.name)
            }
            (None, None) => "not an Atom feed: no root element".to_string(),
        };
        return sink.reject(whole(message));
    };
    for (index, entry) in feed.children_named("entry").enumerate() {
        if !entry.closed {
            continue; // reported with the XML error below
        }
        let location = Location::entry(source, index);
        match parse_entry(entry) {
            Ok(record) => sink.record(record, location)?,
            Err(e) => {
                let raw = text.get(entry.start..entry.end).unwrap_or_default();
                sink.reject(e.into_reject(location, raw.to_string()))?;
            }
        }
    }
    if let Some(e) = error {
        return sink.reject(whole(format!("{e} (entries closed before it were read)")));
    }
    ControlFlow::Continue(())
}

fn parse_entry(entry: &Node) -> Result<IngestRecord, FieldError> {
    let id_text = entry
        .child_text("id")
        .map(str::trim)
        .ok_or_else(|| FieldError::new("id", "is missing"))?;
    if id_text.contains("/api/errors") {
        let message = entry
            .child_text("summary")
            .map(collapse_ws)
            .unwrap_or_else(|| id_text.to_string());
        return Err(FieldError::whole(format!("arXiv API error: {message}")));
    }
    let id = ArxivId::parse(id_text).map_err(|e| FieldError::new("id", e.to_string()))?;
    let title = entry
        .child_text("title")
        .map(collapse_ws)
        .ok_or_else(|| FieldError::new("title", "is missing or empty"))?;
    let abstract_text = entry
        .child_text("summary")
        .map(collapse_ws)
        .unwrap_or_default();
    let mut paper = Paper::new(id, title, abstract_text);

    for (i, author) in entry.children_named("author").enumerate() {
        let name = author
            .child_text("name")
            .map(collapse_ws)
            .ok_or_else(|| FieldError::new(format!("author[{i}].name"), "is missing or empty"))?;
        let affiliations: Vec<String> = author
            .children_named("affiliation")
            .map(|a| collapse_ws(&a.text))
            .filter(|a| !a.is_empty())
            .collect();
        paper.authors.push(Author {
            affiliation: (!affiliations.is_empty()).then(|| affiliations.join("; ")),
            ..Author::named(name)
        });
    }

    let primary = entry.child("primary_category").and_then(|c| c.attr("term"));
    let others = entry
        .children_named("category")
        .filter_map(|c| c.attr("term"));
    for term in primary.into_iter().chain(others) {
        let term = term.trim();
        if !term.is_empty() && !paper.categories.iter().any(|c| c == term) {
            paper.categories.push(term.to_string());
        }
    }

    paper.published_at = entry.child_timestamp("published")?;
    paper.updated_at = entry.child_timestamp("updated")?;
    paper.doi = entry.child_text("doi").map(collapse_ws);
    paper.journal_ref = entry.child_text("journal_ref").map(collapse_ws);
    paper.comments = entry.child_text("comment").map(collapse_ws);
    Ok(paper.into())
}
