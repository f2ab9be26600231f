//! The paper's central claims (fixed from its text, pinned by a test) and the recomputation of
//! every claim from the experiment tables (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{CentralClaim, Claim};

use crate::experiments;

/// The paper's headline statements (issue 19), on MNIST (the dataset of the `cpu` profile the
/// paper also uses): the student of the noisy teacher (sigma, alpha chosen on validation) beats
/// the student regressing the clean teacher's logits, and beats the student whose own logits
/// carry the same noise. The list is fixed from the paper's text (its abstract; the paper's
/// full text could not be read, see `paper::SOURCES`), not from any result, and can only grow.
pub const CENTRAL: &[CentralClaim] = &[
    CentralClaim {
        id: "table/mnist-noisy-beats-clean",
        paper_quote: "abstract: a noise-based regulariser while training the student from the \
                      teacher \"provides a healthy improvement in the performance of the student \
                      network\" on CIFAR-10, SVHN and MNIST",
    },
    CentralClaim {
        id: "regularizers/mnist-noisy-teacher-beats-noisy-student",
        paper_quote: "not the paper's words (its full text could not be read here): secondary \
                      sources (reading notes) describe its noisy-teacher vs noisy-student \
                      comparison, the teacher's noise helping more; the abstract: the \
                      noise-based regulariser \"provides a healthy improvement in the \
                      performance of the student network\"",
    },
];

/// Whether the claim `id` is one of the paper's central claims.
pub fn is_central(id: &str) -> bool {
    claims::is_central(CENTRAL, id)
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
    fn the_central_claims_are_pinned() {
        let ids: Vec<&str> = CENTRAL.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "table/mnist-noisy-beats-clean",
                "regularizers/mnist-noisy-teacher-beats-noisy-student",
            ]
        );
    }
}
