//! Attention transfer (Zagoruyko & Komodakis, ICLR 2017), as the official code
//! (`szagoruyko/attention-transfer`, `utils.py`) computes it: a feature map's attention is the
//! mean over channels of its squared activations, flattened and L2-normalised per sample,
//! `at(F) = normalize(mean_c F^2)`; the loss is the mean over batch x positions of the squared
//! difference between the student's and the teacher's attention, summed over the matched
//! feature pairs, weighted by beta (1000 in the code, not halved as the paper's beta/2 writes),
//! plus the student's cross-entropy on the labels. Matched features must have the same spatial
//! size (the channel counts may differ: the attention averages them away).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{FeatureShapes, Needs, Teachers};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::cross_entropy;
use crate::models::ModelSpec;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionTransfer {
    /// Feature names, each present in both the student and the teacher (for CIFAR ResNets the
    /// three stages' outputs).
    pub features: Vec<String>,
    /// Weight of the summed attention losses (1000).
    pub beta: f64,
}

impl AttentionTransfer {
    /// The official CIFAR setting for kd-core's ResNets: the three stages, beta 1000.
    pub fn resnet_stages() -> Self {
        AttentionTransfer {
            features: ["stage1", "stage2", "stage3"].map(String::from).to_vec(),
            beta: 1000.0,
        }
    }
}

/// `normalize(mean_c F^2)` of `[B, C, H, W]` features: `[B, H*W]`, each row of unit L2 norm (a
/// zero row stays zero, as with PyTorch's `F.normalize` and its 1e-12 floor).
pub fn attention_map(features: Tensor<4>) -> Tensor<2> {
    let [b, _, h, w] = features.dims();
    let a = features.square().mean_dim(1).reshape([b, h * w]);
    let norm = a.clone().square().sum_dim(1).sqrt().clamp_min(1e-12);
    a / norm
}

/// The mean over batch x positions of the squared difference of two attention maps.
pub fn attention_loss(student: Tensor<4>, teacher: Tensor<4>) -> Tensor<1> {
    (attention_map(student) - attention_map(teacher))
        .square()
        .mean()
}

impl Distiller for AttentionTransfer {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["hard", "attention"]
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            teacher_features: true,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if self.features.is_empty() {
            return Err(crate::KdError::Config(
                "attention transfer needs at least one feature to match".into(),
            ));
        }
        if !(self.beta.is_finite() && self.beta >= 0.0) {
            return Err(crate::KdError::Config(format!(
                "attention transfer's beta must be >= 0, got {}",
                self.beta
            )));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("attention transfer ({}, beta {})", self.features.join(", "), self.beta)
    }

    /// Checks (no parameters are built) that every feature exists in both nets at the same
    /// spatial size.
    fn init_aux(
        &self,
        _model: &ModelSpec,
        shapes: &FeatureShapes,
        _seed: u64,
        _device: &Device,
    ) -> crate::Result<super::AuxParams> {
        let teacher = shapes.first_teacher();
        for name in &self.features {
            let [_, _, hs, ws] = FeatureShapes::find(&shapes.student, name, "student")?;
            let [_, _, ht, wt] = FeatureShapes::find(teacher, name, "teacher")?;
            if (hs, ws) != (ht, wt) {
                return Err(crate::KdError::Config(format!(
                    "attention transfer: the student's `{name}` is {hs}x{ws} but the teacher's \
                     is {ht}x{wt}; matched attention maps need the same spatial size"
                )));
            }
        }
        Ok(super::AuxParams::default())
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        let student = io.student.logits.clone();
        let hard = cross_entropy(student, io.labels.clone());
        let attention = self
            .features
            .iter()
            .map(|name| {
                let s = io
                    .student
                    .feature(name)
                    .expect("validated: the student has the feature")
                    .clone();
                let t = io.teachers[0]
                    .feature(name)
                    .expect("validated: the teacher has the feature")
                    .clone();
                attention_loss(s, t)
            })
            .reduce(|a, b| a + b)
            .expect("at least one feature")
            .mul_scalar(self.beta);
        LossTerms::new(vec![("hard", hard), ("attention", attention)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;

    #[test]
    fn the_attention_map_and_loss_match_a_hand_computation() {
        let device = Device::flex();
        // One sample, 2 channels, 1x2 positions: channel means of squares are
        // ((1 + 9)/2, (4 + 0)/2) = (5, 2), normalised (5, 2)/sqrt(29).
        let s = Tensor::<4>::from_data([[[[1.0f32, 2.0]], [[3.0, 0.0]]]], &device);
        let map = floats(attention_map(s.clone()));
        let n = 29f32.sqrt();
        assert!((map[0] - 5.0 / n).abs() < 1e-6 && (map[1] - 2.0 / n).abs() < 1e-6, "{map:?}");
        // Teacher with 1 channel, attention (1, 0): the loss is the mean of the two squared
        // differences.
        let t = Tensor::<4>::from_data([[[[2.0f32, 0.0]]]], &device);
        let expect = ((5.0 / n - 1.0).powi(2) + (2.0 / n).powi(2)) / 2.0;
        let got = floats(attention_loss(s, t))[0];
        assert!((got - expect).abs() < 1e-6, "{got} vs {expect}");
    }

    #[test]
    fn the_gradient_reaches_the_student_features() {
        let ad = Device::flex().autodiff();
        let s = Tensor::<4>::from_data([[[[1.0f32, 2.0]], [[3.0, 0.5]]]], &ad).require_grad();
        let t = Tensor::<4>::from_data([[[[2.0f32, 0.1]]]], &ad);
        let grads = attention_loss(s.clone(), t).backward();
        let g = floats(s.grad(&grads).unwrap());
        assert!(g.iter().any(|v| v.abs() > 1e-4), "{g:?}");
    }
}
