//! Named datasets and where to find them. Resolution order (first hit wins):
//! 1. `--data-dir DIR` (the four files in DIR itself or in DIR/<name>);
//! 2. `$KD_DATA_DIR/<name>`;
//! 3. `data/<name>` in the workspace (where `mnist-10k` is bundled);
//! 4. the Debian package location (`/usr/share/datasets/fashion-mnist`, package `dataset-fashion-mnist`);
//! 5. a download into `data/<name>` (sha256-verified, atomic rename), for datasets with mirrors.
//!
//! Offline, a missing dataset is one error listing every place tried and how to fix it.

use std::path::{Path, PathBuf};

use crate::data::download::fetch_verified;
use crate::data::formats::idx::read_image_set;
use crate::data::images::ImageSet;
use crate::data::registry::DatasetInfo;
use crate::error::{KdError, Result};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::download::Checksum;
    use crate::data::formats::idx::write_idx;
    use crate::data::registry::dataset_info;

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
}
