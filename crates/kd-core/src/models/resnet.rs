//! CIFAR ResNets of depth 6n + 2 (He et al. 2016, section 4.2): a 3x3 conv with 16 channels
//! (no bias) + BatchNorm + ReLU, three stages of n BasicBlocks (conv3x3-BN-ReLU-conv3x3-BN, plus
//! the shortcut, then ReLU) at 16, 32 and 64 channels, stride 2 entering stages 2 and 3, global
//! average pooling and a linear classifier.
//!
//! Two shortcut kinds where a block changes shape:
//! * [`Shortcut::B`]: a 1x1 conv (stride 2, no bias) + BatchNorm projection, as the
//!   teacher-assistant paper's code has it (`resnet_cifar.py`, `downsample`).
//! * [`Shortcut::A`]: parameter-free: the input subsampled with stride 2 (`x[:, :, ::2, ::2]`)
//!   and zero channels appended, as the boundary-supporting-samples code has it
//!   (bhheo/BSS_distillation `models/resnet.py`, `ZeroPadBlock`: `AvgPool2d(kernel_size=1,
//!   stride=2)` then `F.pad(.., (0, 0, 0, 0, 0, out - in))`, i.e. the zeros come *after* the
//!   input's channels). akamaster/pytorch_resnet_cifar10's `LambdaLayer` instead pads
//!   `planes // 4` zero channels on *both* sides; the two differ only by a permutation of the
//!   stage's channels (same parameter count, same distribution at init); this file follows BSS,
//!   the paper that uses option A.
//!
//! Init as both codes do: conv weights N(0, 2 / (k * k * out_channels)), BatchNorm scale 1 and
//! shift 0, the classifier PyTorch's default (uniform in +-1/sqrt(64)).

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::layers::{ConvSpec, Init, LayerBuilder, avg_pool, global_avg_pool};
use super::outputs::Outputs;
use crate::KdError;

/// Channels of the stem and of the three stages.
pub const STAGE_CHANNELS: [usize; 3] = [16, 32, 64];

/// How a block's shortcut matches a change of shape (stride 2 and more channels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shortcut {
    /// Identity on the stride-2 subsampled input, extra channels zero (no parameters).
    A,
    /// 1x1 conv (no bias) + BatchNorm projection.
    B,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResNetConfig {
    /// 6n + 2: 8, 14, 20, 26, 32, 44, 56, 110, ...
    pub depth: usize,
    pub shortcut: Shortcut,
    /// Input shape: channels, height, width.
    pub input: [usize; 3],
    pub classes: usize,
}

impl ResNetConfig {
    pub fn new(depth: usize, shortcut: Shortcut, input: [usize; 3], classes: usize) -> Self {
        ResNetConfig {
            depth,
            shortcut,
            input,
            classes,
        }
    }

    /// n, the number of BasicBlocks per stage.
    pub fn blocks_per_stage(&self) -> usize {
        self.depth.saturating_sub(2) / 6
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(KdError::Config(m));
        if self.depth < 8 || !(self.depth - 2).is_multiple_of(6) {
            return bad(format!(
                "a CIFAR ResNet has depth 6n + 2 with n >= 1 (8, 14, 20, 26, 32, 44, 56, 110, \
                 ...), got {}",
                self.depth
            ));
        }
        if self.input.contains(&0) {
            return bad(format!(
                "ResNet input shape [C, H, W] must be positive, got {:?}",
                self.input
            ));
        }
        if self.classes == 0 {
            return bad("a ResNet needs at least one class".into());
        }
        Ok(())
    }

    /// Builds the network from the run's `init` stream. Parameter ids in construction order:
    /// stem conv, stem BN, then block by block conv1, bn1, conv2, bn2 (and the projection's conv
    /// and BN), then the classifier's weight and bias.
    ///
    /// # Panics
    /// If the config is invalid (call [`validate`](Self::validate) first).
    pub fn init(&self, seed: u64, device: &Device) -> ResNet {
        if let Err(e) = self.validate() {
            panic!("{e}");
        }
        let mut b = LayerBuilder::new(seed, device);
        let c0 = STAGE_CHANNELS[0];
        let stem_conv = b.conv2d(
            ConvSpec::new(self.input[0], c0, 3).padding(1).no_bias(),
            Init::HeNormal,
        );
        let stem_bn = b.batch_norm(c0);
        let mut c_in = c0;
        let mut stages: Vec<Vec<BasicBlock>> = Vec::new();
        for (s, &c_out) in STAGE_CHANNELS.iter().enumerate() {
            let mut blocks = Vec::new();
            for i in 0..self.blocks_per_stage() {
                let stride = if s > 0 && i == 0 { 2 } else { 1 };
                blocks.push(BasicBlock::init(&mut b, c_in, c_out, stride, self.shortcut));
                c_in = c_out;
            }
            stages.push(blocks);
        }
        let fc = b.linear(c_in, self.classes, Init::PytorchDefault);
        let stage3 = stages.pop().expect("three stages");
        let stage2 = stages.pop().expect("three stages");
        let stage1 = stages.pop().expect("three stages");
        ResNet {
            stem_conv,
            stem_bn,
            stage1,
            stage2,
            stage3,
            fc,
        }
    }
}

/// 1x1 conv + BatchNorm (shortcut B).
#[derive(Module, Debug)]
pub struct Projection {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

#[derive(Module, Debug)]
pub struct BasicBlock {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
    /// Shortcut B where the shape changes.
    pub projection: Option<Projection>,
    /// Stride of the block (and of its shortcut).
    #[module(skip)]
    pub stride: usize,
    /// Shortcut A: zero channels appended to the subsampled input (0 = none).
    #[module(skip)]
    pub zero_channels: usize,
}

impl BasicBlock {
    fn init(
        b: &mut LayerBuilder,
        c_in: usize,
        c_out: usize,
        stride: usize,
        shortcut: Shortcut,
    ) -> Self {
        let conv3x3 = |c_in, stride| {
            ConvSpec::new(c_in, c_out, 3)
                .stride(stride)
                .padding(1)
                .no_bias()
        };
        let conv1 = b.conv2d(conv3x3(c_in, stride), Init::HeNormal);
        let bn1 = b.batch_norm(c_out);
        let conv2 = b.conv2d(conv3x3(c_out, 1), Init::HeNormal);
        let bn2 = b.batch_norm(c_out);
        let reshapes = stride != 1 || c_in != c_out;
        let projection = (reshapes && shortcut == Shortcut::B).then(|| Projection {
            conv: b.conv2d(
                ConvSpec::new(c_in, c_out, 1).stride(stride).no_bias(),
                Init::HeNormal,
            ),
            bn: b.batch_norm(c_out),
        });
        let zero_channels = if shortcut == Shortcut::A {
            c_out - c_in
        } else {
            0
        };
        BasicBlock {
            conv1,
            bn1,
            conv2,
            bn2,
            projection,
            stride,
            zero_channels,
        }
    }

    /// The shortcut branch alone.
    pub fn shortcut(&self, x: Tensor<4>) -> Tensor<4> {
        if let Some(p) = &self.projection {
            return p.bn.forward(p.conv.forward(x));
        }
        let x = if self.stride > 1 {
            // AvgPool2d(kernel_size=1, stride) = x[:, :, ::stride, ::stride].
            avg_pool(x, 1, self.stride, false)
        } else {
            x
        };
        if self.zero_channels == 0 {
            return x;
        }
        let [batch, _, h, w] = x.dims();
        let zeros = Tensor::zeros([batch, self.zero_channels, h, w], &x.device());
        Tensor::cat(vec![x, zeros], 1)
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let out = relu(self.bn1.forward(self.conv1.forward(x.clone())));
        let out = self.bn2.forward(self.conv2.forward(out));
        relu(out + self.shortcut(x))
    }
}

#[derive(Module, Debug)]
pub struct ResNet {
    pub stem_conv: Conv2d,
    pub stem_bn: BatchNorm,
    pub stage1: Vec<BasicBlock>,
    pub stage2: Vec<BasicBlock>,
    pub stage3: Vec<BasicBlock>,
    pub fc: Linear,
}

impl ResNet {
    /// Logits and features `stem` (after the stem's ReLU), `stage1`, `stage2`, `stage3` (each
    /// stage's output) and `pooled` (`[B, 64, 1, 1]`, the classifier's input). No dropout in
    /// this network; `dropout` is accepted for a uniform signature and ignored. BatchNorm uses
    /// batch statistics when `x` is on an autodiff device and running statistics otherwise.
    pub fn forward(&self, x: Tensor<4>, dropout: Option<&mut StdRng>) -> Outputs {
        let _ = dropout;
        let stem = relu(self.stem_bn.forward(self.stem_conv.forward(x)));
        let run = |blocks: &[BasicBlock], h: Tensor<4>| blocks.iter().fold(h, |h, b| b.forward(h));
        let s1 = run(&self.stage1, stem.clone());
        let s2 = run(&self.stage2, s1.clone());
        let s3 = run(&self.stage3, s2.clone());
        let pooled = global_avg_pool(s3.clone());
        let [batch, c, _, _] = pooled.dims();
        let logits = self.fc.forward(pooled.clone().reshape([batch, c]));
        Outputs {
            logits,
            features: vec![
                ("stem", stem),
                ("stage1", s1),
                ("stage2", s2),
                ("stage3", s3),
                ("pooled", pooled),
            ],
        }
    }

    pub fn num_classes(&self) -> usize {
        self.fc.weight.dims()[1]
    }

    /// n, the number of blocks per stage.
    pub fn blocks_per_stage(&self) -> usize {
        self.stage1.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::layers::testing::{
        assert_sgd_step_changes_every_tensor, input, round_trip, tensors, weights,
    };
    use crate::models::trainable_params;
    use crate::tensors::floats;

    const CIFAR: [usize; 3] = [3, 32, 32];
    const DEPTHS: [usize; 8] = [8, 14, 20, 26, 32, 44, 56, 110];

    #[test]
    fn shortcut_b_parameter_counts_match_the_published_ones() {
        // 78.0k, 175.3k, 272.5k, 369.7k, 466.9k, 661.3k, 855.8k, 1.731M, to the nearest 100.
        let device = Device::flex();
        let published = [
            78_000, 175_300, 272_500, 369_700, 466_900, 661_300, 855_800, 1_731_000,
        ];
        for (depth, want) in DEPTHS.into_iter().zip(published) {
            let m = ResNetConfig::new(depth, Shortcut::B, CIFAR, 10).init(0, &device);
            let n = trainable_params(&m);
            let rounded = if want >= 1_000_000 {
                (n + 500) / 1000 * 1000
            } else {
                (n + 50) / 100 * 100
            };
            assert_eq!(rounded, want, "resnet{depth}: {n}");
            assert_eq!(n, exact_b(depth), "resnet{depth}");
        }
    }

    /// Hand derivation, n blocks per stage, 10 classes, 3 input channels:
    /// stem: conv 3*16*9 = 432 + BN 32 = 464.
    /// stage 1: n blocks of two 16->16 convs (2304 each) + two BNs (32 each): 4672 per block.
    /// stage 2: first block conv 16->32 (4608) + conv 32->32 (9216) + 2 BNs (128) = 13952; the
    ///   other n-1 blocks 2 * 9216 + 128 = 18560 each.
    /// stage 3: first block conv 32->64 (18432) + conv 64->64 (36864) + 2 BNs (256) = 55552;
    ///   the other n-1 blocks 2 * 36864 + 256 = 73984 each.
    /// classifier: 64*10 + 10 = 650.
    /// Shortcut B adds two projections: 1x1 conv 16->32 (512) + BN (64) and 1x1 conv 32->64
    /// (2048) + BN (128): 2752. Shortcut A adds nothing.
    fn exact_a(depth: usize) -> usize {
        let n = (depth - 2) / 6;
        464 + 4672 * n + 13_952 + 18_560 * (n - 1) + 55_552 + 73_984 * (n - 1) + 650
    }

    fn exact_b(depth: usize) -> usize {
        exact_a(depth) + 2752
    }

    #[test]
    fn shortcut_a_parameter_counts_match_the_hand_derivation() {
        let device = Device::flex();
        for depth in DEPTHS {
            let m = ResNetConfig::new(depth, Shortcut::A, CIFAR, 10).init(0, &device);
            assert_eq!(trainable_params(&m), exact_a(depth), "resnet{depth}");
        }
        // resnet8-A = 75 290, resnet20-A = 269 722, resnet110-A = 1 727 962.
        assert_eq!(exact_a(8), 75_290);
        assert_eq!(exact_a(20), 269_722);
        assert_eq!(exact_a(110), 1_727_962);
    }

    #[test]
    fn depths_are_validated() {
        for bad in [0, 2, 7, 9, 21] {
            let e = ResNetConfig::new(bad, Shortcut::A, CIFAR, 10)
                .validate()
                .unwrap_err();
            assert!(e.to_string().contains("6n + 2"), "{e}");
        }
        assert!(
            ResNetConfig::new(20, Shortcut::A, [3, 0, 32], 10)
                .validate()
                .is_err()
        );
        assert!(
            ResNetConfig::new(20, Shortcut::A, CIFAR, 0)
                .validate()
                .is_err()
        );
        let cfg = ResNetConfig::new(20, Shortcut::B, CIFAR, 100);
        assert_eq!(cfg.blocks_per_stage(), 3);
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(
            json,
            r#"{"depth":20,"shortcut":"b","input":[3,32,32],"classes":100}"#
        );
        assert_eq!(serde_json::from_str::<ResNetConfig>(&json).unwrap(), cfg);
    }

    #[test]
    fn output_and_feature_shapes() {
        let device = Device::flex();
        for shortcut in [Shortcut::A, Shortcut::B] {
            let m = ResNetConfig::new(14, shortcut, CIFAR, 10).init(0, &device);
            let out = m.forward(input([2, 3, 32, 32], 0, &device), None);
            assert_eq!(out.logits.dims(), [2, 10]);
            assert_eq!(m.num_classes(), 10);
            assert_eq!(m.blocks_per_stage(), 2);
            let shapes: Vec<_> = out.features.iter().map(|(n, t)| (*n, t.dims())).collect();
            assert_eq!(
                shapes,
                [
                    ("stem", [2, 16, 32, 32]),
                    ("stage1", [2, 16, 32, 32]),
                    ("stage2", [2, 32, 16, 16]),
                    ("stage3", [2, 64, 8, 8]),
                    ("pooled", [2, 64, 1, 1]),
                ]
            );
        }
    }

    #[test]
    fn init_is_seeded_and_he_normal() {
        let device = Device::flex();
        let cfg = ResNetConfig::new(8, Shortcut::B, CIFAR, 10);
        let a = cfg.init(1, &device);
        assert_eq!(weights(&a), weights(&cfg.init(1, &device)));
        assert_ne!(weights(&a), weights(&cfg.init(2, &device)));
        // 64->64 3x3 conv: 36 864 draws from N(0, 2 / (9 * 64)).
        let w = floats(a.stage3[0].conv2.weight.val());
        let n = w.len() as f64;
        let mean = w.iter().map(|&v| v as f64).sum::<f64>() / n;
        let std = (w.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        let want = (2.0f64 / (9.0 * 64.0)).sqrt();
        assert!(mean.abs() < 0.1 * want, "{mean}");
        assert!((std / want - 1.0).abs() < 0.02, "{std} vs {want}");
        // The projection: 1x1 conv 32->64, N(0, 2 / 64).
        let p = floats(a.stage3[0].projection.as_ref().unwrap().conv.weight.val());
        let std_p = (p.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / p.len() as f64).sqrt();
        assert!(
            (std_p / (2.0f64 / 64.0).sqrt() - 1.0).abs() < 0.05,
            "{std_p}"
        );
        // Classifier: PyTorch default, bound 1/sqrt(64).
        let fc = floats(a.fc.weight.val());
        assert!(fc.iter().all(|v| v.abs() <= 0.125));
        assert_eq!(floats(a.stage2[0].bn2.gamma.val()), vec![1.0; 32]);
    }

    #[test]
    fn shortcut_a_subsamples_and_pads_zero_channels() {
        let device = Device::flex();
        let m = ResNetConfig::new(8, Shortcut::A, CIFAR, 10).init(0, &device);
        let block = &m.stage2[0];
        assert!(block.projection.is_none());
        assert_eq!((block.stride, block.zero_channels), (2, 16));
        let x = input([2, 16, 8, 8], 3, &device);
        let y = block.shortcut(x.clone());
        assert_eq!(y.dims(), [2, 32, 4, 4]);
        let xs = floats(x);
        let ys = floats(y);
        for b in 0..2 {
            for c in 0..32 {
                for i in 0..4 {
                    for j in 0..4 {
                        let got = ys[((b * 32 + c) * 4 + i) * 4 + j];
                        let want = if c < 16 {
                            xs[((b * 16 + c) * 8 + 2 * i) * 8 + 2 * j]
                        } else {
                            0.0
                        };
                        assert_eq!(got, want, "b{b} c{c} ({i},{j})");
                    }
                }
            }
        }
        // Blocks that keep the shape use the identity.
        let x = input([2, 16, 8, 8], 4, &device);
        assert_eq!(floats(m.stage1[0].shortcut(x.clone())), floats(x));
        // Gradients flow through the padded shortcut on the autodiff device.
        let ad = Device::flex().autodiff();
        let m = ResNetConfig::new(8, Shortcut::A, CIFAR, 10).init(0, &ad);
        let x = input([2, 16, 8, 8], 3, &ad).require_grad();
        let grads = m.stage2[0].shortcut(x.clone()).sum().backward();
        let g = floats(x.grad(&grads).unwrap());
        // Only the subsampled positions receive gradient.
        assert_eq!(g.iter().filter(|&&v| v == 1.0).count(), 2 * 16 * 16);
        assert_eq!(g.iter().filter(|&&v| v == 0.0).count(), 2 * 16 * 48);
    }

    #[test]
    fn train_mode_uses_batch_statistics_and_eval_mode_running_ones() {
        let ad = Device::flex().autodiff();
        let m = ResNetConfig::new(8, Shortcut::B, CIFAR, 10).init(0, &ad);
        let x = input([4, 3, 32, 32], 1, &ad).add_scalar(2.0);
        let eval_before = floats(m.valid().forward(x.clone().inner(), None).logits);
        let out = m.forward(x.clone(), None);
        // Batch statistics: the stem's BatchNorm output (before ReLU) has zero mean per channel,
        // so about half of the stem's ReLU outputs are zero.
        let stem = floats(out.feature("stem").unwrap().clone().inner());
        let zero = stem.iter().filter(|&&v| v == 0.0).count() as f64 / stem.len() as f64;
        assert!((zero - 0.5).abs() < 0.1, "{zero}");
        let train = floats(out.logits.inner());
        let trained = m.valid();
        let rm = floats(trained.stem_bn.running_mean.value());
        let rv = floats(trained.stem_bn.running_var.value());
        assert!(rm.iter().all(|v| *v != 0.0) && rv.iter().all(|v| *v != 1.0));
        let eval_after = floats(trained.forward(x.clone().inner(), None).logits);
        assert_ne!(train, eval_before);
        assert_ne!(train, eval_after);
        assert_ne!(eval_before, eval_after);
        assert_eq!(eval_after, floats(trained.forward(x.inner(), None).logits));
    }

    #[test]
    fn save_and_load_round_trip_keeps_running_statistics() {
        let ad = Device::flex().autodiff();
        let plain = Device::flex();
        for shortcut in [Shortcut::A, Shortcut::B] {
            let cfg = ResNetConfig::new(8, shortcut, CIFAR, 10);
            let m = cfg.init(0, &ad);
            for s in 0..2 {
                let _ = m.forward(input([4, 3, 32, 32], s, &ad), None);
            }
            let m = m.valid();
            let loaded = round_trip(m.clone(), cfg.init(5, &plain));
            assert_eq!(tensors(&m, true), tensors(&loaded, true));
            let x = input([2, 3, 32, 32], 9, &plain);
            assert_eq!(
                floats(m.forward(x.clone(), None).logits),
                floats(loaded.forward(x, None).logits)
            );
        }
    }

    #[test]
    fn checkpoints_must_be_taken_from_the_valid_model() {
        // Burn 0.22.1 keeps a BatchNorm's latest running-statistics update in a per-thread
        // buffer until the next forward or `valid()`/`train()` merges it, and `into_record()`
        // reads the merged value only. A record of the autodiff model straight after a training
        // forward therefore lags one update; `model.valid()` merges first and is exact.
        let ad = Device::flex().autodiff();
        let plain = Device::flex();
        let cfg = ResNetConfig::new(8, Shortcut::A, CIFAR, 10);
        let m = cfg.init(0, &ad);
        let _ = m.forward(input([4, 3, 32, 32], 0, &ad), None);
        let stale = round_trip(m.clone(), cfg.init(1, &plain));
        assert_eq!(floats(stale.stem_bn.running_mean.value()), vec![0.0; 16]);
        let exact = round_trip(m.valid(), cfg.init(1, &plain));
        let rm = floats(exact.stem_bn.running_mean.value());
        assert!(rm.iter().all(|v| *v != 0.0), "{rm:?}");
        assert_eq!(rm, floats(m.valid().stem_bn.running_mean.value()));
    }

    #[test]
    fn one_sgd_step_moves_every_parameter() {
        let ad = Device::flex().autodiff();
        for shortcut in [Shortcut::A, Shortcut::B] {
            let m = ResNetConfig::new(8, shortcut, CIFAR, 10).init(0, &ad);
            assert_sgd_step_changes_every_tensor(m, input([4, 3, 32, 32], 0, &ad), |m, x| {
                m.forward(x, None).logits
            });
        }
    }
}
