//! Hints (Romero et al. 2015, FitNets): a regressor the method owns maps a student feature
//! (the "guided" layer) onto a teacher feature (the "hint" layer), and the squared error between
//! them is added to soft targets. One stage: the hint term and the soft targets are trained
//! together (FitNets trains the hint first, then distils; a two-stage schedule is two runs in
//! the run graph, the second starting from the first). The regressor is a 1x1 convolution
//! (student channels -> teacher channels; the two features must have the same spatial size)
//! and is dropped with the run: only the student is kept.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::distiller::{AuxParams, FeatureShapes, Needs, Teachers};
use super::{Distiller, LossTerms, SoftTargets, StepCtx, StepIo};
use crate::models::layers::{ConvSpec, Init, LayerBuilder};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hints {
    /// The student's feature the regressor reads (a name of its `Outputs::features`).
    pub student_feature: String,
    /// The teacher's feature it must reproduce.
    pub teacher_feature: String,
    /// Weight of the hint term `mean((r(s) - t)^2)`.
    pub hint_weight: f64,
    pub soft_targets: SoftTargets,
}

impl Distiller for Hints {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["soft", "hard", "hint"]
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
        self.soft_targets.validate()
    }

    fn describe(&self) -> String {
        format!(
            "{} + hint {} -> {} (weight {})",
            self.soft_targets.describe(),
            self.student_feature,
            self.teacher_feature,
            self.hint_weight
        )
    }

    fn init_aux(
        &self,
        shapes: &FeatureShapes,
        seed: u64,
        device: &Device,
    ) -> crate::Result<AuxParams> {
        let [_, cs, hs, ws] = FeatureShapes::find(&shapes.student, &self.student_feature, "student")?;
        let teacher = shapes.teachers.first().map(Vec::as_slice).unwrap_or(&[]);
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
        let mut terms = self.soft_targets.terms(
            io.student.logits.clone(),
            io.teacher_logits(),
            io.labels.clone(),
        );
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
