//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`.

use kd_core::Result;
use kd_core::report::summary::paper_row;
use kd_core::report::{Arm, Claim, MeanStd, Relation, Table};

use crate::claims::is_central;
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

/// The students' final test accuracy for `method` per seed over the rows `filter` selects: a
/// claim's arm, paired by seed (each seed's NOKD, BLKD and TAKD students share their
/// initialisation and data order; BLKD and TAKD also share the seed's teacher, which is one
/// run for every seed where the profile shares it).
fn accuracy_per_seed(
    table: &Table,
    filter: &[(&str, &str)],
    method: Method3,
) -> Result<Vec<(u64, f64)>> {
    let mut filter = filter.to_vec();
    filter.push(("method", method.name()));
    table.per_seed("test_accuracy", &filter)
}

/// Table 1's two orderings for the rows `filter` selects: BLKD beats NOKD (`id_prefix` +
/// `blkd-beats-nokd`) and TAKD beats BLKD (`id_prefix` + `takd-beats-blkd`), paired by seed.
fn ordering_claims(
    table: &Table,
    filter: &[(&str, &str)],
    id_prefix: &str,
    blkd_statement: String,
    takd_statement: String,
) -> Result<Vec<Claim>> {
    let acc = |m| accuracy_per_seed(table, filter, m).map(Arm::PerSeed);
    let id = |s: &str| format!("{id_prefix}{s}");
    let (blkd, takd) = (id("blkd-beats-nokd"), id("takd-beats-blkd"));
    Ok(vec![
        Claim::new(
            blkd.clone(),
            blkd_statement,
            ("BLKD accuracy (%)", acc(Method3::Blkd)?),
            Relation::Greater,
            ("NOKD accuracy (%)", acc(Method3::Nokd)?),
            is_central(&blkd),
        ),
        Claim::new(
            takd.clone(),
            takd_statement,
            ("TAKD accuracy (%)", acc(Method3::Takd)?),
            Relation::Greater,
            ("BLKD accuracy (%)", acc(Method3::Blkd)?),
            is_central(&takd),
        ),
    ])
}
