//! The claims CI will guard (declared before any `cpu` run, pinned by a test) and the
//! recomputation of every claim from the experiment tables (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{Claim, RequiredClaim};

use crate::experiments;

/// Issue 9's required claims: on the plain-CNN table BLKD beats NOKD and TAKD beats BLKD
/// (means over seeds).
pub const REQUIRED: &[RequiredClaim] = &[
    RequiredClaim {
        id: "table/plain-blkd-beats-nokd",
        paper_quote: "Table 1: plain CNN, CIFAR-10: NOKD 70.16, BLKD 72.57 (CIFAR-100: 41.09, \
                      44.57)",
    },
    RequiredClaim {
        id: "table/plain-takd-beats-blkd",
        paper_quote: "Table 1: plain CNN, CIFAR-10: BLKD 72.57, TAKD 73.51 (CIFAR-100: 44.57, \
                      44.92)",
    },
];

/// Whether the claim `id` is one CI requires.
pub fn is_required(id: &str) -> bool {
    claims::is_required(REQUIRED, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, |name, table| match name {
        experiments::ta_size::NAME => experiments::ta_size::claims(table),
        experiments::teacher_size::NAME => experiments::teacher_size::claims(table),
        experiments::paths::NAME => experiments::paths::claims(table),
        experiments::resnet26::NAME => experiments::resnet26::claims(table),
        _ => experiments::table::claims(table),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_claims_are_pinned() {
        let ids: Vec<&str> = REQUIRED.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            ["table/plain-blkd-beats-nokd", "table/plain-takd-beats-blkd"]
        );
    }
}
