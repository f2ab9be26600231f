//! The workspace's burn-flex patch (`vendor/burn-flex`, `KD-PATCH.md`) against Burn 0.22.1's own
//! kernels, in one process through Burn's public API: every patched op (conv2d forward and its
//! three gradients, BatchNorm in training and evaluation mode with its gradients, tanh) gives
//! the unpatched result within float tolerance, on the shapes the papers use and on odd ones
//! (strides, dilation, rectangular kernels, padding wider than half the kernel, batches that
//! leave a remainder chunk). Ops the patch does not handle (grouped convs) must still work.
//!
//! The switch is process-wide, so the tests here take a lock; this file is its own test binary.

use std::sync::Mutex;

use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::module::{batch_norm, batch_norm_train, conv2d};
use burn::tensor::ops::ConvOptions;
use burn_flex::kd_patch::set_patched_kernels;
use kd_core::tensors::floats;

static SWITCH: Mutex<()> = Mutex::new(());

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn tensor<const D: usize>(dims: [usize; D], seed: u64, device: &Device) -> Tensor<D> {
    let n = dims.iter().product();
    Tensor::from_data(TensorData::new(values(n, seed), dims), device)
}

/// `max |a - b| <= tol * max(1, max |b|)`.
fn assert_close(what: &str, a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= tol * scale,
        "{what}: max |patched - burn| = {worst:e} (scale {scale}, tolerance {tol:e})"
    );
}

/// Runs `f` with the patched kernels on and with Burn's own, returning both results.
fn both<T>(f: impl Fn() -> T) -> (T, T) {
    let _guard = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    set_patched_kernels(true);
    let patched = f();
    set_patched_kernels(false);
    let reference = f();
    set_patched_kernels(true);
    (patched, reference)
}

struct ConvCase {
    x: [usize; 4],
    out_channels: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
    bias: bool,
}

impl ConvCase {
    fn new(
        x: [usize; 4],
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> Self {
        Self {
            x,
            out_channels,
            kernel: [kernel; 2],
            stride: [stride; 2],
            padding: [padding; 2],
            dilation: [1, 1],
            groups: 1,
            bias: true,
        }
    }

    /// Output, and the gradients of `sum(output * r)` for a fixed random `r` with respect to
    /// input, weight and bias.
    fn run(&self) -> Vec<Vec<f32>> {
        let device = Device::flex().autodiff();
        let x = tensor(self.x, 1, &device).require_grad();
        let w_dims = [
            self.out_channels,
            self.x[1] / self.groups,
            self.kernel[0],
            self.kernel[1],
        ];
        let w = tensor(w_dims, 2, &device).require_grad();
        let b = self
            .bias
            .then(|| tensor([self.out_channels], 3, &device).require_grad());
        let options = ConvOptions::new(self.stride, self.padding, self.dilation, self.groups);
        let y = conv2d(x.clone(), w.clone(), b.clone(), options);
        let r = tensor(y.dims(), 4, &device);
        let grads = (y.clone() * r).sum().backward();
        let mut out = vec![
            floats(y.inner()),
            floats(x.grad(&grads).expect("input grad")),
            floats(w.grad(&grads).expect("weight grad")),
        ];
        if let Some(b) = b {
            out.push(floats(b.grad(&grads).expect("bias grad")));
        }
        out
    }
}

fn check_conv(name: &str, case: ConvCase) {
    let (patched, reference) = both(|| case.run());
    for (part, (p, r)) in ["output", "input grad", "weight grad", "bias grad"]
        .iter()
        .zip(patched.iter().zip(&reference))
    {
        assert_close(&format!("{name} {part}"), p, r, 1e-5);
    }
}

#[test]
fn conv2d_matches_burn_on_the_papers_shapes() {
    // CIFAR first layer; a ResNet stage; its stride-2 entry and 1x1 shortcut (option B);
    // LeNet-5's two convs (batch 33: chunks with a remainder).
    check_conv("cifar stem", ConvCase::new([5, 3, 32, 32], 16, 3, 1, 1));
    check_conv("resnet stage", ConvCase::new([4, 16, 16, 16], 16, 3, 1, 1));
    check_conv("resnet down", ConvCase::new([4, 16, 16, 16], 32, 3, 2, 1));
    check_conv("shortcut B", ConvCase::new([3, 16, 16, 16], 32, 1, 2, 0));
    check_conv("lenet conv1", ConvCase::new([33, 1, 28, 28], 6, 5, 1, 2));
    check_conv("lenet conv2", ConvCase::new([33, 6, 14, 14], 16, 5, 1, 0));
    check_conv("deep 4x4", ConvCase::new([7, 32, 4, 4], 64, 3, 1, 1));
}

#[test]
fn conv2d_matches_burn_on_odd_geometry() {
    check_conv("pointwise", ConvCase::new([2, 8, 8, 8], 8, 1, 1, 0));
    check_conv("wide padding", ConvCase::new([1, 2, 5, 5], 3, 3, 1, 2));
    check_conv("single pixel", ConvCase::new([3, 4, 1, 1], 5, 3, 1, 1));
    check_conv(
        "rectangular, dilated, strided",
        ConvCase {
            x: [2, 4, 9, 7],
            out_channels: 6,
            kernel: [3, 2],
            stride: [2, 1],
            padding: [1, 0],
            dilation: [2, 1],
            groups: 1,
            bias: false,
        },
    );
    check_conv(
        "stride 3 over an uneven edge",
        ConvCase {
            x: [3, 3, 10, 11],
            out_channels: 4,
            kernel: [3, 3],
            stride: [3, 3],
            padding: [1, 1],
            dilation: [1, 1],
            groups: 1,
            bias: true,
        },
    );
}

#[test]
fn grouped_conv2d_keeps_burns_path() {
    check_conv(
        "groups 2",
        ConvCase {
            x: [2, 4, 6, 6],
            out_channels: 6,
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1, 1],
            dilation: [1, 1],
            groups: 2,
            bias: true,
        },
    );
}

/// Training-mode BatchNorm: output, batch mean and variance, and the gradients of
/// `sum(output * r)` for input, gamma and beta.
fn batch_norm_train_run<const D: usize>(dims: [usize; D]) -> Vec<Vec<f32>> {
    let device = Device::flex().autodiff();
    let channels = dims[1];
    // An offset and a spread per channel, as real activations have.
    let x = (tensor(dims, 5, &device) * 3.0 + 0.5).require_grad();
    let gamma = tensor([channels], 6, &device).require_grad();
    let beta = tensor([channels], 7, &device).require_grad();
    let out = batch_norm_train(x.clone(), gamma.clone(), beta.clone(), 1e-5);
    let r = tensor(dims, 8, &device);
    let grads = (out.output.clone() * r).sum().backward();
    vec![
        floats(out.output.inner()),
        floats(out.mean.inner()),
        floats(out.variance.inner()),
        floats(x.grad(&grads).expect("input grad")),
        floats(gamma.grad(&grads).expect("gamma grad")),
        floats(beta.grad(&grads).expect("beta grad")),
    ]
}

#[test]
fn batch_norm_training_matches_burn() {
    let parts = [
        "output",
        "mean",
        "variance",
        "input grad",
        "gamma grad",
        "beta grad",
    ];
    for (name, (patched, reference)) in [
        (
            "conv [6,16,8,8]",
            both(|| batch_norm_train_run([6, 16, 8, 8])),
        ),
        (
            "conv [3,5,7,9]",
            both(|| batch_norm_train_run([3, 5, 7, 9])),
        ),
        ("flat [32,10]", both(|| batch_norm_train_run([32, 10]))),
    ] {
        for (part, (p, r)) in parts.iter().zip(patched.iter().zip(&reference)) {
            assert_close(&format!("{name} {part}"), p, r, 1e-4);
        }
    }
}

#[test]
fn batch_norm_evaluation_matches_burn() {
    let run = || {
        let device = Device::flex();
        let dims = [4, 6, 5, 5];
        let mean = tensor([6], 9, &device);
        let variance = tensor([6], 10, &device).abs() + 0.1;
        floats(batch_norm(
            tensor(dims, 11, &device),
            tensor([6], 12, &device),
            tensor([6], 13, &device),
            mean,
            variance,
            1e-5,
        ))
    };
    let (patched, reference) = both(run);
    assert_close("eval", &patched, &reference, 1e-5);
}

#[test]
fn tanh_matches_libm_within_a_few_ulp() {
    let grid: Vec<f32> = (-2000..=2000)
        .map(|i| i as f32 * 0.005)
        .chain([0.0, -0.0, 1e-30, -1e-6, 3e-4, 5e-4, 9.0, -9.0, 20.0, -50.0])
        .collect();
    let run = || {
        let device = Device::flex();
        let n = grid.len();
        floats(Tensor::<1>::from_data(TensorData::new(grid.clone(), [n]), &device).tanh())
    };
    let (patched, _) = both(run);
    for (x, y) in grid.iter().zip(&patched) {
        let exact = (*x as f64).tanh();
        let ulp = (exact.abs() as f32).max(f32::MIN_POSITIVE) * f32::EPSILON;
        assert!(
            ((*y as f64) - exact).abs() <= 4.0 * ulp as f64,
            "tanh({x}) = {y}, exact {exact}"
        );
    }
    let device = Device::flex();
    let special = floats(
        Tensor::<1>::from_data(
            TensorData::new(vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY], [3]),
            &device,
        )
        .tanh(),
    );
    assert!(special[0].is_nan());
    assert_eq!(&special[1..], &[1.0, -1.0]);
}
