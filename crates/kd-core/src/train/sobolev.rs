//! Sobolev regression (Czarnecki et al. 2017): fit a function from its values *and* its
//! derivatives. The model's input derivatives come from forward-mode tangents
//! ([`ForwardJvp`]), so the derivative-matching term trains with Burn's ordinary first-order
//! backward pass.
//!
//! Inputs are mapped affinely onto [-1, 1]^2 and outputs standardised (mean 0, std 1 over a
//! fixed reference sample of the domain); gradients are transformed accordingly. Errors are
//! reported in these scaled units and in the function's original units.

use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::data::functions::TestFunction;
use crate::models::jvp::ForwardJvp;
use crate::models::{Mlp, MlpConfig};
use crate::rng::stream_rng;
use crate::tensors::floats;
use crate::train::LrSchedule;

/// What the model is trained to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SobolevMode {
    /// Values only.
    Regular,
    /// Values and the full gradient.
    Sobolev,
    /// Values and the derivative along one random unit direction per sample and step.
    Stochastic,
}

impl SobolevMode {
    pub fn name(self) -> &'static str {
        match self {
            SobolevMode::Regular => "regular",
            SobolevMode::Sobolev => "sobolev",
            SobolevMode::Stochastic => "stochastic-sobolev",
        }
    }
}

/// The affine maps between a function's own units and the scaled units the model sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    pub center: [f64; 2],
    pub half_width: [f64; 2],
    pub mean: f64,
    pub std: f64,
}

/// Points of a function in scaled units: inputs, values and gradients.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionSet {
    pub inputs: Vec<[f32; 2]>,
    pub values: Vec<f32>,
    pub gradients: Vec<[f32; 2]>,
}

/// Size and seed of the reference sample that fixes the output scaling of each function.
const REFERENCE_POINTS: usize = 10_000;
const REFERENCE_SEED: u64 = 17;

impl Scaling {
    pub fn of(f: TestFunction) -> Scaling {
        let ([x0, x1], [y0, y1]) = f.domain();
        let center = [(x0 + x1) / 2.0, (y0 + y1) / 2.0];
        let half_width = [(x1 - x0) / 2.0, (y1 - y0) / 2.0];
        let mut rng = StdRng::seed_from_u64(REFERENCE_SEED);
        let values: Vec<f64> = (0..REFERENCE_POINTS)
            .map(|_| {
                let u: [f64; 2] = [rng.random_range(-1.0..=1.0), rng.random_range(-1.0..=1.0)];
                f.value(
                    center[0] + half_width[0] * u[0],
                    center[1] + half_width[1] * u[1],
                )
            })
            .collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let std =
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
        Scaling {
            center,
            half_width,
            mean,
            std,
        }
    }

    /// `n` points drawn uniformly from the domain with `seed`.
    pub fn sample(&self, f: TestFunction, n: usize, seed: u64) -> RegressionSet {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut set = RegressionSet {
            inputs: Vec::with_capacity(n),
            values: Vec::with_capacity(n),
            gradients: Vec::with_capacity(n),
        };
        for _ in 0..n {
            let u: [f64; 2] = [rng.random_range(-1.0..=1.0), rng.random_range(-1.0..=1.0)];
            let x = self.center[0] + self.half_width[0] * u[0];
            let y = self.center[1] + self.half_width[1] * u[1];
            let g = f.gradient(x, y);
            set.inputs.push([u[0] as f32, u[1] as f32]);
            set.values
                .push(((f.value(x, y) - self.mean) / self.std) as f32);
            set.gradients.push([
                (g[0] * self.half_width[0] / self.std) as f32,
                (g[1] * self.half_width[1] / self.std) as f32,
            ]);
        }
        set
    }

    /// Factors converting squared errors in scaled units to the function's units: values, and
    /// each gradient component.
    pub fn squared_error_factors(&self) -> (f64, [f64; 2]) {
        let s2 = self.std * self.std;
        (
            s2,
            [
                s2 / (self.half_width[0] * self.half_width[0]),
                s2 / (self.half_width[1] * self.half_width[1]),
            ],
        )
    }
}

/// How the derivative term is scaled before its weight is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DerivativeScale {
    /// The plain squared error in scaled units: `mean ||grad f - grad m||^2`, the loss as the
    /// paper writes it.
    Absolute,
    /// The squared error divided by the mean squared norm of the training gradients, so that
    /// functions whose (scaled) gradients are large — Ackley's ripples, Bukin's cusp — do not
    /// drown the value term.
    Relative,
}

impl DerivativeScale {
    pub fn name(self) -> &'static str {
        match self {
            DerivativeScale::Absolute => "absolute",
            DerivativeScale::Relative => "relative",
        }
    }
}

/// The form of the derivative term: its scaling and its weight relative to the value term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DerivativeLoss {
    pub scale: DerivativeScale,
    pub weight: f64,
}

impl DerivativeLoss {
    /// The loss as the paper writes it: value and derivative squared errors summed, weight 1.
    pub const PAPER: DerivativeLoss = DerivativeLoss {
        scale: DerivativeScale::Absolute,
        weight: 1.0,
    };

    /// `absolute-x1`, `relative-x0.1`, ...
    pub fn name(&self) -> String {
        format!("{}-x{}", self.scale.name(), self.weight)
    }
}

/// Everything that determines a fitted regression model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSpec {
    pub model: MlpConfig,
    pub mode: SobolevMode,
    /// Weight of the derivative term relative to the value term.
    pub derivative_weight: f64,
    pub derivative_scale: DerivativeScale,
    /// Full-batch Adam steps.
    pub steps: usize,
    pub lr: f64,
    pub schedule: LrSchedule,
    pub seed: u64,
}

fn tensor2(rows: &[[f32; 2]], device: &Device) -> Tensor<2> {
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), 2]), device)
}

fn column(values: &[f32], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [values.len(), 1]), device)
}

/// Unit vectors drawn uniformly on the circle, one per row.
fn random_directions(n: usize, rng: &mut StdRng) -> Vec<[f32; 2]> {
    (0..n)
        .map(|_| {
            let a: f64 = rng.random_range(0.0..std::f64::consts::TAU);
            [a.cos() as f32, a.sin() as f32]
        })
        .collect()
}

/// Mean of the squares (guarded against an all-zero gradient field).
fn mean_square(values: &[f32]) -> f64 {
    let m = values.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / values.len().max(1) as f64;
    m.max(1e-12)
}

/// The training objective of one full-batch step, as (value term, derivative term).
fn objective(
    model: &Mlp,
    spec: &FitSpec,
    data: &RegressionSet,
    step: usize,
    device: &Device,
) -> (Tensor<1>, Option<Tensor<1>>) {
    let n = data.inputs.len();
    let x = tensor2(&data.inputs, device);
    let y = column(&data.values, device);
    match spec.mode {
        SobolevMode::Regular => {
            let pred = model.forward(x, None);
            ((pred - y).square().mean(), None)
        }
        SobolevMode::Sobolev => {
            // Both partial derivatives in one pass: rows [x; x] with tangents [e1; e2].
            let xs = Tensor::cat(vec![x.clone(), x], 0);
            let basis: Vec<[f32; 2]> = (0..2 * n)
                .map(|r| if r < n { [1.0, 0.0] } else { [0.0, 1.0] })
                .collect();
            let (pred, jv) = model.forward_jvp(xs, tensor2(&basis, device));
            let pred = pred.slice([0..n, 0..1]);
            let targets: Vec<f32> = (0..2 * n)
                .map(|r| {
                    if r < n {
                        data.gradients[r][0]
                    } else {
                        data.gradients[r - n][1]
                    }
                })
                .collect();
            // mean ||grad f - grad m||^2 (the mean over both components' rows, times 2),
            // or that divided by mean ||grad f||^2.
            let derivative = (jv - column(&targets, device)).square().mean();
            let derivative = match spec.derivative_scale {
                DerivativeScale::Absolute => derivative.mul_scalar(2.0),
                DerivativeScale::Relative => derivative.div_scalar(mean_square(&targets)),
            };
            ((pred - y).square().mean(), Some(derivative))
        }
        SobolevMode::Stochastic => {
            let mut rng = stream_rng(spec.seed, "tangent", step);
            let v = random_directions(n, &mut rng);
            let targets: Vec<f32> = data
                .gradients
                .iter()
                .zip(&v)
                .map(|(g, d)| g[0] * d[0] + g[1] * d[1])
                .collect();
            let (pred, jv) = model.forward_jvp(x, tensor2(&v, device));
            // For v uniform on the circle E[<g, v>^2] = ||g||^2 / 2, so dividing by half the
            // mean squared gradient norm gives the same relative error as the full term, in
            // expectation.
            let derivative = (jv - column(&targets, device)).square().mean();
            let derivative = match spec.derivative_scale {
                // E[<e, v>^2] = ||e||^2 / 2: times 2 weighs it like the full term.
                DerivativeScale::Absolute => derivative.mul_scalar(2.0),
                DerivativeScale::Relative => {
                    let flat: Vec<f32> = data.gradients.iter().flatten().copied().collect();
                    derivative.div_scalar(mean_square(&flat))
                }
            };
            ((pred - y).square().mean(), Some(derivative))
        }
    }
}

/// Fits `spec.model` (2 inputs, 1 output) to `data` by full-batch Adam; returns the model on
/// the plain `device`.
pub fn fit(spec: &FitSpec, data: &RegressionSet, device: &Device) -> Mlp {
    let w = &spec.model.widths;
    assert!(
        w.first() == Some(&2) && w.last() == Some(&1),
        "Sobolev regression fits 2-D scalar functions: widths {w:?}"
    );
    let ad = device.clone().autodiff();
    let mut model = spec.model.init(spec.seed, &ad);
    let mut optim = AdamConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
        .init();
    for step in 0..spec.steps {
        let (value, derivative) = objective(&model, spec, data, step, &ad);
        let loss = match derivative {
            Some(d) => value + d.mul_scalar(spec.derivative_weight),
            None => value,
        };
        let lr = spec.schedule.lr(spec.lr, 0, step, spec.steps, 1);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    model.valid()
}

/// Mean squared errors of `model` on `data` in scaled units: (values, gradients), where the
/// gradient error is the mean over points of the squared Euclidean error (summed components),
/// and in the function's own units via `scaling`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionErrors {
    pub value_mse: f64,
    pub gradient_mse: f64,
    pub value_mse_original: f64,
    pub gradient_mse_original: f64,
}

impl RegressionErrors {
    /// False when the fit diverged (a non-finite prediction makes every error non-finite).
    pub fn is_finite(&self) -> bool {
        [
            self.value_mse,
            self.gradient_mse,
            self.value_mse_original,
            self.gradient_mse_original,
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

pub fn evaluate(
    model: &Mlp,
    data: &RegressionSet,
    scaling: &Scaling,
    device: &Device,
) -> RegressionErrors {
    let (values, gradients) = predict(model, &data.inputs, device);
    let n = data.inputs.len() as f64;
    let (vf, gf) = scaling.squared_error_factors();
    let mut errors = RegressionErrors {
        value_mse: 0.0,
        gradient_mse: 0.0,
        value_mse_original: 0.0,
        gradient_mse_original: 0.0,
    };
    for i in 0..data.inputs.len() {
        let e = (values[i] - data.values[i]) as f64;
        errors.value_mse += e * e / n;
        errors.value_mse_original += vf * e * e / n;
        for (k, factor) in gf.iter().enumerate() {
            let g = (gradients[i][k] - data.gradients[i][k]) as f64;
            errors.gradient_mse += g * g / n;
            errors.gradient_mse_original += factor * g * g / n;
        }
    }
    errors
}

/// The model's values and gradients (scaled units) at `inputs`, on the plain device.
pub fn predict(model: &Mlp, inputs: &[[f32; 2]], device: &Device) -> (Vec<f32>, Vec<[f32; 2]>) {
    let n = inputs.len();
    let x = tensor2(inputs, device);
    let xs = Tensor::cat(vec![x.clone(), x], 0);
    let basis: Vec<[f32; 2]> = (0..2 * n)
        .map(|r| if r < n { [1.0, 0.0] } else { [0.0, 1.0] })
        .collect();
    let (pred, jv) = model.forward_jvp(xs, tensor2(&basis, device));
    let pred = floats(pred);
    let jv = floats(jv);
    let gradients = (0..n).map(|i| [jv[i], jv[n + i]]).collect();
    (pred[..n].to_vec(), gradients)
}
