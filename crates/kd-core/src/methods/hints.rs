//! Hints (Romero et al. 2015, FitNets): a regressor the method owns maps a student feature
//! (the "guided" layer) onto a teacher feature (the "hint" layer), and the squared error between
//! them is added to soft targets, or trained alone. FitNets is stage-wise: the hint alone first
//! ([`Hints::hint_stage`]: only the layers up to the guided one and the regressor receive
//! gradients), then distillation of the whole student starting from that run
//! (`TrainSpec::init_from`); one stage with both terms is also possible. The regressor is a 1x1 convolution
//! (student channels -> teacher channels; the two features must have the same spatial size)
//! and is dropped with the run: only the student is kept.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{AuxParams, FeatureShapes, Needs, Teachers};
use super::{Distiller, LossTerms, SoftTargets, StepCtx, StepIo};
use crate::models::ModelSpec;
use crate::models::layers::{ConvSpec, Init, LayerBuilder};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hints {
    /// The student's feature the regressor reads (a name of its `Outputs::features`).
    pub student_feature: String,
    /// The teacher's feature it must reproduce.
    pub teacher_feature: String,
    /// Weight of the hint term `mean((r(s) - t)^2)`.
    pub hint_weight: f64,
    /// Soft targets trained together with the hint; `None`: the hint alone (FitNets' first
    /// stage).
    pub soft_targets: Option<SoftTargets>,
}

impl Hints {
    /// FitNets' first stage: the hint term alone (weight 1), `student_feature` regressed onto
    /// the teacher's `teacher_feature`.
    pub fn hint_stage(student_feature: &str, teacher_feature: &str) -> Self {
        Hints {
            student_feature: student_feature.into(),
            teacher_feature: teacher_feature.into(),
            hint_weight: 1.0,
            soft_targets: None,
        }
    }
}

impl Distiller for Hints {
    fn term_names(&self) -> Vec<&'static str> {
        match self.soft_targets {
            Some(_) => vec!["soft", "hard", "hint"],
            None => vec!["hint"],
        }
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            teacher_features: true,
            aux_params: true,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if !(self.hint_weight.is_finite() && self.hint_weight >= 0.0) {
            return Err(crate::KdError::Config(format!(
                "hint weight must be >= 0, got {}",
                self.hint_weight
            )));
        }
        match &self.soft_targets {
            Some(soft) => soft.validate(),
            None => Ok(()),
        }
    }

    fn describe(&self) -> String {
        let hint = format!(
            "hint {} -> {} (weight {})",
            self.student_feature, self.teacher_feature, self.hint_weight
        );
        match &self.soft_targets {
            Some(soft) => format!("{} + {hint}", soft.describe()),
            None => hint,
        }
    }

    fn init_aux(
        &self,
        _model: &ModelSpec,
        shapes: &FeatureShapes,
        seed: u64,
        device: &Device,
    ) -> crate::Result<AuxParams> {
        let [_, cs, hs, ws] = FeatureShapes::find(&shapes.student, &self.student_feature, "student")?;
        let teacher = shapes.first_teacher();
        let [_, ct, ht, wt] = FeatureShapes::find(teacher, &self.teacher_feature, "teacher")?;
        if (hs, ws) != (ht, wt) {
            return Err(crate::KdError::Config(format!(
                "hints: the student's `{}` is {hs}x{ws} but the teacher's `{}` is {ht}x{wt}; a 1x1 \
                 regressor needs features of the same spatial size",
                self.student_feature, self.teacher_feature
            )));
        }
        let mut build = LayerBuilder::for_aux(seed, device);
        Ok(AuxParams {
            convs: vec![build.conv2d(ConvSpec::new(cs, ct, 1), Init::PytorchDefault)],
            ..AuxParams::default()
        })
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        let mut terms = match &self.soft_targets {
            Some(soft) => soft.terms(
                io.student.logits.clone(),
                io.teacher_logits(),
                io.labels.clone(),
            ),
            None => LossTerms::new(Vec::new()),
        };
        let student = io
            .student
            .feature(&self.student_feature)
            .expect("validated when the regressor was built")
            .clone();
        let target = io.teachers[0]
            .feature(&self.teacher_feature)
            .expect("validated when the regressor was built")
            .clone();
        let hint = (io.aux.convs[0].forward(student) - target)
            .square()
            .mean()
            .mul_scalar(self.hint_weight);
        terms.terms.push(("hint", hint));
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::StepIo;
    use crate::models::{MlpConfig, Outputs};
    use crate::tensors::floats;

    /// The hint term against a hand computation of `mean((W s + b - t)^2)` over the 1x1
    /// regressor, and its gradient reaching both the student's feature and the regressor.
    #[test]
    fn the_hint_term_matches_a_hand_computation_and_trains_both_sides() {
        let ad = Device::flex().autodiff();
        let hints = Hints::hint_stage("guided", "hint");
        let shapes = FeatureShapes {
            student: vec![("guided", [1, 2, 1, 2])],
            teachers: vec![vec![("hint", [1, 3, 1, 2])]],
        };
        let model = MlpConfig::plain(&[4, 2]).into();
        let aux = hints.init_aux(&model, &shapes, 5, &ad).unwrap();
        let w = floats(aux.convs[0].weight.val());
        let b = floats(aux.convs[0].bias.as_ref().unwrap().val());
        let s: [f32; 4] = [0.5, -1.0, 2.0, 0.25]; // [channel][position]
        let t: [f32; 6] = [0.1, 0.2, -0.3, 0.4, 1.0, -2.0];
        let mut expect = 0.0;
        for o in 0..3 {
            for p in 0..2 {
                let r = w[o * 2] * s[p] + w[o * 2 + 1] * s[2 + p] + b[o];
                expect += (r - t[o * 2 + p]).powi(2) / 6.0;
            }
        }
        let guided = Tensor::<4>::from_data(
            burn::tensor::TensorData::new(s.to_vec(), [1, 2, 1, 2]),
            &ad,
        )
        .require_grad();
        let hint = Tensor::<4>::from_data(burn::tensor::TensorData::new(t.to_vec(), [1, 3, 1, 2]), &ad);
        let student = Outputs {
            logits: Tensor::<2>::zeros([1, 2], &ad),
            features: vec![("guided", guided.clone())],
        };
        let teachers = [crate::methods::TeacherSignals {
            logits: Tensor::<2>::zeros([1, 2], &ad),
            features: vec![("hint", hint)],
        }];
        let images = Tensor::<4>::zeros([1, 1, 2, 2], &ad);
        let labels = Tensor::<1, Int>::from_data([0i64], &ad);
        let io = StepIo {
            images: &images,
            labels: &labels,
            student: &student,
            student_jvp: None,
            teachers: &teachers,
            tangents: None,
            aux: &aux,
            extra: None,
        };
        let mut rng = crate::rng::stream_rng(1, "test", 0);
        let mut ctx = crate::methods::StepCtx {
            epoch: 0,
            epochs: 1,
            iter: 0,
            iters: 1,
            rng: &mut rng,
        };
        let terms = hints.loss_terms(&io, &mut ctx);
        assert_eq!(terms.names(), vec!["hint"], "the hint stage has no other term");
        let got = floats(terms.total())[0];
        assert!((got - expect).abs() < 1e-5, "{got} vs {expect}");
        let grads = terms.total().backward();
        let to_student = floats(guided.grad(&grads).unwrap());
        let to_regressor = floats(aux.convs[0].weight.val().grad(&grads).unwrap());
        assert!(to_student.iter().any(|g| g.abs() > 1e-4), "{to_student:?}");
        assert!(to_regressor.iter().any(|g| g.abs() > 1e-4), "{to_regressor:?}");
    }
}
