//! The run graph: experiments declare the runs they need as nodes — a spec plus the nodes of
//! its teachers (teacher -> assistant -> student chains, ensembles) — and obtain them through
//! the [`Trainer`], which trains each distinct key once, teachers before students, and reuses it
//! across experiments, seeds and papers (the run store across processes, a memo within one).
//!
//! `--plan` walks the same experiments with a planning trainer: every run they ask for is
//! recorded (stored or to be trained, with a rough cost) instead of trained, and the graph is
//! printed. Experiments that are imperative (choose the next run from the last one's numbers)
//! are walked on stand-in models, so their plan lists the runs of the path the stand-ins take;
//! runs chosen on validation numbers may differ once real numbers exist.

use std::collections::BTreeSet;
use std::sync::Arc;

use burn::module::Module;

use crate::data::Splits;
use crate::error::Result;
use crate::models::trainable_params;
use crate::runs::{EpochMetrics, RunStore};
use crate::train::shard::Shard;
use crate::train::{TrainSpec, TrainedRun, Trainer};

/// One run, the runs it distils and the runs whose trained nets it starts from.
#[derive(Debug, Clone)]
pub struct RunNode {
    pub label: String,
    /// `spec.teachers` holds the teachers' keys, in `teachers`' order; `spec.init_from` the
    /// starts' keys, in `starts`' order.
    pub spec: TrainSpec,
    pub teachers: Vec<Arc<RunNode>>,
    /// The runs whose nets this one starts from (empty: a fresh start): a stage-wise method's
    /// earlier stage, the student's and its peers' initialisations.
    pub starts: Vec<Arc<RunNode>>,
}

impl RunNode {
    /// `spec` distilling `teachers` (their keys are written into the spec).
    pub fn new(
        label: impl Into<String>,
        spec: TrainSpec,
        teachers: Vec<Arc<RunNode>>,
    ) -> Arc<Self> {
        RunNode::starting_from(label, spec, teachers, Vec::new())
    }

    /// `spec` distilling `teachers` and starting from the trained nets of `starts` (the
    /// student's, then one per peer; their keys are written into the spec).
    pub fn starting_from(
        label: impl Into<String>,
        mut spec: TrainSpec,
        teachers: Vec<Arc<RunNode>>,
        starts: Vec<Arc<RunNode>>,
    ) -> Arc<Self> {
        spec.teachers = teachers.iter().map(|t| t.key()).collect();
        spec.init_from = starts.iter().map(|t| t.key()).collect();
        Arc::new(RunNode {
            label: label.into(),
            spec,
            teachers,
            starts,
        })
    }

    /// The runs this one needs first: its teachers, then its starts.
    pub fn dependencies(&self) -> impl Iterator<Item = &Arc<RunNode>> {
        self.teachers.iter().chain(&self.starts)
    }

    pub fn key(&self) -> String {
        self.spec.key()
    }

    /// `roots` and all their ancestors, each key once, every teacher before its students.
    pub fn in_dependency_order(roots: &[Arc<RunNode>]) -> Vec<Arc<RunNode>> {
        fn visit(node: &Arc<RunNode>, seen: &mut BTreeSet<String>, out: &mut Vec<Arc<RunNode>>) {
            if seen.contains(&node.key()) {
                return;
            }
            for t in node.dependencies() {
                visit(t, seen, out);
            }
            if seen.insert(node.key()) {
                out.push(node.clone());
            }
        }
        let (mut seen, mut out) = (BTreeSet::new(), Vec::new());
        for r in roots {
            visit(r, &mut seen, &mut out);
        }
        out
    }
}

/// One node of a printed plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub key: String,
    pub label: String,
    /// Keys of the runs it needs first: its teachers, then the runs it starts from.
    pub teachers: Vec<String>,
    /// Complete in the run store (it will be loaded, not trained).
    pub stored: bool,
    /// Recorded in the store as diverged (it will not be trained again).
    pub diverged: bool,
    /// Images the run's training passes over: epochs x repeats x transfer-set size.
    pub samples: usize,
    /// Trainable parameters of the model.
    pub params: usize,
}

impl PlannedRun {
    /// Rough training work in units of 10^9 parameter-samples (about a sixth of the FLOPs of
    /// an MLP's forward and backward; conv nets reuse weights over positions and cost more).
    pub fn work(&self) -> f64 {
        self.samples as f64 * self.params as f64 / 1e9
    }
}

/// The runs a planning trainer was asked for, in the order of first request.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub runs: Vec<PlannedRun>,
}

impl Plan {
    pub(crate) fn record(&mut self, run: PlannedRun) {
        if !self.runs.iter().any(|r| r.key == run.key) {
            self.runs.push(run);
        }
    }

    /// After a sharded pass (`--shard`): what `shard` trained, what of its own still waits
    /// for teachers, and what belongs to other shards, judged by what `store` holds now.
    pub fn shard_report(&self, shard: Shard, store: &RunStore) -> Result<String> {
        let (mut trained, mut waiting, mut others) = (0, 0, 0);
        for r in self.runs.iter().filter(|r| !r.stored && !r.diverged) {
            match (shard.owns(&r.key), store.completed(&r.key)?.is_some()) {
                (true, true) => trained += 1,
                (true, false) => waiting += 1,
                (false, _) => others += 1,
            }
        }
        let next = if waiting > 0 {
            "run the shards again (their teachers come from other shards)"
        } else {
            "when every shard reports none waiting, run once without --shard to write the results"
        };
        Ok(format!(
            "shard {shard}: trained {trained} run(s); {waiting} of its runs wait for teachers; \
             {others} belong to other shards; {next}\n"
        ))
    }

    /// The plan as text: one line per run (its teachers by key), then the totals.
    pub fn render(&self) -> String {
        let to_train: Vec<&PlannedRun> = self
            .runs
            .iter()
            .filter(|r| !r.stored && !r.diverged)
            .collect();
        let diverged = self.runs.iter().filter(|r| r.diverged).count();
        let mut out = format!(
            "{} runs: {} stored, {diverged} diverged, {} to train (work {:.1} G parameter-samples)\n",
            self.runs.len(),
            self.runs.len() - to_train.len() - diverged,
            to_train.len(),
            to_train.iter().map(|r| r.work()).sum::<f64>()
        );
        out.push_str(&format!(
            "{:<16}  {:<8}  {:>10}  {:>10}  {:>8}  label [<- teachers]\n",
            "key", "status", "samples", "params", "work"
        ));
        for r in &self.runs {
            let teachers = if r.teachers.is_empty() {
                String::new()
            } else {
                format!(" <- {}", r.teachers.join(", "))
            };
            out.push_str(&format!(
                "{:<16}  {:<8}  {:>10}  {:>10}  {:>8.2}  {}{}\n",
                r.key,
                match (r.stored, r.diverged) {
                    (true, _) => "stored",
                    (_, true) => "diverged",
                    _ => "train",
                },
                r.samples,
                r.params,
                r.work(),
                r.label,
                teachers
            ));
        }
        out
    }
}

impl Trainer {
    /// The trained run of `node`: its teachers first (recursively; each teacher trained or
    /// loaded once per process and kept for its other students), then the node itself.
    pub fn obtain(&self, node: &RunNode, splits: &Splits) -> Result<TrainedRun> {
        let teachers = node
            .teachers
            .iter()
            .map(|t| {
                let run = self.obtain(t, splits)?;
                self.keep(&run);
                Ok(run)
            })
            .collect::<Result<Vec<_>>>()?;
        // A start is obtained (trained, or loaded to check it) but not kept: the run that
        // starts from it reads its weights from the store onto the training device.
        let starts = node
            .starts
            .iter()
            .map(|s| self.obtain(s, splits))
            .collect::<Result<Vec<_>>>()?;
        self.train_from(&node.label, &node.spec, splits, &teachers, &starts)
    }

    /// Records `spec` in the plan and returns a stand-in run: the stored run if there is one,
    /// else an untrained model with a history of `epochs` empty epochs.
    pub(crate) fn plan_run(
        &self,
        label: &str,
        spec: &TrainSpec,
        splits: &Splits,
        store: &RunStore,
    ) -> Result<Option<TrainedRun>> {
        let Some(plan) = &self.plan else {
            return Ok(None);
        };
        let key = spec.key();
        let stored = store.completed(&key)?.is_some();
        let diverged = store.divergence(&key)?.is_some();
        let model = spec.model.init(spec.seed, &self.device);
        let transfer = splits.train.subset(&spec.transfer).len();
        plan.lock().expect("plan poisoned").record(PlannedRun {
            key: key.clone(),
            label: label.into(),
            teachers: spec.dependencies(),
            stored,
            diverged,
            samples: spec.epochs * spec.repeats * transfer,
            params: trainable_params(&model),
        });
        if stored || diverged {
            // The real run, or its recorded divergence (the error the experiments handle).
            return Ok(None);
        }
        if let Some(shard) = self.shard {
            let teachers_stored = spec
                .dependencies()
                .iter()
                .map(|t| Ok(store.completed(t)?.is_some()))
                .collect::<Result<Vec<bool>>>()?
                .into_iter()
                .all(|s| s);
            if shard.owns(&key) && teachers_stored {
                // This shard's to train, now.
                return Ok(None);
            }
        }
        let empty = |epoch| EpochMetrics {
            epoch,
            lr: 0.0,
            terms: Vec::new(),
            loss: 0.0,
            train_accuracy: 0.0,
            val_errors: 0,
            val_total: splits.validation.len(),
            test_errors: 0,
            test_total: splits.test.len(),
            seconds: 0.0,
        };
        Ok(Some(TrainedRun {
            key,
            label: label.into(),
            spec: spec.clone(),
            model: model.valid(),
            history: (1..=spec.epochs).map(empty).collect(),
            wall_seconds: 0.0,
            reused: false,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, ImageSet, SplitSpec};
    use crate::methods::{Ensemble, HardLabels, SoftTargets};
    use crate::models::MlpConfig;
    use crate::train::{LrSchedule, OptimizerSpec, Recipe};
    use burn::prelude::Device;

    fn tiny_splits() -> Splits {
        let set = |n: usize| ImageSet {
            channels: 1,
            rows: 2,
            cols: 2,
            num_classes: 2,
            pixels: (0..n * 4).map(|i| (i * 37 % 256) as u8).collect(),
            labels: (0..n).map(|i| (i % 2) as u8).collect(),
        };
        let ds = Dataset {
            name: "toy".into(),
            dir: "/nonexistent".into(),
            train: set(40),
            test: set(10),
        };
        Splits::new(
            &ds,
            &SplitSpec {
                validation: 10,
                max_train: None,
                max_test: None,
            },
        )
    }

    fn spec(splits: &Splits, seed: u64, method: crate::methods::Method) -> TrainSpec {
        let recipe = Recipe {
            optimizer: OptimizerSpec::nesterov_sgd(0.1),
            schedule: LrSchedule::Constant,
            epochs: 2,
            batch_size: 8,
        };
        TrainSpec::new(splits, MlpConfig::plain(&[4, 3, 2]), method, recipe, seed)
    }

    #[test]
    fn chains_and_ensembles_are_ordered_teachers_first_and_deduplicated() {
        let splits = tiny_splits();
        let soft = SoftTargets::new(2.0, 0.1);
        let teacher = RunNode::new("teacher", spec(&splits, 1, HardLabels {}.into()), vec![]);
        let other = RunNode::new("teacher 2", spec(&splits, 2, HardLabels {}.into()), vec![]);
        let assistant = RunNode::new(
            "assistant",
            spec(&splits, 3, soft.clone().into()),
            vec![teacher.clone()],
        );
        let student = RunNode::new(
            "student",
            spec(&splits, 4, soft.into()),
            vec![assistant.clone()],
        );
        let ensemble = Ensemble {
            temperature: 2.0,
            hard_weight: 0.1,
        };
        let pupil = RunNode::new(
            "pupil",
            spec(&splits, 5, ensemble.into()),
            vec![teacher.clone(), other.clone()],
        );
        assert_eq!(student.spec.teachers, vec![assistant.key()]);
        let order: Vec<String> = RunNode::in_dependency_order(&[student, pupil, teacher.clone()])
            .iter()
            .map(|n| n.label.clone())
            .collect();
        assert_eq!(
            order,
            vec!["teacher", "assistant", "student", "teacher 2", "pupil"]
        );
    }

    #[test]
    fn the_search_picks_the_fewest_final_validation_errors_first_on_ties() {
        use crate::train::search::fewest_validation_errors;
        let splits = tiny_splits();
        let dir = tempfile::tempdir().unwrap();
        let trainer = Trainer::new(Device::flex(), "cpu", RunStore::new(dir.path())).planning();
        let mut runs: Vec<TrainedRun> = [1, 2, 3]
            .iter()
            .map(|&epochs| {
                let node =
                    RunNode::new("trial", spec(&splits, epochs, HardLabels {}.into()), vec![]);
                trainer.obtain(&node, &splits).unwrap()
            })
            .collect();
        for (run, errors) in runs.iter_mut().zip([5, 3, 3]) {
            run.history.last_mut().unwrap().val_errors = errors;
            // An earlier epoch with fewer errors must not count: the run is used as it ends.
            run.history.first_mut().unwrap().val_errors = errors.min(1);
        }
        runs[0].history[0].val_errors = 5;
        assert_eq!(fewest_validation_errors(&runs), Some(1));
        assert_eq!(fewest_validation_errors(&[]), None);
    }

    #[test]
    fn a_planning_trainer_records_runs_and_trains_nothing() {
        let splits = tiny_splits();
        let dir = tempfile::tempdir().unwrap();
        let store = RunStore::new(dir.path());
        let mut trainer = Trainer::new(Device::flex(), "cpu", store.clone());
        // Train the teacher for real first: the plan must list it as stored.
        let teacher = RunNode::new("teacher", spec(&splits, 1, HardLabels {}.into()), vec![]);
        trainer.obtain(&teacher, &splits).unwrap();
        trainer = Trainer::new(Device::flex(), "cpu", store).planning();
        let soft = SoftTargets::new(2.0, 0.1);
        let student = RunNode::new(
            "student",
            spec(&splits, 2, soft.into()),
            vec![teacher.clone()],
        );
        let run = trainer.obtain(&student, &splits).unwrap();
        assert_eq!(run.history.len(), 2);
        let plan = trainer.plan().unwrap();
        assert_eq!(plan.runs.len(), 2);
        assert!(plan.runs[0].stored && !plan.runs[1].stored);
        assert_eq!(plan.runs[1].teachers, vec![teacher.key()]);
        assert_eq!(plan.runs[1].samples, 2 * 30);
        assert_eq!(plan.runs[1].params, 4 * 3 + 3 + 3 * 2 + 2);
        assert!(
            !dir.path().join(student.key()).exists(),
            "nothing was trained"
        );
        let text = plan.render();
        assert!(
            text.contains("2 runs: 1 stored, 0 diverged, 1 to train"),
            "{text}"
        );
    }
}
