//! One module per experiment; each writes its CSV, charts and summary section.

pub mod distillation;
pub mod regression;

/// The experiment names (`--only` takes these).
pub const ALL: [&str; 2] = [regression::NAME, distillation::NAME];
