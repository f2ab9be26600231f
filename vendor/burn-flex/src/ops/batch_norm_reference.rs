//! kd-repro patch: Burn 0.22.1's default batch normalisation
//! (`burn-backend/src/backend/ops/modules/base.rs`, the `ModuleOps` trait
//! defaults), copied here because the defaults cannot be called once `Flex`
//! overrides them. They run for every case `batch_norm` does not handle, and
//! for all cases when the patch is switched off (`crate::kd_patch`).

use burn_backend::ops::{BatchNormTrain, BatchNormTrainBackward, FloatTensorOps};
use burn_backend::tensor::FloatTensor;
use burn_backend::{Scalar, TensorMetadata};
use burn_std::Shape;

use crate::Flex;

pub(crate) fn batch_norm(
    x: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    beta: FloatTensor<Flex>,
    mean: FloatTensor<Flex>,
    variance: FloatTensor<Flex>,
    epsilon: f64,
) -> FloatTensor<Flex> {
    let rank = x.shape().num_dims();
    let channels = x.shape()[1];
    let mut dimensions = alloc::vec![1; rank];
    dimensions[1] = channels;
    let shape = Shape::from(dimensions);
    let gamma = Flex::float_reshape(gamma, shape.clone());
    let beta = Flex::float_reshape(beta, shape.clone());
    let mean = Flex::float_reshape(mean, shape.clone());
    let variance = Flex::float_reshape(variance, shape);
    let std = Flex::float_sqrt(Flex::float_add_scalar(variance, Scalar::Float(epsilon)));
    let normalized = Flex::float_div(Flex::float_sub(x, mean), std);
    Flex::float_add(Flex::float_mul(normalized, gamma), beta)
}

pub(crate) fn batch_norm_train(
    x: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    beta: FloatTensor<Flex>,
    epsilon: f64,
) -> BatchNormTrain<Flex> {
    let shape = x.shape();
    let channels = shape[1];
    let samples_per_channel = shape.num_elements() / channels;
    let flattened = Shape::new([channels, samples_per_channel]);
    let mut per_channel = alloc::vec![1; shape.num_dims()];
    per_channel[1] = channels;

    // Use mean directly to avoid overflowing intermediate sums in f16.
    let mean = Flex::float_mean_dim(
        Flex::float_reshape(Flex::float_swap_dims(x.clone(), 0, 1), flattened.clone()),
        1,
    );
    let mean = Flex::float_reshape(mean, Shape::from(per_channel));
    let centered = Flex::float_sub(x.clone(), mean.clone());
    let variance = Flex::float_mean_dim(
        Flex::float_reshape(
            Flex::float_swap_dims(Flex::float_mul(centered.clone(), centered), 0, 1),
            flattened,
        ),
        1,
    );
    let mean = Flex::float_reshape(mean, Shape::new([channels]));
    let variance = Flex::float_reshape(variance, Shape::new([channels]));
    let output = batch_norm(x, gamma, beta, mean.clone(), variance.clone(), epsilon);

    BatchNormTrain::new(output, mean, variance)
}

pub(crate) fn batch_norm_train_backward(
    x: FloatTensor<Flex>,
    gamma: FloatTensor<Flex>,
    mean: FloatTensor<Flex>,
    variance: FloatTensor<Flex>,
    epsilon: f64,
    output_grad: FloatTensor<Flex>,
) -> BatchNormTrainBackward<Flex> {
    let shape = x.shape();
    let rank = shape.num_dims();
    let channels = shape[1];
    let flattened = Shape::new([channels, shape.num_elements() / channels]);
    let mut per_channel = alloc::vec![1; rank];
    per_channel[1] = channels;
    let per_channel = Shape::from(per_channel);

    let inv_std = Flex::float_reshape(
        Flex::float_recip(Flex::float_sqrt(Flex::float_add_scalar(
            variance,
            Scalar::Float(epsilon),
        ))),
        per_channel.clone(),
    );
    let normalized = Flex::float_mul(
        Flex::float_sub(x, Flex::float_reshape(mean, per_channel.clone())),
        inv_std.clone(),
    );

    let output_grad_flat = Flex::float_reshape(
        Flex::float_swap_dims(output_grad.clone(), 0, 1),
        flattened.clone(),
    );
    let normalized_grad_flat = Flex::float_reshape(
        Flex::float_swap_dims(
            Flex::float_mul(output_grad.clone(), normalized.clone()),
            0,
            1,
        ),
        flattened,
    );
    let beta_grad = Flex::float_sum_dim(output_grad_flat.clone(), 1);
    let gamma_grad = Flex::float_sum_dim(normalized_grad_flat.clone(), 1);

    // Compute means independently: parameter-gradient sums can overflow in f16.
    let mean_grad = Flex::float_reshape(
        Flex::float_mean_dim(output_grad_flat, 1),
        per_channel.clone(),
    );
    let mean_normalized_grad = Flex::float_reshape(
        Flex::float_mean_dim(normalized_grad_flat, 1),
        per_channel.clone(),
    );
    let centred_grad = Flex::float_sub(output_grad, mean_grad);
    let projected = Flex::float_mul(normalized, mean_normalized_grad);
    let scale = Flex::float_mul(Flex::float_reshape(gamma, per_channel), inv_std);
    let x_grad = Flex::float_mul(scale, Flex::float_sub(centred_grad, projected));

    BatchNormTrainBackward::new(
        x_grad,
        Flex::float_reshape(gamma_grad, Shape::new([channels])),
        Flex::float_reshape(beta_grad, Shape::new([channels])),
    )
}
