//! Batching on Burn's dataset API: a `Dataset` of sample indices and a `Batcher` that gathers
//! pixels (optionally jittered) and, for distillation, the teacher's precomputed logits.

use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;

use crate::data::images::ImageSet;
use crate::models::{ForwardJvp, Mlp};

/// Sample indices as a Burn dataset: `samples` indices, each repeated `repeats` times (so one
/// epoch over a small transfer set can hold as many steps as an epoch over the full set). The
/// data loader shuffles them, the batcher looks the samples up, so no sample is ever copied
/// into a per-item struct.
#[derive(Debug, Clone, Copy)]
pub struct IndexDataset {
    pub samples: usize,
    pub repeats: usize,
}

impl Dataset<usize> for IndexDataset {
    fn get(&self, index: usize) -> Result<usize, DatasetError> {
        if index < self.len() {
            Ok(index % self.samples)
        } else {
            Err(DatasetError::new(std::io::Error::other(format!(
                "index {index} out of range for {} samples x {} repeats",
                self.samples, self.repeats
            ))))
        }
    }

    fn len(&self) -> usize {
        self.samples * self.repeats
    }
}

/// Random translation of each image by up to `max_shift` pixels in x and y (zero fill): the
/// "jitter" regularizer of Hinton et al.'s MNIST teacher.
#[derive(Debug)]
pub struct Jitter {
    pub max_shift: usize,
    pub rng: Mutex<StdRng>,
}

/// Source of random tangent directions and of the teacher's input-Jacobian projections along
/// them (Sobolev distillation). The teacher runs on the plain device.
#[derive(Debug)]
pub struct TangentTeacher {
    pub model: Mlp,
    pub rng: Mutex<StdRng>,
}

/// One random unit direction `v` per sample (in input space) and the teacher's `J v`.
#[derive(Debug, Clone)]
pub struct Tangents {
    pub directions: Tensor<2>,
    pub teacher_jvp: Tensor<2>,
}

/// One batch: images as `[batch, rows*cols]` floats in [0, 1], labels, the teacher's logits
/// for the same samples when a teacher is attached, and tangents for Sobolev distillation.
#[derive(Debug, Clone)]
pub struct DigitBatch {
    pub images: Tensor<2>,
    pub labels: Tensor<1, Int>,
    pub teacher_logits: Option<Tensor<2>>,
    pub tangents: Option<Tangents>,
}

#[derive(Debug, Clone)]
pub struct DigitBatcher {
    pub set: Arc<ImageSet>,
    /// Row-major `[set.len(), num_classes]`.
    pub teacher_logits: Option<Arc<Vec<f32>>>,
    pub jitter: Option<Arc<Jitter>>,
    pub tangent_teacher: Option<Arc<TangentTeacher>>,
}

/// `n` directions of dimension `d`, uniform on the unit sphere (normalised Gaussians).
pub fn unit_directions(n: usize, d: usize, rng: &mut StdRng) -> Vec<f32> {
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let row: Vec<f64> = (0..d)
            .map(|_| {
                // Box-Muller: two uniforms to one standard normal.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect();
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        out.extend(row.iter().map(|v| (v / norm) as f32));
    }
    out
}

impl Batcher<usize, DigitBatch> for DigitBatcher {
    fn batch(&self, items: Vec<usize>, device: &Device) -> DigitBatch {
        let d = self.set.pixels_per_image();
        let mut pixels = Vec::with_capacity(items.len() * d);
        match &self.jitter {
            None => {
                for &i in &items {
                    pixels.extend(self.set.image(i).iter().map(|&p| p as f32 / 255.0));
                }
            }
            Some(j) => {
                let mut rng = j.rng.lock().expect("jitter rng poisoned");
                let s = j.max_shift as i64;
                for &i in &items {
                    let dx = rng.random_range(-s..=s);
                    let dy = rng.random_range(-s..=s);
                    shift_into(&self.set, i, dx, dy, &mut pixels);
                }
            }
        }
        let b = items.len();
        let tangents = self.tangent_teacher.as_ref().map(|t| {
            let plain = device.clone().inner();
            let v = {
                let mut rng = t.rng.lock().expect("tangent rng poisoned");
                unit_directions(b, d, &mut rng)
            };
            let v = Tensor::<2>::from_data(TensorData::new(v, [b, d]), &plain);
            let x = Tensor::<2>::from_data(TensorData::new(pixels.clone(), [b, d]), &plain);
            let (_, teacher_jvp) = t.model.forward_jvp(x, v.clone());
            Tangents {
                directions: v.to_device(device),
                teacher_jvp: teacher_jvp.to_device(device),
            }
        });
        let images = Tensor::from_data(TensorData::new(pixels, [b, d]), device);
        let labels: Vec<i64> = items.iter().map(|&i| self.set.labels[i] as i64).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [b]), device);
        let teacher_logits = self.teacher_logits.as_ref().map(|t| {
            let k = t.len() / self.set.len();
            let mut rows = Vec::with_capacity(b * k);
            for &i in &items {
                rows.extend_from_slice(&t[i * k..(i + 1) * k]);
            }
            Tensor::from_data(TensorData::new(rows, [b, k]), device)
        });
        DigitBatch {
            images,
            labels,
            teacher_logits,
            tangents,
        }
    }
}

/// Appends image `i` translated by (`dx`, `dy`) pixels, scaled to [0, 1].
pub fn shift_into(set: &ImageSet, i: usize, dx: i64, dy: i64, out: &mut Vec<f32>) {
    let (rows, cols) = (set.rows as i64, set.cols as i64);
    let img = set.image(i);
    for r in 0..rows {
        for c in 0..cols {
            let (sr, sc) = (r - dy, c - dx);
            let v = if (0..rows).contains(&sr) && (0..cols).contains(&sc) {
                img[(sr * cols + sc) as usize] as f32 / 255.0
            } else {
                0.0
            };
            out.push(v);
        }
    }
}

/// Images `range` of `set` as a `[n, rows*cols]` tensor (no augmentation), for evaluation.
pub fn images_tensor(set: &ImageSet, range: std::ops::Range<usize>, device: &Device) -> Tensor<2> {
    let d = set.pixels_per_image();
    let n = range.len();
    let pixels: Vec<f32> = set.pixels[range.start * d..range.end * d]
        .iter()
        .map(|&p| p as f32 / 255.0)
        .collect();
    Tensor::from_data(TensorData::new(pixels, [n, d]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::{floats, ints};
    use rand::SeedableRng;

    fn one_pixel() -> ImageSet {
        let mut pixels = vec![0u8; 25];
        pixels[2 * 5 + 2] = 255; // centre of a 5x5 image
        ImageSet {
            channels: 1,
            rows: 5,
            cols: 5,
            num_classes: 10,
            pixels,
            labels: vec![4],
        }
    }

    #[test]
    fn shift_moves_the_pixel_and_fills_with_zero() {
        let set = one_pixel();
        let mut out = Vec::new();
        shift_into(&set, 0, 2, -1, &mut out);
        let lit: Vec<usize> = (0..25).filter(|&k| out[k] > 0.0).collect();
        assert_eq!(lit, vec![5 + 4]); // row 2-1, col 2+2
        out.clear();
        shift_into(&set, 0, 3, 0, &mut out); // pushed out of the frame
        assert!(out.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn batcher_gathers_pixels_labels_and_teacher_rows() {
        let device = Device::flex();
        let mut set = one_pixel();
        set.pixels.extend(vec![51u8; 25]);
        set.labels.push(7);
        let logits: Vec<f32> = (0..20).map(|v| v as f32).collect();
        let batcher = DigitBatcher {
            set: Arc::new(set),
            teacher_logits: Some(Arc::new(logits)),
            jitter: None,
            tangent_teacher: None,
        };
        let b = batcher.batch(vec![1, 0], &device);
        assert_eq!(b.images.dims(), [2, 25]);
        let px: Vec<f32> = floats(b.images);
        assert!((px[0] - 0.2).abs() < 1e-6);
        let labels: Vec<i64> = ints(b.labels);
        assert_eq!(labels, vec![7, 4]);
        let t: Vec<f32> = floats(b.teacher_logits.unwrap());
        assert_eq!(t[0], 10.0);
        assert_eq!(t[10], 0.0);
    }

    #[test]
    fn directions_are_unit_and_seeded() {
        let mut a = StdRng::seed_from_u64(1);
        let v = unit_directions(3, 50, &mut a);
        for row in v.chunks(50) {
            let norm: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        assert_eq!(v, unit_directions(3, 50, &mut StdRng::seed_from_u64(1)));
        // Roughly isotropic: the mean of many directions is near 0.
        let many = unit_directions(2000, 2, &mut a);
        let mean_x = many.chunks(2).map(|r| r[0]).sum::<f32>() / 2000.0;
        assert!(mean_x.abs() < 0.05, "{mean_x}");
    }

    #[test]
    fn tangents_carry_the_teachers_jvp() {
        use crate::models::MlpConfig;
        let device = Device::flex();
        let teacher = MlpConfig::plain(&[25, 7, 3]).init(4, &device);
        let batcher = DigitBatcher {
            set: Arc::new(one_pixel()),
            teacher_logits: None,
            jitter: None,
            tangent_teacher: Some(Arc::new(TangentTeacher {
                model: teacher.clone(),
                rng: Mutex::new(StdRng::seed_from_u64(2)),
            })),
        };
        let b = batcher.batch(vec![0], &device);
        let t = b.tangents.expect("tangents");
        let (_, expect) = teacher.forward_jvp(b.images, t.directions);
        assert_eq!(floats(expect), floats(t.teacher_jvp));
    }

    #[test]
    fn repeated_indices_cycle_through_the_samples() {
        let ds = IndexDataset {
            samples: 3,
            repeats: 2,
        };
        assert_eq!(ds.len(), 6);
        let got: Vec<usize> = (0..6).map(|i| ds.get(i).unwrap()).collect();
        assert_eq!(got, vec![0, 1, 2, 0, 1, 2]);
        assert!(ds.get(6).is_err());
    }

    #[test]
    fn jitter_is_seeded_and_bounded() {
        let device = Device::flex();
        let make = |seed| DigitBatcher {
            set: Arc::new(one_pixel()),
            teacher_logits: None,
            jitter: Some(Arc::new(Jitter {
                max_shift: 2,
                rng: Mutex::new(StdRng::seed_from_u64(seed)),
            })),
            tangent_teacher: None,
        };
        let run = |seed| -> Vec<f32> { floats(make(seed).batch(vec![0; 16], &device).images) };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        // The lit pixel always stays inside the 5x5 frame (a shift of at most 2 from the centre).
        let px = run(5);
        for img in px.chunks(25) {
            assert_eq!(img.iter().filter(|&&v| v > 0.0).count(), 1);
        }
    }
}
