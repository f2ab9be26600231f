//! The plain ("plane") CNNs of the teacher-assistant paper (Mirzadeh et al. 2020, "Improved
//! Knowledge Distillation via Teacher Assistant"), as its official code builds them
//! (`ConvNetMaker` in `plain_cnn_cifar.py` of imirzadeh/Teacher-Assistant-Knowledge-Distillation):
//! every conv is 3x3, padding 1, with bias, followed by BatchNorm2d and ReLU; every pool is a
//! 2x2 max-pool with stride 2 (floor mode); then the flattened features go through the hidden
//! fully connected layers (each followed by ReLU) and a linear classifier. Nothing is
//! re-initialised in that code, so the weights are PyTorch's defaults (uniform in
//! +-1/sqrt(fan_in)) and BatchNorm starts at scale 1, shift 0.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::layers::{ConvSpec, Init, LayerBuilder, flat_feature, flatten, max_pool};
use super::outputs::Outputs;
use crate::KdError;

/// Names of the features after the 1st, 2nd, ... pooling stage.
const POOL_NAMES: [&str; 8] = [
    "pool1", "pool2", "pool3", "pool4", "pool5", "pool6", "pool7", "pool8",
];
/// The hidden fully connected layers' outputs (after ReLU) are flat features named like an
/// MLP's.
use crate::models::mlp::HIDDEN_NAMES;

/// One entry of a plain CNN's layer list (the classifier is not listed: it is implied by
/// `classes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CnnLayer {
    /// 3x3 conv (padding 1, bias) with this many output channels, then BatchNorm, then ReLU.
    Conv(usize),
    /// 2x2 max-pool, stride 2.
    Pool,
    /// Hidden fully connected layer of this width, then ReLU.
    Fc(usize),
}

/// Which of the paper's two tables of plain CNNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CnnBook {
    Cifar10,
    Cifar100,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct PlainCnnConfig {
    /// Input shape: channels, height, width.
    pub input: [usize; 3],
    /// Convs, pools and hidden FCs from input to the classifier; every Fc comes after every
    /// Conv and Pool.
    pub layers: Vec<CnnLayer>,
    pub classes: usize,
}

impl PlainCnnConfig {
    /// The paper's `plane{depth}` network from `book` (its `plane_cifar10_book` or
    /// `plane_cifar100_book`); depth counts the conv layers (2, 4, 6, 8 or 10). The book's last
    /// FC is the classifier, which gets `classes` outputs.
    pub fn takd(
        book: CnnBook,
        depth: usize,
        input: [usize; 3],
        classes: usize,
    ) -> crate::Result<Self> {
        use CnnLayer::{Conv as C, Fc, Pool as M};
        let layers: Vec<CnnLayer> = match (book, depth) {
            (CnnBook::Cifar10, 2) => vec![C(16), M, C(16), M],
            (CnnBook::Cifar10, 4) => vec![C(16), C(16), M, C(32), C(32), M],
            (CnnBook::Cifar10, 6) => vec![C(16), C(16), M, C(32), C(32), M, C(64), C(64), M],
            (CnnBook::Cifar10, 8) => vec![
                C(16),
                C(16),
                M,
                C(32),
                C(32),
                M,
                C(64),
                C(64),
                M,
                C(128),
                C(128),
                M,
                Fc(64),
            ],
            (CnnBook::Cifar10, 10) => vec![
                C(32),
                C(32),
                M,
                C(64),
                C(64),
                M,
                C(128),
                C(128),
                M,
                C(256),
                C(256),
                C(256),
                C(256),
                M,
                Fc(128),
            ],
            (CnnBook::Cifar100, 2) => vec![C(32), M, C(32), M],
            (CnnBook::Cifar100, 4) => vec![C(32), C(32), M, C(64), C(64), M],
            // Sic: the official code has no max-pool after the last conv pair here.
            (CnnBook::Cifar100, 6) => vec![C(32), C(32), M, C(64), C(64), M, C(128), C(128)],
            (CnnBook::Cifar100, 8) => vec![
                C(32),
                C(32),
                M,
                C(64),
                C(64),
                M,
                C(128),
                C(128),
                M,
                C(256),
                C(256),
                M,
                Fc(64),
            ],
            (CnnBook::Cifar100, 10) => vec![
                C(32),
                C(32),
                M,
                C(64),
                C(64),
                M,
                C(128),
                C(128),
                M,
                C(256),
                C(256),
                C(256),
                C(256),
                M,
                Fc(512),
            ],
            _ => {
                return Err(KdError::Config(format!(
                    "the teacher-assistant paper's plain CNNs have depth 2, 4, 6, 8 or 10 \
                     (conv layers), got {depth}"
                )));
            }
        };
        let cfg = PlainCnnConfig {
            input,
            layers,
            classes,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// The number of conv layers.
    pub fn depth(&self) -> usize {
        self.layers
            .iter()
            .filter(|l| matches!(l, CnnLayer::Conv(_)))
            .count()
    }

    /// Channels, height and width after the conv/pool part.
    fn conv_output(&self) -> [usize; 3] {
        let [mut c, mut h, mut w] = self.input;
        for layer in &self.layers {
            match *layer {
                CnnLayer::Conv(ch) => c = ch,
                CnnLayer::Pool => (h, w) = (h / 2, w / 2),
                CnnLayer::Fc(_) => {}
            }
        }
        [c, h, w]
    }

    /// Width of the flattened conv output (the first FC's fan-in).
    pub fn flat_dim(&self) -> usize {
        self.conv_output().iter().product()
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(KdError::Config(m));
        if self.input.contains(&0) {
            return bad(format!(
                "plain CNN input shape [C, H, W] must be positive, got {:?}",
                self.input
            ));
        }
        if self.classes == 0 {
            return bad("a plain CNN needs at least one class".into());
        }
        let (mut h, mut w) = (self.input[1], self.input[2]);
        let (mut pools, mut hidden, mut seen_fc) = (0, 0, false);
        for (i, layer) in self.layers.iter().enumerate() {
            match *layer {
                CnnLayer::Conv(0) | CnnLayer::Fc(0) => {
                    return bad(format!("plain CNN layer {i} ({layer:?}) has width 0"));
                }
                CnnLayer::Conv(_) | CnnLayer::Pool if seen_fc => {
                    return bad(format!(
                        "plain CNN layer {i} ({layer:?}) comes after a fully connected layer; \
                         list every conv and pool before the first Fc"
                    ));
                }
                CnnLayer::Conv(_) => {}
                CnnLayer::Pool => {
                    if h < 2 || w < 2 {
                        return bad(format!(
                            "plain CNN layer {i}: a 2x2 max-pool needs at least 2x2 inputs, \
                             but the input {:?} is down to {h}x{w} there",
                            self.input
                        ));
                    }
                    (h, w) = (h / 2, w / 2);
                    pools += 1;
                }
                CnnLayer::Fc(_) => {
                    seen_fc = true;
                    hidden += 1;
                }
            }
        }
        if pools > POOL_NAMES.len() || hidden > HIDDEN_NAMES.len() {
            return bad(format!(
                "a plain CNN supports at most {} pools and {} hidden FC layers, got {pools} and \
                 {hidden}",
                POOL_NAMES.len(),
                HIDDEN_NAMES.len()
            ));
        }
        Ok(())
    }

    /// PyTorch-default initialisation from the run's `init` stream, parameter ids in
    /// construction order (each conv's weight and bias, its BatchNorm's scale and shift, ...,
    /// then each FC's weight and bias).
    ///
    /// # Panics
    /// If the config is invalid (call [`validate`](Self::validate) first).
    pub fn init(&self, seed: u64, device: &Device) -> PlainCnn {
        if let Err(e) = self.validate() {
            panic!("{e}");
        }
        let mut b = LayerBuilder::new(seed, device);
        let mut c_in = self.input[0];
        let mut convs = Vec::new();
        let mut widths = Vec::new();
        for layer in &self.layers {
            match *layer {
                CnnLayer::Conv(c_out) => {
                    let conv = b.conv2d(
                        ConvSpec::new(c_in, c_out, 3).padding(1),
                        Init::PytorchDefault,
                    );
                    let bn = b.batch_norm(c_out);
                    convs.push(ConvBlock { conv, bn });
                    c_in = c_out;
                }
                CnnLayer::Pool => {}
                CnnLayer::Fc(width) => widths.push(width),
            }
        }
        let mut d_in = self.flat_dim();
        let mut hidden = Vec::new();
        for width in widths {
            hidden.push(b.linear(d_in, width, Init::PytorchDefault));
            d_in = width;
        }
        let classifier = b.linear(d_in, self.classes, Init::PytorchDefault);
        PlainCnn {
            convs,
            hidden,
            classifier,
            layers: self.layers.clone(),
        }
    }
}

/// Conv 3x3 -> BatchNorm -> ReLU.
#[derive(Module, Debug)]
pub struct ConvBlock {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

impl ConvBlock {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.bn.forward(self.conv.forward(x)))
    }
}

#[derive(Module, Debug)]
pub struct PlainCnn {
    pub convs: Vec<ConvBlock>,
    pub hidden: Vec<Linear>,
    pub classifier: Linear,
    #[module(skip)]
    pub layers: Vec<CnnLayer>,
}

impl PlainCnn {
    /// Logits and features: `pool1`, `pool2`, ... after each pooling stage, `flat` (the
    /// flattened conv output as `[B, D, 1, 1]`) and `hidden1`, ... (each hidden FC after ReLU,
    /// flat). The network has no dropout; `dropout` is accepted for a uniform signature and
    /// ignored. BatchNorm uses batch statistics when `x` is on an autodiff device and running
    /// statistics otherwise.
    pub fn forward(&self, x: Tensor<4>, dropout: Option<&mut StdRng>) -> Outputs {
        let _ = dropout;
        let mut features = Vec::new();
        let mut convs = self.convs.iter();
        let mut pools = POOL_NAMES.iter();
        let mut h = x;
        for layer in &self.layers {
            match layer {
                CnnLayer::Conv(_) => {
                    h = convs.next().expect("one block per conv").forward(h);
                }
                CnnLayer::Pool => {
                    h = max_pool(h, 2, 2, false);
                    let name = pools.next().expect("validated pool count");
                    features.push((*name, h.clone()));
                }
                CnnLayer::Fc(_) => {}
            }
        }
        let mut z = flatten(h);
        features.push(("flat", flat_feature(z.clone())));
        for (fc, name) in self.hidden.iter().zip(HIDDEN_NAMES) {
            z = relu(fc.forward(z));
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
        assert_sgd_step_changes_every_tensor, input, round_trip, tensors, weights,
    };
    use crate::models::trainable_params;
    use crate::tensors::floats;

    const CIFAR: [usize; 3] = [3, 32, 32];

    fn takd(book: CnnBook, depth: usize) -> PlainCnnConfig {
        PlainCnnConfig::takd(
            book,
            depth,
            CIFAR,
            if book == CnnBook::Cifar10 { 10 } else { 100 },
        )
        .unwrap()
    }

    #[test]
    fn parameter_counts_match_the_paper_code() {
        // Trainable parameters as PyTorch's sum(p.numel() for p in model.parameters()) counts
        // them: conv weights and biases, BatchNorm scale and shift, FC weights and biases (no
        // running statistics). E.g. CIFAR-10 plane2: conv 3->16 448 + BN 32 + conv 16->16
        // 2320 + BN 32 + FC 16*8*8->10 10250 = 13082.
        let device = Device::flex();
        let expect = [
            (
                CnnBook::Cifar10,
                [13_082, 37_338, 82_778, 327_962, 2_487_850],
            ),
            (
                CnnBook::Cifar100,
                [215_172, 475_652, 1_107_204, 1_246_276, 2_931_460],
            ),
        ];
        for (book, counts) in expect {
            for (depth, count) in [2, 4, 6, 8, 10].into_iter().zip(counts) {
                let cfg = takd(book, depth);
                assert_eq!(cfg.depth(), depth);
                let m = cfg.init(0, &device);
                assert_eq!(trainable_params(&m), count, "{book:?} plane{depth}");
                // Burn's own count adds the running mean and variance of every BatchNorm.
                let bn: usize = m.convs.iter().map(|b| 2 * b.bn.gamma.dims()[0]).sum();
                assert_eq!(m.num_params(), count + bn);
            }
        }
    }

    #[test]
    fn books_and_configs_are_checked() {
        assert!(PlainCnnConfig::takd(CnnBook::Cifar10, 3, CIFAR, 10).is_err());
        let e = PlainCnnConfig::takd(CnnBook::Cifar10, 10, [3, 8, 8], 10).unwrap_err();
        assert!(e.to_string().contains("2x2 max-pool"), "{e}");
        let mut c = takd(CnnBook::Cifar10, 8);
        c.layers.push(CnnLayer::Conv(8));
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("after a fully")
        );
        c.layers.pop();
        c.classes = 0;
        assert!(c.validate().is_err());
        // The CIFAR-100 plane6 has no last pool: its flat feature is 128 * 8 * 8.
        assert_eq!(takd(CnnBook::Cifar100, 6).flat_dim(), 128 * 8 * 8);
        let json = serde_json::to_string(&takd(CnnBook::Cifar10, 2)).unwrap();
        assert_eq!(
            json,
            r#"{"input":[3,32,32],"layers":[{"conv":16},"pool",{"conv":16},"pool"],"classes":10}"#
        );
        let back: PlainCnnConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, takd(CnnBook::Cifar10, 2));
    }

    #[test]
    fn output_and_feature_shapes() {
        let device = Device::flex();
        let m = takd(CnnBook::Cifar10, 8).init(0, &device);
        let out = m.forward(input([2, 3, 32, 32], 0, &device), None);
        assert_eq!(out.logits.dims(), [2, 10]);
        assert_eq!(m.num_classes(), 10);
        assert_eq!(
            out.feature_names(),
            ["pool1", "pool2", "pool3", "pool4", "flat", "hidden1"]
        );
        assert_eq!(out.feature("pool1").unwrap().dims(), [2, 16, 16, 16]);
        assert_eq!(out.feature("pool4").unwrap().dims(), [2, 128, 2, 2]);
        assert_eq!(out.feature("flat").unwrap().dims(), [2, 512, 1, 1]);
        assert_eq!(out.feature("hidden1").unwrap().dims(), [2, 64, 1, 1]);

        let m = takd(CnnBook::Cifar100, 6).init(0, &device);
        let out = m.forward(input([2, 3, 32, 32], 0, &device), None);
        assert_eq!(out.logits.dims(), [2, 100]);
        assert_eq!(out.feature_names(), ["pool1", "pool2", "flat"]);
        assert_eq!(out.feature("flat").unwrap().dims(), [2, 8192, 1, 1]);
    }

    #[test]
    fn init_is_seeded_and_pytorch_default() {
        let device = Device::flex();
        let cfg = takd(CnnBook::Cifar10, 10);
        let a = cfg.init(1, &device);
        assert_eq!(weights(&a), weights(&cfg.init(1, &device)));
        assert_ne!(weights(&a), weights(&cfg.init(2, &device)));
        // conv 256->256: bound 1/sqrt(256 * 9); FC 1024->128: bound 1/32.
        for (w, bound) in [
            (floats(a.convs[9].conv.weight.val()), 1.0 / 48.0),
            (
                floats(a.convs[9].conv.bias.as_ref().unwrap().val()),
                1.0 / 48.0,
            ),
            (floats(a.hidden[0].weight.val()), 1.0 / 32.0),
        ] {
            let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(max <= bound && max > 0.99 * bound, "{max} vs {bound}");
        }
        assert_eq!(floats(a.convs[0].bn.gamma.val()), vec![1.0; 32]);
        assert_eq!(floats(a.convs[0].bn.beta.val()), vec![0.0; 32]);
    }

    #[test]
    fn train_mode_uses_batch_statistics_and_eval_mode_running_ones() {
        let ad = Device::flex().autodiff();
        let cfg = takd(CnnBook::Cifar10, 4);
        let m = cfg.init(0, &ad);
        let x = input([4, 3, 32, 32], 1, &ad).add_scalar(3.0);
        let fresh = m.valid();
        let eval_before = floats(fresh.forward(x.clone().inner(), None).logits);
        let train = floats(m.forward(x.clone(), None).logits.inner());
        let trained = m.valid();
        let rm = floats(trained.convs[0].bn.running_mean.value());
        assert!(
            rm.iter().all(|v| v.abs() > 1e-4),
            "running mean moved: {rm:?}"
        );
        let eval_after = floats(trained.forward(x.clone().inner(), None).logits);
        assert_ne!(train, eval_before);
        assert_ne!(train, eval_after);
        assert_ne!(eval_before, eval_after);
        // Eval mode is deterministic and leaves the running statistics alone.
        assert_eq!(eval_after, floats(trained.forward(x.inner(), None).logits));
        assert_eq!(rm, floats(trained.convs[0].bn.running_mean.value()));
    }

    #[test]
    fn save_and_load_round_trip_keeps_running_statistics() {
        let ad = Device::flex().autodiff();
        let plain = Device::flex();
        let cfg = takd(CnnBook::Cifar100, 2);
        let m = cfg.init(0, &ad);
        for s in 0..2 {
            let _ = m.forward(input([4, 3, 32, 32], s, &ad), None);
        }
        let m = m.valid();
        let loaded = round_trip(m.clone(), cfg.init(9, &plain));
        assert_eq!(tensors(&m, true), tensors(&loaded, true));
        let x = input([2, 3, 32, 32], 7, &plain);
        assert_eq!(
            floats(m.forward(x.clone(), None).logits),
            floats(loaded.forward(x, None).logits)
        );
    }

    #[test]
    fn one_sgd_step_moves_every_parameter() {
        let ad = Device::flex().autodiff();
        let m = takd(CnnBook::Cifar10, 8).init(0, &ad);
        let m = assert_sgd_step_changes_every_tensor(m, input([4, 3, 32, 32], 0, &ad), |m, x| {
            m.forward(x, None).logits
        });
        assert!(m.convs[0].conv.weight.val().is_require_grad());
    }
}
