//! Reading tensors back to the host, whatever the device's element types are.

use burn::prelude::*;

/// The values of a float tensor as `f32`, converting from the device's float type if needed.
pub fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .try_to_vec_as::<f32>()
        .expect("float tensors convert to f32")
}

/// The values of an integer tensor as `i64`.
pub fn ints<const D: usize>(t: Tensor<D, Int>) -> Vec<i64> {
    t.into_data()
        .try_to_vec_as::<i64>()
        .expect("int tensors convert to i64")
}
