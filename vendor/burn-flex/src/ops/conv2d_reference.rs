//! kd-repro patch: Burn 0.22.1's generic 2-D convolution backward passes
//! (`burn-backend/src/backend/ops/modules/conv.rs`), copied here because the
//! trait defaults cannot be called once `Flex` overrides them. They run for
//! every case `conv2d_gemm` does not handle, and for all cases when the
//! patch is switched off (`crate::kd_patch`), so tests and benchmarks can
//! compare the two in one process.
#![allow(clippy::single_range_in_vec_init)]

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::TensorMetadata;
use burn_backend::ops::conv::{calculate_padding_out, pad_asymmetric_conv_input};
use burn_backend::ops::{ConvOptions, ConvTransposeOptions, FloatTensorOps, ModuleOps};
use burn_backend::tensor::FloatTensor;
use burn_std::{Shape, Slice};

use crate::Flex;

fn crop_asymmetric_input_grad<const N: usize>(
    grad: FloatTensor<Flex>,
    input_shape: &Shape,
    padding: &[(usize, usize); N],
) -> FloatTensor<Flex> {
    let mut ranges = input_shape
        .iter()
        .map(|&size| Slice::from(0..size))
        .collect::<Vec<_>>();
    for (dim, (begin, _)) in padding.iter().enumerate() {
        ranges[dim + 2] = Slice::from(*begin..*begin + input_shape[dim + 2]);
    }
    Flex::float_slice(grad, &ranges)
}

pub(crate) fn conv2d_x_backward(
    x: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    options: ConvOptions<2>,
) -> FloatTensor<Flex> {
    if options.is_asymmetric() {
        let input_shape = x.shape();
        let padding = options.padding;
        let (x, options) = pad_asymmetric_conv_input::<Flex, 2>(x, options);
        let grad = conv2d_x_backward_symmetric(x, weight, output_grad, options);
        return crop_asymmetric_input_grad::<2>(grad, &input_shape, &padding);
    }
    conv2d_x_backward_symmetric(x, weight, output_grad, options)
}

fn conv2d_x_backward_symmetric(
    x: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    options: ConvOptions<2>,
) -> FloatTensor<Flex> {
    let weight_shape = weight.shape();
    let [_batch_size, _channels_in, height_in, width_in] = x.shape().dims();
    let [_, _, height_out, width_out] = output_grad.shape().dims();
    let [_channels_out, _, kernel_size_1, kernel_size_2] = weight_shape.dims();

    let padding_1_out = calculate_padding_out(
        kernel_size_1,
        options.stride[0],
        options.padding_begin()[0],
        options.dilation[0],
        height_in,
        height_out,
    );
    let padding_2_out = calculate_padding_out(
        kernel_size_2,
        options.stride[1],
        options.padding_begin()[1],
        options.dilation[1],
        width_in,
        width_out,
    );

    Flex::conv_transpose2d(
        output_grad,
        weight,
        None,
        ConvTransposeOptions::new(
            options.stride,
            options.padding_begin(),
            [padding_1_out, padding_2_out],
            options.dilation,
            options.groups,
        ),
    )
}

pub(crate) fn conv2d_weight_backward(
    x: FloatTensor<Flex>,
    weight: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    options: ConvOptions<2>,
) -> FloatTensor<Flex> {
    let (x, options) = if options.is_asymmetric() {
        pad_asymmetric_conv_input::<Flex, 2>(x, options)
    } else {
        (x, options)
    };
    let weight_dtype = weight.dtype();
    let weight_shape = weight.shape();
    let weight_device = weight.device();
    match options.groups == 1 {
        true => conv2d_weight_grad_no_groups(x, output_grad, weight_shape, options),
        false => conv2d_weight_grad_groups(
            x,
            Flex::float_zeros(weight_shape, &weight_device, weight_dtype.into()),
            output_grad,
            options,
        ),
    }
}

pub(crate) fn conv2d_bias_backward(
    x: FloatTensor<Flex>,
    bias: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
) -> FloatTensor<Flex> {
    let [batch_size, _, _, _] = x.shape().dims();
    let [_, channels_out, height_out, width_out] = output_grad.shape().dims();
    let grad = Flex::float_swap_dims(output_grad, 0, 1);
    let grad = Flex::float_reshape(
        grad,
        Shape::new([channels_out, batch_size * height_out * width_out]),
    );
    let grad = Flex::float_sum_dim(grad, 1);
    Flex::float_reshape(grad, bias.shape())
}

fn conv2d_weight_grad_no_groups(
    x: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    weight_shape: Shape,
    options: ConvOptions<2>,
) -> FloatTensor<Flex> {
    let x_swapped = Flex::float_swap_dims(x, 0, 1);
    let output_grad_swapped = Flex::float_swap_dims(output_grad, 0, 1);
    let weight_grad_swapped = Flex::conv2d(
        x_swapped,
        output_grad_swapped,
        None,
        ConvOptions::new(options.dilation, options.padding_begin(), options.stride, 1),
    );
    let mut weight_grad = Flex::float_swap_dims(weight_grad_swapped, 0, 1);

    if weight_grad.shape() != weight_shape {
        let slices = vec![
            Slice::from(0..weight_shape[0]),
            Slice::from(0..weight_shape[1]),
            Slice::from(0..weight_shape[2]),
            Slice::from(0..weight_shape[3]),
        ];
        weight_grad = Flex::float_slice(weight_grad, &slices);
    }
    weight_grad
}

fn conv2d_weight_grad_groups(
    x: FloatTensor<Flex>,
    mut weight_grad: FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    options: ConvOptions<2>,
) -> FloatTensor<Flex> {
    let [channels_out, increment_ci, kernel_size_1, kernel_size_2] = weight_grad.shape().dims();
    let increment_co = channels_out / options.groups;

    let x_swapped = Flex::float_swap_dims(x, 0, 1);
    let output_grad_swapped = Flex::float_swap_dims(output_grad, 0, 1);

    for g in 0..options.groups {
        let start_idx_ci = g * increment_ci;
        let end_idx_ci = (g + 1) * increment_ci;
        let start_idx_co = g * increment_co;
        let end_idx_co = (g + 1) * increment_co;

        let x_slice = vec![Slice::new(
            start_idx_ci as isize,
            Some(end_idx_ci as isize),
            1,
        )];
        let x = Flex::float_slice(x_swapped.clone(), &x_slice);
        let grad_slice = vec![Slice::new(
            start_idx_co as isize,
            Some(end_idx_co as isize),
            1,
        )];
        let grad = Flex::float_slice(output_grad_swapped.clone(), &grad_slice);
        let mut weight_grad_tmp = Flex::conv2d(
            x,
            grad,
            None,
            ConvOptions::new(options.dilation, options.padding_begin(), options.stride, 1),
        );
        weight_grad_tmp = Flex::float_swap_dims(weight_grad_tmp, 0, 1);
        let [_, _, kernel_size_1_tmp, kernel_size_2_tmp] = weight_grad_tmp.shape().dims();

        if kernel_size_1_tmp != kernel_size_1 || kernel_size_2_tmp != kernel_size_2 {
            let slices = vec![
                Slice::from(0..increment_co),
                Slice::from(0..increment_ci),
                Slice::from(0..kernel_size_1),
                Slice::from(0..kernel_size_2),
            ];
            weight_grad_tmp = Flex::float_slice(weight_grad_tmp, &slices);
        }

        weight_grad = Flex::float_slice_assign(
            weight_grad,
            &[
                Slice::from(start_idx_co..end_idx_co),
                Slice::from(0..increment_ci),
                Slice::from(0..kernel_size_1),
                Slice::from(0..kernel_size_2),
            ],
            weight_grad_tmp,
        );
    }
    weight_grad
}
