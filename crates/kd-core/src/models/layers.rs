//! Seeded building blocks shared by the convolutional models: Burn's `Linear`, `Conv2d` and
//! `BatchNorm` built with weights drawn from the run's own `init` stream (never the backend's
//! global RNG) and with fixed parameter ids handed out in construction order, plus dropout with a
//! caller-provided mask stream and the pooling helpers the models use.
//!
//! Parameter ids: trainable tensors (weights, biases, BatchNorm scale and shift) get ids
//! 0, 1, 2, ... in the order the model constructs them, so optimizer state saved in a checkpoint
//! always finds its parameter again. Buffers (BatchNorm running statistics and its `training`
//! flag) get ids from a separate counter starting at [`BUFFER_ID_BASE`], so the trainable ids
//! stay contiguous and every id is still fixed.

use std::f64::consts::PI;

use burn::module::{Flag, Module, ModuleVisitor, Param, ParamId, RunningState};
use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::module::{avg_pool2d, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, MaxPoolOptions};
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::rng::stream_rng;

/// First id of the buffer (non-trainable) counter.
pub const BUFFER_ID_BASE: u64 = 1 << 32;

/// First id of parameters a training method owns (method-owned modules train beside the net in
/// one optimizer, so their ids must be disjoint from the net's).
pub const AUX_ID_BASE: u64 = 1 << 40;

/// The first trainable id of a method's `i`-th peer net (deep mutual learning): peer `i`'s
/// parameters are numbered from `PEER_ID_BASE * (i + 1)`, apart from the student's and the
/// method's other parameters (one optimizer steps them all, keyed by id).
pub const PEER_ID_BASE: u64 = 1 << 44;

/// `module` with its trainable (float) parameters numbered from `first` up in visiting order.
/// The same structure always gets the same ids, so renumbering a net loaded from a record
/// (whose ids are those it was trained with) is idempotent. BatchNorm's running statistics
/// pass through the same mapper (so the numbers have gaps) but keep their own ids: they get no
/// gradient and no optimizer state, so a peer's may equal the student's.
pub fn renumber_params<M: Module>(module: M, first: u64) -> M {
    struct Renumber(IdCounter);
    impl burn::module::ModuleMapper for Renumber {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (_, value, mapper) = param.consume();
            Param::from_mapped_value(ParamId::from(self.0.next_id()), value, mapper)
        }
    }
    module.map(&mut Renumber(IdCounter::starting_at(first)))
}

/// PyTorch's `BatchNorm2d` defaults.
pub const BN_EPSILON: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

/// A parameter with a fixed id, trainable when created on an autodiff device.
pub fn param<const D: usize>(t: Tensor<D>, id: u64) -> Param<Tensor<D>> {
    let t = if t.is_autodiff() { t.require_grad() } else { t };
    Param::initialized(ParamId::from(id), t)
}

/// `n` draws from U(-bound, bound).
pub fn uniform(rng: &mut StdRng, n: usize, bound: f64) -> Vec<f32> {
    if bound <= 0.0 {
        return vec![0.0; n];
    }
    (0..n)
        .map(|_| rng.random_range(-bound..bound) as f32)
        .collect()
}

/// `n` draws from N(0, std^2) by the Box-Muller transform in f64 (rand 0.9 itself has no normal
/// distribution). Both values of each pair are used.
pub fn normal(rng: &mut StdRng, n: usize, std: f64) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        // 1 - U is in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - rng.random::<f64>();
        let u2 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let theta = 2.0 * PI * u2;
        out.push((std * r * theta.cos()) as f32);
        out.push((std * r * theta.sin()) as f32);
    }
    out.truncate(n);
    out
}

/// How a layer's weights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// What `torch.nn.Conv2d`/`torch.nn.Linear`'s `reset_parameters` gives: weight and bias
    /// uniform in +-1/sqrt(fan_in), fan_in = in_channels * k * k for a conv, d_in for a linear.
    PytorchDefault,
    /// He et al.'s normal init as the CIFAR ResNet code writes it: weight N(0, 2/n) with
    /// n = k * k * out_channels (n = d_out for a linear); bias zero.
    HeNormal,
}

/// Hands out parameter ids 0, 1, 2, ... in construction order.
#[derive(Debug, Clone, Default)]
pub struct IdCounter {
    next: u64,
}

impl IdCounter {
    pub fn new() -> Self {
        Self::starting_at(0)
    }

    pub fn starting_at(first: u64) -> Self {
        IdCounter { next: first }
    }

    /// The next id (and advances).
    pub fn next_id(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }

    /// The id the next call will return.
    pub fn peek(&self) -> u64 {
        self.next
    }
}

/// A 2-D convolution's shape: square kernel, symmetric padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub bias: bool,
}

impl ConvSpec {
    /// A `kernel` x `kernel` convolution, stride 1, no padding, with bias.
    pub fn new(in_channels: usize, out_channels: usize, kernel: usize) -> Self {
        ConvSpec {
            in_channels,
            out_channels,
            kernel,
            stride: 1,
            padding: 0,
            bias: true,
        }
    }

    pub fn stride(self, stride: usize) -> Self {
        ConvSpec { stride, ..self }
    }

    pub fn padding(self, padding: usize) -> Self {
        ConvSpec { padding, ..self }
    }

    pub fn no_bias(self) -> Self {
        ConvSpec {
            bias: false,
            ..self
        }
    }

    /// The output side length for an input side length `size`.
    pub fn out_size(&self, size: usize) -> usize {
        conv_out_size(size, self.kernel, self.stride, self.padding)
    }
}

/// floor((size + 2 * padding - kernel) / stride) + 1, or 0 when the kernel does not fit.
pub fn conv_out_size(size: usize, kernel: usize, stride: usize, padding: usize) -> usize {
    let padded = size + 2 * padding;
    if padded < kernel || stride == 0 {
        0
    } else {
        (padded - kernel) / stride + 1
    }
}

/// A pooling window's output side length without padding, in floor or ceil mode.
pub fn pool_out_size(size: usize, kernel: usize, stride: usize, ceil: bool) -> usize {
    if size < kernel || stride == 0 {
        return 0;
    }
    let span = size - kernel;
    let steps = if ceil {
        span.div_ceil(stride)
    } else {
        span / stride
    };
    // Caffe/PyTorch: in ceil mode the last window must start inside the input.
    let steps = if ceil && steps * stride >= size {
        steps - 1
    } else {
        steps
    };
    steps + 1
}

/// Builds layers for one model: weights from `stream_rng(seed, "init", 0)`, trainable ids
/// 0, 1, 2, ... and buffer ids from [`BUFFER_ID_BASE`], both in construction order.
#[derive(Debug)]
pub struct LayerBuilder {
    pub rng: StdRng,
    pub params: IdCounter,
    pub buffers: IdCounter,
    pub device: Device,
}

impl LayerBuilder {
    pub fn new(seed: u64, device: &Device) -> Self {
        LayerBuilder {
            rng: stream_rng(seed, "init", 0),
            params: IdCounter::new(),
            buffers: IdCounter::starting_at(BUFFER_ID_BASE),
            device: device.clone(),
        }
    }

    /// A builder for parameters a training method owns (see `methods::AuxParams`): its own
    /// `aux-init` stream and ids from [`AUX_ID_BASE`] up, so they never collide with the net's.
    pub fn for_aux(seed: u64, device: &Device) -> Self {
        LayerBuilder {
            rng: stream_rng(seed, "aux-init", 0),
            params: IdCounter::starting_at(AUX_ID_BASE),
            buffers: IdCounter::starting_at(AUX_ID_BASE + BUFFER_ID_BASE),
            device: device.clone(),
        }
    }

    fn tensor<const D: usize>(&self, values: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values, shape), &self.device)
    }

    fn trainable<const D: usize>(
        &mut self,
        values: Vec<f32>,
        shape: [usize; D],
    ) -> Param<Tensor<D>> {
        let t = self.tensor(values, shape);
        param(t, self.params.next_id())
    }

    /// A `Conv2d` (weight `[out, in, k, k]`, then bias `[out]`).
    pub fn conv2d(&mut self, spec: ConvSpec, init: Init) -> Conv2d {
        let ConvSpec {
            in_channels: c_in,
            out_channels: c_out,
            kernel: k,
            ..
        } = spec;
        let n = c_out * c_in * k * k;
        let (weight, bias) = match init {
            Init::PytorchDefault => {
                let bound = 1.0 / ((c_in * k * k) as f64).sqrt();
                let w = uniform(&mut self.rng, n, bound);
                let b = spec.bias.then(|| uniform(&mut self.rng, c_out, bound));
                (w, b)
            }
            Init::HeNormal => {
                let std = (2.0 / (k * k * c_out) as f64).sqrt();
                let w = normal(&mut self.rng, n, std);
                (w, spec.bias.then(|| vec![0.0; c_out]))
            }
        };
        let weight = self.trainable(weight, [c_out, c_in, k, k]);
        let bias = bias.map(|b| self.trainable(b, [c_out]));
        let p = spec.padding;
        Conv2d {
            weight,
            bias,
            stride: [spec.stride; 2],
            kernel_size: [k; 2],
            dilation: [1, 1],
            groups: 1,
            padding: PaddingConfig2d::Explicit(p, p, p, p),
        }
    }

    /// A `Linear` (weight `[d_in, d_out]` as Burn stores it, then bias `[d_out]`).
    pub fn linear(&mut self, d_in: usize, d_out: usize, init: Init) -> Linear {
        let (weight, bias) = match init {
            Init::PytorchDefault => {
                let bound = 1.0 / (d_in as f64).sqrt();
                let w = uniform(&mut self.rng, d_in * d_out, bound);
                (w, uniform(&mut self.rng, d_out, bound))
            }
            Init::HeNormal => {
                let std = (2.0 / d_out as f64).sqrt();
                (normal(&mut self.rng, d_in * d_out, std), vec![0.0; d_out])
            }
        };
        Linear {
            weight: self.trainable(weight, [d_in, d_out]),
            bias: Some(self.trainable(bias, [d_out])),
        }
    }

    /// A `BatchNorm` with PyTorch's defaults: scale 1, shift 0, running mean 0 and variance 1,
    /// epsilon 1e-5, momentum 0.1. In Burn it normalises with batch statistics (and updates the
    /// running ones) when its input is on an autodiff device, and with the running statistics
    /// otherwise (`model.valid()` on the plain device).
    ///
    /// Checkpoint `model.valid()`, not the autodiff model: Burn 0.22.1 holds the latest
    /// running-statistics update in a per-thread buffer that `into_record()` does not see until
    /// a later forward or `valid()`/`train()` merges it.
    pub fn batch_norm(&mut self, channels: usize) -> BatchNorm {
        let gamma = self.trainable(vec![1.0; channels], [channels]);
        let beta = self.trainable(vec![0.0; channels], [channels]);
        let mean = self.tensor(vec![0.0; channels], [channels]);
        let var = self.tensor(vec![1.0; channels], [channels]);
        BatchNorm {
            gamma,
            beta,
            running_mean: RunningState::with_id(ParamId::from(self.buffers.next_id()), mean),
            running_var: RunningState::with_id(ParamId::from(self.buffers.next_id()), var),
            training: Param::initialized(ParamId::from(self.buffers.next_id()), Flag::new(true)),
            momentum: BN_MOMENTUM,
            epsilon: BN_EPSILON,
        }
    }
}

/// Inverted dropout of any rank: multiplies by a fresh Bernoulli(1-p) mask from `rng`, scaled
/// by 1/(1-p), so inference needs no rescaling.
pub fn dropout<const D: usize>(x: Tensor<D>, p: f64, rng: &mut StdRng) -> Tensor<D> {
    if p <= 0.0 {
        return x;
    }
    let dims = x.dims();
    let n: usize = dims.iter().product();
    let keep_scale = (1.0 / (1.0 - p)) as f32;
    let p32 = p as f32;
    let mask: Vec<f32> = (0..n)
        .map(|_| {
            if rng.random::<f32>() < p32 {
                0.0
            } else {
                keep_scale
            }
        })
        .collect();
    let mask = Tensor::from_data(TensorData::new(mask, dims), &x.device().inner());
    let mask = if x.is_autodiff() {
        mask.autodiff()
    } else {
        mask
    };
    x * mask
}

/// `kernel` x `kernel` max pooling, stride `stride`, no padding; `ceil` = Caffe's (and PyTorch's
/// `ceil_mode`) output size.
pub fn max_pool(x: Tensor<4>, kernel: usize, stride: usize, ceil: bool) -> Tensor<4> {
    max_pool2d(
        x,
        MaxPoolOptions::new([kernel; 2])
            .with_stride([stride; 2])
            .with_ceil_mode(ceil),
    )
}

/// `kernel` x `kernel` average pooling, stride `stride`, no padding. A ceil-mode window that
/// hangs over the edge averages only the values inside (Caffe's and PyTorch's behaviour).
pub fn avg_pool(x: Tensor<4>, kernel: usize, stride: usize, ceil: bool) -> Tensor<4> {
    avg_pool2d(
        x,
        AvgPoolOptions::new([kernel; 2])
            .with_stride([stride; 2])
            .with_ceil_mode(ceil)
            .with_count_include_pad(false),
    )
}

/// Mean over the spatial dimensions: `[B, C, H, W]` -> `[B, C, 1, 1]`.
pub fn global_avg_pool(x: Tensor<4>) -> Tensor<4> {
    x.mean_dim(3).mean_dim(2)
}

/// `[B, D]` as a flat feature `[B, D, 1, 1]`.
pub fn flat_feature(x: Tensor<2>) -> Tensor<4> {
    let [b, d] = x.dims();
    x.reshape([b, d, 1, 1])
}

/// `[B, C, H, W]` -> `[B, C*H*W]` (PyTorch's `x.view(x.size(0), -1)`).
pub fn flatten(x: Tensor<4>) -> Tensor<2> {
    x.flatten(1, 3)
}

/// The number of trainable parameters: every float tensor of the module except BatchNorm's
/// running statistics (`running_*` fields), which Burn's `num_params()` counts but PyTorch's
/// `sum(p.numel() for p in model.parameters())` does not. (`Flag`s are not counted by either.)
pub fn trainable_params<M: Module>(module: &M) -> usize {
    #[derive(Default)]
    struct Counter {
        path: Vec<String>,
        count: usize,
    }
    impl ModuleVisitor for Counter {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let buffer = self
                .path
                .last()
                .is_some_and(|name| name.starts_with("running_"));
            if !buffer {
                self.count += param.lazy_shape().num_elements();
            }
        }
    }
    let mut counter = Counter::default();
    module.visit(&mut counter);
    counter.count
}

/// Test helpers shared by the model files.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::tensors::floats;
    use burn::optim::{GradientsParams, SgdConfig};
    use burn::store::ModuleRecord;
    use rand::SeedableRng;

    /// A deterministic input with values in [-1, 1).
    pub fn input(shape: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = shape.iter().product();
        Tensor::from_data(TensorData::new(uniform(&mut rng, n, 1.0), shape), device)
    }

    /// Every float tensor of a module with its path, in visiting order; BatchNorm running
    /// statistics only when `buffers`.
    pub fn tensors<M: Module>(module: &M, buffers: bool) -> Vec<(String, Vec<f32>)> {
        struct Collect {
            path: Vec<String>,
            buffers: bool,
            out: Vec<(String, Vec<f32>)>,
        }
        impl ModuleVisitor for Collect {
            fn enter_module(&mut self, name: &str, _: &str) {
                self.path.push(name.to_string());
            }
            fn exit_module(&mut self, _: &str, _: &str) {
                self.path.pop();
            }
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let is_buffer = self.path.last().is_some_and(|n| n.starts_with("running_"));
                if self.buffers || !is_buffer {
                    self.out
                        .push((self.path.join("."), floats(param.val().inner())));
                }
            }
        }
        let mut c = Collect {
            path: Vec::new(),
            buffers,
            out: Vec::new(),
        };
        module.visit(&mut c);
        c.out
    }

    /// All trainable values, concatenated.
    pub fn weights<M: Module>(module: &M) -> Vec<f32> {
        tensors(module, false)
            .into_iter()
            .flat_map(|(_, v)| v)
            .collect()
    }

    /// Saves `module` through `into_record().into_bytes()` and loads the bytes into `fresh`,
    /// as `train::save_model`/`load_model` do.
    pub fn round_trip<M: Module>(module: M, fresh: M) -> M {
        let bytes = module.into_record().into_bytes().expect("record to bytes");
        let record = ModuleRecord::from_bytes(bytes).expect("bytes to record");
        fresh.try_load_record(record).expect("record loads")
    }

    /// One SGD step on a loss of the logits; asserts that every trainable tensor moved and
    /// returns the stepped model.
    pub fn assert_sgd_step_changes_every_tensor<M: Module>(
        model: M,
        x: Tensor<4>,
        forward: impl FnOnce(&M, Tensor<4>) -> Tensor<2>,
    ) -> M {
        assert!(x.is_autodiff(), "train on the autodiff device");
        let before = tensors(&model, false);
        let logits = forward(&model, x);
        let [b, k] = logits.dims();
        // Cross-entropy against class 0 would leave some tensors untouched by chance far less
        // often than a plain square, but any smooth loss of every logit will do here.
        let target = Tensor::<2>::from_data(
            TensorData::new(
                (0..b * k).map(|i| (i % k == 0) as u8 as f32).collect(),
                [b, k],
            ),
            &logits.device(),
        );
        let loss = burn::tensor::activation::log_softmax(logits, 1)
            .mul(target)
            .sum()
            .neg();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let mut optim = SgdConfig::new().init();
        let model = optim.step(0.1, model, grads);
        let after = tensors(&model, false);
        assert_eq!(before.len(), after.len());
        for ((name, b), (_, a)) in before.iter().zip(&after) {
            assert_ne!(b, a, "{name} did not change");
        }
        model
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;
    use burn::module::list_param_ids;
    use rand::SeedableRng;

    fn mean_std(v: &[f32]) -> (f64, f64) {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    }

    #[test]
    fn normal_draws_have_the_right_moments() {
        let mut rng = StdRng::seed_from_u64(3);
        let v = normal(&mut rng, 200_001, 0.5);
        assert_eq!(v.len(), 200_001);
        let (mean, std) = mean_std(&v);
        assert!(mean.abs() < 0.005, "{mean}");
        assert!((std - 0.5).abs() < 0.005, "{std}");
        let within_1sd = v.iter().filter(|x| x.abs() < 0.5).count() as f64 / v.len() as f64;
        assert!((within_1sd - 0.6827).abs() < 0.005, "{within_1sd}");
    }

    #[test]
    fn uniform_draws_fill_the_interval() {
        let mut rng = StdRng::seed_from_u64(4);
        let v = uniform(&mut rng, 100_000, 0.25);
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        assert!(max <= 0.25 && max > 0.249, "{max}");
        let (mean, std) = mean_std(&v);
        assert!(mean.abs() < 0.003);
        assert!((std - 0.25 / 3f64.sqrt()).abs() < 0.002, "{std}");
    }

    #[test]
    fn builder_hands_out_ids_in_construction_order() {
        let device = Device::flex();
        let mut b = LayerBuilder::new(0, &device);
        let conv = b.conv2d(ConvSpec::new(3, 4, 3).padding(1), Init::PytorchDefault);
        let bn = b.batch_norm(4);
        let fc = b.linear(8, 2, Init::PytorchDefault);
        let ids = |v: Vec<ParamId>| v.iter().map(ParamId::val).collect::<Vec<_>>();
        assert_eq!(ids(list_param_ids(&conv)), [0, 1]);
        assert_eq!(
            ids(list_param_ids(&bn)),
            [2, 3, BUFFER_ID_BASE, BUFFER_ID_BASE + 1]
        );
        assert_eq!(ids(list_param_ids(&fc)), [4, 5]);
        assert_eq!(bn.training.id.val(), BUFFER_ID_BASE + 2);
        // Burn's num_params counts the running statistics; trainable_params does not.
        assert_eq!(bn.num_params(), 16);
        assert_eq!(trainable_params(&bn), 8);
        assert_eq!(trainable_params(&conv), 3 * 4 * 9 + 4);
    }

    #[test]
    fn conv_geometry_matches_burns_forward() {
        let device = Device::flex();
        let mut b = LayerBuilder::new(0, &device);
        let spec = ConvSpec::new(3, 5, 3).stride(2).padding(1).no_bias();
        let conv = b.conv2d(spec, Init::HeNormal);
        assert!(conv.bias.is_none());
        let y = conv.forward(Tensor::zeros([2, 3, 9, 8], &device));
        assert_eq!(y.dims(), [2, 5, spec.out_size(9), spec.out_size(8)]);
        assert_eq!(y.dims(), [2, 5, 5, 4]);
        // And for the pools, in both modes.
        for (size, k, s) in [(32, 3, 2), (16, 3, 2), (15, 2, 2), (7, 3, 2), (8, 8, 1)] {
            for ceil in [false, true] {
                let x = Tensor::<4>::zeros([1, 1, size, size], &device);
                let got = max_pool(x.clone(), k, s, ceil).dims()[2];
                assert_eq!(
                    got,
                    pool_out_size(size, k, s, ceil),
                    "max {size} {k} {s} {ceil}"
                );
                let got = avg_pool(x, k, s, ceil).dims()[2];
                assert_eq!(
                    got,
                    pool_out_size(size, k, s, ceil),
                    "avg {size} {k} {s} {ceil}"
                );
            }
        }
        assert_eq!(pool_out_size(32, 3, 2, true), 16);
        assert_eq!(pool_out_size(32, 3, 2, false), 15);
    }

    #[test]
    fn ceil_mode_average_pool_averages_only_inside_values() {
        let device = Device::flex();
        let x = Tensor::<4>::ones([1, 2, 16, 16], &device);
        let y = avg_pool(x, 3, 2, true);
        assert_eq!(y.dims(), [1, 2, 8, 8]);
        assert!(floats(y).iter().all(|&v| (v - 1.0).abs() < 1e-6));
    }

    #[test]
    fn batch_norm_trains_on_batch_statistics_and_evaluates_on_running_ones() {
        let ad = Device::flex().autodiff();
        let mut b = LayerBuilder::new(0, &ad);
        let bn = b.batch_norm(2);
        // Channel 0 holds 1..=8, channel 1 holds 10 * (1..=8).
        let vals: Vec<f32> = (0..2)
            .flat_map(|i| {
                (0..2).flat_map(move |c| {
                    (0..4).map(move |j| (1 + i * 4 + j) as f32 * if c == 0 { 1.0 } else { 10.0 })
                })
            })
            .collect();
        let x = Tensor::<4>::from_data(TensorData::new(vals, [2, 2, 2, 2]), &ad);
        let y = floats(bn.forward(x.clone()).inner());
        // Train mode: each channel normalised by its own batch mean and (biased) variance.
        let ch0: Vec<f32> = [0, 1, 2, 3, 8, 9, 10, 11].iter().map(|&i| y[i]).collect();
        let (m, s) = mean_std(&ch0);
        assert!(m.abs() < 1e-5 && (s - 1.0).abs() < 1e-3, "{m} {s}");

        let bn = bn.valid();
        let rm = floats(bn.running_mean.value());
        let rv = floats(bn.running_var.value());
        // momentum 0.1: 0.9 * 0 + 0.1 * 4.5, 0.9 * 1 + 0.1 * 5.25 (Burn uses the biased variance).
        assert!(
            (rm[0] - 0.45).abs() < 1e-5 && (rm[1] - 4.5).abs() < 1e-4,
            "{rm:?}"
        );
        assert!(
            (rv[0] - 1.425).abs() < 1e-4 && (rv[1] - 53.4).abs() < 1e-2,
            "{rv:?}"
        );
        // Eval mode: (x - running mean) / sqrt(running var + eps).
        let e = floats(bn.forward(x.inner()));
        let expect = (1.0 - rm[0]) / (rv[0] + 1e-5).sqrt();
        assert!((e[0] - expect).abs() < 1e-5, "{} vs {expect}", e[0]);
    }

    #[test]
    fn dropout_any_rank_keeps_the_expectation() {
        let device = Device::flex();
        let x = Tensor::<4>::ones([4, 5, 20, 25], &device);
        let mut rng = StdRng::seed_from_u64(0);
        let y = floats(dropout(x.clone(), 0.5, &mut rng));
        let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
        assert!((zeros - 0.5).abs() < 0.02, "{zeros}");
        assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
        let mut rng2 = StdRng::seed_from_u64(0);
        assert_eq!(y, floats(dropout(x.clone(), 0.5, &mut rng2)));
        assert_eq!(floats(dropout(x, 0.0, &mut rng2)), vec![1.0; 10_000]);
        // On the autodiff device the mask follows the input there.
        let ad = Device::flex().autodiff();
        let xa = Tensor::<2>::ones([3, 4], &ad).require_grad();
        let grads = dropout(xa.clone(), 0.5, &mut rng).sum().backward();
        assert_eq!(xa.grad(&grads).unwrap().dims(), [3, 4]);
    }
}
