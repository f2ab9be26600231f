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
}
