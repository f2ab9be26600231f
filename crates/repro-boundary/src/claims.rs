//! The paper's central claims (fixed from its text, pinned by a test) and the recomputation of
//! every claim from the experiment tables (what `kd-check claims` runs).

use std::path::Path;

use kd_core::Result;
use kd_core::report::claims;
use kd_core::report::{CentralClaim, Claim};

use crate::experiments;

/// The paper's headline statements (issue 19): KD + BSS beats KD, and beats FitNets, attention
/// transfer and FSP, for the ResNet8 student of the comparison. The list is fixed from the
/// paper's text (its comparison row, as the teacher-assistant paper quotes it; the quotes are
/// the numbers `paper::ROWS` records), not from any result, and can only grow.
pub const CENTRAL: &[CentralClaim] = &[
    CentralClaim {
        id: "table/resnet8-bss-beats-kd",
        paper_quote: "the comparison (CIFAR-10, ResNet26 teacher, 80 epochs, as the \
                      teacher-assistant paper quotes it): ResNet8 KD 86.66 %, KD + BSS 87.32 %; \
                      ResNet14 KD 89.75 %, KD + BSS 90.34 %",
    },
    CentralClaim {
        id: "comparison/resnet8-bss-beats-fitnet",
        paper_quote: "the comparison (CIFAR-10, ResNet26 teacher): ResNet8 FitNet 86.73 %, \
                      KD + BSS 87.32 %",
    },
    CentralClaim {
        id: "comparison/resnet8-bss-beats-at",
        paper_quote: "the comparison (CIFAR-10, ResNet26 teacher): ResNet8 AT 86.86 %, \
                      KD + BSS 87.32 %",
    },
    CentralClaim {
        id: "comparison/resnet8-bss-beats-fsp",
        paper_quote: "the comparison (CIFAR-10, ResNet26 teacher): ResNet8 FSP 87.07 %, \
                      KD + BSS 87.32 %",
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
        experiments::comparison::NAME => experiments::comparison::claims(table),
        experiments::less_data::NAME => experiments::less_data::claims(table),
        _ => Ok(Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper;

    #[test]
    fn the_central_claims_are_pinned() {
        let ids: Vec<&str> = CENTRAL.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "table/resnet8-bss-beats-kd",
                "comparison/resnet8-bss-beats-fitnet",
                "comparison/resnet8-bss-beats-at",
                "comparison/resnet8-bss-beats-fsp",
            ]
        );
    }

    /// Each quote carries the paper's recorded ResNet8 numbers of its two methods.
    #[test]
    fn the_quotes_carry_the_papers_numbers() {
        let r = paper::row(8).unwrap();
        for (claim, other) in CENTRAL.iter().zip([r.kd, r.fitnet, r.attention, r.fsp]) {
            assert!(
                claim.paper_quote.contains(&format!("{other:.2}"))
                    && claim.paper_quote.contains(&format!("{:.2}", r.bss)),
                "{}",
                claim.paper_quote
            );
        }
    }
}
