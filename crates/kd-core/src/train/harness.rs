//! One training step, repeatable on a fixed set of images: what the criterion benches and
//! `kd-bench` time. It runs the loop's own pieces — the batcher (with its augmentation), the
//! teacher stage, [`train_step`] — so a bench measures what training costs.

use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher as _;
use burn::optim::ModuleOptimizer;
use burn::prelude::*;

use crate::data::{Augment, Batcher, ImageSet};
use crate::methods::{Distiller, Method};
use crate::models::{ModelSpec, Net};
use crate::rng::stream_rng;
use crate::train::{
    OptimizerSpec, Position, StepStats, StepStreams, TeacherStage, Trainable, step_with_teachers,
};

/// `n` images of `shape` (`[channels, rows, cols]`) of seeded noise, labels cycling over 10
/// classes: a step's cost does not depend on the pixels.
pub fn noise_images(shape: [usize; 3], n: usize) -> ImageSet {
    use rand::Rng;
    let mut rng = stream_rng(1, "bench-images", 0);
    ImageSet {
        channels: shape[0],
        rows: shape[1],
        cols: shape[2],
        num_classes: 10,
        pixels: (0..n * shape.iter().product::<usize>())
            .map(|_| rng.random::<u8>())
            .collect(),
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    }
}

/// How the teachers' logits reach the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeacherMode {
    /// Looked up in a table computed once (what the loop does without augmentation).
    Cached,
    /// A teacher forward pass on every batch.
    Live,
}

/// A student, its optimizer and teachers, and a batcher over `batch_size` images.
pub struct StepHarness {
    model: ModelSpec,
    method: Method,
    net: Option<Trainable>,
    optim: ModuleOptimizer,
    lr: f64,
    stage: TeacherStage,
    batcher: Batcher,
    batch_size: usize,
    device: Device,
    streams: StepStreams,
}

impl StepHarness {
    /// Steps of `model` trained by `method` with `optimizer` on the first `batch_size` images
    /// of `set` (each step re-batches them through `augment`), distilling `teachers` (eval-mode
    /// nets on the plain device) as `mode` says. `device` is the plain device.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        model: &ModelSpec,
        method: &Method,
        optimizer: &OptimizerSpec,
        set: &ImageSet,
        batch_size: usize,
        augment: Augment,
        teachers: &[Net],
        mode: TeacherMode,
        device: &Device,
    ) -> crate::Result<StepHarness> {
        model.validate()?;
        method.validate()?;
        let ad = device.clone().autodiff();
        let set = Arc::new(set.select(&(0..batch_size.min(set.len())).collect::<Vec<_>>()));
        let needs = method.needs();
        let stage = TeacherStage::new(
            teachers.iter().map(|t| (t.clone(), None)).collect(),
            mode == TeacherMode::Cached,
            needs.tangents,
            needs.teacher_features,
            &set,
            device,
        );
        Ok(StepHarness {
            model: model.clone(),
            method: method.clone(),
            net: Some(Trainable::net(model.init(1, &ad))),
            optim: optimizer.build(),
            lr: optimizer.base_lr(),
            stage,
            batcher: Batcher {
                set: set.clone(),
                augment,
                normalize: None,
                rng: Arc::new(Mutex::new(stream_rng(1, "augment", 0))),
            },
            batch_size: set.len(),
            device: ad,
            streams: StepStreams::for_epoch(1, 0),
        })
    }

    /// One step (batch, teacher stage, forward, backward, optimizer); the statistics are read
    /// back to the host, so the work is done when it returns.
    pub fn step(&mut self) -> StepStats {
        let batch = self
            .batcher
            .batch((0..self.batch_size).collect(), &self.device);
        let at = Position {
            epoch: 0,
            epochs: 1,
            iter: 0,
            iters: 1,
        };
        let net = self
            .net
            .take()
            .expect("the harness holds its net between steps");
        let (next, stats) = step_with_teachers(
            net,
            &mut self.optim,
            &self.model,
            &self.method,
            &self.stage,
            &batch,
            &mut self.streams,
            at,
            self.lr,
        );
        self.net = Some(next);
        stats
    }
}
