//! The contract every training method keeps (mdistiller's): given the student's outputs, the
//! teachers' signals for the same batch, the batch and the position in training, return
//! **named, already weighted** loss terms. The loop sums them for the backward pass and logs
//! each one; a method never steps an optimizer, touches a file or draws randomness other than
//! from [`StepCtx::rng`].

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use rand::rngs::StdRng;

use crate::models::{GradientNet, ModelSpec, Net, Outputs};

/// Named loss terms of one batch; their sum is the objective.
pub struct LossTerms {
    pub terms: Vec<(&'static str, Tensor<1>)>,
}

impl LossTerms {
    pub fn new(terms: Vec<(&'static str, Tensor<1>)>) -> Self {
        LossTerms { terms }
    }

    pub fn total(&self) -> Tensor<1> {
        let mut it = self.terms.iter().map(|(_, t)| t.clone());
        let first = it.next().expect("a method returns at least one term");
        it.fold(first, |a, b| a + b)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.terms.iter().map(|(n, _)| *n).collect()
    }
}

/// How many teachers a method distils.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Teachers {
    None,
    One,
    /// One or more (an ensemble; a chain's next link is one).
    OneOrMore,
}

impl Teachers {
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Teachers::None => n == 0,
            Teachers::One => n == 1,
            Teachers::OneOrMore => n >= 1,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Teachers::None => "no teacher",
            Teachers::One => "exactly one teacher",
            Teachers::OneOrMore => "at least one teacher",
        }
    }
}

/// What a method needs each step, read by the spec's validation, the teacher stage and the
/// loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub teachers: Teachers,
    /// Random tangent directions with the (first) teacher's `J v` along them, and the student
    /// run in forward mode (Sobolev).
    pub tangents: bool,
    /// The teachers' named features on the batch (hints, attention); forces live teachers.
    pub teacher_features: bool,
    /// Parameters of its own, built by [`Distiller::init_aux`] and trained with the student.
    pub aux_params: bool,
    /// Extra samples built each step by [`Distiller::extra_samples`] (boundary supporting
    /// samples), which the student and the teachers then also see; forces live teachers.
    pub extra_samples: bool,
    /// Peer nets of the student's architecture trained beside it (deep mutual learning),
    /// built by [`Distiller::init_aux`] into [`AuxParams::nets`].
    pub peers: usize,
}

impl Default for Needs {
    fn default() -> Self {
        Needs {
            teachers: Teachers::None,
            tangents: false,
            teacher_features: false,
            aux_params: false,
            extra_samples: false,
            peers: 0,
        }
    }
}

/// Parameters a method owns and trains together with the student (a hint regressor, ...): one
/// optimizer steps them with the net, checkpoints keep them, the final model drops them. A
/// generic container, so a method that needs some is still one file: it builds them in
/// [`Distiller::init_aux`] (with `models::layers::LayerBuilder::for_aux`) and finds them again
/// by index.
#[derive(Module, Debug, Default)]
pub struct AuxParams {
    pub convs: Vec<Conv2d>,
    pub linears: Vec<Linear>,
    pub norms: Vec<BatchNorm>,
    /// Whole nets (deep mutual learning's peers), in training mode like the student.
    pub nets: Vec<Net>,
}

/// Shapes `[B, C, H, W]` of the named features of the student and of each teacher, measured
/// on one training image (what a method sizes its own parameters by).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureShapes {
    pub student: Vec<(&'static str, [usize; 4])>,
    pub teachers: Vec<Vec<(&'static str, [usize; 4])>>,
}

impl FeatureShapes {
    /// The first teacher's features (none when the run has no teacher).
    pub fn first_teacher(&self) -> &[(&'static str, [usize; 4])] {
        self.teachers.first().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The shape of `name` in `features`, or an error listing the names there are.
    pub fn find(
        features: &[(&'static str, [usize; 4])],
        name: &str,
        whose: &str,
    ) -> crate::Result<[usize; 4]> {
        features
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let known: Vec<&str> = features.iter().map(|(n, _)| *n).collect();
                crate::KdError::Config(format!(
                    "the {whose} has no feature `{name}`; its features are: {}",
                    known.join(", ")
                ))
            })
    }
}

/// One random unit direction `v` per sample (in flattened input space) and the teacher's
/// `J v` along it.
#[derive(Debug, Clone)]
pub struct Tangents {
    pub directions: Tensor<2>,
    pub teacher_jvp: Tensor<2>,
}

/// What a teacher says about the batch: its logits and, when the method asks for them, its
/// named features (constants of the step: no graph).
#[derive(Debug, Clone)]
pub struct TeacherSignals {
    pub logits: Tensor<2>,
    pub features: Vec<(&'static str, Tensor<4>)>,
}

impl TeacherSignals {
    pub fn feature(&self, name: &str) -> Option<&Tensor<4>> {
        self.features
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
    }
}

/// The step's inputs, all on the training device.
pub struct StepIo<'a> {
    pub images: &'a Tensor<4>,
    pub labels: &'a Tensor<1, Int>,
    /// The student's outputs (with the autodiff graph).
    pub student: &'a Outputs,
    /// The student's `J v` along [`Tangents::directions`], when the method needs tangents.
    pub student_jvp: Option<&'a Tensor<2>>,
    /// One entry per teacher of the run, in the spec's order.
    pub teachers: &'a [TeacherSignals],
    pub tangents: Option<&'a Tangents>,
    /// The method's own parameters (empty unless [`Needs::aux_params`]), with the graph.
    pub aux: &'a AuxParams,
    /// What the student and the teachers made of the step's extra samples, when
    /// [`Distiller::extra_samples`] built some.
    pub extra: Option<ExtraIo<'a>>,
}

/// The student's outputs (training mode, with the graph; a separate forward, so BatchNorm sees
/// the extra samples' own statistics) and the teachers' signals on the extra samples.
pub struct ExtraIo<'a> {
    pub student: &'a Outputs,
    pub teachers: &'a [TeacherSignals],
}

/// What a method may look at to build extra samples, all on the plain device and outside any
/// graph: the batch, the student's and the (first) teacher's logits on it, and that teacher as
/// a net whose input gradients can be taken.
pub struct SampleProbe<'a> {
    pub images: Tensor<4>,
    pub labels: Tensor<1, Int>,
    pub student_logits: Tensor<2>,
    pub teacher_logits: Tensor<2>,
    pub teacher: &'a GradientNet,
}

impl StepIo<'_> {
    /// The first teacher's logits (methods with [`Teachers::One`]; validated before training).
    pub fn teacher_logits(&self) -> Tensor<2> {
        self.teachers
            .first()
            .expect("the spec was validated to have a teacher")
            .logits
            .clone()
    }

    /// The teachers' logits averaged over the teachers (one teacher: its logits, unchanged).
    pub fn mean_teacher_logits(&self) -> Tensor<2> {
        let k = self.teachers.len();
        let sum = self
            .teachers
            .iter()
            .map(|t| t.logits.clone())
            .reduce(|a, b| a + b)
            .expect("the spec was validated to have a teacher");
        if k == 1 {
            sum
        } else {
            sum.div_scalar(k as f64)
        }
    }
}

/// Where in training the step is, and the method's own random stream (seeded by run and epoch).
pub struct StepCtx<'a> {
    /// From 0.
    pub epoch: usize,
    pub epochs: usize,
    /// Batch within the epoch, from 0.
    pub iter: usize,
    pub iters: usize,
    pub rng: &'a mut StdRng,
}

/// A training method. Implement it in one file and add one line to the `methods!` registry.
pub trait Distiller {
    /// The names of the terms [`Distiller::loss_terms`] returns, in order (metrics columns).
    fn term_names(&self) -> Vec<&'static str>;
    fn needs(&self) -> Needs {
        Needs::default()
    }
    /// Rejects bad knobs with a message that names the knob and its valid range.
    fn validate(&self) -> crate::Result<()> {
        Ok(())
    }
    /// A short human-readable description for tables and logs.
    fn describe(&self) -> String;
    /// Builds the method's own parameters on `device` (called when [`Needs::aux_params`],
    /// [`Needs::teacher_features`] or [`Needs::peers`]; exactly `peers` nets), sized by the student's and teachers' feature shapes (or,
    /// for peers, by the student's own `model`); a feature method without parameters checks the
    /// shapes here and returns none.
    fn init_aux(
        &self,
        _model: &ModelSpec,
        _shapes: &FeatureShapes,
        _seed: u64,
        _device: &Device,
    ) -> crate::Result<AuxParams> {
        Ok(AuxParams::default())
    }
    /// Extra inputs `[n, C, H, W]` (plain device) for this step, built before the loss from
    /// `probe` (only called when [`Needs::extra_samples`]); `None` for none this step.
    fn extra_samples(&self, _probe: &SampleProbe, _ctx: &mut StepCtx) -> Option<Tensor<4>> {
        None
    }
    fn loss_terms(&self, io: &StepIo, ctx: &mut StepCtx) -> LossTerms;
}

/// A weight that must lie in [0, 1].
pub(crate) fn check_unit_weight(name: &str, w: f64) -> crate::Result<()> {
    if (0.0..=1.0).contains(&w) {
        Ok(())
    } else {
        Err(crate::KdError::Config(format!(
            "{name} must be in [0, 1], got {w}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;

    #[test]
    fn the_mean_teacher_logits_average_the_teachers() {
        let device = Device::flex();
        let logits = |v: [[f32; 2]; 1]| TeacherSignals {
            logits: Tensor::<2>::from_data(v, &device),
            features: Vec::new(),
        };
        let teachers = [
            logits([[1.0, -2.0]]),
            logits([[3.0, 0.0]]),
            logits([[2.0, 5.0]]),
        ];
        let images = Tensor::<4>::zeros([1, 1, 2, 2], &device);
        let labels = Tensor::<1, Int>::from_data([0i64], &device);
        let student = Outputs {
            logits: Tensor::<2>::zeros([1, 2], &device),
            features: Vec::new(),
        };
        let aux = AuxParams::default();
        let io = |teachers| StepIo {
            images: &images,
            labels: &labels,
            student: &student,
            student_jvp: None,
            teachers,
            tangents: None,
            aux: &aux,
            extra: None,
        };
        assert_eq!(floats(io(&teachers).mean_teacher_logits()), vec![2.0, 1.0]);
        assert_eq!(
            floats(io(&teachers[..1]).mean_teacher_logits()),
            vec![1.0, -2.0]
        );
        assert_eq!(floats(io(&teachers).teacher_logits()), vec![1.0, -2.0]);
    }
}
