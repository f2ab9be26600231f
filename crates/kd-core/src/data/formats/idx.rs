//! The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
//! a 4-byte magic `00 00 <type> <ndims>`, `ndims` big-endian u32 dimensions, then the data.
//! Only unsigned bytes (type 0x08) occur in these data sets, so only they are accepted.
//! Files may be gzip-compressed; compression is detected from the content, not the name.

use std::io::Read;
use std::path::Path;

use crate::data::images::ImageSet;
use crate::error::{KdError, Result};

const TYPE_UNSIGNED_BYTE: u8 = 0x08;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An n-dimensional array of bytes read from an IDX file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Reads an IDX file (raw or gzip), validating the magic, the dimensions and the byte count.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let raw = std::fs::read(path).map_err(|e| KdError::io(path, e))?;
    let bytes = if raw.starts_with(&GZIP_MAGIC) {
        gunzip_idx(path, &raw)?
    } else {
        raw
    };
    parse_idx(&bytes).map_err(|problem| KdError::corrupt(path, problem))
}

/// The most data bytes an IDX file may declare (full MNIST's training images are 47 MB): a
/// header that declares more is refused before anything is decompressed.
pub const MAX_IDX_DATA_BYTES: usize = 1 << 30;

/// Decompresses a gzip IDX file (every member: `MultiGzDecoder`), reading the header first and
/// then at most the data bytes it declares plus one (so `parse_idx` can still report trailing
/// bytes): a small file whose header claims billions of images is refused, not inflated
/// (issue 20: a 0.5 MB file reached 630 MB before the error).
fn gunzip_idx(path: &Path, raw: &[u8]) -> Result<Vec<u8>> {
    let corrupt = |e: std::io::Error| {
        KdError::corrupt(
            path,
            format!("truncated or corrupt gzip stream ({e}); delete the file and fetch it again"),
        )
    };
    let mut stream = flate2::read::MultiGzDecoder::new(raw);
    let mut out = Vec::new();
    (&mut stream)
        .take(4)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() < 4 || out[0] != 0 || out[1] != 0 || out[3] == 0 {
        // Not an IDX header: parse_idx says what is wrong with it.
        return Ok(out);
    }
    let ndims = out[3] as usize;
    (&mut stream)
        .take(4 * ndims as u64)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    if out.len() < 4 + 4 * ndims {
        return Ok(out);
    }
    let declared = (0..ndims)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([out[o], out[o + 1], out[o + 2], out[o + 3]]) as usize
        })
        .try_fold(1usize, |acc, d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_IDX_DATA_BYTES)
        .ok_or_else(|| {
            KdError::corrupt(
                path,
                format!(
                    "the IDX header declares more than {MAX_IDX_DATA_BYTES} data bytes (a \
                     {}-byte file): corrupt or not an MNIST-style file; delete it and fetch it \
                     again",
                    raw.len()
                ),
            )
        })?;
    out.reserve(declared + 1);
    stream
        .take(declared as u64 + 1)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
    Ok(out)
}

/// Parses IDX bytes; the error is a description of what is wrong.
pub fn parse_idx(bytes: &[u8]) -> std::result::Result<IdxArray, String> {
    if bytes.len() < 4 {
        return Err(format!(
            "not an IDX file: {} bytes, shorter than the 4-byte header",
            bytes.len()
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(format!(
            "not an IDX file: magic starts with {:02x} {:02x}, expected 00 00",
            bytes[0], bytes[1]
        ));
    }
    if bytes[2] != TYPE_UNSIGNED_BYTE {
        return Err(format!(
            "unsupported IDX data type 0x{:02x}; only unsigned byte (0x08) is supported",
            bytes[2]
        ));
    }
    let ndims = bytes[3] as usize;
    if ndims == 0 {
        return Err("IDX header declares 0 dimensions".into());
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(format!(
            "truncated header: {ndims} dimensions need {header} bytes, file has {}",
            bytes.len()
        ));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|i| {
            let o = 4 + 4 * i;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect();
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| format!("dimensions {dims:?} overflow"))?;
    let actual = bytes.len() - header;
    if actual != expected {
        return Err(format!(
            "dimensions {dims:?} need {expected} data bytes but the file has {actual} \
             ({}); delete the file and fetch it again",
            if actual < expected {
                "truncated"
            } else {
                "trailing bytes"
            }
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Encodes an IDX array of unsigned bytes (used by the data scripts and the tests).
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, TYPE_UNSIGNED_BYTE, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// Writes an IDX file, gzip-compressed when `gzip` is set.
pub fn write_idx(path: &Path, dims: &[usize], data: &[u8], gzip: bool) -> Result<()> {
    use std::io::Write;
    let encoded = encode_idx(dims, data);
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&encoded).map_err(|e| KdError::io(path, e))?;
        enc.finish().map_err(|e| KdError::io(path, e))?
    } else {
        encoded
    };
    crate::fsio::write_atomic(path, &bytes)
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

    #[test]
    fn round_trip_raw_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let data: Vec<u8> = (0..2 * 3 * 4).map(|i| i as u8).collect();
        for gz in [false, true] {
            let p = dir.join(format!("a{gz}.idx"));
            write_idx(&p, &[2, 3, 4], &data, gz).unwrap();
            let a = read_idx(&p).unwrap();
            assert_eq!(a.dims, vec![2, 3, 4]);
            assert_eq!(a.data, data);
        }
    }

    #[test]
    fn hand_made_header_is_parsed() {
        // 2 labels, written byte by byte as in the MNIST documentation.
        let bytes = [0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 7, 3];
        let a = parse_idx(&bytes).unwrap();
        assert_eq!(a.dims, vec![2]);
        assert_eq!(a.data, vec![7, 3]);
    }

    #[test]
    fn rejects_bad_magic_type_and_sizes() {
        assert!(parse_idx(&[1, 0, 8, 1]).unwrap_err().contains("magic"));
        assert!(
            parse_idx(&[0, 0, 0x0d, 1, 0, 0, 0, 0])
                .unwrap_err()
                .contains("data type")
        );
        assert!(
            parse_idx(&[0, 0, 8, 2, 0, 0])
                .unwrap_err()
                .contains("truncated header")
        );
        let short = encode_idx(&[3], &[1, 2]);
        assert!(parse_idx(&short).unwrap_err().contains("truncated"));
        let mut long = encode_idx(&[2], &[1, 2]);
        long.push(9);
        assert!(parse_idx(&long).unwrap_err().contains("trailing"));
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut e, bytes).unwrap();
        e.finish().unwrap()
    }

    /// A valid gzip of several members (what `cat a.gz b.gz` makes) reads as one stream.
    #[test]
    fn multi_member_gzip_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.gz");
        let data: Vec<u8> = (0..60).collect();
        let whole = encode_idx(&[3, 20], &data);
        let mut two = gzip(&whole[..30]);
        two.extend(gzip(&whole[30..]));
        std::fs::write(&p, &two).unwrap();
        let a = read_idx(&p).unwrap();
        assert_eq!((a.dims, a.data), (vec![3, 20], data));
    }

    /// A small gzip whose header declares 2^32 - 1 images of 28 x 28 is refused from its
    /// header; one declaring a plausible size but holding more is read only to one byte past it.
    #[test]
    fn a_header_declaring_too_much_is_refused_before_decompressing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bomb.gz");
        let mut header = vec![0, 0, 8, 3];
        for d in [u32::MAX, 28, 28] {
            header.extend(d.to_be_bytes());
        }
        let mut body = header.clone();
        body.extend(vec![0u8; 1 << 20]);
        std::fs::write(&p, gzip(&body)).unwrap();
        let err = read_idx(&p).unwrap_err().to_string();
        assert!(
            err.contains("declares more than") && err.contains("bomb.gz"),
            "{err}"
        );
        // Declares 10 bytes, holds a megabyte: trailing bytes, found after 11 read.
        let mut small = vec![0, 0, 8, 1];
        small.extend(10u32.to_be_bytes());
        small.extend(vec![1u8; 1 << 20]);
        std::fs::write(&p, gzip(&small)).unwrap();
        let err = read_idx(&p).unwrap_err().to_string();
        assert!(err.contains("trailing"), "{err}");
    }

    #[test]
    fn truncated_gzip_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.gz");
        write_idx(&p, &[100], &[5u8; 100], true).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let err = read_idx(&p).unwrap_err().to_string();
        assert!(err.contains("t.gz"), "{err}");
        assert!(err.contains("gzip"), "{err}");
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
}
