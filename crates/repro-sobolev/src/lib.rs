//! Reproduces Czarnecki et al. (2017), "Sobolev Training for Neural Networks": the regression
//! table on the 2-D test functions (§4.1) and a digit analogue of Sobolev distillation. Writes
//! CSV tables, SVG charts and `summary.md` into `results/sobolev/<profile>/`.

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
    let settings = Settings::for_profile(args.profile)?;
    let selected = args.selected(&experiments::ALL)?;
    let trainer = args.trainer()?;
    let regression_seeds = args.seeds_or(settings.regression_seeds)?;
    let distill_seeds = args.seeds_or(settings.distill_seeds)?;
    let dataset_name = args.dataset_or(settings.default_dataset);
    let splits = if selected.contains(&experiments::distillation::NAME) {
        let info = dataset_info(&dataset_name)?;
        let dataset = load_dataset(&info, &Locations::standard(args.data_dir.clone()))?;
        Some(Splits::new(&dataset, &settings.split))
    } else {
        None
    };
    let out = args.out_dir("sobolev", settings.default_dataset);
    eprintln!(
        "sobolev, profile {}: experiments {}; {} regression seed(s), {} distillation seed(s); \
         results -> {}",
        args.profile.name(),
        selected.join(", "),
        regression_seeds.len(),
        distill_seeds.len(),
        out.display()
    );
    let ctx = Context {
        trainer,
        settings,
        regression_seeds,
        distill_seeds,
        out: out.clone(),
        splits,
    };
    for name in &selected {
        let t0 = Instant::now();
        match *name {
            // Full-batch fits of seconds each, outside the run store: nothing to plan.
            experiments::regression::NAME if args.walks_graph_only() => {
                eprintln!("{name}: fits outside the run store, not planned");
                continue;
            }
            experiments::regression::NAME => experiments::regression::run(&ctx)?,
            experiments::distillation::NAME => experiments::distillation::run(&ctx)?,
            other => unreachable!("unknown experiment {other}"),
        }
        eprintln!("{name}: done in {:.0} s", t0.elapsed().as_secs_f64());
    }
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let data_line = match &ctx.splits {
        Some(s) => format!(
            "dataset `{dataset_name}` for distillation: {} training / {} validation / {} test \
             images",
            s.train.len(),
            s.validation.len(),
            s.test.len()
        ),
        None => "no digit data used in this invocation".into(),
    };
    let preamble = format!(
        "Czarnecki, Osindero, Jaderberg, Świrszcz & Pascanu (2017), *Sobolev Training for \
         Neural Networks* (NIPS 2017, arXiv:1706.04859), reproduced with kd-repro.\n\n\
         - profile `{}`; {data_line}\n\
         - seeds: {} (regression), {} (distillation); regression verdicts use medians over \
           seeds (mean ± std beside them), distillation numbers are mean ± std\n\
         - input derivatives of the models are computed in forward mode (JVPs), so the \
           derivative-matching terms train with first-order backpropagation\n\
         - device `{}` ({}), code `{}`; this invocation took {:.1} min (distillation runs already \
           in the run store are reused, not retrained)\n\n{}",
        args.profile.name(),
        ctx.regression_seeds.len(),
        ctx.distill_seeds.len(),
        args.device,
        kd_core::perf::machine_description(),
        code,
        started.elapsed().as_secs_f64() / 60.0,
        kd_core::report::summary::required_claims_text(claims::REQUIRED)
    );
    Summary::assemble(
        &out,
        "Sobolev Training for Neural Networks — paper vs ours",
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
