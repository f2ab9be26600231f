//! The claims CI will guard (declared before any `cpu` run, pinned by a test) and the
//! recomputation of every claim from the experiment tables (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{Claim, RequiredClaim};

use crate::experiments;

/// Issue 11's required claim: in the `cpu` profile KD + BSS beats KD for the ResNet8 student
/// (means over seeds).
pub const REQUIRED: &[RequiredClaim] = &[RequiredClaim {
    id: "table/resnet8-bss-beats-kd",
    paper_quote: "the comparison (CIFAR-10, ResNet26 teacher): ResNet8 KD 86.66 %, BSS 87.32 %; \
                  ResNet14 KD 89.75 %, BSS 90.34 % (as the teacher-assistant paper quotes it)",
}];

/// Whether the claim `id` is one CI requires.
pub fn is_required(id: &str) -> bool {
    claims::is_required(REQUIRED, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, |name, table| match name {
        experiments::table::NAME => experiments::table::claims(table),
        experiments::comparison::NAME => experiments::comparison::claims(table),
        experiments::less_data::NAME => experiments::less_data::claims(table),
        _ => Ok(Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_required_claims_are_pinned() {
        let ids: Vec<&str> = REQUIRED.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["table/resnet8-bss-beats-kd"]);
    }
}
