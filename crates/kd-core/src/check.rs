//! Checks behind CI's comparison step: a fresh run's CSV tables against committed ones (within
//! tolerances), and a results directory's claims (recomputed from their numbers).

use std::path::Path;

use crate::error::{KdError, Result};
use crate::report::claims::{Claim, read_claims};
use crate::report::table::Table;

/// Two numbers agree when `|a - b| <= max(atol, rtol * max(|a|, |b|))`.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Tolerance {
    pub fn agrees(&self, a: f64, b: f64) -> bool {
        if a.is_nan() && b.is_nan() {
            return true;
        }
        (a - b).abs() <= self.atol.max(self.rtol * a.abs().max(b.abs()))
    }
}

fn is_result_table(name: &str) -> bool {
    name.ends_with(".csv") && !name.ends_with("claims.csv")
}

/// Compares every result table (`*.csv` except claims) of `expected` with the same file in
/// `actual`; returns one line per disagreement (empty when everything agrees).
pub fn compare_dirs(expected: &Path, actual: &Path, tol: Tolerance) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(expected)
        .map_err(|e| KdError::io(expected, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_result_table(n))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(KdError::Report(format!(
            "{} holds no result tables to compare against",
            expected.display()
        )));
    }
    let mut problems = Vec::new();
    for name in names {
        let got_path = actual.join(&name);
        if !got_path.is_file() {
            problems.push(format!("{name}: missing from {}", actual.display()));
            continue;
        }
        let want = Table::read(&expected.join(&name))?;
        let got = Table::read(&got_path)?;
        problems.extend(compare_tables(&name, &want, &got, tol));
    }
    Ok(problems)
}

pub fn compare_tables(name: &str, want: &Table, got: &Table, tol: Tolerance) -> Vec<String> {
    if want.header != got.header {
        return vec![format!(
            "{name}: header {:?} differs from {:?}",
            got.header, want.header
        )];
    }
    if want.rows.len() != got.rows.len() {
        return vec![format!(
            "{name}: {} rows, expected {}",
            got.rows.len(),
            want.rows.len()
        )];
    }
    let mut out = Vec::new();
    for (r, (w, g)) in want.rows.iter().zip(&got.rows).enumerate() {
        for (c, (wc, gc)) in w.iter().zip(g).enumerate() {
            let same = match (wc.parse::<f64>(), gc.parse::<f64>()) {
                (Ok(a), Ok(b)) => tol.agrees(a, b),
                _ => wc == gc,
            };
            if !same {
                out.push(format!(
                    "{name}: row {} column `{}`: got {gc}, expected {wc}",
                    r + 1,
                    want.header[c]
                ));
            }
        }
    }
    out
}

/// The claims of `dir/claims.csv` that do not hold.
pub fn failing_claims(dir: &Path) -> Result<Vec<Claim>> {
    let path = dir.join("claims.csv");
    if !path.is_file() {
        return Err(KdError::Report(format!(
            "{} does not exist; run the reproduction first",
            path.display()
        )));
    }
    Ok(read_claims(&path)?
        .into_iter()
        .filter(|c| !c.holds())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(v: &str) -> Table {
        let mut t = Table::new(&["name", "errors"]);
        t.push(vec!["teacher".into(), v.into()]);
        t
    }

    #[test]
    fn tolerance_and_mismatches() {
        let tol = Tolerance {
            rtol: 0.05,
            atol: 0.01,
        };
        assert!(compare_tables("t", &table("100"), &table("104"), tol).is_empty());
        let bad = compare_tables("t", &table("100"), &table("110"), tol);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("column `errors`"), "{bad:?}");
        let mut other = table("100");
        other.rows[0][0] = "student".into();
        assert_eq!(compare_tables("t", &table("100"), &other, tol).len(), 1);
    }

    #[test]
    fn directories_are_compared_file_by_file() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        table("50").write(&a.path().join("x.csv")).unwrap();
        let tol = Tolerance {
            rtol: 0.0,
            atol: 0.0,
        };
        let missing = compare_dirs(a.path(), b.path(), tol).unwrap();
        assert!(missing[0].contains("missing"), "{missing:?}");
        table("50").write(&b.path().join("x.csv")).unwrap();
        assert!(compare_dirs(a.path(), b.path(), tol).unwrap().is_empty());
    }
}
