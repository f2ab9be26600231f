//! `repro-sobolev`: see the library (`lib.rs`) for what it reproduces.

use std::process::ExitCode;

use clap::Parser;
use kd_core::cli::{CommonArgs, run_main};

#[derive(Parser)]
#[command(
    name = "repro-sobolev",
    about = "Reproduce Czarnecki et al. (2017), Sobolev Training for Neural Networks",
    long_about = "Reproduce Czarnecki et al. (2017), Sobolev Training for Neural Networks. \
                  Experiments: regression (the 2-D test functions, Regular vs Sobolev vs \
                  stochastic Sobolev) and distillation (a digit analogue of Sobolev \
                  distillation). --seeds sets both experiments' seeds [default: 5 for \
                  regression and 3 for distillation; 1 with --profile smoke; 4 and 3 with ci]."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    run_main(|cli: Cli| repro_sobolev::run(&cli.common))
}
