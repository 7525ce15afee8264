//! arXiv OAI-PMH responses (`ListRecords` / `GetRecord`, `metadataPrefix=arXiv`).

use std::ops::ControlFlow;

use papers_core::{ArxivId, Author, IngestRecord, Paper};

use crate::text::collapse_ws;
use crate::xml::{Node, XmlError, parse_tree};
use crate::{FieldError, Location, Reject, Sink, drop_non_http_links, warn_dropped};

/// One OAI-PMH response page.
#[derive(Debug)]
pub struct OaiPage {
    /// The records in page order; deleted records are left out.
    pub records: Vec<Result<IngestRecord, Reject>>,
    /// How many `<header status="deleted">` records were skipped.
    pub deleted: u64,
    /// The token for the next page; `None` (an absent or empty token) on the
    /// last page.
    pub resumption_token: Option<String>,
    pub complete_list_size: Option<u64>,
    /// An OAI-PMH `<error code="…">message</error>`. `noRecordsMatch` is not
    /// reported here: it just means an empty page.
    pub error: Option<(String, String)>,
}

/// Parses one OAI-PMH response. `source` names it in rejects (a URL or a
/// path). Fails only when the XML is unreadable or is not an OAI-PMH
/// response.
#[allow(
    clippy::result_large_err,
    reason = "the records are Result<IngestRecord, Reject>, and IngestRecord is the larger"
)]
pub fn parse_oai_page(source: &str, bytes: &[u8]) -> Result<OaiPage, XmlError> {
    let parsed = parse_inner(source, bytes)?;
    if let Some(e) = parsed.xml_error {
        return Err(e);
    }
    Ok(OaiPage {
        records: parsed.records.into_iter().map(|(_, r)| r).collect(),
        deleted: parsed.deleted,
        resumption_token: parsed.resumption_token,
        complete_list_size: parsed.complete_list_size,
        error: parsed.error,
    })
}

/// The `read_sources` / `parse_bytes` entry point.
pub fn parse(source: &str, bytes: &[u8], sink: &mut Sink<'_>) -> ControlFlow<()> {
    let whole = |message: String| Reject {
        location: Location::source(source),
        field: None,
        message,
        raw: Some(String::from_utf8_lossy(bytes).into_owned()),
    };
    let parsed = match parse_inner(source, bytes) {
        Ok(parsed) => parsed,
        Err(e) => return sink.reject(whole(format!("not an OAI-PMH response: {e}"))),
    };
    for (index, record) in parsed.records {
        match record {
            Ok(record) => sink.record(record, Location::entry(source, index))?,
            Err(reject) => sink.reject(reject)?,
        }
    }
    if let Some((code, message)) = parsed.error {
        sink.reject(whole(format!("OAI-PMH error {code}: {message}")))?;
    }
    if let Some(e) = parsed.xml_error {
        sink.reject(whole(format!("{e} (records closed before it were read)")))?;
    }
    ControlFlow::Continue(())
}

struct Parsed {
    records: Vec<(usize, Result<IngestRecord, Reject>)>,
    deleted: u64,
    resumption_token: Option<String>,
    complete_list_size: Option<u64>,
    error: Option<(String, String)>,
    xml_error: Option<XmlError>,
}

fn parse_inner(source: &str, bytes: &[u8]) -> Result<Parsed, XmlError> {
    let text = std::str::from_utf8(bytes).map_err(|e| XmlError {
        offset: e.valid_up_to() as u64,
        message: format!("not valid UTF-8: {e}"),
    })?;
    let (root, xml_error) = parse_tree(text);
    let Some(oai) = root.child("OAI-PMH") else {
        return Err(xml_error.unwrap_or_else(|| XmlError {
            offset: 0,
            message: match root.children.first() {
                Some(other) => format!("the root element is <{}>, not <OAI-PMH>", other.name),
                None => "no root element".to_string(),
            },
        }));
    };
    let error = oai
        .child("error")
        .map(|e| {
            (
                e.attr("code").unwrap_or("unknown").to_string(),
                collapse_ws(&e.text),
            )
        })
        .filter(|(code, _)| code != "noRecordsMatch");
    let list = oai.child("ListRecords").or_else(|| oai.child("GetRecord"));
    let mut parsed = Parsed {
        records: Vec::new(),
        deleted: 0,
        resumption_token: None,
        complete_list_size: None,
        error,
        xml_error,
    };
    let Some(list) = list else {
        return Ok(parsed);
    };
    for (index, record) in list.children_named("record").enumerate() {
        if !record.closed {
            continue;
        }
        let header = record.child("header");
        if header.and_then(|h| h.attr("status")) == Some("deleted") {
            parsed.deleted += 1;
            continue;
        }
        let location = Location::entry(source, index);
        let result = match parse_record(record) {
            Ok(mut record) => {
                // OAI records carry no links today; the rule holds here too,
                // as these records reach harvesters without passing a `Sink`.
                for (field, message) in drop_non_http_links(&mut record) {
                    warn_dropped(&location, &FieldError::new(field, message));
                }
                Ok(record)
            }
            Err(e) => {
                let raw = text.get(record.start..record.end).unwrap_or_default();
                Err(e.into_reject(location, raw.to_string()))
            }
        };
        parsed.records.push((index, result));
    }
    if let Some(token) = list.child("resumptionToken") {
        let t = token.text.trim();
        parsed.resumption_token = (!t.is_empty()).then(|| t.to_string());
        parsed.complete_list_size = token
            .attr("completeListSize")
            .and_then(|s| s.trim().parse().ok());
    }
    Ok(parsed)
}

fn parse_record(record: &Node) -> Result<IngestRecord, FieldError> {
    let meta = record
        .child("metadata")
        .and_then(|m| m.child("arXiv"))
        .ok_or_else(|| FieldError::new("metadata", "has no <arXiv> element"))?;
    let header_id = record
        .child("header")
        .and_then(|h| h.child_text("identifier"))
        .map(|s| s.trim().trim_start_matches("oai:arXiv.org:"));
    let (id_text, id_field) = match meta.child_text("id") {
        Some(id) => (id.trim(), "id"),
        None => (
            header_id.ok_or_else(|| FieldError::new("id", "is missing"))?,
            "header.identifier",
        ),
    };
    let id = ArxivId::parse(id_text).map_err(|e| FieldError::new(id_field, e.to_string()))?;
    let title = meta
        .child_text("title")
        .map(collapse_ws)
        .ok_or_else(|| FieldError::new("title", "is missing or empty"))?;
    let abstract_text = meta
        .child_text("abstract")
        .map(collapse_ws)
        .unwrap_or_default();
    let mut paper = Paper::new(id, title, abstract_text);

    if let Some(authors) = meta.child("authors") {
        for (i, author) in authors.children_named("author").enumerate() {
            let part = |name: &str| author.child_text(name).map(collapse_ws);
            let name: Vec<String> = [part("forenames"), part("keyname"), part("suffix")]
                .into_iter()
                .flatten()
                .collect();
            if name.is_empty() {
                return Err(FieldError::new(
                    format!("authors[{i}]"),
                    "has neither keyname nor forenames",
                ));
            }
            let affiliations: Vec<String> = author
                .children_named("affiliation")
                .map(|a| collapse_ws(&a.text))
                .filter(|a| !a.is_empty())
                .collect();
            paper.authors.push(Author {
                affiliation: (!affiliations.is_empty()).then(|| affiliations.join("; ")),
                ..Author::named(name.join(" "))
            });
        }
    }
    if let Some(categories) = meta.child_text("categories") {
        for c in categories.split_whitespace() {
            if !paper.categories.iter().any(|have| have == c) {
                paper.categories.push(c.to_string());
            }
        }
    }
    paper.published_at = meta.child_timestamp("created")?;
    paper.updated_at = meta.child_timestamp("updated")?;
    paper.comments = meta.child_text("comments").map(collapse_ws);
    paper.journal_ref = meta.child_text("journal-ref").map(collapse_ws);
    paper.doi = meta.child_text("doi").map(collapse_ws);
    Ok(paper.into())
}
