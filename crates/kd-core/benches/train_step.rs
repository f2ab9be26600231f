//! One training step (batch 128) of Hinton et al.'s MNIST nets: the teacher (784-1200-1200-10
//! with dropout and max-norm), and the 784-800-800-10 student on hard labels and distilled —
//! from precomputed teacher logits (what the training loop does) and with a teacher forward
//! pass in every step. The baseline for later performance work.
//!
//! `cargo bench -p kd-core --bench train_step`

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use criterion::{Criterion, criterion_group, criterion_main};
use kd_core::data::{DigitBatch, DigitBatcher, Locations, dataset_info, load_dataset};
use kd_core::methods::{HardLabels, Method, SoftTargets};
use kd_core::models::{Activation, Mlp, MlpConfig};
use kd_core::rng::stream_rng;
use kd_core::train::{OptimizerSpec, logits_of, train_step};

const BATCH: usize = 128;

fn sgd() -> OptimizerSpec {
    OptimizerSpec::Sgd {
        lr: 0.01,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 0.0,
    }
}

fn step_bench(
    c: &mut Criterion,
    name: &str,
    config: &MlpConfig,
    method: &Method,
    batch: &DigitBatch,
    live_teacher: Option<&Mlp>,
) {
    let ad = Device::flex().autodiff();
    let model = config.init(1, &ad);
    let mut optim = sgd().build();
    let mut dropout = stream_rng(1, "dropout", 0);
    c.bench_function(name, |b| {
        b.iter(|| {
            let mut batch = batch.clone();
            if let Some(teacher) = live_teacher {
                // The teacher runs on the plain device, fed the inner (non-autodiff) images.
                let t = teacher.forward(batch.images.clone().inner(), None);
                batch.teacher_logits = Some(t.autodiff());
            }
            train_step(
                model.clone(),
                &mut optim,
                method,
                &batch,
                &mut dropout,
                0.01,
                config.max_norm,
            )
            .1
        })
    });
}

fn benches(c: &mut Criterion) {
    kd_core::perf::flush_denormals();
    let plain = Device::flex();
    let ad = plain.clone().autodiff();
    let info = dataset_info("mnist-10k").expect("known dataset");
    let ds = load_dataset(&info, &Locations::standard(None)).expect("bundled mnist-10k");
    let set = Arc::new(ds.train.select(&(0..BATCH).collect::<Vec<_>>()));
    let teacher_cfg = MlpConfig {
        widths: vec![784, 1200, 1200, 10],
        activation: Activation::Relu,
        input_dropout: 0.2,
        hidden_dropout: 0.5,
        max_norm: Some(3.5),
    };
    let student_cfg = MlpConfig::plain(&[784, 800, 800, 10]);
    let teacher = teacher_cfg.init(2, &plain);
    let hard = Method::HardLabels(HardLabels {});
    let soft = Method::SoftTargets(SoftTargets {
        temperature: 20.0,
        hard_weight: 0.1,
    });
    let batcher = |logits: Option<Arc<Vec<f32>>>| DigitBatcher {
        set: set.clone(),
        teacher_logits: logits,
        jitter: None,
        tangent_teacher: None,
    };
    let plain_batch = batcher(None).batch((0..BATCH).collect(), &ad);
    let precomputed = Some(Arc::new(logits_of(&teacher, &set, &plain)));
    let distill_batch = batcher(precomputed).batch((0..BATCH).collect(), &ad);

    step_bench(
        c,
        "teacher 1200-1200 hard (dropout, max-norm)",
        &teacher_cfg,
        &hard,
        &plain_batch,
        None,
    );
    step_bench(
        c,
        "student 800-800 hard labels",
        &student_cfg,
        &hard,
        &plain_batch,
        None,
    );
    step_bench(
        c,
        "student 800-800 distilled (precomputed teacher logits)",
        &student_cfg,
        &soft,
        &distill_batch,
        None,
    );
    step_bench(
        c,
        "student 800-800 distilled (teacher forward every step)",
        &student_cfg,
        &soft,
        &plain_batch,
        Some(&teacher),
    );
}

criterion_group! {
    name = train_step_benches;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(train_step_benches);
