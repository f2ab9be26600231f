//! kd-core: everything the paper reproductions share — data, models, losses, methods, the
//! training loop, the run store, result writers and the CLI conventions. A paper crate holds
//! only its experiments, its numbers and its plots. See ARCHITECTURE.md.

pub mod check;
pub mod cli;
pub mod data;
pub mod error;
pub mod fsio;
pub mod losses;
pub mod methods;
pub mod models;
pub mod perf;
pub mod report;
pub mod rng;
pub mod runs;
pub mod tensors;
pub mod train;

pub use error::{KdError, Result};
