//! What every step bench shares: one step of a net through the loop's own pieces
//! (`kd_core::train::harness`), timed by criterion.

// Each bench binary uses part of this module.
#![allow(dead_code)]

use burn::prelude::*;
use criterion::Criterion;
use kd_core::data::{Augment, ImageSet};
use kd_core::methods::Method;
use kd_core::models::{ModelSpec, Net};
use kd_core::train::OptimizerSpec;
use kd_core::train::harness::StepHarness;
pub use kd_core::train::harness::TeacherMode;

pub const BATCH: usize = 128;

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
    let mut harness = StepHarness::new(
        model,
        method,
        &OptimizerSpec::nesterov_sgd(0.01),
        set,
        BATCH,
        augment,
        teachers,
        mode,
        &Device::flex(),
    )
    .expect("a valid bench configuration");
    c.bench_function(name, |b| b.iter(|| harness.step()));
}
