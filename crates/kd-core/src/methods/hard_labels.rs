//! Plain supervised training on the labels (the baseline every distillation is compared to).

use serde::{Deserialize, Serialize};

use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::cross_entropy;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HardLabels {}

impl Distiller for HardLabels {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["hard"]
    }

    fn describe(&self) -> String {
        "hard labels".into()
    }

    fn loss_terms(&self, io: &StepIo, _ctx: &mut StepCtx) -> LossTerms {
        LossTerms::new(vec![(
            "hard",
            cross_entropy(io.student.logits.clone(), io.labels.clone()),
        )])
    }
}
