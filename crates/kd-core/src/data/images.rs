//! In-memory labelled image sets (MNIST-style: one byte per pixel, one byte per label) and the
//! deterministic subsets every experiment draws from them.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fsio::hex;

/// A set of `len()` images of `channels x rows x cols` bytes (channel-major, "CHW", one byte
/// per value) with one class label each. Grey digits have one channel, CIFAR and SVHN three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSet {
    pub channels: usize,
    pub rows: usize,
    pub cols: usize,
    pub num_classes: usize,
    pub pixels: Vec<u8>,
    pub labels: Vec<u8>,
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Bytes per image: `channels * rows * cols`.
    pub fn pixels_per_image(&self) -> usize {
        self.channels * self.rows * self.cols
    }

    /// `[channels, rows, cols]`.
    pub fn shape(&self) -> [usize; 3] {
        [self.channels, self.rows, self.cols]
    }

    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.pixels_per_image();
        &self.pixels[i * n..(i + 1) * n]
    }

    /// The images at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> ImageSet {
        let mut pixels = Vec::with_capacity(indices.len() * self.pixels_per_image());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
        }
        ImageSet {
            channels: self.channels,
            rows: self.rows,
            cols: self.cols,
            num_classes: self.num_classes,
            pixels,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// Number of images of each class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }

    /// A short content hash: runs trained on different data never share a run-store key.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        // Grey images hash as they did before colour existed, so their run keys are unchanged.
        if self.channels != 1 {
            h.update(b"channels");
            h.update((self.channels as u64).to_le_bytes());
        }
        h.update((self.rows as u64).to_le_bytes());
        h.update((self.cols as u64).to_le_bytes());
        h.update(&self.pixels);
        h.update(&self.labels);
        hex(&h.finalize()[..8])
    }

    /// Splits into (`rest`, `taken`) where `taken` holds `count` images drawn per class in
    /// proportion to the class frequencies (largest remainders), deterministically from `seed`.
    /// Both parts keep the original order of their images.
    pub fn stratified_split(&self, count: usize, seed: u64) -> (ImageSet, ImageSet) {
        let (rest, taken) = stratified_indices(&self.labels, self.num_classes, count, seed);
        (self.select(&rest), self.select(&taken))
    }

    /// A stratified subset of `count` images (the whole set when `count >= len()`).
    pub fn stratified_subset(&self, count: usize, seed: u64) -> ImageSet {
        if count >= self.len() {
            return self.clone();
        }
        self.stratified_split(count, seed).1
    }

    /// The subset a [`Subset`] describes.
    pub fn subset(&self, subset: &Subset) -> ImageSet {
        match subset {
            Subset::All => self.clone(),
            Subset::WithoutClasses { classes } => self.filter(|l| !classes.contains(&l)),
            Subset::OnlyClasses { classes } => self.filter(|l| classes.contains(&l)),
            Subset::Stratified { count, seed } => self.stratified_subset(*count, *seed),
        }
    }

    fn filter(&self, keep: impl Fn(u8) -> bool) -> ImageSet {
        let idx: Vec<usize> = (0..self.len()).filter(|&i| keep(self.labels[i])).collect();
        self.select(&idx)
    }
}

/// Which part of a training set a run learns from (the "transfer set" of a distilled student).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Subset {
    All,
    WithoutClasses { classes: Vec<u8> },
    OnlyClasses { classes: Vec<u8> },
    Stratified { count: usize, seed: u64 },
}

/// Indices (`rest`, `taken`) of a stratified draw of `count` items.
pub fn stratified_indices(
    labels: &[u8],
    num_classes: usize,
    count: usize,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let n = labels.len();
    let count = count.min(n);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); num_classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    // Largest-remainder apportionment of `count` over the classes.
    let exact: Vec<f64> = by_class
        .iter()
        .map(|c| c.len() as f64 * count as f64 / n.max(1) as f64)
        .collect();
    let mut quota: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..num_classes).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.partial_cmp(&ra).unwrap().then(a.cmp(&b))
    });
    let mut missing = count - quota.iter().sum::<usize>();
    for &c in order.iter().cycle().take(num_classes * 2) {
        if missing == 0 {
            break;
        }
        if quota[c] < by_class[c].len() {
            quota[c] += 1;
            missing -= 1;
        }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut taken_mask = vec![false; n];
    for (c, members) in by_class.iter().enumerate() {
        let mut shuffled = members.clone();
        shuffled.shuffle(&mut rng);
        for &i in shuffled.iter().take(quota[c]) {
            taken_mask[i] = true;
        }
    }
    let rest = (0..n).filter(|&i| !taken_mask[i]).collect();
    let taken = (0..n).filter(|&i| taken_mask[i]).collect();
    (rest, taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> ImageSet {
        ImageSet {
            channels: 1,
            rows: 2,
            cols: 2,
            num_classes: 3,
            pixels: (0..n * 4).map(|i| i as u8).collect(),
            labels: (0..n).map(|i| (i % 3) as u8).collect(),
        }
    }

    #[test]
    fn stratified_split_is_disjoint_proportional_and_deterministic() {
        let set = toy(90);
        let (rest, taken) = stratified_indices(&set.labels, 3, 30, 7);
        assert_eq!(taken.len(), 30);
        assert_eq!(rest.len(), 60);
        let mut all: Vec<usize> = rest.iter().chain(&taken).copied().collect();
        all.sort();
        assert_eq!(all, (0..90).collect::<Vec<_>>());
        let sub = set.select(&taken);
        assert_eq!(sub.class_counts(), vec![10, 10, 10]);
        assert_eq!(
            stratified_indices(&set.labels, 3, 30, 7),
            (rest.clone(), taken.clone())
        );
        assert_ne!(stratified_indices(&set.labels, 3, 30, 8).1, taken);
    }

    #[test]
    fn subsets_filter_by_class() {
        let set = toy(9);
        let no1 = set.subset(&Subset::WithoutClasses { classes: vec![1] });
        assert!(no1.labels.iter().all(|&l| l != 1));
        assert_eq!(no1.len(), 6);
        let only2 = set.subset(&Subset::OnlyClasses { classes: vec![2] });
        assert_eq!(only2.labels, vec![2, 2, 2]);
        assert_eq!(only2.image(0), set.image(2));
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let a = toy(9);
        let mut b = a.clone();
        b.labels[0] = 2;
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint(), toy(9).fingerprint());
    }
}
