//! What every experiment shares: the splits, the trainer, the recipe and the networks, and the
//! three ways of training a student (NOKD, BLKD, TAKD) as nodes of the run graph, so a teacher
//! or an assistant shared by several students (and experiments) is trained once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kd_core::Result;
use kd_core::data::{Augment, DatasetInfo, Splits};
use kd_core::methods::{HardLabels, Method, SoftTargets};
use kd_core::models::{CnnBook, ModelSpec, PlainCnnConfig, ResNetConfig, Shortcut};
use kd_core::runs::EpochMetrics;
use kd_core::train::search::sample_grid;
use kd_core::train::{Recipe, RunNode, TrainSpec, TrainedRun, Trainer};

use crate::paper::Family;
use crate::profile::{RecipeName, Settings, search_space};

/// The seed of the search's trial runs (their draw from the grid, and the runs themselves):
/// seed 1's, so the winning trial is also that seed's run when the teacher is the same.
pub const SEARCH_SEED: u64 = 1;

/// (lambda, T) of the distillation loss.
pub type Hyperparameters = (f64, f64);

/// One trial of the (lambda, T) search.
#[derive(Debug, Clone)]
pub struct Trial {
    pub family: Family,
    /// The distilled network's depth (the search is per depth, from the Table 1 teacher).
    pub depth: usize,
    pub teacher: usize,
    pub lambda: f64,
    pub temperature: f64,
    pub val_errors: usize,
    pub val_total: usize,
    pub chosen: bool,
}

pub struct Context {
    pub trainer: Trainer,
    pub settings: Settings,
    pub recipe: RecipeName,
    pub info: DatasetInfo,
    pub splits: Splits,
    pub seeds: Vec<u64>,
    pub out: PathBuf,
    /// (lambda, T) chosen on validation per (family, distilled depth), and every trial.
    pub chosen: Mutex<BTreeMap<(&'static str, usize), Hyperparameters>>,
    pub trials: Mutex<Vec<Trial>>,
}

/// How a student is trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method3 {
    /// The student alone on hard labels.
    Nokd,
    /// Distilled from the teacher.
    Blkd,
    /// Distilled from the assistant, itself distilled from the teacher.
    Takd,
}

impl Method3 {
    pub const ALL: [Method3; 3] = [Method3::Nokd, Method3::Blkd, Method3::Takd];

    /// This method's entry of a (NOKD, BLKD, TAKD) triple.
    pub fn pick<T>(self, (nokd, blkd, takd): (T, T, T)) -> T {
        match self {
            Method3::Nokd => nokd,
            Method3::Blkd => blkd,
            Method3::Takd => takd,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method3::Nokd => "NOKD",
            Method3::Blkd => "BLKD",
            Method3::Takd => "TAKD",
        }
    }
}

impl Context {
    /// Epochs of every network under this profile and recipe.
    pub fn epochs(&self) -> usize {
        self.settings
            .epochs
            .unwrap_or_else(|| self.recipe.full_epochs())
    }

    /// "N epochs per network", or "N epochs per assistant and student, M per teacher" where
    /// teachers train longer: the schedule, as summaries state it.
    pub fn epochs_text(&self, epochs: usize) -> String {
        match self.settings.teacher_epoch_factor {
            1 => format!("{epochs} epochs per network"),
            factor => format!(
                "{epochs} epochs per assistant and student, {} per teacher",
                epochs * factor
            ),
        }
    }

    /// `plane{depth}` (the paper's book for the class count) or ResNet-`depth` (shortcut B,
    /// the official code's), for this dataset's images.
    pub fn net(&self, family: Family, depth: usize) -> Result<ModelSpec> {
        let input = self.splits.input_shape();
        let classes = self.splits.num_classes();
        Ok(match family {
            Family::Plain => {
                let book = if classes > 10 {
                    CnnBook::Cifar100
                } else {
                    CnnBook::Cifar10
                };
                PlainCnnConfig::takd(book, depth, input, classes)?.into()
            }
            Family::ResNet => ResNetConfig::new(depth, Shortcut::B, input, classes).into(),
        })
    }

    /// The distillation loss `(1 - lambda) CE + lambda T^2 KL` with the recipe's KL averaging.
    fn distillation_with(&self, lambda: f64, temperature: f64) -> Method {
        SoftTargets::new(temperature, 1.0 - lambda)
            .with_kl_reduction(self.recipe.training(Family::Plain, 1).kl_reduction)
            .into()
    }

    /// (lambda, T) for distilling a network of `depth`: the profile's fixed pair, or the one
    /// chosen on validation. The search (once per family and depth, the first time it is
    /// needed) distils `depth` from the Table 1 teacher with `search_budget` pairs drawn from
    /// the official space, seed [`SEARCH_SEED`], and keeps the pair whose run ends with the
    /// fewest validation errors; test numbers play no part.
    pub fn hyperparameters(&self, family: Family, depth: usize) -> Result<Hyperparameters> {
        let s = &self.settings;
        if s.search_budget == 0 {
            return Ok((s.lambda, s.temperature));
        }
        let key = (family.name(), depth);
        if let Some(&pair) = self.chosen.lock().expect("search poisoned").get(&key) {
            return Ok(pair);
        }
        let teacher_depth = match family {
            Family::Plain => s.plain.2,
            Family::ResNet => s.resnet.map_or(s.plain.2, |r| r.2),
        };
        let teacher = self.teacher(family, teacher_depth, SEARCH_SEED)?;
        let candidates = sample_grid(&search_space(), s.search_budget, SEARCH_SEED);
        let mut runs = Vec::new();
        for &(lambda, temperature) in &candidates {
            let spec = self.spec(
                family,
                depth,
                self.distillation_with(lambda, temperature),
                SEARCH_SEED,
            )?;
            let label = format!(
                "search {} <- {} lambda {lambda:.2} T {temperature}",
                net_name(family, depth),
                net_name(family, teacher_depth)
            );
            runs.push(self.obtain(&RunNode::new(label, spec, vec![teacher.clone()]))?);
        }
        let finals: Vec<&EpochMetrics> = runs.iter().map(|r| r.final_epoch()).collect();
        let best = chosen_trial(&finals).expect("a positive budget");
        let pair = candidates[best];
        let mut trials = self.trials.lock().expect("search poisoned");
        for (i, (run, &(lambda, temperature))) in runs.iter().zip(&candidates).enumerate() {
            let last = run.final_epoch();
            trials.push(Trial {
                family,
                depth,
                teacher: teacher_depth,
                lambda,
                temperature,
                val_errors: last.val_errors,
                val_total: last.val_total,
                chosen: i == best,
            });
        }
        self.chosen
            .lock()
            .expect("search poisoned")
            .insert(key, pair);
        Ok(pair)
    }

    fn spec(&self, family: Family, depth: usize, method: Method, seed: u64) -> Result<TrainSpec> {
        self.spec_for(family, depth, method, seed, self.epochs())
    }

    fn spec_for(
        &self,
        family: Family,
        depth: usize,
        method: Method,
        seed: u64,
        epochs: usize,
    ) -> Result<TrainSpec> {
        let training = self.recipe.training(family, epochs);
        let mut spec = TrainSpec::new(
            &self.splits,
            self.net(family, depth)?,
            method,
            Recipe {
                optimizer: training.optimizer,
                schedule: training.schedule,
                epochs,
                batch_size: self.settings.batch_size,
            },
            seed,
        );
        spec.augment = if training.augment {
            self.info.standard_augment()
        } else {
            Augment::none()
        };
        spec.normalize = Some(self.info.normalize());
        Ok(spec)
    }

    /// The seed of the teacher heading the chains of `seed`: seed [`SEARCH_SEED`]'s for every
    /// seed where the profile shares one teacher, `seed` otherwise.
    pub fn teacher_seed(&self, seed: u64) -> u64 {
        if self.settings.shared_teacher {
            SEARCH_SEED
        } else {
            seed
        }
    }

    /// The teacher heading the chains of `seed` (see [`Context::teacher_seed`]).
    pub fn teacher(&self, family: Family, depth: usize, seed: u64) -> Result<Arc<RunNode>> {
        self.teacher_for(family, depth, seed, self.epochs())
    }

    /// [`Context::teacher`] trained for `epochs` epochs.
    pub fn teacher_for(
        &self,
        family: Family,
        depth: usize,
        seed: u64,
        epochs: usize,
    ) -> Result<Arc<RunNode>> {
        let epochs = epochs * self.settings.teacher_epoch_factor;
        Ok(self
            .chain_for(family, &[depth], self.teacher_seed(seed), epochs)?
            .remove(0))
    }

    /// The network of `depth` on hard labels (a student without KD).
    pub fn alone(&self, family: Family, depth: usize, seed: u64) -> Result<Arc<RunNode>> {
        Ok(self.chain(family, &[depth], seed)?.remove(0))
    }

    /// The path `depths[0] -> depths[1] -> ...` (teacher first): the first trains alone (as a
    /// teacher when others follow: seed [`Context::teacher_seed`], the profile's teacher
    /// epochs), each next one is distilled from the
    /// previous with `seed`. Returns every node, teacher first.
    pub fn chain(&self, family: Family, depths: &[usize], seed: u64) -> Result<Vec<Arc<RunNode>>> {
        self.chain_for(family, depths, seed, self.epochs())
    }

    /// [`Context::chain`] with every network trained for `epochs` epochs (a setting with its
    /// own schedule length, like the ResNet-26 comparison's 80). Distillation uses the (lambda,
    /// T) chosen for each depth.
    pub fn chain_for(
        &self,
        family: Family,
        depths: &[usize],
        seed: u64,
        epochs: usize,
    ) -> Result<Vec<Arc<RunNode>>> {
        let (head_seed, head_epochs) = if depths.len() > 1 {
            (
                self.teacher_seed(seed),
                epochs * self.settings.teacher_epoch_factor,
            )
        } else {
            (seed, epochs)
        };
        let mut nodes: Vec<Arc<RunNode>> = Vec::new();
        for &depth in depths {
            let node = match nodes.last() {
                None => {
                    let method = HardLabels {}.into();
                    let spec = self.spec_for(family, depth, method, head_seed, head_epochs)?;
                    let label = format!("{} seed {head_seed}", net_name(family, depth));
                    RunNode::new(label, spec, vec![])
                }
                Some(previous) => {
                    let (lambda, temperature) = self.hyperparameters(family, depth)?;
                    let method = self.distillation_with(lambda, temperature);
                    let spec = self.spec_for(family, depth, method, seed, epochs)?;
                    // Under a shared teacher the chain's own seed is named where it starts.
                    let own_seed = if nodes.len() == 1 && head_seed != seed {
                        format!(" seed {seed}")
                    } else {
                        String::new()
                    };
                    let label = format!(
                        "{}{own_seed} <- {}",
                        net_name(family, depth),
                        previous.label
                    );
                    RunNode::new(label, spec, vec![previous.clone()])
                }
            };
            nodes.push(node);
        }
        Ok(nodes)
    }

    /// The student of `(student, assistant, teacher)` trained by `method`.
    pub fn student(
        &self,
        family: Family,
        (student, assistant, teacher): (usize, usize, usize),
        method: Method3,
        seed: u64,
    ) -> Result<Arc<RunNode>> {
        Ok(match method {
            Method3::Nokd => self.alone(family, student, seed)?,
            Method3::Blkd => self
                .chain(family, &[teacher, student], seed)?
                .pop()
                .expect("2"),
            Method3::Takd => self
                .chain(family, &[teacher, assistant, student], seed)?
                .pop()
                .expect("3"),
        })
    }

    pub fn obtain(&self, node: &RunNode) -> Result<TrainedRun> {
        self.trainer.obtain(node, &self.splits)
    }
}

/// The trial the (lambda, T) search keeps, given each trial's final epoch: the fewest
/// validation errors, the first on ties (trials come in grid order). Test errors play no part.
pub fn chosen_trial(finals: &[&EpochMetrics]) -> Option<usize> {
    finals
        .iter()
        .enumerate()
        .min_by_key(|(i, e)| (e.val_errors, *i))
        .map(|(i, _)| i)
}

/// `plane{depth}` or `resnet{depth}`.
pub fn net_name(family: Family, depth: usize) -> String {
    match family {
        Family::Plain => format!("plane{depth}"),
        Family::ResNet => format!("resnet{depth}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(val_errors: usize, test_errors: usize) -> EpochMetrics {
        EpochMetrics {
            epoch: 5,
            lr: 0.01,
            terms: Vec::new(),
            loss: 0.5,
            train_accuracy: 0.9,
            val_errors,
            val_total: 1000,
            test_errors,
            test_total: 2000,
            seconds: 1.0,
        }
    }

    /// Validation and test disagree: the pair with the fewest validation errors is kept, not
    /// the one with the fewest test errors; on a validation tie, the first in grid order.
    #[test]
    fn the_search_keeps_the_fewest_validation_errors() {
        let trials = [epoch(120, 150), epoch(100, 400), epoch(130, 90)];
        let finals: Vec<&EpochMetrics> = trials.iter().collect();
        assert_eq!(chosen_trial(&finals), Some(1));
        let tied = [epoch(100, 300), epoch(100, 100)];
        let finals: Vec<&EpochMetrics> = tied.iter().collect();
        assert_eq!(chosen_trial(&finals), Some(0));
        assert_eq!(chosen_trial(&[]), None);
    }
}
