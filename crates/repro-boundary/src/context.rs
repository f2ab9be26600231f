//! What every experiment shares: the splits, the trainer, the one teacher, and the ways of
//! training a student as nodes of the run graph (so the teacher is trained once and every
//! student run once per key).

use std::path::PathBuf;
use std::sync::Arc;

use kd_core::Result;
use kd_core::data::{DatasetInfo, Splits, Subset};
use kd_core::methods::{BoundarySupport, HardLabels, Method};
use kd_core::models::{ModelSpec, ResNetConfig, Shortcut};
use kd_core::train::{RunNode, TrainSpec, TrainedRun, Trainer};

use crate::profile::Settings;

/// The teacher's seed: one teacher for every student, as the paper distils one checkpoint.
pub const TEACHER_SEED: u64 = 1;

/// How a student is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Student {
    /// Hard labels alone.
    Baseline,
    /// CE + a(e) KD: the BSS loss without its boundary term.
    Kd,
    /// CE + a(e) KD + b(e) KD on the boundary supporting samples.
    Bss,
}

impl Student {
    pub fn name(self) -> &'static str {
        match self {
            Student::Baseline => "baseline",
            Student::Kd => "KD",
            Student::Bss => "KD + BSS",
        }
    }
}

pub struct Context {
    pub trainer: Trainer,
    pub settings: Settings,
    pub info: DatasetInfo,
    pub splits: Splits,
    pub seeds: Vec<u64>,
    pub out: PathBuf,
}

impl Context {
    /// A ResNet of `depth` trained by `method` with the official recipe for `epochs`, with the
    /// data set's standard augmentation and normalisation.
    fn spec(&self, depth: usize, method: Method, seed: u64, epochs: usize) -> TrainSpec {
        let net = ResNetConfig::new(
            depth,
            Shortcut::A,
            self.splits.input_shape(),
            self.splits.num_classes(),
        );
        let mut spec = TrainSpec::new(
            &self.splits,
            ModelSpec::from(net),
            method,
            self.settings.recipe(epochs),
            seed,
        );
        spec.augment = self.info.standard_augment();
        spec.normalize = Some(self.info.normalize());
        spec
    }

    fn teacher_node(&self) -> Arc<RunNode> {
        let s = &self.settings;
        let spec = self.spec(
            s.teacher_depth,
            HardLabels {}.into(),
            TEACHER_SEED,
            s.teacher_epochs,
        );
        RunNode::new(format!("teacher ResNet{}", s.teacher_depth), spec, vec![])
    }

    /// The teacher (trained once, then found in the run store).
    pub fn teacher(&self) -> Result<TrainedRun> {
        self.trainer.obtain(&self.teacher_node(), &self.splits)
    }

    /// The ResNet`depth` student of `seed` trained as `how`, on `fraction` of the training
    /// images (a stratified draw by `seed`; `None`: all of them).
    pub fn student(
        &self,
        depth: usize,
        how: Student,
        seed: u64,
        fraction: Option<f64>,
    ) -> Result<TrainedRun> {
        let s = &self.settings;
        let (method, teachers): (Method, _) = match how {
            Student::Baseline => (HardLabels {}.into(), vec![]),
            Student::Kd => (
                BoundarySupport {
                    bss_weight: 0.0,
                    ..s.bss.clone()
                }
                .into(),
                vec![self.teacher_node()],
            ),
            Student::Bss => (s.bss.clone().into(), vec![self.teacher_node()]),
        };
        let mut spec = self.spec(depth, method, seed, s.epochs);
        let mut label = format!("ResNet{depth} {} seed {seed}", how.name());
        if let Some(f) = fraction {
            spec.transfer = Subset::Stratified {
                count: self.fraction_count(f),
                seed,
            };
            label = format!("{label}, {:.0}% of the images", 100.0 * f);
        }
        self.trainer
            .obtain(&RunNode::new(label, spec, teachers), &self.splits)
    }

    /// How many training images `fraction` of them is.
    pub fn fraction_count(&self, fraction: f64) -> usize {
        ((self.splits.train.len() as f64 * fraction).round() as usize).max(1)
    }
}
