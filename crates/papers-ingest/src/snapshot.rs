//! arXiv's bulk metadata snapshot (`arxiv-metadata-oai-snapshot.json`), one
//! JSON object per line.

use papers_core::{ArxivId, Author, IngestRecord, Paper};
use serde_json::Value;

use crate::FieldError;
use crate::text::{Obj, collapse_ws, kind, parse_timestamp};

pub fn parse_line(line: &str) -> Result<IngestRecord, FieldError> {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| FieldError::whole(format!("not valid JSON: {e}")))?;
    let o = Obj::new(&value, "")?;
    let id_text = o.req_str("id")?;
    let mut id = ArxivId::parse(id_text).map_err(|e| FieldError::new("id", e.to_string()))?;
    let title = collapse_ws(o.req_str("title")?);
    let abstract_text = collapse_ws(o.opt_str("abstract")?.unwrap_or_default());

    let authors = match o.get("authors_parsed") {
        Some(Value::Array(list)) if !list.is_empty() => parsed_authors(list)?,
        Some(Value::Array(_)) | None => {
            o.opt_str("authors")?.map(split_authors).unwrap_or_default()
        }
        Some(other) => return Err(o.wrong("authors_parsed", "a list", other)),
    };

    let mut published_at = None;
    let mut updated_at = None;
    match o.get("versions") {
        None => {}
        Some(Value::Array(versions)) => {
            let count = versions.len();
            for (i, v) in versions.iter().enumerate() {
                if i != 0 && i + 1 != count {
                    continue;
                }
                let path = format!("versions[{i}]");
                let vo = Obj::new(v, &path)?;
                let created = match vo.opt_str("created")? {
                    Some(s) => Some(parse_timestamp(s).ok_or_else(|| {
                        FieldError::new(vo.field("created"), format!("not a date: {s:?}"))
                    })?),
                    None => None,
                };
                if i == 0 {
                    published_at = created;
                }
                if i + 1 == count {
                    updated_at = created;
                    if let Some(tag) = vo.opt_str("version")? {
                        let n = tag
                            .trim()
                            .strip_prefix(['v', 'V'])
                            .and_then(|n| n.parse::<u32>().ok())
                            .filter(|&n| n > 0)
                            .ok_or_else(|| {
                                FieldError::new(
                                    vo.field("version"),
                                    format!("not a version: {tag:?}"),
                                )
                            })?;
                        id = id.with_version(Some(n));
                    }
                }
            }
        }
        Some(other) => return Err(o.wrong("versions", "a list", other)),
    }

    let mut paper = Paper::new(id, title, abstract_text);
    paper.authors = authors;
    paper.categories = o
        .opt_str("categories")?
        .map(|c| c.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    paper.published_at = published_at;
    paper.updated_at = updated_at;
    paper.doi = o.opt_nonblank("doi")?;
    paper.journal_ref = o
        .opt_str("journal-ref")?
        .map(collapse_ws)
        .filter(|s| !s.is_empty());
    paper.comments = o
        .opt_str("comments")?
        .map(collapse_ws)
        .filter(|s| !s.is_empty());
    Ok(paper.into())
}

/// `[["Last", "First", "Suffix"], …]` → `First Last Suffix`.
fn parsed_authors(list: &[Value]) -> Result<Vec<Author>, FieldError> {
    let mut authors = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let field = || format!("authors_parsed[{i}]");
        let parts = entry.as_array().ok_or_else(|| {
            FieldError::new(field(), format!("expected a list, found {}", kind(entry)))
        })?;
        let mut strings = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                Value::String(s) => strings.push(collapse_ws(s)),
                Value::Null => strings.push(String::new()),
                other => {
                    return Err(FieldError::new(
                        field(),
                        format!("expected strings, found {}", kind(other)),
                    ));
                }
            }
        }
        let last = strings.first().cloned().unwrap_or_default();
        let first = strings.get(1).cloned().unwrap_or_default();
        let rest = strings.iter().skip(2).cloned();
        let name: Vec<String> = [first, last]
            .into_iter()
            .chain(rest)
            .filter(|s| !s.is_empty())
            .collect();
        if name.is_empty() {
            return Err(FieldError::new(field(), "is an empty name"));
        }
        authors.push(Author::named(name.join(" ")));
    }
    Ok(authors)
}

/// `A. One, B. Two and C. Three` → three authors.
fn split_authors(s: &str) -> Vec<Author> {
    collapse_ws(s)
        .replace(", and ", ", ")
        .replace(" and ", ", ")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Author::named)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_authors_string_when_there_is_no_parsed_list() {
        let names: Vec<_> =
            split_authors("C. Bal\\'azs, E. L. Berger,\n P. M. Nadolsky and C.-P. Yuan")
                .into_iter()
                .map(|a| a.name)
                .collect();
        assert_eq!(
            names,
            [
                "C. Bal\\'azs",
                "E. L. Berger",
                "P. M. Nadolsky",
                "C.-P. Yuan"
            ]
        );
    }
}
