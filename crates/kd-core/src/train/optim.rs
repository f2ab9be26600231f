//! Optimizers and learning-rate schedules as plain serializable data. Every hyperparameter is
//! set explicitly: Burn's defaults differ from PyTorch's (SGD momentum dampening 0.1, Adam
//! epsilon 1e-5), and the papers' numbers come from PyTorch-like settings.

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, SgdConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OptimizerSpec {
    Sgd {
        lr: f64,
        momentum: f64,
        nesterov: bool,
        weight_decay: f64,
    },
    Adam {
        lr: f64,
        beta1: f32,
        beta2: f32,
        epsilon: f32,
        weight_decay: f32,
    },
}

impl OptimizerSpec {
    /// SGD with Nesterov momentum 0.9 and no weight decay (the digit experiments' optimizer).
    pub fn nesterov_sgd(lr: f64) -> Self {
        OptimizerSpec::Sgd {
            lr,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.0,
        }
    }

    pub fn base_lr(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { lr, .. } | OptimizerSpec::Adam { lr, .. } => *lr,
        }
    }

    /// The same optimizer with base learning rate `lr`.
    pub fn with_lr(&self, lr: f64) -> Self {
        let mut out = self.clone();
        match &mut out {
            OptimizerSpec::Sgd { lr: l, .. } | OptimizerSpec::Adam { lr: l, .. } => *l = lr,
        }
        out
    }

    pub fn build(&self) -> ModuleOptimizer {
        match self {
            OptimizerSpec::Sgd {
                momentum,
                nesterov,
                weight_decay,
                ..
            } => {
                let momentum = (*momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(*momentum)
                        .with_dampening(0.0)
                        .with_nesterov(*nesterov)
                });
                let decay =
                    (*weight_decay > 0.0).then(|| WeightDecayConfig::new(*weight_decay as f32));
                SgdConfig::new()
                    .with_momentum(momentum)
                    .with_weight_decay(decay)
                    .init()
            }
            OptimizerSpec::Adam {
                beta1,
                beta2,
                epsilon,
                weight_decay,
                ..
            } => {
                let decay = (*weight_decay > 0.0).then(|| WeightDecayConfig::new(*weight_decay));
                AdamConfig::new()
                    .with_beta_1(*beta1)
                    .with_beta_2(*beta2)
                    .with_epsilon(*epsilon)
                    .with_weight_decay(decay)
                    .init()
            }
        }
    }
}

/// Learning rate as a pure function of the position in training, so a resumed run needs no
/// scheduler state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LrSchedule {
    Constant,
    /// Multiply by `gamma` every `every_epochs` epochs.
    Step {
        every_epochs: usize,
        gamma: f64,
    },
    /// Multiply by `gamma` at each of the given epochs (0-based epoch indices, ascending), e.g.
    /// 0.1 -> 0.01 -> 0.001 with milestones [150, 225] and gamma 0.1 (the CIFAR schedules).
    MultiStep {
        milestones: Vec<usize>,
        gamma: f64,
    },
    /// Multiply by `gamma` after every epoch.
    Exponential {
        gamma: f64,
    },
    /// Linear warm-up from ~0 to the base rate over the first `warmup_epochs` (per iteration),
    /// then cosine annealing per iteration to `base * final_fraction`. The warm-up keeps
    /// momentum SGD from diverging in the first steps from a random initialisation (seen on
    /// Fashion-MNIST without it).
    Cosine {
        final_fraction: f64,
        warmup_epochs: usize,
    },
}

impl LrSchedule {
    /// The rate for iteration `iter` of `epoch` (both from 0).
    pub fn lr(
        &self,
        base: f64,
        epoch: usize,
        iter: usize,
        iters_per_epoch: usize,
        epochs: usize,
    ) -> f64 {
        match self {
            LrSchedule::Constant => base,
            LrSchedule::Step {
                every_epochs,
                gamma,
            } => base * gamma.powi((epoch / (*every_epochs).max(1)) as i32),
            LrSchedule::MultiStep { milestones, gamma } => {
                let passed = milestones.iter().filter(|&&m| epoch >= m).count();
                base * gamma.powi(passed as i32)
            }
            LrSchedule::Exponential { gamma } => base * gamma.powi(epoch as i32),
            LrSchedule::Cosine {
                final_fraction,
                warmup_epochs,
            } => {
                let step = epoch * iters_per_epoch + iter;
                let warmup = (warmup_epochs * iters_per_epoch).min(epochs * iters_per_epoch);
                if step < warmup {
                    return base * (step + 1) as f64 / warmup as f64;
                }
                let rest = (epochs * iters_per_epoch - warmup).max(1) as f64;
                let t = (step - warmup) as f64 / rest;
                let floor = base * final_fraction;
                floor + (base - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hit_their_landmarks() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(LrSchedule::Constant.lr(0.1, 7, 3, 10, 9), 0.1));
        let step = LrSchedule::Step {
            every_epochs: 3,
            gamma: 0.1,
        };
        assert!(close(step.lr(1.0, 2, 9, 10, 9), 1.0));
        assert!(close(step.lr(1.0, 3, 0, 10, 9), 0.1));
        assert!(close(step.lr(1.0, 6, 0, 10, 9), 0.01));
        let multi = LrSchedule::MultiStep {
            milestones: vec![150, 225],
            gamma: 0.1,
        };
        assert!(close(multi.lr(0.1, 0, 0, 10, 300), 0.1));
        assert!(close(multi.lr(0.1, 149, 9, 10, 300), 0.1));
        assert!(close(multi.lr(0.1, 150, 0, 10, 300), 0.01));
        assert!(close(multi.lr(0.1, 224, 0, 10, 300), 0.01));
        assert!((multi.lr(0.1, 225, 0, 10, 300) - 0.001).abs() < 1e-15);
        let exp = LrSchedule::Exponential { gamma: 0.5 };
        assert!(close(exp.lr(1.0, 2, 5, 10, 9), 0.25));
        let cos = LrSchedule::Cosine {
            final_fraction: 0.0,
            warmup_epochs: 0,
        };
        assert!(close(cos.lr(1.0, 0, 0, 10, 4), 1.0));
        assert!(close(cos.lr(1.0, 2, 0, 10, 4), 0.5));
        assert!(cos.lr(1.0, 3, 9, 10, 4) < 0.01);
        let warm = LrSchedule::Cosine {
            final_fraction: 0.1,
            warmup_epochs: 1,
        };
        assert!(close(warm.lr(1.0, 0, 0, 10, 5), 0.1));
        assert!(close(warm.lr(1.0, 0, 4, 10, 5), 0.5));
        assert!(close(warm.lr(1.0, 1, 0, 10, 5), 1.0));
        // Cosine over the 4 epochs after the warm-up: halfway at epoch 3, floor at the end.
        assert!(close(warm.lr(1.0, 3, 0, 10, 5), 0.55));
        assert!(warm.lr(1.0, 4, 9, 10, 5) < 0.11);
    }
}
