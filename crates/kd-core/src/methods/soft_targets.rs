//! Hinton, Vinyals & Dean (2015): match the teacher's distribution softened at temperature T,
//! with the soft term scaled by T^2, plus a (much smaller) weight on the true labels:
//! `(1 - w) T^2 KL(p_T || q_T) + w CE(y, q_1)`.

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
}

impl SoftTargets {
    pub const TERMS: [&'static str; 2] = ["soft", "hard"];

    /// The two weighted terms for given student and teacher logits (also used by the methods
    /// built on soft targets: Sobolev, ensembles).
    pub fn terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
    ) -> LossTerms {
        let soft = distillation(logits.clone(), teacher_logits, self.temperature)
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
        format!(
            "soft targets T={} (hard weight {})",
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
