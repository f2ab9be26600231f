//! The schedules of each profile. `cpu` is sized so the whole paper runs in under 30 minutes
//! (about 15 measured) on two cores on the bundled 10,000 digits while keeping the paper's architectures; `paper`
//! follows the paper's setting on full MNIST (long schedules, for a GPU).

use kd_core::cli::Profile;
use kd_core::data::SplitSpec;
use kd_core::train::{LrSchedule, OptimizerSpec};

#[derive(Debug, Clone)]
pub struct Settings {
    pub default_dataset: &'static str,
    pub split: SplitSpec,
    pub teacher_epochs: usize,
    /// Epochs of every student. A student on a smaller transfer set repeats it within each
    /// epoch (the same number of gradient steps as on the whole split), at most
    /// `max_repeats` times.
    pub student_epochs: usize,
    pub max_repeats: usize,
    pub batch_size: usize,
    pub teacher_optimizer: OptimizerSpec,
    pub student_optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    /// Hidden width of the paper's large student (800) and the sweep's two sizes.
    pub student_width: usize,
    pub sweep_widths: [usize; 2],
    /// Weight of the hard-label term in the distillation objective.
    pub hard_weight: f64,
    /// Candidate logit-bias shifts (chosen on the validation split).
    pub bias_grid: Vec<f32>,
}

impl Settings {
    pub fn for_profile(profile: Profile) -> Settings {
        let common = Settings {
            default_dataset: "mnist-10k",
            split: SplitSpec {
                validation: 1000,
                max_train: None,
                max_test: None,
            },
            teacher_epochs: 40,
            student_epochs: 30,
            max_repeats: 40,
            batch_size: 128,
            teacher_optimizer: OptimizerSpec::nesterov_sgd(0.1),
            student_optimizer: OptimizerSpec::nesterov_sgd(0.02),
            schedule: LrSchedule::Cosine {
                final_fraction: 0.0,
                warmup_epochs: 1,
            },
            student_width: 800,
            sweep_widths: [30, 300],
            hard_weight: 0.1,
            bias_grid: (0..=60).map(|k| k as f32 * 0.25).collect(),
        };
        match profile {
            Profile::Smoke => Settings {
                split: SplitSpec {
                    validation: 200,
                    max_train: Some(1000),
                    max_test: Some(500),
                },
                teacher_epochs: 8,
                student_epochs: 8,
                max_repeats: 4,
                student_width: 100,
                sweep_widths: [30, 100],
                bias_grid: (0..=20).map(|k| k as f32 * 0.5).collect(),
                ..common
            },
            // Other datasets (e.g. fashion-mnist) are cut to the size of the bundled one so the
            // profile keeps its time budget.
            Profile::Cpu => Settings {
                split: SplitSpec {
                    validation: 1000,
                    max_train: Some(7000),
                    max_test: None,
                },
                ..common
            },
            Profile::Paper => Settings {
                default_dataset: "mnist",
                split: SplitSpec {
                    validation: 5000,
                    max_train: None,
                    max_test: None,
                },
                teacher_epochs: 200,
                student_epochs: 100,
                sweep_widths: [30, 800],
                ..common
            },
        }
    }
}
