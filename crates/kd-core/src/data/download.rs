//! Verified downloads: fetch into memory, check the pinned checksum, then write a temporary file
//! (or unpack an archive into a temporary directory) beside the destination and rename it into
//! place, so a failed or tampered download never leaves a file that a later run would trust.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::error::{KdError, Result};
use crate::fsio::hex;

/// What a downloaded file must hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    /// sha256 of the bytes as served.
    FileSha256(String),
    /// sha256 of the gunzipped content (for files that different mirrors compress differently).
    ContentSha256(String),
    /// md5 of the bytes as served: for files whose publisher only gives an md5 (CIFAR, SVHN).
    FileMd5(String),
    /// Not pinned on its own (bundled data, or a file that comes out of a verified archive):
    /// never downloaded by itself.
    None,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn md5_hex(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

impl Checksum {
    /// (algorithm, the hash of `bytes`, the expected hash); `None` for `Checksum::None`.
    fn compute(&self, bytes: &[u8]) -> std::io::Result<Option<(&'static str, String, String)>> {
        Ok(match self {
            Checksum::FileSha256(want) => Some(("sha256", sha256_hex(bytes), want.clone())),
            Checksum::ContentSha256(want) => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
                Some((
                    "sha256 of the decompressed content",
                    sha256_hex(&out),
                    want.clone(),
                ))
            }
            Checksum::FileMd5(want) => Some(("md5", md5_hex(bytes), want.clone())),
            Checksum::None => None,
        })
    }

    /// Checks `bytes`, downloaded from `url`, against this checksum.
    pub fn verify(&self, url: &str, bytes: &[u8]) -> Result<()> {
        let computed = self.compute(bytes).map_err(|e| KdError::Download {
            url: url.into(),
            reason: format!("the downloaded file is not valid gzip: {e}"),
        })?;
        let Some((algorithm, actual, expected)) = computed else {
            return Err(refuse_unpinned(url));
        };
        if !actual.eq_ignore_ascii_case(&expected) {
            return Err(KdError::Checksum {
                url: url.into(),
                algorithm: algorithm.into(),
                expected,
                actual,
            });
        }
        Ok(())
    }
}

fn refuse_unpinned(url: &str) -> KdError {
    KdError::Download {
        url: url.into(),
        reason: "no checksum is pinned for this file, refusing to download it".into(),
    }
}

/// Downloads `url` to `dest` if and only if it matches `checksum`.
pub fn fetch_verified(url: &str, checksum: &Checksum, dest: &Path) -> Result<()> {
    if *checksum == Checksum::None {
        return Err(refuse_unpinned(url));
    }
    let bytes = http_get(url)?;
    checksum.verify(url, &bytes)?;
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| KdError::io(dir, e))?;
    let tmp = partial_path(dest);
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, dest));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(KdError::io(dest, e));
    }
    Ok(())
}

/// Downloads the `.tar.gz` archive at `url` and, if and only if it matches `checksum`, unpacks
/// it so that its directory `inner` lands at `target/inner` (see [`unpack_tar_gz`]). Returns
/// `target/inner`.
pub fn fetch_archive_verified(
    url: &str,
    checksum: &Checksum,
    target: &Path,
    inner: &str,
    required: &[&str],
) -> Result<PathBuf> {
    if *checksum == Checksum::None {
        return Err(refuse_unpinned(url));
    }
    let bytes = http_get(url)?;
    checksum.verify(url, &bytes)?;
    unpack_tar_gz(&bytes, url, target, inner, required)
}

/// Unpacks a verified `.tar.gz` (read from `origin`, named in errors) into a temporary directory
/// beside `target`, checks that its directory `inner` holds every `required` file, and only then
/// renames `inner` to `target/inner`; whatever happens, the temporary directory is removed. Only
/// regular files and directories with plain relative paths are unpacked (no links, no `..`).
pub fn unpack_tar_gz(
    bytes: &[u8],
    origin: &str,
    target: &Path,
    inner: &str,
    required: &[&str],
) -> Result<PathBuf> {
    let dest = target.join(inner);
    if dest.exists() {
        return Err(KdError::corrupt(
            &dest,
            "exists but does not hold the complete dataset, so a download will not overwrite \
             it; delete it and run again",
        ));
    }
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| KdError::io(parent, e))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(target.file_name().unwrap_or_default());
    tmp_name.push(format!(".unpack-{}", std::process::id()));
    let tmp = parent.join(tmp_name);
    let _ = std::fs::remove_dir_all(&tmp);
    let result = unpack_into(bytes, origin, &tmp, inner, required).and_then(|()| {
        std::fs::create_dir_all(target).map_err(|e| KdError::io(target, e))?;
        std::fs::rename(tmp.join(inner), &dest).map_err(|e| KdError::io(&dest, e))
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result.map(|()| dest)
}

fn unpack_into(
    bytes: &[u8],
    origin: &str,
    tmp: &Path,
    inner: &str,
    required: &[&str],
) -> Result<()> {
    let bad = |reason: String| KdError::Download {
        url: origin.into(),
        reason,
    };
    std::fs::create_dir(tmp).map_err(|e| KdError::io(tmp, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive
        .entries()
        .map_err(|e| bad(format!("not a readable .tar.gz archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("corrupt .tar.gz archive: {e}")))?;
        let kind = entry.header().entry_type();
        let path = entry
            .path()
            .map_err(|e| bad(format!("corrupt .tar.gz archive: {e}")))?
            .into_owned();
        let plain = path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !(kind.is_file() || kind.is_dir()) || !plain {
            continue;
        }
        entry
            .unpack_in(tmp)
            .map_err(|e| bad(format!("unpacking {} failed: {e}", path.display())))?;
    }
    for name in required {
        if !tmp.join(inner).join(name).is_file() {
            return Err(bad(format!(
                "the archive has no {inner}/{name}; it is not the expected dataset archive"
            )));
        }
    }
    Ok(())
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".part-{}", std::process::id()));
    dest.with_file_name(name)
}

fn http_get(url: &str) -> Result<Vec<u8>> {
    let err = |reason: String| KdError::Download {
        url: url.into(),
        reason,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        // CIFAR and SVHN files are 160-180 MB.
        .timeout_global(Some(Duration::from_secs(1800)))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("connection broke while reading: {e}")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    /// An HTTP/1.1 server on 127.0.0.1 serving `files` by path; it answers exactly `requests`
    /// requests (404 for unknown paths) and then stops.
    fn serve_files(
        files: Vec<(String, Vec<u8>)>,
        requests: usize,
    ) -> (String, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming().take(requests) {
                let mut stream = stream.unwrap();
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/");
                let found = files.iter().find(|(name, _)| path == format!("/{name}"));
                let (status, body) = match found {
                    Some((_, body)) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).unwrap();
                stream.write_all(&body).unwrap();
            }
        });
        (format!("http://{addr}/"), handle)
    }

    fn serve(body: Vec<u8>, requests: usize) -> (String, std::thread::JoinHandle<()>) {
        serve_files(vec![("labels.gz".into(), body)], requests)
    }

    fn small_idx_gz() -> Vec<u8> {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.gz");
        crate::data::idx::write_idx(&p, &[3], &[1, 2, 3], true).unwrap();
        std::fs::read(p).unwrap()
    }

    #[test]
    fn download_with_the_right_checksum_lands_atomically() {
        let body = small_idx_gz();
        let (base, server) = serve(body.clone(), 1);
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("labels.gz");
        let sum = Checksum::FileSha256(sha256_hex(&body));
        fetch_verified(&format!("{base}labels.gz"), &sum, &dest).unwrap();
        server.join().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), body);
        let idx = crate::data::idx::read_idx(&dest).unwrap();
        assert_eq!(idx.data, vec![1, 2, 3]);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn content_checksum_is_of_the_decompressed_bytes() {
        let body = small_idx_gz();
        let (base, server) = serve(body, 1);
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("labels.gz");
        let content = crate::data::idx::encode_idx(&[3], &[1, 2, 3]);
        let sum = Checksum::ContentSha256(sha256_hex(&content));
        fetch_verified(&format!("{base}labels.gz"), &sum, &dest).unwrap();
        server.join().unwrap();
        assert!(dest.is_file());
    }

    #[test]
    fn wrong_checksum_is_rejected_and_leaves_nothing() {
        let (base, server) = serve(small_idx_gz(), 1);
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("labels.gz");
        let sum = Checksum::FileSha256("00".repeat(32));
        let err = fetch_verified(&format!("{base}labels.gz"), &sum, &dest).unwrap_err();
        server.join().unwrap();
        assert!(matches!(err, KdError::Checksum { .. }), "{err}");
        assert!(err.to_string().contains("checksum mismatch"));
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn server_down_is_a_clear_error() {
        // Bind then drop a listener: nothing listens on that port any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("labels.gz");
        let url = format!("http://127.0.0.1:{port}/labels.gz");
        let err = fetch_verified(&url, &Checksum::FileSha256("00".repeat(32)), &dest)
            .unwrap_err()
            .to_string();
        assert!(err.contains("download of"), "{err}");
        assert!(err.contains(&url), "{err}");
        assert!(!dest.exists());
    }

    fn locations(ws: &Path) -> crate::data::Locations {
        crate::data::Locations {
            data_dir: None,
            env_dir: None,
            workspace_dir: Some(ws.to_path_buf()),
            allow_download: true,
        }
    }

    #[test]
    fn dataset_download_fills_the_workspace_dir() {
        use crate::data::load_dataset;
        use crate::data::registry::{DatasetFile, Part, Source, dataset_info};
        let tmp = tempfile::tempdir().unwrap();
        let mk = |dims: &[usize], data: &[u8]| {
            let p = tmp.path().join("src.gz");
            crate::data::idx::write_idx(&p, dims, data, true).unwrap();
            std::fs::read(p).unwrap()
        };
        let bodies = [
            mk(&[2, 2, 2], &[9; 8]),
            mk(&[2], &[0, 1]),
            mk(&[1, 2, 2], &[3; 4]),
            mk(&[1], &[1]),
        ];
        let names = ["tr-img.gz", "tr-lab.gz", "te-img.gz", "te-lab.gz"];
        let parts = [Part::Train, Part::Train, Part::Test, Part::Test];
        let served = names
            .iter()
            .zip(&bodies)
            .map(|(n, b)| (n.to_string(), b.clone()))
            .collect();
        let (base, server) = serve_files(served, 4);
        let mut info = dataset_info("mnist").unwrap();
        info.name = "toy".into();
        info.num_classes = 2;
        info.shape = [1, 2, 2];
        info.source = Source::Files {
            mirrors: vec![base],
        };
        // One file pinned by md5, the others by sha256.
        info.files = (0..4)
            .map(|i| DatasetFile {
                name: names[i].into(),
                part: parts[i],
                checksum: if i == 0 {
                    Checksum::FileMd5(md5_hex(&bodies[i]))
                } else {
                    Checksum::FileSha256(sha256_hex(&bodies[i]))
                },
            })
            .collect();
        let ws = tmp.path().join("ws");
        let ds = load_dataset(&info, &locations(&ws)).unwrap();
        server.join().unwrap();
        assert_eq!(ds.train.len(), 2);
        assert_eq!(ds.test.labels, vec![1]);
        assert_eq!(ds.dir, ws.join("toy"));
        assert_eq!(std::fs::read_dir(ws.join("toy")).unwrap().count(), 4);
    }

    #[test]
    fn md5_is_checked_and_named_in_the_error() {
        // md5("abc") from RFC 1321's test suite.
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        let body = small_idx_gz();
        let (base, server) = serve(body.clone(), 2);
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("labels.gz");
        let url = format!("{base}labels.gz");
        let wrong = Checksum::FileMd5("0".repeat(32));
        let err = fetch_verified(&url, &wrong, &dest).unwrap_err().to_string();
        assert!(err.contains("expected md5 00000000"), "{err}");
        assert!(!dest.exists());
        let right = Checksum::FileMd5(md5_hex(&body).to_uppercase());
        fetch_verified(&url, &right, &dest).unwrap();
        server.join().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), body);
    }

    /// A `.tar.gz` holding `files` (path inside the archive, content) plus a link entry that
    /// must not be unpacked.
    fn tar_gz(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for (path, content) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(content.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, path, content.as_slice())
                .unwrap();
        }
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        builder
            .append_link(&mut link, "cifar-10-batches-bin/evil", "/etc/passwd")
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    /// The CIFAR-10 binary tarball's layout with `n` records per batch (labels cycle over the
    /// classes; the pixels of record `i` of batch `b` are all `b * 16 + i`).
    fn cifar10_tarball(n: usize) -> Vec<u8> {
        use crate::data::formats::cifar::encode_cifar;
        let names = (1..=5)
            .map(|b| format!("data_batch_{b}.bin"))
            .chain(["test_batch.bin".to_string()]);
        let mut files: Vec<(String, Vec<u8>)> = names
            .enumerate()
            .map(|(b, name)| {
                let labels: Vec<Vec<u8>> = (0..n).map(|i| vec![((b + i) % 10) as u8]).collect();
                let pixels: Vec<u8> = (0..n)
                    .flat_map(|i| std::iter::repeat_n((b * 16 + i) as u8, 3072))
                    .collect();
                (
                    format!("cifar-10-batches-bin/{name}"),
                    encode_cifar(&labels, &pixels),
                )
            })
            .collect();
        files.push((
            "cifar-10-batches-bin/batches.meta.txt".into(),
            b"airplane\n".to_vec(),
        ));
        tar_gz(&files)
    }

    #[test]
    fn cifar_archive_with_the_right_md5_is_unpacked_and_loads() {
        use crate::data::load_dataset;
        use crate::data::registry::{Source, dataset_info};
        let tarball = cifar10_tarball(3);
        let (base, server) = serve_files(vec![("cifar.tgz".into(), tarball.clone())], 1);
        let mut info = dataset_info("cifar10").unwrap();
        info.source = Source::Archive {
            url: format!("{base}cifar.tgz"),
            checksum: Checksum::FileMd5(md5_hex(&tarball)),
        };
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("data");
        let ds = load_dataset(&info, &locations(&ws)).unwrap();
        server.join().unwrap();
        let unpacked = ws.join("cifar10/cifar-10-batches-bin");
        assert_eq!(ds.dir, unpacked);
        assert_eq!((ds.train.len(), ds.test.len()), (15, 3));
        assert_eq!(ds.train.shape(), [3, 32, 32]);
        // Batches in order 1..5, records in order within each.
        assert_eq!(ds.train.image(4)[0], 16 + 1);
        assert_eq!(ds.train.labels[4], 2);
        assert_eq!(ds.test.image(2), &[5 * 16 + 2; 3072][..]);
        // Only the cifar10 directory is left: no temporary directory, no link.
        let names: Vec<_> = std::fs::read_dir(&ws)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["cifar10"]);
        assert!(!unpacked.join("evil").exists());
        assert!(unpacked.join("batches.meta.txt").is_file());
        // Found locally the next time (no server is running now).
        let again = load_dataset(&info, &locations(&ws)).unwrap();
        assert_eq!(again.train, ds.train);
    }

    #[test]
    fn cifar_archive_with_a_wrong_md5_leaves_nothing_behind() {
        use crate::data::load_dataset;
        use crate::data::registry::{Source, dataset_info};
        let tarball = cifar10_tarball(2);
        let (base, server) = serve_files(vec![("cifar.tgz".into(), tarball)], 1);
        let mut info = dataset_info("cifar10").unwrap();
        info.source = Source::Archive {
            url: format!("{base}cifar.tgz"),
            checksum: Checksum::FileMd5("c32a1d4ab5d03f1284b67883e8d87530".into()),
        };
        let tmp = tempfile::tempdir().unwrap();
        let ws = tmp.path().join("data");
        let err = load_dataset(&info, &locations(&ws))
            .unwrap_err()
            .to_string();
        server.join().unwrap();
        assert!(err.contains("checksum mismatch"), "{err}");
        assert!(
            err.contains("expected md5 c32a1d4ab5d03f1284b67883e8d87530"),
            "{err}"
        );
        assert!(err.contains("dataset `cifar10` was not found"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&ws)
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn archive_without_the_expected_files_is_rejected_and_removed() {
        let tarball = tar_gz(&[("cifar-10-batches-bin/readme.html".into(), b"hi".to_vec())]);
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("cifar10");
        let err = unpack_tar_gz(
            &tarball,
            "http://example/x.tgz",
            &target,
            "cifar-10-batches-bin",
            &["data_batch_1.bin"],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no cifar-10-batches-bin/data_batch_1.bin"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
        let err = unpack_tar_gz(b"not gzip", "x.tgz", &target, "d", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.tgz"), "{err}");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    }
}
