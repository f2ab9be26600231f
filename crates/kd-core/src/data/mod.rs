//! Data: IDX files, named datasets (bundled, system package or downloaded), deterministic
//! train/validation/test splits, and batching with augmentation.

pub mod batch;
pub mod download;
pub mod functions;
pub mod idx;
pub mod images;
pub mod registry;

use serde::{Deserialize, Serialize};

pub use batch::{DigitBatch, DigitBatcher, IndexDataset, Jitter, TangentTeacher, Tangents};
pub use images::{ImageSet, Subset};
pub use registry::{Dataset, Locations, dataset_info, load_dataset};

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

    pub fn num_classes(&self) -> usize {
        self.train.num_classes
    }

    pub fn input_dim(&self) -> usize {
        self.train.pixels_per_image()
    }
}
