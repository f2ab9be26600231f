//! One training step (batch 128) of Hinton et al.'s MNIST nets: the teacher (784-1200-1200-10
//! with dropout and max-norm), and the 784-800-800-10 student on hard labels and distilled —
//! from precomputed teacher logits (what the training loop does without augmentation) and with
//! a teacher forward pass in every step (what it does with augmentation). The baseline for
//! later performance work.
//!
//! `cargo bench -p kd-core --bench train_step`

mod common;

use burn::prelude::*;
use common::{TeacherMode, step_bench};
use criterion::{Criterion, criterion_group, criterion_main};
use kd_core::data::{Augment, Locations, dataset_info, load_dataset};
use kd_core::methods::{HardLabels, Method, SoftTargets};
use kd_core::models::{Activation, MlpConfig, ModelSpec};

fn benches(c: &mut Criterion) {
    kd_core::perf::tune_process();
    let plain = Device::flex();
    let info = dataset_info("mnist-10k").expect("known dataset");
    let ds = load_dataset(&info, &Locations::standard(None)).expect("bundled mnist-10k");
    let teacher_cfg = ModelSpec::Mlp(MlpConfig {
        widths: vec![784, 1200, 1200, 10],
        activation: Activation::Relu,
        input_dropout: 0.2,
        hidden_dropout: 0.5,
        max_norm: Some(3.5),
        input_noise: 0.0,
    });
    let student_cfg = ModelSpec::Mlp(MlpConfig::plain(&[784, 800, 800, 10]));
    let teacher = teacher_cfg.init(2, &plain);
    let hard = Method::HardLabels(HardLabels {});
    let soft = Method::SoftTargets(SoftTargets::new(20.0, 0.1));
    let cases = [
        (
            "teacher 1200-1200 hard (dropout, max-norm)",
            &teacher_cfg,
            &hard,
            TeacherMode::Cached,
        ),
        (
            "student 800-800 hard labels",
            &student_cfg,
            &hard,
            TeacherMode::Cached,
        ),
        (
            "student 800-800 distilled (precomputed teacher logits)",
            &student_cfg,
            &soft,
            TeacherMode::Cached,
        ),
        (
            "student 800-800 distilled (teacher forward every step)",
            &student_cfg,
            &soft,
            TeacherMode::Live,
        ),
    ];
    for (name, model, method, mode) in cases {
        let teachers = if method == &hard {
            vec![]
        } else {
            vec![teacher.clone()]
        };
        step_bench(
            c,
            name,
            model,
            method,
            &ds.train,
            Augment::none(),
            &teachers,
            mode,
        );
    }
}

criterion_group! {
    name = train_step_benches;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(train_step_benches);
