//! What every step bench shares: one batch of real images, and one training step of a net
//! through the same code the training loop runs (teacher stage, `train_step`).

// Each bench binary uses part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher as _;
use burn::prelude::*;
use criterion::Criterion;
use kd_core::data::{Augment, Batcher, ImageSet};
use kd_core::methods::{Distiller, Method, StepCtx};
use kd_core::models::{ModelSpec, Net};
use kd_core::rng::stream_rng;
use kd_core::train::{OptimizerSpec, StepInputs, TeacherStage, Trainable, train_step};

pub const BATCH: usize = 128;

pub fn sgd() -> OptimizerSpec {
    OptimizerSpec::Sgd {
        lr: 0.01,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 0.0,
    }
}

/// How the teachers' logits reach the step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TeacherMode {
    /// Looked up in a table computed once (what the loop does without augmentation).
    Cached,
    /// A teacher forward pass on every batch.
    Live,
}

/// Benches one optimisation step of a `model` net trained by `method` on the first `BATCH`
/// images of `set` (`augment` applied when building each batch), with `teachers` (eval-mode
/// nets on the plain device). The batch and the teacher stage's work are part of each step.
#[allow(clippy::too_many_arguments)]
pub fn step_bench(
    c: &mut Criterion,
    name: &str,
    model: &ModelSpec,
    method: &Method,
    set: &ImageSet,
    augment: Augment,
    teachers: &[Net],
    mode: TeacherMode,
) {
    let plain = Device::flex();
    let ad = plain.clone().autodiff();
    let set = Arc::new(set.select(&(0..BATCH).collect::<Vec<_>>()));
    let stage = TeacherStage::new(
        teachers.iter().map(|t| (t.clone(), None)).collect(),
        mode == TeacherMode::Cached,
        method.needs_tangents(),
        method.needs().teacher_features,
        &set,
        &plain,
    );
    let batcher = Batcher {
        set: set.clone(),
        augment,
        normalize: None,
        rng: Arc::new(Mutex::new(stream_rng(1, "augment", 0))),
    };
    let net = Trainable::net(model.init(1, &ad));
    let mut optim = sgd().build();
    let mut dropout = stream_rng(1, "dropout", 0);
    let mut tangent_rng = stream_rng(1, "tangent", 0);
    let mut method_rng = stream_rng(1, "method", 0);
    assert!(method.validate().is_ok());
    c.bench_function(name, |b| {
        b.iter(|| {
            let batch = batcher.batch((0..BATCH).collect(), &ad);
            let signals = stage.signals(&batch);
            let tangents = stage.tangents(&batch, &mut tangent_rng);
            let mut ctx = StepCtx {
                epoch: 0,
                epochs: 1,
                iter: 0,
                iters: 1,
                rng: &mut method_rng,
            };
            let inputs = StepInputs {
                batch: &batch,
                teachers: &signals,
                tangents: tangents.as_ref(),
            };
            train_step(
                net.clone(),
                &mut optim,
                model,
                method,
                inputs,
                &mut ctx,
                &mut dropout,
                0.01,
            )
            .1
        })
    });
}
