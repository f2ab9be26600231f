//! The settings of each profile. The paper's own architectures, schedules and grids could not
//! be read (see `paper.rs`); these were fixed before any run, as a researcher would set up the
//! known third-party MNIST setting on two CPU cores.

use kd_core::cli::Profile;
use kd_core::data::SplitSpec;
use kd_core::error::{KdError, Result};
use kd_core::train::{LrSchedule, OptimizerSpec};

/// A dataset's teacher and student: the known third-party pairs (the paper's own architectures
/// could not be read), chosen by the images' shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// Grey images (MNIST, Fashion-MNIST): a LeNet-5 teacher, a `d-w-w-classes` MLP student.
    LeNetToMlp,
    /// Colour images (SVHN, CIFAR-10): a Network-in-Network teacher, a modified LeNet student.
    NinToModLeNet,
}

impl Pair {
    pub fn for_input(shape: [usize; 3]) -> Pair {
        if shape[0] == 1 {
            Pair::LeNetToMlp
        } else {
            Pair::NinToModLeNet
        }
    }

    pub fn teacher_name(self) -> &'static str {
        match self {
            Pair::LeNetToMlp => "LeNet-5",
            Pair::NinToModLeNet => "Network-in-Network",
        }
    }

    /// The student's name for inputs of `input_dim` values, `classes` classes and MLP width `w`.
    pub fn student_name(self, input_dim: usize, w: usize, classes: usize) -> String {
        match self {
            Pair::LeNetToMlp => format!("{input_dim}-{w}-{w}-{classes} MLP"),
            Pair::NinToModLeNet => "modified LeNet".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The datasets of the table, the sweeps and the comparisons; the central claims are
    /// MNIST's.
    pub datasets: Vec<&'static str>,
    pub split: SplitSpec,
    pub seeds: usize,
    pub teacher_epochs: usize,
    pub student_epochs: usize,
    pub batch_size: usize,
    pub teacher_optimizer: OptimizerSpec,
    /// Regressing logits is unstable at SGD rates that suit cross-entropy (squared errors in
    /// the hundreds at first); Adam at 1e-3 is what the known third-party code uses.
    pub student_optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    /// Hidden width of the MLP student (784-w-w-10 on MNIST).
    pub student_width: usize,
    /// `sigma-sweep`: noise standard deviations at `sweep_alpha` (0 is the clean teacher).
    pub sigmas: Vec<f64>,
    pub sweep_alpha: f64,
    /// `alpha-sweep`: probabilities at the sigma chosen on the sigma sweep.
    pub alphas: Vec<f64>,
    /// Soft targets' temperature and hard-label weight for the reference line (Hinton et al.'s
    /// MNIST setting).
    pub temperature: f64,
    pub hard_weight: f64,
    /// `regularizers`: the student's dropout (input, hidden) and weight decay.
    pub dropout: (f64, f64),
    pub weight_decay: f32,
    /// `regularizers`: standard deviation of the Gaussian noise on the student's normalised
    /// inputs (the teacher's logits are those of the clean images).
    pub input_noise: f64,
    /// `ensemble`: teachers averaged.
    pub ensemble_size: usize,
    /// The experiments run without `--only`.
    pub experiments: Vec<&'static str>,
    /// How this profile's own choices were made (the summary states it).
    pub choices: &'static str,
}

impl Settings {
    pub fn for_profile(profile: Profile) -> Result<Settings> {
        let adam = |lr: f64, weight_decay: f32| OptimizerSpec::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay,
        };
        let cpu = Settings {
            datasets: vec!["mnist-10k", "fashion-10k"],
            split: SplitSpec {
                validation: 1000,
                max_train: Some(7000),
                max_test: None,
            },
            seeds: 3,
            // Chosen on validation (seed-1 teachers trained 40 epochs, see `choices`).
            teacher_epochs: 30,
            student_epochs: 15,
            batch_size: 128,
            teacher_optimizer: adam(1e-3, 0.0),
            student_optimizer: adam(1e-3, 0.0),
            schedule: LrSchedule::Constant,
            student_width: 800,
            sigmas: vec![0.0, 0.1, 0.2, 0.4, 0.8],
            sweep_alpha: 0.5,
            alphas: vec![0.25, 0.5, 0.75, 1.0],
            temperature: 20.0,
            hard_weight: 0.1,
            dropout: (0.2, 0.5),
            weight_decay: 5e-4,
            input_noise: 0.3,
            ensemble_size: 3,
            experiments: crate::experiments::ALL.to_vec(),
            choices: "the architectures, optimiser, student epochs and grids were fixed before \
                      any run. The teachers' 30 epochs (15 in the first cpu run) come from the \
                      validation curves of seed-1 LeNet-5 teachers trained for 40 epochs: on \
                      MNIST validation errors levelled off at about 27 of 1000 after 15 epochs; \
                      on Fashion-MNIST they fell from 162 at epoch 15 to about 137 by epochs \
                      26-30 and stayed there. At 15 epochs the Fashion-MNIST teacher had more \
                      validation errors (153, mean of its 9 runs) than the hard-label student \
                      (146), which is no teacher to compress. Disclosed: that first cpu run's \
                      test numbers had been seen before the change (noise did not help; on \
                      MNIST the validation search chose sigma 0, so the then-required claim, \
                      noisy beats clean on MNIST, failed). The input-noise regulariser was \
                      added after that run too; its strength (0.3) was fixed without a search",
        };
        Ok(match profile {
            Profile::Smoke => Settings {
                datasets: vec!["mnist-10k"],
                split: SplitSpec {
                    validation: 200,
                    max_train: Some(600),
                    max_test: Some(300),
                },
                seeds: 1,
                teacher_epochs: 2,
                student_epochs: 2,
                sigmas: vec![0.0, 0.4],
                alphas: vec![0.5, 1.0],
                ensemble_size: 2,
                choices: "sizes for a test of the plumbing, not for its numbers",
                ..cpu
            },
            Profile::Cpu => cpu,
            // The paper's three datasets: MNIST with the LeNet-5 -> MLP pair, SVHN and
            // CIFAR-10 with Network-in-Network -> modified LeNet ([`Pair`]), all at full size.
            Profile::Paper => Settings {
                datasets: vec!["mnist", "svhn", "cifar10"],
                split: SplitSpec {
                    validation: 5000,
                    max_train: None,
                    max_test: None,
                },
                teacher_epochs: 50,
                student_epochs: 50,
                choices: "the cpu profile's optimiser, noise grids and regularisers at full size \
                          and 50 epochs; not run yet (it needs SVHN and CIFAR-10 and a GPU)",
                ..cpu
            },
            Profile::Ci | Profile::Full => {
                return Err(KdError::Config(format!(
                    "noisy-teacher has no `{}` profile yet (issue 10); use smoke, cpu or paper",
                    profile.name()
                )));
            }
        })
    }
}
