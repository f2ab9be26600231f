//! Caruana et al. / Ba & Caruana (2014): regress the teacher's logits, `1/2 ||s - t||^2`, the
//! T -> infinity limit of soft targets; optionally mixed with the hard labels.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::LossTerms;
use crate::losses::{cross_entropy, logit_regression};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogitRegression {
    pub hard_weight: f64,
}

impl LogitRegression {
    pub const TERMS: [&'static str; 2] = ["logit", "hard"];

    pub fn loss_terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
    ) -> LossTerms {
        let regression =
            logit_regression(logits.clone(), teacher_logits).mul_scalar(1.0 - self.hard_weight);
        let hard = cross_entropy(logits, labels).mul_scalar(self.hard_weight);
        LossTerms {
            terms: vec![("logit", regression), ("hard", hard)],
        }
    }
}
