//! The statistics behind every claim's verdict: a one-sided paired t-test over seeds, its
//! confidence bound, the power it had, and how likely a fresh draw is to reverse it.
//!
//! Why a paired t-test. Each seed's runs share initialisation and data order across arms, so a
//! comparison works with the per-seed differences `d_s = lhs_s - rhs_s`; pairing removes the
//! spread common to both arms. With 3 to 20 seeds the alternatives are worse: an exact
//! sign-flip test cannot go below `p = 2^-n` (0.125 with 3 seeds, so no claim could ever hold),
//! and a bootstrap over 3 to 5 seeds has almost no resamples to speak of. Accuracy differences
//! are close enough to normal for the t-test; its assumption is stated in every summary.
//! A threshold claim ("recovers more than half of the gap") is the same test on a per-seed
//! statistic against a constant (a one-sample t-test).
//!
//! The level is fixed here, before any run: [`ALPHA`] one-sided in the direction the paper
//! claims, power [`POWER`] for the smallest detectable effect.

/// One-sided significance level of every claim.
pub const ALPHA: f64 = 0.05;
/// The power at which the smallest detectable effect is quoted.
pub const POWER: f64 = 0.8;
/// The largest seed count a power calculation reports; beyond it, "more than".
pub const MAX_SEEDS: usize = 1000;

/// What the evidence says of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Significant (one-sided p < ALPHA) in the claimed direction.
    Holds,
    /// The claimed direction, not significant.
    NotShown,
    /// The opposite direction, not significant.
    Fails,
    /// Significant in the opposite direction.
    Contradicted,
    /// No test is possible (an arm is one run, or fewer than two seeds pair): the numbers are
    /// reported as measured and can never hold.
    Descriptive,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Holds,
        Verdict::NotShown,
        Verdict::Fails,
        Verdict::Contradicted,
        Verdict::Descriptive,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::NotShown => "not shown",
            Verdict::Fails => "fails",
            Verdict::Contradicted => "contradicted",
            Verdict::Descriptive => "descriptive",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.word() == s)
    }

    /// Whether the numbers point against the claim (what a CI gate refuses).
    pub fn against(self) -> bool {
        matches!(self, Verdict::Fails | Verdict::Contradicted)
    }
}

/// A one-sided paired t-test of the differences `d` in the direction `sign` (+1: the claim is
/// `mean(d) > 0`; -1: `mean(d) < 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedTest {
    pub n: usize,
    /// Mean of the differences, in the claim's units (lhs - rhs).
    pub effect: f64,
    /// Sample standard deviation of the differences.
    pub sd: f64,
    /// The t statistic in the claimed direction (positive when the effect points the claimed
    /// way); infinite when every difference is equal and non-zero.
    pub t: f64,
    /// One-sided p in the claimed direction: P(T >= t) under no effect.
    pub p: f64,
    /// The one-sided 95 % confidence bound of the effect that matches the test: a lower bound
    /// for a `>` claim, an upper bound for a `<` claim (the claim holds exactly when the bound
    /// excludes zero).
    pub bound: f64,
    pub verdict: Verdict,
}

impl PairedTest {
    /// `None` with fewer than two differences or any non-finite one.
    pub fn of(d: &[f64], sign: f64) -> Option<PairedTest> {
        let n = d.len();
        if n < 2 || d.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let effect = d.iter().sum::<f64>() / n as f64;
        let sd = (d.iter().map(|x| (x - effect).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let df = (n - 1) as f64;
        let directed = effect * sign;
        let se = sd / (n as f64).sqrt();
        let t = if se > 0.0 {
            directed / se
        } else if directed > 0.0 {
            f64::INFINITY
        } else if directed < 0.0 {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        // Every difference equal and non-zero (possible on a quantised metric: one test image,
        // a grid of temperatures) gives an infinite t and p = 0. The verdict keeps the t-test's
        // word, but such a claim is never gated (`flip_probability` is NaN): with no spread
        // there is nothing to estimate a new draw from.
        let p = if t.is_nan() { 1.0 } else { t_sf(t, df) };
        let bound = effect - sign * t_quantile(1.0 - ALPHA, df) * se;
        let verdict = if directed > 0.0 {
            if p < ALPHA {
                Verdict::Holds
            } else {
                Verdict::NotShown
            }
        } else if 1.0 - p < ALPHA && directed < 0.0 {
            Verdict::Contradicted
        } else {
            Verdict::Fails
        };
        Some(PairedTest {
            n,
            effect,
            sd,
            t,
            p,
            bound,
            verdict,
        })
    }

    /// The smallest |effect| this many seeds detect with probability [`POWER`] at the
    /// measured spread (NaN when the spread is zero: any effect would have shown).
    pub fn detectable_effect(&self) -> f64 {
        detectable_effect(self.sd, self.n)
    }

    /// Seeds that would detect the observed effect with probability [`POWER`] at the measured
    /// spread; `None` above [`MAX_SEEDS`] or for no effect.
    pub fn seeds_to_detect_observed(&self) -> Option<usize> {
        seeds_to_detect(self.effect.abs(), self.sd)
    }

    /// The chance that a fresh draw of as many seeds has its mean on the other side of zero,
    /// if the true effect and spread were the ones measured, with the uncertainty of both:
    /// the fresh mean minus this mean is `sd * sqrt(2 / n) * T(n - 1)`, so the chance is
    /// `P(T(n - 1) < -t / sqrt(2))`. This is the false-alarm rate of a CI gate "must not fail"
    /// on an unchanged commit run on another machine (a new draw).
    /// NaN where the differences have no spread: nothing to estimate it from, so such a claim
    /// is never gated.
    pub fn flip_probability(&self) -> f64 {
        if self.t.is_infinite() {
            return f64::NAN;
        }
        t_cdf(-self.t / std::f64::consts::SQRT_2, (self.n - 1) as f64)
    }
}

/// `(t_{1-ALPHA, n-1} + t_{POWER, n-1}) * sd / sqrt(n)`: the effect a one-sided paired t-test
/// on `n` seeds detects with probability POWER (the usual approximation with the t
/// distribution's quantiles in place of the normal's).
pub fn detectable_effect(sd: f64, n: usize) -> f64 {
    if n < 2 || sd <= 0.0 || !sd.is_finite() {
        return f64::NAN;
    }
    let df = (n - 1) as f64;
    (t_quantile(1.0 - ALPHA, df) + t_quantile(POWER, df)) * sd / (n as f64).sqrt()
}

/// The fewest seeds (at least 2) whose detectable effect at spread `sd` is at most `effect`.
pub fn seeds_to_detect(effect: f64, sd: f64) -> Option<usize> {
    if effect.is_nan() || effect <= 0.0 || !sd.is_finite() {
        return None;
    }
    if sd <= 0.0 {
        return Some(2);
    }
    (2..=MAX_SEEDS).find(|&n| detectable_effect(sd, n) <= effect)
}

/// P(T <= x) for Student's t with `df` degrees of freedom.
pub fn t_cdf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 1.0;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    // P(|T| > |x|) = I_{df / (df + x^2)}(df / 2, 1 / 2).
    let tail = 0.5 * regularized_incomplete_beta(df / (df + x * x), df / 2.0, 0.5);
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// P(T >= x).
pub fn t_sf(x: f64, df: f64) -> f64 {
    t_cdf(-x, df)
}

/// The `q`-quantile of Student's t with `df` degrees of freedom (bisection on [`t_cdf`], to
/// 1e-12).
pub fn t_quantile(q: f64, df: f64) -> f64 {
    assert!(q > 0.0 && q < 1.0, "quantile level {q} outside (0, 1)");
    let (mut lo, mut hi) = (-1.0, 1.0);
    while t_cdf(lo, df) > q {
        lo *= 2.0;
    }
    while t_cdf(hi, df) < q {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// I_x(a, b), the regularised incomplete beta function (Lentz's continued fraction, as in
/// Numerical Recipes' `betai`).
fn regularized_incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_continued_fraction(1.0 - x, b, a) / b
    }
}

fn beta_continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    // Lentz's method keeps its running terms away from zero.
    let away_from_zero = |v: f64| if v.abs() < 1e-300 { 1e-300 } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / away_from_zero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        // The even and the odd step of the fraction differ only in their coefficient.
        let mut delta = 1.0;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 / away_from_zero(1.0 + aa * d);
            c = away_from_zero(1.0 + aa / c);
            delta = d * c;
            h *= delta;
        }
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 coefficients; ~1e-15 relative).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(π x).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    /// Values from scipy.stats 1.x (`t.ppf`, `t.sf`, `t.cdf`, `ttest_1samp`).
    #[test]
    fn student_t_matches_scipy() {
        for (df, q95) in [
            (1.0, 6.313_751_51),
            (2.0, 2.919_985_58),
            (4.0, 2.131_846_79),
            (9.0, 1.833_112_93),
            (19.0, 1.729_132_81),
        ] {
            close(t_quantile(0.95, df), q95, 1e-7);
        }
        close(t_quantile(0.8, 2.0), 1.060_660_17, 1e-7);
        close(t_quantile(0.8, 9.0), 0.883_403_86, 1e-7);
        close(t_sf(2.0, 5.0), 0.050_969_739_414_929, 1e-12);
        close(t_cdf(-1.5, 3.0), 0.115_291_932_622_412, 1e-12);
        close(t_sf(0.3, 1.0), 0.407_226_420_922_578, 1e-12);
        close(t_sf(-2.5, 7.0), 0.979_503_890_707_124, 1e-12);
        close(t_cdf(0.0, 3.0), 0.5, 1e-15);
        close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-14);
        close(ln_gamma(10.0), 362_880f64.ln(), 1e-12);
    }

    #[test]
    fn paired_tests_match_scipy_and_give_each_verdict() {
        // The committed boundary ci seeds of KD + BSS - KD: scipy t = 5.3697, p = 0.016488.
        let t = PairedTest::of(&[1.0, 1.95, 1.8], 1.0).unwrap();
        close(t.t, 5.369_717_479_970_103, 1e-9);
        close(t.p, 0.016_487_783_166_151_397, 1e-9);
        assert_eq!(t.verdict, Verdict::Holds);
        assert!(
            t.bound > 0.0,
            "the bound excludes zero exactly when the claim holds"
        );
        // TAKD's TAKD - BLKD, committed cpu seeds: t = 0.4949, p = 0.33486: not shown.
        let t = PairedTest::of(&[0.35, 0.25, -0.30], 1.0).unwrap();
        close(t.p, 0.334_855_435_231_045_94, 1e-9);
        assert_eq!(t.verdict, Verdict::NotShown);
        assert!(t.bound < 0.0);
        // The same numbers claimed the other way: fails (not significant).
        let t = PairedTest::of(&[0.35, 0.25, -0.30], -1.0).unwrap();
        close(t.p, 1.0 - 0.334_855_435_231_045_94, 1e-9);
        assert_eq!(t.verdict, Verdict::Fails);
        // Significant the other way: contradicted.
        let t = PairedTest::of(&[1.0, 1.95, 1.8], -1.0).unwrap();
        assert_eq!(t.verdict, Verdict::Contradicted);
        // A "<" claim: lhs - rhs negative, with an upper bound below zero.
        let t = PairedTest::of(&[-1.0, -1.95, -1.8], -1.0).unwrap();
        assert_eq!(t.verdict, Verdict::Holds);
        assert!(t.bound < 0.0 && t.bound > t.effect);
        // No effect at all (a mutant whose arms are the same runs): fails, never holds.
        let t = PairedTest::of(&[0.0, 0.0, 0.0], 1.0).unwrap();
        assert_eq!(t.verdict, Verdict::Fails);
        // Equal non-zero differences: no spread, the direction decides, and the claim is
        // never gated (no spread to estimate a new draw from).
        let t = PairedTest::of(&[2.0, 2.0], 1.0).unwrap();
        assert_eq!(t.verdict, Verdict::Holds);
        assert!(t.flip_probability().is_nan());
        assert!(PairedTest::of(&[1.0], 1.0).is_none());
        assert!(PairedTest::of(&[1.0, f64::NAN], 1.0).is_none());
    }

    #[test]
    fn power_and_seed_counts() {
        // n = 10, sd = 1: (1.8331 + 0.8834) / sqrt(10) = 0.85904.
        close(detectable_effect(1.0, 10), 0.859_04, 1e-4);
        // More seeds detect smaller effects.
        assert!(detectable_effect(1.0, 20) < detectable_effect(1.0, 10));
        // The notes' example: sd 1.0 needs about 7 seeds for +1.0 (normal approximation 6.2,
        // plus the t distribution's heavier tails).
        let n = seeds_to_detect(1.0, 1.0).unwrap();
        assert!((7..=9).contains(&n), "{n}");
        assert!(detectable_effect(1.0, n) <= 1.0 && detectable_effect(1.0, n - 1) > 1.0);
        assert_eq!(seeds_to_detect(0.0, 1.0), None);
        assert_eq!(seeds_to_detect(1e-6, 1.0), None, "beyond MAX_SEEDS");
    }

    #[test]
    fn flip_probability_of_a_fresh_draw() {
        // t = 5.37 on 3 seeds: P(T2 < -3.797) = 0.0315.
        let t = PairedTest::of(&[1.0, 1.95, 1.8], 1.0).unwrap();
        close(
            t.flip_probability(),
            t_cdf(-5.369_717_479_970_103 / 2f64.sqrt(), 2.0),
            1e-12,
        );
        assert!(t.flip_probability() > 0.02 && t.flip_probability() < 0.04);
        // A stronger effect flips less often; a null one half the time.
        let strong = PairedTest::of(&[1.0, 1.1, 0.9, 1.05, 0.95], 1.0).unwrap();
        assert!(strong.flip_probability() < 1e-4);
        let null = PairedTest::of(&[1.0, -1.0], 1.0).unwrap();
        close(null.flip_probability(), 0.5, 1e-12);
    }
}
