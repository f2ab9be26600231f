//! Data: the on-disk formats (`formats/`: IDX, CIFAR binary, SVHN .mat), the catalogue of named
//! datasets (`registry.rs`), finding, downloading and loading them (`locate.rs`, `download.rs`;
//! bundled, system package or downloaded), deterministic train/validation/test splits, and
//! batching with augmentation.

pub mod augment;
pub mod batch;
pub mod download;
pub mod formats;
pub mod functions;
pub mod images;
pub mod locate;
pub mod registry;

/// The IDX reader lived at `data::idx` before the formats had their own module.
pub use formats::idx;

use serde::{Deserialize, Serialize};

pub use augment::{Augment, Normalization};
pub use batch::{Batch, Batcher, IndexDataset};
pub use images::{ImageSet, Subset};
pub use locate::{Dataset, Locations, load_dataset, locate, workspace_data_dir};
pub use registry::{
    Augmentations, ChannelStats, DatasetFile, DatasetInfo, Format, Part, Source, catalogue,
    dataset_info,
};

/// Seed of every split: fixed, so all runs and all seeds see the same validation set.
pub const SPLIT_SEED: u64 = 20_150_309;

/// How a dataset is cut into the three parts every experiment uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitSpec {
    /// Images carved from the official training set for model selection (never from test).
    pub validation: usize,
    /// Cap on the remaining training images (a stratified subset), e.g. for quick profiles.
    pub max_train: Option<usize>,
    /// Cap on the test images (a stratified subset); `None` keeps the official test set.
    pub max_test: Option<usize>,
}

/// Train / validation / test parts of one dataset.
#[derive(Debug, Clone)]
pub struct Splits {
    pub dataset: String,
    pub train: ImageSet,
    pub validation: ImageSet,
    pub test: ImageSet,
}

impl Splits {
    pub fn new(ds: &Dataset, spec: &SplitSpec) -> Splits {
        let (train, validation) = ds.train.stratified_split(spec.validation, SPLIT_SEED);
        let train = match spec.max_train {
            Some(n) => train.stratified_subset(n, SPLIT_SEED + 1),
            None => train,
        };
        let test = match spec.max_test {
            Some(n) => ds.test.stratified_subset(n, SPLIT_SEED + 2),
            None => ds.test.clone(),
        };
        Splits {
            dataset: ds.name.clone(),
            train,
            validation,
            test,
        }
    }

    /// Identifies the exact images of all three parts (part of every run's key).
    pub fn fingerprint(&self) -> String {
        format!(
            "{}-{}-{}",
            self.train.fingerprint(),
            self.validation.fingerprint(),
            self.test.fingerprint()
        )
    }

    /// Images shared, by pixel content, between the parts: (train and validation, train and
    /// test, validation and test). All zero for a sound split of a dataset without duplicates.
    pub fn shared_images(&self) -> [usize; 3] {
        use std::collections::HashSet;
        fn contents(set: &ImageSet) -> HashSet<&[u8]> {
            (0..set.len()).map(|i| set.image(i)).collect()
        }
        let (train, validation) = (contents(&self.train), contents(&self.validation));
        let count = |part: &ImageSet, other: &HashSet<&[u8]>| {
            (0..part.len())
                .filter(|&i| other.contains(part.image(i)))
                .count()
        };
        [
            count(&self.validation, &train),
            count(&self.test, &train),
            count(&self.test, &validation),
        ]
    }

    pub fn num_classes(&self) -> usize {
        self.train.num_classes
    }

    /// Values per image (`channels * rows * cols`): an MLP's input width.
    pub fn input_dim(&self) -> usize {
        self.train.pixels_per_image()
    }

    /// `[channels, rows, cols]` of the images.
    pub fn input_shape(&self) -> [usize; 3] {
        self.train.shape()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` images of 2x2 pixels, all different, labels cycling over 3 classes.
    fn distinct_images(n: usize) -> ImageSet {
        ImageSet {
            channels: 1,
            rows: 2,
            cols: 2,
            num_classes: 3,
            pixels: (0..n)
                .flat_map(|i| [(i % 256) as u8, (i / 256) as u8, 7, 9])
                .collect(),
            labels: (0..n).map(|i| (i % 3) as u8).collect(),
        }
    }

    #[test]
    fn shared_images_finds_a_validation_set_taken_from_train() {
        let ds = Dataset {
            name: "toy".into(),
            dir: "/nonexistent".into(),
            train: distinct_images(600),
            test: ImageSet {
                pixels: distinct_images(700).pixels[600 * 4..].to_vec(),
                labels: vec![0; 100],
                ..distinct_images(0)
            },
        };
        let spec = SplitSpec {
            validation: 60,
            max_train: Some(300),
            max_test: None,
        };
        let splits = Splits::new(&ds, &spec);
        assert_eq!(splits.shared_images(), [0, 0, 0]);
        // The mutation the review found: the whole set kept as train.
        let leaky = Splits {
            train: ds.train.clone(),
            ..splits.clone()
        };
        assert_eq!(leaky.shared_images(), [60, 0, 0]);
        let test_in_val = Splits {
            validation: ds.test.clone(),
            ..splits
        };
        assert_eq!(test_in_val.shared_images()[2], 100);
    }
}
