//! Batching on Burn's dataset API: a `Dataset` of sample indices and a `Batcher` that gathers
//! the images (through the seeded transform stage) and labels. A batch is pure data: teachers
//! are the training loop's business (`train::teacher`).

use std::sync::{Arc, Mutex};

use burn::data::dataloader::batcher::Batcher as BurnBatcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;
use rand::rngs::StdRng;

use crate::data::augment::{Augment, Normalization};
use crate::data::images::ImageSet;

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

/// One batch: images `[B, C, H, W]` (transformed, normalised), labels `[B]`, and the indices of
/// the samples in the set they came from (a cached teacher looks its logits up by them).
#[derive(Debug, Clone)]
pub struct Batch {
    pub images: Tensor<4>,
    pub labels: Tensor<1, Int>,
    pub indices: Vec<usize>,
}

/// Gathers a batch from `set`; transforms draw from `rng` (the epoch's `augment` stream).
#[derive(Debug, Clone)]
pub struct Batcher {
    pub set: Arc<ImageSet>,
    pub augment: Augment,
    pub normalize: Option<Normalization>,
    pub rng: Arc<Mutex<StdRng>>,
}

impl BurnBatcher<usize, Batch> for Batcher {
    fn batch(&self, items: Vec<usize>, device: &Device) -> Batch {
        let set = &self.set;
        let mut pixels = Vec::with_capacity(items.len() * set.pixels_per_image());
        if self.augment.is_identity() {
            for &i in &items {
                pixels.extend(set.image(i).iter().map(|&p| p as f32 / 255.0));
            }
        } else {
            let mut rng = self.rng.lock().expect("augment rng poisoned");
            for &i in &items {
                self.augment.apply_into(set, i, &mut rng, &mut pixels);
            }
        }
        if let Some(n) = &self.normalize {
            n.apply(&mut pixels, set.rows * set.cols);
        }
        let b = items.len();
        let images = Tensor::from_data(
            TensorData::new(pixels, [b, set.channels, set.rows, set.cols]),
            device,
        );
        let labels: Vec<i64> = items.iter().map(|&i| set.labels[i] as i64).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [b]), device);
        Batch {
            images,
            labels,
            indices: items,
        }
    }
}

/// Images `range` of `set` as a `[n, C, H, W]` tensor (no augmentation), for evaluation.
pub fn images_tensor(
    set: &ImageSet,
    range: std::ops::Range<usize>,
    normalize: Option<&Normalization>,
    device: &Device,
) -> Tensor<4> {
    let d = set.pixels_per_image();
    let n = range.len();
    let mut pixels: Vec<f32> = set.pixels[range.start * d..range.end * d]
        .iter()
        .map(|&p| p as f32 / 255.0)
        .collect();
    if let Some(norm) = normalize {
        norm.apply(&mut pixels, set.rows * set.cols);
    }
    Tensor::from_data(
        TensorData::new(pixels, [n, set.channels, set.rows, set.cols]),
        device,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensors::{floats, ints};
    use rand::SeedableRng;

    fn two_images() -> ImageSet {
        let mut pixels = vec![0u8; 25];
        pixels[2 * 5 + 2] = 255; // centre of a 5x5 image
        pixels.extend(vec![51u8; 25]);
        ImageSet {
            channels: 1,
            rows: 5,
            cols: 5,
            num_classes: 10,
            pixels,
            labels: vec![4, 7],
        }
    }

    fn batcher(augment: Augment, seed: u64) -> Batcher {
        Batcher {
            set: Arc::new(two_images()),
            augment,
            normalize: None,
            rng: Arc::new(Mutex::new(StdRng::seed_from_u64(seed))),
        }
    }

    #[test]
    fn batcher_gathers_pixels_labels_and_indices() {
        let device = Device::flex();
        let b = batcher(Augment::none(), 0).batch(vec![1, 0], &device);
        assert_eq!(b.images.dims(), [2, 1, 5, 5]);
        let px: Vec<f32> = floats(b.images);
        assert!((px[0] - 0.2).abs() < 1e-6);
        assert_eq!(px[25 + 12], 1.0);
        assert_eq!(ints(b.labels), vec![7, 4]);
        assert_eq!(b.indices, vec![1, 0]);
    }

    #[test]
    fn jitter_is_seeded_and_bounded() {
        let device = Device::flex();
        let run = |seed| -> Vec<f32> {
            floats(
                batcher(Augment::translate(2), seed)
                    .batch(vec![0; 16], &device)
                    .images,
            )
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        // The lit pixel always stays inside the 5x5 frame (a shift of at most 2 from the centre).
        for img in run(5).chunks(25) {
            assert_eq!(img.iter().filter(|&&v| v > 0.0).count(), 1);
        }
    }

    #[test]
    fn evaluation_images_are_normalised_like_training_batches() {
        let device = Device::flex();
        let norm = Normalization {
            mean: vec![0.2],
            std: vec![0.5],
        };
        let mut b = batcher(Augment::none(), 0);
        b.normalize = Some(norm.clone());
        let train = floats(b.batch(vec![0, 1], &device).images);
        let eval = floats(images_tensor(&two_images(), 0..2, Some(&norm), &device));
        assert_eq!(train, eval);
        assert!((eval[12] - 1.6).abs() < 1e-6);
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
}
