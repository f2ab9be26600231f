//! The seeded transform stage of the batcher: random translation ("jitter", Hinton et al.'s
//! MNIST teacher), random crop from a zero-padded image and horizontal flip (the CIFAR
//! convention), then per-channel normalisation. Which transforms make sense is the dataset's
//! business (no flips for digits); the spec names them, so they are part of the run key.
//!
//! Randomness: one stream per (run seed, epoch), drawn in the order the epoch's shuffled batches
//! visit the samples, so a sample's transform is a function of (seed, epoch, position) and a
//! resumed run sees exactly the transforms of an uninterrupted one. (A stream per sample would
//! also do; this order is kept because the committed Hinton teachers were trained with it.)

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::data::images::ImageSet;

/// Random transforms applied to each training image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Augment {
    /// Shift by up to this many pixels in x and y (uniform integers), zero fill.
    pub translate: Option<usize>,
    /// Pad by this many zero pixels on every side and crop a random window of the original
    /// size (the CIFAR convention, padding 4). The same image set as a translation by up to
    /// `pad`, but drawn as a crop offset, like the papers' code.
    pub crop_padding: Option<usize>,
    /// Mirror left-right with probability 1/2.
    pub horizontal_flip: bool,
}

impl Augment {
    pub fn none() -> Self {
        Augment::default()
    }

    /// The jitter of Hinton et al.'s MNIST teacher: translations of up to `max_shift` pixels.
    pub fn translate(max_shift: usize) -> Self {
        Augment {
            translate: Some(max_shift),
            ..Augment::default()
        }
    }

    /// Random 4-pixel-padded crops and horizontal flips (CIFAR).
    pub fn crop_and_flip(padding: usize) -> Self {
        Augment {
            crop_padding: Some(padding),
            horizontal_flip: true,
            ..Augment::default()
        }
    }

    /// Whether every epoch sees the same images (then a teacher's logits can be cached).
    pub fn is_identity(&self) -> bool {
        self.translate.is_none() && self.crop_padding.is_none() && !self.horizontal_flip
    }

    /// Appends image `i` of `set`, transformed with draws from `rng`, as floats in [0, 1]
    /// (channel-major).
    pub fn apply_into(&self, set: &ImageSet, i: usize, rng: &mut StdRng, out: &mut Vec<f32>) {
        let (mut dx, mut dy) = (0i64, 0i64);
        if let Some(s) = self.translate {
            let s = s as i64;
            dx = rng.random_range(-s..=s);
            dy = rng.random_range(-s..=s);
        }
        if let Some(p) = self.crop_padding {
            // Crop window offset (ox, oy) in the padded image = a shift of (p - ox, p - oy).
            let p = p as i64;
            let ox = rng.random_range(0..=2 * p);
            let oy = rng.random_range(0..=2 * p);
            dx += p - ox;
            dy += p - oy;
        }
        let flip = self.horizontal_flip && rng.random::<bool>();
        transform_into(set, i, dx, dy, flip, out);
    }
}

/// Appends image `i` translated by (`dx`, `dy`) pixels (zero fill) and optionally mirrored
/// left-right (after the shift), scaled to [0, 1].
pub fn transform_into(set: &ImageSet, i: usize, dx: i64, dy: i64, flip: bool, out: &mut Vec<f32>) {
    let (rows, cols) = (set.rows as i64, set.cols as i64);
    let img = set.image(i);
    for ch in 0..set.channels {
        let plane = &img[ch * set.rows * set.cols..(ch + 1) * set.rows * set.cols];
        for r in 0..rows {
            for c in 0..cols {
                let c = if flip { cols - 1 - c } else { c };
                let (sr, sc) = (r - dy, c - dx);
                let v = if (0..rows).contains(&sr) && (0..cols).contains(&sc) {
                    plane[(sr * cols + sc) as usize] as f32 / 255.0
                } else {
                    0.0
                };
                out.push(v);
            }
        }
    }
}

/// Per-channel normalisation `(x - mean) / std` of [0, 1] pixels (each dataset's statistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normalization {
    /// Normalises `pixels` (whole images of `plane` values per channel, channel-major) in place.
    pub fn apply(&self, pixels: &mut [f32], plane: usize) {
        let channels = self.mean.len();
        for (k, v) in pixels.iter_mut().enumerate() {
            let ch = (k / plane) % channels;
            *v = (*v - self.mean[ch]) / self.std[ch];
        }
    }

    pub fn validate(&self, channels: usize) -> crate::Result<()> {
        if self.mean.len() != channels || self.std.len() != channels {
            return Err(crate::KdError::Config(format!(
                "normalisation has {} means and {} standard deviations for {channels}-channel \
                 images; give one of each per channel",
                self.mean.len(),
                self.std.len()
            )));
        }
        if self.std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(crate::KdError::Config(format!(
                "normalisation standard deviations must be positive, got {:?}",
                self.std
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn one_pixel(channels: usize) -> ImageSet {
        let mut pixels = vec![0u8; 25 * channels];
        for ch in 0..channels {
            pixels[ch * 25 + 2 * 5 + 1] = 255; // row 2, col 1 of a 5x5 image
        }
        ImageSet {
            channels,
            rows: 5,
            cols: 5,
            num_classes: 10,
            pixels,
            labels: vec![4],
        }
    }

    fn lit(v: &[f32]) -> Vec<usize> {
        (0..v.len()).filter(|&k| v[k] > 0.0).collect()
    }

    #[test]
    fn shift_and_flip_move_the_pixel_in_every_channel() {
        let set = one_pixel(3);
        let mut out = Vec::new();
        transform_into(&set, 0, 2, -1, false, &mut out);
        assert_eq!(lit(&out), vec![8, 25 + 8, 50 + 8]); // row 1, col 3
        out.clear();
        transform_into(&set, 0, 0, 0, true, &mut out);
        assert_eq!(lit(&out), vec![13, 25 + 13, 50 + 13]); // row 2, col 5-1-1
        out.clear();
        transform_into(&set, 0, -2, 0, false, &mut out); // pushed out of the frame
        assert!(out.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn crops_stay_within_the_padding_and_flips_happen_half_the_time() {
        let set = one_pixel(1);
        let aug = Augment::crop_and_flip(1);
        let mut rng = StdRng::seed_from_u64(3);
        let (mut flipped, mut positions) = (0, std::collections::BTreeSet::new());
        for _ in 0..400 {
            let mut out = Vec::new();
            aug.apply_into(&set, 0, &mut rng, &mut out);
            let at = lit(&out);
            assert_eq!(at.len(), 1);
            let (r, c) = ((at[0] / 5) as i64, (at[0] % 5) as i64);
            assert!((r - 2).abs() <= 1);
            // Unflipped the column is within 1 of 1; flipped, within 1 of 3.
            if (c - 1).abs() > 1 {
                flipped += 1;
                assert!((c - 3).abs() <= 1);
            }
            positions.insert(at[0]);
        }
        // Flipped images land in columns 2..=4, unflipped in 0..=2; column 3 or 4 means flipped
        // with a shift other than +1 (probability 1/2 * 2/3), so about 133 of 400.
        assert!((100..170).contains(&flipped), "{flipped}");
        assert!(positions.len() >= 12, "{positions:?}");
    }

    #[test]
    fn the_same_stream_gives_the_same_transforms() {
        let set = one_pixel(3);
        let aug = Augment::crop_and_flip(4);
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut out = Vec::new();
            for _ in 0..20 {
                aug.apply_into(&set, 0, &mut rng, &mut out);
            }
            out
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert!(Augment::none().is_identity() && !aug.is_identity());
    }

    #[test]
    fn normalisation_is_per_channel() {
        let n = Normalization {
            mean: vec![0.5, 0.0],
            std: vec![0.25, 2.0],
        };
        let mut px = vec![1.0, 0.5, 1.0, 4.0];
        n.apply(&mut px, 2);
        assert_eq!(px, vec![2.0, 0.0, 0.5, 2.0]);
        assert!(n.validate(3).is_err());
        assert!(n.validate(2).is_ok());
    }
}
