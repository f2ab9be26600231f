//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`. Every
//! table has a row per (dataset, student, seed) with the same columns, so one helper fills them.

use kd_core::Result;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
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

/// "`winner` beats `loser`" on `dataset` (means over seeds), as claim `id`.
pub fn beats(
    table: &Table,
    dataset: &str,
    (winner, loser): (&str, &str),
    id: String,
    statement: String,
) -> Result<Claim> {
    let acc = |student: &str| accuracy(table, &[("dataset", dataset), ("student", student)]);
    Ok(Claim {
        required: is_required(&id),
        id,
        statement,
        lhs_label: format!("{winner} (%)"),
        lhs: acc(winner)?.mean,
        relation: Relation::Greater,
        rhs_label: format!("{loser} (%)"),
        rhs: acc(loser)?.mean,
    })
}
