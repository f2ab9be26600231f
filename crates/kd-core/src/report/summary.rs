//! The Markdown summary of one paper and profile. Each experiment writes its own section
//! (`<experiment>.md`) and claims (`<experiment>.claims.csv`); `summary.md` and `claims.csv`
//! are assembled from whatever experiments the output directory holds, so running a subset
//! (`--only`) refreshes those sections and keeps the others.

use std::path::Path;

use super::claims::{Claim, claims_table, read_claims};
use super::stats::MeanStd;
use super::table::{Table, markdown_table};
use super::write_atomic;
use crate::error::{KdError, Result};

/// One experiment's part of the summary.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub experiment: String,
    pub title: String,
    pub body: String,
    pub claims: Vec<Claim>,
}

impl Section {
    pub fn new(experiment: &str, title: &str) -> Self {
        Section {
            experiment: experiment.into(),
            title: title.into(),
            ..Default::default()
        }
    }

    pub fn text(&mut self, md: &str) {
        self.body.push_str(md);
        self.body.push_str("\n\n");
    }

    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        self.body.push_str(&markdown_table(&header, rows));
        self.body.push('\n');
    }

    pub fn claim(&mut self, claim: Claim) {
        self.claims.push(claim);
    }

    fn render(&self) -> String {
        let mut out = format!("## {}\n\n{}", self.title, self.body);
        if !self.claims.is_empty() {
            out.push_str("Claims:\n\n");
            for c in &self.claims {
                out.push_str(&format!(
                    "- **{}** {}{} — {}\n",
                    if c.holds() { "HOLDS" } else { "FAILS" },
                    c.statement,
                    if c.required { " (required)" } else { "" },
                    c.evidence()
                ));
            }
            out.push('\n');
        }
        out
    }

    /// Writes `<experiment>.md` and `<experiment>.claims.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            &dir.join(format!("{}.md", self.experiment)),
            self.render().as_bytes(),
        )?;
        claims_table(&self.claims).write(&dir.join(format!("{}.claims.csv", self.experiment)))
    }
}

/// A row "quantity | paper | ours (mean ± std) | delta" of a paper-vs-ours table.
pub fn paper_row(
    quantity: &str,
    paper: Option<f64>,
    ours: MeanStd,
    decimals: usize,
) -> Vec<String> {
    let (p, d) = match paper {
        Some(p) => (
            format!("{p:.decimals$}"),
            format!("{:+.decimals$}", ours.mean - p),
        ),
        None => ("–".into(), "–".into()),
    };
    vec![quantity.into(), p, ours.fmt(decimals), d]
}

/// A Markdown paragraph listing the claims CI requires, each with the paper's words.
pub fn required_claims_text(required: &[super::claims::RequiredClaim]) -> String {
    required_claims_text_guarded(
        required,
        "CI recomputes them from a fresh `ci` run and fails when one fails",
    )
}

/// The same list, saying in `guard` how CI guards the claims (for a paper whose required claim
/// is not gated on a fresh run, and why).
pub fn required_claims_text_guarded(
    required: &[super::claims::RequiredClaim],
    guard: &str,
) -> String {
    let mut out = format!("Required claims (declared in code before the runs; {guard}):\n\n");
    for r in required {
        out.push_str(&format!(
            "- `{}` — the paper: \"{}\"\n",
            r.id, r.paper_quote
        ));
    }
    out
}

/// Builds `summary.md` and `claims.csv` from the sections present in `dir`, in `order`.
pub struct Summary;

impl Summary {
    pub fn assemble(dir: &Path, title: &str, preamble: &str, order: &[&str]) -> Result<()> {
        let mut md = format!("# {title}\n\n{preamble}\n\n");
        let mut all_claims: Vec<Claim> = Vec::new();
        let mut present = 0;
        for exp in order {
            let section = dir.join(format!("{exp}.md"));
            if !section.is_file() {
                continue;
            }
            present += 1;
            md.push_str(&std::fs::read_to_string(&section).map_err(|e| KdError::io(&section, e))?);
            all_claims.extend(read_claims(&dir.join(format!("{exp}.claims.csv")))?);
        }
        if present == 0 {
            return Err(KdError::Report(format!(
                "no experiment results in {}",
                dir.display()
            )));
        }
        let held = all_claims.iter().filter(|c| c.holds()).count();
        let required: Vec<&Claim> = all_claims.iter().filter(|c| c.required).collect();
        let required_held = required.iter().filter(|c| c.holds()).count();
        md.push_str(&format!(
            "## Claims overall\n\n{held} of {} claims hold; {required_held} of the {} \
             required ones (those CI guards against regressions) hold.\n",
            all_claims.len(),
            required.len()
        ));
        write_atomic(&dir.join("summary.md"), md.as_bytes())?;
        let table: Table = claims_table(&all_claims);
        table.write(&dir.join("claims.csv"))
    }
}
