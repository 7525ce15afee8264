//! The one error type of the search crate.
//!
//! Nothing a user types into a search box is an error: malformed query syntax
//! falls back to plain terms. These errors are the operator's (a missing or
//! corrupt model, an unreadable index, a mismatched vector file) or bugs.

use std::path::PathBuf;

/// Everything that can go wrong in `papers-search`.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The keyword index could not be opened, written or read.
    #[error("keyword index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A tantivy directory could not be opened.
    #[error("keyword index directory {path}: {message}")]
    IndexDirectory { path: PathBuf, message: String },
    #[error("I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A model file is absent from the model directory.
    #[error(
        "model file {path} is missing; run scripts/fetch-model.sh DIR (or enable the hub-download feature)"
    )]
    ModelFileMissing { path: PathBuf },
    /// A model file is there but is not the expected one.
    #[error("model file {path} has sha256 {actual}, expected {expected}; fetch it again")]
    ModelHashMismatch {
        path: PathBuf,
        expected: &'static str,
        actual: String,
    },
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// ONNX Runtime could not be loaded, or failed to run the int8 model
    /// (`OnnxEmbedder`).
    #[error("ONNX Runtime: {0}")]
    Onnx(String),
    #[error("model config {path}: {source}")]
    ModelConfig {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("download of {url}: {message}")]
    Download { url: String, message: String },
    /// A vector does not have the index's dimension.
    #[error("vector has {actual} dimensions, expected {expected}")]
    Dimension { expected: usize, actual: usize },
    /// Stored vectors were made by another model than the embedder in use:
    /// the caller should offer to re-embed rather than mix them.
    #[error("vectors were made by model {stored:?}, but the embedder is {embedder:?}; re-embed")]
    ModelMismatch { stored: String, embedder: String },
    /// A persisted vector set is truncated, corrupt or of an unknown version.
    #[error("vector set: {0}")]
    VectorFormat(String),
    /// `similar` was asked about a paper that has no vector.
    #[error("no vector for paper {0:?}")]
    UnknownPaper(String),
    /// Semantic search was needed (e.g. for similar papers) but no
    /// embedder or vectors are attached.
    #[error("semantic search is not available (no embedding model loaded)")]
    SemanticUnavailable,
    /// An evaluation collection could not be parsed.
    #[error("evaluation data {path}: {message}")]
    EvalFormat { path: PathBuf, message: String },
    #[error("thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

impl SearchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SearchError::Io {
            path: path.into(),
            source,
        }
    }
}
