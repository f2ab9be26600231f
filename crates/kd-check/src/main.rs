//! CI's checks over result directories.
//!
//! `kd-check compare EXPECTED ACTUAL`: a fresh run's result tables against committed ones
//! (group means within the measured spread between seeds; `--exact` on one machine).
//! `kd-check claims PAPER DIR`: recomputes every claim of DIR from its tables with the paper's
//! own code, checks `DIR/claims.csv` against them, and fails when a required claim of the
//! paper fails or is missing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kd_core::Result;
use kd_core::check::{
    ClaimReport, Comparison, DEFAULT_STANDARD_ERRORS, compare_dirs, verify_claims,
};
use kd_core::report::{Claim, RequiredClaim};

/// A paper's claims as kd-check knows them: the required ones and the recomputation.
struct Paper {
    name: &'static str,
    required: &'static [RequiredClaim],
    recompute: fn(&Path) -> Result<Vec<Claim>>,
}

/// The registry: one line per paper crate.
const PAPERS: [Paper; 5] = [
    Paper {
        name: "hinton2015",
        required: repro_hinton2015::claims::REQUIRED,
        recompute: repro_hinton2015::claims::recompute,
    },
    Paper {
        name: "sobolev",
        required: repro_sobolev::claims::REQUIRED,
        recompute: repro_sobolev::claims::recompute,
    },
    Paper {
        name: "takd",
        required: repro_takd::claims::REQUIRED,
        recompute: repro_takd::claims::recompute,
    },
    Paper {
        name: "noisy-teacher",
        required: repro_noisy_teacher::claims::REQUIRED,
        recompute: repro_noisy_teacher::claims::recompute,
    },
    Paper {
        name: "boundary",
        required: repro_boundary::claims::REQUIRED,
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
    /// Recompute DIR's claims from its tables; fail unless claims.csv matches them and every
    /// required claim of PAPER is present and holds.
    Claims {
        /// hinton2015, sobolev, takd, noisy-teacher or boundary.
        paper: String,
        dir: PathBuf,
        /// Check only that claims.csv matches the tables (for results reported as measured,
        /// e.g. another dataset's, where the required claims are not expected to hold).
        #[arg(long)]
        consistency_only: bool,
    },
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
        Command::Claims {
            paper,
            dir,
            consistency_only,
        } => claims(&paper, &dir, consistency_only),
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

fn claims(paper: &str, dir: &Path, consistency_only: bool) -> Result<bool> {
    let Some(p) = PAPERS.iter().find(|p| p.name == paper) else {
        let names: Vec<&str> = PAPERS.iter().map(|p| p.name).collect();
        return Err(kd_core::KdError::Config(format!(
            "unknown paper `{paper}`; choose from: {}",
            names.join(", ")
        )));
    };
    let recomputed = (p.recompute)(dir)?;
    let ClaimReport {
        mut problems,
        required_problems,
        reported_failing,
        total,
        holding,
    } = verify_claims(dir, p.required, &recomputed)?;
    if consistency_only {
        for r in &required_problems {
            eprintln!("not required here: {r}");
        }
    } else {
        problems.extend(required_problems);
    }
    for c in &reported_failing {
        eprintln!(
            "reported claim fails: {} — {} — {}",
            c.id,
            c.statement,
            c.evidence()
        );
    }
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if problems.is_empty() {
        println!(
            "{}: claims recomputed from the tables match claims.csv; {}; {holding} of {total} \
             claims hold",
            dir.display(),
            if consistency_only {
                "required claims not enforced (--consistency-only)".to_string()
            } else {
                format!("all {} required claims hold", p.required.len())
            }
        );
    }
    Ok(problems.is_empty())
}
