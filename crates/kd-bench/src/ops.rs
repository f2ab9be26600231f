//! Where a step's time goes: single layers at the shapes the CIFAR and MNIST nets use, timed
//! forward, backward to the input only, and backward to the parameters only (each as the
//! difference of a forward+backward and a forward), ours beside PyTorch's.

use std::time::Instant;

use burn::module::Module;
use burn::prelude::*;
use kd_core::KdError;
use kd_core::models::layers::{ConvSpec, Init, LayerBuilder, max_pool};
use kd_core::tensors::floats;

/// One layer at one shape (the PyTorch twin builds the same by name).
pub struct Op {
    pub name: &'static str,
    pub what: &'static str,
    kind: Kind,
}

enum Kind {
    Conv {
        cin: usize,
        cout: usize,
        size: usize,
    },
    /// The same 3x3 conv composed as im2col (shifted slices) + one GEMM: a prototype.
    ConvIm2col {
        cin: usize,
        cout: usize,
        size: usize,
    },
    BatchNorm {
        channels: usize,
        size: usize,
    },
    Relu {
        channels: usize,
        size: usize,
    },
    MaxPool {
        channels: usize,
        size: usize,
    },
    Linear {
        d_in: usize,
        d_out: usize,
    },
}

pub fn ops() -> Vec<Op> {
    let conv = |name, what, cin, cout, size| Op {
        name,
        what,
        kind: Kind::Conv { cin, cout, size },
    };
    let im2col = |name, what, cin, cout, size| Op {
        name,
        what,
        kind: Kind::ConvIm2col { cin, cout, size },
    };
    vec![
        conv(
            "conv3-16@32",
            "3x3 conv 3->16 at 32x32 (ResNet stem)",
            3,
            16,
            32,
        ),
        im2col(
            "conv16-16@32-im2col",
            "3x3 conv 16->16 at 32x32 as im2col + GEMM (prototype, ours only)",
            16,
            16,
            32,
        ),
        im2col(
            "conv32-32@16-im2col",
            "3x3 conv 32->32 at 16x16 as im2col + GEMM (prototype, ours only)",
            32,
            32,
            16,
        ),
        im2col(
            "conv128-128@8-im2col",
            "3x3 conv 128->128 at 8x8 as im2col + GEMM (prototype, ours only)",
            128,
            128,
            8,
        ),
        conv(
            "conv16-16@32",
            "3x3 conv 16->16 at 32x32 (ResNet stage 1)",
            16,
            16,
            32,
        ),
        conv(
            "conv32-32@16",
            "3x3 conv 32->32 at 16x16 (ResNet stage 2)",
            32,
            32,
            16,
        ),
        conv(
            "conv64-64@8",
            "3x3 conv 64->64 at 8x8 (ResNet stage 3)",
            64,
            64,
            8,
        ),
        conv(
            "conv128-128@8",
            "3x3 conv 128->128 at 8x8 (plane10)",
            128,
            128,
            8,
        ),
        conv(
            "conv256-256@4",
            "3x3 conv 256->256 at 4x4 (plane10)",
            256,
            256,
            4,
        ),
        Op {
            name: "batchnorm16@32",
            what: "BatchNorm, 16 channels at 32x32, training mode",
            kind: Kind::BatchNorm {
                channels: 16,
                size: 32,
            },
        },
        Op {
            name: "relu16@32",
            what: "ReLU, 16 channels at 32x32",
            kind: Kind::Relu {
                channels: 16,
                size: 32,
            },
        },
        Op {
            name: "maxpool16@32",
            what: "2x2 max-pool, 16 channels at 32x32",
            kind: Kind::MaxPool {
                channels: 16,
                size: 32,
            },
        },
        Op {
            name: "linear784-800",
            what: "Linear 784->800 (the MLP student's first layer)",
            kind: Kind::Linear {
                d_in: 784,
                d_out: 800,
            },
        },
    ]
}

/// Which gradients a timed pass computes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Forward,
    InputGrad,
    ParamGrad,
}

/// Median ms of (forward, backward to the input, backward to the parameters) of `op` at batch
/// `batch`; the last is `None` for ops without parameters.
pub fn time_op(op: &Op, batch: usize, warmup: usize, steps: usize) -> (f64, f64, Option<f64>) {
    let ad = Device::flex().autodiff();
    let mut build = LayerBuilder::new(1, &ad);
    let shape = match op.kind {
        Kind::Conv { cin, size, .. } | Kind::ConvIm2col { cin, size, .. } => {
            vec![batch, cin, size, size]
        }
        Kind::BatchNorm { channels, size }
        | Kind::Relu { channels, size }
        | Kind::MaxPool { channels, size } => vec![batch, channels, size, size],
        Kind::Linear { d_in, .. } => vec![batch, d_in],
    };
    let n: usize = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let input = |grad: bool| {
        let t = Tensor::<1>::from_data(TensorData::new(values.clone(), [n]), &ad);
        if grad { t.require_grad() } else { t }
    };
    let conv = match op.kind {
        Kind::Conv { cin, cout, .. } | Kind::ConvIm2col { cin, cout, .. } => {
            Some(build.conv2d(ConvSpec::new(cin, cout, 3).padding(1), Init::PytorchDefault))
        }
        _ => None,
    };
    let norm = match op.kind {
        Kind::BatchNorm { channels, .. } => Some(build.batch_norm(channels)),
        _ => None,
    };
    let linear = match op.kind {
        Kind::Linear { d_in, d_out } => Some(build.linear(d_in, d_out, Init::PytorchDefault)),
        _ => None,
    };
    let has_params = conv.is_some() || norm.is_some() || linear.is_some();
    let run = |pass: Pass| -> f64 {
        // The forward pass records its graph as in training (the input tracked).
        let x = input(pass != Pass::ParamGrad);
        let frozen = pass != Pass::ParamGrad;
        let conv = conv.clone().map(|c| if frozen { c.no_grad() } else { c });
        let norm = norm.clone().map(|b| if frozen { b.no_grad() } else { b });
        let linear = linear.clone().map(|l| if frozen { l.no_grad() } else { l });
        let started = Instant::now();
        let y: Tensor<1> = match op.kind {
            Kind::Linear { .. } => linear
                .expect("a linear op")
                .forward(x.reshape([shape[0], shape[1]]))
                .flatten(0, 1),
            _ => {
                let x4: Tensor<4> = x.reshape([shape[0], shape[1], shape[2], shape[3]]);
                let y4 = match op.kind {
                    Kind::Conv { .. } => conv.expect("a conv op").forward(x4),
                    Kind::ConvIm2col { .. } => {
                        let c = conv.expect("a conv op");
                        conv3x3_im2col(x4, c.weight.val(), c.bias.map(|b| b.val()))
                    }
                    Kind::BatchNorm { .. } => norm.expect("a norm op").forward(x4),
                    Kind::Relu { .. } => burn::tensor::activation::relu(x4),
                    Kind::MaxPool { .. } => max_pool(x4, 2, 2, false),
                    Kind::Linear { .. } => unreachable!(),
                };
                y4.flatten(0, 3)
            }
        };
        let loss = y.sum();
        if pass == Pass::Forward {
            let v = floats(loss.clone().inner());
            let elapsed = started.elapsed();
            // Burn keeps a forward-only graph alive: consume it, untimed.
            let _ = loss.backward();
            std::hint::black_box(v);
            return elapsed.as_secs_f64() * 1e3;
        }
        // Flex computes eagerly: the gradients exist when backward returns.
        let grads = loss.backward();
        let elapsed = started.elapsed();
        std::hint::black_box(grads);
        elapsed.as_secs_f64() * 1e3
    };
    let median = |pass: Pass| {
        for _ in 0..warmup {
            run(pass);
        }
        let mut v: Vec<f64> = (0..steps).map(|_| run(pass)).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let fwd = median(Pass::Forward);
    let input_grad = median(Pass::InputGrad) - fwd;
    let param_grad = has_params.then(|| median(Pass::ParamGrad) - fwd);
    (fwd, input_grad, param_grad)
}

pub fn unknown(name: &str, known: &[&str]) -> KdError {
    KdError::Config(format!(
        "unknown op `{name}`; choose from: {}",
        known.join(", ")
    ))
}

/// A 3x3, stride-1, padding-1 convolution as im2col + one GEMM, from differentiable Burn ops:
/// the nine shifted views of the zero-padded input (channel-major, batch inner) stacked into
/// `[Cin*9, B*H*W]`, multiplied by the weight as `[Cout, Cin*9]`. Its weight gradient is then
/// one GEMM too, `dY [Cout, B*H*W] x cols^T`.
pub fn conv3x3_im2col(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    let [b, cin, h, w] = x.dims();
    let cout = weight.dims()[0];
    let xp = x
        .swap_dims(0, 1)
        .pad((1, 1, 1, 1), burn::tensor::ops::PadMode::Constant(0.0));
    let mut views = Vec::with_capacity(9);
    for ky in 0..3 {
        for kx in 0..3 {
            views.push(xp.clone().slice([0..cin, 0..b, ky..ky + h, kx..kx + w]));
        }
    }
    // [Cin, 9, B, H, W]: row index cin * 9 + (ky * 3 + kx), as the weight's [Cout, Cin, 3, 3].
    let cols = Tensor::stack::<5>(views, 1).reshape([cin * 9, b * h * w]);
    let y = weight.reshape([cout, cin * 9]).matmul(cols);
    let y = match bias {
        Some(bias) => y + bias.reshape([cout, 1]),
        None => y,
    };
    y.reshape([cout, b, h, w]).swap_dims(0, 1)
}
