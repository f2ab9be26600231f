//! What every experiment shares: the splits, the trainer, the one teacher, and the ways of
//! training a student as nodes of the run graph (so the teacher is trained once and every
//! student run once per key).

use std::path::PathBuf;
use std::sync::Arc;

use kd_core::Result;
use kd_core::data::{DatasetInfo, Splits, Subset};
use kd_core::methods::{
    AttentionTransfer, BoundarySupport, Fsp, HardLabels, Hints, Method, MutualLearning,
};
use kd_core::models::{ModelSpec, ResNetConfig, Shortcut};
use kd_core::train::{RunNode, TrainSpec, TrainedRun, Trainer};

use crate::profile::Settings;

/// The teacher's seed: one teacher for every student, as the paper distils one checkpoint.
pub const TEACHER_SEED: u64 = 1;

/// FitNets' guided and hint layer: the middle stage's output in both nets.
pub const FITNET_LAYER: &str = "stage2";

/// The peer of seed `s`'s mutual-learning student starts from the hard-label run of seed
/// `s + PEER_SEED_OFFSET` (the student from seed `s`'s).
pub const PEER_SEED_OFFSET: u64 = 1000;

/// How a student is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Student {
    /// Hard labels alone.
    Baseline,
    /// CE + a(e) KD: the BSS loss without its boundary term.
    Kd,
    /// CE + a(e) KD + b(e) KD on the boundary supporting samples.
    Bss,
    /// FitNets, stage-wise: the hint alone (the student's middle stage regressed onto the
    /// teacher's) for the first-stage epochs, then KD from there.
    FitNet,
    /// Attention transfer at the three stages (beta 1000) with the labels.
    Attention,
    /// FSP, stage-wise: the FSP matrices of the three stages for the first-stage epochs, then
    /// the labels from there.
    Fsp,
    /// Deep mutual learning: two students, each first trained on the labels for the
    /// first-stage epochs, then together.
    Mutual,
    /// KD through a teacher assistant (teacher -> assistant -> student, each step KD).
    Takd,
}

impl Student {
    pub fn name(self) -> &'static str {
        match self {
            Student::Baseline => "baseline",
            Student::Kd => "KD",
            Student::Bss => "KD + BSS",
            Student::FitNet => "FitNet",
            Student::Attention => "AT",
            Student::Fsp => "FSP",
            Student::Mutual => "MUTUAL",
            Student::Takd => "TAKD",
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

    /// KD as the table has it: the BSS loss without its boundary term.
    fn kd(&self) -> Method {
        BoundarySupport {
            bss_weight: 0.0,
            ..self.settings.bss.clone()
        }
        .into()
    }

    /// The assistant between the teacher and a ResNet`depth` student, if the profile has one.
    pub fn assistant(&self, depth: usize) -> Option<usize> {
        self.settings
            .assistants
            .iter()
            .find(|(student, _)| *student == depth)
            .map(|(_, assistant)| *assistant)
    }

    /// A first-stage run of the ResNet`depth` student of `seed` (the hint stage, FSP's first
    /// stage, or a mutual learner's initialisation on the labels).
    fn first_stage(
        &self,
        depth: usize,
        what: &str,
        method: Method,
        seed: u64,
        teachers: Vec<Arc<RunNode>>,
    ) -> Arc<RunNode> {
        let spec = self.spec(depth, method, seed, self.settings.first_stage_epochs);
        RunNode::new(format!("ResNet{depth} {what} seed {seed}"), spec, teachers)
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
        let node = self.student_node(depth, how, seed, fraction)?;
        self.trainer.obtain(&node, &self.splits)
    }

    /// [`Context::student`]'s run, with the runs it needs first (teachers, earlier stages) as
    /// nodes of the run graph.
    fn student_node(
        &self,
        depth: usize,
        how: Student,
        seed: u64,
        fraction: Option<f64>,
    ) -> Result<Arc<RunNode>> {
        let s = &self.settings;
        let staged = matches!(
            how,
            Student::FitNet | Student::Fsp | Student::Mutual | Student::Takd
        );
        if fraction.is_some() && staged {
            return Err(kd_core::KdError::Config(format!(
                "{} on part of the images is not defined (its earlier runs would see all of \
                 them); less data compares the single-run methods",
                how.name()
            )));
        }
        let teacher = || vec![self.teacher_node()];
        let (method, teachers, starts): (Method, _, _) = match how {
            Student::Baseline => (HardLabels {}.into(), vec![], vec![]),
            Student::Kd => (self.kd(), teacher(), vec![]),
            Student::Bss => (s.bss.clone().into(), teacher(), vec![]),
            Student::FitNet => {
                let hint = Hints::hint_stage(FITNET_LAYER, FITNET_LAYER).into();
                let stage = self.first_stage(depth, "FitNet hint stage", hint, seed, teacher());
                (self.kd(), teacher(), vec![stage])
            }
            Student::Attention => (AttentionTransfer::resnet_stages().into(), teacher(), vec![]),
            Student::Fsp => {
                let fsp = Fsp {
                    weight: s.fsp_weight,
                    ..Fsp::resnet_stages()
                };
                let stage = self.first_stage(depth, "FSP stage", fsp.into(), seed, teacher());
                (HardLabels {}.into(), vec![], vec![stage])
            }
            Student::Mutual => {
                let init =
                    |seed| self.first_stage(depth, "labels", HardLabels {}.into(), seed, vec![]);
                let starts = vec![init(seed), init(seed + PEER_SEED_OFFSET)];
                (MutualLearning::default().into(), vec![], starts)
            }
            Student::Takd => {
                let assistant = self.assistant(depth).ok_or_else(|| {
                    kd_core::KdError::Config(format!(
                        "the profile has no teacher assistant for ResNet{depth}"
                    ))
                })?;
                // The assistant is the KD student of its depth: the same run.
                let assistant = self.student_node(assistant, Student::Kd, seed, None)?;
                (self.kd(), vec![assistant], vec![])
            }
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
        Ok(RunNode::starting_from(label, spec, teachers, starts))
    }

    /// How many training images `fraction` of them is.
    pub fn fraction_count(&self, fraction: f64) -> usize {
        ((self.splits.train.len() as f64 * fraction).round() as usize).max(1)
    }
}
