//! What every experiment shares: per dataset the splits, the teachers and students of its
//! [`Pair`]; the ways of training a student; and the (sigma, alpha) chosen on validation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kd_core::data::{DatasetInfo, Splits};
use kd_core::error::{KdError, Result};
use kd_core::methods::{
    HardLabels, LogitRegression, Method, NoiseForm, NoiseTarget, NoiseUnit, NoisyLogits,
    SoftTargets,
};
use kd_core::models::{LeNetConfig, MlpConfig, ModelSpec, NinConfig};
use kd_core::report::Table;
use kd_core::train::{OptimizerSpec, Recipe, RunNode, TrainSpec, TrainedRun, Trainer};

use crate::experiments::{self, sweeps};
use crate::profile::{Pair, Settings};

/// The seed offset of the extra teachers of an ensemble: student seed `s` averages the teachers
/// of seeds `s`, `s + 1000`, `s + 2000`, ...
const ENSEMBLE_SEED_STRIDE: u64 = 1000;

/// One dataset of the profile.
pub struct Data {
    pub name: String,
    pub info: DatasetInfo,
    pub splits: Splits,
}

impl Data {
    pub fn pair(&self) -> Pair {
        Pair::for_input(self.splits.input_shape())
    }
}

/// The noise options of `--noise-form` and `--noise-unit`.
#[derive(Debug, Clone, Copy)]
pub struct NoiseOptions {
    pub form: NoiseForm,
    pub unit: NoiseUnit,
}

/// How a student is trained.
#[derive(Debug, Clone, PartialEq)]
pub enum StudentMethod {
    /// Hard labels alone.
    Hard,
    /// Regressing the clean teacher's logits.
    Clean,
    /// Regressing the teacher's logits perturbed with (sigma, alpha).
    NoisyTeacher { sigma: f64, alpha: f64 },
    /// Regressing the clean teacher with (sigma, alpha) noise on its own logits.
    NoisyStudent { sigma: f64, alpha: f64 },
    /// Regressing the clean teacher, with dropout on the student (input, hidden).
    Dropout,
    /// Regressing the clean teacher, with weight decay.
    WeightDecay,
    /// Regressing the clean teacher's logits of the clean images, with Gaussian noise on the
    /// student's own (normalised) inputs.
    InputNoise,
    /// Hinton et al.'s soft targets (the reference line).
    SoftTargets,
    /// Regressing the mean logits of `k` independently trained teachers.
    Ensemble { k: usize },
}

impl StudentMethod {
    pub fn name(&self) -> String {
        match self {
            StudentMethod::Hard => "hard labels".into(),
            StudentMethod::Clean => "clean teacher".into(),
            StudentMethod::NoisyTeacher { .. } => "noisy teacher".into(),
            StudentMethod::NoisyStudent { .. } => "noisy student".into(),
            StudentMethod::Dropout => "dropout".into(),
            StudentMethod::WeightDecay => "weight decay".into(),
            StudentMethod::InputNoise => "input noise".into(),
            StudentMethod::SoftTargets => "soft targets".into(),
            StudentMethod::Ensemble { k } => format!("ensemble of {k}"),
        }
    }
}

pub struct Context {
    pub trainer: Trainer,
    pub settings: Settings,
    pub noise: NoiseOptions,
    pub seeds: Vec<u64>,
    pub out: PathBuf,
    pub data: Vec<Data>,
    /// (sigma, alpha) chosen on validation, per dataset.
    pub chosen: Mutex<BTreeMap<String, (f64, f64)>>,
}

impl Context {
    fn normalized(&self, data: &Data, mut spec: TrainSpec) -> TrainSpec {
        spec.normalize = Some(data.info.normalize());
        spec
    }

    /// "LeNet-5 teacher, 784-800-800-10 MLP student" for `data`.
    pub fn architectures(&self, data: &Data) -> String {
        let pair = data.pair();
        format!(
            "{} teacher, {} student",
            pair.teacher_name(),
            pair.student_name(
                data.splits.input_dim(),
                self.settings.student_width,
                data.splits.num_classes()
            )
        )
    }

    /// Every dataset's architectures, datasets with the same pair listed together.
    pub fn architectures_text(&self) -> String {
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for data in &self.data {
            let arch = self.architectures(data);
            match groups.iter_mut().find(|(a, _)| *a == arch) {
                Some((_, names)) => names.push(&data.name),
                None => groups.push((arch, vec![&data.name])),
            }
        }
        groups
            .iter()
            .map(|(arch, names)| format!("{}: {arch}", names.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Whether `how` applies to `data`'s student (dropout and input noise are MLP options).
    pub fn supports(&self, data: &Data, how: &StudentMethod) -> bool {
        data.pair() == Pair::LeNetToMlp
            || !matches!(how, StudentMethod::Dropout | StudentMethod::InputNoise)
    }

    fn teacher_node(&self, data: &Data, seed: u64) -> Arc<RunNode> {
        let s = &self.settings;
        let (shape, classes) = (data.splits.input_shape(), data.splits.num_classes());
        let model = match data.pair() {
            Pair::LeNetToMlp => ModelSpec::from(LeNetConfig::lenet5(shape, classes)),
            Pair::NinToModLeNet => ModelSpec::from(NinConfig {
                input: shape,
                ..NinConfig::cifar(classes)
            }),
        };
        let recipe = Recipe {
            optimizer: s.teacher_optimizer.clone(),
            schedule: s.schedule.clone(),
            epochs: s.teacher_epochs,
            batch_size: s.batch_size,
        };
        let spec = TrainSpec::new(&data.splits, model, HardLabels {}, recipe, seed);
        RunNode::new(
            format!(
                "{} {} teacher seed {seed}",
                data.name,
                data.pair().teacher_name()
            ),
            self.normalized(data, spec),
            vec![],
        )
    }

    /// The teacher of `seed` (trained once, then found in the run store).
    pub fn teacher(&self, data: &Data, seed: u64) -> Result<TrainedRun> {
        self.trainer
            .obtain(&self.teacher_node(data, seed), &data.splits)
    }

    fn noisy(&self, sigma: f64, alpha: f64, target: NoiseTarget) -> Method {
        NoisyLogits {
            sigma,
            alpha,
            form: self.noise.form,
            unit: self.noise.unit,
            target,
            hard_weight: 0.0,
        }
        .into()
    }

    /// The student of `seed` trained as `how`.
    pub fn student(&self, data: &Data, how: &StudentMethod, seed: u64) -> Result<TrainedRun> {
        if !self.supports(data, how) {
            return Err(KdError::Config(format!(
                "{}: {} is an option of the MLP student, not of the {}",
                data.name,
                how.name(),
                self.architectures(data)
            )));
        }
        let s = &self.settings;
        let d = data.splits.input_dim();
        let w = s.student_width;
        let classes = data.splits.num_classes();
        let mut model = MlpConfig::plain(&[d, w, w, classes]);
        let mut optimizer = s.student_optimizer.clone();
        let mut teachers = vec![self.teacher_node(data, seed)];
        let clean: Method = LogitRegression { hard_weight: 0.0 }.into();
        let method = match *how {
            StudentMethod::Hard => {
                teachers.clear();
                HardLabels {}.into()
            }
            StudentMethod::Clean => clean,
            StudentMethod::NoisyTeacher { sigma, alpha } => {
                self.noisy(sigma, alpha, NoiseTarget::Teacher)
            }
            StudentMethod::NoisyStudent { sigma, alpha } => {
                self.noisy(sigma, alpha, NoiseTarget::Student)
            }
            StudentMethod::Dropout => {
                (model.input_dropout, model.hidden_dropout) = s.dropout;
                clean
            }
            StudentMethod::WeightDecay => {
                if let OptimizerSpec::Adam { weight_decay, .. } = &mut optimizer {
                    *weight_decay = s.weight_decay;
                }
                clean
            }
            StudentMethod::InputNoise => {
                model.input_noise = s.input_noise;
                clean
            }
            StudentMethod::SoftTargets => SoftTargets::new(s.temperature, s.hard_weight).into(),
            StudentMethod::Ensemble { k } => {
                teachers = (0..k as u64)
                    .map(|i| self.teacher_node(data, seed + i * ENSEMBLE_SEED_STRIDE))
                    .collect();
                clean
            }
        };
        let recipe = Recipe {
            optimizer,
            schedule: s.schedule.clone(),
            epochs: s.student_epochs,
            batch_size: s.batch_size,
        };
        let model = match data.pair() {
            Pair::LeNetToMlp => ModelSpec::from(model),
            Pair::NinToModLeNet => {
                ModelSpec::from(LeNetConfig::mod_lenet(data.splits.input_shape(), classes))
            }
        };
        let spec = TrainSpec::new(&data.splits, model, method, recipe, seed);
        let label = format!("{} student, {} seed {seed}", data.name, describe(how));
        let node = RunNode::new(label, self.normalized(data, spec), teachers);
        self.trainer.obtain(&node, &data.splits)
    }

    /// The noisy teacher's students at each of `candidates` on `data`, every seed, as table
    /// rows (the sweeps' runs: trained once, then found in the run store).
    fn candidate_rows(&self, data: &Data, candidates: &[(f64, f64)]) -> Result<Table> {
        let mut table = experiments::new_table();
        for &(sigma, alpha) in candidates {
            let how = StudentMethod::NoisyTeacher { sigma, alpha };
            experiments::push_rows(self, data, &how, &mut table)?;
        }
        Ok(table)
    }

    /// The sigma of the alpha sweep, chosen on validation ([`sweeps::alpha_sweep_sigma`]).
    pub fn alpha_sweep_sigma(&self, data: &Data) -> Result<f64> {
        let rows = self.candidate_rows(data, &sweeps::sigma_candidates(&self.settings))?;
        sweeps::alpha_sweep_sigma(&rows, &data.name, &self.settings)
    }

    /// (sigma, alpha) for `data`, chosen on validation ([`sweeps::chosen_noise`]: mean
    /// final-epoch validation errors over the seeds, never test); computed once per dataset.
    pub fn chosen_noise(&self, data: &Data) -> Result<(f64, f64)> {
        if let Some(&pair) = self.chosen.lock().expect("poisoned").get(&data.name) {
            return Ok(pair);
        }
        let sigma = self.alpha_sweep_sigma(data)?;
        let rows = self.candidate_rows(data, &sweeps::noise_candidates(&self.settings, sigma))?;
        let pair = sweeps::chosen_noise(&rows, &data.name, &self.settings)?;
        self.chosen
            .lock()
            .expect("poisoned")
            .insert(data.name.clone(), pair);
        Ok(pair)
    }
}

fn describe(how: &StudentMethod) -> String {
    match how {
        StudentMethod::NoisyTeacher { sigma, alpha }
        | StudentMethod::NoisyStudent { sigma, alpha } => {
            format!("{} sigma {sigma} alpha {alpha}", how.name())
        }
        _ => how.name(),
    }
}
