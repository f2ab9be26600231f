//! The settings of each profile. The recipe is the official code's (see `paper.rs`); the `cpu`
//! profile shrinks the data, the nets and the schedule to fit two CPU cores.

use kd_core::cli::Profile;
use kd_core::data::SplitSpec;
use kd_core::error::{KdError, Result};
use kd_core::methods::BoundarySupport;
use kd_core::train::{LrSchedule, OptimizerSpec, Recipe};

/// lambda of FSP (see `Settings::fsp_weight`): 0.01, so that lambda times the first stage's
/// starting rate (0.1) is the paper's first-stage rate (0.001) with lambda 1. Only the FSP
/// gradient is scaled: weight decay acts at the full rate, and the rate falls x10 at 1/2 and
/// 3/4 of the stage as in every run.
const FSP_WEIGHT: f64 = 0.01;

#[derive(Debug, Clone)]
pub struct Settings {
    pub dataset: &'static str,
    pub split: SplitSpec,
    pub seeds: usize,
    /// The one teacher every student distils (the paper's single ResNet26 checkpoint), trained
    /// with seed 1 on hard labels with the same recipe for `teacher_epochs`.
    pub teacher_depth: usize,
    pub teacher_epochs: usize,
    /// `table`: the students' depths (6n + 2, zero-padding shortcuts).
    pub student_depths: Vec<usize>,
    pub epochs: usize,
    pub batch_size: usize,
    /// SGD: rate (x0.1 at 1/2 and at 3/4 of the epochs), momentum, coupled weight decay.
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    /// The BSS loss and attack; KD is the same with no BSS term.
    pub bss: BoundarySupport,
    /// `less-data`: fractions of the training images the student sees (ResNet8 or the table's
    /// first depth).
    pub fractions: Vec<f64>,
    /// `comparison`: the student depths of the full method row.
    pub comparison_depths: Vec<usize>,
    /// `comparison`: epochs of the first stages (FitNets' hint stage, FSP's first stage, each
    /// mutual learner's training on the labels), with the recipe scaled to them.
    pub first_stage_epochs: usize,
    /// `comparison`: lambda of FSP's squared distances.
    pub fsp_weight: f64,
    /// `comparison`: (student depth, assistant depth) for the TAKD column; a student without
    /// one (no 6n + 2 depth lies between it and the teacher) has no TAKD cell.
    pub assistants: Vec<(usize, usize)>,
    /// `attack`: training batches whose base samples the diagnostics attack.
    pub attack_batches: usize,
    /// The experiments run without `--only`.
    pub experiments: Vec<&'static str>,
    /// How this profile's own choices were made (the summary states it).
    pub choices: &'static str,
}

impl Settings {
    pub fn for_profile(profile: Profile) -> Result<Settings> {
        let paper = Settings {
            dataset: "cifar10",
            split: SplitSpec {
                validation: 5000,
                max_train: None,
                max_test: None,
            },
            seeds: 3,
            teacher_depth: 26,
            // The official teacher checkpoint is a 320-epoch run; its recipe is not published.
            teacher_epochs: 160,
            student_depths: vec![8, 14, 20],
            epochs: 80,
            batch_size: 256,
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 1e-4,
            bss: BoundarySupport::default(),
            fractions: vec![0.1, 0.25, 0.5],
            comparison_depths: vec![8, 14],
            // The teacher-assistant paper's MUTUAL: 40 epochs of initialisation.
            first_stage_epochs: 40,
            fsp_weight: FSP_WEIGHT,
            // The teacher-assistant paper's assistants for a ResNet26 teacher.
            assistants: vec![(8, 14), (14, 20)],
            attack_batches: 8,
            experiments: crate::experiments::ALL.to_vec(),
            choices: "the official code's recipe; the teacher trained 160 epochs with it (the \
                      official checkpoint's own schedule is not published); not run yet (it \
                      needs CIFAR-10 and a GPU)",
        };
        let cpu = Settings {
            dataset: "fashion-10k",
            split: SplitSpec {
                validation: 1000,
                max_train: Some(7000),
                max_test: None,
            },
            teacher_depth: 14,
            teacher_epochs: 20,
            student_depths: vec![8],
            epochs: 10,
            comparison_depths: vec![8],
            first_stage_epochs: 5,
            assistants: Vec::new(),
            attack_batches: 4,
            choices: "fixed before any run from the cost of one step, to fit about 40 minutes \
                      on 2 cores: the bundled Fashion-MNIST subset, a ResNet14 teacher (20 \
                      epochs) instead of ResNet26, ResNet8 students for 10 epochs, the official \
                      batch (256), attack (64 samples, 10 steps) and schedules scaled to the \
                      epochs; the comparison's settings (first stages of half the epochs, FSP's \
                      lambda 0.01) were fixed before its runs and not changed after",
            ..paper.clone()
        };
        Ok(match profile {
            Profile::Smoke => Settings {
                split: SplitSpec {
                    validation: 200,
                    max_train: Some(600),
                    max_test: Some(300),
                },
                seeds: 1,
                teacher_depth: 8,
                // Four epochs, so the rate schedule has its three stages (0.1, 0.01, 0.001).
                teacher_epochs: 4,
                epochs: 4,
                batch_size: 128,
                bss: BoundarySupport {
                    attack_size: 16,
                    ..BoundarySupport::default()
                },
                fractions: vec![0.5],
                first_stage_epochs: 2,
                attack_batches: 1,
                choices: "sizes for a test of the plumbing, not for its numbers",
                ..cpu
            },
            // The cpu profile's table (the same runs): what CI trains from scratch; CI gates only
            // the claims that hold in the committed ci results.
            Profile::Ci => Settings {
                experiments: vec![crate::experiments::table::NAME],
                ..cpu
            },
            Profile::Cpu => cpu,
            Profile::Paper => paper,
            Profile::Full => {
                return Err(KdError::Config(format!(
                    "boundary has no `{}` profile (the Fashion-MNIST subset is its cpu data, CIFAR-10 \
                     its paper data); use smoke, ci, cpu or paper",
                    profile.name()
                )));
            }
        })
    }

    /// The official recipe for a run of `epochs` epochs: SGD, the rate divided by 10 from the
    /// (1-based) epochs E/2 and 3E/4 on, as the official code's `epoch == max_epoch/2` does
    /// (0.1 for epochs 1..39 of 80, 0.01 from 40, 0.001 from 60).
    pub fn recipe(&self, epochs: usize) -> Recipe {
        let first = (epochs / 2).saturating_sub(1);
        let second = (epochs * 3 / 4).saturating_sub(1);
        Recipe {
            optimizer: OptimizerSpec::Sgd {
                lr: self.lr,
                momentum: self.momentum,
                nesterov: false,
                weight_decay: self.weight_decay,
            },
            schedule: LrSchedule::MultiStep {
                milestones: vec![first, second],
                gamma: 0.1,
            },
            epochs,
            batch_size: self.batch_size,
        }
    }
}
