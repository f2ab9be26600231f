//! What a forward pass of a convolutional model returns.

use burn::prelude::*;

/// What a forward pass gives: the logits and named intermediate features (hint and attention
/// losses tap them). Features are `[B, C, H, W]`; a flat feature is `[B, D, 1, 1]`.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub logits: Tensor<2>,
    pub features: Vec<(&'static str, Tensor<4>)>,
}

impl Outputs {
    /// The feature called `name`, if the model produces one.
    pub fn feature(&self, name: &str) -> Option<&Tensor<4>> {
        self.features
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
    }

    /// The names of the features, in the order the forward pass produced them.
    pub fn feature_names(&self) -> Vec<&'static str> {
        self.features.iter().map(|(n, _)| *n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_found_by_name() {
        let device = Device::flex();
        let out = Outputs {
            logits: Tensor::zeros([2, 3], &device),
            features: vec![
                ("a", Tensor::zeros([2, 4, 5, 5], &device)),
                ("b", Tensor::ones([2, 7, 1, 1], &device)),
            ],
        };
        assert_eq!(out.feature("b").map(|t| t.dims()), Some([2, 7, 1, 1]));
        assert!(out.feature("c").is_none());
        assert_eq!(out.feature_names(), ["a", "b"]);
    }
}
