//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`. Every
//! table has a row per (dataset, student, seed) with the same columns, so one helper fills them.

use kd_core::Result;
use kd_core::report::{Arm, Claim, MeanStd, Relation, Table};

use crate::claims::is_central;
use crate::context::{Context, Data, StudentMethod};

pub mod comparisons;
pub mod sweeps;
pub mod table;

pub const ALL: [&str; 5] = [
    table::NAME,
    sweeps::SIGMA,
    sweeps::ALPHA,
    comparisons::REGULARIZERS,
    comparisons::ENSEMBLE,
];

pub const COLUMNS: [&str; 8] = [
    "dataset",
    "student",
    "sigma",
    "alpha",
    "seed",
    "test_accuracy",
    "test_accuracy_at_best_validation",
    "validation_errors",
];

/// A table with [`COLUMNS`].
pub fn new_table() -> Table {
    Table::new(&COLUMNS)
}

/// Trains (or finds) `how` on `data` for every seed and appends its rows.
pub fn push_rows(ctx: &Context, data: &Data, how: &StudentMethod, table: &mut Table) -> Result<()> {
    let (sigma, alpha) = match how {
        StudentMethod::NoisyTeacher { sigma, alpha }
        | StudentMethod::NoisyStudent { sigma, alpha } => (sigma.to_string(), alpha.to_string()),
        _ => ("".into(), "".into()),
    };
    for &seed in &ctx.seeds {
        let run = ctx.student(data, how, seed)?;
        let (final_acc, at_best_val) = run.accuracies();
        table.push(vec![
            data.name.clone(),
            how.name(),
            sigma.clone(),
            alpha.clone(),
            seed.to_string(),
            format!("{final_acc:.2}"),
            format!("{at_best_val:.2}"),
            run.final_epoch().val_errors.to_string(),
        ]);
    }
    Ok(())
}

/// Mean ± std of the final test accuracy of the rows `filter` selects.
pub fn accuracy(table: &Table, filter: &[(&str, &str)]) -> Result<MeanStd> {
    Ok(MeanStd::of(&table.numbers_where("test_accuracy", filter)?))
}

/// Per dataset (in the table's order), the final test accuracy of each of `students`: the rows
/// and bars of the sections that compare students. A student without rows for a dataset (not
/// an option of its architecture) gets an empty [`MeanStd`] (`n` 0, no bar drawn).
pub fn accuracies_by_dataset(
    table: &Table,
    students: &[&str],
) -> Result<Vec<(String, Vec<MeanStd>)>> {
    table
        .distinct("dataset")?
        .into_iter()
        .map(|dataset| {
            let accs = students
                .iter()
                .map(|student| {
                    let filter = [("dataset", dataset.as_str()), ("student", student)];
                    if table.rows_where(&filter)?.is_empty() {
                        Ok(MeanStd::of(&[]))
                    } else {
                        accuracy(table, &filter)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((dataset, accs))
        })
        .collect()
}

/// The claims' short name of a dataset: `mnist` for the bundled digits and full MNIST alike.
pub fn tag(dataset: &str) -> &str {
    if dataset.starts_with("mnist") {
        "mnist"
    } else if dataset.starts_with("fashion") {
        "fashion"
    } else {
        dataset
    }
}

/// Final test accuracy per seed, `(seed, accuracy)` in seed order, of `student` on `dataset`
/// (one run per seed: an arm of a claim paired by seed).
pub fn per_seed(table: &Table, dataset: &str, student: &str) -> Result<Vec<(u64, f64)>> {
    table.per_seed(
        "test_accuracy",
        &[("dataset", dataset), ("student", student)],
    )
}

/// "`winner` beats `loser`" on `dataset`, as claim `id`: both arms are the students' final test
/// accuracies per seed, paired by seed (each seed has its own teacher, or teachers for an
/// ensemble, and the seed's students share its initialisation and data order).
pub fn beats(
    table: &Table,
    dataset: &str,
    (winner, loser): (&str, &str),
    id: String,
    statement: String,
) -> Result<Claim> {
    Ok(Claim::new(
        id.clone(),
        statement,
        (
            &format!("{winner} (%)"),
            Arm::PerSeed(per_seed(table, dataset, winner)?),
        ),
        Relation::Greater,
        (
            &format!("{loser} (%)"),
            Arm::PerSeed(per_seed(table, dataset, loser)?),
        ),
        is_central(&id),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A table of [`COLUMNS`] from `(dataset, student, sigma, alpha, seed, final test,
    /// validation errors)` rows; the accuracy at the best validation epoch is 0 throughout.
    pub(crate) fn synthetic(rows: &[(&str, &str, &str, &str, u64, f64, f64)]) -> Table {
        let mut t = new_table();
        for &(dataset, student, sigma, alpha, seed, test, val) in rows {
            t.push(vec![
                dataset.into(),
                student.into(),
                sigma.into(),
                alpha.into(),
                seed.to_string(),
                format!("{test}"),
                "0".into(),
                format!("{val}"),
            ]);
        }
        t
    }

    #[test]
    fn beats_pairs_the_final_test_accuracies_by_seed() {
        // Rows out of seed order, levels 20 points apart across seeds, a steady +0.5 per seed.
        let t = synthetic(&[
            ("mnist-10k", "clean teacher", "", "", 2, 80.0, 1.0),
            ("mnist-10k", "noisy teacher", "0.1", "0.5", 1, 70.5, 9.0),
            ("mnist-10k", "clean teacher", "", "", 1, 70.0, 1.0),
            ("mnist-10k", "noisy teacher", "0.1", "0.5", 3, 90.5, 9.0),
            ("mnist-10k", "noisy teacher", "0.1", "0.5", 2, 80.5, 9.0),
            ("mnist-10k", "clean teacher", "", "", 3, 90.0, 1.0),
            ("fashion-10k", "clean teacher", "", "", 1, 10.0, 1.0),
        ]);
        let c = beats(
            &t,
            "mnist-10k",
            ("noisy teacher", "clean teacher"),
            "table/mnist-noisy-beats-clean".into(),
            "s".into(),
        )
        .unwrap();
        assert_eq!(c.lhs, Arm::PerSeed(vec![(1, 70.5), (2, 80.5), (3, 90.5)]));
        assert_eq!(c.rhs, Arm::PerSeed(vec![(1, 70.0), (2, 80.0), (3, 90.0)]));
        assert_eq!(c.verdict(), kd_core::report::Verdict::Holds);
        assert!(c.central);
    }
}
