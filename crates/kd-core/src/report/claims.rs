//! A paper's qualitative claims as checkable comparisons of two measured numbers.
//! `claims.csv` stores both numbers and the relation, so a checker can recompute every verdict
//! from the file instead of trusting a stored boolean.
//!
//! A claim is *required* when CI guards it: each paper declares its required claims in code
//! ([`RequiredClaim`], with the paper's words), CI runs the paper's `ci` profile afresh and fails
//! when one of them fails or is missing, so a change that breaks a reproduced result cannot
//! land. Every other claim — including paper claims our runs do not reproduce — is reported
//! with its verdict, never hidden.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::table::Table;
use crate::error::{KdError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relation {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = ">=")]
    GreaterOrEqual,
}

impl Relation {
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Less => "<",
            Relation::LessOrEqual => "<=",
            Relation::Greater => ">",
            Relation::GreaterOrEqual => ">=",
        }
    }

    pub fn parse(s: &str) -> Option<Relation> {
        Some(match s {
            "<" => Relation::Less,
            "<=" => Relation::LessOrEqual,
            ">" => Relation::Greater,
            ">=" => Relation::GreaterOrEqual,
            _ => return None,
        })
    }

    pub fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            Relation::Less => lhs < rhs,
            Relation::LessOrEqual => lhs <= rhs,
            Relation::Greater => lhs > rhs,
            Relation::GreaterOrEqual => lhs >= rhs,
        }
    }
}

/// A claim CI guards, declared by its paper before any run: the id of the claim the
/// experiments compute, and the paper's own statement it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequiredClaim {
    pub id: &'static str,
    pub paper_quote: &'static str,
}

/// Whether `id` is one of the `required` claims.
pub fn is_required(required: &[RequiredClaim], id: &str) -> bool {
    required.iter().any(|r| r.id == id)
}

/// Every claim of the experiments (`names`, in order) whose `<name>.csv` table `dir` holds,
/// recomputed from that table by the paper's `claims_of(name, table)`.
pub fn recompute_from_tables(
    dir: &Path,
    names: &[&str],
    claims_of: impl Fn(&str, &Table) -> Result<Vec<Claim>>,
) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for name in names {
        let path = dir.join(format!("{name}.csv"));
        if path.is_file() {
            out.extend(claims_of(name, &Table::read(&path)?)?);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Short stable identifier, e.g. `mnist-table/teacher-beats-distilled`.
    pub id: String,
    /// The paper's claim in words.
    pub statement: String,
    pub lhs_label: String,
    pub lhs: f64,
    pub relation: Relation,
    pub rhs_label: String,
    pub rhs: f64,
    /// CI fails when a required claim does not hold.
    pub required: bool,
}

impl Claim {
    pub fn holds(&self) -> bool {
        self.relation.holds(self.lhs, self.rhs)
    }

    /// `label (value) < label (value)`.
    pub fn evidence(&self) -> String {
        format!(
            "{} ({}) {} {} ({})",
            self.lhs_label,
            fmt_num(self.lhs),
            self.relation.symbol(),
            self.rhs_label,
            fmt_num(self.rhs)
        )
    }
}

fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

const HEADER: [&str; 9] = [
    "id",
    "statement",
    "lhs_label",
    "lhs",
    "relation",
    "rhs_label",
    "rhs",
    "required",
    "holds",
];

pub fn claims_table(claims: &[Claim]) -> Table {
    let mut t = Table::new(&HEADER);
    for c in claims {
        t.push(vec![
            c.id.clone(),
            c.statement.clone(),
            c.lhs_label.clone(),
            format!("{}", c.lhs),
            c.relation.symbol().into(),
            c.rhs_label.clone(),
            format!("{}", c.rhs),
            c.required.to_string(),
            c.holds().to_string(),
        ]);
    }
    t
}

/// Reads `claims.csv`, recomputing each verdict; a stored verdict that disagrees with its own
/// numbers is an error (the file was edited or the writer is broken).
pub fn read_claims(path: &Path) -> Result<Vec<Claim>> {
    let t = Table::read(path)?;
    if t.header != HEADER {
        return Err(KdError::Report(format!(
            "{}: unexpected header {:?}",
            path.display(),
            t.header
        )));
    }
    let bad = |row: usize, what: &str| {
        KdError::Report(format!("{}: row {}: {what}", path.display(), row + 2))
    };
    t.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad(i, "not a number"));
            let claim = Claim {
                id: r[0].clone(),
                statement: r[1].clone(),
                lhs_label: r[2].clone(),
                lhs: num(&r[3])?,
                relation: Relation::parse(&r[4]).ok_or_else(|| bad(i, "unknown relation"))?,
                rhs_label: r[5].clone(),
                rhs: num(&r[6])?,
                required: r[7]
                    .parse()
                    .map_err(|_| bad(i, "required is not true/false"))?,
            };
            let stored: bool = r[8]
                .parse()
                .map_err(|_| bad(i, "holds is not true/false"))?;
            if stored != claim.holds() {
                return Err(bad(i, "stored verdict disagrees with its own numbers"));
            }
            Ok(claim)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(lhs: f64) -> Claim {
        Claim {
            id: "x/y".into(),
            statement: "a beats b".into(),
            lhs_label: "a".into(),
            lhs,
            relation: Relation::Less,
            rhs_label: "b".into(),
            rhs: 2.0,
            required: true,
        }
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("claims.csv");
        claims_table(&[claim(1.0), claim(3.0)]).write(&p).unwrap();
        let back = read_claims(&p).unwrap();
        assert!(back[0].holds());
        assert!(!back[1].holds());
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("true,false", "true,true");
        std::fs::write(&p, text).unwrap();
        assert!(
            read_claims(&p)
                .unwrap_err()
                .to_string()
                .contains("disagrees")
        );
    }
}
