//! The Markdown summary of one paper and profile. Each experiment writes its own section
//! (`<experiment>.md`) and claims (`<experiment>.claims.csv`); `summary.md` and `claims.csv`
//! are assembled from whatever experiments the output directory holds, so running a subset
//! (`--only`) refreshes those sections and keeps the others.

use std::path::Path;

use super::claims::{CentralClaim, Claim, claims_table, read_claims};
use super::verdict::{ALPHA, Verdict};
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
        format!(
            "## {}\n\n{}{}",
            self.title,
            self.body,
            render_claims(&self.claims)
        )
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

/// The marker that opens a section's claims block (what `kd-check refresh` replaces).
pub const CLAIMS_MARKER: &str = "Claims (one-sided paired t-test over seeds";

/// The claims block at the end of a section: one line per claim with its verdict word,
/// whether it is central, and the evidence (means, effect, bound, p, n, power).
pub fn render_claims(claims: &[Claim]) -> String {
    if claims.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{CLAIMS_MARKER}, alpha {ALPHA}; final-epoch test unless a label says otherwise):\n\n"
    );
    for c in claims {
        out.push_str(&format!(
            "- **{}** {}{} — {}\n",
            c.verdict().word().to_uppercase(),
            c.statement,
            if c.central { " (central)" } else { "" },
            c.evidence()
        ));
    }
    out.push('\n');
    out
}

/// A Markdown paragraph listing the paper's central claims, each with the paper's words, and
/// how CI guards results.
pub fn central_claims_text(central: &[CentralClaim]) -> String {
    let mut out = String::from(
        "Central claims (the paper's headline statements, fixed in code from its text and \
         pinned by a test; the status counts their verdicts). CI gates on no claim as such: a \
         claim that holds in the committed `ci` results must not fail in a fresh `ci` run. \
         Every choice made after test numbers had been seen is in the paper's `LEDGER.md`.\n\n",
    );
    for r in central {
        out.push_str(&format!(
            "- `{}` — the paper: \"{}\"\n",
            r.id, r.paper_quote
        ));
    }
    out
}

/// "k of n claims hold, ..." over `claims`, each verdict counted.
pub fn verdict_counts(claims: &[&Claim]) -> String {
    let count = |v: Verdict| claims.iter().filter(|c| c.verdict() == v).count();
    format!(
        "{} of {} hold, {} not shown, {} fail, {} contradicted, {} descriptive",
        count(Verdict::Holds),
        claims.len(),
        count(Verdict::NotShown),
        count(Verdict::Fails),
        count(Verdict::Contradicted),
        count(Verdict::Descriptive)
    )
}

/// The summary's closing section: the central claims' verdicts and every claim's, with the
/// number of spurious "holds" to expect if no effect were real.
pub fn claims_overall(claims: &[Claim]) -> String {
    let central: Vec<&Claim> = claims.iter().filter(|c| c.central).collect();
    let all: Vec<&Claim> = claims.iter().collect();
    let tested = claims
        .iter()
        .filter(|c| c.verdict() != Verdict::Descriptive)
        .count();
    format!(
        "## Claims overall\n\nCentral claims: {}. All claims: {}. Of the {tested} tested \
         claims, about {:.1} would hold by chance at alpha {ALPHA} if no effect were real.\n",
        verdict_counts(&central),
        verdict_counts(&all),
        tested as f64 * ALPHA
    )
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
        md.push_str(&claims_overall(&all_claims));
        write_atomic(&dir.join("summary.md"), md.as_bytes())?;
        let table: Table = claims_table(&all_claims);
        table.write(&dir.join("claims.csv"))
    }
}
