//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`. The
//! student tables share one row layout (depth, method, fraction, seed, accuracies), so one
//! helper fills them.

use kd_core::Result;
use kd_core::report::{Arm, Claim, Relation, Table};

use crate::claims::is_central;
use crate::context::{Context, Student};

pub mod attack;
pub mod comparison;
pub mod less_data;
pub mod table;

pub const ALL: [&str; 4] = [table::NAME, comparison::NAME, attack::NAME, less_data::NAME];

pub const COLUMNS: [&str; 7] = [
    "student_depth",
    "method",
    "fraction",
    "seed",
    "test_accuracy",
    "test_accuracy_at_best_validation",
    "validation_errors",
];

/// A table with [`COLUMNS`].
pub fn new_table() -> Table {
    Table::new(&COLUMNS)
}

/// The `fraction` column's value (`1` for all the training images).
pub fn fraction_cell(fraction: Option<f64>) -> String {
    fraction.unwrap_or(1.0).to_string()
}

/// Trains (or finds) the ResNet`depth` student `how` on `fraction` of the images for every
/// seed and appends its rows.
pub fn push_rows(
    ctx: &Context,
    depth: usize,
    how: Student,
    fraction: Option<f64>,
    table: &mut Table,
) -> Result<()> {
    for &seed in &ctx.seeds {
        let run = ctx.student(depth, how, seed, fraction)?;
        let (final_acc, at_best_val) = run.accuracies();
        table.push(vec![
            depth.to_string(),
            how.name().to_string(),
            fraction_cell(fraction),
            seed.to_string(),
            format!("{final_acc:.2}"),
            format!("{at_best_val:.2}"),
            run.final_epoch().val_errors.to_string(),
        ]);
    }
    Ok(())
}

/// Final test accuracies (one per seed, in seed order) of the rows `filter` selects.
pub fn accuracies(table: &Table, filter: &[(&str, &str)]) -> Result<Vec<f64>> {
    Ok(per_seed(table, filter)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// Final test accuracy per seed, `(seed, accuracy)` in seed order, of the rows `filter`
/// selects (one student per seed: an arm of a claim paired by seed).
pub fn per_seed(table: &Table, filter: &[(&str, &str)]) -> Result<Vec<(u64, f64)>> {
    table.per_seed("test_accuracy", filter)
}

/// "`winner` beats `loser`" among the rows `filter` selects, as claim `id`: both arms are the
/// students' final test accuracies per seed (every student is trained per seed from the one
/// shared teacher, so the two arms pair by seed).
pub fn beats(
    table: &Table,
    filter: &[(&str, &str)],
    (winner, loser): (Student, Student),
    id: String,
    statement: String,
) -> Result<Claim> {
    let arm = |s: Student| -> Result<Arm> {
        let mut f = filter.to_vec();
        f.push(("method", s.name()));
        Ok(Arm::PerSeed(per_seed(table, &f)?))
    };
    Ok(Claim::new(
        id.clone(),
        statement,
        (&format!("{} (%)", winner.name()), arm(winner)?),
        Relation::Greater,
        (&format!("{} (%)", loser.name()), arm(loser)?),
        is_central(&id),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table of [`COLUMNS`] from `(depth, method, fraction, seed, final test, test at the
    /// best validation epoch)` rows.
    pub(crate) fn synthetic(rows: &[(usize, Student, f64, u64, f64, f64)]) -> Table {
        let mut t = new_table();
        for &(depth, how, fraction, seed, test, at_best) in rows {
            t.push(vec![
                depth.to_string(),
                how.name().to_string(),
                fraction.to_string(),
                seed.to_string(),
                format!("{test}"),
                format!("{at_best}"),
                "0".to_string(),
            ]);
        }
        t
    }

    #[test]
    fn beats_pairs_the_final_test_accuracies_by_seed() {
        // Rows out of seed order; the seed-to-seed spread (70 to 90) dwarfs the steady +0.5
        // of KD + BSS, and the accuracy at the best validation epoch says the opposite.
        let t = synthetic(&[
            (8, Student::Kd, 1.0, 2, 80.0, 99.0),
            (8, Student::Bss, 1.0, 1, 70.5, 10.0),
            (8, Student::Kd, 1.0, 1, 70.0, 99.0),
            (8, Student::Bss, 1.0, 3, 90.6, 10.0),
            (8, Student::Bss, 1.0, 2, 80.4, 10.0),
            (8, Student::Kd, 1.0, 3, 90.0, 99.0),
        ]);
        let c = beats(
            &t,
            &[("student_depth", "8")],
            (Student::Bss, Student::Kd),
            "table/resnet8-bss-beats-kd".into(),
            "s".into(),
        )
        .unwrap();
        assert_eq!(
            c.lhs,
            Arm::PerSeed(vec![(1, 70.5), (2, 80.4), (3, 90.6)]),
            "final test, in seed order"
        );
        assert_eq!(c.rhs, Arm::PerSeed(vec![(1, 70.0), (2, 80.0), (3, 90.0)]));
        assert_eq!(c.verdict(), kd_core::report::Verdict::Holds);
        assert!(c.central);
        // A filter that does not pin one student per seed is an error, not a pooled arm.
        assert!(
            beats(
                &synthetic(&[
                    (8, Student::Kd, 1.0, 1, 70.0, 0.0),
                    (14, Student::Kd, 1.0, 1, 71.0, 0.0),
                    (8, Student::Bss, 1.0, 1, 72.0, 0.0),
                ]),
                &[],
                (Student::Bss, Student::Kd),
                "x".into(),
                "s".into(),
            )
            .is_err()
        );
    }
}
