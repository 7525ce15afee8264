//! `papers-ingest` owns getting paper metadata *into* the domain types of
//! `papers-core`: it turns bytes from every supported source (Hugging Face
//! daily-papers day files, arXiv Atom feeds, arXiv OAI-PMH pages, the arXiv
//! bulk metadata snapshot, and our own `papers-jsonl` export) into
//! [`IngestRecord`]s plus precise diagnostics ([`Reject`]s that name file,
//! archive member, line or entry, and field), walks files, directories, `.gz`
//! files and `.tar.gz` archives to feed those parsers ([`read_sources`]), and
//! fetches fresh data politely over HTTP ([`harvest`]). It never touches a
//! database: storing what it yields is the caller's business.
//!
//! Links read from data (`github_repo`, `project_page`, thumbnails) are kept
//! only when they are absolute `http(s)://` URLs ([`papers_core::http_url`]);
//! any other is dropped from the record, which is still imported, with a
//! warning naming the place and the field.
//!
//! Every parser here reads untrusted bytes, so slicing that can panic is
//! linted out: use `get`, `split_at_checked`, `strip_prefix` or iterators
//! instead of `s[a..b]` and `v[i]`. `fuzz/` at the repository root fuzzes
//! each format.

#![warn(clippy::string_slice, clippy::indexing_slicing)]

use std::fmt;
use std::ops::ControlFlow;

pub use papers_core::IngestRecord;

mod atom;
pub mod harvest;
mod hf;
mod jsonl;
mod oai;
mod pyrepr;
mod snapshot;
mod source;
mod text;
mod xml;

pub use jsonl::paper_to_jsonl;
pub use oai::{OaiPage, parse_oai_page};
pub use pyrepr::{PyLiteralError, parse_python_literal};
pub use source::{read_sources, total_input_bytes};
pub use xml::XmlError;

/// The input formats this crate understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Hugging Face `/api/daily_papers?date=` responses, one JSON file per day.
    HfDaily,
    /// arXiv API (`/api/query`) Atom feeds.
    ArxivAtom,
    /// arXiv OAI-PMH `ListRecords`/`GetRecord` responses, `metadataPrefix=arXiv`.
    ArxivOai,
    /// arXiv's bulk metadata snapshot: JSON lines.
    ArxivSnapshot,
    /// Our own export format: JSON lines, see [`paper_to_jsonl`].
    PapersJsonl,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::HfDaily,
        Format::ArxivAtom,
        Format::ArxivOai,
        Format::ArxivSnapshot,
        Format::PapersJsonl,
    ];

    /// The format named on the command line (`hf-daily`, `arxiv-atom`, …).
    pub fn from_cli_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.cli_name() == s)
    }

    pub fn cli_name(&self) -> &'static str {
        match self {
            Format::HfDaily => "hf-daily",
            Format::ArxivAtom => "arxiv-atom",
            Format::ArxivOai => "arxiv-oai",
            Format::ArxivSnapshot => "arxiv-snapshot",
            Format::PapersJsonl => "papers-jsonl",
        }
    }

    /// True for the JSON-lines formats, which are read line by line.
    pub fn is_line_based(&self) -> bool {
        matches!(self, Format::ArxivSnapshot | Format::PapersJsonl)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// Where a record or a reject came from.
///
/// `source` is the file path as given (or below a given directory), an
/// archive member as `archive.tar.gz!member/path`, or a URL for harvested
/// documents. `line` is the 1-based line for JSON-lines inputs; `entry` the
/// 0-based index of the item in a JSON list or of the entry/record in an XML
/// document.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub source: String,
    pub line: Option<u64>,
    pub entry: Option<usize>,
}

impl Location {
    /// The whole source.
    pub fn source(source: impl Into<String>) -> Self {
        Location {
            source: source.into(),
            line: None,
            entry: None,
        }
    }

    pub fn line(source: impl Into<String>, line: u64) -> Self {
        Location {
            source: source.into(),
            line: Some(line),
            entry: None,
        }
    }

    pub fn entry(source: impl Into<String>, entry: usize) -> Self {
        Location {
            source: source.into(),
            line: None,
            entry: Some(entry),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(entry) = self.entry {
            write!(f, " entry {entry}")?;
        }
        Ok(())
    }
}

/// A record (or a whole document) that could not be imported, and why.
#[derive(Clone, Debug)]
pub struct Reject {
    pub location: Location,
    /// The offending field, as a path into the record (`paper.id`,
    /// `authors_parsed[2]`, `published_at`), when one field is to blame.
    pub field: Option<String>,
    pub message: String,
    /// The raw record text (JSON line, JSON item, Python-repr string, XML
    /// entry, or the whole document when it could not be parsed at all), so
    /// nothing is lost.
    pub raw: Option<String>,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.location)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Reject {}

/// What parsing yields, in input order.
#[derive(Clone, Debug)]
pub enum Event {
    Record(Box<IngestRecord>, Location),
    Reject(Reject),
    /// One document (file, archive member, or HTTP response) is finished.
    /// `bytes` is how many input bytes (as stored, so compressed bytes for
    /// `.gz` and archives) were consumed since the previous `SourceDone`, so
    /// that their sum tracks [`total_input_bytes`] for a progress bar.
    SourceDone {
        source: String,
        bytes: u64,
    },
}

/// Totals of one [`read_sources`] run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Documents parsed (files and archive members; skipped members excluded).
    pub sources: usize,
    pub records: u64,
    pub rejects: u64,
}

/// Failures that stop reading a whole source. Records that cannot be parsed,
/// and even documents that cannot be parsed at all, are [`Reject`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a file or directory")]
    NotAFile { path: String },
}

impl IngestError {
    pub(crate) fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Parses one in-memory document (a whole file's contents, or an HTTP body)
/// and calls `on_event` for every record or reject, in order. No
/// `SourceDone` is emitted. For `hf-daily`, a source whose last path
/// component is `YYYY-MM-DD.json` gives the listing day of items that lack
/// `submittedOnDailyAt`.
pub fn parse_bytes(
    format: Format,
    source: &str,
    bytes: &[u8],
    on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Result<(), IngestError> {
    let mut sink = Sink::new(on_event);
    let _ = parse_document(format, source, bytes, None, &mut sink);
    Ok(())
}

/// Dispatches one whole document to its parser.
pub(crate) fn parse_document(
    format: Format,
    source: &str,
    bytes: &[u8],
    day_hint: Option<jiff::civil::Date>,
    sink: &mut Sink<'_>,
) -> ControlFlow<()> {
    match format {
        Format::HfDaily => {
            let hint = day_hint.or_else(|| hf::day_from_source_name(source));
            hf::parse(source, bytes, hint, sink)
        }
        Format::ArxivAtom => atom::parse(source, bytes, sink),
        Format::ArxivOai => oai::parse(source, bytes, sink),
        Format::ArxivSnapshot | Format::PapersJsonl => {
            let mut line_no = 0u64;
            for line in bytes.split(|&b| b == b'\n') {
                line_no += 1;
                parse_line(format, source, line_no, line, sink)?;
            }
            ControlFlow::Continue(())
        }
    }
}

/// Parses one line of a JSON-lines format.
pub(crate) fn parse_line(
    format: Format,
    source: &str,
    line_no: u64,
    line: &[u8],
    sink: &mut Sink<'_>,
) -> ControlFlow<()> {
    let mut line = line;
    if line_no == 1 {
        line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    }
    while let [rest @ .., b'\n' | b'\r'] = line {
        line = rest;
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return ControlFlow::Continue(());
    }
    let location = Location::line(source, line_no);
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(e) => {
            return sink.reject(Reject {
                location,
                field: None,
                message: format!("line is not valid UTF-8: {e}"),
                raw: Some(String::from_utf8_lossy(line).into_owned()),
            });
        }
    };
    let result = match format {
        Format::ArxivSnapshot => snapshot::parse_line(text).map(|record| (record, Vec::new())),
        _ => jsonl::parse_line(text, line_no),
    };
    match result {
        Ok((record, dropped)) => {
            for d in dropped {
                sink.warn(&location, d);
            }
            sink.record(record, location)
        }
        Err(e) => sink.reject(e.into_reject(location, text.to_string())),
    }
}

/// Why one record failed: the field to blame and the message.
#[derive(Debug)]
pub(crate) struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn whole(message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            message: message.into(),
        }
    }

    pub fn into_reject(self, location: Location, raw: String) -> Reject {
        Reject {
            location,
            field: self.field,
            message: self.message,
            raw: Some(raw),
        }
    }
}

/// Wraps the caller's callback and counts what passes through.
pub(crate) struct Sink<'a> {
    on_event: &'a mut dyn FnMut(Event) -> ControlFlow<()>,
    pub records: u64,
    pub rejects: u64,
}

impl<'a> Sink<'a> {
    pub fn new(on_event: &'a mut dyn FnMut(Event) -> ControlFlow<()>) -> Self {
        Sink {
            on_event,
            records: 0,
            rejects: 0,
        }
    }

    /// Passes a record on. Its links are checked once more here, whatever
    /// parser made it, so no format can let a non-http(s) link through.
    pub fn record(&mut self, mut record: IngestRecord, location: Location) -> ControlFlow<()> {
        for (field, message) in drop_non_http_links(&mut record) {
            self.warn(&location, FieldError::new(field, message));
        }
        self.records += 1;
        (self.on_event)(Event::Record(Box::new(record), location))
    }

    /// Reports a field dropped from a record that is still imported.
    pub fn warn(&mut self, location: &Location, dropped: FieldError) {
        warn_dropped(location, &dropped);
    }

    pub fn reject(&mut self, reject: Reject) -> ControlFlow<()> {
        self.rejects += 1;
        (self.on_event)(Event::Reject(reject))
    }

    pub fn source_done(&mut self, source: String, bytes: u64) -> ControlFlow<()> {
        (self.on_event)(Event::SourceDone { source, bytes })
    }
}

/// Logs a field dropped from a record that is still imported.
pub(crate) fn warn_dropped(location: &Location, dropped: &FieldError) {
    tracing::warn!(
        "{location}: field `{}`: {}",
        dropped.field.as_deref().unwrap_or("(record)"),
        dropped.message
    );
}

/// Drops every link of `record` that is not an absolute http(s) URL, and
/// says which (the field as named in [`papers_core::Paper`] /
/// [`papers_core::DailyListing`]) and why.
pub(crate) fn drop_non_http_links(record: &mut IngestRecord) -> Vec<(&'static str, String)> {
    let mut dropped = Vec::new();
    let mut check = |field: &'static str, link: &mut Option<String>| {
        if let Some(text) = link.take() {
            match papers_core::parse_http_url(&text) {
                Ok(url) => *link = Some(url),
                Err(e) => dropped.push((field, format!("link dropped: {e}"))),
            }
        }
    };
    check("github_repo", &mut record.paper.github_repo);
    check("project_page", &mut record.paper.project_page);
    if let Some(listing) = &mut record.listing {
        check("thumbnail", &mut listing.thumbnail);
    }
    dropped
}

/// All the events of one document, collected (for harvesters).
pub(crate) fn collect_events(
    format: Format,
    source: &str,
    bytes: &[u8],
    day_hint: Option<jiff::civil::Date>,
) -> Vec<Event> {
    let mut events = Vec::new();
    let mut push = |e: Event| {
        events.push(e);
        ControlFlow::Continue(())
    };
    let mut sink = Sink::new(&mut push);
    let _ = parse_document(format, source, bytes, day_hint, &mut sink);
    let _ = sink.source_done(source.to_string(), bytes.len() as u64);
    events
}
