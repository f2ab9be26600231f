//! Network in Network for CIFAR (Lin, Chen & Yan 2014), the Caffe CIFAR-10 model (model-zoo gist
//! mavenlin/e56253735ef32c3c296d, as the Lasagne recipe `cifar10_nin.py` transcribes it):
//!
//! * block 1: conv 5x5 192 (padding 2), 1x1 160, 1x1 96, max-pool 3x3 stride 2, dropout 0.5;
//! * block 2: conv 5x5 192 (padding 2), 1x1 192, 1x1 192, avg-pool 3x3 stride 2, dropout 0.5;
//! * block 3: conv 3x3 192 (padding 1), 1x1 192, 1x1 classes, global average pooling;
//!
//! ReLU after every conv, the last 1x1 included (as in Caffe's `relu9`), so the logits are the
//! spatial means of non-negative maps. Both pools use Caffe's ceil-mode output size (32 -> 16 ->
//! 8; floor mode would give 15 -> 7), and the average pool divides a window that hangs over the
//! edge by the number of values inside it (Caffe's `AVE` without padding, Lasagne's
//! `average_exc_pad`).
//!
//! Initialisation: PyTorch's default by default (uniform in +-1/sqrt(fan_in) for weights and
//! biases) or He-normal ([`Init`]); the Caffe model's own Gaussian fillers are not reproduced.

use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::layers::{
    ConvSpec, Init, LayerBuilder, avg_pool, conv_out_size, dropout, global_avg_pool, max_pool,
    pool_out_size,
};
use super::outputs::Outputs;
use crate::KdError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct NinConfig {
    /// Input shape: channels, height, width.
    pub input: [usize; 3],
    pub classes: usize,
    /// Dropout probability after the first two blocks (0.5 in the paper).
    pub dropout: f64,
    pub init: Init,
}

impl NinConfig {
    /// The CIFAR model: 3x32x32 inputs, dropout 0.5, PyTorch-default init.
    pub fn cifar(classes: usize) -> Self {
        NinConfig {
            input: [3, 32, 32],
            classes,
            dropout: 0.5,
            init: Init::PytorchDefault,
        }
    }

    /// The convolutions in order: (in, out, kernel, padding).
    fn convs(&self) -> [[(usize, usize, usize, usize); 3]; 3] {
        [
            [
                (self.input[0], 192, 5, 2),
                (192, 160, 1, 0),
                (160, 96, 1, 0),
            ],
            [(96, 192, 5, 2), (192, 192, 1, 0), (192, 192, 1, 0)],
            [
                (192, 192, 3, 1),
                (192, 192, 1, 0),
                (192, self.classes, 1, 0),
            ],
        ]
    }

    /// Height/width of the maps after block 1, 2 and 3 (0 if a window does not fit).
    fn sides(&self, size: usize) -> [usize; 3] {
        let b1 = pool_out_size(conv_out_size(size, 5, 1, 2), 3, 2, true);
        let b2 = pool_out_size(conv_out_size(b1, 5, 1, 2), 3, 2, true);
        let b3 = conv_out_size(b2, 3, 1, 1);
        [b1, b2, b3]
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(KdError::Config(m));
        if self.input.contains(&0) {
            return bad(format!(
                "NIN input shape [C, H, W] must be positive, got {:?}",
                self.input
            ));
        }
        if self.classes == 0 {
            return bad("a NIN needs at least one class".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!(
                "NIN dropout must be in [0, 1), got {}",
                self.dropout
            ));
        }
        let too_small = |s| self.sides(s).contains(&0);
        if too_small(self.input[1]) || too_small(self.input[2]) {
            return bad(format!(
                "input {:?} is too small for NIN's two 3x3 stride-2 pools (at least 6x6)",
                self.input
            ));
        }
        Ok(())
    }

    /// Builds the network from the run's `init` stream; parameter ids in construction order
    /// (each conv's weight then bias, block by block).
    ///
    /// # Panics
    /// If the config is invalid (call [`validate`](Self::validate) first).
    pub fn init(&self, seed: u64, device: &Device) -> Nin {
        if let Err(e) = self.validate() {
            panic!("{e}");
        }
        let mut b = LayerBuilder::new(seed, device);
        let [block1, block2, block3] = self.convs().map(|block| {
            block
                .iter()
                .map(|&(c_in, c_out, k, p)| {
                    b.conv2d(ConvSpec::new(c_in, c_out, k).padding(p), self.init)
                })
                .collect::<Vec<_>>()
        });
        Nin {
            block1,
            block2,
            block3,
            dropout: self.dropout,
        }
    }
}

#[derive(Module, Debug)]
pub struct Nin {
    pub block1: Vec<Conv2d>,
    pub block2: Vec<Conv2d>,
    pub block3: Vec<Conv2d>,
    #[module(skip)]
    pub dropout: f64,
}

fn mlpconv(convs: &[Conv2d], x: Tensor<4>) -> Tensor<4> {
    convs.iter().fold(x, |h, c| relu(c.forward(h)))
}

impl Nin {
    /// Logits and features `block1` (`[B, 96, 16, 16]` at 32x32, after the max-pool, before
    /// dropout), `block2` (`[B, 192, 8, 8]`, after the average pool, before dropout) and
    /// `block3` (`[B, classes, 8, 8]`, the class maps the logits average). With `dropout` (the
    /// training stream) the outputs of blocks 1 and 2 are dropped with the configured
    /// probability; without, it is the deterministic inference pass.
    pub fn forward(&self, x: Tensor<4>, mut rng: Option<&mut StdRng>) -> Outputs {
        let h = max_pool(mlpconv(&self.block1, x), 3, 2, true);
        let f1 = h.clone();
        let h = match rng.as_deref_mut() {
            Some(r) => dropout(h, self.dropout, r),
            None => h,
        };
        let h = avg_pool(mlpconv(&self.block2, h), 3, 2, true);
        let f2 = h.clone();
        let h = match rng {
            Some(r) => dropout(h, self.dropout, r),
            None => h,
        };
        let maps = mlpconv(&self.block3, h);
        let pooled = global_avg_pool(maps.clone());
        let [batch, classes, _, _] = pooled.dims();
        Outputs {
            logits: pooled.reshape([batch, classes]),
            features: vec![("block1", f1), ("block2", f2), ("block3", maps)],
        }
    }

    pub fn num_classes(&self) -> usize {
        self.block3.last().map(|c| c.weight.dims()[0]).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::layers::testing::{
        assert_sgd_step_changes_every_tensor, input, round_trip, weights,
    };
    use crate::models::trainable_params;
    use crate::tensors::floats;
    use rand::SeedableRng;

    #[test]
    fn parameter_count() {
        // conv1 3*192*25 + 192 = 14 592; cccp1 192*160 + 160 = 30 880; cccp2 160*96 + 96 =
        // 15 456; conv2 96*192*25 + 192 = 460 992; cccp3 and cccp4 192*192 + 192 = 37 056 each;
        // conv3 192*192*9 + 192 = 331 968; cccp5 37 056; cccp6 192*10 + 10 = 1 930.
        // Total 966 986 (CIFAR-100: cccp6 19 300, total 984 356).
        let device = Device::flex();
        let m = NinConfig::cifar(10).init(0, &device);
        assert_eq!(trainable_params(&m), 966_986);
        assert_eq!(m.num_params(), 966_986);
        assert_eq!(
            trainable_params(&NinConfig::cifar(100).init(0, &device)),
            984_356
        );
    }

    #[test]
    fn configs_are_checked() {
        let mut c = NinConfig::cifar(10);
        c.dropout = 1.0;
        assert!(c.validate().unwrap_err().to_string().contains("dropout"));
        c.dropout = 0.5;
        c.input = [3, 5, 5];
        assert!(c.validate().unwrap_err().to_string().contains("too small"));
        c.input = [3, 6, 6];
        assert!(c.validate().is_ok());
        let json = serde_json::to_string(&NinConfig::cifar(10)).unwrap();
        assert_eq!(
            json,
            r#"{"input":[3,32,32],"classes":10,"dropout":0.5,"init":"pytorch-default"}"#
        );
        assert_eq!(
            serde_json::from_str::<NinConfig>(&json).unwrap(),
            NinConfig::cifar(10)
        );
    }

    #[test]
    fn output_and_feature_shapes() {
        // Ceil-mode pools: 32 -> 16 -> 8, as in Caffe.
        let device = Device::flex();
        let m = NinConfig::cifar(10).init(0, &device);
        assert_eq!(m.num_classes(), 10);
        let out = m.forward(input([2, 3, 32, 32], 0, &device), None);
        assert_eq!(out.logits.dims(), [2, 10]);
        let shapes: Vec<_> = out.features.iter().map(|(n, t)| (*n, t.dims())).collect();
        assert_eq!(
            shapes,
            [
                ("block1", [2, 96, 16, 16]),
                ("block2", [2, 192, 8, 8]),
                ("block3", [2, 10, 8, 8]),
            ]
        );
        // The logits are the class maps' means.
        let maps = floats(out.feature("block3").unwrap().clone());
        let logits = floats(out.logits);
        let mean0: f32 = maps[..64].iter().sum::<f32>() / 64.0;
        assert!((mean0 - logits[0]).abs() < 1e-5 * (1.0 + mean0.abs()));
    }

    #[test]
    fn dropout_follows_the_callers_stream() {
        let device = Device::flex();
        let m = NinConfig::cifar(10).init(0, &device);
        let x = input([2, 3, 32, 32], 0, &device);
        let plain = floats(m.forward(x.clone(), None).logits);
        assert_eq!(plain, floats(m.forward(x.clone(), None).logits));
        let with = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            floats(m.forward(x.clone(), Some(&mut rng)).logits)
        };
        assert_eq!(with(1), with(1));
        assert_ne!(with(1), with(2));
        assert_ne!(with(1), plain);
    }

    #[test]
    fn init_is_seeded() {
        let device = Device::flex();
        let cfg = NinConfig {
            input: [3, 16, 16],
            ..NinConfig::cifar(10)
        };
        let a = cfg.init(1, &device);
        assert_eq!(weights(&a), weights(&cfg.init(1, &device)));
        assert_ne!(weights(&a), weights(&cfg.init(2, &device)));
        // conv2: fan-in 96 * 25 = 2400.
        let w = floats(a.block2[0].weight.val());
        let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        let bound = 1.0 / 2400f32.sqrt();
        assert!(max <= bound && max > 0.99 * bound, "{max}");
        // He-normal: conv3 N(0, 2 / (9 * 192)), biases zero.
        let he = NinConfig {
            init: Init::HeNormal,
            ..cfg
        }
        .init(1, &device);
        let w = floats(he.block3[0].weight.val());
        let std = (w.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        assert!(
            (std / (2.0f64 / (9.0 * 192.0)).sqrt() - 1.0).abs() < 0.02,
            "{std}"
        );
        assert!(
            floats(he.block3[0].bias.as_ref().unwrap().val())
                .iter()
                .all(|&b| b == 0.0)
        );
    }

    #[test]
    fn one_sgd_step_with_dropout_and_a_round_trip() {
        let ad = Device::flex().autodiff();
        let plain = Device::flex();
        let cfg = NinConfig {
            input: [3, 16, 16],
            init: Init::HeNormal,
            ..NinConfig::cifar(10)
        };
        let m = cfg.init(0, &ad);
        let mut rng = StdRng::seed_from_u64(0);
        let m = assert_sgd_step_changes_every_tensor(m, input([4, 3, 16, 16], 0, &ad), |m, x| {
            m.forward(x, Some(&mut rng)).logits
        });
        let m = m.valid();
        let loaded = round_trip(m.clone(), cfg.init(1, &plain));
        let x = input([2, 3, 16, 16], 1, &plain);
        assert_eq!(
            floats(m.forward(x.clone(), None).logits),
            floats(loaded.forward(x, None).logits)
        );
    }
}
