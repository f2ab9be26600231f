//! The Markdown summary of one paper and profile. Each experiment writes its own section
//! (`<experiment>.md`) and claims (`<experiment>.claims.csv`); `summary.md` and `claims.csv`
//! are assembled from whatever experiments the output directory holds, so running a subset
//! (`--only`) refreshes those sections and keeps the others.

use std::path::Path;

use super::claims::{CentralClaim, Claim, claims_table, read_claims};
use super::stats::MeanStd;
use super::table::{Table, markdown_table};
use super::verdict::{ALPHA, Verdict};
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

/// Re-judges a results directory written by an earlier version of the claims: writes each
/// experiment's `<experiment>.claims.csv` and the claims block of its `<experiment>.md` from
/// `claims` (recomputed from the directory's own tables by the paper's code), replaces the
/// preamble's list of required or central claims by `central_text`, says which code re-judged
/// them, and reassembles `summary.md` and `claims.csv`. Nothing else changes: every table,
/// chart and section text stays as the run wrote it, and no run is retrained.
pub fn refresh(dir: &Path, claims: &[Claim], central_text: &str, code: &str) -> Result<()> {
    let summary_path = dir.join("summary.md");
    let summary =
        std::fs::read_to_string(&summary_path).map_err(|e| KdError::io(&summary_path, e))?;
    // The sections in the order summary.md has them, each with its old text.
    let mut sections: Vec<(usize, String, String)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| KdError::io(dir, e))? {
        let path = entry.map_err(|e| KdError::io(dir, e))?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".claims.csv"))
        else {
            continue;
        };
        let md = dir.join(format!("{name}.md"));
        let old = std::fs::read_to_string(&md).map_err(|e| KdError::io(&md, e))?;
        let at = summary.find(&old).ok_or_else(|| {
            KdError::Report(format!(
                "{}: its text is not in {} (the directory was edited); rerun the paper",
                md.display(),
                summary_path.display()
            ))
        })?;
        sections.push((at, name.to_string(), old));
    }
    sections.sort();
    let Some(first) = sections.first() else {
        return Err(KdError::Report(format!(
            "no experiment results in {}",
            dir.display()
        )));
    };
    let preamble = replace_claims_list(&summary[..first.0], central_text, code);
    let mut md = preamble;
    let mut all = Vec::new();
    for (_, name, old) in &sections {
        let ours: Vec<Claim> = claims
            .iter()
            .filter(|c| c.id.split('/').next() == Some(name.as_str()))
            .cloned()
            .collect();
        let body_end = [CLAIMS_MARKER, "Claims:\n\n"]
            .iter()
            .filter_map(|m| old.rfind(m))
            .max()
            .unwrap_or(old.len());
        let mut text = old[..body_end].to_string();
        if !text.ends_with("\n\n") {
            text.push('\n');
        }
        text.push_str(&render_claims(&ours));
        write_atomic(&dir.join(format!("{name}.md")), text.as_bytes())?;
        claims_table(&ours).write(&dir.join(format!("{name}.claims.csv")))?;
        md.push_str(&text);
        all.extend(ours);
    }
    md.push_str(&claims_overall(&all));
    write_atomic(&summary_path, md.as_bytes())?;
    claims_table(&all).write(&dir.join("claims.csv"))
}

/// The preamble with its paragraph of required (or central) claims and its bullet list
/// replaced by `central_text`, and a line saying which code re-judged the claims.
fn replace_claims_list(preamble: &str, central_text: &str, code: &str) -> String {
    let note = format!(
        "Claims re-judged from these tables by `kd-check refresh` at code `{code}` (the tested \
         verdicts of issue 19; no run retrained, every table and chart as the run wrote them).\n\n"
    );
    let start = ["Required claims (", "Central claims ("]
        .iter()
        .filter_map(|m| preamble.find(m))
        .min();
    let Some(start) = start else {
        return format!(
            "{}\n{central_text}\n{note}",
            preamble.trim_end_matches('\n')
        );
    };
    // The list ends at the first blank line after its last bullet.
    let rest = &preamble[start..];
    let end = rest
        .find("\n\n")
        .and_then(|first_break| {
            let after = &rest[first_break + 2..];
            if after.starts_with("- ") {
                after.find("\n\n").map(|e| first_break + 2 + e + 2)
            } else {
                Some(first_break + 2)
            }
        })
        .unwrap_or(rest.len());
    let mut after = rest[end..].trim_start_matches('\n');
    if after.starts_with("Claims re-judged") {
        after = after.find("\n\n").map_or("", |e| &after[e + 2..]);
    }
    format!("{}{central_text}\n{note}{after}", &preamble[..start])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::claims::{Arm, Relation};

    #[test]
    fn refresh_rejudges_claims_and_keeps_every_other_byte() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let section = "## Table\n\nSome text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nClaims:\n\n- \
                       **HOLDS** a beats b (required) — a (2) > b (1)\n\n";
        let preamble = "# Paper\n\n- code `abc`\n\nRequired claims (declared in code before the \
                        runs; CI fails):\n\n- `table/a-beats-b` — the paper: \"a\"\n\n\n";
        std::fs::write(d.join("table.md"), section).unwrap();
        std::fs::write(d.join("table.claims.csv"), "id,old,format\n").unwrap();
        std::fs::write(
            d.join("summary.md"),
            format!("{preamble}{section}## Claims overall\n\n1 of 1 claims hold\n"),
        )
        .unwrap();
        let claim = Claim::new(
            "table/a-beats-b",
            "a beats b",
            ("a", Arm::PerSeed(vec![(1, 2.0), (2, 2.5), (3, 2.2)])),
            Relation::Greater,
            ("b", Arm::PerSeed(vec![(1, 1.0), (2, 2.4), (3, 2.3)])),
            true,
        );
        let central = central_claims_text(&[CentralClaim {
            id: "table/a-beats-b",
            paper_quote: "a beats b by far",
        }]);
        refresh(d, std::slice::from_ref(&claim), &central, "def").unwrap();
        let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
        assert!(summary.starts_with("# Paper\n\n- code `abc`\n\nCentral claims ("));
        assert!(!summary.contains("Required claims"), "{summary}");
        assert!(
            summary.contains("re-judged from these tables by `kd-check refresh` at code `def`")
        );
        assert!(summary.contains("Some text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"));
        assert!(
            summary.contains("- **NOT SHOWN** a beats b (central) — "),
            "{summary}"
        );
        assert!(!summary.contains("**HOLDS**"));
        assert!(summary.contains("Central claims: 0 of 1 hold, 1 not shown"));
        let csv = read_claims(&d.join("claims.csv")).unwrap();
        assert_eq!(csv, std::slice::from_ref(&claim));
        assert_eq!(read_claims(&d.join("table.claims.csv")).unwrap(), [claim]);
        // Refreshing again changes nothing.
        let claims = read_claims(&d.join("claims.csv")).unwrap();
        refresh(d, &claims, &central, "def").unwrap();
        assert_eq!(
            std::fs::read_to_string(d.join("summary.md")).unwrap(),
            summary
        );
    }
}
