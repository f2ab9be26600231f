//! The experiments, each writing `<name>.csv`, its claims and a section of `summary.md`.

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
