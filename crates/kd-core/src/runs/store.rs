//! The run store: keys, run directories, per-key locks, manifests.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsio::{hex, write_atomic};
pub use crate::fsio::{read_json, write_json};
use crate::models::Net;
use crate::runs::checkpoint::save_model;
use crate::runs::history::{EpochMetrics, metrics_csv};

use crate::error::{KdError, Result};

/// Bumped whenever a change to the training code changes what a configuration produces, so old
/// runs are not reused for new code.
/// 3: specs name a `ModelSpec` (tagged by net), a list of teachers, an `Augment` stage and a
/// normalisation (the conv-net redesign; no number of a version-2 run changed).
pub const RUN_FORMAT_VERSION: u32 = 3;

/// The Burn version this workspace pins (checked against Cargo.lock by a test).
pub const BURN_VERSION: &str = "0.22.1";

#[derive(Debug, Clone)]
pub struct RunStore {
    pub root: PathBuf,
}

/// Where a run stopped on a non-finite loss (see [`RunStore::record_divergence`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diverged {
    pub epoch: usize,
    pub batch: usize,
    pub term: String,
    /// The loss value as text (`NaN`, `inf`: JSON has no such numbers).
    pub value: String,
}

impl Diverged {
    /// From a [`KdError::NonFiniteLoss`]; `None` for any other error.
    pub fn from_error(e: &KdError) -> Option<Diverged> {
        match e {
            KdError::NonFiniteLoss {
                epoch,
                batch,
                term,
                value,
                ..
            } => Some(Diverged {
                epoch: *epoch,
                batch: *batch,
                term: term.clone(),
                value: value.to_string(),
            }),
            _ => None,
        }
    }

    /// The error a request for the diverged run `label` gets.
    pub fn error(&self, label: &str) -> KdError {
        KdError::NonFiniteLoss {
            run: label.into(),
            epoch: self.epoch,
            batch: self.batch,
            term: self.term.clone(),
            value: self.value.parse().unwrap_or(f64::NAN),
        }
    }
}

/// Holds a run's lock (see [`RunStore::lock`]) until dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

/// Provenance of a finished run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub key: String,
    pub label: String,
    pub config: serde_json::Value,
    pub seed: u64,
    pub git_commit: String,
    pub burn_version: String,
    pub device: String,
    pub wall_seconds: f64,
    pub epochs: usize,
    pub finished_unix: u64,
    /// sha256 of `model.bpk` as written: a completed run whose weights no longer match it is
    /// refused, never used. (Absent in manifests written before it existed: those weights are
    /// not verifiable.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_sha256: Option<String>,
}

impl RunStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RunStore { root: root.into() }
    }

    /// The key of a configuration: 16 hex digits of sha256 over its JSON and the format version.
    pub fn key<T: Serialize>(config: &T) -> String {
        let json = serde_json::to_string(config).expect("configs serialize");
        let mut h = Sha256::new();
        h.update(RUN_FORMAT_VERSION.to_le_bytes());
        h.update(json.as_bytes());
        hex(&h.finalize()[..8])
    }

    pub fn dir(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Takes the run's lock, waiting while another process holds it: a process trains a key
    /// only while it holds its lock, so two processes sharing a store never train one key
    /// twice or write into one directory at once. Released when the guard drops (or the
    /// process dies: the OS releases file locks).
    pub fn lock(&self, key: &str, label: &str) -> Result<RunLock> {
        let dir = self.root.join(".locks");
        std::fs::create_dir_all(&dir).map_err(|e| KdError::io(&dir, e))?;
        let path = dir.join(format!("{key}.lock"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| KdError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                eprintln!("{label}: another process is training this run; waiting for it");
                file.lock().map_err(|e| KdError::io(&path, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(KdError::io(&path, e)),
        }
        Ok(RunLock { _file: file })
    }

    /// Removes whatever an earlier attempt left in the run's directory.
    pub fn clear(&self, key: &str) -> Result<()> {
        let dir = self.dir(key);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| KdError::io(&dir, e))?;
        }
        Ok(())
    }

    /// Records the configuration that produced `key` (`config.json`).
    pub fn write_config<T: Serialize>(&self, key: &str, config: &T) -> Result<()> {
        write_json(&self.dir(key).join("config.json"), config)
    }

    /// Writes a finished run — `model.bpk`, `history.json`, `metrics.csv`, then the manifest,
    /// whose presence marks completion — and drops its checkpoint.
    pub fn finish(&self, model: &Net, history: &[EpochMetrics], manifest: &Manifest) -> Result<()> {
        let dir = self.dir(&manifest.key);
        let weights = dir.join("model.bpk");
        save_model(model, &weights)?;
        write_json(&dir.join("history.json"), &history)?;
        write_atomic(&dir.join("metrics.csv"), metrics_csv(history).as_bytes())?;
        let manifest = Manifest {
            model_sha256: Some(file_sha256(&weights)?),
            ..manifest.clone()
        };
        write_json(&dir.join("manifest.json"), &manifest)?;
        let _ = std::fs::remove_dir_all(dir.join("checkpoint"));
        Ok(())
    }

    /// Records that training `key` stopped on a non-finite loss (`diverged.json`): training is
    /// deterministic, so the key would diverge again; later requests get the same error
    /// without training it.
    pub fn record_divergence(&self, key: &str, diverged: &Diverged) -> Result<()> {
        write_json(&self.dir(key).join("diverged.json"), diverged)
    }

    /// How `key` diverged, if it did.
    pub fn divergence(&self, key: &str) -> Result<Option<Diverged>> {
        let path = self.dir(key).join("diverged.json");
        if !path.is_file() {
            return Ok(None);
        }
        read_json(&path).map(Some)
    }

    /// The manifest of a completed run, if there is one, after checking that it is this key's
    /// (a run directory or manifest copied over another's would otherwise serve the wrong
    /// model) and that `model.bpk` is the file the run wrote (its sha256).
    pub fn completed(&self, key: &str) -> Result<Option<Manifest>> {
        let dir = self.dir(key);
        let path = dir.join("manifest.json");
        if !path.is_file() {
            return Ok(None);
        }
        let manifest: Manifest = read_json(&path)?;
        let fix = format!(
            "remove the directory {} (the run is retrained on the next invocation)",
            dir.display()
        );
        if manifest.key != key {
            return Err(KdError::corrupt(
                &path,
                format!(
                    "the run store is corrupt: this manifest belongs to run {} (\"{}\"), not to \
                     run {key} whose directory holds it (copied over another run?); {fix}",
                    manifest.key, manifest.label
                ),
            ));
        }
        if let Some(want) = &manifest.model_sha256 {
            let weights = dir.join("model.bpk");
            let got = file_sha256(&weights)?;
            if &got != want {
                return Err(KdError::corrupt(
                    &weights,
                    format!(
                        "the run store is corrupt: the weights' sha256 is {got}, its manifest \
                         recorded {want} when the run finished; {fix}"
                    ),
                ));
            }
        }
        Ok(Some(manifest))
    }
}

/// The sha256 of a file's bytes, as hex.
fn file_sha256(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

/// The commit of the working tree (12 hex digits), with `-dirty` when files other than the
/// generated `results/` and `runs/` differ from it; "unknown" outside git.
pub fn git_commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    let changes = git(&[
        "status",
        "--porcelain",
        "--",
        ":/",
        ":(exclude,top)results",
        ":(exclude,top)runs",
    ]);
    match changes {
        Some(c) if c.is_empty() => commit,
        _ => format!("{commit}-dirty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_every_field() {
        #[derive(Serialize)]
        struct C {
            a: u32,
            b: f64,
        }
        let k = RunStore::key(&C { a: 1, b: 0.5 });
        assert_eq!(k.len(), 16);
        assert_eq!(k, RunStore::key(&C { a: 1, b: 0.5 }));
        assert_ne!(k, RunStore::key(&C { a: 2, b: 0.5 }));
        assert_ne!(k, RunStore::key(&C { a: 1, b: 0.25 }));
    }

    #[test]
    fn burn_version_matches_the_lock_file() {
        let lock =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
                .unwrap();
        let expected = format!("name = \"burn\"\nversion = \"{BURN_VERSION}\"");
        assert!(lock.contains(&expected));
    }
}
