//! What a forward pass gives.

use burn::prelude::*;

/// What a forward pass gives: the logits and named intermediate features (hint and attention
/// losses tap them). Features are [B, C, H, W]; a flat feature is [B, D, 1, 1].
#[derive(Debug, Clone)]
pub struct Outputs {
    pub logits: Tensor<2>,
    pub features: Vec<(&'static str, Tensor<4>)>,
}

impl Outputs {
    pub fn feature(&self, name: &str) -> Option<&Tensor<4>> {
        self.features
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
    }
}
