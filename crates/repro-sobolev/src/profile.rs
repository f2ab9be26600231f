//! The settings of each profile. `cpu` runs the full regression table (7 functions x 2
//! training-set sizes x (Regular, 3 Sobolev loss forms, stochastic Sobolev) x 5 seeds, 2000
//! steps) and the distillation sweep (3 seeds) in about 25 minutes on two cores; `ci` computes
//! every central claim: the same regression table with 4 seeds of 500 steps (measured: 2.9
//! minutes on two cores of an AMD EPYC) and distillation on 100 images and the whole split (3
//! seeds); `paper` spends more steps and seeds. There is no `full` profile.

use kd_core::cli::Profile;
use kd_core::data::SplitSpec;
use kd_core::data::functions::{ALL_FUNCTIONS, TestFunction};
use kd_core::error::{KdError, Result};
use kd_core::train::sobolev::{DerivativeLoss, DerivativeScale};
use kd_core::train::{LrSchedule, OptimizerSpec};

#[derive(Debug, Clone)]
pub struct Settings {
    // Experiment 1: regression on the test functions.
    pub regression_seeds: usize,
    pub functions: Vec<TestFunction>,
    pub train_sizes: [usize; 2],
    /// Points of the validation set that chooses the derivative loss (disjoint from the
    /// training and test points).
    pub validation_points: usize,
    pub test_points: usize,
    /// Full-batch Adam steps, learning rate (cosine-annealed to 0).
    pub steps: usize,
    pub lr: f64,
    pub hidden: usize,
    /// The derivative-loss forms Sobolev training tries; the one with the lowest median
    /// validation MSE is used per function and training size. The first is the paper's plain
    /// sum with weight 1 (always reported on its own too). The relative form divides by the
    /// training gradients' mean squared norm (large scaled gradients, as Ackley's and Bukin's,
    /// otherwise drown the value term); 0.1 is a lighter weight.
    pub derivative_candidates: Vec<DerivativeLoss>,
    /// Resolution of the heat maps (cells per axis).
    pub heatmap_grid: usize,

    // Experiment 2: Sobolev distillation on digits.
    pub distill_seeds: usize,
    pub default_dataset: &'static str,
    pub split: SplitSpec,
    pub teacher_epochs: usize,
    pub student_epochs: usize,
    pub student_width: usize,
    /// Transfer-set sizes; `None` is the whole training split.
    pub transfer_sizes: Vec<Option<usize>>,
    pub max_repeats: usize,
    pub batch_size: usize,
    pub teacher_optimizer: OptimizerSpec,
    pub student_optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    pub temperature: f64,
    pub jacobian_weight: f64,
}

impl Settings {
    pub fn for_profile(profile: Profile) -> Result<Settings> {
        let cpu = Settings {
            regression_seeds: 5,
            functions: ALL_FUNCTIONS.to_vec(),
            train_sizes: crate::paper::TRAIN_SIZES,
            validation_points: 1000,
            test_points: 10_000,
            steps: 2000,
            lr: 3e-3,
            hidden: 256,
            derivative_candidates: vec![
                DerivativeLoss::PAPER,
                DerivativeLoss {
                    scale: DerivativeScale::Relative,
                    weight: 1.0,
                },
                DerivativeLoss {
                    scale: DerivativeScale::Relative,
                    weight: 0.1,
                },
            ],
            heatmap_grid: 60,
            distill_seeds: 3,
            default_dataset: "mnist-10k",
            split: SplitSpec {
                validation: 1000,
                max_train: Some(7000),
                max_test: None,
            },
            teacher_epochs: 30,
            student_epochs: 10,
            student_width: 300,
            transfer_sizes: vec![Some(100), Some(500), Some(2000), None],
            max_repeats: 70,
            batch_size: 128,
            teacher_optimizer: OptimizerSpec::nesterov_sgd(0.1),
            student_optimizer: OptimizerSpec::nesterov_sgd(0.02),
            schedule: LrSchedule::Cosine {
                final_fraction: 0.0,
                warmup_epochs: 1,
            },
            temperature: 4.0,
            jacobian_weight: 1.0,
        };
        Ok(match profile {
            Profile::Smoke => Settings {
                regression_seeds: 1,
                validation_points: 200,
                test_points: 500,
                steps: 100,
                heatmap_grid: 20,
                distill_seeds: 1,
                split: SplitSpec {
                    validation: 200,
                    max_train: Some(1000),
                    max_test: Some(500),
                },
                teacher_epochs: 4,
                student_epochs: 3,
                student_width: 64,
                transfer_sizes: vec![Some(100), None],
                max_repeats: 10,
                ..cpu
            },
            Profile::Ci => Settings {
                // Every central claim (all seven functions, 20 and 100 points) in about 3
                // minutes on two cores: 7 x 2 x 5 fits per seed, each ~1.2 ms per step, so
                // seeds x steps is bounded; 4 seeds (a paired t-test with 3 degrees of
                // freedom) of a shorter full cosine schedule, chosen on cost alone before any
                // ci run with these settings.
                regression_seeds: 4,
                steps: 500,
                heatmap_grid: 30,
                teacher_epochs: 15,
                transfer_sizes: vec![Some(100), None],
                ..cpu
            },
            Profile::Cpu => cpu,
            Profile::Full => {
                return Err(KdError::Config(
                    "repro-sobolev has no `full` profile (its regression needs no dataset and \
                     its distillation analogue runs on the bundled digits); use --profile cpu \
                     or paper"
                        .into(),
                ));
            }
            Profile::Paper => Settings {
                regression_seeds: 10,
                steps: 10_000,
                distill_seeds: 5,
                default_dataset: "mnist",
                split: SplitSpec {
                    validation: 5000,
                    max_train: None,
                    max_test: None,
                },
                teacher_epochs: 100,
                student_epochs: 30,
                student_width: 800,
                transfer_sizes: vec![Some(100), Some(500), Some(2000), Some(10_000), None],
                max_repeats: 550,
                ..cpu
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::data::{Locations, Splits, dataset_info, load_dataset};

    /// Train, validation and test share no image, by content, in the distillation split of
    /// every profile (full MNIST only where `data/mnist` holds it).
    #[test]
    fn every_profile_keeps_train_validation_and_test_apart() {
        let local = Locations {
            allow_download: false,
            ..Locations::standard(None)
        };
        for profile in [Profile::Smoke, Profile::Ci, Profile::Cpu, Profile::Paper] {
            let s = Settings::for_profile(profile).unwrap();
            let Ok(ds) = load_dataset(&dataset_info(s.default_dataset).unwrap(), &local) else {
                eprintln!(
                    "{} is not in data/ or $KD_DATA_DIR: not checked",
                    s.default_dataset
                );
                continue;
            };
            let splits = Splits::new(&ds, &s.split);
            assert_eq!(splits.shared_images(), [0, 0, 0], "{profile:?}");
        }
        assert!(Settings::for_profile(Profile::Full).is_err());
    }
}
