//! kd-repro patch: 2-D convolution as im2col + GEMM on NCHW data, for the
//! forward pass and both backward passes (f32, symmetric padding).
//!
//! Why: the backend trait's default `conv2d_weight_backward` computes the
//! weight gradient as a *convolution* of the input (batch as channels) with
//! the output gradient used as a kernel: for a 3x3 layer at 32x32 a 32x32
//! kernel producing a 3x3 output, a shape the forward kernels are not made
//! for (4-8x slower than PyTorch on 2 cores). The default input gradient goes
//! through `conv_transpose2d`, and the forward converts every input to NHWC
//! and scatters its tiles back. Here all three share one layout: per chunk of
//! samples the columns `[Cin*kh*kw, samples*Ho*Wo]` (rows in weight order, so
//! the weight is used as stored), and
//!
//! - forward:      `Y = W [Cout, K] . cols [K, N]`
//! - input grad:   `cols = W^T . dY`, then col2im (scatter-add)
//! - weight grad:  `dW += dY [Cout, N] . cols^T`
//!
//! Work is split into a fixed number of sample ranges (from the batch size and
//! the thread count only), and the weight gradient's partial sums are added in
//! range order, so results do not depend on thread scheduling.

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_backend::ops::conv::calculate_conv_output_size;
use burn_std::{Bytes, Shape};

use crate::{FlexTensor, Layout};

/// Columns per GEMM we aim for: enough for the GEMM kernel to run at speed,
/// few enough that a chunk's columns stay in cache.
const TARGET_COLUMNS: usize = 1024;

/// The geometry of one 2-D convolution.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    batch: usize,
    channels_in: usize,
    height: usize,
    width: usize,
    channels_out: usize,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    out_height: usize,
    out_width: usize,
}

impl Geometry {
    fn new(x_shape: &[usize], w_shape: &[usize], options: &ConvOptions<2>) -> Self {
        let padding = options.padding_begin();
        let kernel = [w_shape[2], w_shape[3]];
        Self {
            batch: x_shape[0],
            channels_in: x_shape[1],
            height: x_shape[2],
            width: x_shape[3],
            channels_out: w_shape[0],
            kernel,
            stride: options.stride,
            padding,
            dilation: options.dilation,
            out_height: calculate_conv_output_size(
                kernel[0],
                options.stride[0],
                padding[0],
                options.dilation[0],
                x_shape[2],
            ),
            out_width: calculate_conv_output_size(
                kernel[1],
                options.stride[1],
                padding[1],
                options.dilation[1],
                x_shape[3],
            ),
        }
    }

    /// Rows of the column matrix: one per weight element of an output channel.
    fn rows(&self) -> usize {
        self.channels_in * self.kernel[0] * self.kernel[1]
    }

    fn out_spatial(&self) -> usize {
        self.out_height * self.out_width
    }

    fn in_spatial(&self) -> usize {
        self.height * self.width
    }

    /// A 1x1 convolution with unit stride and no padding: a sample's input
    /// already is its column matrix.
    fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1] && self.stride == [1, 1] && self.padding == [0, 0]
    }

    /// Samples per chunk, and the chunk ranges handed to the threads.
    fn chunks(&self) -> Vec<(usize, usize)> {
        let threads = worker_threads();
        let per_chunk = TARGET_COLUMNS.div_ceil(self.out_spatial()).max(1);
        // At least one range per thread when the batch allows it.
        let per_chunk = per_chunk.min(self.batch.div_ceil(threads)).max(1);
        (0..self.batch)
            .step_by(per_chunk)
            .map(|start| (start, (start + per_chunk).min(self.batch)))
            .collect()
    }

    /// Output column range `[lo, hi)` whose input column `o*stride + k*dilation - pad`
    /// falls inside `[0, size)`.
    fn valid_range(
        out: usize,
        size: usize,
        stride: usize,
        offset: isize, // k*dilation - pad
    ) -> (usize, usize) {
        // o*stride + offset >= 0  <=>  o >= ceil(-offset / stride)
        let lo = if offset >= 0 {
            0
        } else {
            ((-offset) as usize).div_ceil(stride)
        };
        // o*stride + offset <= size-1  <=>  o <= floor((size-1-offset)/stride)
        let last = size as isize - 1 - offset;
        let hi = if last < 0 {
            0
        } else {
            (last as usize / stride + 1).min(out)
        };
        (lo.min(hi), hi)
    }
}

/// Whether the patched path handles this convolution (f32, ungrouped,
/// symmetric padding). Everything else keeps Burn's own implementation.
pub(crate) fn supports(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> bool {
    x.dtype() == DType::F32
        && weight.dtype() == DType::F32
        && options.groups == 1
        && !options.is_asymmetric()
        && x.layout().shape().num_dims() == 4
}

fn worker_threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads().max(1)
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// Runs `work` for each item, in parallel where rayon is enabled; results in item order.
fn for_each_chunk<T: Send, F: Fn(usize, (usize, usize)) -> T + Sync + Send>(
    chunks: &[(usize, usize)],
    work: F,
) -> Vec<T> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        chunks
            .par_iter()
            .enumerate()
            .map(|(index, &chunk)| work(index, chunk))
            .collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        chunks
            .iter()
            .enumerate()
            .map(|(index, &chunk)| work(index, chunk))
            .collect()
    }
}

/// Fills `cols` (`[rows, samples * out_spatial]`, row-major) with the patches
/// of the samples `first..first+samples` of `x`.
fn im2col(geometry: &Geometry, x: &[f32], first: usize, samples: usize, cols: &mut [f32]) {
    let g = geometry;
    let out_spatial = g.out_spatial();
    let n = samples * out_spatial;
    for c in 0..g.channels_in {
        for ki in 0..g.kernel[0] {
            let row_offset = (ki * g.dilation[0]) as isize - g.padding[0] as isize;
            let (oy_lo, oy_hi) =
                Geometry::valid_range(g.out_height, g.height, g.stride[0], row_offset);
            for kj in 0..g.kernel[1] {
                let col_offset = (kj * g.dilation[1]) as isize - g.padding[1] as isize;
                let (ox_lo, ox_hi) =
                    Geometry::valid_range(g.out_width, g.width, g.stride[1], col_offset);
                let row = (c * g.kernel[0] + ki) * g.kernel[1] + kj;
                let dst_row = &mut cols[row * n..(row + 1) * n];
                for s in 0..samples {
                    let plane =
                        &x[((first + s) * g.channels_in + c) * g.in_spatial()..][..g.in_spatial()];
                    let dst = &mut dst_row[s * out_spatial..(s + 1) * out_spatial];
                    for oy in 0..g.out_height {
                        let line = &mut dst[oy * g.out_width..(oy + 1) * g.out_width];
                        if oy < oy_lo || oy >= oy_hi {
                            line.fill(0.0);
                            continue;
                        }
                        let iy = (oy * g.stride[0]) as isize + row_offset;
                        let src = &plane[iy as usize * g.width..(iy as usize + 1) * g.width];
                        line[..ox_lo].fill(0.0);
                        line[ox_hi..].fill(0.0);
                        if g.stride[1] == 1 {
                            let start = (ox_lo as isize + col_offset) as usize;
                            line[ox_lo..ox_hi]
                                .copy_from_slice(&src[start..start + (ox_hi - ox_lo)]);
                        } else {
                            for ox in ox_lo..ox_hi {
                                line[ox] = src[((ox * g.stride[1]) as isize + col_offset) as usize];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adds the columns `cols` (`[rows, samples * out_spatial]`) back into the
/// input-shaped gradient of the samples `first..first+samples`; `dx` is the
/// slice for exactly those samples.
fn col2im(geometry: &Geometry, cols: &[f32], samples: usize, dx: &mut [f32]) {
    let g = geometry;
    let out_spatial = g.out_spatial();
    let n = samples * out_spatial;
    for c in 0..g.channels_in {
        for ki in 0..g.kernel[0] {
            let row_offset = (ki * g.dilation[0]) as isize - g.padding[0] as isize;
            let (oy_lo, oy_hi) =
                Geometry::valid_range(g.out_height, g.height, g.stride[0], row_offset);
            for kj in 0..g.kernel[1] {
                let col_offset = (kj * g.dilation[1]) as isize - g.padding[1] as isize;
                let (ox_lo, ox_hi) =
                    Geometry::valid_range(g.out_width, g.width, g.stride[1], col_offset);
                let row = (c * g.kernel[0] + ki) * g.kernel[1] + kj;
                let src_row = &cols[row * n..(row + 1) * n];
                for s in 0..samples {
                    let plane =
                        &mut dx[(s * g.channels_in + c) * g.in_spatial()..][..g.in_spatial()];
                    let src = &src_row[s * out_spatial..(s + 1) * out_spatial];
                    for oy in oy_lo..oy_hi {
                        let line = &src[oy * g.out_width..(oy + 1) * g.out_width];
                        let iy = ((oy * g.stride[0]) as isize + row_offset) as usize;
                        let dst = &mut plane[iy * g.width..(iy + 1) * g.width];
                        if g.stride[1] == 1 {
                            let start = (ox_lo as isize + col_offset) as usize;
                            for (d, v) in dst[start..start + (ox_hi - ox_lo)]
                                .iter_mut()
                                .zip(&line[ox_lo..ox_hi])
                            {
                                *d += v;
                            }
                        } else {
                            for ox in ox_lo..ox_hi {
                                dst[((ox * g.stride[1]) as isize + col_offset) as usize] +=
                                    line[ox];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A strided matrix operand for [`gemm`].
#[derive(Clone, Copy)]
struct Operand {
    ptr: *const f32,
    col_stride: isize,
    row_stride: isize,
}

/// `dst [m, n] (row-major) = (accumulate ? dst : 0) + lhs [m, k] . rhs [k, n]`, single-threaded
/// (the callers parallelise over sample ranges).
///
/// # Safety
/// The operands must cover the given shapes with their strides.
unsafe fn gemm(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    accumulate: bool,
    lhs: Operand,
    rhs: Operand,
) {
    debug_assert!(dst.len() >= m * n);
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.ptr,
            lhs.col_stride,
            lhs.row_stride,
            rhs.ptr,
            rhs.col_stride,
            rhs.row_stride,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Runs `f` with two scratch buffers of at least `a` and `b` elements, reused
/// across calls on the same thread (no allocation, no zeroing: every caller
/// overwrites what it reads). Contents on entry are unspecified.
fn with_scratch<R>(a: usize, b: usize, f: impl FnOnce(&mut [f32], &mut [f32]) -> R) -> R {
    #[cfg(feature = "std")]
    {
        use core::cell::RefCell;
        std::thread_local! {
            static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buffers) => {
                let (first, second) = &mut *buffers;
                if first.len() < a {
                    first.resize(a, 0.0);
                }
                if second.len() < b {
                    second.resize(b, 0.0);
                }
                f(&mut first[..a], &mut second[..b])
            }
            Err(_) => f(&mut vec![0.0; a], &mut vec![0.0; b]),
        })
    }
    #[cfg(not(feature = "std"))]
    {
        f(&mut vec![0.0; a], &mut vec![0.0; b])
    }
}

fn contiguous_f32(tensor: &FlexTensor) -> FlexTensor {
    tensor.to_contiguous()
}

fn f32_tensor(data: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(Shape::from(shape)),
        DType::F32,
    )
}

/// Copies `[Cout, samples * spatial]` (chunk order) into `samples` NCHW blocks.
fn scatter_chunk(chunk: &[f32], channels: usize, samples: usize, spatial: usize, out: &mut [f32]) {
    let n = samples * spatial;
    for s in 0..samples {
        for c in 0..channels {
            out[(s * channels + c) * spatial..][..spatial]
                .copy_from_slice(&chunk[c * n + s * spatial..][..spatial]);
        }
    }
}

/// Gathers `samples` NCHW blocks into `[C, samples * spatial]` (chunk order).
fn gather_chunk(src: &[f32], channels: usize, samples: usize, spatial: usize, chunk: &mut [f32]) {
    let n = samples * spatial;
    for s in 0..samples {
        for c in 0..channels {
            chunk[c * n + s * spatial..][..spatial]
                .copy_from_slice(&src[(s * channels + c) * spatial..][..spatial]);
        }
    }
}

/// Splits `data` into the per-chunk sample blocks of `block` elements per sample.
fn split_by_chunks<'a>(
    mut data: &'a mut [f32],
    chunks: &[(usize, usize)],
    block: usize,
) -> Vec<&'a mut [f32]> {
    let mut parts = Vec::with_capacity(chunks.len());
    for &(start, end) in chunks {
        let (head, tail) = data.split_at_mut((end - start) * block);
        parts.push(head);
        data = tail;
    }
    parts
}

/// Forward convolution. `supports` must hold.
pub(crate) fn conv2d_f32(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let x = contiguous_f32(&x);
    let weight = contiguous_f32(&weight);
    let g = Geometry::new(x.layout().shape(), weight.layout().shape(), options);
    let x_data: &[f32] = x.storage();
    let w_data: &[f32] = weight.storage();
    let bias = bias.map(|b| contiguous_f32(&b));
    let bias_data: Option<&[f32]> = bias.as_ref().map(|b| b.storage());
    let rows = g.rows();
    let spatial = g.out_spatial();
    let out_block = g.channels_out * spatial;
    let chunks = g.chunks();

    let mut out = vec![0.0f32; g.batch * out_block];
    let parts = split_by_chunks(&mut out, &chunks, out_block);
    let parts: Vec<_> = parts.into_iter().map(SendSlice::new).collect();
    for_each_chunk(&chunks, |index, (start, end)| {
        let samples = end - start;
        let n = samples * spatial;
        let dst = unsafe { parts[index].get() };
        let lhs = Operand {
            ptr: w_data.as_ptr(),
            col_stride: 1,
            row_stride: rows as isize,
        };
        if samples == 1 && g.is_pointwise() {
            let rhs = Operand {
                ptr: x_data[start * g.channels_in * g.in_spatial()..].as_ptr(),
                col_stride: 1,
                row_stride: n as isize,
            };
            unsafe { gemm(g.channels_out, n, rows, dst, false, lhs, rhs) };
        } else {
            with_scratch(rows * n, g.channels_out * n, |cols, result| {
                im2col(&g, x_data, start, samples, cols);
                let rhs = Operand {
                    ptr: cols.as_ptr(),
                    col_stride: 1,
                    row_stride: n as isize,
                };
                if samples == 1 {
                    unsafe { gemm(g.channels_out, n, rows, dst, false, lhs, rhs) };
                } else {
                    unsafe { gemm(g.channels_out, n, rows, result, false, lhs, rhs) };
                    scatter_chunk(result, g.channels_out, samples, spatial, dst);
                }
            });
        }
        if let Some(bias) = bias_data {
            // Blocks of `spatial` run over (sample, channel) in NCHW order.
            for (i, block) in dst.chunks_mut(spatial).enumerate() {
                let value = bias[i % g.channels_out];
                block.iter_mut().for_each(|v| *v += value);
            }
        }
    });

    f32_tensor(
        out,
        vec![g.batch, g.channels_out, g.out_height, g.out_width],
    )
}

/// Gradient of the input. `supports` must hold for `(x, weight)`.
pub(crate) fn conv2d_x_backward_f32(
    x_shape: &[usize],
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let weight = contiguous_f32(&weight);
    let output_grad = contiguous_f32(&output_grad);
    let g = Geometry::new(x_shape, weight.layout().shape(), options);
    let w_data: &[f32] = weight.storage();
    let dy: &[f32] = output_grad.storage();
    let rows = g.rows();
    let spatial = g.out_spatial();
    let in_block = g.channels_in * g.in_spatial();
    let chunks = g.chunks();

    let mut dx = vec![0.0f32; g.batch * in_block];
    let parts = split_by_chunks(&mut dx, &chunks, in_block);
    let parts: Vec<_> = parts.into_iter().map(SendSlice::new).collect();
    for_each_chunk(&chunks, |index, (start, end)| {
        let samples = end - start;
        let n = samples * spatial;
        let dst = unsafe { parts[index].get() };
        // W^T: element (row, c_out) = W[c_out * rows + row].
        let lhs = Operand {
            ptr: w_data.as_ptr(),
            col_stride: rows as isize,
            row_stride: 1,
        };
        let dy_block =
            &dy[start * g.channels_out * spatial..][..samples * g.channels_out * spatial];
        with_scratch(g.channels_out * n, rows * n, |gathered, cols| {
            let rhs_data: &[f32] = if samples == 1 {
                dy_block
            } else {
                gather_chunk(dy_block, g.channels_out, samples, spatial, gathered);
                gathered
            };
            let rhs = Operand {
                ptr: rhs_data.as_ptr(),
                col_stride: 1,
                row_stride: n as isize,
            };
            if samples == 1 && g.is_pointwise() {
                unsafe { gemm(rows, n, g.channels_out, dst, false, lhs, rhs) };
            } else {
                unsafe { gemm(rows, n, g.channels_out, cols, false, lhs, rhs) };
                col2im(&g, cols, samples, dst);
            }
        });
    });

    f32_tensor(dx, x_shape.to_vec())
}

/// Gradient of the weight. `supports` must hold for `(x, weight)`.
pub(crate) fn conv2d_weight_backward_f32(
    x: FlexTensor,
    w_shape: &[usize],
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let x = contiguous_f32(&x);
    let output_grad = contiguous_f32(&output_grad);
    let g = Geometry::new(x.layout().shape(), w_shape, options);
    let x_data: &[f32] = x.storage();
    let dy: &[f32] = output_grad.storage();
    let rows = g.rows();
    let spatial = g.out_spatial();
    let chunks = g.chunks();
    // One partial sum per range of chunks; ranges fixed by the thread count.
    let ranges = chunk_ranges(chunks.len(), worker_threads());

    let partials = for_each_chunk(&ranges, |_, (first_chunk, last_chunk)| {
        let mut dw = vec![0.0f32; g.channels_out * rows];
        for (i, &(start, end)) in chunks[first_chunk..last_chunk].iter().enumerate() {
            let samples = end - start;
            let n = samples * spatial;
            let dy_block =
                &dy[start * g.channels_out * spatial..][..samples * g.channels_out * spatial];
            with_scratch(g.channels_out * n, rows * n, |gathered, cols| {
                let lhs_data: &[f32] = if samples == 1 {
                    dy_block
                } else {
                    gather_chunk(dy_block, g.channels_out, samples, spatial, gathered);
                    gathered
                };
                let lhs = Operand {
                    ptr: lhs_data.as_ptr(),
                    col_stride: 1,
                    row_stride: n as isize,
                };
                let cols_data: &[f32] = if samples == 1 && g.is_pointwise() {
                    &x_data[start * g.channels_in * g.in_spatial()..][..rows * n]
                } else {
                    im2col(&g, x_data, start, samples, cols);
                    cols
                };
                // cols^T: element (column, row) = cols[row * n + column].
                let rhs = Operand {
                    ptr: cols_data.as_ptr(),
                    col_stride: n as isize,
                    row_stride: 1,
                };
                unsafe { gemm(g.channels_out, rows, n, &mut dw, i > 0, lhs, rhs) };
            });
        }
        dw
    });

    let mut partials = partials.into_iter();
    let mut dw = partials
        .next()
        .unwrap_or_else(|| vec![0.0; g.channels_out * rows]);
    for partial in partials {
        for (total, value) in dw.iter_mut().zip(&partial) {
            *total += value;
        }
    }
    f32_tensor(dw, w_shape.to_vec())
}

/// Gradient of the bias: the output gradient summed over samples and positions.
pub(crate) fn conv2d_bias_backward_f32(output_grad: FlexTensor) -> FlexTensor {
    let output_grad = contiguous_f32(&output_grad);
    let shape = output_grad.layout().shape();
    let (batch, channels) = (shape[0], shape[1]);
    let spatial: usize = (2..shape.num_dims()).map(|d| shape[d]).product();
    let dy: &[f32] = output_grad.storage();
    let mut grad = vec![0.0f32; channels];
    for b in 0..batch {
        for (c, total) in grad.iter_mut().enumerate() {
            *total += dy[(b * channels + c) * spatial..][..spatial]
                .iter()
                .sum::<f32>();
        }
    }
    f32_tensor(grad, vec![channels])
}

/// Splits `count` chunks into at most `parts` contiguous, nearly equal ranges.
fn chunk_ranges(count: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, count.max(1));
    (0..parts)
        .map(|p| (p * count / parts, (p + 1) * count / parts))
        .filter(|(start, end)| end > start)
        .collect()
}

/// A mutable slice handed to exactly one worker.
struct SendSlice(*mut f32, usize);

impl SendSlice {
    fn new(slice: &mut [f32]) -> Self {
        Self(slice.as_mut_ptr(), slice.len())
    }

    /// # Safety
    /// Each `SendSlice` is used by one worker only, while its source is alive.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self) -> &mut [f32] {
        unsafe { core::slice::from_raw_parts_mut(self.0, self.1) }
    }
}

unsafe impl Send for SendSlice {}
unsafe impl Sync for SendSlice {}
