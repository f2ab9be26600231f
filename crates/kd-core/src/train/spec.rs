//! [`TrainSpec`]: everything that determines a trained model. Serialisable; its hash is the
//! run-store key, so two equal specs give one run.

use serde::{Deserialize, Serialize};

use crate::data::{Augment, Normalization, Splits, Subset};
use crate::error::{KdError, Result};
use crate::methods::{Distiller, HardLabels, Method};
use crate::models::{MlpConfig, ModelSpec, Net};
use crate::runs::RunStore;
use crate::train::{LrSchedule, OptimizerSpec};

/// Everything that determines a trained model. Two equal specs give identical models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub model: ModelSpec,
    pub dataset: String,
    /// [`Splits::fingerprint`] of the data the run was trained and evaluated on.
    pub splits: String,
    /// The part of the training split the run learns from (the transfer set).
    pub transfer: Subset,
    pub method: Method,
    /// Run keys of the teachers the method distils, in order (empty for hard labels).
    pub teachers: Vec<String>,
    pub optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    pub epochs: usize,
    /// Passes over the transfer set per epoch (> 1 gives a small transfer set as many steps
    /// per epoch as a large one).
    pub repeats: usize,
    pub batch_size: usize,
    /// Random transforms of the training images.
    pub augment: Augment,
    /// Per-channel normalisation of the inputs (training and evaluation); `None` feeds [0, 1]
    /// pixels.
    pub normalize: Option<Normalization>,
    pub seed: u64,
    /// Run keys of the stored runs whose trained nets this run starts from instead of a random
    /// initialisation: the student's, then one per peer net the method trains beside it
    /// ([`Needs::peers`](crate::methods::Needs)). Empty (and then left out of the run key, so
    /// runs stored before the field existed keep their keys): a fresh start. Stage-wise methods
    /// are chains of runs: FitNets' hint stage, then distillation starting from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_from: Vec<String>,
}

/// How long and how a run optimises: what a paper's profile fixes for a class of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    pub optimizer: OptimizerSpec,
    pub schedule: LrSchedule,
    pub epochs: usize,
    pub batch_size: usize,
}

impl TrainSpec {
    /// A run of `model` trained by `method` with `recipe` on the whole training split of
    /// `splits`, without augmentation or normalisation, one pass per epoch; the caller sets the
    /// rest with [`TrainSpec::with_teachers`] or field updates.
    pub fn new(
        splits: &Splits,
        model: impl Into<ModelSpec>,
        method: impl Into<Method>,
        recipe: Recipe,
        seed: u64,
    ) -> TrainSpec {
        TrainSpec {
            model: model.into(),
            dataset: splits.dataset.clone(),
            splits: splits.fingerprint(),
            transfer: Subset::All,
            method: method.into(),
            teachers: Vec::new(),
            optimizer: recipe.optimizer,
            schedule: recipe.schedule,
            epochs: recipe.epochs,
            repeats: 1,
            batch_size: recipe.batch_size,
            augment: Augment::none(),
            normalize: None,
            seed,
            init_from: Vec::new(),
        }
    }

    /// Hinton et al. (2015)'s MNIST teacher ([`MlpConfig::hinton_teacher`]) trained on the hard
    /// labels of the whole training split, its inputs jittered by up to 2 pixels. The optimizer,
    /// schedule, epochs and batch size are the caller's (each paper's profile sets them).
    pub fn hinton_teacher(
        splits: &Splits,
        optimizer: OptimizerSpec,
        schedule: LrSchedule,
        epochs: usize,
        batch_size: usize,
        seed: u64,
    ) -> TrainSpec {
        let model = MlpConfig::hinton_teacher(splits.input_dim(), splits.num_classes());
        let recipe = Recipe {
            optimizer,
            schedule,
            epochs,
            batch_size,
        };
        let mut spec = TrainSpec::new(splits, model, HardLabels {}, recipe, seed);
        spec.augment = Augment::translate(2);
        spec
    }

    /// The same spec distilling `teachers` (their run keys).
    pub fn with_teachers(mut self, teachers: &[&str]) -> TrainSpec {
        self.teachers = teachers.iter().map(|k| k.to_string()).collect();
        self
    }

    /// The runs this one needs stored before it trains: its teachers, then its starts.
    pub fn dependencies(&self) -> Vec<String> {
        self.teachers
            .iter()
            .chain(&self.init_from)
            .cloned()
            .collect()
    }

    pub fn key(&self) -> String {
        RunStore::key(self)
    }

    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.method.validate()?;
        if self.epochs == 0 || self.batch_size == 0 || self.repeats == 0 {
            return Err(KdError::Config(format!(
                "epochs, repeats and batch size must be positive (got {}, {} and {})",
                self.epochs, self.repeats, self.batch_size
            )));
        }
        let lr = self.optimizer.base_lr();
        if lr.is_nan() || lr <= 0.0 {
            return Err(KdError::Config(format!(
                "learning rate must be positive, got {}",
                self.optimizer.base_lr()
            )));
        }
        let needs = self.method.needs();
        if needs.tangents && !Net::supports_jvp(&self.model) {
            return Err(KdError::Config(format!(
                "method `{}` needs forward-mode input derivatives, which only MLPs implement; \
                 got {}",
                self.method.describe(),
                self.model.describe()
            )));
        }
        if needs.tangents && self.model.has_dropout() {
            return Err(KdError::Config(format!(
                "method `{}` matches input derivatives, which the forward-mode pass computes \
                 without dropout: use a student without dropout",
                self.method.describe()
            )));
        }
        if !(self.init_from.is_empty() || self.init_from.len() == 1 + needs.peers) {
            return Err(KdError::Config(format!(
                "method `{}` trains {} net(s), but the run starts from {} stored run(s): give \
                 none (a fresh start) or one per net",
                self.method.describe(),
                1 + needs.peers,
                self.init_from.len()
            )));
        }
        if !needs.teachers.accepts(self.teachers.len()) {
            return Err(KdError::Config(format!(
                "method `{}` takes {}, but the run names {}",
                self.method.describe(),
                needs.teachers.describe(),
                self.teachers.len()
            )));
        }
        Ok(())
    }
}
