//! One module per experiment of the paper; each writes `<name>.csv`, `<name>.svg` and its
//! summary section into the output directory.

pub mod mnist_table;
pub mod omitted_digit;
pub mod only_7_8;
pub mod soft_regularizer;
pub mod temperature_sweep;

use kd_core::report::{MeanStd, Table};
use kd_core::train::TrainedRun;

/// The experiment names, in the paper's order (`--only` takes these).
pub const ALL: [&str; 5] = [
    "mnist-table",
    "temperature-sweep",
    "omitted-digit",
    "only-7-8",
    "soft-regularizer",
];

/// Columns describing one trained run: final-epoch and best-on-validation numbers.
pub const RUN_COLUMNS: [&str; 7] = [
    "epochs",
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
        last.test_errors.to_string(),
        last.test_total.to_string(),
        format!("{:.6}", last.test_error_rate()),
        best.epoch.to_string(),
        best.val_errors.to_string(),
        best.test_errors.to_string(),
    ]
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

/// Distils the large student on `transfer` for every seed, shifts the biases of `shifted` by
/// the validation-best value of `grid`, and writes `<name>.csv` (one row per seed; the shifted
/// classes' columns are prefixed `test<digits>_`).
pub fn distil_and_shift_biases(
    ctx: &crate::context::Context,
    name: &str,
    label: &str,
    transfer: kd_core::data::Subset,
    shifted: &[usize],
    grid: &[f32],
) -> kd_core::Result<Vec<BiasFix>> {
    use kd_core::train::{best_bias_shift, error_count_with_bias, errors_on_classes, logits_of};
    let device = &ctx.trainer.device;
    let k = ctx.splits.num_classes();
    let labels = &ctx.splits.test.labels;
    let mut fixes = Vec::new();
    for &seed in &ctx.seeds {
        let run = ctx.student(
            label,
            ctx.settings.student_width,
            ctx.soft_targets(crate::paper::DISTILLATION_TEMPERATURE),
            transfer.clone(),
            seed,
        )?;
        let val = logits_of(&run.model, &ctx.splits.validation, device);
        let test = logits_of(&run.model, &ctx.splits.test, device);
        let (shift, _) = best_bias_shift(&val, &ctx.splits.validation.labels, k, shifted, grid);
        let mut shifted_test = test.clone();
        for row in shifted_test.chunks_mut(k) {
            for &c in shifted {
                row[c] += shift;
            }
        }
        let (shifted_before, shifted_total) = errors_on_classes(&test, labels, k, shifted);
        let (shifted_after, _) = errors_on_classes(&shifted_test, labels, k, shifted);
        fixes.push(BiasFix {
            seed,
            epochs: run.final_epoch().epoch,
            shift,
            errors_before: error_count_with_bias(&test, labels, k, shifted, 0.0),
            errors_after: error_count_with_bias(&test, labels, k, shifted, shift),
            test_total: labels.len(),
            shifted_before,
            shifted_after,
            shifted_total,
        });
    }
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
    for f in &fixes {
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
    table.write(&ctx.out.join(format!("{name}.csv")))?;
    Ok(fixes)
}
