//! One module per experiment of the paper; each writes `<name>.csv`, `<name>.svg` and its
//! summary section into the output directory.

pub mod mnist_table;
pub mod omitted_digit;
pub mod only_7_8;
pub mod soft_regularizer;
pub mod temperature_sweep;

use kd_core::report::MeanStd;
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
    pub shift: f32,
    pub errors_before: usize,
    pub errors_after: usize,
    /// Errors among test images of the `focus` classes, before and after.
    pub focus_before: usize,
    pub focus_after: usize,
    pub focus_total: usize,
    pub test_total: usize,
}

pub fn bias_fix(
    ctx: &crate::context::Context,
    run: &TrainedRun,
    shifted: &[usize],
    grid: &[f32],
    focus: &[usize],
) -> BiasFix {
    use kd_core::train::{best_bias_shift, error_count_with_bias, errors_on_classes, logits_of};
    let device = &ctx.trainer.device;
    let k = ctx.splits.num_classes();
    let val = logits_of(&run.model, &ctx.splits.validation, device);
    let test = logits_of(&run.model, &ctx.splits.test, device);
    let labels = &ctx.splits.test.labels;
    let (shift, _) = best_bias_shift(&val, &ctx.splits.validation.labels, k, shifted, grid);
    let mut shifted_test = test.clone();
    for row in shifted_test.chunks_mut(k) {
        for &c in shifted {
            row[c] += shift;
        }
    }
    let (focus_before, focus_total) = errors_on_classes(&test, labels, k, focus);
    let (focus_after, _) = errors_on_classes(&shifted_test, labels, k, focus);
    BiasFix {
        shift,
        errors_before: error_count_with_bias(&test, labels, k, shifted, 0.0),
        errors_after: error_count_with_bias(&test, labels, k, shifted, shift),
        focus_before,
        focus_after,
        focus_total,
        test_total: labels.len(),
    }
}
