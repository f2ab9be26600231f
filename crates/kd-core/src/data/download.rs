//! Verified downloads: fetch to a temporary file beside the destination, check the pinned
//! sha256, then rename into place, so a failed or tampered download never leaves a file that a
//! later run would trust.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::data::images::hex;
use crate::error::{KdError, Result};

/// What a downloaded file must hash to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checksum {
    /// sha256 of the bytes as served.
    FileSha256(String),
    /// sha256 of the gunzipped content (for files that different mirrors compress differently).
    ContentSha256(String),
    /// Bundled data: never downloaded.
    None,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Checksum {
    /// The hash this checksum compares against, computed from `bytes`, and the expected one.
    fn compute(&self, bytes: &[u8]) -> std::io::Result<Option<(String, String)>> {
        Ok(match self {
            Checksum::FileSha256(want) => Some((sha256_hex(bytes), want.clone())),
            Checksum::ContentSha256(want) => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
                Some((sha256_hex(&out), want.clone()))
            }
            Checksum::None => None,
        })
    }
}

/// Downloads `url` to `dest` if and only if it matches `checksum`.
pub fn fetch_verified(url: &str, checksum: &Checksum, dest: &Path) -> Result<()> {
    if *checksum == Checksum::None {
        return Err(KdError::Download {
            url: url.into(),
            reason: "no checksum is pinned for this file, refusing to download it".into(),
        });
    }
    let bytes = http_get(url)?;
    let (actual, expected) = checksum
        .compute(&bytes)
        .map_err(|e| KdError::Download {
            url: url.into(),
            reason: format!("the downloaded file is not valid gzip: {e}"),
        })?
        .expect("checked above");
    if actual != expected {
        return Err(KdError::Checksum {
            url: url.into(),
            expected,
            actual,
        });
    }
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
        .timeout_global(Some(Duration::from_secs(600)))
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

    #[test]
    fn dataset_download_fills_the_workspace_dir() {
        use crate::data::locate::{Locations, load_dataset};
        use crate::data::registry::{DatasetFile, DatasetInfo};
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
        let files = std::array::from_fn(|i| DatasetFile {
            name: names[i].into(),
            checksum: Checksum::FileSha256(sha256_hex(&bodies[i])),
        });
        let served = names
            .iter()
            .zip(&bodies)
            .map(|(n, b)| (n.to_string(), b.clone()))
            .collect();
        let (base, server) = serve_files(served, 4);
        let info = DatasetInfo {
            name: "toy".into(),
            num_classes: 2,
            files,
            system_dir: None,
            mirrors: vec![base],
            fix: "none".into(),
        };
        let ws = tmp.path().join("ws");
        let ds = load_dataset(
            &info,
            &Locations {
                data_dir: None,
                env_dir: None,
                workspace_dir: Some(ws.clone()),
                allow_download: true,
            },
        )
        .unwrap();
        server.join().unwrap();
        assert_eq!(ds.train.len(), 2);
        assert_eq!(ds.test.labels, vec![1]);
        assert_eq!(ds.dir, ws.join("toy"));
        assert_eq!(std::fs::read_dir(ws.join("toy")).unwrap().count(), 4);
    }
}
