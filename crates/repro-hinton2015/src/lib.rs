//! Reproduces Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural Network":
//! the MNIST experiments of §3 and a digit analogue of §6's soft-targets-as-regularizer result
//! (Table 5).
//! Writes CSV tables, SVG charts and `summary.md` (paper vs ours) into
//! `results/hinton2015/<profile>/`.

pub mod claims;
mod context;
pub mod experiments;
pub mod paper;
pub mod profile;

use kd_core::cli::{CommonArgs, Invocation};

use crate::context::Context;
use crate::profile::Settings;

/// Runs the experiments the flags select and assembles `summary.md` and `claims.csv`.
pub fn run(args: &CommonArgs) -> kd_core::Result<()> {
    let invocation = Invocation::begin();
    let settings = Settings::for_profile(args.profile);
    let selected = args.experiments(&experiments::ALL, &settings.experiments)?;
    let seeds = args.seeds_or(settings.seeds)?;
    let trainer = args.trainer()?;
    let dataset_name = args.dataset_or(settings.default_dataset);
    let data = args.load_splits(&dataset_name, &settings.split)?;
    let splits = data.splits;
    let out = args.out_dir("hinton2015", settings.default_dataset)?;
    eprintln!(
        "hinton2015, profile {}: {} ({} train / {} validation / {} test images from {}), \
         {} seed(s), experiments: {}; results -> {}",
        args.profile.name(),
        dataset_name,
        splits.train.len(),
        splits.validation.len(),
        splits.test.len(),
        data.dir.display(),
        seeds.len(),
        selected.join(", "),
        out.display()
    );
    let ctx = Context {
        splits,
        trainer,
        settings,
        seeds,
        out: out.clone(),
        is_mnist: dataset_name.starts_with("mnist"),
    };
    invocation.run_experiments(&selected, |name| match name {
        experiments::mnist_table::NAME => experiments::mnist_table::run(&ctx),
        experiments::temperature_sweep::NAME => experiments::temperature_sweep::run(&ctx),
        experiments::omitted_digit::NAME => experiments::omitted_digit::run(&ctx),
        experiments::only_7_8::NAME => experiments::only_7_8::run(&ctx),
        experiments::soft_regularizer::NAME => experiments::soft_regularizer::run(&ctx),
        other => unreachable!("unknown experiment {other}"),
    })?;
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let preamble = format!(
        "Hinton, Vinyals & Dean (2015), *Distilling the Knowledge in a Neural Network* \
         (arXiv:1503.02531), reproduced with kd-repro.\n\n\
         - profile `{}`, dataset `{}`: {} training / {} validation / {} test images\n\
         - seeds: {}; numbers are mean ± std over seeds\n\
         - final-epoch test numbers, plus test numbers at the epoch with the fewest validation \
           errors where shown; every choice (learning rate, temperature, bias shift) is made on the \
           validation split, never on test\n\
         {}\n\n{}",
        args.profile.name(),
        dataset_name,
        ctx.splits.train.len(),
        ctx.splits.validation.len(),
        ctx.splits.test.len(),
        ctx.seeds.len(),
        invocation.provenance(args, &ctx.trainer),
        kd_core::report::summary::central_claims_text(claims::CENTRAL)
    );
    invocation.write_summary(
        &out,
        "Distilling the Knowledge in a Neural Network — paper vs ours",
        &preamble,
        &experiments::ALL,
    )
}
