//! `repro-hinton2015`: see the library (`lib.rs`) for what it reproduces.

use std::process::ExitCode;

use clap::Parser;
use kd_core::cli::{CommonArgs, run_main};

#[derive(Parser)]
#[command(
    name = "repro-hinton2015",
    about = "Reproduce Hinton, Vinyals & Dean (2015), Distilling the Knowledge in a Neural Network",
    long_about = "Reproduce Hinton, Vinyals & Dean (2015), Distilling the Knowledge in a Neural \
                  Network. Experiments: mnist-table, temperature-sweep, omitted-digit, only-7-8, \
                  soft-regularizer. Trained models are kept in the run store (runs/) and reused. \
                  --seeds defaults to the profile's (1 smoke, 2 full, 3 otherwise)."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    run_main(|cli: Cli| repro_hinton2015::run(&cli.common))
}
