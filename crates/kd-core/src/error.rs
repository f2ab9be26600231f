//! Typed errors of the library. Every variant's message names the problem *and* the fix, because
//! the binaries print it as the one line a user sees.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum KdError {
    #[error("{path}: {problem}")]
    CorruptData { path: PathBuf, problem: String },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("dataset `{name}` was not found. Places tried:\n{tried}\nFix: {fix}")]
    DatasetMissing {
        name: String,
        tried: String,
        fix: String,
    },

    #[error("unknown dataset `{name}`; pass one of the known datasets to --dataset: {known}")]
    UnknownDataset { name: String, known: String },

    #[error("download of {url} failed: {reason}")]
    Download { url: String, reason: String },

    #[error(
        "checksum mismatch for {url}: expected {algorithm} {expected}, got {actual}; the file was \
         discarded. Try again later or another mirror; if it persists, the publisher changed the file"
    )]
    Checksum {
        url: String,
        /// `sha256`, `sha256 of the decompressed content` or `md5`.
        algorithm: String,
        expected: String,
        actual: String,
    },

    #[error(
        "non-finite loss ({value}) in run `{run}` at epoch {epoch}, batch {batch} (term `{term}`); \
         the run was stopped. Lower the learning rate or check the input data"
    )]
    NonFiniteLoss {
        run: String,
        epoch: usize,
        batch: usize,
        term: String,
        value: f64,
    },

    #[error("run `{run}` stopped after epoch {epochs} as requested; continue it with --resume")]
    Interrupted { run: String, epochs: usize },

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("model or checkpoint file {path}: {reason}; delete the run directory to retrain it")]
    Record { path: PathBuf, reason: String },

    #[error("{0}")]
    Report(String),
}

pub type Result<T> = std::result::Result<T, KdError>;

impl KdError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KdError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn corrupt(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        KdError::CorruptData {
            path: path.into(),
            problem: problem.into(),
        }
    }
}
