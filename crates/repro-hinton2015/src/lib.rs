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

use std::time::Instant;

use kd_core::cli::CommonArgs;
use kd_core::data::{Locations, Splits, dataset_info, load_dataset};
use kd_core::report::Summary;
use kd_core::runs::git_commit;

use crate::context::Context;
use crate::profile::Settings;

/// Runs the experiments the flags select and assembles `summary.md` and `claims.csv`.
pub fn run(args: &CommonArgs) -> kd_core::Result<()> {
    let started = Instant::now();
    // Read now: the code that runs is the code at the start, whatever changes meanwhile.
    let code = git_commit();
    let settings = Settings::for_profile(args.profile);
    let selected = if args.only.is_empty() {
        settings.experiments.clone()
    } else {
        args.selected(&experiments::ALL)?
    };
    let seeds = args.seeds_or(settings.seeds)?;
    let trainer = args.trainer()?;
    let dataset_name = args.dataset_or(settings.default_dataset);
    let info = dataset_info(&dataset_name)?;
    let dataset = load_dataset(&info, &Locations::standard(args.data_dir.clone()))?;
    let splits = Splits::new(&dataset, &settings.split);
    let out = args.out_dir("hinton2015", settings.default_dataset);
    eprintln!(
        "hinton2015, profile {}: {} ({} train / {} validation / {} test images from {}), \
         {} seed(s), experiments: {}; results -> {}",
        args.profile.name(),
        dataset_name,
        splits.train.len(),
        splits.validation.len(),
        splits.test.len(),
        dataset.dir.display(),
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
    for name in &selected {
        let t0 = Instant::now();
        match *name {
            experiments::mnist_table::NAME => experiments::mnist_table::run(&ctx)?,
            experiments::temperature_sweep::NAME => experiments::temperature_sweep::run(&ctx)?,
            experiments::omitted_digit::NAME => experiments::omitted_digit::run(&ctx)?,
            experiments::only_7_8::NAME => experiments::only_7_8::run(&ctx)?,
            experiments::soft_regularizer::NAME => experiments::soft_regularizer::run(&ctx)?,
            other => unreachable!("unknown experiment {other}"),
        }
        eprintln!("{name}: done in {:.0} s", t0.elapsed().as_secs_f64());
    }
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let (runs_used, training_minutes) = ctx.training_time();
    let preamble = format!(
        "Hinton, Vinyals & Dean (2015), *Distilling the Knowledge in a Neural Network* \
         (arXiv:1503.02531), reproduced with kd-repro.\n\n\
         - profile `{}`, dataset `{}`: {} training / {} validation / {} test images\n\
         - seeds: {}; numbers are mean ± std over seeds\n\
         - final-epoch test numbers, plus test numbers at the epoch with the fewest validation \
           errors where shown; every choice (learning rate, temperature, bias shift) is made on the \
           validation split, never on test\n\
         - device `{}` ({}), code `{}`; the {} trained runs this invocation's experiments used \
           took {:.1} min of training (sum of their wall times); this invocation took {:.1} min (runs already in \
           the run store are reused, not retrained)\n\n{}",
        args.profile.name(),
        dataset_name,
        ctx.splits.train.len(),
        ctx.splits.validation.len(),
        ctx.splits.test.len(),
        ctx.seeds.len(),
        args.device,
        kd_core::perf::machine_description(),
        code,
        runs_used,
        training_minutes,
        started.elapsed().as_secs_f64() / 60.0,
        kd_core::report::summary::required_claims_text(claims::REQUIRED)
    );
    Summary::assemble(
        &out,
        "Distilling the Knowledge in a Neural Network — paper vs ours",
        &preamble,
        &experiments::ALL,
    )?;
    eprintln!(
        "wrote {} in {:.1} min",
        out.join("summary.md").display(),
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}
