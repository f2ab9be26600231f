//! One optimisation step: forward (or forward mode along tangents) -> the method's named loss
//! terms -> backward -> optimizer step -> the net's own after-step rule. Also what the benches
//! time.

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use rand::rngs::StdRng;

use crate::data::Batch;
use crate::methods::{
    AuxParams, Distiller, ExtraIo, Method, SampleProbe, StepCtx, StepIo, Tangents, TeacherSignals,
};
use crate::models::layers::{PEER_ID_BASE, renumber_params};
use crate::models::{ModelSpec, Net, Outputs};
use crate::rng::stream_rng;
use crate::train::TeacherStage;

/// What one optimizer trains: the student net and the parameters its method owns (empty for
/// most methods). Checkpoints keep both; a finished run keeps the net.
#[derive(Module, Debug)]
pub struct Trainable {
    pub net: Net,
    pub aux: AuxParams,
}

impl Trainable {
    /// The net alone, with no method-owned parameters.
    pub fn net(net: Net) -> Self {
        Trainable {
            net,
            aux: AuxParams::default(),
        }
    }

    /// The same with `f(i, peer)` in place of each peer net `i` (the method's [`AuxParams::nets`]).
    pub fn map_peers(mut self, mut f: impl FnMut(usize, Net) -> Net) -> Self {
        self.aux.nets = std::mem::take(&mut self.aux.nets)
            .into_iter()
            .enumerate()
            .map(|(i, peer)| f(i, peer))
            .collect();
        self
    }

    /// The same with each peer net's parameters numbered apart from the student's (a peer is
    /// built, or loaded from a stored run, with a student's ids).
    pub fn with_distinct_peer_ids(self) -> Self {
        self.map_peers(|i, peer| renumber_params(peer, PEER_ID_BASE * (i as u64 + 1)))
    }
}

/// What one optimisation step reports.
#[derive(Debug, Clone)]
pub struct StepStats {
    /// The value of each loss term, in [`Distiller::term_names`] order.
    pub terms: Vec<f32>,
    /// Correctly classified samples of the batch (training mode, i.e. with dropout).
    pub correct: f32,
    pub batch_size: usize,
}

/// A run's random streams for one epoch: dropout masks, tangent directions, the method's own.
pub struct StepStreams {
    pub dropout: StdRng,
    pub tangent: StdRng,
    pub method: StdRng,
}

impl StepStreams {
    pub fn for_epoch(seed: u64, epoch: usize) -> Self {
        StepStreams {
            dropout: stream_rng(seed, "dropout", epoch),
            tangent: stream_rng(seed, "tangent", epoch),
            method: stream_rng(seed, "method", epoch),
        }
    }
}

/// Where a step is in training (all from 0).
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub epoch: usize,
    pub epochs: usize,
    pub iter: usize,
    pub iters: usize,
}

/// One step of `batch` as training runs it: the teacher stage's signals and tangents, then
/// [`train_step`]. The training loop and the benches' harness both step through here.
#[allow(clippy::too_many_arguments)]
pub fn step_with_teachers(
    model: Trainable,
    optim: &mut ModuleOptimizer,
    model_spec: &ModelSpec,
    method: &Method,
    stage: &TeacherStage,
    batch: &Batch,
    streams: &mut StepStreams,
    at: Position,
    lr: f64,
) -> (Trainable, StepStats) {
    let signals = stage.signals(batch);
    let tangents = stage.tangents(batch, &mut streams.tangent);
    let mut ctx = StepCtx {
        epoch: at.epoch,
        epochs: at.epochs,
        iter: at.iter,
        iters: at.iters,
        rng: &mut streams.method,
    };
    let inputs = StepInputs {
        batch,
        teachers: &signals,
        tangents: tangents.as_ref(),
        stage: Some(stage),
    };
    train_step(
        model,
        optim,
        model_spec,
        method,
        inputs,
        &mut ctx,
        &mut streams.dropout,
        lr,
    )
}

/// The batch and what the teacher stage said about it (and the stage itself, which answers
/// for a method's extra samples).
pub struct StepInputs<'a> {
    pub batch: &'a Batch,
    pub teachers: &'a [TeacherSignals],
    pub tangents: Option<&'a Tangents>,
    pub stage: Option<&'a TeacherStage>,
}

/// One optimisation step of `model` (on the autodiff device) on `inputs`: forward with dropout
/// from `dropout` (or, with tangents, a forward-mode pass giving the logits and `J v`), the
/// method's loss terms, backward, optimizer step at rate `lr` (net and method-owned parameters
/// together), then [`Net::after_step`]. Reads back all statistics at once (one device sync per
/// step).
#[allow(clippy::too_many_arguments)]
pub fn train_step(
    model: Trainable,
    optim: &mut ModuleOptimizer,
    model_spec: &ModelSpec,
    method: &Method,
    inputs: StepInputs,
    ctx: &mut StepCtx,
    dropout: &mut StdRng,
    lr: f64,
) -> (Trainable, StepStats) {
    let batch = inputs.batch;
    let b = batch.labels.dims()[0];
    let (outputs, student_jvp) = match inputs.tangents {
        Some(t) => {
            let (logits, jv) = model
                .net
                .forward_jvp(batch.images.clone(), t.directions.clone())
                .expect("validated: the student supports forward mode");
            let outputs = Outputs {
                logits,
                features: Vec::new(),
            };
            (outputs, Some(jv))
        }
        None => (model.net.forward(batch.images.clone(), Some(dropout)), None),
    };
    // Extra samples (boundary supporting samples): built from the batch, the student's logits
    // and the first teacher's input gradients, then seen by the student in a second training
    // forward and by the teachers.
    let gradient_teacher = inputs
        .stage
        .and_then(|stage| stage.gradient_teacher().map(|t| (stage, t)));
    let extra = match (method.needs().extra_samples, gradient_teacher) {
        (true, Some((stage, teacher))) => {
            let probe = SampleProbe {
                images: batch.images.clone().inner(),
                labels: batch.labels.clone().inner(),
                student_logits: outputs.logits.clone().inner(),
                teacher_logits: inputs.teachers[0].logits.clone().inner(),
                teacher,
            };
            method.extra_samples(&probe, ctx).map(|x| {
                let device = batch.images.device();
                let student = model.net.forward(x.clone().autodiff(), Some(dropout));
                (student, stage.signals_on(x, &device))
            })
        }
        _ => None,
    };
    let io = StepIo {
        images: &batch.images,
        labels: &batch.labels,
        student: &outputs,
        student_jvp: student_jvp.as_ref(),
        teachers: inputs.teachers,
        tangents: inputs.tangents,
        aux: &model.aux,
        extra: extra
            .as_ref()
            .map(|(student, teachers)| ExtraIo { student, teachers }),
    };
    let terms = method.loss_terms(&io, ctx);
    let hits = outputs
        .logits
        .clone()
        .inner()
        .argmax(1)
        .reshape([b])
        .equal(batch.labels.clone().inner())
        .int()
        .sum()
        .float();
    let mut parts: Vec<Tensor<1>> = terms.terms.iter().map(|(_, t)| t.clone().inner()).collect();
    parts.push(hits);
    let mut values = crate::tensors::floats(Tensor::cat(parts, 0));
    let correct = values.pop().expect("hits were appended");
    let grads = GradientsParams::from_grads(terms.total().backward(), &model);
    let Trainable { net, aux } = optim.step(lr, model, grads);
    let model = Trainable {
        net: net.after_step(model_spec),
        aux,
    };
    // Peers share the student's architecture, so its rule (max-norm) holds for them too.
    let model = model.map_peers(|_, peer| peer.after_step(model_spec));
    (
        model,
        StepStats {
            terms: values,
            correct,
            batch_size: b,
        },
    )
}
