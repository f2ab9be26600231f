//! Sobolev distillation (Czarnecki et al. 2017): match the teacher's logits (soft targets or
//! logit regression) *and* its input-Jacobian projections `<D_x t(x), v>` for every logit along
//! one random unit direction v per sample and step ("stochastic Sobolev training"). The batch
//! carries v and the teacher's projections; the student's come from a forward-mode pass.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, Teachers};
use super::{Distiller, LogitRegression, LossTerms, SoftTargets, StepCtx, StepIo};

/// How the logits themselves are matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "kebab-case")]
pub enum LogitMatch {
    SoftTargets(SoftTargets),
    LogitRegression(LogitRegression),
}

impl LogitMatch {
    fn as_distiller(&self) -> &dyn Distiller {
        match self {
            LogitMatch::SoftTargets(m) => m,
            LogitMatch::LogitRegression(m) => m,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sobolev {
    pub logits: LogitMatch,
    /// Weight of the Jacobian-projection term, a *relative* squared error: the squared error of
    /// the student's projections divided by the squared norm of the teacher's (per batch). In
    /// absolute terms the projections of a 784-pixel input Jacobian on a random unit vector are
    /// tiny (the term was ~1% of the soft term), so a fixed weight would mean nothing across
    /// input sizes.
    pub jacobian_weight: f64,
}

impl Sobolev {
    /// The logit terms plus `jacobian_weight * sum (J_s v - J_t v)^2 / sum (J_t v)^2` (sums over
    /// the batch and the logits).
    pub fn terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
        student_jvp: Tensor<2>,
        teacher_jvp: Tensor<2>,
    ) -> LossTerms {
        let mut terms = match &self.logits {
            LogitMatch::SoftTargets(m) => m.terms(logits, teacher_logits, labels),
            LogitMatch::LogitRegression(m) => m.terms(logits, teacher_logits, labels),
        };
        // The normaliser is a constant of the batch (the teacher's projections carry no graph).
        let scale = teacher_jvp.clone().square().sum().clamp_min(1e-12);
        let jacobian = (student_jvp - teacher_jvp)
            .square()
            .sum()
            .div(scale)
            .mul_scalar(self.jacobian_weight);
        terms.terms.push(("jacobian", jacobian));
        terms
    }
}

impl Distiller for Sobolev {
    fn term_names(&self) -> Vec<&'static str> {
        let mut names = self.logits.as_distiller().term_names();
        names.push("jacobian");
        names
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            tangents: true,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if self.jacobian_weight.is_nan() || self.jacobian_weight < 0.0 {
            return Err(crate::KdError::Config(format!(
                "Jacobian weight must be >= 0, got {}",
                self.jacobian_weight
            )));
        }
        self.logits.as_distiller().validate()
    }

    fn describe(&self) -> String {
        format!(
            "{} + Jacobian projections (weight {})",
            self.logits.as_distiller().describe(),
            self.jacobian_weight
        )
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        let tangents = io.tangents.expect("Sobolev steps carry tangents");
        self.terms(
            io.student.logits.clone(),
            io.teacher_logits(),
            io.labels.clone(),
            io.student_jvp
                .expect("the student ran in forward mode")
                .clone(),
            tangents.teacher_jvp.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;

    #[test]
    fn jacobian_term_is_the_weighted_relative_error() {
        let d = Device::flex();
        let t2 = |v: Vec<f32>| Tensor::<2>::from_data(TensorData::new(v, [2, 2]), &d);
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1], [2]), &d);
        let m = Sobolev {
            logits: LogitMatch::LogitRegression(LogitRegression { hard_weight: 0.0 }),
            jacobian_weight: 0.5,
        };
        let logits = t2(vec![1.0, 2.0, 3.0, 4.0]);
        let teacher_jvp = t2(vec![1.0, 0.0, 2.0, 2.0]); // squared norm 9
        let student_jvp = t2(vec![0.0, 0.0, 2.0, 1.0]); // squared error 2
        let terms = m.terms(
            logits.clone(),
            logits.clone(),
            labels.clone(),
            student_jvp,
            teacher_jvp.clone(),
        );
        assert_eq!(terms.names(), vec!["logit", "hard", "jacobian"]);
        assert_eq!(m.term_names(), terms.names());
        let jac = floats(terms.terms[2].1.clone())[0];
        assert!((jac - 0.5 * 2.0 / 9.0).abs() < 1e-6, "{jac}");
        let same = m.terms(
            logits.clone(),
            logits,
            labels,
            teacher_jvp.clone(),
            teacher_jvp,
        );
        assert_eq!(floats(same.terms[2].1.clone())[0], 0.0);
    }
}
