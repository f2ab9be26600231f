//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`.

use kd_core::Result;
use kd_core::report::summary::paper_row;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::Method3;

pub mod paths;
pub mod resnet26;
pub mod ta_size;
pub mod table;
pub mod teacher_size;

pub const ALL: [&str; 5] = [
    table::NAME,
    ta_size::NAME,
    teacher_size::NAME,
    paths::NAME,
    resnet26::NAME,
];

/// Mean ± std of the students' final test accuracy for `method` over the rows `filter` selects
/// (a table with `test_accuracy` and `method` columns).
fn accuracy_of(table: &Table, filter: &[(&str, &str)], method: Method3) -> Result<MeanStd> {
    let mut filter = filter.to_vec();
    filter.push(("method", method.name()));
    Ok(MeanStd::of(&table.numbers_where("test_accuracy", &filter)?))
}

/// A "quantity | paper | ours | delta" row; when our dataset is not the paper's, the paper's
/// number in parentheses for reference and no delta.
fn reference_row(
    label: &str,
    paper: Option<f64>,
    same_dataset: bool,
    ours: MeanStd,
) -> Vec<String> {
    let mut row = paper_row(label, if same_dataset { paper } else { None }, ours, 2);
    if !same_dataset {
        row[1] = paper.map_or("–".into(), |p| format!("({p:.2})"));
    }
    row
}

/// Table 1's two orderings for the rows `filter` selects: BLKD beats NOKD (`id_prefix` +
/// `blkd-beats-nokd`) and TAKD beats BLKD (`id_prefix` + `takd-beats-blkd`), means over seeds.
fn ordering_claims(
    table: &Table,
    filter: &[(&str, &str)],
    id_prefix: &str,
    blkd_statement: String,
    takd_statement: String,
) -> Result<Vec<Claim>> {
    let acc = |m| Ok::<f64, kd_core::KdError>(accuracy_of(table, filter, m)?.mean);
    let id = |s: &str| format!("{id_prefix}{s}");
    Ok(vec![
        Claim {
            id: id("blkd-beats-nokd"),
            statement: blkd_statement,
            lhs_label: "BLKD accuracy (%)".into(),
            lhs: acc(Method3::Blkd)?,
            relation: Relation::Greater,
            rhs_label: "NOKD accuracy (%)".into(),
            rhs: acc(Method3::Nokd)?,
            required: is_required(&id("blkd-beats-nokd")),
        },
        Claim {
            id: id("takd-beats-blkd"),
            statement: takd_statement,
            lhs_label: "TAKD accuracy (%)".into(),
            lhs: acc(Method3::Takd)?,
            relation: Relation::Greater,
            rhs_label: "BLKD accuracy (%)".into(),
            rhs: acc(Method3::Blkd)?,
            required: is_required(&id("takd-beats-blkd")),
        },
    ])
}
