//! `repro-noisy-teacher`: see the library (`lib.rs`) for what it reproduces.

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use kd_core::cli::{CommonArgs, run_main};
use kd_core::methods::{NoiseForm, NoiseUnit};
use repro_noisy_teacher::NoiseOptions;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Form {
    /// z (1 + sigma xi), as secondary sources describe the paper.
    Multiplicative,
    /// z + sigma xi.
    Additive,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Unit {
    /// Each sample perturbed with probability alpha, as secondary sources describe the paper.
    Sample,
    /// One coin flip per mini-batch (as the KD_Lib implementation does).
    Batch,
}

#[derive(Parser)]
#[command(
    name = "repro-noisy-teacher",
    about = "Reproduce Sau & Balasubramanian (2016), Distilling Knowledge from Noisy Teachers",
    long_about = "Reproduce Sau & Balasubramanian (2016), Deep Model Compression: Distilling \
                  Knowledge from Noisy Teachers. Experiments: table (hard labels, clean \
                  teacher, noisy teacher, soft targets), sigma-sweep, alpha-sweep, regularizers \
                  (noisy student, dropout, weight decay, input noise) and ensemble (one noisy \
                  teacher vs k teachers). Profiles: smoke, cpu (bundled MNIST and \
                  Fashion-MNIST subsets: LeNet-5 teachers, MLP students) and paper (MNIST, and \
                  SVHN and CIFAR-10 with Network-in-Network teachers and modified-LeNet \
                  students)."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// How the Gaussian noise enters a logit.
    #[arg(long, value_enum, default_value = "multiplicative")]
    noise_form: Form,

    /// What one coin flip with probability alpha decides.
    #[arg(long, value_enum, default_value = "sample")]
    noise_unit: Unit,
}

fn main() -> ExitCode {
    run_main(|cli: Cli| {
        let noise = NoiseOptions {
            form: match cli.noise_form {
                Form::Multiplicative => NoiseForm::Multiplicative,
                Form::Additive => NoiseForm::Additive,
            },
            unit: match cli.noise_unit {
                Unit::Sample => NoiseUnit::Sample,
                Unit::Batch => NoiseUnit::Batch,
            },
        };
        repro_noisy_teacher::run(&cli.common, noise)
    })
}
