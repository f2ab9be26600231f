//! What both experiments share: the trainer, the settings, the seeds and (for the
//! distillation analogue) the digit splits and architectures.

use std::path::PathBuf;
use std::sync::Arc;

use kd_core::Result;
use kd_core::data::{Splits, Subset};
use kd_core::methods::{LogitMatch, Method, Sobolev, SoftTargets};
use kd_core::models::MlpConfig;
use kd_core::train::{Recipe, RunNode, TrainSpec, TrainedRun, Trainer, repeats_for};

use crate::profile::Settings;

pub struct Context {
    pub trainer: Trainer,
    pub settings: Settings,
    pub regression_seeds: Vec<u64>,
    pub distill_seeds: Vec<u64>,
    pub out: PathBuf,
    /// Loaded only when the distillation experiment runs.
    pub splits: Option<Splits>,
}

impl Context {
    pub fn splits(&self) -> &Splits {
        self.splits
            .as_ref()
            .expect("splits are loaded for distillation")
    }

    /// 784-1200-1200-10 with dropout, max-norm and jitter (Hinton et al.'s MNIST teacher).
    fn teacher_node(&self, seed: u64) -> Arc<RunNode> {
        let s = &self.settings;
        let spec = TrainSpec::hinton_teacher(
            self.splits(),
            s.teacher_optimizer.clone(),
            s.schedule.clone(),
            s.teacher_epochs,
            s.batch_size,
            seed,
        );
        RunNode::new(format!("teacher seed {seed}"), spec, vec![])
    }

    /// The teacher of seed `seed` (trained once, then found in the run store).
    pub fn teacher(&self, seed: u64) -> Result<TrainedRun> {
        self.trainer.obtain(&self.teacher_node(seed), self.splits())
    }

    /// Soft targets at the profile's temperature, without the hard labels (pure matching of
    /// the teacher), optionally plus the Jacobian-projection term.
    pub fn method(&self, jacobian: bool) -> Method {
        let soft = SoftTargets::new(self.settings.temperature, 0.0);
        if jacobian {
            Method::Sobolev(Sobolev {
                logits: LogitMatch::SoftTargets(soft),
                jacobian_weight: self.settings.jacobian_weight,
            })
        } else {
            Method::SoftTargets(soft)
        }
    }

    /// A 784-w-w-10 student distilled by `method` from the teacher of `seed` on `transfer`.
    pub fn student(
        &self,
        label: &str,
        method: Method,
        transfer: Subset,
        seed: u64,
    ) -> Result<TrainedRun> {
        let splits = self.splits();
        let s = &self.settings;
        let w = s.student_width;
        let n = splits.train.subset(&transfer).len();
        let spec = TrainSpec {
            transfer,
            repeats: repeats_for(n, splits.train.len(), s.max_repeats),
            ..TrainSpec::new(
                splits,
                MlpConfig::plain(&[splits.input_dim(), w, w, splits.num_classes()]),
                method,
                Recipe {
                    optimizer: s.student_optimizer.clone(),
                    schedule: s.schedule.clone(),
                    epochs: s.student_epochs,
                    batch_size: s.batch_size,
                },
                seed,
            )
        };
        let node = RunNode::new(
            format!("{label} seed {seed}"),
            spec,
            vec![self.teacher_node(seed)],
        );
        self.trainer.obtain(&node, splits)
    }
}
