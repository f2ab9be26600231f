//! Caruana et al. / Ba & Caruana (2014): regress the teacher's logits, `1/2 ||s - t||^2`, the
//! T -> infinity limit of soft targets; optionally mixed with the hard labels. With several
//! teachers the target is their mean logits (an ensemble's).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, Teachers, check_unit_weight};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::{cross_entropy, logit_regression};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogitRegression {
    pub hard_weight: f64,
}

impl LogitRegression {
    pub const TERMS: [&'static str; 2] = ["logit", "hard"];

    pub fn terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
    ) -> LossTerms {
        let regression =
            logit_regression(logits.clone(), teacher_logits).mul_scalar(1.0 - self.hard_weight);
        let hard = cross_entropy(logits, labels).mul_scalar(self.hard_weight);
        LossTerms::new(vec![("logit", regression), ("hard", hard)])
    }
}

impl Distiller for LogitRegression {
    fn term_names(&self) -> Vec<&'static str> {
        Self::TERMS.to_vec()
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::OneOrMore,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        check_unit_weight("hard weight", self.hard_weight)
    }

    fn describe(&self) -> String {
        format!("logit regression (hard weight {})", self.hard_weight)
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        self.terms(
            io.student.logits.clone(),
            io.mean_teacher_logits(),
            io.labels.clone(),
        )
    }
}
