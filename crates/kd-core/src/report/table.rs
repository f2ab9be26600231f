//! A CSV table: a header and rows of cells, written atomically.

use std::path::Path;

use crate::error::{KdError, Result};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        assert_eq!(
            row.len(),
            self.header.len(),
            "row width must match the header"
        );
        self.rows.push(row);
    }

    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&self.header).expect("in-memory write");
        for r in &self.rows {
            w.write_record(r).expect("in-memory write");
        }
        String::from_utf8(w.into_inner().expect("in-memory flush")).expect("utf8")
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        super::write_atomic(path, self.to_csv().as_bytes())
    }

    pub fn read(path: &Path) -> Result<Table> {
        let mut r = csv::Reader::from_path(path)
            .map_err(|e| KdError::Report(format!("{}: {e}", path.display())))?;
        let header = r
            .headers()
            .map_err(|e| KdError::Report(format!("{}: {e}", path.display())))?
            .iter()
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(|e| KdError::Report(format!("{}: {e}", path.display())))?;
            rows.push(rec.iter().map(String::from).collect());
        }
        Ok(Table { header, rows })
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The column named `name`, or an error listing the table's columns.
    pub fn require_column(&self, name: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| {
            KdError::Report(format!(
                "table has no column `{name}` (columns: {})",
                self.header.join(", ")
            ))
        })
    }

    /// The rows whose cells equal the given values in the given columns.
    pub fn rows_where(&self, filter: &[(&str, &str)]) -> Result<Vec<&Vec<String>>> {
        let cols: Vec<(usize, &str)> = filter
            .iter()
            .map(|(c, v)| Ok((self.require_column(c)?, *v)))
            .collect::<Result<_>>()?;
        Ok(self
            .rows
            .iter()
            .filter(|r| cols.iter().all(|(c, v)| r[*c] == *v))
            .collect())
    }

    /// The numbers in column `col` of the rows matching `filter` (see [`Table::rows_where`]);
    /// an error when a cell is not a number or no row matches.
    pub fn numbers_where(&self, col: &str, filter: &[(&str, &str)]) -> Result<Vec<f64>> {
        let c = self.require_column(col)?;
        let rows = self.rows_where(filter)?;
        if rows.is_empty() {
            return Err(KdError::Report(format!(
                "no row has {}",
                filter
                    .iter()
                    .map(|(c, v)| format!("{c} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        rows.iter()
            .map(|r| {
                r[c].parse::<f64>().map_err(|_| {
                    KdError::Report(format!("column `{col}`: `{}` is not a number", r[c]))
                })
            })
            .collect()
    }

    /// The value of column `col` per seed (the `seed` column) over the rows matching `filter`,
    /// in order of seed: one arm of a claim paired by seed. An error when two matching rows
    /// share a seed (the filter does not pin one configuration) or a cell is not a number.
    pub fn per_seed(&self, col: &str, filter: &[(&str, &str)]) -> Result<Vec<(u64, f64)>> {
        let seeds = self.numbers_where("seed", filter)?;
        let values = self.numbers_where(col, filter)?;
        let mut out: Vec<(u64, f64)> = seeds.iter().map(|&s| s as u64).zip(values).collect();
        out.sort_by_key(|&(s, _)| s);
        if out.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(KdError::Report(format!(
                "column `{col}`: several rows per seed match {filter:?}; a claim's arm needs one \
                 run per seed"
            )));
        }
        Ok(out)
    }

    /// The distinct values of column `col`, in order of first appearance.
    pub fn distinct(&self, col: &str) -> Result<Vec<String>> {
        let c = self.require_column(col)?;
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r[c]) {
                out.push(r[c].clone());
            }
        }
        Ok(out)
    }

    /// A Markdown rendering (for the summary).
    pub fn to_markdown(&self) -> String {
        markdown_table(&self.header, &self.rows)
    }
}

pub fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trip_with_quoting() {
        let tmp = tempfile::tempdir().unwrap();
        let mut t = Table::new(&["name", "value"]);
        t.push(vec!["a, b".into(), "1.5".into()]);
        t.push(vec!["c".into(), "2".into()]);
        let p = tmp.path().join("t.csv");
        t.write(&p).unwrap();
        assert_eq!(Table::read(&p).unwrap(), t);
        assert!(t.to_markdown().starts_with("| name | value |\n|---|---|\n"));
    }

    #[test]
    fn lookups_by_column_and_value() {
        let mut t = Table::new(&["model", "seed", "err"]);
        t.push(vec!["a".into(), "1".into(), "0.5".into()]);
        t.push(vec!["b".into(), "1".into(), "0.25".into()]);
        t.push(vec!["a".into(), "2".into(), "1.5".into()]);
        assert_eq!(
            t.numbers_where("err", &[("model", "a")]).unwrap(),
            [0.5, 1.5]
        );
        assert_eq!(t.distinct("model").unwrap(), ["a", "b"]);
        assert!(t.numbers_where("err", &[("model", "c")]).is_err());
        let e = t.numbers_where("nope", &[]).unwrap_err().to_string();
        assert!(e.contains("no column `nope`"), "{e}");
        t.rows[1][2] = "x".into();
        assert!(t.numbers_where("err", &[("model", "b")]).is_err());
    }
}
