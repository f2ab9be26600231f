//! Plain supervised training on the labels (the baseline every distillation is compared to).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::LossTerms;
use crate::losses::cross_entropy;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HardLabels {}

impl HardLabels {
    pub const TERMS: [&'static str; 1] = ["hard"];

    pub fn loss_terms(&self, logits: Tensor<2>, labels: Tensor<1, Int>) -> LossTerms {
        LossTerms {
            terms: vec![("hard", cross_entropy(logits, labels))],
        }
    }
}
