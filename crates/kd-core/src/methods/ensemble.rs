//! Distillation from an ensemble (Hinton et al. 2015, §1 and §5): the soft targets are the
//! teachers' softened distributions averaged over the teachers (arithmetic mean of the
//! probabilities at temperature T), matched with the T^2-scaled KL, plus a weight on the labels:
//! `(1 - w) T^2 KL(mean_k p_T^k || q_T) + w CE(y, q_1)`. With one teacher it is
//! [`SoftTargets`](super::SoftTargets).

use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, Teachers};
use super::{Distiller, LossTerms, SoftTargets, StepCtx, StepIo};
use crate::losses::{cross_entropy, kl_to_probabilities};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    pub temperature: f64,
    /// Weight `w` of the hard-label cross-entropy; the soft term gets `1 - w`.
    pub hard_weight: f64,
}

impl Ensemble {
    fn as_soft_targets(&self) -> SoftTargets {
        SoftTargets::new(self.temperature, self.hard_weight)
    }
}

impl Distiller for Ensemble {
    fn term_names(&self) -> Vec<&'static str> {
        SoftTargets::TERMS.to_vec()
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::OneOrMore,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        self.as_soft_targets().validate()
    }

    fn describe(&self) -> String {
        format!(
            "ensemble soft targets T={} (hard weight {})",
            self.temperature, self.hard_weight
        )
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        let t = self.temperature;
        let k = io.teachers.len() as f64;
        let mean = io
            .teachers
            .iter()
            .map(|s| softmax(s.logits.clone() / t, 1))
            .reduce(|a, b| a + b)
            .expect("validated: at least one teacher")
            .div_scalar(k);
        let logits = io.student.logits.clone();
        let soft = kl_to_probabilities(logits.clone(), mean, t).mul_scalar(t * t * (1.0 - self.hard_weight));
        let hard = cross_entropy(logits, io.labels.clone()).mul_scalar(self.hard_weight);
        LossTerms::new(vec![("soft", soft), ("hard", hard)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::*;
    use crate::methods::TeacherSignals;
    use crate::models::Outputs;
    use crate::tensors::floats;
    use rand::SeedableRng;

    fn t2(v: &[f32], d: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v.to_vec(), [2, 3]), d)
    }

    /// The soft and hard terms for `student` against `teachers` (logits, 2 rows of 3 classes).
    fn terms(m: &dyn Distiller, student: &[f32], teachers: &[&[f32]]) -> Vec<f32> {
        let d = Device::flex();
        let images = Tensor::<4>::zeros([2, 1, 1, 1], &d);
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &d);
        let out = Outputs {
            logits: t2(student, &d),
            features: Vec::new(),
        };
        let signals: Vec<TeacherSignals> = teachers
            .iter()
            .map(|t| TeacherSignals {
                logits: t2(t, &d),
                features: Vec::new(),
            })
            .collect();
        let io = StepIo {
            images: &images,
            labels: &labels,
            student: &out,
            student_jvp: None,
            teachers: &signals,
            tangents: None,
            aux: &crate::methods::AuxParams::default(),
            extra: None,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let mut ctx = StepCtx {
            epoch: 0,
            epochs: 1,
            iter: 0,
            iters: 1,
            rng: &mut rng,
        };
        m.loss_terms(&io, &mut ctx)
            .terms
            .into_iter()
            .map(|(_, v)| floats(v)[0])
            .collect()
    }

    const S: [f32; 6] = [0.5, -1.0, 2.0, 0.0, 0.3, -0.7];
    const A: [f32; 6] = [2.0, 0.0, -1.0, 1.0, 1.0, 3.0];
    const B: [f32; 6] = [-1.0, 0.5, 0.2, 0.0, -2.0, 1.5];

    #[test]
    fn one_teacher_is_soft_targets_and_copies_of_a_teacher_change_nothing() {
        let e = Ensemble {
            temperature: 3.0,
            hard_weight: 0.2,
        };
        let soft = e.as_soft_targets();
        let single = terms(&e, &S, &[&A]);
        let reference = terms(&soft, &S, &[&A]);
        let copies = terms(&e, &S, &[&A, &A, &A]);
        for ((a, b), c) in single.iter().zip(&reference).zip(&copies) {
            assert!((a - b).abs() < 1e-6, "{single:?} vs {reference:?}");
            assert!((a - c).abs() < 1e-6, "{single:?} vs {copies:?}");
        }
    }

    #[test]
    fn two_teachers_are_matched_to_their_mean_distribution() {
        let t = 2.0f64;
        let e = Ensemble {
            temperature: t,
            hard_weight: 0.0,
        };
        let got = terms(&e, &S, &[&A, &B])[0] as f64;
        // By hand: p = (softmax(A/T) + softmax(B/T)) / 2, KL(p || softmax(S/T)) * T^2, batch mean.
        let softmax = |row: &[f32]| -> Vec<f64> {
            let e: Vec<f64> = row.iter().map(|&v| (v as f64 / t).exp()).collect();
            let z: f64 = e.iter().sum();
            e.iter().map(|v| v / z).collect()
        };
        let mut kl = 0.0;
        for r in 0..2 {
            let (pa, pb, q) = (
                softmax(&A[r * 3..r * 3 + 3]),
                softmax(&B[r * 3..r * 3 + 3]),
                softmax(&S[r * 3..r * 3 + 3]),
            );
            for c in 0..3 {
                let p = (pa[c] + pb[c]) / 2.0;
                kl += p * (p / q[c]).ln();
            }
        }
        let expect = t * t * kl / 2.0;
        assert!((got - expect).abs() < 1e-5, "{got} vs {expect}");
        // Not the mean of the two single-teacher losses (KL is convex in p: strictly less here).
        let separate = (terms(&e, &S, &[&A])[0] + terms(&e, &S, &[&B])[0]) as f64 / 2.0;
        assert!(got < separate - 1e-3, "{got} vs {separate}");
    }

    #[test]
    fn validation_requires_a_positive_temperature_and_a_teacher() {
        let bad = Ensemble {
            temperature: 0.0,
            hard_weight: 0.1,
        };
        assert!(bad.validate().unwrap_err().to_string().contains("temperature"));
        assert!(!bad.needs().teachers.accepts(0));
        assert!(bad.needs().teachers.accepts(5));
    }
}
