//! What every experiment of this paper shares: the data splits, the trainer, the profile's
//! settings, the seeds and the architectures of Hinton et al.'s teacher and students.

use std::path::PathBuf;
use std::sync::Arc;

use kd_core::Result;
use kd_core::data::{Splits, Subset};
use kd_core::methods::{Method, SoftTargets};
use kd_core::models::MlpConfig;
use kd_core::train::{Recipe, RunNode, TrainSpec, TrainedRun, Trainer, repeats_for};

use crate::profile::Settings;

pub struct Context {
    pub splits: Splits,
    pub trainer: Trainer,
    pub settings: Settings,
    pub seeds: Vec<u64>,
    pub out: PathBuf,
    /// Whether the data are MNIST digits (the paper's numbers are shown beside ours only then).
    pub is_mnist: bool,
}

impl Context {
    /// 784-w-w-10 without any regularization.
    pub fn student_model(&self, width: usize) -> MlpConfig {
        let d = self.splits.input_dim();
        MlpConfig::plain(&[d, width, width, self.splits.num_classes()])
    }

    /// The teacher of seed `seed`: Hinton et al.'s jittered 784-1200-1200-10 net.
    fn teacher_node(&self, seed: u64) -> Arc<RunNode> {
        let s = &self.settings;
        let spec = TrainSpec::hinton_teacher(
            &self.splits,
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
        self.trainer.obtain(&self.teacher_node(seed), &self.splits)
    }

    /// Soft targets at temperature `t` with the profile's hard-label weight.
    pub fn soft_targets(&self, temperature: f64) -> Method {
        Method::SoftTargets(SoftTargets::new(temperature, self.settings.hard_weight))
    }

    /// A student of hidden width `width` trained by `method` on the `transfer` part of the
    /// training split (unjittered, as in the paper), with the teacher of the same seed when the
    /// method distils; the profile's student learning rate.
    pub fn student(
        &self,
        label: &str,
        width: usize,
        method: Method,
        transfer: Subset,
        seed: u64,
    ) -> Result<TrainedRun> {
        let lr = self.settings.student_optimizer.base_lr();
        self.student_with_lr(label, width, method, transfer, seed, lr)
    }

    /// [`Context::student`] with learning rate `lr`.
    pub fn student_with_lr(
        &self,
        label: &str,
        width: usize,
        method: Method,
        transfer: Subset,
        seed: u64,
        lr: f64,
    ) -> Result<TrainedRun> {
        let s = &self.settings;
        let teachers = if method.needs_teacher() {
            vec![self.teacher_node(seed)]
        } else {
            vec![]
        };
        let n = self.splits.train.subset(&transfer).len();
        let spec = TrainSpec {
            transfer,
            repeats: repeats_for(n, self.splits.train.len(), s.max_repeats),
            ..TrainSpec::new(
                &self.splits,
                self.student_model(width),
                method,
                Recipe {
                    optimizer: s.student_optimizer.with_lr(lr),
                    schedule: s.schedule.clone(),
                    epochs: s.student_epochs,
                    batch_size: s.batch_size,
                },
                seed,
            )
        };
        let node = RunNode::new(format!("{label} seed {seed}"), spec, teachers);
        self.trainer.obtain(&node, &self.splits)
    }

    /// The paper's number where our data are MNIST; none beside another dataset's results.
    pub fn paper_number(&self, value: f64) -> Option<f64> {
        self.is_mnist.then_some(value)
    }
}
