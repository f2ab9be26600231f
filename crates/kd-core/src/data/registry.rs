//! The catalogue of named datasets: their files, checksums, download sources and the fix to
//! print when they are missing. Finding and loading them is `locate.rs`.

use std::path::PathBuf;

use crate::data::download::Checksum;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_dataset_names_the_known_ones() {
        let err = dataset_info("cifar-11").unwrap_err().to_string();
        assert!(err.contains("mnist-10k"), "{err}");
    }
}
