//! Results: CSV tables, SVG charts and the Markdown summary. Every file is written to a
//! temporary name and renamed, so a killed run never leaves a half-written table.

pub mod chart;
pub mod claims;
pub mod picture;
pub mod stats;
pub mod summary;
pub mod table;

pub use claims::{Claim, Relation, RequiredClaim};
pub use stats::MeanStd;
pub use summary::Summary;
pub use table::Table;

pub use crate::fsio::write_atomic;
