//! Dense sentence embeddings for the bot, run on the CPU with candle from a
//! local model folder in the standard layout (`model.safetensors`,
//! `config.json`, `tokenizer.json`), as laid out by `scripts/fetch-models`.
//! Nothing is downloaded: a missing folder is an error the caller turns into
//! "no model" (the bot works without one).
//!
//! Two models are known: all-MiniLM-L6-v2 (English) and
//! multilingual-e5-small (about 100 languages; texts get its `query: `
//! prefix). Both are BERT encoders, mean-pooled and L2-normalised.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationParams};

/// Folder names under the model directory.
pub const MINILM: &str = "all-minilm-l6-v2";
pub const E5_SMALL: &str = "multilingual-e5-small";

/// Messages are cut to this many tokens: support messages are short, and
/// attention cost grows with the square of the length.
pub const MAX_TOKENS: usize = 128;
/// Texts embedded together when embedding many (a knowledge base).
const BATCH: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("reading {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    BadModel { path: PathBuf, message: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

pub use kefu_bot::embedding::model_dir;
use kefu_bot::text_analysis::is_han;

/// A loaded sentence encoder.
pub struct SentenceEncoder {
    name: String,
    prefix: &'static str,
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEncoder")
            .field("name", &self.name)
            .field("dim", &self.dim)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, EmbedError> {
    std::fs::read(path).map_err(|source| EmbedError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl SentenceEncoder {
    /// Loads a model folder; its name (the folder's) says which prefix the
    /// model expects (`query: ` for e5).
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let config_path = dir.join("config.json");
        let config: Config =
            serde_json::from_slice(&read(&config_path)?).map_err(|e| EmbedError::BadModel {
                path: config_path.clone(),
                message: e.to_string(),
            })?;
        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer =
            Tokenizer::from_bytes(read(&tokenizer_path)?).map_err(|e| EmbedError::BadModel {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        // Padding is done here, per batch, with the attention mask.
        tokenizer.with_padding(None);
        let device = Device::Cpu;
        // Read into memory rather than memory-mapped: mapping needs `unsafe`
        // and the weights become f32 tensors in memory either way.
        let weights = read(&dir.join("model.safetensors"))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vb, &config)?;
        Ok(Self {
            prefix: if name.contains("e5") { "query: " } else { "" },
            name,
            model,
            tokenizer,
            device,
            dim: config.hidden_size,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Token ids of a text as the model sees it (prefix, specials, truncation).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let enc = self
            .tokenizer
            .encode(format!("{}{}", self.prefix, text), true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Embeds texts: mean pooling over tokens, L2-normalised. Texts are
    /// batched by length so little time goes into padding.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.token_ids(t))
            .collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            for (&i, v) in chunk.iter().zip(self.embed_ids(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn embed_ids(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let len = batch.iter().map(|b| b.len()).max().unwrap_or(0).max(1);
        let mut input = Vec::with_capacity(batch.len() * len);
        let mut mask = Vec::with_capacity(batch.len() * len);
        for ids in batch {
            input.extend_from_slice(ids);
            input.extend(std::iter::repeat_n(0u32, len - ids.len()));
            mask.extend(std::iter::repeat_n(1u32, ids.len()));
            mask.extend(std::iter::repeat_n(0u32, len - ids.len()));
        }
        let n = batch.len();
        let input = Tensor::from_vec(input, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let types = input.zeros_like()?;
        let hidden = self.model.forward(&input, &types, Some(&mask))?; // (n, len, dim)
        let mask_f = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask_f)?.sum(1)?; // (n, dim)
        let counts = mask_f.sum(1)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        let unit = mean.broadcast_div(&norm)?;
        Ok(unit.to_vec2::<f32>()?)
    }
}

impl kefu_bot::embedding::Embedder for SentenceEncoder {
    fn name(&self) -> &str {
        &self.name
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, kefu_bot::embedding::EmbedFailure> {
        SentenceEncoder::embed(self, texts).map_err(Into::into)
    }
}

/// Which model suits a knowledge base: multilingual-e5-small when its texts
/// contain Han characters (MiniLM's vocabulary barely covers Chinese),
/// all-MiniLM-L6-v2 otherwise (faster, English-trained); the other one when
/// the preferred one is not installed. `None` when neither folder exists.
pub fn choose_model<'a>(root: &Path, texts: impl IntoIterator<Item = &'a str>) -> Option<PathBuf> {
    let han = texts.into_iter().any(|t| t.chars().any(is_han));
    let order = if han {
        [E5_SMALL, MINILM]
    } else {
        [MINILM, E5_SMALL]
    };
    order
        .iter()
        .map(|name| root.join(name))
        .find(|dir| dir.join("model.safetensors").is_file())
}

/// Which model the sentiment evaluation joins to its lexical features:
/// multilingual-e5-small (it beat MiniLM on English review sentences, 0.918
/// against 0.905 on a held-out fifth of the UCI set), else MiniLM, and
/// none for texts with Han characters. Chinese reviews run to hundreds of
/// characters: at 128 tokens e5 costs about 3 GFLOP a text, so ChnSentiCorp's
/// 8,700 texts take far longer than the evaluation's ten minutes on two
/// cores, while short English sentences embed in seconds.
pub fn choose_sentiment_model<'a>(
    root: &Path,
    texts: impl IntoIterator<Item = &'a str>,
) -> Option<PathBuf> {
    let han = texts.into_iter().any(|t| t.chars().any(is_han));
    if han {
        return None;
    }
    [E5_SMALL, MINILM]
        .iter()
        .map(|name| root.join(name))
        .find(|dir| dir.join("model.safetensors").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_is_an_io_error_not_a_panic() {
        let err = SentenceEncoder::load(Path::new("/nonexistent/kefu-model")).unwrap_err();
        assert!(matches!(err, EmbedError::Io { .. }), "{err}");
    }

    #[test]
    fn no_model_is_chosen_from_an_empty_folder() {
        assert_eq!(choose_model(Path::new("/nonexistent"), ["hello"]), None);
    }
}
