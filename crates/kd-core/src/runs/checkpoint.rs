//! Model and optimizer records (burnpack) and the per-epoch checkpoint a killed run resumes
//! from.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::{KdError, Result};
use crate::models::{ModelSpec, Net};
use crate::runs::history::EpochMetrics;
use crate::runs::store::write_json;

/// How far an interrupted run got (`checkpoint/progress.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Progress {
    pub epochs_done: usize,
    pub history: Vec<EpochMetrics>,
    pub wall_seconds: f64,
}

fn record_error(path: &Path, e: impl std::fmt::Debug) -> KdError {
    KdError::Record {
        path: path.into(),
        reason: format!("{e:?}"),
    }
}

/// Saves a module's weights (and BatchNorm running statistics) as burnpack, atomically. Take
/// it from the eval-mode copy (`valid()`): see [`save_checkpoint`].
pub fn save_record<M: Module>(module: &M, path: &Path) -> Result<()> {
    let bytes = module
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| record_error(path, e))?;
    crate::fsio::write_atomic(path, &bytes)
}

/// Loads what [`save_record`] wrote into `fresh` (a module of the same structure).
pub fn load_record<M: Module>(fresh: M, path: &Path) -> Result<M> {
    let bytes = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| record_error(path, e))?;
    fresh
        .try_load_record(record)
        .map_err(|e| record_error(path, e))
}

/// Saves a net's weights as burnpack, atomically.
pub fn save_model(model: &Net, path: &Path) -> Result<()> {
    save_record(model, path)
}

/// Loads weights saved by [`save_model`] into a net of `spec` on `device`.
pub fn load_model(spec: &ModelSpec, seed: u64, path: &Path, device: &Device) -> Result<Net> {
    load_record(spec.init(seed, device), path)
}

/// Restores the state saved in `path` into `fresh` (an optimizer built from the run's spec).
pub fn load_optimizer(fresh: ModuleOptimizer, path: &Path) -> Result<ModuleOptimizer> {
    let bytes = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| record_error(path, e))?;
    Ok(fresh.load_record(record))
}

/// Writes `epoch-N/` completely, then points `progress.json` at it, then drops older epochs:
/// a kill at any moment leaves a consistent latest checkpoint.
pub fn save_checkpoint<M: Module>(
    ckpt_dir: &Path,
    model: &M,
    optim: &ModuleOptimizer,
    progress: &Progress,
) -> Result<()> {
    let epoch_dir = ckpt_dir.join(format!("epoch-{}", progress.epochs_done));
    // From the eval-mode copy: on the autodiff device a BatchNorm's latest running-statistics
    // update sits in a per-thread buffer that `into_record` does not see until the next
    // forward (measured in models::layers' tests); `valid()` flushes it.
    save_record(&model.valid(), &epoch_dir.join("model.bpk"))?;
    let optim_path = epoch_dir.join("optim.bpk");
    let bytes = optim
        .into_bytes()
        .map_err(|e| record_error(&optim_path, e))?;
    crate::fsio::write_atomic(&optim_path, &bytes)?;
    write_json(&ckpt_dir.join("progress.json"), progress)?;
    for entry in std::fs::read_dir(ckpt_dir).map_err(|e| KdError::io(ckpt_dir, e))? {
        let path: PathBuf = entry.map_err(|e| KdError::io(ckpt_dir, e))?.path();
        if path.is_dir() && path != epoch_dir {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    Ok(())
}
