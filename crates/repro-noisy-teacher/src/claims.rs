//! The claims CI will guard (declared before any `cpu` run, pinned by a test) and the
//! recomputation of every claim from the experiment tables (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{Claim, RequiredClaim};

use crate::experiments;

/// Issue 10's required claim: on MNIST in the `cpu` profile the student of the noisy teacher
/// (sigma, alpha chosen on validation) beats the student regressing the clean teacher (means
/// over seeds).
pub const REQUIRED: &[RequiredClaim] = &[RequiredClaim {
    id: "table/mnist-noisy-beats-clean",
    paper_quote: "abstract: a noise-based regulariser while training the student from the \
                  teacher \"provides a healthy improvement in the performance of the student \
                  network\" on CIFAR-10, SVHN and MNIST",
}];

/// Whether the claim `id` is one CI requires.
pub fn is_required(id: &str) -> bool {
    claims::is_required(REQUIRED, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, |name, table| match name {
        experiments::table::NAME => experiments::table::claims(table),
        experiments::comparisons::REGULARIZERS => {
            experiments::comparisons::regularizer_claims(table)
        }
        experiments::comparisons::ENSEMBLE => experiments::comparisons::ensemble_claims(table),
        _ => Ok(Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_claims_are_pinned() {
        let ids: Vec<&str> = REQUIRED.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["table/mnist-noisy-beats-clean"]);
    }
}
