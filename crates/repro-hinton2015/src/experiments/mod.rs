//! One module per experiment of the paper; each writes `<name>.csv`, `<name>.svg` and its
//! summary section into the output directory.

pub mod mnist_table;
pub mod omitted_digit;
pub mod only_7_8;
pub mod soft_regularizer;
pub mod temperature_sweep;

use kd_core::Result;
use kd_core::report::{Claim, MeanStd, Table};
use kd_core::train::TrainedRun;

/// The experiment names, in the paper's order (`--only` takes these).
pub const ALL: [&str; 5] = [
    "mnist-table",
    "temperature-sweep",
    "omitted-digit",
    "only-7-8",
    "soft-regularizer",
];

/// The claims of experiment `name`, computed from its table (the one code path for the
/// experiment itself and for `kd-check claims`).
pub fn claims_of(name: &str, table: &Table) -> Result<Vec<Claim>> {
    match name {
        mnist_table::NAME => mnist_table::claims(table),
        temperature_sweep::NAME => temperature_sweep::claims(table),
        omitted_digit::NAME => omitted_digit::claims(table),
        only_7_8::NAME => only_7_8::claims(table),
        soft_regularizer::NAME => soft_regularizer::claims(table),
        other => Err(kd_core::KdError::Report(format!(
            "hinton2015 has no experiment `{other}`"
        ))),
    }
}

/// Per-row error rates in percent, `100 * errors / total`, of the rows matching `filter`.
pub fn rates(t: &Table, errors: &str, total: &str, filter: &[(&str, &str)]) -> Result<Vec<f64>> {
    let e = t.numbers_where(errors, filter)?;
    let n = t.numbers_where(total, filter)?;
    Ok(e.iter().zip(&n).map(|(e, n)| 100.0 * e / n).collect())
}

/// Per-seed error rates in percent, `(seed, 100 * errors / total)` in order of seed, of the
/// rows matching `filter` (one row per seed: one arm of a claim paired by seed).
pub fn per_seed_rate(
    t: &Table,
    errors: &str,
    total: &str,
    filter: &[(&str, &str)],
) -> Result<Vec<(u64, f64)>> {
    let e = t.per_seed(errors, filter)?;
    let n = t.per_seed(total, filter)?;
    Ok(e.iter()
        .zip(&n)
        .map(|(&(seed, e), &(_, n))| (seed, 100.0 * e / n))
        .collect())
}

/// `(seed, f(value))` for every seed of a per-seed arm.
pub fn map_seeds(arm: &[(u64, f64)], f: impl Fn(f64) -> f64) -> Vec<(u64, f64)> {
    arm.iter().map(|&(seed, v)| (seed, f(v))).collect()
}

/// Mean over seeds of [`rates`].
pub fn mean_rate(t: &Table, errors: &str, total: &str, filter: &[(&str, &str)]) -> Result<f64> {
    Ok(MeanStd::of(&rates(t, errors, total, filter)?).mean)
}

/// The learning rate (as written in the table) whose runs of `filter` have the lowest mean
/// final validation error; the first of equals in table order (the grid's order).
pub fn chosen_lr(t: &Table, filter: &[(&str, &str)]) -> Result<String> {
    let lr_col = t.require_column("learning_rate")?;
    let mut rates_in_order: Vec<String> = Vec::new();
    for row in t.rows_where(filter)? {
        if !rates_in_order.contains(&row[lr_col]) {
            rates_in_order.push(row[lr_col].clone());
        }
    }
    let mut best: Option<(f64, String)> = None;
    for lr in rates_in_order {
        let mut f = filter.to_vec();
        f.push(("learning_rate", &lr));
        let val = mean_rate(t, "val_errors", "val_total", &f)?;
        if best.as_ref().is_none_or(|(b, _)| val < *b) {
            best = Some((val, lr));
        }
    }
    best.map(|(_, lr)| lr)
        .ok_or_else(|| kd_core::KdError::Report(format!("no runs match {filter:?} in the table")))
}

/// Columns describing one trained run: final-epoch and best-on-validation numbers.
pub const RUN_COLUMNS: [&str; 9] = [
    "epochs",
    "val_errors",
    "val_total",
    "test_errors",
    "test_total",
    "test_error_rate",
    "best_val_epoch",
    "best_val_errors",
    "test_errors_at_best_val",
];

pub fn run_cells(run: &TrainedRun) -> Vec<String> {
    let last = run.final_epoch();
    let best = run.best_validation_epoch();
    vec![
        last.epoch.to_string(),
        last.val_errors.to_string(),
        last.val_total.to_string(),
        last.test_errors.to_string(),
        last.test_total.to_string(),
        format!("{:.6}", last.test_error_rate()),
        best.epoch.to_string(),
        best.val_errors.to_string(),
        best.test_errors.to_string(),
    ]
}

/// The cells of one run of a learning-rate grid ([`RUN_COLUMNS`]). A run stopped by a
/// non-finite loss (a rate too large for the data) is recorded as getting every validation and
/// test image wrong, with best-validation epoch 0, so its rate is never chosen while another
/// converges; any other error is returned.
pub fn grid_run_cells(
    result: Result<TrainedRun>,
    epochs: usize,
    val_total: usize,
    test_total: usize,
) -> Result<Vec<String>> {
    match result {
        Ok(run) => Ok(run_cells(&run)),
        Err(kd_core::KdError::NonFiniteLoss { run, epoch, .. }) => {
            eprintln!("{run}: stopped by a non-finite loss at epoch {epoch}; recorded as diverged");
            Ok(vec![
                epochs.to_string(),
                val_total.to_string(),
                val_total.to_string(),
                test_total.to_string(),
                test_total.to_string(),
                format!("{:.6}", 1.0),
                "0".into(),
                val_total.to_string(),
                test_total.to_string(),
            ])
        }
        Err(e) => Err(e),
    }
}

/// The rows of `table` recorded as diverged by [`grid_run_cells`] (best-validation epoch 0),
/// as "<configuration> seed <seed>" for the summary.
pub fn diverged_runs(table: &Table) -> Result<Vec<String>> {
    let seed = table.require_column("seed")?;
    let best = table.require_column("best_val_epoch")?;
    Ok(table
        .rows
        .iter()
        .filter(|r| r[best] == "0")
        .map(|r| format!("{} seed {}", r[..seed].join(" lr "), r[seed]))
        .collect())
}

/// Mean ± std over runs of `f`.
pub fn over<T>(runs: &[T], f: impl Fn(&T) -> f64) -> MeanStd {
    MeanStd::of(&runs.iter().map(f).collect::<Vec<_>>())
}

/// Final test error rate in percent.
pub fn test_pct(run: &TrainedRun) -> f64 {
    100.0 * run.final_epoch().test_error_rate()
}

/// Test error rate in percent at the epoch with the fewest validation errors.
pub fn best_val_test_pct(run: &TrainedRun) -> f64 {
    let best = run.best_validation_epoch();
    100.0 * best.test_errors as f64 / best.test_total as f64
}

/// A student's test errors before and after shifting the logit biases of some classes by the
/// amount that is best on the validation split (Hinton et al.'s fix for a transfer set that
/// lacked, or only had, those classes).
pub struct BiasFix {
    pub seed: u64,
    pub epochs: usize,
    pub shift: f32,
    pub errors_before: usize,
    pub errors_after: usize,
    pub test_total: usize,
    /// Errors among the test images of the shifted classes, before and after.
    pub shifted_before: usize,
    pub shifted_after: usize,
    pub shifted_total: usize,
}

impl BiasFix {
    /// Mean ± std over seeds of a percentage.
    pub fn pct(fixes: &[BiasFix], part: fn(&BiasFix) -> (usize, usize)) -> MeanStd {
        over(fixes, |f| {
            let (errors, total) = part(f);
            100.0 * errors as f64 / total as f64
        })
    }
}

/// The bias fix of one seed's student from its logits (row-major, `k` classes): the shift of
/// the classes `shifted` from `grid` with the fewest **validation** errors (the first of
/// equals), and the test errors before and after that shift. The test logits never take part
/// in the choice.
#[allow(clippy::too_many_arguments)]
pub fn fix_biases(
    seed: u64,
    epochs: usize,
    val: (&[f32], &[u8]),
    test: (&[f32], &[u8]),
    k: usize,
    shifted: &[usize],
    grid: &[f32],
) -> BiasFix {
    use kd_core::train::{best_bias_shift, error_count_with_bias, errors_on_classes};
    let (shift, _) = best_bias_shift(val.0, val.1, k, shifted, grid);
    let (test_logits, labels) = test;
    let mut shifted_test = test_logits.to_vec();
    for row in shifted_test.chunks_mut(k) {
        for &c in shifted {
            row[c] += shift;
        }
    }
    let (shifted_before, shifted_total) = errors_on_classes(test_logits, labels, k, shifted);
    let (shifted_after, _) = errors_on_classes(&shifted_test, labels, k, shifted);
    BiasFix {
        seed,
        epochs,
        shift,
        errors_before: error_count_with_bias(test_logits, labels, k, shifted, 0.0),
        errors_after: error_count_with_bias(test_logits, labels, k, shifted, shift),
        test_total: labels.len(),
        shifted_before,
        shifted_after,
        shifted_total,
    }
}

/// The table of a bias-fix experiment: one row per seed; the shifted classes' columns are
/// prefixed `test<digits>_`.
pub fn bias_fix_table(fixes: &[BiasFix], shifted: &[usize]) -> Table {
    let digits: String = shifted.iter().map(|c| c.to_string()).collect();
    let col = |what: &str| format!("test{digits}_{what}");
    let (b, a, t) = (col("errors_before"), col("errors_after"), col("total"));
    let mut table = Table::new(&[
        "seed",
        "epochs",
        "bias_shift",
        "test_errors_before",
        "test_errors_after",
        "test_total",
        &b,
        &a,
        &t,
    ]);
    for f in fixes {
        table.push(vec![
            f.seed.to_string(),
            f.epochs.to_string(),
            f.shift.to_string(),
            f.errors_before.to_string(),
            f.errors_after.to_string(),
            f.test_total.to_string(),
            f.shifted_before.to_string(),
            f.shifted_after.to_string(),
            f.shifted_total.to_string(),
        ]);
    }
    table
}

/// Distils the large student on `transfer` for every seed, shifts the biases of `shifted` by
/// the validation-best value of `grid` ([`fix_biases`]), and writes `<name>.csv`
/// ([`bias_fix_table`]).
pub fn distil_and_shift_biases(
    ctx: &crate::context::Context,
    name: &str,
    label: &str,
    transfer: kd_core::data::Subset,
    shifted: &[usize],
    grid: &[f32],
) -> kd_core::Result<(Vec<BiasFix>, Table)> {
    let device = &ctx.trainer.device;
    let k = ctx.splits.num_classes();
    let mut fixes = Vec::new();
    for &seed in &ctx.seeds {
        let run = ctx.student(
            label,
            ctx.settings.student_width,
            ctx.soft_targets(crate::paper::DISTILLATION_TEMPERATURE),
            transfer.clone(),
            seed,
        )?;
        let val = run.logits(&ctx.splits.validation, device);
        let test = run.logits(&ctx.splits.test, device);
        fixes.push(fix_biases(
            seed,
            run.final_epoch().epoch,
            (&val, &ctx.splits.validation.labels),
            (&test, &ctx.splits.test.labels),
            k,
            shifted,
            grid,
        ));
    }
    let table = bias_fix_table(&fixes, shifted);
    table.write(&ctx.out.join(format!("{name}.csv")))?;
    Ok((fixes, table))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic grid table (`model`, `learning_rate`, `seed`, validation and test errors
    /// out of 1000 each) from `(model, lr, seed, val_errors, test_errors)` rows.
    pub(crate) fn grid_table(rows: &[(&str, &str, u64, u32, u32)]) -> Table {
        let mut t = Table::new(&[
            "model",
            "learning_rate",
            "seed",
            "val_errors",
            "val_total",
            "test_errors",
            "test_total",
            "test_errors_at_best_val",
        ]);
        for &(model, lr, seed, val, test) in rows {
            t.push(vec![
                model.into(),
                lr.into(),
                seed.to_string(),
                val.to_string(),
                "1000".into(),
                test.to_string(),
                "1000".into(),
                test.to_string(),
            ]);
        }
        t
    }

    #[test]
    fn chosen_lr_follows_validation_not_test() {
        // lr 0.1 has the fewer validation errors, lr 0.05 the fewer test errors.
        let t = grid_table(&[
            ("hard", "0.05", 1, 40, 60),
            ("hard", "0.05", 2, 42, 61),
            ("hard", "0.1", 1, 30, 90),
            ("hard", "0.1", 2, 31, 91),
            // Another model, whose runs must not enter the hard student's choice.
            ("distilled", "0.05", 1, 1, 1),
            ("distilled", "0.1", 1, 99, 99),
        ]);
        assert_eq!(chosen_lr(&t, &[("model", "hard")]).unwrap(), "0.1");
        assert_eq!(chosen_lr(&t, &[("model", "distilled")]).unwrap(), "0.05");
        // On mean validation errors: one seed's low count does not decide it.
        let t = grid_table(&[
            ("hard", "0.02", 1, 10, 10),
            ("hard", "0.02", 2, 60, 10),
            ("hard", "0.05", 1, 30, 50),
            ("hard", "0.05", 2, 30, 50),
        ]);
        assert_eq!(chosen_lr(&t, &[("model", "hard")]).unwrap(), "0.05");
        // Equal mean validation errors: the first rate in table (grid) order.
        let t = grid_table(&[("hard", "0.05", 1, 30, 90), ("hard", "0.1", 1, 30, 10)]);
        assert_eq!(chosen_lr(&t, &[("model", "hard")]).unwrap(), "0.05");
        assert!(chosen_lr(&t, &[("model", "teacher")]).is_err());
    }

    #[test]
    fn per_seed_rates_pair_by_seed_and_refuse_two_rows_per_seed() {
        let t = grid_table(&[
            ("hard", "0.1", 2, 30, 20),
            ("hard", "0.1", 1, 30, 10),
            ("hard", "0.05", 1, 30, 40),
        ]);
        let f = [("model", "hard"), ("learning_rate", "0.1")];
        assert_eq!(
            per_seed_rate(&t, "test_errors", "test_total", &f).unwrap(),
            [(1, 1.0), (2, 2.0)]
        );
        assert!(per_seed_rate(&t, "test_errors", "test_total", &[("model", "hard")]).is_err());
    }

    #[test]
    fn the_bias_shift_is_chosen_on_validation_not_test() {
        // Two classes; class 1's bias is shifted. On validation, a shift of 1 fixes both 1s
        // and a shift above 1.5 breaks the 0; on test, only a shift of 3 would fix the 1s.
        let val_logits = [0.0, -0.5, 0.0, -0.5, 0.0, -1.5];
        let val_labels = [1, 1, 0];
        let test_logits = [0.0, -2.5, 0.0, -2.5, 0.0, 1.0];
        let test_labels = [1, 1, 1];
        let fix = fix_biases(
            7,
            30,
            (&val_logits, &val_labels),
            (&test_logits, &test_labels),
            2,
            &[1],
            &[0.0, 1.0, 2.0, 3.0],
        );
        assert_eq!(fix.shift, 1.0);
        assert_eq!(
            (fix.errors_before, fix.errors_after, fix.test_total),
            (2, 2, 3)
        );
        assert_eq!(
            (fix.shifted_before, fix.shifted_after, fix.shifted_total),
            (2, 2, 3)
        );
        let table = bias_fix_table(&[fix], &[1]);
        assert_eq!(table.header[6], "test1_errors_before");
        assert_eq!(table.rows[0][..3], ["7", "30", "1"]);
    }

    #[test]
    fn a_diverged_grid_run_counts_as_all_wrong_and_other_errors_pass_through() {
        let diverged = Err(kd_core::KdError::NonFiniteLoss {
            run: "distilled student seed 1".into(),
            epoch: 1,
            batch: 47,
            term: "soft".into(),
            value: f64::NAN,
        });
        let cells = grid_run_cells(diverged, 30, 1000, 2000).unwrap();
        assert_eq!(cells.len(), RUN_COLUMNS.len());
        assert_eq!(cells[1], "1000"); // val_errors = val_total
        assert_eq!(cells[6], "0"); // best_val_epoch
        let other = Err(kd_core::KdError::Config("bad".into()));
        assert!(grid_run_cells(other, 30, 1000, 2000).is_err());
    }
}
