//! Cost of Sobolev training: one full-batch regression step (MLP 2-256-256-1, 100 points) with
//! values only, with the full gradient (two tangent passes) and with one random projection; and
//! one distillation step of a 784-300-300-10 student (batch 128) matching logits only vs logits
//! plus Jacobian projections (student tangent pass + teacher JVP).
//!
//! `cargo bench -p kd-core --bench sobolev_step`

use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use criterion::{Criterion, criterion_group, criterion_main};
use kd_core::data::functions::TestFunction;
use kd_core::data::{DigitBatcher, Locations, TangentTeacher, dataset_info, load_dataset};
use kd_core::methods::{LogitMatch, Method, Sobolev, SoftTargets};
use kd_core::models::{Activation, MlpConfig};
use kd_core::rng::stream_rng;
use kd_core::train::sobolev::{DerivativeScale, FitSpec, Scaling, SobolevMode, fit};
use kd_core::train::{LrSchedule, OptimizerSpec, logits_of, train_step};

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
    let ad = plain.clone().autodiff();
    let info = dataset_info("mnist-10k").expect("known dataset");
    let ds = load_dataset(&info, &Locations::standard(None)).expect("bundled mnist-10k");
    let set = Arc::new(ds.train.select(&(0..128).collect::<Vec<_>>()));
    let teacher = MlpConfig {
        widths: vec![784, 1200, 1200, 10],
        activation: Activation::Relu,
        input_dropout: 0.0,
        hidden_dropout: 0.0,
        max_norm: None,
    }
    .init(2, &plain);
    let student_cfg = MlpConfig::plain(&[784, 300, 300, 10]);
    let soft = SoftTargets {
        temperature: 4.0,
        hard_weight: 0.0,
    };
    let logits = Some(Arc::new(logits_of(&teacher, &set, &plain)));
    let cases = [
        (
            "distillation step, logits only",
            Method::SoftTargets(soft.clone()),
            false,
        ),
        (
            "distillation step, logits + Jacobian projections",
            Method::Sobolev(Sobolev {
                logits: LogitMatch::SoftTargets(soft),
                jacobian_weight: 1.0,
            }),
            true,
        ),
    ];
    for (name, method, tangents) in cases {
        let batcher = DigitBatcher {
            set: set.clone(),
            teacher_logits: logits.clone(),
            jitter: None,
            tangent_teacher: tangents.then(|| {
                Arc::new(TangentTeacher {
                    model: teacher.clone(),
                    rng: Mutex::new(stream_rng(1, "tangent", 0)),
                })
            }),
        };
        let model = student_cfg.init(1, &ad);
        let mut optim = OptimizerSpec::Sgd {
            lr: 0.01,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.0,
        }
        .build();
        let mut dropout = stream_rng(1, "dropout", 0);
        // The batch (with a fresh direction and teacher JVP when needed) is part of the step.
        c.bench_function(name, |b| {
            b.iter(|| {
                let batch = batcher.batch((0..128).collect(), &ad);
                train_step(
                    model.clone(),
                    &mut optim,
                    &method,
                    &batch,
                    &mut dropout,
                    0.01,
                    None,
                )
                .1
            })
        });
    }
}

criterion_group! {
    name = sobolev_benches;
    config = Criterion::default().sample_size(20);
    targets = regression, distillation
}
criterion_main!(sobolev_benches);
