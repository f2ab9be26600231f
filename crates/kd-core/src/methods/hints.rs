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
