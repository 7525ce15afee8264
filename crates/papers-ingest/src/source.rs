//! Walking inputs: files, directories, `.gz` files and tar archives.

use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

use crate::{Event, Format, IngestError, ReadSummary, Sink, parse_document, parse_line};

/// Walks `paths` and parses every source in them with `format`, calling
/// `on_event` for every record and reject, in input order, and with a
/// [`Event::SourceDone`] after each document.
///
/// - A file named explicitly is always read, whatever its name.
/// - A directory is walked recursively, in sorted name order; only files
///   that look like `format` are read (`*.json` for `hf-daily`; `*.jsonl`,
///   `*.json`, `*.ndjson` for the JSON-lines formats; `*.xml`, `*.atom` for
///   the XML formats; each also gzipped as `*.gz`). Hidden files and
///   symlinked directories are skipped.
/// - `*.gz` files are decompressed on the fly.
/// - `*.tar.gz`, `*.tgz` and `*.tar` archives are read member by member in
///   archive order; members that are not regular files or do not look like
///   `format` are skipped. A member's source name is `archive!member/path`.
///
/// JSON-lines inputs are streamed line by line; other documents are read
/// whole (one day file, one feed, one OAI page). `on_event` returning
/// `ControlFlow::Break(())` stops the walk early with `Ok`.
///
/// Errors are only for sources that cannot be read at all (missing file,
/// unreadable directory, corrupt gzip or tar); a document that cannot be
/// parsed is a [`crate::Reject`] naming it, and the walk goes on.
pub fn read_sources(
    format: Format,
    paths: &[PathBuf],
    on_event: &mut dyn FnMut(Event) -> ControlFlow<()>,
) -> Result<ReadSummary, IngestError> {
    let mut walker = Walker {
        format,
        sink: Sink::new(on_event),
        sources: 0,
    };
    for path in paths {
        if walker.path(path, 0)?.is_break() {
            break;
        }
    }
    Ok(ReadSummary {
        sources: walker.sources,
        records: walker.sink.records,
        rejects: walker.sink.rejects,
    })
}

/// The total size of the files under `paths` (directories recursively), for
/// a progress bar fed by [`Event::SourceDone`] byte counts. Unreadable paths
/// count as 0.
pub fn total_input_bytes(paths: &[PathBuf]) -> u64 {
    fn walk(path: &Path, depth: usize) -> u64 {
        let Ok(meta) = fs::metadata(path) else {
            return 0;
        };
        if meta.is_file() {
            return meta.len();
        }
        if !meta.is_dir() || depth > MAX_DEPTH {
            return 0;
        }
        let Ok(entries) = fs::read_dir(path) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|e| !is_hidden(&e.file_name().to_string_lossy()))
            .filter(|e| {
                e.file_type()
                    .is_ok_and(|t| !t.is_symlink() || e.path().is_file())
            })
            .map(|e| walk(&e.path(), depth + 1))
            .sum()
    }
    paths.iter().map(|p| walk(p, 0)).sum()
}

const MAX_DEPTH: usize = 64;

struct Walker<'a> {
    format: Format,
    sink: Sink<'a>,
    sources: usize,
}

type Flow = Result<ControlFlow<()>, IngestError>;

impl Walker<'_> {
    fn path(&mut self, path: &Path, depth: usize) -> Flow {
        let name = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| IngestError::io(&name, e))?;
        if meta.is_file() {
            return self.file(path);
        }
        if !meta.is_dir() {
            return Err(IngestError::NotAFile { path: name });
        }
        if depth > MAX_DEPTH {
            return Ok(ControlFlow::Continue(()));
        }
        let mut entries: Vec<(String, PathBuf, fs::FileType)> = Vec::new();
        for entry in fs::read_dir(path).map_err(|e| IngestError::io(&name, e))? {
            let entry = entry.map_err(|e| IngestError::io(&name, e))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let file_type = entry
                .file_type()
                .map_err(|e| IngestError::io(entry.path().display().to_string(), e))?;
            entries.push((file_name, entry.path(), file_type));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (file_name, child, file_type) in entries {
            if is_hidden(&file_name) {
                continue;
            }
            let is_dir = file_type.is_dir();
            let is_file = file_type.is_file() || (file_type.is_symlink() && child.is_file());
            let flow = if is_dir {
                self.path(&child, depth + 1)?
            } else if is_file && looks_like(self.format, &file_name) {
                self.file(&child)?
            } else {
                continue;
            };
            if flow.is_break() {
                return Ok(flow);
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    fn file(&mut self, path: &Path) -> Flow {
        let name = path.display().to_string();
        let lower = name.to_ascii_lowercase();
        let file = File::open(path).map_err(|e| IngestError::io(&name, e))?;
        let consumed = Rc::new(Cell::new(0u64));
        let reader = BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: file,
                count: Rc::clone(&consumed),
            },
        );
        if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
            return self.archive(&name, MultiGzDecoder::new(reader), &consumed);
        }
        if lower.ends_with(".tar") {
            return self.archive(&name, reader, &consumed);
        }
        let flow = if lower.ends_with(".gz") {
            self.stream(&name, MultiGzDecoder::new(reader))
        } else {
            self.stream(&name, reader)
        }
        .map_err(|e| IngestError::io(&name, e))?;
        self.sources += 1;
        if flow.is_break() {
            return Ok(flow);
        }
        Ok(self.sink.source_done(name, consumed.get()))
    }

    fn archive(&mut self, name: &str, reader: impl Read, consumed: &Rc<Cell<u64>>) -> Flow {
        let mut archive = tar::Archive::new(reader);
        let mut reported = 0u64;
        for entry in archive.entries().map_err(|e| IngestError::io(name, e))? {
            let entry = entry.map_err(|e| IngestError::io(name, e))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let member = entry
                .path()
                .map_err(|e| IngestError::io(name, e))?
                .to_string_lossy()
                .into_owned();
            let base = member.rsplit('/').next().unwrap_or(&member);
            if is_hidden(base) || !looks_like(self.format, base) {
                continue;
            }
            let source = format!("{name}!{member}");
            let flow = if member.to_ascii_lowercase().ends_with(".gz") {
                self.stream(&source, MultiGzDecoder::new(entry))
            } else {
                self.stream(&source, entry)
            }
            .map_err(|e| IngestError::io(&source, e))?;
            self.sources += 1;
            if flow.is_break() {
                return Ok(flow);
            }
            let now = consumed.get();
            let flow = self.sink.source_done(source, now.saturating_sub(reported));
            reported = now;
            if flow.is_break() {
                return Ok(flow);
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Parses one document from `reader`: line by line for JSON lines,
    /// whole otherwise.
    fn stream(&mut self, source: &str, reader: impl Read) -> io::Result<ControlFlow<()>> {
        if !self.format.is_line_based() {
            let mut bytes = Vec::new();
            let mut reader = reader;
            reader.read_to_end(&mut bytes)?;
            return Ok(parse_document(
                self.format,
                source,
                &bytes,
                None,
                &mut self.sink,
            ));
        }
        let mut reader = BufReader::with_capacity(1 << 18, reader);
        let mut line = Vec::with_capacity(1 << 12);
        let mut line_no = 0u64;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(ControlFlow::Continue(()));
            }
            line_no += 1;
            if parse_line(self.format, source, line_no, &line, &mut self.sink).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
    }
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Whether a directory entry or archive member named `name` holds `format`.
fn looks_like(format: Format, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    let exts: &[&str] = match format {
        Format::HfDaily => &[".json"],
        Format::ArxivSnapshot | Format::PapersJsonl => &[".jsonl", ".json", ".ndjson"],
        Format::ArxivAtom | Format::ArxivOai => &[".xml", ".atom"],
    };
    exts.iter().any(|ext| lower.ends_with(ext))
}

/// Counts the bytes read from the file, for progress reporting.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}
