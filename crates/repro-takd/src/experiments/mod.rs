//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`.

pub mod table;

pub const ALL: [&str; 1] = [table::NAME];
