//! `repro-boundary`: see the library (`lib.rs`) for what it reproduces.

use std::process::ExitCode;

use clap::Parser;
use kd_core::cli::{CommonArgs, run_main};

#[derive(Parser)]
#[command(
    name = "repro-boundary",
    about = "Reproduce Heo et al. (2019), Knowledge Distillation with Adversarial Samples \
             Supporting Decision Boundary",
    long_about = "Reproduce Heo et al. (AAAI 2019), Knowledge Distillation with Adversarial \
                  Samples Supporting Decision Boundary (BSS). Experiments: table (baseline, KD \
                  and KD + BSS for ResNet students of a ResNet teacher), comparison (the \
                  paper's row: baseline, KD, FitNets, attention transfer, FSP, KD + BSS, \
                  mutual learning and, where an assistant depth exists, TAKD), attack \
                  (diagnostics and a picture of the boundary supporting samples) and less-data \
                  (KD vs KD + BSS on 10 / 25 / 50 % of the training images). Profiles: smoke \
                  (seconds), ci (the cpu profile's table; CI gates only claims that hold in the \
                  committed ci results), cpu (default: the bundled Fashion-MNIST subset, small \
                  ResNets), paper (CIFAR-10, the official recipe, for a GPU)."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

fn main() -> ExitCode {
    run_main(|cli: Cli| repro_boundary::run(&cli.common))
}
