//! Mean and standard deviation over seeds.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single value.
    pub std: f64,
    pub n: usize,
}

impl MeanStd {
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len();
        if n == 0 {
            return MeanStd {
                mean: f64::NAN,
                std: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        MeanStd { mean, std, n }
    }

    /// `12.3 ± 0.4` with `decimals` decimals.
    pub fn fmt(&self, decimals: usize) -> String {
        format!("{:.*} ± {:.*}", decimals, self.mean, decimals, self.std)
    }

    pub fn scale(&self, factor: f64) -> MeanStd {
        MeanStd {
            mean: self.mean * factor,
            std: self.std * factor.abs(),
            n: self.n,
        }
    }
}

/// The median (the mean of the middle two for an even count); NaN for no values or any NaN.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The per-seed differences `a - b` of paired runs (each seed's runs share its initialisation
/// and data order), and whether their mean stands out of the seed noise (more than one standard
/// error of the mean from zero): "`name` per seed +0.10, -0.05 (mean +0.03, within one standard
/// error of zero: seed noise)".
pub fn paired_differences(name: &str, a: &[f64], b: &[f64]) -> String {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = MeanStd::of(&d);
    let standard_error = m.std / (d.len() as f64).sqrt();
    let verdict = if d.len() < 2 {
        "one seed: no noise estimate"
    } else if m.mean.abs() > standard_error {
        "beyond one standard error"
    } else {
        "within one standard error of zero: seed noise"
    };
    let per_seed: Vec<String> = d.iter().map(|x| format!("{x:+.2}")).collect();
    format!(
        "{name} per seed {} (mean {:+.2}, {verdict})",
        per_seed.join(", "),
        m.mean
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_std() {
        let m = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m.mean, 2.5);
        assert!((m.std - 1.290_994_448_7).abs() < 1e-9);
        assert_eq!(MeanStd::of(&[5.0]).std, 0.0);
        assert_eq!(m.fmt(1), "2.5 ± 1.3");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert!(median(&[1.0, f64::NAN]).is_nan());
    }
}
