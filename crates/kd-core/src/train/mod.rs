//! The one training loop every experiment uses.
//!
//! A run is described by a [`TrainSpec`] (serializable; its hash is the run-store key). The
//! loop trains the student on the autodiff device; the teacher stage ([`teacher`]) gives each
//! batch the teachers' logits (live on the augmented batch, or looked up in a table computed once
//! when the images never change); [`step::train_step`] turns them into the method's named loss
//! terms and one optimizer step. The loop logs each term, train accuracy and validation/test
//! errors per epoch, checkpoints every epoch, and can resume a killed run to bit-identical final
//! numbers (all randomness is derived from seed, stream and epoch).
//!
//! A run that is already in the store is loaded, not trained; within one process it is loaded
//! once (memoised by key); across processes the store's per-key lock makes sure it is trained
//! once.

pub mod eval;
pub mod graph;
pub mod harness;
pub mod optim;
pub mod search;
pub mod shard;
pub mod sobolev;
pub mod spec;
pub mod step;
pub mod teacher;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::data::dataloader::DataLoaderBuilder;
use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::batch::images_tensor;
use crate::data::{Batcher, ImageSet, IndexDataset, Splits};
use crate::error::{KdError, Result};
use crate::methods::{Distiller, FeatureShapes};
use crate::models::{Net, Outputs};
use crate::rng::{stream_rng, stream_seed};
use crate::runs::{
    BURN_VERSION, Diverged, EpochMetrics, Manifest, Progress, RunStore, git_commit, load_model,
    load_optimizer, load_record, read_json, save_checkpoint,
};

pub use eval::{
    agreement, best_bias_shift, error_count, error_count_with_bias, errors_on_classes, logits_of,
    mean_kl, predictions,
};
pub use graph::{Plan, PlannedRun, RunNode};
pub use optim::{LrSchedule, OptimizerSpec};
pub use shard::Shard;
pub use spec::{Recipe, TrainSpec};
pub use step::{
    Position, StepInputs, StepStats, StepStreams, Trainable, step_with_teachers, train_step,
};
pub use teacher::TeacherStage;

/// A finished run: the model (on the plain device) and its history.
#[derive(Debug, Clone)]
pub struct TrainedRun {
    pub key: String,
    pub label: String,
    pub spec: TrainSpec,
    /// In eval mode, on the plain device.
    pub model: Net,
    pub history: Vec<EpochMetrics>,
    pub wall_seconds: f64,
    /// Loaded from the run store rather than trained now.
    pub reused: bool,
}

impl TrainedRun {
    /// Row-major `[set.len(), classes]` logits of the model on `set`, with the run's own input
    /// normalisation.
    pub fn logits(&self, set: &ImageSet, device: &Device) -> Vec<f32> {
        logits_of(&self.model, set, self.spec.normalize.as_ref(), device)
    }

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

    /// Final-epoch test accuracy and test accuracy at the epoch of fewest validation errors,
    /// in % (what every paper's tables report).
    pub fn accuracies(&self) -> (f64, f64) {
        let final_acc = 100.0 * (1.0 - self.final_epoch().test_error_rate());
        let at_best_val = 100.0 * (1.0 - self.best_validation_epoch().test_error_rate());
        (final_acc, at_best_val)
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
    /// Run every teacher live even where its logits could be cached (for testing that the two
    /// give the same training; not part of the run key, since they do).
    pub force_live_teachers: bool,
    /// Teachers this process has obtained, by key: each is loaded once per process. (Only
    /// teachers: a student is usually asked for once, and keeping every model would hold
    /// gigabytes over a long invocation.)
    loaded: Mutex<HashMap<String, TrainedRun>>,
    /// Planning (`--plan`): record every requested run instead of training it.
    plan: Option<Mutex<Plan>>,
    /// Sharded (`--shard I/N`, planning too): train for real only this shard's runs whose
    /// teachers are stored ([`shard`]).
    shard: Option<Shard>,
    /// Wall time in seconds of every run handed out (trained, loaded or memoised), by key.
    used: Mutex<BTreeMap<String, f64>>,
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
            force_live_teachers: false,
            loaded: Mutex::new(HashMap::new()),
            plan: None,
            shard: None,
            used: Mutex::new(BTreeMap::new()),
        }
    }

    /// (number of distinct runs this trainer handed out, the sum of their training wall times
    /// in minutes): what an invocation's experiments cost, whether trained now or reused.
    pub fn training_time(&self) -> (usize, f64) {
        let used = self.used.lock().expect("run accounting poisoned");
        (used.len(), used.values().sum::<f64>() / 60.0)
    }

    /// This trainer, planning: [`Trainer::train`] records each run it is asked for (see
    /// [`graph`]) and hands back the stored run or an untrained stand-in; nothing is trained.
    pub fn planning(mut self) -> Self {
        self.plan = Some(Mutex::new(Plan::default()));
        self
    }

    /// This trainer, sharded: it plans like [`Trainer::planning`] and trains for real the runs
    /// `shard` owns whose teachers are in the store (see [`shard`]).
    pub fn sharded(self, shard: Shard) -> Self {
        let mut trainer = self.planning();
        trainer.shard = Some(shard);
        trainer
    }

    pub fn shard(&self) -> Option<Shard> {
        self.shard
    }

    pub fn is_planning(&self) -> bool {
        self.plan.is_some()
    }

    /// What a planning trainer recorded so far.
    pub fn plan(&self) -> Option<Plan> {
        self.plan
            .as_ref()
            .map(|p| p.lock().expect("plan poisoned").clone())
    }

    /// Trains the run `spec` describes, or loads it if the store already has it. `teachers` are
    /// the runs named by `spec.teachers`, in that order.
    pub fn train(
        &self,
        label: &str,
        spec: &TrainSpec,
        splits: &Splits,
        teachers: &[TrainedRun],
    ) -> Result<TrainedRun> {
        self.train_from(label, spec, splits, teachers, &[])
    }

    /// [`Trainer::train`] for a run that starts from stored runs: `starts` are the runs named by
    /// `spec.init_from`, in that order (the student's, then each peer's).
    pub fn train_from(
        &self,
        label: &str,
        spec: &TrainSpec,
        splits: &Splits,
        teachers: &[TrainedRun],
        starts: &[TrainedRun],
    ) -> Result<TrainedRun> {
        check_run(label, spec, splits, teachers)?;
        check_starts(label, spec, starts)?;
        let key = spec.key();
        if let Some(run) = self.memoised(&key, label) {
            return Ok(run);
        }
        let stand_in = self.plan_run(label, spec, splits, &self.store)?;
        let run = match (stand_in, self.store.completed(&key)?) {
            (Some(run), _) => run,
            (None, Some(manifest)) => self.load_completed(label, spec, manifest)?,
            (None, None) => {
                if let Some(d) = self.store.divergence(&key)? {
                    return Err(d.error(label));
                }
                let _lock = self.store.lock(&key, label)?;
                // Another process may have finished it while this one waited for the lock.
                if let Some(d) = self.store.divergence(&key)? {
                    return Err(d.error(label));
                }
                match self.store.completed(&key)? {
                    Some(manifest) => self.load_completed(label, spec, manifest)?,
                    None => match self.run(label, spec, &key, splits, teachers) {
                        Ok(run) => run,
                        Err(e) => {
                            if let Some(d) = Diverged::from_error(&e) {
                                self.store.record_divergence(&key, &d)?;
                            }
                            return Err(e);
                        }
                    },
                }
            }
        };
        self.note_use(&run);
        Ok(run)
    }

    fn memoised(&self, key: &str, label: &str) -> Option<TrainedRun> {
        let memo = self.loaded.lock().expect("run memo poisoned");
        let run = memo.get(key).map(|run| TrainedRun {
            label: label.into(),
            reused: true,
            ..run.clone()
        })?;
        self.note_use(&run);
        Some(run)
    }

    /// Keeps `run` for the rest of the process (see [`Trainer::obtain`]).
    fn keep(&self, run: &TrainedRun) {
        self.loaded
            .lock()
            .expect("run memo poisoned")
            .insert(run.key.clone(), run.clone());
    }

    fn note_use(&self, run: &TrainedRun) {
        self.used
            .lock()
            .expect("run accounting poisoned")
            .insert(run.key.clone(), run.wall_seconds);
    }

    fn load_completed(
        &self,
        label: &str,
        spec: &TrainSpec,
        manifest: Manifest,
    ) -> Result<TrainedRun> {
        let dir = self.store.dir(&manifest.key);
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
        splits: &Splits,
        teachers: &[TrainedRun],
    ) -> Result<TrainedRun> {
        let dir = &self.store.dir(key);
        // One line per trained run (tests count them: a key is trained once per store).
        eprintln!("{label}: training run {key}");
        let ad = self.device.clone().autodiff();
        let transfer = Arc::new(splits.train.subset(&spec.transfer));
        if transfer.is_empty() {
            return Err(KdError::Config(format!(
                "run `{label}` has an empty transfer set"
            )));
        }
        let ckpt_dir = dir.join("checkpoint");
        let progress_path = ckpt_dir.join("progress.json");
        let (mut model, mut optim, mut progress) = match (progress_path.is_file(), self.resume) {
            (true, true) => {
                let p: Progress = read_json(&progress_path)?;
                let epoch_dir = ckpt_dir.join(format!("epoch-{}", p.epochs_done));
                let fresh = self.fresh_trainable(spec, teachers, &transfer, &ad)?;
                let model =
                    load_record(fresh, &epoch_dir.join("model.bpk"))?.with_distinct_peer_ids();
                let optim = load_optimizer(spec.optimizer.build(), &epoch_dir.join("optim.bpk"))?;
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
                self.store.clear(key)?;
                let fresh = Progress {
                    epochs_done: 0,
                    history: Vec::new(),
                    wall_seconds: 0.0,
                };
                let mut model = self.fresh_trainable(spec, teachers, &transfer, &ad)?;
                if !spec.init_from.is_empty() {
                    model = self.start_from_stored(label, model, spec)?;
                }
                let model = model.with_distinct_peer_ids();
                (model, spec.optimizer.build(), fresh)
            }
        };
        self.store.write_config(key, spec)?;

        let teachers = TeacherStage::for_run(
            spec,
            teachers,
            &transfer,
            &self.device,
            self.force_live_teachers,
        );
        let iters = (transfer.len() * spec.repeats).div_ceil(spec.batch_size);
        let term_names = spec.method.term_names();
        let bar = self.progress_bar(label, (spec.epochs - progress.epochs_done) * iters);

        for epoch in progress.epochs_done..spec.epochs {
            let started = Instant::now();
            let batcher = Batcher {
                set: transfer.clone(),
                augment: spec.augment.clone(),
                normalize: spec.normalize.clone(),
                rng: Arc::new(Mutex::new(stream_rng(spec.seed, "augment", epoch))),
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
            let mut streams = StepStreams::for_epoch(spec.seed, epoch);
            let mut sums = vec![0.0f64; term_names.len()];
            let (mut correct, mut seen, mut batches, mut lr) = (0.0f64, 0usize, 0usize, 0.0);
            for (iter, batch) in loader.iter().enumerate() {
                let batch = batch.map_err(|e| KdError::Report(format!("data loader: {e}")))?;
                lr = spec
                    .schedule
                    .lr(spec.optimizer.base_lr(), epoch, iter, iters, spec.epochs);
                let at = Position {
                    epoch,
                    epochs: spec.epochs,
                    iter,
                    iters,
                };
                let (next, stats) = step_with_teachers(
                    model,
                    &mut optim,
                    &spec.model,
                    &spec.method,
                    &teachers,
                    &batch,
                    &mut streams,
                    at,
                    lr,
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
            let valid = model.net.valid();
            let norm = spec.normalize.as_ref();
            let val_errors = error_count(
                &logits_of(&valid, &splits.validation, norm, &self.device),
                &splits.validation.labels,
                valid.num_classes(),
            );
            let test_errors = error_count(
                &logits_of(&valid, &splits.test, norm, &self.device),
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

        let model = model.net.valid();
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
            // Filled in by the store from the file it writes.
            model_sha256: None,
        };
        self.store.finish(&model, &progress.history, &manifest)?;
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

    /// A freshly initialised student on `device` and, for methods that own parameters or peer
    /// nets or read features, [`Distiller::init_aux`] on the feature shapes of the student and
    /// the teachers on one image (its parameters, or just the shapes' check).
    fn fresh_trainable(
        &self,
        spec: &TrainSpec,
        teachers: &[TrainedRun],
        transfer: &ImageSet,
        device: &Device,
    ) -> Result<Trainable> {
        let net = spec.model.init(spec.seed, device);
        let needs = spec.method.needs();
        if !(needs.aux_params || needs.teacher_features || needs.peers > 0) {
            return Ok(Trainable::net(net));
        }
        let x = images_tensor(transfer, 0..1, spec.normalize.as_ref(), &self.device);
        let shapes = |out: Outputs| -> Vec<(&'static str, [usize; 4])> {
            out.features.iter().map(|(n, f)| (*n, f.dims())).collect()
        };
        let feature_shapes = FeatureShapes {
            student: shapes(net.valid().forward(x.clone(), None)),
            teachers: teachers
                .iter()
                .map(|t| shapes(t.model.forward(x.clone(), None)))
                .collect(),
        };
        let aux = spec
            .method
            .init_aux(&spec.model, &feature_shapes, spec.seed, device)?;
        if aux.nets.len() != needs.peers {
            return Err(KdError::Config(format!(
                "method `{}` declares {} peer net(s) but built {}",
                spec.method.describe(),
                needs.peers,
                aux.nets.len()
            )));
        }
        Ok(Trainable { net, aux })
    }

    /// `fresh` with the student and its peers replaced by the trained nets of the stored runs
    /// `spec.init_from` names (read from their `model.bpk`, onto the training device).
    fn start_from_stored(
        &self,
        label: &str,
        fresh: Trainable,
        spec: &TrainSpec,
    ) -> Result<Trainable> {
        let Trainable { net, mut aux } = fresh;
        let weights = |key: &String| self.store.dir(key).join("model.bpk");
        let net = load_record(net, &weights(&spec.init_from[0]))?;
        // As many peers as starts after the student's: `fresh_trainable` checked the method
        // built `needs.peers`, the spec's validation that it names one start per net.
        aux.nets = std::mem::take(&mut aux.nets)
            .into_iter()
            .zip(&spec.init_from[1..])
            .map(|(peer, key)| load_record(peer, &weights(key)))
            .collect::<Result<_>>()?;
        eprintln!(
            "{label}: starting from the trained net(s) of run(s) {}",
            spec.init_from.join(", ")
        );
        Ok(Trainable { net, aux })
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

/// Everything about a run that can be checked before its directory is touched: the spec
/// itself, that it fits the data it is given (model input shape, normalisation channels) and
/// that its teachers are the ones it names and can serve it.
fn check_run(
    label: &str,
    spec: &TrainSpec,
    splits: &Splits,
    teachers: &[TrainedRun],
) -> Result<()> {
    spec.validate()?;
    if spec.splits != splits.fingerprint() {
        return Err(KdError::Config(format!(
            "run `{label}` was specified for other data than it is given"
        )));
    }
    let shape = splits.input_shape();
    if !spec.model.accepts(shape) {
        return Err(KdError::Config(format!(
            "run `{label}`: {} was built for other inputs than these {shape:?} images",
            spec.model.describe()
        )));
    }
    if let Some(n) = &spec.normalize {
        n.validate(shape[0])?;
    }
    let given: Vec<&str> = teachers.iter().map(|t| t.key.as_str()).collect();
    if spec.teachers != given {
        return Err(KdError::Config(format!(
            "run `{label}` names teachers {:?} but was given {given:?}",
            spec.teachers
        )));
    }
    // A teacher may run on the student's batch (live logits, features, tangents), which is
    // normalised the student's way: one normalisation for both, always.
    if let Some(t) = teachers.iter().find(|t| t.spec.normalize != spec.normalize) {
        return Err(KdError::Config(format!(
            "run `{label}`: teacher `{}` was trained with another input normalisation than its \
             student; give both the same",
            t.label
        )));
    }
    if spec.method.needs_tangents()
        && let Some(t) = teachers.iter().find(|t| !Net::supports_jvp(&t.spec.model))
    {
        return Err(KdError::Config(format!(
            "run `{label}`: method `{}` needs the teacher's input derivatives in forward mode, \
             which {} (teacher `{}`) does not implement",
            spec.method.describe(),
            t.spec.model.describe(),
            t.label
        )));
    }
    Ok(())
}

/// That the runs a run starts from are the ones `spec.init_from` names and hold nets of the
/// student's architecture, trained on the same normalisation.
fn check_starts(label: &str, spec: &TrainSpec, starts: &[TrainedRun]) -> Result<()> {
    let given: Vec<&str> = starts.iter().map(|t| t.key.as_str()).collect();
    if spec.init_from != given {
        return Err(KdError::Config(format!(
            "run `{label}` starts from runs {:?} but was given {given:?}",
            spec.init_from
        )));
    }
    let normalised = |s: &TrainSpec| if s.normalize.is_some() { "yes" } else { "no" };
    for start in starts {
        if start.spec.model != spec.model || start.spec.normalize != spec.normalize {
            return Err(KdError::Config(format!(
                "run `{label}` starts from run `{}`, which trained {} (normalised {}), but the \
                 run trains {} (normalised {}): a run can start only from a net of its own \
                 architecture and input normalisation",
                start.label,
                start.spec.model.describe(),
                normalised(&start.spec),
                spec.model.describe(),
                normalised(spec),
            )));
        }
    }
    Ok(())
}

/// Passes per epoch over a transfer set of `n` images so that an epoch holds about as many
/// samples as one over the whole `full`-image split (at most `max_repeats`).
pub fn repeats_for(n: usize, full: usize, max_repeats: usize) -> usize {
    let factor = (full as f64 / n.max(1) as f64).min(max_repeats as f64);
    factor.round().max(1.0) as usize
}
