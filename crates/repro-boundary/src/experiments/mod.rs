//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`. The
//! student tables share one row layout (depth, method, fraction, seed, accuracies), so one
//! helper fills them.

use kd_core::Result;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
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
    table.numbers_where("test_accuracy", filter)
}

/// "`winner` beats `loser`" (means over seeds) among the rows `filter` selects, as claim `id`.
pub fn beats(
    table: &Table,
    filter: &[(&str, &str)],
    (winner, loser): (Student, Student),
    id: String,
    statement: String,
) -> Result<Claim> {
    let acc = |s: Student| -> Result<f64> {
        let mut f = filter.to_vec();
        f.push(("method", s.name()));
        Ok(MeanStd::of(&accuracies(table, &f)?).mean)
    };
    Ok(Claim {
        required: is_required(&id),
        id,
        statement,
        lhs_label: format!("{} (%)", winner.name()),
        lhs: acc(winner)?,
        relation: Relation::Greater,
        rhs_label: format!("{} (%)", loser.name()),
        rhs: acc(loser)?,
    })
}
