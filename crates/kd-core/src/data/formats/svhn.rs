//! SVHN's cropped digits (http://ufldl.stanford.edu/housenumbers/): `train_32x32.mat` and
//! `test_32x32.mat`, MATLAB v5 files (as MATLAB's default `-v7` writes them, with each variable
//! zlib-compressed; uncompressed v5 files are read too) holding
//!
//! - `X`: uint8 of size [32, 32, 3, N] (row, column, RGB channel, image), stored column-major:
//!   `X(r, c, ch, n)` is element `r + 32 c + 1024 ch + 3072 n`;
//! - `y`: [N, 1] labels in 1..=10, where 10 stands for the digit 0.
//!
//! The reader converts `X` to CHW bytes (each channel plane row by row) and the label 10 to 0.
//! Parsing is done by the `matfile` crate, which reads numeric arrays of MAT v5 files, compressed
//! or not; MATLAB v7.3 files (HDF5 containers) are not supported and are reported as such.

use std::path::Path;

use matfile::{MatFile, NumericData};

use crate::data::images::ImageSet;
use crate::error::{KdError, Result};

/// SVHN's 10 classes: the digits 0..=9 (the files say 10 for 0).
pub const NUM_CLASSES: usize = 10;

/// Reads one SVHN cropped-digit `.mat` file.
/// The largest image side a file may declare (SVHN's is 32).
const MAX_SIDE: usize = 4096;

pub fn read_svhn_mat(path: &Path) -> Result<ImageSet> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => KdError::corrupt(
            path,
            "missing: fetch the dataset again (or restore the file)",
        ),
        _ => KdError::io(path, e),
    })?;
    parse_svhn_mat(&bytes).map_err(|problem| KdError::corrupt(path, problem))
}

/// Parses the bytes of an SVHN `.mat` file; the error describes the problem and the fix (the
/// caller adds the file name).
pub fn parse_svhn_mat(bytes: &[u8]) -> std::result::Result<ImageSet, String> {
    const REFETCH: &str = "delete the file and fetch the dataset again";
    const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";
    if bytes.starts_with(b"MATLAB 7.3") || bytes.get(512..520) == Some(HDF5_SIGNATURE) {
        return Err(format!(
            "a MATLAB v7.3 (HDF5) file, which this reader does not support: re-save it in \
             MATLAB with `save(..., '-v7')`, or {REFETCH}"
        ));
    }
    // A v5 header is 116 bytes of text, 8 of subsystem offset, 2 of version, then the byte-order
    // mark `IM` (little-endian) or `MI` (big-endian).
    if !matches!(bytes.get(126..128), Some(b"IM" | b"MI")) {
        return Err(format!(
            "not a MATLAB v5 .mat file (no byte-order mark in its 128-byte header); {REFETCH}"
        ));
    }
    let mat = MatFile::parse(bytes).map_err(|e| {
        format!("truncated or corrupt MATLAB v5 file (the .mat parser says: {e}); {REFETCH}")
    })?;
    let x = mat.find_by_name("X").ok_or_else(|| {
        format!("no variable `X` (the images) in the file; it is not an SVHN cropped-digit file; {REFETCH}")
    })?;
    let y = mat.find_by_name("y").ok_or_else(|| {
        format!("no variable `y` (the labels) in the file; it is not an SVHN cropped-digit file; {REFETCH}")
    })?;

    // MATLAB drops trailing singleton dimensions, so a file of one image has X of [32, 32, 3].
    let dims = x.size().as_slice();
    let (rows, cols, channels, n) = match *dims {
        [r, c, ch, n] => (r, c, ch, n),
        [r, c, ch] => (r, c, ch, 1),
        _ => {
            return Err(format!(
                "`X` has dimensions {dims:?}; SVHN's are [32, 32, 3, N] (rows, columns, RGB, \
                 images); {REFETCH}"
            ));
        }
    };
    if channels != 3 {
        return Err(format!(
            "`X` has dimensions {dims:?}: {channels} channels where SVHN has 3 (RGB); {REFETCH}"
        ));
    }
    let NumericData::UInt8 { real: data, imag } = x.data() else {
        return Err(format!(
            "`X` holds {}, not uint8 pixels as in SVHN; {REFETCH}",
            kind(x.data())
        ));
    };
    // Dimensions come from the file: a crafted one may declare negative sizes (read as huge
    // unsigned ones) whose product wraps around to the data's length (issue 20).
    let declared = [rows, cols, channels, n]
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let (plane, declared) = match declared {
        Some(total) if (1..=MAX_SIDE).contains(&rows) && (1..=MAX_SIDE).contains(&cols) => {
            (rows * cols, total)
        }
        _ => {
            return Err(format!(
                "`X` has dimensions {dims:?}, which no image file has (sides from 1 to \
                 {MAX_SIDE} pixels); {REFETCH}"
            ));
        }
    };
    if imag.is_some() || data.len() != declared {
        return Err(format!(
            "`X` declares dimensions {dims:?} ({} values) but holds {}{}; {REFETCH}",
            declared,
            data.len(),
            if imag.is_some() {
                " complex values"
            } else {
                ""
            }
        ));
    }

    let labels = label_values(y.data())?;
    let y_dims = y.size().as_slice();
    let is_vector = y_dims.len() == 2 && (y_dims[0] == 1 || y_dims[1] == 1);
    if !is_vector || labels.len() != n {
        return Err(format!(
            "`y` has dimensions {y_dims:?} but `X` holds {n} images: SVHN has one label per \
             image, `y` of [N, 1]; {REFETCH}"
        ));
    }
    let labels = labels
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && (1.0..=10.0).contains(&v) {
                Ok((v as u8) % 10)
            } else {
                Err(format!(
                    "label {v} of image {i} is out of SVHN's range 1..=10 (10 stands for the \
                     digit 0); {REFETCH}"
                ))
            }
        })
        .collect::<std::result::Result<Vec<u8>, String>>()?;

    // Column-major [rows, cols, channels, n] -> per image, per channel, row by row.
    let mut pixels = vec![0u8; data.len()];
    for (img, out) in data
        .chunks_exact(plane * channels)
        .zip(pixels.chunks_exact_mut(plane * channels))
    {
        for (src, dst) in img.chunks_exact(plane).zip(out.chunks_exact_mut(plane)) {
            for c in 0..cols {
                for r in 0..rows {
                    dst[r * cols + c] = src[c * rows + r];
                }
            }
        }
    }
    Ok(ImageSet {
        channels,
        rows,
        cols,
        num_classes: NUM_CLASSES,
        pixels,
        labels,
    })
}

/// The label values as floating point, whatever numeric class MATLAB stored them in.
fn label_values(data: &NumericData) -> std::result::Result<Vec<f64>, String> {
    fn real<T: Copy + Into<f64>>(v: &[T], imag: bool) -> Option<Vec<f64>> {
        (!imag).then(|| v.iter().map(|&x| x.into()).collect())
    }
    let values = match data {
        NumericData::UInt8 { real: v, imag } => real(v, imag.is_some()),
        NumericData::Int8 { real: v, imag } => real(v, imag.is_some()),
        NumericData::UInt16 { real: v, imag } => real(v, imag.is_some()),
        NumericData::Int16 { real: v, imag } => real(v, imag.is_some()),
        NumericData::UInt32 { real: v, imag } => real(v, imag.is_some()),
        NumericData::Int32 { real: v, imag } => real(v, imag.is_some()),
        NumericData::Single { real: v, imag } => real(v, imag.is_some()),
        NumericData::Double { real: v, imag } => real(v, imag.is_some()),
        NumericData::UInt64 { .. } | NumericData::Int64 { .. } => None,
    };
    values.ok_or_else(|| {
        format!(
            "`y` holds {}, not real labels 1..=10; delete the file and fetch the dataset again",
            kind(data)
        )
    })
}

fn kind(data: &NumericData) -> &'static str {
    let (name, complex) = match data {
        NumericData::Int8 { imag, .. } => ("int8 values", imag.is_some()),
        NumericData::UInt8 { imag, .. } => ("uint8 values", imag.is_some()),
        NumericData::Int16 { imag, .. } => ("int16 values", imag.is_some()),
        NumericData::UInt16 { imag, .. } => ("uint16 values", imag.is_some()),
        NumericData::Int32 { imag, .. } => ("int32 values", imag.is_some()),
        NumericData::UInt32 { imag, .. } => ("uint32 values", imag.is_some()),
        NumericData::Int64 { imag, .. } => ("int64 values", imag.is_some()),
        NumericData::UInt64 { imag, .. } => ("uint64 values", imag.is_some()),
        NumericData::Single { imag, .. } => ("single-precision floats", imag.is_some()),
        NumericData::Double { imag, .. } => ("double-precision floats", imag.is_some()),
    };
    if complex { "complex numbers" } else { name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/svhn")
            .join(name)
    }

    /// The formula scripts/make_svhn_fixtures.py wrote: X[r, c, ch, n].
    fn value(r: usize, c: usize, ch: usize, n: usize) -> u8 {
        ((7 * r + 13 * c + 61 * ch + 101 * n + 3) % 256) as u8
    }

    fn assert_pixels(set: &ImageSet, n: usize) {
        assert_eq!(set.shape(), [3, 32, 32]);
        assert_eq!(set.len(), n);
        for i in 0..n {
            let img = set.image(i);
            for ch in 0..3 {
                for r in 0..32 {
                    for c in 0..32 {
                        assert_eq!(
                            img[ch * 1024 + r * 32 + c],
                            value(r, c, ch, i),
                            "image {i} channel {ch} row {r} col {c}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn compressed_v7_file_reads_back_exactly() {
        let set = read_svhn_mat(&fixture("train_32x32.mat")).unwrap();
        assert_pixels(&set, 5);
        // y = [10, 1, 2, 9, 10] (uint8): 10 is the digit 0.
        assert_eq!(set.labels, vec![0, 1, 2, 9, 0]);
        assert_eq!(set.num_classes, 10);
    }

    #[test]
    fn uncompressed_v5_file_with_double_labels_reads_back_exactly() {
        let set = read_svhn_mat(&fixture("test_32x32.mat")).unwrap();
        assert_pixels(&set, 3);
        assert_eq!(set.labels, vec![3, 0, 7]);
    }

    fn error_of(name: &str) -> String {
        let err = read_svhn_mat(&fixture(name)).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
        assert!(err.contains("fetch the dataset again"), "{err}");
        err
    }

    #[test]
    fn malformed_files_give_one_clear_error_naming_the_file() {
        let e = error_of("bad_label.mat");
        assert!(
            e.contains("label 0 of image 1 is out of SVHN's range 1..=10"),
            "{e}"
        );
        let e = error_of("no_y.mat");
        assert!(e.contains("no variable `y`"), "{e}");
        let e = error_of("four_channels.mat");
        assert!(e.contains("4 channels"), "{e}");
        let e = error_of("count_mismatch.mat");
        assert!(e.contains("`X` holds 3 images"), "{e}");
        let e = error_of("float_pixels.mat");
        assert!(e.contains("`X` holds double-precision floats"), "{e}");
    }

    #[test]
    fn truncated_and_garbled_files_are_errors_not_panics() {
        let tmp = tempfile::tempdir().unwrap();
        for good in ["train_32x32.mat", "test_32x32.mat"] {
            let bytes = std::fs::read(fixture(good)).unwrap();
            let mut cases: Vec<(String, Vec<u8>)> =
                [10, 127, 200, bytes.len() / 2, bytes.len() - 1]
                    .iter()
                    .map(|&n| (format!("cut{n}"), bytes[..n].to_vec()))
                    .collect();
            for at in [128, 132, 140, 180, 400, bytes.len() / 2, bytes.len() - 8] {
                let mut garbled = bytes.clone();
                for b in &mut garbled[at..at + 4] {
                    *b ^= 0xA5;
                }
                cases.push((format!("garbled{at}"), garbled));
            }
            cases.push(("text".into(), b"<html>not found</html>".to_vec()));
            for (what, content) in cases {
                let p = tmp.path().join(format!("{what}-{good}"));
                std::fs::write(&p, &content).unwrap();
                match read_svhn_mat(&p) {
                    Err(e) => {
                        let e = e.to_string();
                        assert!(e.contains(&format!("{what}-{good}")), "{e}");
                    }
                    // Flipped pixel bytes of an uncompressed file still make a valid file;
                    // any change to a compressed one fails zlib's checks.
                    Ok(_) => assert!(
                        what.starts_with("garbled") && good == "test_32x32.mat",
                        "{what} of {good} was accepted"
                    ),
                }
            }
        }
        let missing = tmp.path().join("train_32x32.mat");
        let e = read_svhn_mat(&missing).unwrap_err().to_string();
        assert!(e.contains("train_32x32.mat: missing"), "{e}");
    }

    /// Issue 20: dimensions that read as huge unsigned numbers and multiply (wrapping) to the
    /// data's length are one clear error, not an index out of bounds.
    #[test]
    fn dimensions_that_wrap_around_are_an_error_not_a_panic() {
        let bytes = std::fs::read(fixture("test_32x32.mat")).unwrap();
        let dims: Vec<u8> = [32i32, 32, 3, 3]
            .iter()
            .flat_map(|d| d.to_le_bytes())
            .collect();
        let at = bytes
            .windows(dims.len())
            .position(|w| w == dims.as_slice())
            .expect("X's dimensions in the fixture");
        // -1 x -1024 wraps to 1024 = 32 x 32: the length check alone would pass.
        let crafted: Vec<u8> = [-1i32, -1024, 3, 3]
            .iter()
            .flat_map(|d| d.to_le_bytes())
            .collect();
        let mut bad = bytes.clone();
        bad[at..at + crafted.len()].copy_from_slice(&crafted);
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("crafted.mat");
        std::fs::write(&p, &bad).unwrap();
        let e = read_svhn_mat(&p).unwrap_err().to_string();
        assert!(
            e.contains("crafted.mat") && e.contains("which no image file has"),
            "{e}"
        );
    }

    #[test]
    fn v73_files_are_reported_as_unsupported() {
        let mut bytes = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: ...".to_vec();
        bytes.resize(512, b' ');
        let err = parse_svhn_mat(&bytes).unwrap_err();
        assert!(err.contains("v7.3 (HDF5)"), "{err}");
        let mut hdf5 = vec![b' '; 512];
        hdf5.extend_from_slice(b"\x89HDF\r\n\x1a\n");
        let err = parse_svhn_mat(&hdf5).unwrap_err();
        assert!(err.contains("v7.3 (HDF5)"), "{err}");
        let err = parse_svhn_mat(&[b' '; 300]).unwrap_err();
        assert!(err.contains("not a MATLAB v5 .mat file"), "{err}");
    }
}
