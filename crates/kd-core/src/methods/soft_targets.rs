//! Hinton, Vinyals & Dean (2015): match the teacher's distribution softened at temperature T,
//! with the soft term scaled by T^2, plus a (much smaller) weight on the true labels:
//! `(1 - w) T^2 KL(p_T || q_T) + w CE(y, q_1)`.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::LossTerms;
use crate::losses::{cross_entropy, distillation};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftTargets {
    pub temperature: f64,
    /// Weight `w` of the hard-label cross-entropy; the soft term gets `1 - w`.
    pub hard_weight: f64,
}

impl SoftTargets {
    pub const TERMS: [&'static str; 2] = ["soft", "hard"];

    pub fn loss_terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
    ) -> LossTerms {
        let soft = distillation(logits.clone(), teacher_logits, self.temperature)
            .mul_scalar(1.0 - self.hard_weight);
        let hard = cross_entropy(logits, labels).mul_scalar(self.hard_weight);
        LossTerms {
            terms: vec![("soft", soft), ("hard", hard)],
        }
    }
}
