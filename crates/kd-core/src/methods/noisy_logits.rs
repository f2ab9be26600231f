//! Sau & Balasubramanian (2016), "Deep Model Compression: Distilling Knowledge from Noisy
//! Teachers": the student regresses the teacher's logits (Ba & Caruana's `1/2 ||s - t||^2`, as
//! [`LogitRegression`](super::LogitRegression)) while the teacher's logits are perturbed with
//! Gaussian noise of standard deviation `sigma`, with probability `alpha`, so that the student
//! hears a different teacher each time (a regulariser, and a cheap stand-in for an ensemble).
//!
//! The knobs the paper's readers disagree on are options: the noise form (multiplicative
//! `z (1 + sigma xi)` or additive `z + sigma xi`), what one coin flip with probability `alpha`
//! decides (each sample, or the whole batch), and which logits are perturbed (the teacher's, or
//! the student's own: the paper's "noisy student" comparison). The noise is drawn from the
//! step's own random stream ([`StepCtx::rng`]), so a run is reproducible and its data order does
//! not depend on the noise. With several teachers the clean target is their mean logits.

use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, Teachers, check_unit_weight};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::{cross_entropy, logit_regression};

/// How the noise `xi ~ N(0, 1)` enters a logit `z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseForm {
    /// `z (1 + sigma xi)`.
    Multiplicative,
    /// `z + sigma xi`.
    Additive,
}

/// What one coin flip with probability `alpha` decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseUnit {
    /// Each sample's logits are perturbed (or not) on their own.
    Sample,
    /// The whole batch's logits are perturbed, or none.
    Batch,
}

/// Whose logits carry the noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseTarget {
    /// The teacher's: the regression target moves (the paper's method).
    Teacher,
    /// The student's own, before the regression (the paper's "noisy student" baseline).
    Student,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisyLogits {
    /// Standard deviation of the noise.
    pub sigma: f64,
    /// Probability that a sample (or batch, see `unit`) is perturbed.
    pub alpha: f64,
    pub form: NoiseForm,
    pub unit: NoiseUnit,
    pub target: NoiseTarget,
    /// Weight of the hard-label cross-entropy; the regression gets `1 - hard_weight`.
    pub hard_weight: f64,
}

/// The perturbation of a `[rows, cols]` block of logits, drawn on the host: `z -> z * scale +
/// shift` (multiplicative noise has `shift` 0, additive `scale` 1; unperturbed rows are the
/// identity).
#[derive(Debug, Clone, PartialEq)]
pub struct Perturbation {
    pub scale: Vec<f32>,
    pub shift: Vec<f32>,
    /// Which rows were perturbed.
    pub perturbed: Vec<bool>,
}

impl NoisyLogits {
    pub const TERMS: [&'static str; 2] = ["logit", "hard"];

    /// Draws the perturbation of `rows x cols` logits from `rng`: the coin flips first (one per
    /// row, or one for the batch), then one standard normal per logit of a perturbed row.
    pub fn draw(&self, rows: usize, cols: usize, rng: &mut StdRng) -> Perturbation {
        let perturbed: Vec<bool> = match self.unit {
            NoiseUnit::Sample => (0..rows).map(|_| rng.random::<f64>() < self.alpha).collect(),
            NoiseUnit::Batch => vec![rng.random::<f64>() < self.alpha; rows],
        };
        let mut scale = vec![1.0f32; rows * cols];
        let mut shift = vec![0.0f32; rows * cols];
        for (r, _) in perturbed.iter().enumerate().filter(|(_, p)| **p) {
            let noise = crate::models::layers::normal(rng, cols, self.sigma);
            let row = r * cols..(r + 1) * cols;
            match self.form {
                NoiseForm::Multiplicative => {
                    for (s, n) in scale[row].iter_mut().zip(noise) {
                        *s = 1.0 + n;
                    }
                }
                NoiseForm::Additive => shift[row].copy_from_slice(&noise),
            }
        }
        Perturbation {
            scale,
            shift,
            perturbed,
        }
    }

    /// Whether this setting perturbs anything at all (`sigma` and `alpha` both positive).
    pub fn is_noisy(&self) -> bool {
        self.sigma > 0.0 && self.alpha > 0.0
    }

    /// `logits * scale + shift`.
    fn apply(logits: Tensor<2>, p: &Perturbation) -> Tensor<2> {
        let [rows, cols] = logits.dims();
        let device = logits.device();
        let scale = Tensor::<2>::from_data(TensorData::new(p.scale.clone(), [rows, cols]), &device);
        let shift = Tensor::<2>::from_data(TensorData::new(p.shift.clone(), [rows, cols]), &device);
        logits * scale + shift
    }

    /// The loss terms for the student's and the teacher's logits under perturbation `p`
    /// (`None`: no noise, exactly [`LogitRegression`](super::LogitRegression)'s terms).
    pub fn terms(
        &self,
        logits: Tensor<2>,
        teacher_logits: Tensor<2>,
        labels: Tensor<1, Int>,
        p: Option<&Perturbation>,
    ) -> LossTerms {
        let (student, teacher) = match (p, self.target) {
            (None, _) => (logits.clone(), teacher_logits),
            (Some(p), NoiseTarget::Teacher) => (logits.clone(), Self::apply(teacher_logits, p)),
            (Some(p), NoiseTarget::Student) => (Self::apply(logits.clone(), p), teacher_logits),
        };
        let regression = logit_regression(student, teacher).mul_scalar(1.0 - self.hard_weight);
        let hard = cross_entropy(logits, labels).mul_scalar(self.hard_weight);
        LossTerms::new(vec![("logit", regression), ("hard", hard)])
    }
}

impl Distiller for NoisyLogits {
    fn term_names(&self) -> Vec<&'static str> {
        Self::TERMS.to_vec()
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::OneOrMore,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        check_unit_weight("hard weight", self.hard_weight)?;
        check_unit_weight("alpha (the probability of perturbing)", self.alpha)?;
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(crate::KdError::Config(format!(
                "sigma (the noise's standard deviation) must be finite and >= 0, got {}",
                self.sigma
            )));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        let whose = match self.target {
            NoiseTarget::Teacher => "noisy teacher",
            NoiseTarget::Student => "noisy student",
        };
        format!(
            "{whose}: logit regression, {:?} noise sigma {} with probability {} per {:?} (hard \
             weight {})",
            self.form, self.sigma, self.alpha, self.unit, self.hard_weight
        )
        .to_lowercase()
    }

    fn loss_terms(&self, io: &StepIo, ctx: &mut StepCtx) -> LossTerms {
        let logits = io.student.logits.clone();
        let p = self.is_noisy().then(|| {
            let [rows, cols] = logits.dims();
            self.draw(rows, cols, ctx.rng)
        });
        self.terms(logits, io.mean_teacher_logits(), io.labels.clone(), p.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::LogitRegression;
    use crate::tensors::floats;
    use rand::SeedableRng;

    fn method(form: NoiseForm, unit: NoiseUnit) -> NoisyLogits {
        NoisyLogits {
            sigma: 0.5,
            alpha: 0.3,
            form,
            unit,
            target: NoiseTarget::Teacher,
            hard_weight: 0.0,
        }
    }

    fn mean_std(v: &[f64]) -> (f64, f64) {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        (m, var.sqrt())
    }

    #[test]
    fn per_sample_noise_has_the_stated_statistics() {
        let mut rng = StdRng::seed_from_u64(7);
        let (rows, cols) = (20_000, 10);
        let m = method(NoiseForm::Multiplicative, NoiseUnit::Sample);
        let p = m.draw(rows, cols, &mut rng);
        let fraction = p.perturbed.iter().filter(|x| **x).count() as f64 / rows as f64;
        // Binomial(20000, 0.3): standard deviation 0.0032; 5 of them.
        assert!((fraction - 0.3).abs() < 0.016, "fraction perturbed {fraction}");
        let xi: Vec<f64> = (0..rows)
            .filter(|&r| p.perturbed[r])
            .flat_map(|r| p.scale[r * cols..(r + 1) * cols].iter().map(|s| *s as f64 - 1.0))
            .collect();
        let (mean, std) = mean_std(&xi);
        assert!(mean.abs() < 0.01, "noise mean {mean}");
        assert!((std - 0.5).abs() < 0.01, "noise std {std}");
        assert!(p.shift.iter().all(|s| *s == 0.0), "multiplicative: no shift");
        // Unperturbed rows are the identity.
        let clean = (0..rows).find(|&r| !p.perturbed[r]).unwrap();
        assert!(p.scale[clean * cols..(clean + 1) * cols].iter().all(|s| *s == 1.0));
    }

    #[test]
    fn per_batch_noise_flips_one_coin_and_additive_noise_shifts() {
        let m = method(NoiseForm::Additive, NoiseUnit::Batch);
        let mut rng = StdRng::seed_from_u64(3);
        let mut batches_perturbed = 0;
        for _ in 0..2000 {
            let p = m.draw(16, 10, &mut rng);
            assert!(p.perturbed.iter().all(|x| *x == p.perturbed[0]), "one flip per batch");
            assert!(p.scale.iter().all(|s| *s == 1.0), "additive: no scale");
            if p.perturbed[0] {
                batches_perturbed += 1;
                let (mean, std) =
                    mean_std(&p.shift.iter().map(|s| *s as f64).collect::<Vec<_>>());
                assert!(mean.abs() < 0.5 && std > 0.2 && std < 0.9, "{mean} {std}");
            } else {
                assert!(p.shift.iter().all(|s| *s == 0.0));
            }
        }
        // Binomial(2000, 0.3): standard deviation 20.5.
        assert!((batches_perturbed - 600i32).abs() < 100, "{batches_perturbed}");
    }

    #[test]
    fn the_loss_is_the_regression_on_perturbed_logits_by_hand() {
        let device = Device::flex();
        let student = Tensor::<2>::from_data([[1.0f32, -1.0], [0.5, 2.0]], &device);
        let teacher = Tensor::<2>::from_data([[2.0f32, 0.0], [0.5, 1.0]], &device);
        let labels = Tensor::<1, Int>::from_data([0i64, 1], &device);
        let p = Perturbation {
            scale: vec![1.5, 0.5, 1.0, 1.0],
            shift: vec![0.0; 4],
            perturbed: vec![true, false],
        };
        let term = |m: &NoisyLogits, p: Option<&Perturbation>| {
            floats(
                m.terms(student.clone(), teacher.clone(), labels.clone(), p)
                    .total(),
            )[0] as f64
        };
        let mut m = method(NoiseForm::Multiplicative, NoiseUnit::Sample);
        // Noisy teacher: row 0's target is (3, 0); errors (-2, -1) and (0, 1).
        // logit_regression is 1/2 sum of squares, averaged over the batch: (5 + 1) / 2 / 2.
        assert!((term(&m, Some(&p)) - 1.5).abs() < 1e-6);
        // Noisy student: row 0's prediction is (1.5, -0.5); errors (-0.5, -0.5) and (0, 1).
        m.target = NoiseTarget::Student;
        assert!((term(&m, Some(&p)) - (0.5 + 1.0) / 4.0).abs() < 1e-6);
        // No noise: exactly logit regression's terms.
        let clean = LogitRegression { hard_weight: 0.0 }
            .terms(student.clone(), teacher.clone(), labels.clone());
        assert_eq!(floats(clean.total()), vec![term(&m, None) as f32]);
    }

    #[test]
    fn zero_sigma_or_alpha_perturbs_nothing_and_bad_knobs_are_rejected() {
        let mut m = method(NoiseForm::Multiplicative, NoiseUnit::Sample);
        m.sigma = 0.0;
        assert!(!m.is_noisy());
        m.sigma = 0.5;
        m.alpha = 0.0;
        assert!(!m.is_noisy());
        m.alpha = 1.5;
        assert!(m.validate().unwrap_err().to_string().contains("alpha"));
        m.alpha = 0.5;
        m.sigma = -1.0;
        assert!(m.validate().unwrap_err().to_string().contains("sigma"));
    }
}
