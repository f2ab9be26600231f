//! Checks behind CI's comparison step: a fresh run's CSV tables against committed ones, and a
//! results directory's claims against the claims recomputed from its tables.
//!
//! # Why tolerances come from the spread between seeds
//!
//! The pipeline is deterministic on one machine (the same seed twice gives identical tables;
//! tested), but its floating-point path depends on the CPU: Burn's kernels pick SIMD paths at
//! run time, and a different summation order makes a training run diverge like a fresh seed
//! (measured: the same seeds on an AVX-512 machine moved a teacher from 52 to 49 test
//! errors). So across machines a run is another draw from the same distribution, and the only
//! honest tolerance is one measured from that distribution: the spread between seeds.
//!
//! Result tables follow one convention: the columns before `seed` name a configuration (a
//! *group*: model, width, temperature, ...), the columns after it are measurements. For every
//! measurement column, the mean over seeds of each group is compared, allowing
//! `k * s * sqrt(1 / n_expected + 1 / n_actual)`, where `s` is the column's within-group
//! standard deviation pooled over all groups of the expected run (in the column's own units)
//! and `n` the seeds per group: `k` standard errors of a difference of two means. The spread is
//! the expected run's only, so a change that makes training noisier does not widen its own
//! tolerance. A column whose values span more than two decades (e.g. test MSEs of different
//! functions) is compared on log10 of its values, so small entries are not judged by the
//! spread of large ones. Non-finite values (a diverged fit's `inf`) are left out of the
//! means; the row's `status` text must match. Counts fixed by the configuration (`epochs`,
//! `repeats`, `train_images`, `*_total`), group names, seeds and text cells must match
//! exactly. Tables with one seed per group have no spread: they are compared exactly
//! (meaningful on one machine only).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{KdError, Result};
use crate::report::claims::{Arm, CentralClaim, Claim, read_claims};
use crate::report::table::Table;
use crate::report::verdict::Verdict;

/// How many standard errors a group mean may move between two runs. Five keeps a run of a
/// few hundred compared cells free of false alarms when each cell's difference is roughly
/// normal; see the module documentation.
pub const DEFAULT_STANDARD_ERRORS: f64 = 5.0;

/// How two result tables are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    /// Every cell identical (one machine: determinism).
    Exact,
    /// Group means within `standard_errors` standard errors of their difference.
    SeedSpread { standard_errors: f64 },
}

fn is_result_table(name: &str) -> bool {
    name.ends_with(".csv") && !name.ends_with("claims.csv")
}

/// Compares every result table (`*.csv` except claims) of `expected` with the same file in
/// `actual`; returns one line per disagreement (empty when everything agrees).
pub fn compare_dirs(expected: &Path, actual: &Path, how: Comparison) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(expected)
        .map_err(|e| KdError::io(expected, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_result_table(n))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(KdError::Report(format!(
            "{} holds no result tables to compare against",
            expected.display()
        )));
    }
    let mut problems = Vec::new();
    let extra = std::fs::read_dir(actual)
        .map_err(|e| KdError::io(actual, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_result_table(n) && !names.contains(n));
    for name in extra {
        problems.push(format!(
            "{name}: in {} but not in {}",
            actual.display(),
            expected.display()
        ));
    }
    for name in names {
        let got_path = actual.join(&name);
        if !got_path.is_file() {
            problems.push(format!("{name}: missing from {}", actual.display()));
            continue;
        }
        let want = Table::read(&expected.join(&name))?;
        let got = Table::read(&got_path)?;
        problems.extend(compare_tables(&name, &want, &got, how));
    }
    Ok(problems)
}

/// One disagreement per line; empty when `got` agrees with `want`.
pub fn compare_tables(name: &str, want: &Table, got: &Table, how: Comparison) -> Vec<String> {
    if want.header != got.header {
        return vec![format!(
            "{name}: header {:?} differs from {:?}",
            got.header, want.header
        )];
    }
    if want.rows.len() != got.rows.len() {
        return vec![format!(
            "{name}: {} rows, expected {}",
            got.rows.len(),
            want.rows.len()
        )];
    }
    let seed_col = want.column("seed");
    match (how, seed_col) {
        (Comparison::SeedSpread { standard_errors }, Some(seed)) => {
            compare_by_spread(name, want, got, seed, standard_errors)
        }
        _ => compare_exactly(name, want, got),
    }
}

fn same_cell(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

fn compare_exactly(name: &str, want: &Table, got: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for (r, (w, g)) in want.rows.iter().zip(&got.rows).enumerate() {
        for (c, (wc, gc)) in w.iter().zip(g).enumerate() {
            if !same_cell(wc, gc) {
                out.push(format!(
                    "{name}: row {} column `{}`: got {gc}, expected {wc}",
                    r + 1,
                    want.header[c]
                ));
            }
        }
    }
    out
}

/// Rows grouped by the cells before the seed column, in order of first appearance:
/// (group key, row indices).
fn groups(t: &Table, seed: usize) -> Vec<(Vec<String>, Vec<usize>)> {
    let mut out: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        let key = r[..seed].to_vec();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sample_variance(v: &[f64]) -> Option<f64> {
    (v.len() > 1).then(|| {
        let m = mean(v);
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    })
}

fn compare_by_spread(
    name: &str,
    want: &Table,
    got: &Table,
    seed: usize,
    standard_errors: f64,
) -> Vec<String> {
    let want_groups = groups(want, seed);
    let got_groups = groups(got, seed);
    let keys = |g: &[(Vec<String>, Vec<usize>)]| g.iter().map(|(k, _)| k.clone()).collect();
    let (wk, gk): (Vec<Vec<String>>, Vec<Vec<String>>) = (keys(&want_groups), keys(&got_groups));
    if wk != gk {
        return vec![format!(
            "{name}: configurations {gk:?} differ from the expected {wk:?}"
        )];
    }
    let seeds = |t: &Table, rows: &[usize]| -> Vec<String> {
        rows.iter().map(|&i| t.rows[i][seed].clone()).collect()
    };
    let mut out = Vec::new();
    for ((key, wr), (_, gr)) in want_groups.iter().zip(&got_groups) {
        if seeds(want, wr) != seeds(got, gr) {
            out.push(format!(
                "{name}: {key:?}: seeds {:?}, expected {:?}",
                seeds(got, gr),
                seeds(want, wr)
            ));
        }
    }
    if !out.is_empty() {
        return out;
    }
    let single_seed = want_groups.iter().all(|(_, rows)| rows.len() < 2);
    if single_seed {
        return compare_exactly(name, want, got);
    }
    for col in seed + 1..want.header.len() {
        out.extend(compare_column(
            name,
            want,
            got,
            seed,
            col,
            &want_groups,
            &got_groups,
            standard_errors,
        ));
    }
    out
}

/// The finite values of `col` per group (a diverged run's `inf` is left out of the means; its
/// `status` column says so and is compared as text), or `None` when a cell is not a number.
fn numeric_groups(
    t: &Table,
    col: usize,
    groups: &[(Vec<String>, Vec<usize>)],
) -> Option<Vec<Vec<f64>>> {
    groups
        .iter()
        .map(|(_, rows)| {
            let values = rows
                .iter()
                .map(|&i| t.rows[i][col].parse::<f64>().ok())
                .collect::<Option<Vec<f64>>>()?;
            Some(values.into_iter().filter(|v| v.is_finite()).collect())
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn compare_column(
    name: &str,
    want: &Table,
    got: &Table,
    seed: usize,
    col: usize,
    want_groups: &[(Vec<String>, Vec<usize>)],
    got_groups: &[(Vec<String>, Vec<usize>)],
    standard_errors: f64,
) -> Vec<String> {
    let column = &want.header[col];
    let (mut w, mut g) = match (
        numeric_groups(want, col, want_groups),
        numeric_groups(got, col, got_groups),
    ) {
        (Some(w), Some(g)) if !is_fixed_count(column) => (w, g),
        // Text cells, and counts fixed by the configuration (epochs, totals): cell by cell.
        _ => {
            let why = if is_fixed_count(column) {
                " (a count fixed by the configuration)"
            } else {
                ""
            };
            let mut out = Vec::new();
            for ((key, wr), (_, gr)) in want_groups.iter().zip(got_groups) {
                for (&i, &j) in wr.iter().zip(gr) {
                    if !same_cell(&want.rows[i][col], &got.rows[j][col]) {
                        out.push(format!(
                            "{name}: {key:?} seed {} column `{column}`: got {}, expected {}{why}",
                            want.rows[i][seed], got.rows[j][col], want.rows[i][col]
                        ));
                    }
                }
            }
            return out;
        }
    };
    let log_scale = spans_decades(&w) && g.iter().flatten().all(|&v| v > 0.0);
    if log_scale {
        for v in w.iter_mut().chain(g.iter_mut()).flatten() {
            *v = v.log10();
        }
    }
    // The spread is the expected run's only: a change that made training noisier must not
    // widen its own tolerance.
    let variances: Vec<f64> = w.iter().filter_map(|v| sample_variance(v)).collect();
    let pooled_sd = (variances.iter().sum::<f64>() / variances.len().max(1) as f64).sqrt();
    let mut out = Vec::new();
    for (i, (key, _)) in want_groups.iter().enumerate() {
        let (nw, ng) = (w[i].len(), g[i].len());
        // A seed whose value turned NaN or infinite (or the reverse) is a mismatch by itself:
        // the mean over the remaining seeds must not hide it (issue 20).
        if nw != ng {
            out.push(format!(
                "{name}: {key:?} column `{column}`: {ng} finite values, expected {nw} (a value \
                 is NaN or infinite in one run and finite in the other)"
            ));
            continue;
        }
        if nw == 0 {
            continue;
        }
        let (mw, mg) = (mean(&w[i]), mean(&g[i]));
        let allowed = standard_errors * pooled_sd * (1.0 / nw as f64 + 1.0 / ng as f64).sqrt();
        if (mw - mg).abs() > allowed {
            let unit = if log_scale { "log10 " } else { "" };
            out.push(format!(
                "{name}: {key:?} column `{column}`: mean over seeds {unit}{mg:.6}, expected \
                 {mw:.6} ± {allowed:.6} ({standard_errors} standard errors; seed spread \
                 {pooled_sd:.6} pooled over the column of the expected run)"
            ));
        }
    }
    out
}

/// Columns that hold counts fixed by the configuration rather than measurements: `epochs`,
/// `repeats`, `train_images` and every `*_total`.
pub fn is_fixed_count(column: &str) -> bool {
    matches!(column, "epochs" | "repeats" | "train_images") || column.ends_with("_total")
}

/// True when the column's values are all positive and their group means span more than a
/// factor of 100.
fn spans_decades(groups: &[Vec<f64>]) -> bool {
    if !groups.iter().flatten().all(|&v| v > 0.0) {
        return false;
    }
    let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
    let lo = means.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = means.iter().cloned().fold(0.0, f64::max);
    hi > 100.0 * lo
}

/// What [`verify_claims`] found.
#[derive(Debug, Default)]
pub struct ClaimReport {
    /// Inconsistencies between claims.csv and the tables, and results whose provenance names
    /// an uncommitted code version; CI fails on any.
    pub problems: Vec<String>,
    /// Central claims of the paper this directory's experiments do not compute (listed, not
    /// fatal: a `ci` profile may run a part of the paper).
    pub central_missing: Vec<String>,
}

/// Checks `dir/claims.csv` against the claims recomputed from `dir`'s tables by the paper's
/// own code: every claim present in both with the same arms, relation and central flag (its
/// verdict, effect and p follow from the arms and are checked when the file is read), no
/// claim only in the file; and that `dir/summary.md` names a committed code version.
pub fn verify_claims(
    dir: &Path,
    central: &[CentralClaim],
    recomputed: &[Claim],
) -> Result<ClaimReport> {
    let path = dir.join("claims.csv");
    if !path.is_file() {
        return Err(KdError::Report(format!(
            "{} does not exist; run the reproduction first",
            path.display()
        )));
    }
    let rows = read_claims(&path)?;
    let mut report = ClaimReport::default();
    let mut stored: BTreeMap<String, Claim> = BTreeMap::new();
    for c in rows {
        if stored.contains_key(&c.id) {
            report.problems.push(format!(
                "{}: claims.csv lists it twice (the file was edited)",
                c.id
            ));
        }
        stored.insert(c.id.clone(), c);
    }
    for c in recomputed {
        match stored.get(&c.id) {
            None => report.problems.push(format!(
                "{}: recomputed from the tables but absent from {}",
                c.id,
                path.display()
            )),
            Some(s) => {
                if !arms_agree(&s.lhs, &c.lhs)
                    || !arms_agree(&s.rhs, &c.rhs)
                    || s.relation != c.relation
                {
                    report.problems.push(format!(
                        "{}: claims.csv says {}, the tables give {}",
                        c.id,
                        s.evidence(),
                        c.evidence()
                    ));
                }
                if (&s.statement, &s.lhs_label, &s.rhs_label)
                    != (&c.statement, &c.lhs_label, &c.rhs_label)
                {
                    report.problems.push(format!(
                        "{}: claims.csv words it \"{}\" ({} vs {}), the paper's code \"{}\" ({} \
                         vs {})",
                        c.id,
                        s.statement,
                        s.lhs_label,
                        s.rhs_label,
                        c.statement,
                        c.lhs_label,
                        c.rhs_label
                    ));
                }
                if s.central != c.central {
                    report.problems.push(format!(
                        "{}: claims.csv marks it central = {}, the paper's list says {}",
                        c.id, s.central, c.central
                    ));
                }
            }
        }
    }
    for id in stored.keys() {
        if !recomputed.iter().any(|c| &c.id == id) {
            report.problems.push(format!(
                "{id}: in claims.csv but not recomputable from the tables in {}",
                dir.display()
            ));
        }
    }
    report.problems.extend(provenance_problems(dir)?);
    report.central_missing = central
        .iter()
        .filter(|r| !recomputed.iter().any(|c| c.id == r.id))
        .map(|r| r.id.to_string())
        .collect();
    Ok(report)
}

/// `summary.md`'s provenance must name a committed code version: results from a tree with
/// uncommitted changes (`-dirty`) cannot be reproduced from any commit.
pub fn provenance_problems(dir: &Path) -> Result<Vec<String>> {
    let summary = dir.join("summary.md");
    if !summary.is_file() {
        return Ok(vec![format!(
            "{} does not exist: results without their provenance",
            summary.display()
        )]);
    }
    let text = std::fs::read_to_string(&summary).map_err(|e| KdError::io(&summary, e))?;
    Ok(text
        .lines()
        .filter(|l| l.contains("-dirty`"))
        .map(|l| {
            format!(
                "{}: produced by code with uncommitted changes ({}); rerun from a clean commit",
                summary.display(),
                l.trim()
            )
        })
        .collect())
}

fn arms_agree(a: &Arm, b: &Arm) -> bool {
    let close = |x: f64, y: f64| {
        x == y || (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * x.abs().max(y.abs())
    };
    match (a, b) {
        (Arm::PerSeed(a), Arm::PerSeed(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((s, x), (t, y))| s == t && close(*x, *y))
        }
        (Arm::OneRun(x), Arm::OneRun(y)) | (Arm::Constant(x), Arm::Constant(y)) => close(*x, *y),
        _ => false,
    }
}

/// The largest chance of reversing on a new draw that a gated claim may have. A claim that
/// holds with p near alpha on 3 seeds reverses on a fresh draw several times in a hundred
/// (p = 0.04 on 3 seeds: 7 %); gating it would make CI fail on unchanged commits. Such a claim
/// is reported as established but not gated, and its profile needs more seeds to guard it.
pub const MAX_GATE_FLIP: f64 = 0.01;

/// What [`gate`] found: CI's rule for a fresh run against the committed `ci` results.
#[derive(Debug, Default)]
pub struct GateReport {
    /// The committed claims that hold (established) with a flip probability of at most
    /// [`MAX_GATE_FLIP`], each with the chance that an unchanged commit's fresh run on another
    /// machine reverses its direction.
    pub gated: Vec<(String, f64)>,
    /// Claims that hold in the committed results but reverse too easily to gate.
    pub too_fragile: Vec<(String, f64)>,
    /// Established claims that fail, are contradicted or are missing in the fresh run.
    pub problems: Vec<String>,
}

impl GateReport {
    /// The chance that at least one gated claim flips on an unchanged commit (the gate's
    /// false-alarm rate), treating the claims as independent.
    pub fn false_alarm_rate(&self) -> f64 {
        1.0 - self.gated.iter().map(|(_, p)| 1.0 - p).product::<f64>()
    }
}

/// CI's gate: every claim that **holds** in the committed results, and whose chance of
/// reversing on a new draw is at most [`MAX_GATE_FLIP`], must be present in the fresh run and
/// must not fail there (fails or contradicted); claims not shown in the committed results are
/// never gates. A fresh run on another CPU is a new draw, so a gate "must hold again" would
/// fail about half the time on a claim whose p sits near alpha; "must not reverse" fails with
/// the probability [`PairedTest::flip_probability`] reports (tested).
///
/// [`PairedTest::flip_probability`]: crate::report::verdict::PairedTest::flip_probability
pub fn gate(committed: &[Claim], fresh: &[Claim]) -> GateReport {
    let mut report = GateReport::default();
    for c in committed.iter().filter(|c| c.holds()) {
        let flip = c
            .assess()
            .test
            .map(|t| t.flip_probability())
            .unwrap_or(f64::NAN);
        if flip.is_nan() || flip > MAX_GATE_FLIP {
            report.too_fragile.push((c.id.clone(), flip));
            continue;
        }
        report.gated.push((c.id.clone(), flip));
        match fresh.iter().find(|f| f.id == c.id) {
            None => report.problems.push(format!(
                "{}: holds in the committed results but the fresh run does not compute it",
                c.id
            )),
            Some(f) if f.verdict() == Verdict::Descriptive => report.problems.push(format!(
                "{}: holds in the committed results ({}) but cannot be tested in the fresh run \
                 ({}): {}",
                c.id,
                c.evidence(),
                f.assess().no_test.unwrap_or("no test"),
                f.evidence()
            )),
            Some(f) if f.verdict().against() => report.problems.push(format!(
                "{}: holds in the committed results ({}) but {} in the fresh run: {} — {}",
                c.id,
                c.evidence(),
                f.verdict().word(),
                f.statement,
                f.evidence()
            )),
            Some(_) => {}
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::{Relation, claims_table};

    fn table(rows: &[(&str, u64, f64)]) -> Table {
        let mut t = Table::new(&["model", "seed", "errors", "test_total"]);
        for (m, s, e) in rows {
            t.push(vec![
                m.to_string(),
                s.to_string(),
                e.to_string(),
                "100".into(),
            ]);
        }
        t
    }

    fn reference() -> Table {
        table(&[
            ("a", 1, 10.0),
            ("a", 2, 12.0),
            ("a", 3, 11.0),
            ("b", 1, 20.0),
            ("b", 2, 21.0),
            ("b", 3, 22.0),
        ])
    }

    const SPREAD: Comparison = Comparison::SeedSpread {
        standard_errors: DEFAULT_STANDARD_ERRORS,
    };

    #[test]
    fn group_means_within_the_seed_spread_agree() {
        // Seed spread 1 in both groups: 5 standard errors of a difference of means of 3 = 4.08.
        let other = table(&[
            ("a", 1, 13.0),
            ("a", 2, 14.0),
            ("a", 3, 12.0),
            ("b", 1, 22.0),
            ("b", 2, 20.0),
            ("b", 3, 21.0),
        ]);
        assert!(compare_tables("t", &reference(), &other, SPREAD).is_empty());
        let mut shifted = reference();
        for r in shifted.rows.iter_mut().filter(|r| r[0] == "b") {
            r[2] = (r[2].parse::<f64>().unwrap() + 5.0).to_string();
        }
        let bad = compare_tables("t", &reference(), &shifted, SPREAD);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(
            bad[0].contains("[\"b\"]") && bad[0].contains("`errors`"),
            "{bad:?}"
        );
        // Exact mode sees every changed cell.
        assert_eq!(
            compare_tables("t", &reference(), &shifted, Comparison::Exact).len(),
            3
        );
    }

    #[test]
    fn a_seed_turned_nan_or_infinite_is_a_mismatch() {
        for bad_value in [f64::NAN, f64::INFINITY] {
            let mut lost = reference();
            lost.rows[1][2] = bad_value.to_string();
            let bad = compare_tables("t", &reference(), &lost, SPREAD);
            assert_eq!(bad.len(), 1, "{bad:?}");
            assert!(bad[0].contains("2 finite values, expected 3"), "{bad:?}");
            // Every seed of a group lost, and the reverse direction.
            for r in lost.rows.iter_mut().filter(|r| r[0] == "a") {
                r[2] = bad_value.to_string();
            }
            assert!(!compare_tables("t", &reference(), &lost, SPREAD).is_empty());
            assert!(!compare_tables("t", &lost, &reference(), SPREAD).is_empty());
        }
    }

    #[test]
    fn constant_columns_groups_and_seeds_must_match_exactly() {
        let mut other = reference();
        other.rows[0][3] = "101".into();
        let bad = compare_tables("t", &reference(), &other, SPREAD);
        assert!(bad[0].contains("`test_total`"), "{bad:?}");
        let mut renamed = reference();
        renamed.rows[0][0] = "c".into();
        assert!(compare_tables("t", &reference(), &renamed, SPREAD)[0].contains("configurations"));
        let mut reseeded = reference();
        reseeded.rows[0][1] = "9".into();
        assert!(compare_tables("t", &reference(), &reseeded, SPREAD)[0].contains("seeds"));
    }

    #[test]
    fn columns_spanning_decades_are_compared_on_log_scale() {
        let mk = |small: f64| {
            let mut t = Table::new(&["f", "seed", "mse"]);
            for (f, base) in [("big", 1.0), ("small", small)] {
                for (s, x) in [(1, 1.0), (2, 1.2), (3, 0.8)] {
                    t.push(vec![f.into(), s.to_string(), (base * x).to_string()]);
                }
            }
            t
        };
        // A 70-fold growth of a 3e-4 MSE is far inside the linear spread of the 1.0 entries,
        // but not on log scale.
        let bad = compare_tables("t", &mk(3e-4), &mk(2e-2), SPREAD);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].contains("log10"), "{bad:?}");
        assert!(compare_tables("t", &mk(3e-4), &mk(3.3e-4), SPREAD).is_empty());
    }

    #[test]
    fn single_seed_tables_are_compared_exactly() {
        let one = table(&[("a", 1, 10.0), ("b", 1, 20.0)]);
        let other = table(&[("a", 1, 10.5), ("b", 1, 20.0)]);
        assert_eq!(compare_tables("t", &one, &other, SPREAD).len(), 1);
    }

    #[test]
    fn directories_are_compared_file_by_file() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        reference().write(&a.path().join("x.csv")).unwrap();
        let missing = compare_dirs(a.path(), b.path(), Comparison::Exact).unwrap();
        assert!(missing[0].contains("missing"), "{missing:?}");
        reference().write(&b.path().join("x.csv")).unwrap();
        assert!(
            compare_dirs(a.path(), b.path(), Comparison::Exact)
                .unwrap()
                .is_empty()
        );
    }

    fn claim(id: &str, lhs: &[f64], central: bool) -> Claim {
        let seeds = |v: &[f64]| Arm::PerSeed((1..).zip(v.iter().copied()).collect());
        Claim::new(
            id,
            "a beats b",
            ("a", seeds(lhs)),
            Relation::Less,
            ("b", seeds(&[2.0, 2.1, 1.9])),
            central,
        )
    }

    const CENTRAL: [CentralClaim; 2] = [
        CentralClaim {
            id: "x/central",
            paper_quote: "a is better than b",
        },
        CentralClaim {
            id: "x/elsewhere",
            paper_quote: "computed by another profile",
        },
    ];

    fn provenance(dir: &Path, code: &str) {
        std::fs::write(
            dir.join("summary.md"),
            format!("- device `cpu`, code `{code}`; ...\n"),
        )
        .unwrap();
    }

    #[test]
    fn claims_are_recomputed_and_checked_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        provenance(dir.path(), "2fecfe05bbca");
        let good = [
            claim("x/central", &[1.0, 1.1, 0.8], true),
            claim("x/reported", &[3.0, 2.0, 1.0], false),
        ];
        claims_table(&good)
            .write(&dir.path().join("claims.csv"))
            .unwrap();
        let r = verify_claims(dir.path(), &CENTRAL, &good).unwrap();
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.central_missing, ["x/elsewhere"]);

        // The file's numbers disagree with the tables.
        let edited = [claim("x/central", &[1.0, 1.1, 0.9], true), good[1].clone()];
        let r = verify_claims(dir.path(), &CENTRAL, &edited).unwrap();
        assert!(
            r.problems[0].contains("the tables give"),
            "{:?}",
            r.problems
        );
        // The central flag disagrees with the paper's list.
        let relabelled = [claim("x/central", &[1.0, 1.1, 0.8], false), good[1].clone()];
        let r = verify_claims(dir.path(), &CENTRAL, &relabelled).unwrap();
        assert!(r.problems[0].contains("central"), "{:?}", r.problems);

        // Reworded, or listed twice.
        let mut reworded = good.clone();
        reworded[1].statement = "b beats a".into();
        claims_table(&reworded)
            .write(&dir.path().join("claims.csv"))
            .unwrap();
        let r = verify_claims(dir.path(), &CENTRAL, &good).unwrap();
        assert!(r.problems[0].contains("words it"), "{:?}", r.problems);
        claims_table(&[good[0].clone(), good[0].clone(), good[1].clone()])
            .write(&dir.path().join("claims.csv"))
            .unwrap();
        let r = verify_claims(dir.path(), &CENTRAL, &good).unwrap();
        assert!(r.problems[0].contains("twice"), "{:?}", r.problems);
        claims_table(&good)
            .write(&dir.path().join("claims.csv"))
            .unwrap();

        // A claim only in the file.
        let r = verify_claims(dir.path(), &CENTRAL, &good[..1]).unwrap();
        assert!(
            r.problems[0].contains("not recomputable"),
            "{:?}",
            r.problems
        );

        // Results produced from a tree with uncommitted changes.
        provenance(dir.path(), "2fecfe05bbca-dirty");
        let r = verify_claims(dir.path(), &CENTRAL, &good).unwrap();
        assert!(r.problems[0].contains("uncommitted"), "{:?}", r.problems);
    }

    #[test]
    fn the_gate_refuses_only_established_claims_that_reverse() {
        let established = claim("x/central", &[1.0, 1.1, 0.8], true);
        let noise = claim("x/reported", &[1.0, 3.0, 1.9], false);
        assert!(established.holds());
        assert_eq!(noise.verdict(), crate::report::Verdict::NotShown);
        let committed = [established.clone(), noise.clone()];
        // A fresh draw where the established claim is only not shown passes.
        let weaker = claim("x/central", &[1.9, 1.6, 2.3], true);
        assert_eq!(weaker.verdict(), crate::report::Verdict::NotShown);
        // ... and the noise claim reversing is no gate.
        let reversed_noise = claim("x/reported", &[3.0, 3.0, 2.5], false);
        let r = gate(&committed, &[weaker, reversed_noise.clone()]);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.gated.len(), 1);
        assert!(r.false_alarm_rate() > 0.0 && r.false_alarm_rate() <= MAX_GATE_FLIP);
        // A claim that holds near alpha (p = 0.04 on 3 seeds) reverses too often to gate.
        let fragile = claim("x/fragile", &[1.0, 1.8, 1.3], false);
        assert!(fragile.holds());
        let r = gate(&[fragile], &[claim("x/fragile", &[3.0, 3.0, 3.0], false)]);
        assert!(r.problems.is_empty() && r.gated.is_empty(), "{r:?}");
        assert_eq!(r.too_fragile.len(), 1);
        // Every seed's difference the same (a quantised metric): holds, with nothing to
        // estimate a new draw from (flip probability NaN), so never gated.
        let steady = Claim::new(
            "x/steady",
            "a beats b",
            ("a", Arm::PerSeed(vec![(1, 1.0), (2, 2.0), (3, 3.0)])),
            Relation::Less,
            ("b", Arm::PerSeed(vec![(1, 2.0), (2, 3.0), (3, 4.0)])),
            false,
        );
        assert!(steady.holds());
        let r = gate(std::slice::from_ref(&steady), &[]);
        assert!(r.gated.is_empty() && r.problems.is_empty(), "{r:?}");
        assert_eq!(r.too_fragile.len(), 1);
        // The established claim reversing (a mutant without distillation: no difference)
        // fails the gate, and so does its absence.
        let reversed = claim("x/central", &[2.1, 2.2, 1.8], true);
        let r = gate(&committed, &[reversed, reversed_noise.clone()]);
        assert!(
            r.problems[0].contains("fails in the fresh run"),
            "{:?}",
            r.problems
        );
        // ... or where every seed's difference is zero (a mutant without distillation) ...
        let mutant = claim("x/central", &[2.0, 2.1, 1.9], true);
        let r = gate(&committed, &[mutant, reversed_noise.clone()]);
        assert!(
            r.problems[0].contains("fails in the fresh run"),
            "{:?}",
            r.problems
        );
        // ... or where it cannot be tested any more (a seed's value turned NaN).
        let lost = claim("x/central", &[f64::NAN, 1.1, 0.8], true);
        let r = gate(&committed, &[lost, reversed_noise.clone()]);
        assert!(
            r.problems[0].contains("cannot be tested"),
            "{:?}",
            r.problems
        );
        let r = gate(&committed, &[reversed_noise]);
        assert!(
            r.problems[0].contains("does not compute"),
            "{:?}",
            r.problems
        );
    }
}
