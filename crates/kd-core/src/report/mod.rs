//! Results: CSV tables, SVG charts and the Markdown summary. Every file is written to a
//! temporary name and renamed, so a killed run never leaves a half-written table.

pub mod chart;
pub mod claims;
pub mod stats;
pub mod summary;
pub mod table;

use std::io::Write;
use std::path::Path;

use crate::error::{KdError, Result};

pub use claims::{Claim, Relation, RequiredClaim};
pub use stats::MeanStd;
pub use summary::Summary;
pub use table::Table;

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| KdError::io(dir, e))?;
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(KdError::io(path, e));
    }
    Ok(())
}
