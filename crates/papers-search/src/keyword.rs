//! The keyword index: tantivy, BM25 over title (boosted), abstract and author
//! names with English stemming, plus category and author filters and a
//! published-date range.
//!
//! Query syntax ([`ParsedQuery::parse`]): plain words; `"quoted phrases"`
//! (required); `-word` (excluded); `author:name` or `author:"Full Name"`;
//! `category:cs.CL` or `cat:cs.CL`. Filters combine with AND. Anything
//! malformed (an unbalanced quote, an empty `author:`, stray operators) falls
//! back to plain words: no user string is an error.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use jiff::civil::Date;
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, PhraseQuery,
    Query, RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::schema::{
    DateOptions, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{
    DateTime, DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy,
    Score, Searcher, SeekDangerResult, SegmentReader, TantivyDocument, Term,
};

use crate::SearchDoc;
use crate::error::SearchError;
use crate::highlight::{Highlighter, marking_nothing, whole_text};

/// Title matches count this many times an abstract match: 1, chosen with
/// `papers eval` on SciFact (train) and CACM together (BENCHMARKS.md); a
/// boost of 2 lost on both.
pub const DEFAULT_TITLE_BOOST: f32 = 1.0;
/// The most hits one search returns, whatever the caller asks.
pub const MAX_LIMIT: usize = 10_000;
const WRITER_MEMORY: usize = 100_000_000;
/// Both analyzers drop tokens of this many bytes or more.
const MAX_TOKEN_BYTES: usize = 40;
const TEXT_ANALYZER: &str = "papers_en";
const NAME_ANALYZER: &str = "papers_name";

/// A keyword search: the user's text, an optional date range, and how many
/// hits to return.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeywordQuery {
    pub text: String,
    /// Published on or after this day.
    pub from: Option<Date>,
    /// Published on or before this day.
    pub to: Option<Date>,
    pub limit: usize,
}

impl KeywordQuery {
    pub fn new(text: impl Into<String>, limit: usize) -> Self {
        KeywordQuery {
            text: text.into(),
            from: None,
            to: None,
            limit,
        }
    }
}

/// One keyword hit, best first; `rank` starts at 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub paper_id: String,
    pub score: f32,
    pub rank: usize,
}

/// A user's query string, split into its parts. Parsing never fails.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Plain words, scored with BM25 (any may match).
    pub terms: Vec<String>,
    /// Quoted phrases, each required.
    pub phrases: Vec<String>,
    /// `-word`: documents with these words are left out.
    pub excluded: Vec<String>,
    /// `author:` filters, each required.
    pub authors: Vec<String>,
    /// `category:`/`cat:` filters, each required (compared case-insensitively).
    pub categories: Vec<String>,
}

impl ParsedQuery {
    /// The parts written back as a query string that parses to the same
    /// parts, when each part has such a spelling (a term left by an
    /// unbalanced quote, like `"a:b`, has none): what the property tests
    /// and the fuzz target check `parse` against.
    pub fn to_query(&self) -> Option<String> {
        let word_ok = |s: &str| !s.contains(char::is_whitespace);
        let mut out: Vec<String> = self.phrases.iter().map(|p| format!("\"{p}\"")).collect();
        for t in &self.terms {
            if !word_ok(t) || t.starts_with(['"', '-']) || t.contains(':') {
                return None;
            }
            out.push(t.clone());
        }
        for e in &self.excluded {
            if !word_ok(e) {
                return None;
            }
            out.push(format!("-{e}"));
        }
        let filter = |key: &str, value: &str| {
            if !value.contains('"') {
                Some(format!("{key}:\"{value}\""))
            } else if word_ok(value) && !value.starts_with('"') {
                Some(format!("{key}:{value}"))
            } else {
                None
            }
        };
        for a in &self.authors {
            out.push(filter("author", a)?);
        }
        for c in &self.categories {
            out.push(filter("cat", c)?);
        }
        Some(out.join(" "))
    }

    /// Splits a query string. Malformed syntax falls back to plain words.
    pub fn parse(input: &str) -> ParsedQuery {
        let mut parsed = ParsedQuery::default();
        let mut rest = input.trim_start();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('"') {
                match after.find('"') {
                    Some(end) => {
                        push_nonblank(&mut parsed.phrases, &after[..end]);
                        rest = &after[end + 1..];
                    }
                    None => {
                        // Unbalanced quote: the rest is plain words.
                        parsed
                            .terms
                            .extend(after.split_whitespace().map(str::to_string));
                        rest = "";
                    }
                }
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let word = &rest[..end];
                let filter = word.split_once(':').and_then(|(key, _)| {
                    match key.to_ascii_lowercase().as_str() {
                        "author" | "authors" => Some((true, key.len() + 1)),
                        "cat" | "category" | "categories" => Some((false, key.len() + 1)),
                        _ => None,
                    }
                });
                match filter {
                    Some((is_author, value_start)) => {
                        let after_key = &rest[value_start..];
                        let value = if let Some(quoted) = after_key.strip_prefix('"') {
                            // `author:"Full Name"`: the value runs to the closing
                            // quote, or to the end when there is none.
                            match quoted.find('"') {
                                Some(close) => {
                                    rest = &quoted[close + 1..];
                                    &quoted[..close]
                                }
                                None => {
                                    rest = "";
                                    quoted
                                }
                            }
                        } else {
                            rest = &rest[end..];
                            &word[value_start..]
                        };
                        let value = value.trim();
                        if !value.is_empty() {
                            if is_author {
                                parsed.authors.push(value.to_string());
                            } else {
                                parsed.categories.push(value.to_lowercase());
                            }
                        }
                    }
                    None => {
                        rest = &rest[end..];
                        if let Some(excluded) = word.strip_prefix('-') {
                            push_nonblank(&mut parsed.excluded, excluded);
                        } else {
                            // An unknown `field:value` is two words.
                            for part in word.split(':') {
                                push_nonblank(&mut parsed.terms, part);
                            }
                        }
                    }
                }
            }
            rest = rest.trim_start();
        }
        parsed
    }

    /// The free text of the query (words and phrases, without filters), as
    /// given to an embedder.
    pub fn free_text(&self) -> String {
        let mut parts: Vec<&str> = self.phrases.iter().map(String::as_str).collect();
        parts.extend(self.terms.iter().map(String::as_str));
        parts.join(" ")
    }

    /// True when an author or category filter is present.
    pub fn has_filters(&self) -> bool {
        !self.authors.is_empty() || !self.categories.is_empty()
    }
}

fn push_nonblank(into: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() {
        into.push(s.to_string());
    }
}

/// What the index keeps per paper for filtering semantic candidates:
/// lower-cased categories and author names, and the published date. The
/// names live in one buffer, a line each (one allocation a paper, not one a
/// name: this is held for every paper while the server runs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocMeta {
    /// Categories, then authors, each line ending in `\n`.
    names: Box<str>,
    /// How many of the lines are categories.
    n_categories: usize,
    pub published: Option<Date>,
}

impl DocMeta {
    pub fn new<C, A>(categories: C, authors: A, published: Option<Date>) -> Self
    where
        C: IntoIterator,
        C::Item: AsRef<str>,
        A: IntoIterator,
        A::Item: AsRef<str>,
    {
        let mut names = String::new();
        let mut n_categories = 0;
        let mut push = |s: &str| {
            names.push_str(&s.to_lowercase().replace('\n', " "));
            names.push('\n');
        };
        for c in categories {
            push(c.as_ref());
            n_categories += 1;
        }
        for a in authors {
            push(a.as_ref());
        }
        DocMeta {
            names: names.into_boxed_str(),
            n_categories,
            published,
        }
    }

    pub fn of(doc: &SearchDoc) -> Self {
        DocMeta::new(&doc.categories, &doc.authors, doc.published)
    }

    /// Lower-cased categories.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.names.lines().take(self.n_categories)
    }

    /// Lower-cased author names.
    pub fn authors(&self) -> impl Iterator<Item = &str> {
        self.names.lines().skip(self.n_categories)
    }

    /// Whether this paper passes the query's filters and date range, with
    /// the same meaning as on the keyword side.
    pub fn matches(&self, query: &ParsedQuery, from: Option<Date>, to: Option<Date>) -> bool {
        if from.is_some() || to.is_some() {
            let Some(published) = self.published else {
                return false;
            };
            if from.is_some_and(|from| published < from) || to.is_some_and(|to| published > to) {
                return false;
            }
        }
        let categories_ok = query
            .categories
            .iter()
            .all(|want| self.categories().any(|c| c == want));
        let authors_ok = query.authors.iter().all(|want| {
            // The words the index keeps, in a row, as `text_query` asks for
            // them; a filter with none (`author:*`) is ignored there too.
            let want: Vec<Option<String>> =
                name_tokens(want).into_iter().flatten().map(Some).collect();
            want.is_empty()
                || self.authors().any(|name| {
                    let name = name_tokens(name);
                    name.windows(want.len()).any(|w| w == want.as_slice())
                })
        });
        categories_ok && authors_ok
    }
}

/// Lower-cased alphanumeric runs, as the name analyzer makes them; a run
/// the analyzer drops as too long is `None` (it still takes a position in
/// the index, so no phrase matches across it).
fn name_tokens(s: &str) -> Vec<Option<String>> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| (t.len() < MAX_TOKEN_BYTES).then(|| t.to_lowercase()))
        .collect()
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    abstract_text: Field,
    authors: Field,
    author_names: Field,
    category: Field,
    published: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |analyzer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: builder.add_text_field("id", STRING.set_fast("raw")),
        title: builder.add_text_field("title", text(TEXT_ANALYZER)),
        abstract_text: builder.add_text_field("abstract", text(TEXT_ANALYZER)),
        authors: builder.add_text_field("authors", text(NAME_ANALYZER)),
        author_names: builder
            .add_text_field("author_names", TextOptions::default().set_fast("raw")),
        category: builder.add_text_field("category", STRING.set_fast("raw")),
        published: builder.add_date_field("published", DateOptions::from(INDEXED).set_fast()),
    };
    (builder.build(), fields)
}

fn register_analyzers(index: &Index) {
    let mut english = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .dynamic();
    if let Some(stop) = StopWordFilter::new(Language::English) {
        english = english.filter_dynamic(stop);
    }
    let english = english
        .filter_dynamic(Stemmer::new(Language::English))
        .build();
    index.tokenizers().register(TEXT_ANALYZER, english);
    let names = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build();
    index.tokenizers().register(NAME_ANALYZER, names);
}

/// tantivy keeps dates as nanoseconds in an `i64` (years 1678 to 2262): a
/// day beyond that is clamped to the nearest one it can hold, so a filter
/// from the year 3000 finds nothing rather than overflowing.
fn date_to_tantivy(date: Date) -> DateTime {
    const MAX_SECS: i64 = i64::MAX / 1_000_000_000;
    let epoch = jiff::civil::date(1970, 1, 1);
    let secs = date.duration_since(epoch).as_secs();
    DateTime::from_timestamp_secs(secs.clamp(-MAX_SECS, MAX_SECS))
}

fn tantivy_to_date(value: DateTime) -> Option<Date> {
    let days = value.into_timestamp_secs().div_euclid(86_400);
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
}

/// The paper id of every document of one segment, by doc id (deleted ones
/// included), in one buffer.
struct SegmentIds {
    text: String,
    ends: Vec<u32>,
}

impl SegmentIds {
    fn read(segment: &SegmentReader) -> Result<Self, SearchError> {
        let io = |e: std::io::Error| SearchError::Index(e.into());
        let mut out = SegmentIds {
            text: String::new(),
            ends: Vec::with_capacity(segment.max_doc() as usize),
        };
        let Some(column) = segment.fast_fields().str("id")? else {
            out.ends.resize(segment.max_doc() as usize, 0);
            return Ok(out);
        };
        let dictionary = column.dictionary();
        let mut by_ord = Vec::with_capacity(dictionary.num_terms());
        let mut stream = dictionary.stream().map_err(io)?;
        while stream.advance() {
            by_ord.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        for doc in 0..segment.max_doc() {
            if let Some(id) = column
                .term_ords(doc)
                .next()
                .and_then(|o| by_ord.get(o as usize))
            {
                out.text.push_str(id);
            }
            out.ends
                .push(u32::try_from(out.text.len()).unwrap_or(u32::MAX));
        }
        Ok(out)
    }

    fn get(&self, doc: u32) -> &str {
        let doc = doc as usize;
        let end = self.ends.get(doc).copied().unwrap_or(0) as usize;
        let start = match doc {
            0 => 0,
            _ => self.ends.get(doc - 1).copied().unwrap_or(0) as usize,
        };
        self.text.get(start..end).unwrap_or("")
    }
}

/// The tantivy index of papers. One writer (behind a mutex), many readers;
/// every `upsert`/`delete` commits and makes its change visible at once,
/// while the `stage_*` calls only queue their change for the next
/// [`KeywordIndex::commit`] (bulk work: one commit per batch, not per paper).
pub struct KeywordIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    id_cache: RwLock<HashMap<tantivy::index::SegmentId, Arc<SegmentIds>>>,
    fields: Fields,
    title_boost: f32,
    text_analyzer: TextAnalyzer,
    name_analyzer: TextAnalyzer,
}

impl std::fmt::Debug for KeywordIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeywordIndex")
            .field("num_docs", &self.num_docs())
            .finish_non_exhaustive()
    }
}

impl KeywordIndex {
    /// Opens the index in `dir`, creating the directory and an empty index
    /// when needed. An index written with another schema is an error: rebuild it.
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::IndexDirectory {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let (schema, _) = schema();
        let index = Index::open_or_create(directory, schema)?;
        Self::from_index(index)
    }

    /// An index that lives in memory only (tests, evaluation).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, _) = schema();
        Self::from_index(Index::create_in_ram(schema))
    }

    fn from_index(index: Index) -> Result<Self, SearchError> {
        register_analyzers(&index);
        let (_, fields) = schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let text_analyzer = index.tokenizer_for_field(fields.title)?;
        let name_analyzer = index.tokenizer_for_field(fields.authors)?;
        Ok(KeywordIndex {
            index,
            reader,
            writer: Mutex::new(None),
            id_cache: RwLock::new(HashMap::new()),
            fields,
            title_boost: DEFAULT_TITLE_BOOST,
            text_analyzer,
            name_analyzer,
        })
    }

    /// Sets how much more a title match counts than an abstract match.
    pub fn with_title_boost(mut self, boost: f32) -> Self {
        self.title_boost = boost;
        self
    }

    /// Whether another process holds this index's writer (a running server,
    /// while a command-line job opens the same data directory). Such a job
    /// can search the index as it is but not change it. When the writer is
    /// free this takes it, as the first write would.
    pub fn writer_held_elsewhere(&self) -> bool {
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_some() {
            return false;
        }
        match self.index.writer(WRITER_MEMORY) {
            Ok(writer) => {
                *guard = Some(writer);
                false
            }
            Err(tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _,
            )) => true,
            Err(_) => false,
        }
    }

    /// Runs `f` with the writer (taken on first use), without committing.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let writer = match guard.as_mut() {
            Some(writer) => writer,
            None => guard.insert(self.index.writer(WRITER_MEMORY)?),
        };
        f(writer)
    }

    /// Runs `f` with the writer, then commits and makes the change visible.
    fn with_writer_committed<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        self.with_writer(|writer| {
            let out = f(writer)?;
            writer.commit()?;
            Ok(out)
        })
        .and_then(|out| {
            self.reader.reload()?;
            Ok(out)
        })
    }

    fn add_docs(&self, writer: &IndexWriter, docs: &[SearchDoc]) -> Result<(), SearchError> {
        let f = self.fields;
        for doc in docs {
            writer.delete_term(Term::from_field_text(f.id, &doc.id));
            let mut d = TantivyDocument::default();
            d.add_text(f.id, &doc.id);
            d.add_text(f.title, &doc.title);
            d.add_text(f.abstract_text, &doc.abstract_text);
            for author in &doc.authors {
                d.add_text(f.authors, author);
                d.add_text(f.author_names, author.to_lowercase());
            }
            for category in &doc.categories {
                d.add_text(f.category, category.to_lowercase());
            }
            if let Some(date) = doc.published {
                d.add_date(f.published, date_to_tantivy(date));
            }
            writer.add_document(d)?;
        }
        Ok(())
    }

    /// Adds or replaces documents (by id) and commits.
    pub fn upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.with_writer_committed(|writer| self.add_docs(writer, docs))
    }

    /// Removes a document by id and commits. Removing an unknown id is not an error.
    pub fn delete(&self, id: &str) -> Result<(), SearchError> {
        self.stage_delete(&[id])?;
        self.commit()
    }

    /// Adds or replaces documents (by id) without committing: they become
    /// visible at the next [`KeywordIndex::commit`]. For bulk changes, where
    /// a commit per call would cost a flush, an fsync and new indexing
    /// threads each time.
    pub fn stage_upsert(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.with_writer(|writer| self.add_docs(writer, docs))
    }

    /// Removes documents by id at the next [`KeywordIndex::commit`].
    pub fn stage_delete<S: AsRef<str>>(&self, ids: &[S]) -> Result<(), SearchError> {
        let f = self.fields;
        self.with_writer(|writer| {
            for id in ids {
                writer.delete_term(Term::from_field_text(f.id, id.as_ref()));
            }
            Ok(())
        })
    }

    /// Removes every document staged or committed so far at the next
    /// [`KeywordIndex::commit`] (documents staged after this call stay): a
    /// rebuild stages this, then every document, then commits once, so
    /// searches see the old index until the new one is complete.
    pub fn stage_clear(&self) -> Result<(), SearchError> {
        self.with_writer(|writer| {
            writer.delete_query(Box::new(tantivy::query::AllQuery))?;
            Ok(())
        })
    }

    /// Commits the staged changes and makes them visible to searches.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.with_writer_committed(|_| Ok(()))
    }

    /// Merges all segments into one (after a bulk load or reindex): fewer
    /// segments make searches faster. Safe to run again.
    pub fn compact(&self) -> Result<(), SearchError> {
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Let the background merges finish first, so the segment list is stable.
        if let Some(writer) = guard.take() {
            writer.wait_merging_threads()?;
        }
        let mut writer: IndexWriter = self.index.writer(WRITER_MEMORY)?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.garbage_collect_files().wait()?;
        *guard = Some(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// How many segments the index has (for diagnostics).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// How many (live) documents the index holds.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Every indexed id, for store/index consistency checks.
    pub fn doc_ids(&self) -> Result<Vec<String>, SearchError> {
        let searcher = self.reader.searcher();
        let mut ids = Vec::new();
        for segment in searcher.segment_readers() {
            let segment_ids = self.segment_ids(segment)?;
            ids.extend(
                segment
                    .doc_ids_alive()
                    .map(|doc| segment_ids.get(doc))
                    .filter(|id| !id.is_empty())
                    .map(String::from),
            );
        }
        Ok(ids)
    }

    /// Every indexed id with its filter metadata.
    pub fn doc_meta(&self) -> Result<HashMap<String, DocMeta>, SearchError> {
        let mut out = HashMap::new();
        self.for_each_doc(|id, meta| {
            out.insert(id, meta);
        })?;
        Ok(out)
    }

    fn for_each_doc(&self, mut f: impl FnMut(String, DocMeta)) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let (Some(ids), categories, authors) = (
                fast.str("id")?,
                fast.str("category")?,
                fast.str("author_names")?,
            ) else {
                continue;
            };
            let published = fast.date("published")?;
            let strings = |column: &Option<tantivy::columnar::StrColumn>, doc| {
                let mut out = Vec::new();
                if let Some(column) = column {
                    for ord in column.term_ords(doc) {
                        let mut s = String::new();
                        if column.ord_to_str(ord, &mut s).unwrap_or(false) {
                            out.push(s);
                        }
                    }
                }
                out
            };
            for doc in segment.doc_ids_alive() {
                let Some(id) = strings(&Some(ids.clone()), doc).into_iter().next() else {
                    continue;
                };
                let meta = DocMeta::new(
                    strings(&categories, doc),
                    strings(&authors, doc),
                    published.first(doc).and_then(tantivy_to_date),
                );
                f(id, meta);
            }
        }
        Ok(())
    }

    /// Runs a keyword search. Never fails on the query text itself.
    pub fn search(&self, query: &KeywordQuery) -> Result<Vec<Hit>, SearchError> {
        let parsed = ParsedQuery::parse(&query.text);
        self.search_parsed(&parsed, query.from, query.to, query.limit)
    }

    /// Like [`KeywordIndex::search`], for an already parsed query.
    pub fn search_parsed(
        &self,
        parsed: &ParsedQuery,
        from: Option<Date>,
        to: Option<Date>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let limit = limit.min(MAX_LIMIT);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some((query, scored)) = self.build_query(parsed, from, to) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let addresses: Vec<(f32, DocAddress)> = if scored {
            searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?
        } else {
            // Filters only: newest first.
            searcher
                .search(
                    &query,
                    &TopDocs::with_limit(limit)
                        .order_by_fast_field::<DateTime>("published", Order::Desc),
                )?
                .into_iter()
                .map(|(_, address)| (0.0, address))
                .collect()
        };
        self.resolve(&searcher, addresses)
    }

    /// A highlighter for `query`'s words and phrases (its filters and
    /// excluded words mark nothing) in titles and abstracts, analysed as
    /// the index analyses them.
    pub fn highlighter(&self, query: &str) -> Result<Highlighter, SearchError> {
        let parsed = ParsedQuery::parse(query);
        let words = ParsedQuery {
            terms: parsed.terms,
            phrases: parsed.phrases,
            ..ParsedQuery::default()
        };
        let f = self.fields;
        let generator = |field: Field| -> Result<SnippetGenerator, SearchError> {
            Ok(match self.build_query(&words, None, None) {
                Some((q, _)) => whole_text(SnippetGenerator::create(
                    &self.reader.searcher(),
                    q.as_ref(),
                    field,
                )?),
                None => marking_nothing(self.text_analyzer.clone(), field),
            })
        };
        Ok(Highlighter {
            title: generator(f.title)?,
            abstract_text: generator(f.abstract_text)?,
        })
    }

    /// The ids of a segment's documents, read once per segment (a
    /// dictionary lookup per hit cost a sixth of a hybrid query's CPU).
    /// Segments merged away are dropped from the cache as new ones come.
    fn segment_ids(&self, segment: &SegmentReader) -> Result<Arc<SegmentIds>, SearchError> {
        let key = segment.segment_id();
        if let Some(ids) = self
            .id_cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return Ok(ids.clone());
        }
        let ids = Arc::new(SegmentIds::read(segment)?);
        let live: std::collections::HashSet<tantivy::index::SegmentId> = self
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        let mut cache = self
            .id_cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.retain(|k, _| live.contains(k));
        cache.insert(key, ids.clone());
        Ok(ids)
    }

    fn resolve(
        &self,
        searcher: &Searcher,
        addresses: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        let mut segments = HashMap::new();
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let ids = match segments.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(self.segment_ids(searcher.segment_reader(address.segment_ord))?)
                }
            };
            hits.push(Hit {
                paper_id: ids.get(address.doc_id).to_string(),
                score,
                rank: hits.len() + 1,
            });
        }
        Ok(hits)
    }

    fn analyze(&self, analyzer: &TextAnalyzer, field: Field, text: &str) -> Vec<(usize, Term)> {
        let mut analyzer = analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((token.position, Term::from_field_text(field, &token.text)));
        }
        out
    }

    /// A term query for one token, a phrase for several, nothing for none.
    fn text_query(&self, field: Field, text: &str) -> Option<Box<dyn Query>> {
        let analyzer = if field == self.fields.authors {
            &self.name_analyzer
        } else {
            &self.text_analyzer
        };
        let mut terms = self.analyze(analyzer, field, text);
        match terms.len() {
            0 => None,
            1 => {
                let (_, term) = terms.remove(0);
                Some(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)))
            }
            _ if field == self.fields.authors => {
                // A name's words in a row: a word too long for the index
                // leaves no gap, which could otherwise span the gap between
                // two names (and `DocMeta::matches` reads names this way).
                let terms = terms.into_iter().map(|(_, t)| t).collect();
                Some(Box::new(PhraseQuery::new(terms)))
            }
            _ => {
                let first = terms[0].0;
                let terms = terms.into_iter().map(|(p, t)| (p - first, t)).collect();
                Some(Box::new(PhraseQuery::new_with_offset(terms)))
            }
        }
    }

    fn boosted(&self, field: Field, query: Box<dyn Query>) -> Box<dyn Query> {
        if field == self.fields.title && self.title_boost != 1.0 {
            Box::new(BoostQuery::new(query, self.title_boost))
        } else {
            query
        }
    }

    /// Builds the tantivy query; `None` when nothing could match. The flag
    /// says whether the query has scoring text (else: filters only).
    fn build_query(
        &self,
        parsed: &ParsedQuery,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Option<(Box<dyn Query>, bool)> {
        let f = self.fields;
        let text_fields = [f.title, f.abstract_text, f.authors];
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &parsed.terms {
            for field in text_fields {
                if let Some(q) = self.text_query(field, term) {
                    should.push((Occur::Should, self.boosted(field, q)));
                }
            }
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for phrase in &parsed.phrases {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = text_fields
                .into_iter()
                .filter_map(|field| {
                    self.text_query(field, phrase)
                        .map(|q| (Occur::Should, self.boosted(field, q)))
                })
                .collect();
            if !alternatives.is_empty() {
                must.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
            }
        }
        let scored = !should.is_empty() || !must.is_empty();
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for author in &parsed.authors {
            // An author filter that analyses to nothing (`author:*`) is ignored.
            if let Some(q) = self.text_query(f.authors, author) {
                filters.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
            }
        }
        for category in &parsed.categories {
            let term = Term::from_field_text(f.category, category);
            let q = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            filters.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        }
        if from.is_some() || to.is_some() {
            let bound = |d: Option<Date>| match d {
                Some(d) => Bound::Included(Term::from_field_date(f.published, date_to_tantivy(d))),
                None => Bound::Unbounded,
            };
            let q = Box::new(RangeQuery::new(bound(from), bound(to)));
            filters.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        }
        let mut excluded: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &parsed.excluded {
            for field in text_fields {
                if let Some(q) = self.text_query(field, word) {
                    let q: Box<dyn Query> = if q.is::<PhraseQuery>() {
                        Box::new(Exclusion(q))
                    } else {
                        q
                    };
                    excluded.push((Occur::MustNot, q));
                }
            }
        }
        if !scored && filters.is_empty() {
            return None;
        }
        if must.is_empty() && filters.is_empty() && excluded.is_empty() {
            // The common case: a flat disjunction of term queries, which
            // tantivy answers with block-max WAND.
            return Some((Box::new(BooleanQuery::new(should)), true));
        }
        let mut clauses = must;
        if !should.is_empty() {
            if clauses.is_empty() {
                // Words only (plus filters): at least one word must match.
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
            } else {
                clauses.extend(should);
            }
        }
        clauses.extend(filters);
        clauses.extend(excluded);
        Some((Box::new(BooleanQuery::new(clauses)), scored))
    }
}

/// An excluded phrase (`-self-supervised`), which tantivy asks "does this
/// document match?" for each candidate in turn. tantivy 0.27's phrase scorer
/// debug-asserts that it is never asked about a document before the one it
/// stands on, and an exclusion does just that when the first candidate comes
/// before the phrase's first match: a panic in debug builds (release builds
/// answer right; quickwit-oss/tantivy#2811). This answers those questions
/// itself: nothing matches before the scorer's lower bound.
struct Exclusion(Box<dyn Query>);

impl Clone for Exclusion {
    fn clone(&self) -> Self {
        Exclusion(self.0.box_clone())
    }
}

impl std::fmt::Debug for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Exclusion").field(&self.0).finish()
    }
}

impl Query for Exclusion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExclusionWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ExclusionWeight(Box<dyn Weight>);

impl Weight for ExclusionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.0.scorer(reader, boost)?;
        let lower_bound = inner.doc();
        Ok(Box::new(ExclusionScorer { inner, lower_bound }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ExclusionScorer {
    inner: Box<dyn Scorer>,
    /// No match comes before this: the inner scorer's document while it is
    /// valid, else the bound its last `seek_danger` gave.
    lower_bound: DocId,
}

impl DocSet for ExclusionScorer {
    fn advance(&mut self) -> DocId {
        self.lower_bound = self.inner.advance();
        self.lower_bound
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.lower_bound {
            return self.inner.doc();
        }
        self.lower_bound = self.inner.seek(target);
        self.lower_bound
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target < self.lower_bound {
            return SeekDangerResult::SeekLowerBound(self.lower_bound);
        }
        let result = self.inner.seek_danger(target);
        self.lower_bound = match result {
            SeekDangerResult::Found => target,
            SeekDangerResult::SeekLowerBound(bound) => bound,
        };
        result
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for ExclusionScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_beyond_tantivys_range_are_clamped() {
        let far = super::date_to_tantivy(jiff::civil::date(9999, 12, 31));
        let past = super::date_to_tantivy(jiff::civil::date(-9999, 1, 1));
        assert!(far > super::date_to_tantivy(jiff::civil::date(2262, 1, 1)));
        assert!(past < super::date_to_tantivy(jiff::civil::date(1678, 1, 1)));
    }

    use super::*;

    #[test]
    fn staged_changes_wait_for_one_commit_and_a_clear_keeps_later_stages() {
        let index = KeywordIndex::in_memory().unwrap();
        let doc = |id: &str, title: &str| SearchDoc::new(id, title, "an abstract");
        index
            .upsert(&[doc("1", "graph networks"), doc("2", "protein folding")])
            .unwrap();
        index.stage_delete(&["1"]).unwrap();
        index.stage_upsert(&[doc("3", "graph kernels")]).unwrap();
        assert_eq!(index.num_docs(), 2, "nothing is visible before the commit");
        index.commit().unwrap();
        let mut ids = index.doc_ids().unwrap();
        ids.sort();
        assert_eq!(ids, ["2", "3"]);

        // A rebuild: clear, then stage every document again, one commit.
        index.stage_clear().unwrap();
        index
            .stage_upsert(&[doc("2", "protein folding"), doc("4", "graph search")])
            .unwrap();
        index
            .stage_upsert(&[doc("4", "graph search, revised")])
            .unwrap();
        assert_eq!(index.num_docs(), 2);
        index.commit().unwrap();
        let mut ids = index.doc_ids().unwrap();
        ids.sort();
        assert_eq!(ids, ["2", "4"], "the clear kept what was staged after it");
        let hits = index.search(&KeywordQuery::new("revised", 10)).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].paper_id, "4");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Query parsing is total: any text (quotes, filters, dashes,
        /// multibyte characters, control characters) parses, and searching
        /// with it answers, never an error or a panic.
        #[test]
        fn any_query_parses_and_searches(
            q in "(?s)(.|\"|author:|cat:|-|:|\\(|\\)|\\*|~|\\^|AND|OR|NOT|\\[|\\]|\\{|\\}|é|日本){0,40}"
        ) {
            let parsed = ParsedQuery::parse(&q);
            for part in parsed.terms.iter().chain(&parsed.phrases).chain(&parsed.authors) {
                proptest::prop_assert!(!part.trim().is_empty() || part.is_empty());
            }
            let index = QUERY_INDEX.with(|i| i.clone());
            proptest::prop_assert!(index.search(&KeywordQuery::new(&q, 10)).is_ok(), "{q:?}");
        }
    }

    thread_local! {
        static QUERY_INDEX: std::sync::Arc<KeywordIndex> = {
            let index = KeywordIndex::in_memory().unwrap();
            index
                .upsert(&[
                    SearchDoc::new("1", "graph networks", "an abstract about graphs"),
                    SearchDoc::new("2", "protein folding", "AND OR NOT: a \"quoted\" abstract"),
                ])
                .unwrap();
            std::sync::Arc::new(index)
        };
    }

    fn check(input: &str, expected: ParsedQuery) {
        assert_eq!(ParsedQuery::parse(input), expected, "parsing {input:?}");
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_words_phrases_and_filters() {
        check(
            r#"diffusion "image generation" author:"Geoffrey Hinton" cat:CS.CV -gan"#,
            ParsedQuery {
                terms: words(&["diffusion"]),
                phrases: words(&["image generation"]),
                excluded: words(&["gan"]),
                authors: words(&["Geoffrey Hinton"]),
                categories: words(&["cs.cv"]),
            },
        );
        check(
            "author:smith category:cs.LG transformers",
            ParsedQuery {
                terms: words(&["transformers"]),
                authors: words(&["smith"]),
                categories: words(&["cs.lg"]),
                ..ParsedQuery::default()
            },
        );
    }

    #[test]
    fn malformed_syntax_falls_back_to_words() {
        check(
            r#"foo "unbalanced quote"#,
            ParsedQuery {
                terms: words(&["foo", "unbalanced", "quote"]),
                ..ParsedQuery::default()
            },
        );
        check("author:", ParsedQuery::default());
        check(
            r#"author:"no close"#,
            ParsedQuery {
                authors: words(&["no close"]),
                ..ParsedQuery::default()
            },
        );
        check(
            "title:foo AND",
            ParsedQuery {
                terms: words(&["title", "foo", "AND"]),
                ..ParsedQuery::default()
            },
        );
        check("-", ParsedQuery::default());
    }

    #[test]
    fn dates_round_trip_through_tantivy() {
        for d in [
            jiff::civil::date(1970, 1, 1),
            jiff::civil::date(2024, 2, 29),
            jiff::civil::date(1958, 12, 1),
        ] {
            assert_eq!(tantivy_to_date(date_to_tantivy(d)), Some(d));
        }
    }

    #[test]
    fn doc_meta_matches_filters_like_the_keyword_side() {
        let meta = DocMeta::new(
            ["cs.CL", "cs.lg"],
            ["Geoffrey E. Hinton", "ada\nlovelace"],
            Some(jiff::civil::date(2024, 5, 1)),
        );
        assert_eq!(meta.categories().collect::<Vec<_>>(), ["cs.cl", "cs.lg"]);
        assert_eq!(
            meta.authors().collect::<Vec<_>>(),
            ["geoffrey e. hinton", "ada lovelace"],
            "lower-cased, one line a name"
        );
        let q = ParsedQuery::parse("author:hinton cat:cs.CL x");
        assert!(meta.matches(&q, None, None));
        assert!(meta.matches(&q, Some(jiff::civil::date(2024, 5, 1)), None));
        assert!(!meta.matches(&q, Some(jiff::civil::date(2024, 5, 2)), None));
        assert!(meta.matches(&ParsedQuery::parse("author:geoffrey hinton"), None, None));
        assert!(!meta.matches(
            &ParsedQuery::parse(r#"author:"hinton geoffrey""#),
            None,
            None
        ));
        assert!(meta.matches(&ParsedQuery::parse(r#"author:"e hinton""#), None, None));
        assert!(!meta.matches(&ParsedQuery::parse("cat:cs.cv"), None, None));
    }
}
