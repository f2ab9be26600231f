//! One training step (batch 128, 32x32x3 images, crop + flip augmentation, hard labels, SGD
//! with Nesterov momentum) of the conv nets the CIFAR papers train: the teacher-assistant
//! paper's plane10 (CIFAR-10 book), a ResNet-20 with projection shortcuts (B) and a ResNet-8
//! with zero-padding shortcuts (A). Beside `train_step` (the MLPs), so the ratios come from one
//! run. The images are seeded noise: a step's cost does not depend on the pixels.
//!
//! `cargo bench -p kd-core --bench conv_step`

mod common;

use common::{BATCH, TeacherMode, step_bench};
use criterion::{Criterion, criterion_group, criterion_main};
use kd_core::data::Augment;
use kd_core::methods::{HardLabels, Method};
use kd_core::models::{CnnBook, ModelSpec, PlainCnnConfig, ResNetConfig, Shortcut};
use kd_core::train::harness::noise_images;

fn benches(c: &mut Criterion) {
    kd_core::perf::tune_process();
    let set = noise_images([3, 32, 32], BATCH);
    let input = [3, 32, 32];
    let hard = Method::HardLabels(HardLabels {});
    let cases: [(&str, ModelSpec); 3] = [
        (
            "plane10 (CIFAR-10 book) hard labels",
            PlainCnnConfig::takd(CnnBook::Cifar10, 10, input, 10)
                .expect("a book depth")
                .into(),
        ),
        (
            "resnet20 (B) hard labels",
            ResNetConfig::new(20, Shortcut::B, input, 10).into(),
        ),
        (
            "resnet8 (A) hard labels",
            ResNetConfig::new(8, Shortcut::A, input, 10).into(),
        ),
    ];
    for (name, model) in &cases {
        step_bench(
            c,
            name,
            model,
            &hard,
            &set,
            Augment::crop_and_flip(4),
            &[],
            TeacherMode::Cached,
        );
    }
}

criterion_group! {
    name = conv_step_benches;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(conv_step_benches);
