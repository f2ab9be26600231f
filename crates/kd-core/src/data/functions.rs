//! Synthetic regression targets: the 2-D optimisation test functions of Czarnecki et al. (2017),
//! each with a hand-derived gradient (checked against central finite differences in the tests)
//! and its standard domain (Ackley narrowed, see below).

use serde::{Deserialize, Serialize};
use std::f64::consts::{E, PI};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestFunction {
    Ackley,
    Beale,
    Booth,
    BukinN6,
    McCormick,
    Rosenbrock,
    StyblinskiTang,
}

pub const ALL_FUNCTIONS: [TestFunction; 7] = [
    TestFunction::Ackley,
    TestFunction::Beale,
    TestFunction::Booth,
    TestFunction::BukinN6,
    TestFunction::McCormick,
    TestFunction::Rosenbrock,
    TestFunction::StyblinskiTang,
];

fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl TestFunction {
    pub fn name(self) -> &'static str {
        match self {
            TestFunction::Ackley => "ackley",
            TestFunction::Beale => "beale",
            TestFunction::Booth => "booth",
            TestFunction::BukinN6 => "bukin-n6",
            TestFunction::McCormick => "mccormick",
            TestFunction::Rosenbrock => "rosenbrock",
            TestFunction::StyblinskiTang => "styblinski-tang",
        }
    }

    /// The function called `name` (as [`TestFunction::name`] writes it).
    pub fn from_name(name: &str) -> Option<TestFunction> {
        ALL_FUNCTIONS.into_iter().find(|f| f.name() == name)
    }

    /// `([x1_min, x1_max], [x2_min, x2_max])`. Ackley's standard domain is [-32.768, 32.768]^2,
    /// where 20-100 points cannot resolve its ~65 periods per axis; we use [-5, 5]^2 (10 periods
    /// per axis around the global minimum). Rosenbrock uses [-2.048, 2.048]^2.
    pub fn domain(self) -> ([f64; 2], [f64; 2]) {
        match self {
            TestFunction::Ackley => ([-5.0, 5.0], [-5.0, 5.0]),
            TestFunction::Beale => ([-4.5, 4.5], [-4.5, 4.5]),
            TestFunction::Booth => ([-10.0, 10.0], [-10.0, 10.0]),
            TestFunction::BukinN6 => ([-15.0, -5.0], [-3.0, 3.0]),
            TestFunction::McCormick => ([-1.5, 4.0], [-3.0, 4.0]),
            TestFunction::Rosenbrock => ([-2.048, 2.048], [-2.048, 2.048]),
            TestFunction::StyblinskiTang => ([-5.0, 5.0], [-5.0, 5.0]),
        }
    }

    pub fn value(self, x: f64, y: f64) -> f64 {
        match self {
            TestFunction::Ackley => {
                let r = (0.5 * (x * x + y * y)).sqrt();
                -20.0 * (-0.2 * r).exp()
                    - (0.5 * ((2.0 * PI * x).cos() + (2.0 * PI * y).cos())).exp()
                    + E
                    + 20.0
            }
            TestFunction::Beale => {
                (1.5 - x + x * y).powi(2)
                    + (2.25 - x + x * y * y).powi(2)
                    + (2.625 - x + x * y * y * y).powi(2)
            }
            TestFunction::Booth => (x + 2.0 * y - 7.0).powi(2) + (2.0 * x + y - 5.0).powi(2),
            TestFunction::BukinN6 => {
                100.0 * (y - 0.01 * x * x).abs().sqrt() + 0.01 * (x + 10.0).abs()
            }
            TestFunction::McCormick => (x + y).sin() + (x - y).powi(2) - 1.5 * x + 2.5 * y + 1.0,
            TestFunction::Rosenbrock => (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2),
            TestFunction::StyblinskiTang => {
                0.5 * (x.powi(4) - 16.0 * x * x + 5.0 * x + y.powi(4) - 16.0 * y * y + 5.0 * y)
            }
        }
    }

    /// The gradient. Where a function is not differentiable it returns the (sub)gradient that
    /// treats the kink symmetrically: Ackley at the origin gives the radial term 0; Bukin N.6 on
    /// the curve x2 = 0.01 x1^2 (where the square root's slope is infinite) gives 0 for that
    /// term, and at x1 = -10 gives 0 for the |x1 + 10| term (sign(0) = 0).
    pub fn gradient(self, x: f64, y: f64) -> [f64; 2] {
        match self {
            TestFunction::Ackley => {
                let r = (0.5 * (x * x + y * y)).sqrt();
                // d/dx of -20 exp(-0.2 r) = 2 x exp(-0.2 r) / r.
                let radial = if r > 0.0 {
                    2.0 * (-0.2 * r).exp() / r
                } else {
                    0.0
                };
                let e = (0.5 * ((2.0 * PI * x).cos() + (2.0 * PI * y).cos())).exp();
                [
                    radial * x + PI * (2.0 * PI * x).sin() * e,
                    radial * y + PI * (2.0 * PI * y).sin() * e,
                ]
            }
            TestFunction::Beale => {
                let a = 1.5 - x + x * y;
                let b = 2.25 - x + x * y * y;
                let c = 2.625 - x + x * y * y * y;
                [
                    2.0 * a * (y - 1.0) + 2.0 * b * (y * y - 1.0) + 2.0 * c * (y * y * y - 1.0),
                    2.0 * a * x + 2.0 * b * 2.0 * x * y + 2.0 * c * 3.0 * x * y * y,
                ]
            }
            TestFunction::Booth => {
                let a = x + 2.0 * y - 7.0;
                let b = 2.0 * x + y - 5.0;
                [2.0 * a + 4.0 * b, 4.0 * a + 2.0 * b]
            }
            TestFunction::BukinN6 => {
                let u = y - 0.01 * x * x;
                // d/du 100 sqrt(|u|) = 50 sign(u) / sqrt(|u|), defined as 0 on u = 0.
                let du = if u != 0.0 {
                    50.0 * sign(u) / u.abs().sqrt()
                } else {
                    0.0
                };
                [du * (-0.02 * x) + 0.01 * sign(x + 10.0), du]
            }
            TestFunction::McCormick => {
                let c = (x + y).cos();
                [c + 2.0 * (x - y) - 1.5, c - 2.0 * (x - y) + 2.5]
            }
            TestFunction::Rosenbrock => [
                -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
                200.0 * (y - x * x),
            ],
            TestFunction::StyblinskiTang => [
                0.5 * (4.0 * x.powi(3) - 32.0 * x + 5.0),
                0.5 * (4.0 * y.powi(3) - 32.0 * y + 5.0),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gradients agree with central differences at points away from the kinks.
    #[test]
    fn gradients_match_central_differences() {
        let h = 1e-6;
        for f in ALL_FUNCTIONS {
            let ([x0, x1], [y0, y1]) = f.domain();
            for i in 1..8 {
                for j in 1..8 {
                    let x = x0 + (x1 - x0) * (i as f64 + 0.37) / 8.5;
                    let y = y0 + (y1 - y0) * (j as f64 + 0.61) / 8.5;
                    if f == TestFunction::BukinN6 && (y - 0.01 * x * x).abs() < 1e-2 {
                        continue;
                    }
                    let g = f.gradient(x, y);
                    let fd = [
                        (f.value(x + h, y) - f.value(x - h, y)) / (2.0 * h),
                        (f.value(x, y + h) - f.value(x, y - h)) / (2.0 * h),
                    ];
                    for k in 0..2 {
                        let tol = 1e-5 * (1.0 + g[k].abs());
                        assert!(
                            (g[k] - fd[k]).abs() < tol,
                            "{} at ({x}, {y}) d{k}: {} vs {}",
                            f.name(),
                            g[k],
                            fd[k]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn known_minima() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(TestFunction::Ackley.value(0.0, 0.0), 0.0));
        assert_eq!(TestFunction::Ackley.gradient(0.0, 0.0), [0.0, 0.0]);
        assert!(close(TestFunction::Beale.value(3.0, 0.5), 0.0));
        assert!(close(TestFunction::Booth.value(1.0, 3.0), 0.0));
        assert!(close(TestFunction::BukinN6.value(-10.0, 1.0), 0.0));
        assert!(close(TestFunction::Rosenbrock.value(1.0, 1.0), 0.0));
        assert!((TestFunction::McCormick.value(-0.54719, -1.54719) + 1.9133).abs() < 1e-4);
        let st = TestFunction::StyblinskiTang.value(-2.903534, -2.903534);
        assert!((st + 78.33234).abs() < 1e-4, "{st}");
        // The defined (sub)gradient on Bukin's kink curve.
        assert_eq!(TestFunction::BukinN6.gradient(-10.0, 1.0), [0.0, 0.0]);
    }
}
