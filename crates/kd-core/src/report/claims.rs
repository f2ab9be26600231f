//! A paper's claims as tested comparisons of two measured arms, paired by seed.
//!
//! A claim names two arms (each one value per seed, one run shared by every seed, or a
//! constant threshold) and the direction the paper claims; its verdict is a one-sided paired
//! t-test at [`ALPHA`] on the per-seed differences ([`super::verdict`]): **holds**, **not
//! shown**, **fails** or **contradicted**, or **descriptive** where no test is possible (an arm
//! is one run). `claims.csv` stores every arm's per-seed values, so a checker recomputes each
//! verdict, effect, bound and p from the file instead of trusting them.
//!
//! A claim is *central* when it stands for one of the paper's headline statements: each paper
//! declares them in code from its text ([`CentralClaim`], with the paper's words, pinned by a
//! test), and the README's status is counted from their verdicts. Every other claim is
//! reported with its verdict, never hidden.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::table::Table;
use super::verdict::{ALPHA, POWER, PairedTest, Verdict};
use crate::error::{KdError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relation {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = ">=")]
    GreaterOrEqual,
}

impl Relation {
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Less => "<",
            Relation::LessOrEqual => "<=",
            Relation::Greater => ">",
            Relation::GreaterOrEqual => ">=",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        Some(match s {
            "<" => Relation::Less,
            "<=" => Relation::LessOrEqual,
            ">" => Relation::Greater,
            ">=" => Relation::GreaterOrEqual,
            _ => return None,
        })
    }

    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Relation::Less => lhs < rhs,
            Relation::LessOrEqual => lhs <= rhs,
            Relation::Greater => lhs > rhs,
            Relation::GreaterOrEqual => lhs >= rhs,
        }
    }

    /// +1 when the claim is that lhs - rhs is positive, -1 when negative. (`>=` and `<=` are
    /// tested like `>` and `<`: a test can only show a difference, not an equality.)
    pub fn sign(self) -> f64 {
        match self {
            Relation::Greater | Relation::GreaterOrEqual => 1.0,
            Relation::Less | Relation::LessOrEqual => -1.0,
        }
    }
}

/// A headline statement of a paper, declared in code from its text before any run: the id of
/// the claim the experiments compute, and the paper's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CentralClaim {
    pub id: &'static str,
    pub paper_quote: &'static str,
}

/// Whether `id` is one of the `central` claims.
pub fn is_central(central: &[CentralClaim], id: &str) -> bool {
    central.iter().any(|r| r.id == id)
}

/// Every claim of the experiments (`names`, in order) whose `<name>.csv` table `dir` holds,
/// recomputed from that table by the paper's `claims_of(name, table)`.
pub fn recompute_from_tables(
    dir: &Path,
    names: &[&str],
    claims_of: impl Fn(&str, &Table) -> Result<Vec<Claim>>,
) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for name in names {
        let path = dir.join(format!("{name}.csv"));
        if path.is_file() {
            out.extend(claims_of(name, &Table::read(&path)?)?);
        }
    }
    Ok(out)
}

/// One side of a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Arm {
    /// One value per seed, `(seed, value)` in order of seed: paired with the other arm's
    /// value of the same seed (the runs share initialisation and data order).
    PerSeed(Vec<(u64, f64)>),
    /// One run serves every seed (a shared teacher, a single search winner): there is no
    /// spread to test against, so a claim with such an arm is descriptive.
    OneRun(f64),
    /// A number the claim fixes (a threshold such as one half), compared with every seed.
    Constant(f64),
}

impl Arm {
    /// The per-seed statistic `f(seed's values...)` of several aligned arms, e.g. a gap ratio
    /// per seed; seeds missing from any arm are left out.
    pub fn combine(arms: &[&[(u64, f64)]], f: impl Fn(&[f64]) -> f64) -> Arm {
        let Some(first) = arms.first() else {
            return Arm::PerSeed(Vec::new());
        };
        let mut out = Vec::new();
        for &(seed, _) in first.iter() {
            let values: Option<Vec<f64>> = arms
                .iter()
                .map(|a| a.iter().find(|(s, _)| *s == seed).map(|&(_, v)| v))
                .collect();
            if let Some(values) = values {
                out.push((seed, f(&values)));
            }
        }
        Arm::PerSeed(out)
    }

    /// The mean over the arm's values (the constant or the one run itself).
    pub fn mean(&self) -> f64 {
        match self {
            Arm::PerSeed(v) if v.is_empty() => f64::NAN,
            Arm::PerSeed(v) => v.iter().map(|(_, x)| x).sum::<f64>() / v.len() as f64,
            Arm::OneRun(x) | Arm::Constant(x) => *x,
        }
    }

    /// `1:98.5;2:97.9` per seed, `one-run:97.2`, `constant:0.5` (numbers in Rust's shortest
    /// round-trip form, so the file recomputes exactly).
    pub fn encode(&self) -> String {
        match self {
            Arm::PerSeed(v) => v
                .iter()
                .map(|(s, x)| format!("{s}:{x}"))
                .collect::<Vec<_>>()
                .join(";"),
            Arm::OneRun(x) => format!("one-run:{x}"),
            Arm::Constant(x) => format!("constant:{x}"),
        }
    }

    pub fn decode(s: &str) -> Option<Arm> {
        if let Some(x) = s.strip_prefix("one-run:") {
            return x.parse().ok().map(Arm::OneRun);
        }
        if let Some(x) = s.strip_prefix("constant:") {
            return x.parse().ok().map(Arm::Constant);
        }
        if s.is_empty() {
            return Some(Arm::PerSeed(Vec::new()));
        }
        s.split(';')
            .map(|pair| {
                let (seed, x) = pair.split_once(':')?;
                Some((seed.parse().ok()?, x.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()
            .map(Arm::PerSeed)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Short stable identifier, e.g. `mnist-table/teacher-beats-distilled`.
    pub id: String,
    /// The paper's claim in words.
    pub statement: String,
    pub lhs_label: String,
    pub lhs: Arm,
    /// The claimed direction of `lhs - rhs`.
    pub relation: Relation,
    pub rhs_label: String,
    pub rhs: Arm,
    /// One of the paper's central claims (its status counts them).
    pub central: bool,
}

/// A claim's verdict and the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub lhs_mean: f64,
    pub rhs_mean: f64,
    /// The paired test, where one is possible.
    pub test: Option<PairedTest>,
    /// Why no test is possible (descriptive claims).
    pub no_test: Option<&'static str>,
}

impl Claim {
    /// A claim between two arms.
    pub fn new(
        id: impl Into<String>,
        statement: impl Into<String>,
        lhs: (&str, Arm),
        relation: Relation,
        rhs: (&str, Arm),
        central: bool,
    ) -> Claim {
        Claim {
            id: id.into(),
            statement: statement.into(),
            lhs_label: lhs.0.into(),
            lhs: lhs.1,
            relation,
            rhs_label: rhs.0.into(),
            rhs: rhs.1,
            central,
        }
    }

    /// The per-seed differences `lhs - rhs` of the seeds both arms have, or why there are none
    /// to test.
    pub fn differences(&self) -> std::result::Result<Vec<f64>, &'static str> {
        let d: Vec<f64> = match (&self.lhs, &self.rhs) {
            (Arm::OneRun(_), _) | (_, Arm::OneRun(_)) => {
                return Err("an arm is one run shared by every seed: no spread to test against");
            }
            (Arm::Constant(_), Arm::Constant(_)) => return Err("no measured arm"),
            (Arm::PerSeed(a), Arm::PerSeed(b)) => a
                .iter()
                .filter_map(|&(s, x)| b.iter().find(|(t, _)| *t == s).map(|&(_, y)| x - y))
                .collect(),
            (Arm::PerSeed(a), Arm::Constant(c)) => a.iter().map(|&(_, x)| x - c).collect(),
            (Arm::Constant(c), Arm::PerSeed(b)) => b.iter().map(|&(_, y)| c - y).collect(),
        };
        if d.len() < 2 {
            return Err("fewer than two seeds pair: no spread to test against");
        }
        if d.iter().any(|x| !x.is_finite()) {
            return Err(
                "a seed's value is not a number (a diverged run, or a ratio undefined for it)",
            );
        }
        Ok(d)
    }

    pub fn assess(&self) -> Assessment {
        let (lhs_mean, rhs_mean) = (self.lhs.mean(), self.rhs.mean());
        match self.differences() {
            Ok(d) => {
                let test = PairedTest::of(&d, self.relation.sign()).expect("checked above");
                Assessment {
                    verdict: test.verdict,
                    lhs_mean,
                    rhs_mean,
                    test: Some(test),
                    no_test: None,
                }
            }
            Err(why) => Assessment {
                verdict: Verdict::Descriptive,
                lhs_mean,
                rhs_mean,
                test: None,
                no_test: Some(why),
            },
        }
    }

    pub fn verdict(&self) -> Verdict {
        self.assess().verdict
    }

    /// Significant in the claimed direction.
    pub fn holds(&self) -> bool {
        self.verdict() == Verdict::Holds
    }

    /// Whether the means lie in the claimed direction (what a descriptive claim reports).
    pub fn direction_kept(&self) -> bool {
        self.relation.holds(self.lhs.mean(), self.rhs.mean())
    }

    /// `lhs label 1.23 vs rhs label 2.34 (claimed <): effect -1.11, 95 % bound <= -0.52,
    /// p = 0.012, n = 3 seeds (paired t)`, with the power of a test that did not show it.
    pub fn evidence(&self) -> String {
        let a = self.assess();
        let means = format!(
            "{} {} vs {} {} (claimed {})",
            self.lhs_label,
            fmt_num(a.lhs_mean),
            self.rhs_label,
            fmt_num(a.rhs_mean),
            self.relation.symbol()
        );
        let Some(t) = a.test else {
            return format!(
                "{means}; {}; no test: {}",
                if self.direction_kept() {
                    "in the claimed direction"
                } else {
                    "against the claimed direction"
                },
                a.no_test.unwrap_or("")
            );
        };
        let bound = if self.relation.sign() > 0.0 {
            format!(">= {}", fmt_signed(t.bound))
        } else {
            format!("<= {}", fmt_signed(t.bound))
        };
        let mut out = format!(
            "{means}: effect {} (95 % one-sided bound {bound}), p = {}, n = {} seeds (paired t, \
             one-sided alpha {ALPHA})",
            fmt_signed(t.effect),
            fmt_p(t.p),
            t.n
        );
        if a.verdict == Verdict::NotShown {
            let detectable = t.detectable_effect();
            out.push_str(&format!(
                "; detectable at {:.0} % power: {}; the observed effect would need {}",
                POWER * 100.0,
                if detectable.is_nan() {
                    "any".to_string()
                } else {
                    fmt_num(detectable)
                },
                match t.seeds_to_detect_observed() {
                    Some(n) => format!("about {n} seeds"),
                    None => "more seeds than any budget".to_string(),
                }
            ));
        }
        out
    }
}

fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        format!("{v:.0}")
    } else if v.abs() >= 0.01 || v == 0.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.3e}")
    }
}

fn fmt_signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", fmt_num(v))
    } else {
        fmt_num(v)
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

const HEADER: [&str; 15] = [
    "id",
    "statement",
    "central",
    "lhs_label",
    "lhs",
    "lhs_mean",
    "relation",
    "rhs_label",
    "rhs",
    "rhs_mean",
    "n",
    "effect",
    "bound",
    "p",
    "verdict",
];

pub fn claims_table(claims: &[Claim]) -> Table {
    let mut t = Table::new(&HEADER);
    for c in claims {
        let a = c.assess();
        let num = |x: Option<f64>| x.map(|x| format!("{x}")).unwrap_or_default();
        t.push(vec![
            c.id.clone(),
            c.statement.clone(),
            c.central.to_string(),
            c.lhs_label.clone(),
            c.lhs.encode(),
            format!("{}", a.lhs_mean),
            c.relation.symbol().into(),
            c.rhs_label.clone(),
            c.rhs.encode(),
            format!("{}", a.rhs_mean),
            a.test.map(|t| t.n.to_string()).unwrap_or_default(),
            num(a.test.map(|t| t.effect)),
            num(a.test.map(|t| t.bound)),
            num(a.test.map(|t| t.p)),
            a.verdict.word().into(),
        ]);
    }
    t
}

/// Reads `claims.csv`, recomputing each verdict from its arms; a stored verdict, mean,
/// effect, bound or p that disagrees with the arms is an error (the file was edited or the
/// writer is broken).
pub fn read_claims(path: &Path) -> Result<Vec<Claim>> {
    let t = Table::read(path)?;
    if t.header != HEADER {
        return Err(KdError::Report(format!(
            "{}: unexpected header {:?} (written before the tested verdicts? rerun the \
             experiment or `kd-check refresh` its directory)",
            path.display(),
            t.header
        )));
    }
    let bad = |row: usize, what: &str| {
        KdError::Report(format!("{}: row {}: {what}", path.display(), row + 2))
    };
    t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let arm = |s: &str| Arm::decode(s).ok_or_else(|| bad(i, "an arm is not readable"));
            let claim = Claim {
                id: r[0].clone(),
                statement: r[1].clone(),
                central: r[2]
                    .parse()
                    .map_err(|_| bad(i, "central is not true/false"))?,
                lhs_label: r[3].clone(),
                lhs: arm(&r[4])?,
                relation: Relation::parse(&r[6]).ok_or_else(|| bad(i, "unknown relation"))?,
                rhs_label: r[7].clone(),
                rhs: arm(&r[8])?,
            };
            let a = claim.assess();
            let stored_matches = |cell: &str, value: Option<f64>| match value {
                None => cell.is_empty(),
                Some(v) => cell.parse::<f64>().is_ok_and(|s| close(s, v)),
            };
            let numbers_agree = stored_matches(&r[5], Some(a.lhs_mean))
                && stored_matches(&r[9], Some(a.rhs_mean))
                && (r[10].is_empty() == a.test.is_none())
                && a.test.is_none_or(|t| r[10] == t.n.to_string())
                && stored_matches(&r[11], a.test.map(|t| t.effect))
                && stored_matches(&r[12], a.test.map(|t| t.bound))
                && stored_matches(&r[13], a.test.map(|t| t.p));
            if !numbers_agree {
                return Err(bad(i, "stored means or test disagree with its own arms"));
            }
            if Verdict::parse(&r[14]) != Some(a.verdict) {
                return Err(bad(i, "stored verdict disagrees with its own arms"));
            }
            Ok(claim)
        })
        .collect()
}

/// Equal up to the last bits a different libm could change; NaN equals NaN (an empty arm).
fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_seed(values: &[f64]) -> Arm {
        Arm::PerSeed(
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as u64 + 1, v))
                .collect(),
        )
    }

    fn claim(lhs: Arm, rhs: Arm) -> Claim {
        Claim::new(
            "x/y",
            "a beats b",
            ("a", lhs),
            Relation::Greater,
            ("b", rhs),
            true,
        )
    }

    #[test]
    fn verdicts_pair_by_seed() {
        // The same means, but seed 3's arm b is missing: only seeds 1 and 2 pair.
        let c = claim(
            per_seed(&[2.0, 3.0, 10.0]),
            Arm::PerSeed(vec![(1, 1.0), (2, 1.5)]),
        );
        assert_eq!(c.differences().unwrap(), [1.0, 1.5]);
        // Arms whose seed-to-seed spread is large but whose differences are steady: pairing
        // makes the claim hold where unpaired means would not separate.
        let c = claim(
            per_seed(&[70.0, 80.0, 90.0, 75.0]),
            per_seed(&[69.0, 79.2, 89.1, 74.0]),
        );
        assert_eq!(c.verdict(), Verdict::Holds);
        // A threshold: a per-seed statistic against a constant.
        let c = claim(per_seed(&[0.9, 0.8, 0.95]), Arm::Constant(0.5));
        assert_eq!(c.verdict(), Verdict::Holds);
        let c = claim(per_seed(&[0.9, 0.1, 0.55]), Arm::Constant(0.5));
        assert_eq!(c.verdict(), Verdict::NotShown);
        assert!(c.evidence().contains("would need"), "{}", c.evidence());
    }

    #[test]
    fn one_run_arms_and_single_seeds_are_descriptive() {
        let c = claim(Arm::OneRun(99.0), per_seed(&[97.0, 98.0, 97.5]));
        assert_eq!(c.verdict(), Verdict::Descriptive);
        assert!(c.direction_kept());
        assert!(!c.holds(), "a comparison resting on one run can never hold");
        let c = claim(per_seed(&[2.0]), per_seed(&[1.0]));
        assert_eq!(c.verdict(), Verdict::Descriptive);
        let c = claim(per_seed(&[2.0, f64::NAN]), per_seed(&[1.0, 1.0]));
        assert_eq!(c.verdict(), Verdict::Descriptive);
        // No difference at all on any seed (a mutant whose arms are the same runs): fails.
        let c = claim(per_seed(&[2.0, 3.0]), per_seed(&[2.0, 3.0]));
        assert_eq!(c.verdict(), Verdict::Fails);
    }

    #[test]
    fn combine_aligns_seeds() {
        let a = [(1, 10.0), (2, 20.0), (3, 30.0)];
        let b = [(2, 2.0), (3, 3.0)];
        assert_eq!(
            Arm::combine(&[&a, &b], |v| v[0] / v[1]),
            Arm::PerSeed(vec![(2, 10.0), (3, 10.0)])
        );
    }

    #[test]
    fn arms_round_trip() {
        for arm in [
            per_seed(&[98.123_456_789, 0.1 + 0.2]),
            Arm::OneRun(97.25),
            Arm::Constant(0.5),
            Arm::PerSeed(Vec::new()),
        ] {
            assert_eq!(Arm::decode(&arm.encode()), Some(arm));
        }
        assert_eq!(Arm::decode("1:x"), None);
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("claims.csv");
        let holding = claim(per_seed(&[2.0, 3.0, 2.5]), per_seed(&[1.0, 1.9, 1.4]));
        let failing = claim(per_seed(&[1.0, 1.9, 1.4]), per_seed(&[2.0, 3.0, 2.5]));
        claims_table(&[holding.clone(), failing.clone()])
            .write(&p)
            .unwrap();
        let back = read_claims(&p).unwrap();
        assert_eq!(back, [holding, failing]);
        assert!(back[0].holds());
        assert_eq!(back[1].verdict(), Verdict::Contradicted);
        let original = std::fs::read_to_string(&p).unwrap();
        // A verdict edited by hand.
        std::fs::write(&p, original.replace(",contradicted", ",holds")).unwrap();
        let e = read_claims(&p).unwrap_err().to_string();
        assert!(e.contains("verdict disagrees"), "{e}");
        // A seed's value edited by hand (the stored effect and p no longer follow).
        std::fs::write(&p, original.replacen("1:2;", "1:9;", 1)).unwrap();
        let e = read_claims(&p).unwrap_err().to_string();
        assert!(e.contains("disagree"), "{e}");
    }
}
