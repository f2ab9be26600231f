//! The noisy-teacher paper's students (Sau & Balasubramanian 2016, "Deep Model Compression:
//! Distilling Knowledge from Noisy Teachers"): LeNet-5 for MNIST and a modified LeNet for
//! CIFAR-10.
//!
//! * [`LeNetArch::LeNet5`]: conv 6@5x5 (padding 2), tanh, avg-pool 2, conv 16@5x5 (no
//!   padding), tanh, avg-pool 2, FC 120, tanh, FC 84, tanh, FC classes. The first conv is padded
//!   by 2 as in the usual MNIST LeNet, so a 28x28 digit goes through the same geometry as the
//!   original 32x32 LeNet-5 (28 -> 28 -> 14 -> 10 -> 5) and the flatten is 16*5*5 = 400. (On a
//!   32x32 input the padding is kept, giving 16*6*6 = 576.) The pools are plain averages: the
//!   original's trainable subsampling coefficients and sparse C3 connection table, and its RBF
//!   output layer, are left out, as modern re-implementations do.
//! * [`LeNetArch::ModLeNet`]: conv 6@5x5 (padding 2), tanh, max-pool 2, conv 16@5x5
//!   (padding 2), tanh, max-pool 2, FC 1024, tanh, FC classes (32x32x3 -> flatten 16*8*8).
//!
//! PyTorch-default initialisation (uniform in +-1/sqrt(fan_in) for weights and biases).

use burn::nn::Linear;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::layers::{
    ConvSpec, Init, LayerBuilder, avg_pool, conv_out_size, flat_feature, flatten, max_pool,
    pool_out_size,
};
use super::outputs::Outputs;
use crate::KdError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeNetArch {
    /// LeNet-5 (avg-pools, FC 120-84), the MNIST student.
    #[serde(rename = "lenet5")]
    LeNet5,
    /// Modified LeNet (max-pools, padded convs, FC 1024), the CIFAR-10 student.
    #[serde(rename = "mod-lenet")]
    ModLeNet,
}

impl LeNetArch {
    /// (conv1 padding, conv2 padding, hidden FC widths).
    fn layout(self) -> (usize, usize, &'static [usize]) {
        match self {
            LeNetArch::LeNet5 => (2, 0, &[120, 84]),
            LeNetArch::ModLeNet => (2, 2, &[1024]),
        }
    }
}

const HIDDEN_NAMES: [&str; 2] = ["fc1", "fc2"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LeNetConfig {
    pub arch: LeNetArch,
    /// Input shape: channels, height, width.
    pub input: [usize; 3],
    pub classes: usize,
}

impl LeNetConfig {
    /// LeNet-5 (e.g. `lenet5([1, 28, 28], 10)` for MNIST).
    pub fn lenet5(input: [usize; 3], classes: usize) -> Self {
        LeNetConfig {
            arch: LeNetArch::LeNet5,
            input,
            classes,
        }
    }

    /// The modified LeNet (e.g. `mod_lenet([3, 32, 32], 10)` for CIFAR-10).
    pub fn mod_lenet(input: [usize; 3], classes: usize) -> Self {
        LeNetConfig {
            arch: LeNetArch::ModLeNet,
            input,
            classes,
        }
    }

    /// Height and width after conv1, pool1, conv2, pool2 (0 where a kernel does not fit).
    fn conv_output_hw(&self) -> [usize; 2] {
        let (p1, p2, _) = self.arch.layout();
        let side = |s: usize| {
            let s = pool_out_size(conv_out_size(s, 5, 1, p1), 2, 2, false);
            pool_out_size(conv_out_size(s, 5, 1, p2), 2, 2, false)
        };
        [side(self.input[1]), side(self.input[2])]
    }

    /// Width of the flattened conv output.
    pub fn flat_dim(&self) -> usize {
        let [h, w] = self.conv_output_hw();
        16 * h * w
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(KdError::Config(m));
        if self.input.contains(&0) {
            return bad(format!(
                "LeNet input shape [C, H, W] must be positive, got {:?}",
                self.input
            ));
        }
        if self.classes == 0 {
            return bad("a LeNet needs at least one class".into());
        }
        if self.conv_output_hw().contains(&0) {
            return bad(format!(
                "input {:?} is too small for {:?}: two 5x5 convs and two 2x2 pools leave \
                 nothing (LeNet-5 needs at least 12x12, the modified LeNet 4x4)",
                self.input, self.arch
            ));
        }
        Ok(())
    }

    /// PyTorch-default initialisation from the run's `init` stream; parameter ids in
    /// construction order (conv1 weight, bias, conv2 weight, bias, then each FC's weight, bias).
    ///
    /// # Panics
    /// If the config is invalid (call [`validate`](Self::validate) first).
    pub fn init(&self, seed: u64, device: &Device) -> LeNet {
        if let Err(e) = self.validate() {
            panic!("{e}");
        }
        let (p1, p2, widths) = self.arch.layout();
        let mut b = LayerBuilder::new(seed, device);
        let conv1 = b.conv2d(
            ConvSpec::new(self.input[0], 6, 5).padding(p1),
            Init::PytorchDefault,
        );
        let conv2 = b.conv2d(ConvSpec::new(6, 16, 5).padding(p2), Init::PytorchDefault);
        let mut d_in = self.flat_dim();
        let mut hidden = Vec::new();
        for &w in widths {
            hidden.push(b.linear(d_in, w, Init::PytorchDefault));
            d_in = w;
        }
        let classifier = b.linear(d_in, self.classes, Init::PytorchDefault);
        LeNet {
            conv1,
            conv2,
            hidden,
            classifier,
            arch: self.arch,
        }
    }
}

#[derive(Module, Debug)]
pub struct LeNet {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub hidden: Vec<Linear>,
    pub classifier: Linear,
    #[module(skip)]
    pub arch: LeNetArch,
}

impl LeNet {
    fn pool(&self, x: Tensor<4>) -> Tensor<4> {
        match self.arch {
            LeNetArch::LeNet5 => avg_pool(x, 2, 2, false),
            LeNetArch::ModLeNet => max_pool(x, 2, 2, false),
        }
    }

    /// Logits and features `pool1`, `pool2` (after each conv-tanh-pool stage), `flat` and `fc1`
    /// (and `fc2` for LeNet-5: the hidden FC outputs after tanh, as `[B, D, 1, 1]`). No dropout
    /// in these networks; `dropout` is accepted for a uniform signature and ignored.
    pub fn forward(&self, x: Tensor<4>, dropout: Option<&mut StdRng>) -> Outputs {
        let _ = dropout;
        let p1 = self.pool(self.conv1.forward(x).tanh());
        let p2 = self.pool(self.conv2.forward(p1.clone()).tanh());
        let mut z = flatten(p2.clone());
        let mut features = vec![
            ("pool1", p1),
            ("pool2", p2),
            ("flat", flat_feature(z.clone())),
        ];
        for (fc, name) in self.hidden.iter().zip(HIDDEN_NAMES) {
            z = fc.forward(z).tanh();
            features.push((name, flat_feature(z.clone())));
        }
        Outputs {
            logits: self.classifier.forward(z),
            features,
        }
    }

    pub fn num_classes(&self) -> usize {
        self.classifier.weight.dims()[1]
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

    #[test]
    fn parameter_counts() {
        // LeNet-5 on 1x28x28, 10 classes: conv1 1*6*25 + 6 = 156; conv2 6*16*25 + 16 = 2416;
        // FC 400->120: 48 000 + 120 = 48 120; FC 120->84: 10 080 + 84 = 10 164;
        // FC 84->10: 840 + 10 = 850. Total 61 706.
        let device = Device::flex();
        let m = LeNetConfig::lenet5([1, 28, 28], 10).init(0, &device);
        assert_eq!(trainable_params(&m), 61_706);
        assert_eq!(m.num_params(), 61_706);
        // Modified LeNet on 3x32x32, 10 classes: conv1 3*6*25 + 6 = 456; conv2 2416;
        // FC 16*8*8=1024 -> 1024: 1 048 576 + 1024 = 1 049 600; FC 1024->10: 10 250.
        // Total 1 062 722.
        let m = LeNetConfig::mod_lenet([3, 32, 32], 10).init(0, &device);
        assert_eq!(trainable_params(&m), 1_062_722);
        // LeNet-5 keeps its padding on 32x32: flatten 16*6*6 = 576, so FC1 = 576*120 + 120.
        let c = LeNetConfig::lenet5([1, 32, 32], 10);
        assert_eq!(c.flat_dim(), 576);
        assert_eq!(
            trainable_params(&c.init(0, &device)),
            61_706 + (576 - 400) * 120
        );
    }

    #[test]
    fn configs_are_checked() {
        let e = LeNetConfig::lenet5([1, 11, 11], 10).validate().unwrap_err();
        assert!(e.to_string().contains("too small"), "{e}");
        assert!(LeNetConfig::lenet5([1, 12, 12], 10).validate().is_ok());
        assert!(LeNetConfig::mod_lenet([3, 4, 4], 10).validate().is_ok());
        assert!(LeNetConfig::mod_lenet([3, 3, 3], 10).validate().is_err());
        assert!(LeNetConfig::mod_lenet([3, 32, 32], 0).validate().is_err());
        let c = LeNetConfig::mod_lenet([3, 32, 32], 10);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"arch":"mod-lenet","input":[3,32,32],"classes":10}"#
        );
        assert_eq!(serde_json::from_str::<LeNetConfig>(&json).unwrap(), c);
    }

    #[test]
    fn output_and_feature_shapes() {
        let device = Device::flex();
        let m = LeNetConfig::lenet5([1, 28, 28], 10).init(0, &device);
        let out = m.forward(input([2, 1, 28, 28], 0, &device), None);
        assert_eq!(out.logits.dims(), [2, 10]);
        assert_eq!(m.num_classes(), 10);
        let shapes: Vec<_> = out.features.iter().map(|(n, t)| (*n, t.dims())).collect();
        assert_eq!(
            shapes,
            [
                ("pool1", [2, 6, 14, 14]),
                ("pool2", [2, 16, 5, 5]),
                ("flat", [2, 400, 1, 1]),
                ("fc1", [2, 120, 1, 1]),
                ("fc2", [2, 84, 1, 1]),
            ]
        );
        let m = LeNetConfig::mod_lenet([3, 32, 32], 10).init(0, &device);
        let out = m.forward(input([2, 3, 32, 32], 0, &device), None);
        assert_eq!(out.logits.dims(), [2, 10]);
        let shapes: Vec<_> = out.features.iter().map(|(n, t)| (*n, t.dims())).collect();
        assert_eq!(
            shapes,
            [
                ("pool1", [2, 6, 16, 16]),
                ("pool2", [2, 16, 8, 8]),
                ("flat", [2, 1024, 1, 1]),
                ("fc1", [2, 1024, 1, 1]),
            ]
        );
    }

    #[test]
    fn pools_are_average_for_lenet5_and_max_for_the_modified_one() {
        let device = Device::flex();
        let x = Tensor::<4>::from_data([[[[1.0f32, 2.0], [3.0, 6.0]]]], &device);
        let m5 = LeNetConfig::lenet5([1, 28, 28], 10).init(0, &device);
        let mm = LeNetConfig::mod_lenet([3, 32, 32], 10).init(0, &device);
        assert_eq!(floats(m5.pool(x.clone())), [3.0]);
        assert_eq!(floats(mm.pool(x)), [6.0]);
    }

    #[test]
    fn init_is_seeded_and_pytorch_default() {
        let device = Device::flex();
        let cfg = LeNetConfig::lenet5([1, 28, 28], 10);
        let a = cfg.init(3, &device);
        assert_eq!(weights(&a), weights(&cfg.init(3, &device)));
        assert_ne!(weights(&a), weights(&cfg.init(4, &device)));
        // conv2 fan-in 6*25 = 150; FC1 fan-in 400.
        for (w, bound) in [
            (floats(a.conv2.weight.val()), 1.0 / 150f32.sqrt()),
            (floats(a.hidden[0].weight.val()), 0.05),
        ] {
            let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(max <= bound && max > 0.98 * bound, "{max} vs {bound}");
        }
    }

    #[test]
    fn save_load_and_one_sgd_step() {
        let ad = Device::flex().autodiff();
        let plain = Device::flex();
        for cfg in [
            LeNetConfig::lenet5([1, 28, 28], 10),
            LeNetConfig::mod_lenet([3, 32, 32], 10),
        ] {
            let [c, h, w] = cfg.input;
            let m = cfg.init(0, &ad);
            let m = assert_sgd_step_changes_every_tensor(m, input([4, c, h, w], 0, &ad), |m, x| {
                m.forward(x, None).logits
            });
            let m = m.valid();
            let loaded = round_trip(m.clone(), cfg.init(1, &plain));
            let x = input([2, c, h, w], 1, &plain);
            assert_eq!(
                floats(m.forward(x.clone(), None).logits),
                floats(loaded.forward(x, None).logits)
            );
        }
    }
}
