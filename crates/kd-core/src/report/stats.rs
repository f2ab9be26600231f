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
/// and data order) with a two-sided paired t-test of "no difference" at 5 %: "`name` per seed
/// +0.10, -0.05, +0.20 (mean +0.08, t = 1.02 on 2 df, two-sided p = 0.42: within seed noise)".
/// A descriptive line for the summaries' text; claims carry their own one-sided test.
pub fn paired_differences(name: &str, a: &[f64], b: &[f64]) -> String {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = MeanStd::of(&d);
    let per_seed: Vec<String> = d.iter().map(|x| format!("{x:+.2}")).collect();
    let test = match super::verdict::PairedTest::of(&d, 1.0) {
        None => "fewer than two seeds: no noise estimate".to_string(),
        Some(t) => {
            let two_sided = (2.0 * t.p.min(1.0 - t.p)).min(1.0);
            format!(
                "t = {:.2} on {} df, two-sided p = {:.3}: {}",
                t.t,
                t.n - 1,
                two_sided,
                if two_sided < 0.05 {
                    "beyond seed noise"
                } else {
                    "within seed noise"
                }
            )
        }
    };
    format!(
        "{name} per seed {} (mean {:+.2}, {test})",
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

    #[test]
    fn paired_difference_lines_test_against_noise() {
        // boundary FitNet - KD per seed +1.30, +1.50, -0.40: t = 1.33, two-sided p = 0.32,
        // noise (the old one-standard-error rule called it "beyond").
        let line = paired_differences("FitNet - KD", &[81.3, 81.5, 79.6], &[80.0, 80.0, 80.0]);
        assert!(line.contains("within seed noise"), "{line}");
        let line = paired_differences("x", &[2.0, 3.0, 2.5, 2.2], &[1.0, 2.1, 1.4, 1.3]);
        assert!(line.contains("beyond seed noise"), "{line}");
        assert!(paired_differences("x", &[1.0], &[0.0]).contains("fewer than two"));
    }
}
