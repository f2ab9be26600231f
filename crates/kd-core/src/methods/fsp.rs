//! The flow of solution procedure (Yim, Joo, Bae & Kim, CVPR 2017, "A Gift from Knowledge
//! Distillation"): the FSP matrix of two feature maps `F1 [C1, H, W]`, `F2 [C2, H, W]` is their
//! Gram matrix over positions, `G[i, j] = sum_{s, t} F1[i, s, t] F2[j, s, t] / (H W)`; the
//! student learns to reproduce the teacher's FSP matrices between the first and the last
//! feature map of each stage, `L = mean_x sum_pairs lambda ||G_s(x) - G_t(x)||_F^2` (the
//! paper's equation 2, one lambda for all pairs). When a pair's maps differ in spatial size
//! (a stage that downsamples), the larger is max-pooled to the smaller first, as torchdistill's
//! `compute_fsp_matrix` does with adaptive max pooling (here an integer factor: the same
//! windows). The paper trains in two stages: this loss alone, then the task from that
//! initialisation (two runs, the second with `TrainSpec::init_from`). The nets' channels must
//! match pair by pair (the CIFAR ResNets' 16/32/64 do for every depth).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{AuxParams, FeatureShapes, Needs, Teachers};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::models::ModelSpec;
use crate::models::layers::max_pool;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fsp {
    /// (first, last) feature names of each matched stage, present in both nets.
    pub pairs: Vec<(String, String)>,
    /// lambda, the weight of every pair's squared distance.
    pub weight: f64,
}

impl Fsp {
    /// kd-core's CIFAR ResNets: each stage from its input to its output (the stem's output to
    /// stage 1's, stage 1's to stage 2's, stage 2's to stage 3's), lambda 1.
    pub fn resnet_stages() -> Self {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        Fsp {
            pairs: vec![
                pair("stem", "stage1"),
                pair("stage1", "stage2"),
                pair("stage2", "stage3"),
            ],
            weight: 1.0,
        }
    }
}

/// The FSP matrices `[B, C1, C2]` of `first [B, C1, H1, W1]` and `second [B, C2, H2, W2]`, the
/// larger map max-pooled to the smaller's size first (an integer factor, checked by
/// [`pool_factor`]).
pub fn fsp_matrix(first: Tensor<4>, second: Tensor<4>) -> Tensor<3> {
    let [b, c1, h1, _] = first.dims();
    let [_, c2, h2, _] = second.dims();
    let (first, second) = match h1.cmp(&h2) {
        std::cmp::Ordering::Greater => (max_pool(first, h1 / h2, h1 / h2, false), second),
        std::cmp::Ordering::Less => (first, max_pool(second, h2 / h1, h2 / h1, false)),
        std::cmp::Ordering::Equal => (first, second),
    };
    let [_, _, h, w] = first.dims();
    let f1 = first.reshape([b, c1, h * w]);
    let f2 = second.reshape([b, c2, h * w]);
    f1.matmul(f2.swap_dims(1, 2)).div_scalar((h * w) as f64)
}

/// The squared Frobenius distance between the student's and the teacher's FSP matrices of one
/// pair, averaged over the batch.
pub fn fsp_distance(student: Tensor<3>, teacher: Tensor<3>) -> Tensor<1> {
    let [b, _, _] = student.dims();
    (student - teacher).square().sum().div_scalar(b as f64)
}

/// The pooling factor that brings an `a`-sized map to a `b`-sized one (or back), if the sizes
/// divide.
fn pool_factor(a: [usize; 2], b: [usize; 2]) -> Option<usize> {
    let (big, small) = if a[0] >= b[0] { (a, b) } else { (b, a) };
    let k = big[0] / small[0].max(1);
    (small[0] * k == big[0] && small[1] * k == big[1]).then_some(k)
}

impl Distiller for Fsp {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["fsp"]
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            teacher_features: true,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if self.pairs.is_empty() {
            return Err(crate::KdError::Config(
                "FSP needs at least one pair of features".into(),
            ));
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(crate::KdError::Config(format!(
                "FSP's weight must be > 0, got {}",
                self.weight
            )));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let pairs: Vec<String> = self.pairs.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        format!("FSP ({}, lambda {})", pairs.join(", "), self.weight)
    }

    /// Checks (no parameters are built) that both nets have every feature, that a pair's maps
    /// pool onto each other and that the student's FSP matrices have the teacher's shape.
    fn init_aux(
        &self,
        _model: &ModelSpec,
        shapes: &FeatureShapes,
        _seed: u64,
        _device: &Device,
    ) -> crate::Result<AuxParams> {
        let teacher = shapes.first_teacher();
        for (first, second) in &self.pairs {
            let mut matrices = Vec::new();
            for (whose, features) in [("student", shapes.student.as_slice()), ("teacher", teacher)] {
                let [_, c1, h1, w1] = FeatureShapes::find(features, first, whose)?;
                let [_, c2, h2, w2] = FeatureShapes::find(features, second, whose)?;
                if pool_factor([h1, w1], [h2, w2]).is_none() {
                    return Err(crate::KdError::Config(format!(
                        "FSP: the {whose}'s `{first}` ({h1}x{w1}) and `{second}` ({h2}x{w2}) \
                         cannot be pooled onto each other by an integer factor"
                    )));
                }
                matrices.push((c1, c2));
            }
            if matrices[0] != matrices[1] {
                return Err(crate::KdError::Config(format!(
                    "FSP: the pair `{first}`-`{second}` gives the student {:?} matrices but the \
                     teacher {:?}; their channel counts must match",
                    matrices[0], matrices[1]
                )));
            }
        }
        Ok(AuxParams::default())
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        let matrix = |first: Option<&Tensor<4>>, second: Option<&Tensor<4>>| {
            let validated = "validated: both nets have the feature";
            fsp_matrix(first.expect(validated).clone(), second.expect(validated).clone())
        };
        let (student, teacher) = (io.student, &io.teachers[0]);
        let fsp = self
            .pairs
            .iter()
            .map(|(first, second)| {
                let s = matrix(student.feature(first), student.feature(second));
                let t = matrix(teacher.feature(first), teacher.feature(second));
                fsp_distance(s, t)
            })
            .reduce(|a, b| a + b)
            .expect("validated: at least one pair")
            .mul_scalar(self.weight);
        LossTerms::new(vec![("fsp", fsp)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;

    #[test]
    fn the_fsp_matrix_and_distance_match_a_hand_computation() {
        let device = Device::flex();
        // first: 2 channels on 2x2; second: 1 channel on 1x1 (the first is max-pooled to 1x1
        // first: (4, 1)), value 3: G = (4 * 3, 1 * 3) / 1.
        let first = Tensor::<4>::from_data(
            [[[[1.0f32, 4.0], [2.0, 3.0]], [[1.0, -1.0], [0.5, 0.0]]]],
            &device,
        );
        let second = Tensor::<4>::from_data([[[[3.0f32]]]], &device);
        assert_eq!(floats(fsp_matrix(first.clone(), second.clone())), vec![12.0, 3.0]);
        // Same size: G[i, j] = mean over positions of F1[i] F2[j].
        let g = floats(fsp_matrix(first.clone(), first.clone()));
        let expect = [
            (1.0 + 16.0 + 4.0 + 9.0) / 4.0,
            (1.0 - 4.0 + 1.0 + 0.0) / 4.0,
            (1.0 - 4.0 + 1.0 + 0.0) / 4.0,
            (1.0 + 1.0 + 0.25 + 0.0) / 4.0,
        ];
        for (a, b) in g.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{g:?} vs {expect:?}");
        }
        // The distance: squared Frobenius norm per sample, averaged over the batch.
        let s = Tensor::<3>::from_data([[[1.0f32, 2.0]], [[0.0, 0.0]]], &device);
        let t = Tensor::<3>::from_data([[[0.0f32, 0.0]], [[3.0, 0.0]]], &device);
        assert_eq!(floats(fsp_distance(s, t)), vec![(1.0 + 4.0 + 9.0) / 2.0]);
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let ad = Device::flex().autodiff();
        let values: Vec<f32> = (0..16).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect();
        let teacher = || {
            let t1 = Tensor::<4>::from_data(
                burn::tensor::TensorData::new(vec![0.3f32; 16], [1, 2, 2, 4]),
                &ad,
            );
            let t2 = Tensor::<4>::from_data(
                burn::tensor::TensorData::new(vec![0.1f32, -0.2], [1, 1, 1, 2]),
                &ad,
            );
            fsp_matrix(t1, t2)
        };
        let second = Tensor::<4>::from_data(
            burn::tensor::TensorData::new(vec![1.0f32, -0.5], [1, 1, 1, 2]),
            &ad,
        );
        let loss = |v: &[f32]| {
            let first = Tensor::<4>::from_data(
                burn::tensor::TensorData::new(v.to_vec(), [1, 2, 2, 4]),
                &ad,
            )
            .require_grad();
            let l = fsp_distance(fsp_matrix(first.clone(), second.clone()), teacher());
            (first, l)
        };
        let (first, l) = loss(&values);
        let grads = l.backward();
        let analytic = floats(first.grad(&grads).unwrap());
        let eps = 1e-2f32;
        for i in 0..values.len() {
            let at = |d: f32| {
                let mut v = values.clone();
                v[i] += d;
                floats(loss(&v).1)[0]
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
            assert!(
                (numeric - analytic[i]).abs() < 1e-2 * (1.0 + numeric.abs()),
                "entry {i}: finite differences {numeric}, backward {}",
                analytic[i]
            );
        }
        assert!(analytic.iter().any(|g| g.abs() > 1e-3), "{analytic:?}");
    }
}
