//! A multilayer perceptron with dropout on the inputs and hidden units and an optional max-norm
//! constraint on each unit's incoming weights: the architecture of Hinton et al. (2015)'s MNIST
//! nets (after Srivastava et al. 2014's dropout nets).

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation;
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::models::layers::{dropout as apply_dropout, normal, param};
use crate::rng::stream_rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    Relu,
    Tanh,
    Softplus,
}

impl Activation {
    pub fn apply<const D: usize>(self, h: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => activation::relu(h),
            Activation::Tanh => h.tanh(),
            Activation::Softplus => activation::softplus(h, 1.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Layer widths from input to output, e.g. `[784, 1200, 1200, 10]`.
    pub widths: Vec<usize>,
    pub activation: Activation,
    /// Probability of dropping an input pixel during training.
    pub input_dropout: f64,
    /// Probability of dropping a hidden unit during training.
    pub hidden_dropout: f64,
    /// Upper bound on the L2 norm of each unit's incoming weight vector, enforced after every step.
    pub max_norm: Option<f64>,
    /// Standard deviation of Gaussian noise added to the (normalised) inputs during training,
    /// before input dropout: a regulariser of the net's own inputs only (a teacher of this net
    /// still sees the clean batch). Left out of the serialised config when 0, so the run keys
    /// of nets without it are unchanged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub input_noise: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl MlpConfig {
    /// A plain ReLU net without regularization.
    pub fn plain(widths: &[usize]) -> Self {
        MlpConfig {
            widths: widths.to_vec(),
            activation: Activation::Relu,
            input_dropout: 0.0,
            hidden_dropout: 0.0,
            max_norm: None,
            input_noise: 0.0,
        }
    }

    /// Hinton et al. (2015)'s MNIST teacher: `input-1200-1200-classes` ReLU, dropout 20% on the
    /// inputs and 50% on the hidden units, each unit's incoming weights max-norm constrained.
    /// (The paper also jitters the teacher's inputs; that is the data's job: `TrainSpec::jitter`.)
    pub fn hinton_teacher(input_dim: usize, classes: usize) -> Self {
        MlpConfig {
            widths: vec![input_dim, 1200, 1200, classes],
            activation: Activation::Relu,
            input_dropout: 0.2,
            hidden_dropout: 0.5,
            max_norm: Some(3.5),
            input_noise: 0.0,
        }
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::KdError::Config(m));
        if self.widths.len() < 2 || self.widths.contains(&0) {
            return bad(format!(
                "an MLP needs at least an input and an output width, all > 0 (got {:?})",
                self.widths
            ));
        }
        for (name, p) in [
            ("input dropout", self.input_dropout),
            ("hidden dropout", self.hidden_dropout),
        ] {
            if !(0.0..1.0).contains(&p) {
                return bad(format!("{name} must be in [0, 1), got {p}"));
            }
        }
        if let Some(c) = self.max_norm
            && (c.is_nan() || c <= 0.0)
        {
            return bad(format!("max-norm must be positive, got {c}"));
        }
        if !(self.input_noise.is_finite() && self.input_noise >= 0.0) {
            return bad(format!(
                "input noise is a standard deviation: give a finite value >= 0, got {}",
                self.input_noise
            ));
        }
        Ok(())
    }

    /// Initialises the weights as PyTorch's `nn.Linear` does (uniform in +-1/sqrt(fan_in)),
    /// drawn from the run's own `init` stream, with fixed parameter ids so optimizer state
    /// saved in a checkpoint always finds its parameter again.
    pub fn init(&self, seed: u64, device: &Device) -> Mlp {
        let mut rng = stream_rng(seed, "init", 0);
        let layers = self
            .widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| {
                let (d_in, d_out) = (w[0], w[1]);
                let k = 1.0 / (d_in as f64).sqrt();
                let mut uniform = |n: usize| -> Vec<f32> {
                    (0..n).map(|_| rng.random_range(-k..k) as f32).collect()
                };
                let weight = Tensor::from_data(
                    TensorData::new(uniform(d_in * d_out), [d_in, d_out]),
                    device,
                );
                let bias = Tensor::from_data(TensorData::new(uniform(d_out), [d_out]), device);
                Linear {
                    weight: param(weight, 2 * i as u64),
                    bias: Some(param(bias, 2 * i as u64 + 1)),
                }
            })
            .collect();
        Mlp {
            layers,
            activation: self.activation,
            input_dropout: self.input_dropout,
            hidden_dropout: self.hidden_dropout,
            input_noise: self.input_noise,
        }
    }
}

/// Names of the hidden-layer features an MLP hands out (deeper layers are not tapped).
pub const HIDDEN_NAMES: [&str; 8] = [
    "hidden1", "hidden2", "hidden3", "hidden4", "hidden5", "hidden6", "hidden7", "hidden8",
];

#[derive(Module, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
    #[module(skip)]
    pub activation: Activation,
    #[module(skip)]
    pub input_dropout: f64,
    #[module(skip)]
    pub hidden_dropout: f64,
    #[module(skip)]
    pub input_noise: f64,
}

impl Mlp {
    /// Logits. With `dropout` (the training stream) the inputs get their Gaussian noise, units
    /// are dropped and the survivors scaled by 1/(1-p) ("inverted" dropout, so inference needs
    /// no rescaling); without, it is the deterministic inference pass.
    pub fn forward(&self, x: Tensor<2>, dropout: Option<&mut StdRng>) -> Tensor<2> {
        self.forward_features(x, dropout).0
    }

    /// Logits and the hidden layers' activations (after the nonlinearity, before dropout), as
    /// `("hidden1", [B, D, 1, 1])`, ... for the first [`HIDDEN_NAMES`] hidden layers.
    pub fn forward_features(
        &self,
        x: Tensor<2>,
        mut dropout: Option<&mut StdRng>,
    ) -> (Tensor<2>, Vec<(&'static str, Tensor<4>)>) {
        let mut h = x;
        let mut features = Vec::new();
        if let Some(rng) = dropout.as_deref_mut() {
            h = add_gaussian_noise(h, self.input_noise, rng);
            h = apply_dropout(h, self.input_dropout, rng);
        }
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if i < last {
                h = self.activation.apply(h);
                if let Some(name) = HIDDEN_NAMES.get(i) {
                    let [b, d] = h.dims();
                    features.push((*name, h.clone().reshape([b, d, 1, 1])));
                }
                if let Some(rng) = dropout.as_deref_mut() {
                    h = apply_dropout(h, self.hidden_dropout, rng);
                }
            }
        }
        (h, features)
    }

    /// Rescales every unit's incoming weight vector whose L2 norm exceeds `max_norm` onto the
    /// ball of that radius (Srivastava et al. 2014). Outside the autodiff graph.
    pub fn constrain_max_norm(self, max_norm: f64) -> Self {
        let layers = self
            .layers
            .into_iter()
            .map(|mut l| {
                l.weight = l.weight.map(|w| clip_columns(w, max_norm));
                l
            })
            .collect();
        Mlp { layers, ..self }
    }

    pub fn num_classes(&self) -> usize {
        self.layers.last().map(|l| l.weight.dims()[1]).unwrap_or(0)
    }
}

/// `x` plus N(0, std^2) noise drawn from `rng` (nothing drawn when `std` is 0).
fn add_gaussian_noise(x: Tensor<2>, std: f64, rng: &mut StdRng) -> Tensor<2> {
    if std <= 0.0 {
        return x;
    }
    let dims = x.dims();
    let noise = normal(rng, dims[0] * dims[1], std);
    let noise = Tensor::<2>::from_data(TensorData::new(noise, dims), &x.device().inner());
    let noise = if x.is_autodiff() {
        noise.autodiff()
    } else {
        noise
    };
    x + noise
}

/// Scales the columns (a unit's incoming weights, since Burn stores `[d_in, d_out]`) of `w` to
/// norm at most `c`.
fn clip_columns(w: Tensor<2>, c: f64) -> Tensor<2> {
    let tracked = w.is_autodiff();
    let plain = w.inner();
    let norms = plain.clone().square().sum_dim(0).sqrt();
    let scale = norms.clamp_min(1e-12).recip().mul_scalar(c).clamp_max(1.0);
    let clipped = plain * scale;
    if tracked {
        clipped.autodiff().require_grad()
    } else {
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::floats;
    use rand::SeedableRng;

    #[test]
    fn init_is_seeded_and_scaled_like_pytorch() {
        let device = Device::flex();
        let cfg = MlpConfig::plain(&[100, 30, 10]);
        let a = cfg.init(1, &device);
        let b = cfg.init(1, &device);
        let c = cfg.init(2, &device);
        let w = |m: &Mlp| -> Vec<f32> { floats(m.layers[0].weight.val()) };
        assert_eq!(w(&a), w(&b));
        assert_ne!(w(&a), w(&c));
        let max = w(&a).iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(max <= 0.1 && max > 0.09, "bound 1/sqrt(100): {max}");
    }

    #[test]
    fn max_norm_clips_only_long_columns() {
        let device = Device::flex();
        let mut m = MlpConfig::plain(&[2, 2]).init(0, &device);
        let w = Tensor::<2>::from_data([[3.0f32, 0.1], [4.0, 0.2]], &device);
        m.layers[0].weight = param(w, 0);
        let m = m.constrain_max_norm(1.0);
        let got: Vec<f32> = floats(m.layers[0].weight.val());
        // Column 0 had norm 5 -> scaled to 1; column 1 (norm ~0.22) is untouched.
        let expect = [0.6, 0.1, 0.8, 0.2];
        for (g, e) in got.iter().zip(expect) {
            assert!((g - e).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn max_norm_keeps_parameters_trainable_on_the_autodiff_device() {
        use burn::optim::GradientsParams;
        let ad = Device::flex().autodiff();
        let c = 0.05; // small enough that every step is clipped
        let mut m = MlpConfig::plain(&[20, 8, 3]).init(0, &ad);
        let mut optim = burn::optim::SgdConfig::new().init();
        let x = Tensor::<2>::from_data(
            TensorData::new((0..80).map(|i| (i % 7) as f32 / 7.0).collect(), [4, 20]),
            &ad,
        );
        for step in 0..3 {
            let before = floats(m.layers[0].weight.val().inner());
            let loss = m.forward(x.clone(), None).square().mean();
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            m = optim.step(0.5, m, grads).constrain_max_norm(c);
            let after = floats(m.layers[0].weight.val().inner());
            assert_ne!(before, after, "step {step} changed nothing");
            assert!(m.layers[0].weight.val().is_require_grad(), "step {step}");
            for col in 0..8 {
                let norm: f32 = (0..20)
                    .map(|r| after[r * 8 + col].powi(2))
                    .sum::<f32>()
                    .sqrt();
                assert!(norm <= c as f32 + 1e-6, "column {col}: {norm}");
            }
        }
    }

    #[test]
    fn dropout_keeps_the_expectation_and_inference_is_deterministic() {
        let device = Device::flex();
        let x = Tensor::<2>::ones([200, 500], &device);
        let mut rng = StdRng::seed_from_u64(0);
        let y = apply_dropout(x.clone(), 0.5, &mut rng);
        let vals: Vec<f32> = floats(y);
        let zeros = vals.iter().filter(|&&v| v == 0.0).count() as f64 / vals.len() as f64;
        let mean = vals.iter().sum::<f32>() as f64 / vals.len() as f64;
        assert!((zeros - 0.5).abs() < 0.01, "{zeros}");
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        assert!(vals.iter().all(|&v| v == 0.0 || v == 2.0));

        let cfg = MlpConfig {
            input_dropout: 0.2,
            hidden_dropout: 0.5,
            ..MlpConfig::plain(&[500, 20, 3])
        };
        let m = cfg.init(0, &device);
        let a: Vec<f32> = floats(m.forward(x.clone(), None));
        let b: Vec<f32> = floats(m.forward(x, None));
        assert_eq!(a, b);
    }

    #[test]
    fn input_noise_has_its_standard_deviation_in_training_only() {
        let device = Device::flex();
        let x = Tensor::<2>::zeros([100, 400], &device);
        let mut rng = StdRng::seed_from_u64(5);
        let noisy: Vec<f32> = floats(add_gaussian_noise(x.clone(), 0.3, &mut rng));
        let n = noisy.len() as f64;
        let mean = noisy.iter().map(|&v| v as f64).sum::<f64>() / n;
        let std = (noisy
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        assert!(mean.abs() < 0.005, "{mean}");
        assert!((std - 0.3).abs() < 0.005, "{std}");

        // A net with input noise: training passes differ, inference equals the noise-free net.
        let plain = MlpConfig::plain(&[400, 8, 3]);
        let noisy_cfg = MlpConfig {
            input_noise: 0.3,
            ..plain.clone()
        };
        noisy_cfg.validate().unwrap();
        let (a, b) = (plain.init(0, &device), noisy_cfg.init(0, &device));
        let x = Tensor::<2>::ones([4, 400], &device);
        assert_eq!(
            floats(a.forward(x.clone(), None)),
            floats(b.forward(x.clone(), None))
        );
        let mut r1 = StdRng::seed_from_u64(1);
        let mut r2 = StdRng::seed_from_u64(1);
        assert_eq!(
            floats(a.forward(x.clone(), Some(&mut r1))),
            floats(a.forward(x.clone(), None)),
            "no noise and no dropout: training pass = inference pass"
        );
        assert_ne!(
            floats(b.forward(x.clone(), Some(&mut r2))),
            floats(b.forward(x, None))
        );
        // The field stays out of the serialised config at 0 (old run keys unchanged).
        assert!(
            !serde_json::to_string(&plain)
                .unwrap()
                .contains("input_noise")
        );
        assert!(
            serde_json::to_string(&noisy_cfg)
                .unwrap()
                .contains("input_noise")
        );
        let bad = MlpConfig {
            input_noise: -1.0,
            ..plain
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("input noise")
        );
    }

    #[test]
    fn hidden_features_are_the_activations() {
        let device = Device::flex();
        let m = MlpConfig::plain(&[6, 5, 4, 3]).init(0, &device);
        let x = Tensor::<2>::from_data(
            TensorData::new((0..12).map(|i| i as f32 / 7.0 - 0.5).collect(), [2, 6]),
            &device,
        );
        let (logits, features) = m.forward_features(x.clone(), None);
        assert_eq!(floats(logits), floats(m.forward(x.clone(), None)));
        let names: Vec<&str> = features.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, vec!["hidden1", "hidden2"]);
        assert_eq!(features[0].1.dims(), [2, 5, 1, 1]);
        let h1 = activation::relu(m.layers[0].forward(x));
        assert_eq!(floats(features[0].1.clone()), floats(h1));
    }

    #[test]
    fn bad_configs_are_rejected() {
        let mut c = MlpConfig::plain(&[784, 10]);
        c.hidden_dropout = 1.0;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("hidden dropout")
        );
        assert!(MlpConfig::plain(&[784]).validate().is_err());
        c.hidden_dropout = 0.5;
        c.max_norm = Some(-1.0);
        assert!(c.validate().is_err());
    }
}
