//! Training methods, mdistiller-style: given the student's logits and the batch (with the
//! teacher's logits when distilling) a method returns its **named, already weighted** loss
//! terms; the training loop sums them for the backward pass and logs each one.
//!
//! Adding a method = one file here plus one variant in [`Method`] (the registry: a serde-tagged
//! enum, so a run's `config.json` names the method and all its knobs).

pub mod hard_labels;
pub mod logit_regression;
pub mod sobolev;
pub mod soft_targets;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::DigitBatch;

pub use hard_labels::HardLabels;
pub use logit_regression::LogitRegression;
pub use sobolev::{LogitMatch, Sobolev};
pub use soft_targets::SoftTargets;

/// Named loss terms of one batch; their sum is the objective.
pub struct LossTerms {
    pub terms: Vec<(&'static str, Tensor<1>)>,
}

impl LossTerms {
    pub fn total(&self) -> Tensor<1> {
        let mut it = self.terms.iter().map(|(_, t)| t.clone());
        let first = it.next().expect("a method returns at least one term");
        it.fold(first, |a, b| a + b)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.terms.iter().map(|(n, _)| *n).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    HardLabels(HardLabels),
    SoftTargets(SoftTargets),
    LogitRegression(LogitRegression),
    Sobolev(Sobolev),
}

impl Method {
    /// Whether the batches must carry the teacher's logits.
    pub fn needs_teacher(&self) -> bool {
        !matches!(self, Method::HardLabels(_))
    }

    /// Whether the batches must carry tangent directions and the teacher's JVPs, and the
    /// student must be run in forward mode.
    pub fn needs_tangents(&self) -> bool {
        matches!(self, Method::Sobolev(_))
    }

    /// The names of the terms `loss_terms` returns, in order (the metrics columns).
    pub fn term_names(&self) -> Vec<&'static str> {
        match self {
            Method::HardLabels(_) => HardLabels::TERMS.to_vec(),
            Method::SoftTargets(_) => SoftTargets::TERMS.to_vec(),
            Method::LogitRegression(_) => LogitRegression::TERMS.to_vec(),
            Method::Sobolev(m) => m.term_names(),
        }
    }

    /// The named loss terms of a batch; `student_jvp` is the student's `J v` along the batch's
    /// tangent directions (present exactly when [`Method::needs_tangents`]).
    pub fn loss_terms(
        &self,
        student_logits: Tensor<2>,
        student_jvp: Option<Tensor<2>>,
        batch: &DigitBatch,
    ) -> LossTerms {
        let teacher = || {
            batch
                .teacher_logits
                .clone()
                .expect("distillation batches carry the teacher's logits")
        };
        match self {
            Method::HardLabels(m) => m.loss_terms(student_logits, batch.labels.clone()),
            Method::SoftTargets(m) => m.loss_terms(student_logits, teacher(), batch.labels.clone()),
            Method::LogitRegression(m) => {
                m.loss_terms(student_logits, teacher(), batch.labels.clone())
            }
            Method::Sobolev(m) => {
                let tangents = batch
                    .tangents
                    .as_ref()
                    .expect("Sobolev batches carry tangents");
                m.loss_terms(
                    student_logits,
                    teacher(),
                    batch.labels.clone(),
                    student_jvp.expect("the student ran in forward mode"),
                    tangents.teacher_jvp.clone(),
                )
            }
        }
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::KdError::Config(m));
        let weight_ok = |w: f64| (0.0..=1.0).contains(&w);
        match self {
            Method::HardLabels(_) => Ok(()),
            Method::SoftTargets(m) if m.temperature.is_nan() || m.temperature <= 0.0 => {
                bad(format!("temperature must be > 0, got {}", m.temperature))
            }
            Method::SoftTargets(m) if !weight_ok(m.hard_weight) => bad(format!(
                "hard weight must be in [0, 1], got {}",
                m.hard_weight
            )),
            Method::LogitRegression(m) if !weight_ok(m.hard_weight) => bad(format!(
                "hard weight must be in [0, 1], got {}",
                m.hard_weight
            )),
            Method::Sobolev(m) if m.jacobian_weight.is_nan() || m.jacobian_weight < 0.0 => bad(
                format!("Jacobian weight must be >= 0, got {}", m.jacobian_weight),
            ),
            Method::Sobolev(m) => match &m.logits {
                LogitMatch::SoftTargets(s) => Method::SoftTargets(s.clone()).validate(),
                LogitMatch::LogitRegression(l) => Method::LogitRegression(l.clone()).validate(),
            },
            _ => Ok(()),
        }
    }

    /// A short human-readable description for tables and logs.
    pub fn describe(&self) -> String {
        match self {
            Method::HardLabels(_) => "hard labels".into(),
            Method::SoftTargets(m) => {
                format!(
                    "soft targets T={} (hard weight {})",
                    m.temperature, m.hard_weight
                )
            }
            Method::LogitRegression(m) => {
                format!("logit regression (hard weight {})", m.hard_weight)
            }
            Method::Sobolev(m) => {
                let base = match &m.logits {
                    LogitMatch::SoftTargets(s) => Method::SoftTargets(s.clone()),
                    LogitMatch::LogitRegression(l) => Method::LogitRegression(l.clone()),
                };
                format!(
                    "{} + Jacobian projections (weight {})",
                    base.describe(),
                    m.jacobian_weight
                )
            }
        }
    }
}
