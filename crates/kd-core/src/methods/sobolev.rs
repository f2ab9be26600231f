//! Sobolev distillation (Czarnecki et al. 2017): match the teacher's logits (soft targets or
//! logit regression) *and* its input-Jacobian projections `<D_x t(x), v>` for every logit along
//! one random unit direction v per sample and step ("stochastic Sobolev training"). The batch
//! carries v and the teacher's projections; the student's come from a forward-mode pass.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LogitRegression, LossTerms, SoftTargets};

/// How the logits themselves are matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "kebab-case")]
pub enum LogitMatch {
    SoftTargets(SoftTargets),
    LogitRegression(LogitRegression),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sobolev {
    pub logits: LogitMatch,
    /// Weight of the Jacobian-projection term.
    pub jacobian_weight: f64,
}

impl Sobolev {
    pub fn term_names(&self) -> Vec<&'static str> {
        let mut names = match &self.logits {
            LogitMatch::SoftTargets(_) => SoftTargets::TERMS.to_vec(),
            LogitMatch::LogitRegression(_) => LogitRegression::TERMS.to_vec(),
        };
        names.push("jacobian");
        names
    }

    /// The logit terms plus `jacobian_weight * mean_batch sum_logits (J_s v - J_t v)^2`.
    pub fn loss_terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
        student_jvp: Tensor<2>,
        teacher_jvp: Tensor<2>,
    ) -> LossTerms {
        let mut terms = match &self.logits {
            LogitMatch::SoftTargets(m) => m.loss_terms(logits, teacher_logits, labels),
            LogitMatch::LogitRegression(m) => m.loss_terms(logits, teacher_logits, labels),
        };
        let [batch, _] = student_jvp.dims();
        let jacobian = (student_jvp - teacher_jvp)
            .square()
            .sum()
            .div_scalar(batch as f64)
            .mul_scalar(self.jacobian_weight);
        terms.terms.push(("jacobian", jacobian));
        terms
    }
}
