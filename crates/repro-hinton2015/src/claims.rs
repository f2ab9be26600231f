//! The paper's central claims, pinned by a test, and the recomputation of every claim from the
//! experiment tables (what `kd-check claims` runs).
//!
//! The central claims are the paper's headline statements for its MNIST table (§3): the
//! distilled student lies between the teacher and the hard-label student, and recovers most of
//! the gap between them. The list is fixed from the paper's text (issue 19), not from any
//! result; it can only grow. Every other claim is reported with its verdict, never hidden. CI
//! gates no claim as such: a claim that holds in the committed `ci` results must not fail in a
//! fresh `ci` run.
//!
//! History, for the record. Before issue 19 the crate declared "required" claims that CI
//! enforced: `mnist-table/teacher-beats-distilled`, `mnist-table/distilled-beats-hard` and
//! `omitted-digit/bias-fix-recovers-most-3s`. The temperature-optimum ordering
//! (`temperature-sweep/small-optimum-below-large`) was required in the first version and made
//! reported-only in commit ea4d9f6 after the committed cpu run failed it (its 300-unit
//! validation curve is flat, so its argmin is noise on 1,000 validation images); the `full`
//! profile (10,000 validation images) tests it again. Issue 19 replaced the required set by the
//! central claims below, the paper's headline statements for Hinton as issue 19 names them
//! (distilled between teacher and hard-label student; most of the gap recovered): the two
//! MNIST-table claims stay central, `mnist-table/gap-recovered` (reported until then; paper:
//! (146 - 74) / (146 - 67) = 91 %) joins them, and the omitted-digit claim is reported with its
//! verdict, no longer central.

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{CentralClaim, Claim};

use crate::experiments;

/// The paper's central claims, with its words (arXiv:1503.02531, §3). Fixed from the paper's
/// text, not from results; the list can only grow.
pub const CENTRAL: &[CentralClaim] = &[
    CentralClaim {
        id: "mnist-table/teacher-beats-distilled",
        paper_quote: "a single large neural net with two hidden layers of 1200 rectified linear \
                      hidden units ... achieved 67 test errors whereas a smaller net with two \
                      hidden layers of 800 rectified linear hidden units and no regularization \
                      achieved 146 errors. But if the smaller net was regularized solely by \
                      adding the additional task of matching the soft targets produced by the \
                      large net at a temperature of 20, it achieved 74 test errors.",
    },
    CentralClaim {
        id: "mnist-table/distilled-beats-hard",
        paper_quote: "This shows that soft targets can transfer a great deal of knowledge to the \
                      distilled model, including the knowledge about how to generalize that is \
                      learned from translated training data even though the transfer set does \
                      not contain any translations.",
    },
    CentralClaim {
        id: "mnist-table/gap-recovered",
        paper_quote: "a single large neural net ... achieved 67 test errors whereas a smaller \
                      net ... achieved 146 errors. But if the smaller net was regularized \
                      solely by adding the additional task of matching the soft targets \
                      produced by the large net at a temperature of 20, it achieved 74 test \
                      errors.",
    },
];

/// Whether the claim `id` is one of the paper's central claims.
pub fn is_central(id: &str) -> bool {
    claims::is_central(CENTRAL, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, experiments::claims_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the central set: it is fixed from the paper's text (issue 19) and can only grow;
    /// changing it is a decision to make in review, never a side effect of a run.
    #[test]
    fn the_central_claims_are_pinned() {
        let ids: Vec<&str> = CENTRAL.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "mnist-table/teacher-beats-distilled",
                "mnist-table/distilled-beats-hard",
                "mnist-table/gap-recovered",
            ]
        );
        assert!(CENTRAL.iter().all(|r| r.paper_quote.len() > 40));
        assert!(is_central("mnist-table/gap-recovered"));
        assert!(!is_central("omitted-digit/bias-fix-recovers-most-3s"));
    }
}
