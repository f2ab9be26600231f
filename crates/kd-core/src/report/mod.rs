//! Results: CSV tables, SVG charts and the Markdown summary. Every file is written to a
//! temporary name and renamed, so a killed run never leaves a half-written table.

pub mod chart;
pub mod claims;
pub mod picture;
pub mod stats;
pub mod summary;
pub mod table;
pub mod verdict;

pub use claims::{Arm, CentralClaim, Claim, Relation};
pub use stats::MeanStd;
pub use summary::Summary;
pub use table::Table;
pub use verdict::Verdict;

pub use crate::fsio::write_atomic;
