//! CI's checks over result directories.
//!
//! `kd-check compare EXPECTED ACTUAL`: a fresh run's result tables against committed ones
//! (group means within the measured spread between seeds; `--exact` on one machine).
//! `kd-check claims PAPER DIR`: recomputes every claim of DIR from its tables with the paper's
//! own code (its tested verdict, effect, bound, p and n), checks `DIR/claims.csv` against them
//! and the provenance against uncommitted code, and prints each verdict.
//! `kd-check gate PAPER COMMITTED FRESH`: CI's rule for a fresh run: every claim that holds in
//! COMMITTED must not fail in FRESH (claims not shown are never gates); prints each gated
//! claim's flip probability and the gate's false-alarm rate on an unchanged commit.
//! `kd-check refresh PAPER DIR`: re-judges a results directory's claims from its own tables
//! (claims.csv, the sections' claim lines, summary.md) without retraining anything.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kd_core::Result;
use kd_core::check::{
    ClaimReport, Comparison, DEFAULT_STANDARD_ERRORS, MAX_GATE_FLIP, compare_dirs, gate,
    verify_claims,
};
use kd_core::report::summary::{central_claims_text, refresh, verdict_counts};
use kd_core::report::{CentralClaim, Claim};

/// A paper's claims as kd-check knows them: the central ones and the recomputation.
struct Paper {
    name: &'static str,
    central: &'static [CentralClaim],
    recompute: fn(&Path) -> Result<Vec<Claim>>,
}

/// The registry: one line per paper crate.
const PAPERS: [Paper; 5] = [
    Paper {
        name: "hinton2015",
        central: repro_hinton2015::claims::CENTRAL,
        recompute: repro_hinton2015::claims::recompute,
    },
    Paper {
        name: "sobolev",
        central: repro_sobolev::claims::CENTRAL,
        recompute: repro_sobolev::claims::recompute,
    },
    Paper {
        name: "takd",
        central: repro_takd::claims::CENTRAL,
        recompute: repro_takd::claims::recompute,
    },
    Paper {
        name: "noisy-teacher",
        central: repro_noisy_teacher::claims::CENTRAL,
        recompute: repro_noisy_teacher::claims::recompute,
    },
    Paper {
        name: "boundary",
        central: repro_boundary::claims::CENTRAL,
        recompute: repro_boundary::claims::recompute,
    },
];

#[derive(Parser)]
#[command(about = "Compare reproduction results and check a paper's claims")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compare every result CSV of EXPECTED with the same file in ACTUAL.
    Compare {
        expected: PathBuf,
        actual: PathBuf,
        /// Require identical cells (two runs on one machine).
        #[arg(long)]
        exact: bool,
        /// Standard errors (of a difference of two means over seeds) a group mean may move.
        #[arg(long, default_value_t = DEFAULT_STANDARD_ERRORS)]
        standard_errors: f64,
    },
    /// Recompute DIR's claims from its tables and print their verdicts; fail unless
    /// claims.csv matches them and summary.md names a committed code version.
    Claims {
        /// hinton2015, sobolev, takd, noisy-teacher or boundary.
        paper: String,
        dir: PathBuf,
    },
    /// CI's gate on a fresh run: FRESH must be consistent, and every claim that holds in
    /// COMMITTED must be computed in FRESH and must not fail there.
    Gate {
        paper: String,
        committed: PathBuf,
        fresh: PathBuf,
    },
    /// Re-judge DIR's claims from its own tables with today's code (claims.csv, each
    /// section's claim lines, summary.md); no run is retrained and no table changes.
    Refresh { paper: String, dir: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compare {
            expected,
            actual,
            exact,
            standard_errors,
        } => compare(&expected, &actual, exact, standard_errors),
        Command::Claims { paper, dir } => paper_named(&paper).and_then(|p| claims(p, &dir)),
        Command::Gate {
            paper,
            committed,
            fresh,
        } => paper_named(&paper).and_then(|p| gate_fresh(p, &committed, &fresh)),
        Command::Refresh { paper, dir } => paper_named(&paper).and_then(|p| {
            let recomputed = (p.recompute)(&dir)?;
            refresh(
                &dir,
                &recomputed,
                &central_claims_text(p.central),
                &kd_core::runs::store::git_commit(),
            )?;
            println!(
                "{}: {} claims re-judged from its tables",
                dir.display(),
                recomputed.len()
            );
            Ok(true)
        }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn compare(expected: &Path, actual: &Path, exact: bool, standard_errors: f64) -> Result<bool> {
    if !(standard_errors.is_finite() && standard_errors > 0.0) {
        return Err(kd_core::KdError::Config(format!(
            "--standard-errors must be a positive number, got {standard_errors}"
        )));
    }
    let how = if exact {
        Comparison::Exact
    } else {
        Comparison::SeedSpread { standard_errors }
    };
    let problems = compare_dirs(expected, actual, how)?;
    for p in &problems {
        eprintln!("mismatch: {p}");
    }
    if problems.is_empty() {
        println!(
            "{} agrees with {} ({})",
            actual.display(),
            expected.display(),
            if exact {
                "exactly".to_string()
            } else {
                format!("group means within {standard_errors} standard errors of the seed spread")
            }
        );
    }
    Ok(problems.is_empty())
}

fn paper_named(paper: &str) -> Result<&'static Paper> {
    PAPERS.iter().find(|p| p.name == paper).ok_or_else(|| {
        let names: Vec<&str> = PAPERS.iter().map(|p| p.name).collect();
        kd_core::KdError::Config(format!(
            "unknown paper `{paper}`; choose from: {}",
            names.join(", ")
        ))
    })
}

/// Recomputes and checks DIR's claims; prints every verdict. The claims, when consistent.
fn checked_claims(p: &Paper, dir: &Path) -> Result<Option<Vec<Claim>>> {
    let recomputed = (p.recompute)(dir)?;
    let ClaimReport {
        problems,
        central_missing,
    } = verify_claims(dir, p.central, &recomputed)?;
    for c in &recomputed {
        println!(
            "{:<12} {}{} — {}",
            c.verdict().word(),
            c.id,
            if c.central { " (central)" } else { "" },
            c.evidence()
        );
    }
    if !central_missing.is_empty() {
        println!(
            "central claims this directory's experiments do not compute: {}",
            central_missing.join(", ")
        );
    }
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if !problems.is_empty() {
        return Ok(None);
    }
    let central: Vec<&Claim> = recomputed.iter().filter(|c| c.central).collect();
    let all: Vec<&Claim> = recomputed.iter().collect();
    println!(
        "{}: claims recomputed from the tables match claims.csv; central claims: {}; all \
         claims: {}",
        dir.display(),
        verdict_counts(&central),
        verdict_counts(&all)
    );
    Ok(Some(recomputed))
}

fn claims(p: &Paper, dir: &Path) -> Result<bool> {
    Ok(checked_claims(p, dir)?.is_some())
}

fn gate_fresh(p: &Paper, committed: &Path, fresh: &Path) -> Result<bool> {
    let established = (p.recompute)(committed)?;
    let Some(fresh_claims) = checked_claims(p, fresh)? else {
        return Ok(false);
    };
    let report = gate(&established, &fresh_claims);
    for (id, flip) in &report.gated {
        println!(
            "gated (holds in {}): {id}, flip probability on a new draw {flip:.4}",
            committed.display()
        );
    }
    for (id, flip) in &report.too_fragile {
        println!(
            "not gated (holds in {}, but a new draw reverses it with probability {flip:.4}, \
             above {MAX_GATE_FLIP}): {id}",
            committed.display()
        );
    }
    for problem in &report.problems {
        eprintln!("error: {problem}");
    }
    println!(
        "gate: {} established claim(s) of {}; false-alarm rate of an unchanged commit on \
         another machine about {:.3}; {}",
        report.gated.len(),
        committed.display(),
        report.false_alarm_rate(),
        if report.problems.is_empty() {
            "none fails in the fresh run"
        } else {
            "FAILED"
        }
    );
    Ok(report.problems.is_empty())
}
