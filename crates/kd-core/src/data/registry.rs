//! Named datasets and where to find them. Resolution order (first hit wins):
//! 1. `--data-dir DIR` (the four files in DIR itself or in DIR/<name>);
//! 2. `$KD_DATA_DIR/<name>`;
//! 3. `data/<name>` in the workspace (where `mnist-10k` is bundled);
//! 4. the Debian package location (`/usr/share/datasets/fashion-mnist`, package `dataset-fashion-mnist`);
//! 5. a download into `data/<name>` (sha256-verified, atomic rename), for datasets with mirrors.
//!
//! Offline, a missing dataset is one error listing every place tried and how to fix it.

use std::path::{Path, PathBuf};

use crate::data::download::{Checksum, fetch_verified};
use crate::data::idx::read_idx;
use crate::data::images::ImageSet;
use crate::error::{KdError, Result};

/// One of the four files of an MNIST-style dataset.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    pub name: String,
    /// Checksum a downloaded copy must match.
    pub checksum: Checksum,
}

/// Everything needed to find or fetch a dataset.
#[derive(Debug, Clone)]
pub struct DatasetInfo {
    pub name: String,
    pub num_classes: usize,
    /// train images, train labels, test images, test labels.
    pub files: [DatasetFile; 4],
    /// Directory a system package installs the files into.
    pub system_dir: Option<PathBuf>,
    /// Base URLs tried in order; empty when the dataset cannot be downloaded.
    pub mirrors: Vec<String>,
    /// What to tell a user who has none of it.
    pub fix: String,
}

fn file(name: &str, checksum: Checksum) -> DatasetFile {
    DatasetFile {
        name: name.into(),
        checksum,
    }
}

/// The datasets this project knows by name.
pub fn dataset_info(name: &str) -> Result<DatasetInfo> {
    let gz = |hex: &str| Checksum::FileSha256(hex.into());
    let content = |hex: &str| Checksum::ContentSha256(hex.into());
    Ok(match name {
        "mnist" => DatasetInfo {
            name: name.into(),
            num_classes: 10,
            // The canonical MNIST files (LeCun, Cortes & Burges) as every mirror serves them.
            files: [
                file(
                    "train-images-idx3-ubyte.gz",
                    gz("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
                ),
                file(
                    "train-labels-idx1-ubyte.gz",
                    gz("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
                ),
                file(
                    "t10k-images-idx3-ubyte.gz",
                    gz("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
                ),
                file(
                    "t10k-labels-idx1-ubyte.gz",
                    gz("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
                ),
            ],
            system_dir: None,
            mirrors: vec![
                "https://ossci-datasets.s3.amazonaws.com/mnist/".into(),
                "https://storage.googleapis.com/cvdf-datasets/mnist/".into(),
            ],
            fix: "connect to the internet once (the files are downloaded to data/mnist and \
                  verified), or copy the four MNIST .gz files into data/mnist or pass \
                  --data-dir DIR"
                .into(),
        },
        "fashion-mnist" => DatasetInfo {
            name: name.into(),
            num_classes: 10,
            // Debian recompresses the upstream .gz files, so the pin is on the decompressed
            // IDX bytes, which are the same everywhere.
            files: [
                file(
                    "train-images-idx3-ubyte.gz",
                    content("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                ),
                file(
                    "train-labels-idx1-ubyte.gz",
                    content("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                ),
                file(
                    "t10k-images-idx3-ubyte.gz",
                    content("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                ),
                file(
                    "t10k-labels-idx1-ubyte.gz",
                    content("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
                ),
            ],
            system_dir: Some(PathBuf::from("/usr/share/datasets/fashion-mnist")),
            mirrors: vec!["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/".into()],
            fix: "install the Debian package (`apt-get install dataset-fashion-mnist`), or \
                  copy the four Fashion-MNIST .gz files into data/fashion-mnist or pass \
                  --data-dir DIR"
                .into(),
        },
        "mnist-10k" => DatasetInfo {
            name: name.into(),
            num_classes: 10,
            // Bundled in the repository; produced (byte for byte) by scripts/make_mnist_10k.py.
            files: [
                file(
                    "train-images-idx3-ubyte.gz",
                    gz("3cb6feca2a352864a4e59160d2157fbd7765e56ec4a761d92c3ca706c5c7bed4"),
                ),
                file(
                    "train-labels-idx1-ubyte.gz",
                    gz("c08ebad886691baaee9450a8324a2c728e85e4c62fbd6a20a7c2d4467572612b"),
                ),
                file(
                    "t10k-images-idx3-ubyte.gz",
                    gz("fcdfc4ddc86f7f5084bce99df5886c219608eb0c74b6c76cb971020f9c9c1996"),
                ),
                file(
                    "t10k-labels-idx1-ubyte.gz",
                    gz("1a86f2727f73a4f18473d0fc48b280eab409849809c9787616d3242d83c5fbbc"),
                ),
            ],
            system_dir: None,
            mirrors: vec![],
            fix: "the files are bundled with this repository under data/mnist-10k: restore \
                  them with `git checkout -- data/mnist-10k`, or rebuild them with \
                  scripts/make_mnist_10k.py"
                .into(),
        },
        other => return Err(KdError::UnknownDataset(other.into())),
    })
}

/// Where the workspace keeps its `data/` directory (the repository root, found at build time).
pub fn workspace_data_dir() -> PathBuf {
    crate::cli::workspace_root().join("data")
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
    pub dir: PathBuf,
    pub train: ImageSet,
    pub test: ImageSet,
}

/// Finds (or downloads) and loads a dataset.
pub fn load_dataset(info: &DatasetInfo, loc: &Locations) -> Result<Dataset> {
    let dir = locate(info, loc)?;
    let path = |i: usize| dir.join(&info.files[i].name);
    let train = read_image_set(&path(0), &path(1), info.num_classes)?;
    let test = read_image_set(&path(2), &path(3), info.num_classes)?;
    if (train.rows, train.cols) != (test.rows, test.cols) {
        return Err(KdError::corrupt(
            path(2),
            format!(
                "test images are {}x{} but training images are {}x{}",
                test.rows, test.cols, train.rows, train.cols
            ),
        ));
    }
    Ok(Dataset {
        name: info.name.clone(),
        dir,
        train,
        test,
    })
}

fn has_all_files(info: &DatasetInfo, dir: &Path) -> bool {
    info.files.iter().all(|f| dir.join(&f.name).is_file())
}

/// The directory holding the dataset's four files, downloading them if allowed and needed.
pub fn locate(info: &DatasetInfo, loc: &Locations) -> Result<PathBuf> {
    let mut candidates: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(d) = &loc.data_dir {
        candidates.push((d.clone(), "--data-dir"));
        candidates.push((d.join(&info.name), "--data-dir"));
    }
    if let Some(d) = &loc.env_dir {
        candidates.push((d.join(&info.name), "$KD_DATA_DIR"));
    }
    if let Some(d) = &loc.workspace_dir {
        candidates.push((d.join(&info.name), "workspace data/"));
    }
    if let Some(d) = &info.system_dir {
        candidates.push((d.clone(), "system package"));
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
    if loc.allow_download && !info.mirrors.is_empty() {
        let target = match &loc.workspace_dir {
            Some(w) => w.join(&info.name),
            None => return Err(missing(info, tried)),
        };
        match download_all(info, &target) {
            Ok(()) => return Ok(target),
            Err(e) => tried.push(format!("  - download into {}: {e}", target.display())),
        }
    } else if info.mirrors.is_empty() {
        tried.push("  - download: this dataset has no download source".into());
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

fn download_all(info: &DatasetInfo, target: &Path) -> Result<()> {
    std::fs::create_dir_all(target).map_err(|e| KdError::io(target, e))?;
    for f in &info.files {
        let dest = target.join(&f.name);
        if dest.is_file() {
            continue;
        }
        let mut last_err = None;
        for mirror in &info.mirrors {
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

/// Reads an image file and its label file, checking that they belong together.
pub fn read_image_set(images: &Path, labels: &Path, num_classes: usize) -> Result<ImageSet> {
    let img = read_idx(images)?;
    let lab = read_idx(labels)?;
    if img.dims.len() != 3 {
        return Err(KdError::corrupt(
            images,
            format!(
                "expected 3 dimensions (count, rows, cols), found {:?}",
                img.dims
            ),
        ));
    }
    if lab.dims.len() != 1 {
        return Err(KdError::corrupt(
            labels,
            format!("expected 1 dimension (count), found {:?}", lab.dims),
        ));
    }
    if img.dims[0] != lab.dims[0] {
        return Err(KdError::corrupt(
            labels,
            format!(
                "{} labels for {} images in {}",
                lab.dims[0],
                img.dims[0],
                images.display()
            ),
        ));
    }
    if let Some(bad) = lab.data.iter().find(|&&l| l as usize >= num_classes) {
        return Err(KdError::corrupt(
            labels,
            format!("label {bad} is out of range for {num_classes} classes"),
        ));
    }
    Ok(ImageSet {
        channels: 1,
        rows: img.dims[1],
        cols: img.dims[2],
        num_classes,
        pixels: img.data,
        labels: lab.data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::write_idx;

    fn write_set(dir: &Path, n: usize) {
        std::fs::create_dir_all(dir).unwrap();
        let px: Vec<u8> = (0..n * 4).map(|i| (i * 7) as u8).collect();
        let lab: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        write_idx(
            &dir.join("train-images-idx3-ubyte.gz"),
            &[n, 2, 2],
            &px,
            true,
        )
        .unwrap();
        write_idx(&dir.join("train-labels-idx1-ubyte.gz"), &[n], &lab, true).unwrap();
        write_idx(
            &dir.join("t10k-images-idx3-ubyte.gz"),
            &[n, 2, 2],
            &px,
            true,
        )
        .unwrap();
        write_idx(&dir.join("t10k-labels-idx1-ubyte.gz"), &[n], &lab, true).unwrap();
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
        assert_eq!((ds.train.rows, ds.train.cols), (2, 2));
        let ds = load_dataset(&info, &offline(None, &tmp.path().join("ws"))).unwrap();
        assert_eq!(ds.train.len(), 5);
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
        assert!(err.contains("Fix:"), "{err}");
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

    #[test]
    fn label_count_mismatch_is_detected() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write_idx(&dir.join("i"), &[3, 2, 2], &[0; 12], false).unwrap();
        write_idx(&dir.join("l"), &[2], &[0, 1], false).unwrap();
        let err = read_image_set(&dir.join("i"), &dir.join("l"), 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 labels for 3 images"), "{err}");
    }

    #[test]
    fn bundled_mnist_10k_is_intact_and_stratified() {
        let info = dataset_info("mnist-10k").unwrap();
        let dir = workspace_data_dir().join("mnist-10k");
        for f in &info.files {
            let bytes = std::fs::read(dir.join(&f.name)).unwrap();
            let Checksum::FileSha256(want) = &f.checksum else {
                panic!("bundled files are pinned")
            };
            assert_eq!(
                &crate::data::download::sha256_hex(&bytes),
                want,
                "{}",
                f.name
            );
        }
        let ds = load_dataset(&info, &offline(None, &workspace_data_dir())).unwrap();
        assert_eq!((ds.train.len(), ds.test.len()), (8000, 2000));
        assert_eq!((ds.train.rows, ds.train.cols), (28, 28));
        // Stratified: each class has 4x as many training as test images (within rounding).
        for (tr, te) in ds.train.class_counts().iter().zip(ds.test.class_counts()) {
            assert!((*tr as f64 / te as f64 - 4.0).abs() < 0.05, "{tr} / {te}");
        }
    }

    #[test]
    fn unknown_dataset_names_the_known_ones() {
        let err = dataset_info("cifar-11").unwrap_err().to_string();
        assert!(err.contains("mnist-10k"), "{err}");
    }
}
