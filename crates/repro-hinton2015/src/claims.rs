//! The paper's claims that CI guards, declared before the runs and pinned by a test, and the
//! recomputation of every claim from the experiment tables (what `kd-check claims` runs).
//!
//! The set is fixed: a claim does not leave it because a run failed it. History, for the
//! record: the temperature-optimum ordering (`temperature-sweep/small-optimum-below-large`)
//! was required in the first version and made reported-only in commit ea4d9f6 after the
//! committed cpu run failed it (its 300-unit validation curve is flat, so its argmin is noise
//! on 1,000 validation images). It stays reported, counts as a failing claim in the paper's
//! status whenever it fails, and the `full` profile (10,000 validation images) tests it again.

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{Claim, RequiredClaim};

use crate::experiments;

/// The claims CI requires, with the paper's words (arXiv:1503.02531, §3).
pub const REQUIRED: &[RequiredClaim] = &[
    RequiredClaim {
        id: "mnist-table/teacher-beats-distilled",
        paper_quote: "a single large neural net with two hidden layers of 1200 rectified linear \
                      hidden units ... achieved 67 test errors whereas a smaller net with two \
                      hidden layers of 800 rectified linear hidden units and no regularization \
                      achieved 146 errors. But if the smaller net was regularized solely by \
                      adding the additional task of matching the soft targets produced by the \
                      large net at a temperature of 20, it achieved 74 test errors.",
    },
    RequiredClaim {
        id: "mnist-table/distilled-beats-hard",
        paper_quote: "This shows that soft targets can transfer a great deal of knowledge to the \
                      distilled model, including the knowledge about how to generalize that is \
                      learned from translated training data even though the transfer set does \
                      not contain any translations.",
    },
    RequiredClaim {
        id: "omitted-digit/bias-fix-recovers-most-3s",
        paper_quote: "If the bias for the 3 is increased by 3.5 (which optimizes overall \
                      performance on the test set), the distilled model makes 109 errors of \
                      which 14 are on 3s.",
    },
];

/// Whether the claim `id` is one CI requires.
pub fn is_required(id: &str) -> bool {
    claims::is_required(REQUIRED, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, experiments::claims_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the required set: changing it is a decision to make in review, not a side effect
    /// of a failing run.
    #[test]
    fn the_required_claims_are_pinned() {
        let ids: Vec<&str> = REQUIRED.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "mnist-table/teacher-beats-distilled",
                "mnist-table/distilled-beats-hard",
                "omitted-digit/bias-fix-recovers-most-3s",
            ]
        );
        assert!(REQUIRED.iter().all(|r| r.paper_quote.len() > 40));
    }
}
