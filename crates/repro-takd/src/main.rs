//! `repro-takd`: see the library (`lib.rs`) for what it reproduces.

use std::process::ExitCode;

use clap::Parser;
use kd_core::cli::{CommonArgs, run_main};
use repro_takd::profile::RecipeName;

#[derive(Parser)]
#[command(
    name = "repro-takd",
    about = "Reproduce Mirzadeh et al. (2020), Improved Knowledge Distillation via Teacher \
             Assistant",
    long_about = "Reproduce Mirzadeh et al. (2020), Improved Knowledge Distillation via Teacher \
                  Assistant (AAAI 2020). Experiments: table (NOKD / BLKD / TAKD for plain CNNs \
                  and ResNets), ta-size, teacher-size, paths (all 8 from plane10 to plane2) \
                  and resnet26 (the comparison setting), with lambda and T chosen on the \
                  validation split. Profiles: smoke (seconds), ci (the cpu profile's Table 1, \
                  which CI reruns: a claim that holds in the committed ci results must not \
                  fail there), cpu (default: the plain-CNN experiments on the \
                  bundled Fashion-MNIST subset, about 35 minutes on 2 cores), paper (CIFAR, \
                  plain CNNs and ResNets, the paper's schedules, for a GPU)."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// `paper`: the paper's recipe (Nesterov SGD at 0.1, augmentation, per-example KL);
    /// `official`: the official code's (see profile.rs) [default: paper for the paper profile,
    /// official for smoke, ci and cpu, whose short schedules the paper's constant 0.1 does not
    /// suit].
    #[arg(long, value_enum)]
    recipe: Option<RecipeName>,
}

fn main() -> ExitCode {
    run_main(|cli: Cli| repro_takd::run(&cli.common, cli.recipe))
}
