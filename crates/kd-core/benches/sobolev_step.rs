//! Cost of Sobolev training: one full-batch regression step (MLP 2-256-256-1, 100 points) with
//! values only, with the full gradient (two tangent passes) and with one random projection; and
//! one distillation step of a 784-300-300-10 student (batch 128) matching logits only vs logits
//! plus Jacobian projections (student tangent pass + teacher JVP).
//!
//! `cargo bench -p kd-core --bench sobolev_step`

mod common;

use burn::prelude::*;
use common::{TeacherMode, step_bench};
use criterion::{Criterion, criterion_group, criterion_main};
use kd_core::data::functions::TestFunction;
use kd_core::data::{Augment, Locations, dataset_info, load_dataset};
use kd_core::methods::{LogitMatch, Method, Sobolev, SoftTargets};
use kd_core::models::{Activation, MlpConfig, ModelSpec};
use kd_core::train::LrSchedule;
use kd_core::train::sobolev::{DerivativeScale, FitSpec, Scaling, SobolevMode, fit};

fn regression(c: &mut Criterion) {
    let device = Device::flex();
    let f = TestFunction::Rosenbrock;
    let data = Scaling::of(f).sample(f, 100, 1);
    for mode in [
        SobolevMode::Regular,
        SobolevMode::Sobolev,
        SobolevMode::Stochastic,
    ] {
        let spec = FitSpec {
            model: MlpConfig::plain(&[2, 256, 256, 1]),
            mode,
            derivative_weight: 1.0,
            derivative_scale: DerivativeScale::Relative,
            steps: 10,
            lr: 1e-3,
            schedule: LrSchedule::Constant,
            seed: 1,
        };
        // Ten steps per iteration (including the model's initialisation, the same for all modes).
        c.bench_function(&format!("regression 10 steps, {}", mode.name()), |b| {
            b.iter(|| fit(&spec, &data, &device))
        });
    }
}

fn distillation(c: &mut Criterion) {
    let plain = Device::flex();
    let info = dataset_info("mnist-10k").expect("known dataset");
    let ds = load_dataset(&info, &Locations::standard(None)).expect("bundled mnist-10k");
    let teacher = MlpConfig {
        widths: vec![784, 1200, 1200, 10],
        activation: Activation::Relu,
        input_dropout: 0.0,
        hidden_dropout: 0.0,
        max_norm: None,
        input_noise: 0.0,
    }
    .init(2, &plain);
    let student = ModelSpec::Mlp(MlpConfig::plain(&[784, 300, 300, 10]));
    let soft = SoftTargets::new(4.0, 0.0);
    let cases = [
        (
            "distillation step, logits only",
            Method::SoftTargets(soft.clone()),
        ),
        (
            "distillation step, logits + Jacobian projections",
            Method::Sobolev(Sobolev {
                logits: LogitMatch::SoftTargets(soft),
                jacobian_weight: 1.0,
            }),
        ),
    ];
    // The batch (with a fresh direction and teacher JVP when needed) is part of the step.
    for (name, method) in cases {
        step_bench(
            c,
            name,
            &student,
            &method,
            &ds.train,
            Augment::none(),
            &[kd_core::models::Net::Mlp(teacher.clone())],
            TeacherMode::Cached,
        );
    }
}

criterion_group! {
    name = sobolev_benches;
    config = Criterion::default().sample_size(20);
    targets = regression, distillation
}
criterion_main!(sobolev_benches);
