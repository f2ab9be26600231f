//! Hinton, Vinyals & Dean (2015): match the teacher's distribution softened at temperature T,
//! with the soft term scaled by T^2, plus a (much smaller) weight on the true labels:
//! `(1 - w) T^2 KL(p_T || q_T) + w CE(y, q_1)`. Mirzadeh et al.'s TAKD writes the same loss
//! with `lambda = 1 - w`; their code averages the KL over batch x classes
//! ([`KlReduction::MeanOverClasses`]), the papers over the batch.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, Teachers, check_unit_weight};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::{cross_entropy, distillation};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftTargets {
    pub temperature: f64,
    /// Weight `w` of the hard-label cross-entropy; the soft term gets `1 - w`.
    pub hard_weight: f64,
    /// How the KL term is averaged. Left out of the run key when it is the default, so runs
    /// stored before the knob existed keep their keys.
    #[serde(default, skip_serializing_if = "KlReduction::is_batch_mean")]
    pub kl_reduction: KlReduction,
}

/// The averaging of the soft term's KL divergence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KlReduction {
    /// Summed over classes, averaged over the batch: the KL divergence per example, as the
    /// papers write it (PyTorch's `reduction='batchmean'`).
    #[default]
    BatchMean,
    /// Averaged over batch x classes: PyTorch's `nn.KLDivLoss()` default (`'mean'`), which the
    /// official TAKD code (and much other KD code) uses; the soft term is divided by the class
    /// count, so the same lambda weighs it less.
    MeanOverClasses,
}

impl KlReduction {
    fn is_batch_mean(&self) -> bool {
        *self == KlReduction::BatchMean
    }
}

impl SoftTargets {
    /// Soft targets at `temperature` with hard-label weight `hard_weight`, the KL per example.
    pub fn new(temperature: f64, hard_weight: f64) -> Self {
        SoftTargets {
            temperature,
            hard_weight,
            kl_reduction: KlReduction::BatchMean,
        }
    }

    /// The same with the KL averaged as `reduction` says.
    pub fn with_kl_reduction(mut self, reduction: KlReduction) -> Self {
        self.kl_reduction = reduction;
        self
    }

    pub const TERMS: [&'static str; 2] = ["soft", "hard"];

    /// The two weighted terms for given student and teacher logits (also used by the methods
    /// built on soft targets: Sobolev, ensembles).
    pub fn terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
    ) -> LossTerms {
        let [_, classes] = logits.dims();
        let per_example = distillation(logits.clone(), teacher_logits, self.temperature);
        let soft = match self.kl_reduction {
            KlReduction::BatchMean => per_example,
            KlReduction::MeanOverClasses => per_example.div_scalar(classes as f64),
        }
        .mul_scalar(1.0 - self.hard_weight);
        let hard = cross_entropy(logits, labels).mul_scalar(self.hard_weight);
        LossTerms::new(vec![("soft", soft), ("hard", hard)])
    }
}

impl Distiller for SoftTargets {
    fn term_names(&self) -> Vec<&'static str> {
        Self::TERMS.to_vec()
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if self.temperature.is_nan() || self.temperature <= 0.0 {
            return Err(crate::KdError::Config(format!(
                "temperature must be > 0, got {}",
                self.temperature
            )));
        }
        check_unit_weight("hard weight", self.hard_weight)
    }

    fn describe(&self) -> String {
        let reduction = match self.kl_reduction {
            KlReduction::BatchMean => "",
            KlReduction::MeanOverClasses => ", KL averaged over batch x classes",
        };
        format!(
            "soft targets T={} (hard weight {}{reduction})",
            self.temperature, self.hard_weight
        )
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        self.terms(
            io.student.logits.clone(),
            io.teacher_logits(),
            io.labels.clone(),
        )
    }
}
