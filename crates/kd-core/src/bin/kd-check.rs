//! CI's comparison step.
//!
//! `kd-check compare EXPECTED ACTUAL`: a fresh run's result tables against committed ones.
//! `kd-check claims DIR`: every claim in DIR/claims.csv holds (verdicts recomputed).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kd_core::check::{Tolerance, compare_dirs, failing_claims};

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
        /// Relative tolerance on numbers.
        #[arg(long, default_value_t = 0.1)]
        rtol: f64,
        /// Absolute tolerance on numbers.
        #[arg(long, default_value_t = 0.02)]
        atol: f64,
    },
    /// Fail unless every required claim in DIR/claims.csv holds (others are listed).
    Claims { dir: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Compare {
            expected,
            actual,
            rtol,
            atol,
        } => compare_dirs(&expected, &actual, Tolerance { rtol, atol }).map(|problems| {
            for p in &problems {
                eprintln!("mismatch: {p}");
            }
            if problems.is_empty() {
                println!(
                    "{} agrees with {} (rtol {rtol}, atol {atol})",
                    actual.display(),
                    expected.display()
                );
            }
            problems.is_empty()
        }),
        Command::Claims { dir } => failing_claims(&dir).map(|failing| {
            for c in &failing {
                let kind = if c.required {
                    "required claim fails"
                } else {
                    "reported claim fails"
                };
                eprintln!("{kind}: {} — {} — {}", c.id, c.statement, c.evidence());
            }
            let required_failing = failing.iter().filter(|c| c.required).count();
            if required_failing == 0 {
                println!(
                    "all required claims in {} hold ({} reported claim(s) fail)",
                    dir.join("claims.csv").display(),
                    failing.len()
                );
            }
            required_failing == 0
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
