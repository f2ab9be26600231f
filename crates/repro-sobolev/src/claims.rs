//! The claims CI guards, declared before the runs with the validation-chosen derivative loss
//! and pinned by a test, and the recomputation of every claim from the experiment tables
//! (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{Claim, RequiredClaim};

use crate::experiments;

/// The claims CI requires. The paper's §4.1 text was not reachable here (see
/// `paper::REGRESSION_SOURCES`); the quotes are its abstract and Fig. 1b's caption.
pub const REQUIRED: &[RequiredClaim] = &[
    RequiredClaim {
        id: "regression/booth-100-sobolev-beats-regular",
        paper_quote: "regression on classical optimisation datasets ... the use of Sobolev \
                      Training, employing target derivatives in addition to target values, \
                      results in models with higher accuracy and stronger generalisation",
    },
    RequiredClaim {
        id: "regression/rosenbrock-100-sobolev-beats-regular",
        paper_quote: "regression on classical optimisation datasets ... the use of Sobolev \
                      Training, employing target derivatives in addition to target values, \
                      results in models with higher accuracy and stronger generalisation",
    },
    RequiredClaim {
        id: "distillation/jacobian-helps-with-least-data",
        paper_quote: "To avoid computing these high dimensional objects, we can efficiently \
                      compute and fit their projections on a random vector v_j sampled from the \
                      unit sphere. (Fig. 1b; distillation: models with higher accuracy and \
                      stronger generalisation)",
    },
    RequiredClaim {
        id: "distillation/jacobian-helps-most-with-little-data",
        paper_quote: "Sobolev Training ... results in models with higher accuracy and stronger \
                      generalisation (our digit analogue: the gain is largest when the transfer \
                      set is small)",
    },
];

/// Whether the claim `id` is one CI requires.
pub fn is_required(id: &str) -> bool {
    claims::is_required(REQUIRED, id)
}

/// Every claim of the experiments whose tables `dir` holds, recomputed from those tables.
pub fn recompute(dir: &Path) -> Result<Vec<Claim>> {
    claims::recompute_from_tables(dir, &experiments::ALL, |name, table| match name {
        experiments::regression::NAME => experiments::regression::claims(table),
        _ => experiments::distillation::claims(table),
    })
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
                "regression/booth-100-sobolev-beats-regular",
                "regression/rosenbrock-100-sobolev-beats-regular",
                "distillation/jacobian-helps-with-least-data",
                "distillation/jacobian-helps-most-with-little-data",
            ]
        );
    }
}
