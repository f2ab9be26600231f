//! The one training loop every experiment uses.
//!
//! A run is described by a [`TrainSpec`] (serializable; its hash is the run-store key). The
//! loop trains the student on the autodiff device, reads the teacher's logits from a table
//! computed once on the plain device, logs each named loss term, train accuracy and
//! validation/test errors per epoch, checkpoints every epoch, and can resume a killed run to
//! bit-identical final numbers (all randomness is derived from seed, stream and epoch).

pub mod eval;
pub mod optim;
pub mod sobolev;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::data::{DigitBatcher, ImageSet, IndexDataset, Jitter, Splits, Subset, TangentTeacher};
use crate::error::{KdError, Result};
use crate::methods::Method;
use crate::models::{ForwardJvp, Mlp, MlpConfig};
use crate::rng::{stream_rng, stream_seed};
use crate::runs::{BURN_VERSION, Manifest, RunStore, git_commit, read_json, write_json};

pub use eval::{
    agreement, best_bias_shift, error_count, error_count_with_bias, errors_on_classes, logits_of,
    mean_kl, predictions,
};
pub use optim::{LrSchedule, OptimizerSpec};

/// Everything that determines a trained model. Two equal specs give identical models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub model: MlpConfig,
    pub dataset: String,
    /// [`Splits::fingerprint`] of the data the run was trained and evaluated on.
    pub splits: String,
    /// The part of the training split the run learns from (the transfer set).
    pub transfer: Subset,
    pub method: Method,
    /// Run key of the teacher whose logits the method distils.
    pub teacher: Option<String>,
    pub optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    pub epochs: usize,
    /// Passes over the transfer set per epoch (> 1 gives a small transfer set as many steps
    /// per epoch as a large one).
    pub repeats: usize,
    pub batch_size: usize,
    /// Maximum translation in pixels of the jitter augmentation, if used.
    pub jitter: Option<usize>,
    pub seed: u64,
}

impl TrainSpec {
    /// Hinton et al. (2015)'s MNIST teacher ([`MlpConfig::hinton_teacher`]) trained on the hard
    /// labels of the whole training split, its inputs jittered by up to 2 pixels. The optimizer,
    /// schedule, epochs and batch size are the caller's (each paper's profile sets them).
    pub fn hinton_teacher(
        splits: &Splits,
        optimizer: OptimizerSpec,
        schedule: LrSchedule,
        epochs: usize,
        batch_size: usize,
        seed: u64,
    ) -> TrainSpec {
        TrainSpec {
            model: MlpConfig::hinton_teacher(splits.input_dim(), splits.num_classes()),
            dataset: splits.dataset.clone(),
            splits: splits.fingerprint(),
            transfer: Subset::All,
            method: Method::HardLabels(crate::methods::HardLabels {}),
            teacher: None,
            optimizer,
            schedule,
            epochs,
            repeats: 1,
            batch_size,
            jitter: Some(2),
            seed,
        }
    }

    pub fn key(&self) -> String {
        RunStore::key(self)
    }

    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.method.validate()?;
        if self.epochs == 0 || self.batch_size == 0 || self.repeats == 0 {
            return Err(KdError::Config(format!(
                "epochs, repeats and batch size must be positive (got {}, {} and {})",
                self.epochs, self.repeats, self.batch_size
            )));
        }
        let lr = self.optimizer.base_lr();
        if lr.is_nan() || lr <= 0.0 {
            return Err(KdError::Config(format!(
                "learning rate must be positive, got {}",
                self.optimizer.base_lr()
            )));
        }
        if self.method.needs_tangents()
            && (self.model.input_dropout > 0.0 || self.model.hidden_dropout > 0.0)
        {
            return Err(KdError::Config(format!(
                "method `{}` matches input derivatives, which the forward-mode pass computes \
                 without dropout: use a student without dropout",
                self.method.describe()
            )));
        }
        if self.method.needs_teacher() && self.jitter.is_some() {
            // The teacher's logits are computed once, on the unjittered transfer set: a jittered
            // student would be matched to the logits of another image.
            return Err(KdError::Config(format!(
                "method `{}` distils cached teacher logits of unjittered images: a student \
                 trained with jitter would be matched to the logits of other images; train \
                 the student without jitter",
                self.method.describe()
            )));
        }
        if self.method.needs_teacher() != self.teacher.is_some() {
            return Err(KdError::Config(format!(
                "method `{}` {} a teacher",
                self.method.describe(),
                if self.method.needs_teacher() {
                    "needs"
                } else {
                    "takes no"
                }
            )));
        }
        Ok(())
    }
}

/// Metrics of one epoch (the rows of `metrics.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based.
    pub epoch: usize,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    /// Mean of each named (weighted) loss term over the epoch's batches.
    pub terms: Vec<(String, f64)>,
    pub loss: f64,
    pub train_accuracy: f64,
    pub val_errors: usize,
    pub val_total: usize,
    pub test_errors: usize,
    pub test_total: usize,
    pub seconds: f64,
}

impl EpochMetrics {
    pub fn val_error_rate(&self) -> f64 {
        self.val_errors as f64 / self.val_total.max(1) as f64
    }

    pub fn test_error_rate(&self) -> f64 {
        self.test_errors as f64 / self.test_total.max(1) as f64
    }
}

/// A finished run: the model (on the plain device) and its history.
#[derive(Debug, Clone)]
pub struct TrainedRun {
    pub key: String,
    pub label: String,
    pub spec: TrainSpec,
    pub model: Mlp,
    pub history: Vec<EpochMetrics>,
    pub wall_seconds: f64,
    /// Loaded from the run store rather than trained now.
    pub reused: bool,
}

impl TrainedRun {
    pub fn final_epoch(&self) -> &EpochMetrics {
        self.history.last().expect("a finished run has epochs")
    }

    /// The epoch with the fewest validation errors (earliest on ties): model selection that
    /// never looks at the test set.
    pub fn best_validation_epoch(&self) -> &EpochMetrics {
        self.history
            .iter()
            .reduce(|best, e| {
                if e.val_errors < best.val_errors {
                    e
                } else {
                    best
                }
            })
            .expect("a finished run has epochs")
    }
}

/// Where and how runs are trained.
pub struct Trainer {
    /// The plain device; training uses `device.autodiff()`.
    pub device: Device,
    pub device_name: String,
    pub store: RunStore,
    /// Continue an interrupted run from its last checkpoint instead of starting it over.
    pub resume: bool,
    pub progress: bool,
    /// Stop a run after this many epochs, leaving its checkpoint as a killed run would (for
    /// testing resume); the call then fails with [`KdError::Interrupted`].
    pub stop_after_epochs: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Progress {
    epochs_done: usize,
    history: Vec<EpochMetrics>,
    wall_seconds: f64,
}

impl Trainer {
    /// A trainer on `device` storing runs in `store`; no resume, no progress bars.
    pub fn new(device: Device, device_name: &str, store: RunStore) -> Self {
        Trainer {
            device,
            device_name: device_name.into(),
            store,
            resume: false,
            progress: false,
            stop_after_epochs: None,
        }
    }

    /// Trains the run `spec` describes, or loads it if the store already has it.
    pub fn train(
        &self,
        label: &str,
        spec: &TrainSpec,
        splits: &Splits,
        teacher: Option<&TrainedRun>,
    ) -> Result<TrainedRun> {
        spec.validate()?;
        if spec.splits != splits.fingerprint() {
            return Err(KdError::Config(format!(
                "run `{label}` was specified for other data than it is given"
            )));
        }
        if spec.teacher.as_deref() != teacher.map(|t| t.key.as_str()) {
            return Err(KdError::Config(format!(
                "run `{label}` names teacher {:?} but was given {:?}",
                spec.teacher,
                teacher.map(|t| &t.key)
            )));
        }
        let key = spec.key();
        let dir = self.store.dir(&key);
        if let Some(manifest) = self.store.completed(&key)? {
            return self.load_completed(label, spec, &dir, manifest);
        }
        self.run(label, spec, &key, &dir, splits, teacher)
    }

    fn load_completed(
        &self,
        label: &str,
        spec: &TrainSpec,
        dir: &Path,
        manifest: Manifest,
    ) -> Result<TrainedRun> {
        let model = load_model(&spec.model, spec.seed, &dir.join("model.bpk"), &self.device)?;
        let history: Vec<EpochMetrics> = read_json(&dir.join("history.json"))?;
        Ok(TrainedRun {
            key: manifest.key,
            label: label.into(),
            spec: spec.clone(),
            model,
            history,
            wall_seconds: manifest.wall_seconds,
            reused: true,
        })
    }

    fn run(
        &self,
        label: &str,
        spec: &TrainSpec,
        key: &str,
        dir: &Path,
        splits: &Splits,
        teacher: Option<&TrainedRun>,
    ) -> Result<TrainedRun> {
        let ad = self.device.clone().autodiff();
        let ckpt_dir = dir.join("checkpoint");
        let progress_path = ckpt_dir.join("progress.json");
        let (mut model, mut optim, mut progress) = match (progress_path.is_file(), self.resume) {
            (true, true) => {
                let p: Progress = read_json(&progress_path)?;
                let epoch_dir = ckpt_dir.join(format!("epoch-{}", p.epochs_done));
                let model = load_model(&spec.model, spec.seed, &epoch_dir.join("model.bpk"), &ad)?;
                let optim = load_optimizer(spec, &epoch_dir.join("optim.bpk"))?;
                eprintln!("{label}: resuming after epoch {}", p.epochs_done);
                (model, optim, p)
            }
            (exists, _) => {
                if exists {
                    eprintln!(
                        "{label}: found an interrupted run in {}; starting it over \
                         (pass --resume to continue it instead)",
                        dir.display()
                    );
                }
                if dir.exists() {
                    std::fs::remove_dir_all(dir).map_err(|e| KdError::io(dir, e))?;
                }
                let fresh = Progress {
                    epochs_done: 0,
                    history: Vec::new(),
                    wall_seconds: 0.0,
                };
                (
                    spec.model.init(spec.seed, &ad),
                    spec.optimizer.build(),
                    fresh,
                )
            }
        };
        write_json(&dir.join("config.json"), spec)?;

        let transfer = Arc::new(splits.train.subset(&spec.transfer));
        if transfer.is_empty() {
            return Err(KdError::Config(format!(
                "run `{label}` has an empty transfer set"
            )));
        }
        let teacher_logits =
            teacher.map(|t| Arc::new(logits_of(&t.model, &transfer, &self.device)));
        let iters = (transfer.len() * spec.repeats).div_ceil(spec.batch_size);
        let term_names = spec.method.term_names();
        let bar = self.progress_bar(label, (spec.epochs - progress.epochs_done) * iters);

        for epoch in progress.epochs_done..spec.epochs {
            let started = Instant::now();
            let batcher = DigitBatcher {
                set: transfer.clone(),
                teacher_logits: teacher_logits.clone(),
                jitter: spec.jitter.map(|max_shift| {
                    Arc::new(Jitter {
                        max_shift,
                        rng: Mutex::new(stream_rng(spec.seed, "augment", epoch)),
                    })
                }),
                tangent_teacher: match (spec.method.needs_tangents(), teacher) {
                    (true, Some(t)) => Some(Arc::new(TangentTeacher {
                        model: t.model.clone(),
                        rng: Mutex::new(stream_rng(spec.seed, "tangent", epoch)),
                    })),
                    _ => None,
                },
            };
            // A new loader per epoch, seeded by the epoch: the order of epoch k does not depend
            // on how many epochs this process has run (which is what makes resume exact).
            // No worker threads: batches arrive in a fixed order.
            let loader = DataLoaderBuilder::new(batcher)
                .batch_size(spec.batch_size)
                .shuffle(stream_seed(spec.seed, "order", epoch))
                .num_workers(0)
                .set_device(ad.clone())
                .build(IndexDataset {
                    samples: transfer.len(),
                    repeats: spec.repeats,
                });
            let mut dropout = stream_rng(spec.seed, "dropout", epoch);
            let mut sums = vec![0.0f64; term_names.len()];
            let (mut correct, mut seen, mut batches, mut lr) = (0.0f64, 0usize, 0usize, 0.0);
            for (iter, batch) in loader.iter().enumerate() {
                let batch = batch.map_err(|e| KdError::Report(format!("data loader: {e}")))?;
                lr = spec
                    .schedule
                    .lr(spec.optimizer.base_lr(), epoch, iter, iters, spec.epochs);
                let (next, stats) = train_step(
                    model,
                    &mut optim,
                    &spec.method,
                    &batch,
                    &mut dropout,
                    lr,
                    spec.model.max_norm,
                );
                model = next;
                for (i, name) in term_names.iter().enumerate() {
                    let value = stats.terms[i];
                    if !value.is_finite() {
                        bar.abandon();
                        return Err(KdError::NonFiniteLoss {
                            run: label.into(),
                            epoch: epoch + 1,
                            batch: iter + 1,
                            term: name.to_string(),
                            value: value as f64,
                        });
                    }
                    sums[i] += value as f64;
                }
                correct += stats.correct as f64;
                seen += stats.batch_size;
                batches += 1;
                bar.inc(1);
            }
            let valid = model.valid();
            let val_errors = error_count(
                &logits_of(&valid, &splits.validation, &self.device),
                &splits.validation.labels,
                valid.num_classes(),
            );
            let test_errors = error_count(
                &logits_of(&valid, &splits.test, &self.device),
                &splits.test.labels,
                valid.num_classes(),
            );
            let terms: Vec<(String, f64)> = term_names
                .iter()
                .zip(&sums)
                .map(|(n, s)| (n.to_string(), s / batches as f64))
                .collect();
            let seconds = started.elapsed().as_secs_f64();
            progress.history.push(EpochMetrics {
                epoch: epoch + 1,
                lr,
                loss: terms.iter().map(|(_, v)| v).sum(),
                terms,
                train_accuracy: correct / seen as f64,
                val_errors,
                val_total: splits.validation.len(),
                test_errors,
                test_total: splits.test.len(),
                seconds,
            });
            progress.epochs_done = epoch + 1;
            progress.wall_seconds += seconds;
            save_checkpoint(&ckpt_dir, &model, &optim, &progress)?;
            if self.stop_after_epochs == Some(epoch + 1) && epoch + 1 < spec.epochs {
                bar.abandon();
                return Err(KdError::Interrupted {
                    run: label.into(),
                    epochs: epoch + 1,
                });
            }
        }
        bar.finish_and_clear();

        let model = model.valid();
        save_model(&model, &dir.join("model.bpk"))?;
        write_json(&dir.join("history.json"), &progress.history)?;
        crate::report::write_atomic(
            &dir.join("metrics.csv"),
            metrics_csv(&progress.history).as_bytes(),
        )?;
        let manifest = Manifest {
            key: key.into(),
            label: label.into(),
            config: serde_json::to_value(spec).expect("serializable"),
            seed: spec.seed,
            git_commit: git_commit(),
            burn_version: BURN_VERSION.into(),
            device: self.device_name.clone(),
            wall_seconds: progress.wall_seconds,
            epochs: spec.epochs,
            finished_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        };
        write_json(&dir.join("manifest.json"), &manifest)?;
        let _ = std::fs::remove_dir_all(&ckpt_dir);
        Ok(TrainedRun {
            key: key.into(),
            label: label.into(),
            spec: spec.clone(),
            model,
            history: progress.history,
            wall_seconds: progress.wall_seconds,
            reused: false,
        })
    }

    fn progress_bar(&self, label: &str, total: usize) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len} steps, ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(label.to_string());
        bar
    }
}

/// What one optimisation step reports.
#[derive(Debug, Clone)]
pub struct StepStats {
    /// The value of each loss term, in [`Method::term_names`] order.
    pub terms: Vec<f32>,
    /// Correctly classified samples of the batch (training mode, i.e. with dropout).
    pub correct: f32,
    pub batch_size: usize,
}

/// One optimisation step of `model` (on the autodiff device) on `batch`: forward with dropout
/// (or, for batches with tangents, a forward-mode pass giving the logits and `J v`), the
/// method's loss terms, backward, optimizer step, max-norm projection. Reads back all
/// statistics at once (one device sync per step).
pub fn train_step(
    model: Mlp,
    optim: &mut ModuleOptimizer,
    method: &Method,
    batch: &crate::data::DigitBatch,
    dropout: &mut rand::rngs::StdRng,
    lr: f64,
    max_norm: Option<f64>,
) -> (Mlp, StepStats) {
    let b = batch.labels.dims()[0];
    let (logits, student_jvp) = match &batch.tangents {
        Some(t) => {
            let (y, jv) = model.forward_jvp(batch.images.clone(), t.directions.clone());
            (y, Some(jv))
        }
        None => (model.forward(batch.images.clone(), Some(dropout)), None),
    };
    let terms = method.loss_terms(logits.clone(), student_jvp, batch);
    let hits = logits
        .inner()
        .argmax(1)
        .reshape([b])
        .equal(batch.labels.clone().inner())
        .int()
        .sum()
        .float();
    let mut parts: Vec<Tensor<1>> = terms.terms.iter().map(|(_, t)| t.clone().inner()).collect();
    parts.push(hits);
    let mut values = crate::tensors::floats(Tensor::cat(parts, 0));
    let correct = values.pop().expect("hits were appended");
    let grads = GradientsParams::from_grads(terms.total().backward(), &model);
    let mut model = optim.step(lr, model, grads);
    if let Some(c) = max_norm {
        model = model.constrain_max_norm(c);
    }
    (
        model,
        StepStats {
            terms: values,
            correct,
            batch_size: b,
        },
    )
}

fn record_error(path: &Path, e: impl std::fmt::Debug) -> KdError {
    KdError::Record {
        path: path.into(),
        reason: format!("{e:?}"),
    }
}

/// Saves weights as burnpack, atomically.
pub fn save_model(model: &Mlp, path: &Path) -> Result<()> {
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| record_error(path, e))?;
    crate::report::write_atomic(path, &bytes)
}

/// Loads weights saved by [`save_model`] into a model of configuration `config` on `device`.
pub fn load_model(config: &MlpConfig, seed: u64, path: &Path, device: &Device) -> Result<Mlp> {
    let bytes = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| record_error(path, e))?;
    config
        .init(seed, device)
        .try_load_record(record)
        .map_err(|e| record_error(path, e))
}

fn load_optimizer(spec: &TrainSpec, path: &Path) -> Result<ModuleOptimizer> {
    let bytes = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| record_error(path, e))?;
    Ok(spec.optimizer.build().load_record(record))
}

/// Writes `epoch-N/` completely, then points `progress.json` at it, then drops older epochs:
/// a kill at any moment leaves a consistent latest checkpoint.
fn save_checkpoint(
    ckpt_dir: &Path,
    model: &Mlp,
    optim: &ModuleOptimizer,
    progress: &Progress,
) -> Result<()> {
    let epoch_dir = ckpt_dir.join(format!("epoch-{}", progress.epochs_done));
    save_model(model, &epoch_dir.join("model.bpk"))?;
    let optim_path = epoch_dir.join("optim.bpk");
    let bytes = optim
        .into_bytes()
        .map_err(|e| record_error(&optim_path, e))?;
    crate::report::write_atomic(&optim_path, &bytes)?;
    write_json(&ckpt_dir.join("progress.json"), progress)?;
    for entry in std::fs::read_dir(ckpt_dir).map_err(|e| KdError::io(ckpt_dir, e))? {
        let path: PathBuf = entry.map_err(|e| KdError::io(ckpt_dir, e))?.path();
        if path.is_dir() && path != epoch_dir {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    Ok(())
}

/// `metrics.csv`: one row per epoch.
pub fn metrics_csv(history: &[EpochMetrics]) -> String {
    let mut out = String::from("epoch,lr");
    if let Some(first) = history.first() {
        for (name, _) in &first.terms {
            out.push_str(&format!(",loss_{name}"));
        }
    }
    out.push_str(
        ",loss,train_accuracy,val_errors,val_error_rate,test_errors,test_error_rate,seconds\n",
    );
    for e in history {
        out.push_str(&format!("{},{:.6e}", e.epoch, e.lr));
        for (_, v) in &e.terms {
            out.push_str(&format!(",{v:.6}"));
        }
        out.push_str(&format!(
            ",{:.6},{:.6},{},{:.6},{},{:.6},{:.2}\n",
            e.loss,
            e.train_accuracy,
            e.val_errors,
            e.val_error_rate(),
            e.test_errors,
            e.test_error_rate(),
            e.seconds
        ));
    }
    out
}

/// Passes per epoch over a transfer set of `n` images so that an epoch holds about as many
/// samples as one over the whole `full`-image split (at most `max_repeats`).
pub fn repeats_for(n: usize, full: usize, max_repeats: usize) -> usize {
    let factor = (full as f64 / n.max(1) as f64).min(max_repeats as f64);
    factor.round().max(1.0) as usize
}

/// The transfer set a run learns from.
pub fn transfer_set(splits: &Splits, subset: &Subset) -> ImageSet {
    splits.train.subset(subset)
}
