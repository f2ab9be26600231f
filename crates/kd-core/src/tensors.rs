//! Reading tensors back to the host, whatever the device's element types are, and small host-side
//! helpers on what comes back.

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

/// The samples `indices` of a batch `[n, C, H, W]`, in that order.
pub fn select_samples(images: Tensor<4>, indices: &[usize]) -> Tensor<4> {
    let device = images.device();
    let index: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    let index = Tensor::<1, Int>::from_data(TensorData::new(index, [indices.len()]), &device);
    images.select(0, index)
}

/// The index of the largest value of `row` (the first on ties).
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (k, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = k;
        }
    }
    best
}
