//! Reproduces Czarnecki et al. (2017), "Sobolev Training for Neural Networks": the regression
//! table on the 2-D test functions (§4.1) and a digit analogue of Sobolev distillation. Writes
//! CSV tables, SVG charts and `summary.md` into `results/sobolev/<profile>/`.

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
    let settings = Settings::for_profile(args.profile)?;
    let selected = args.selected(&experiments::ALL)?;
    let trainer = args.trainer()?;
    let regression_seeds = args.seeds_or(settings.regression_seeds)?;
    let distill_seeds = args.seeds_or(settings.distill_seeds)?;
    let dataset_name = args.dataset_or(settings.default_dataset);
    let splits = if selected.contains(&experiments::distillation::NAME) {
        Some(args.load_splits(&dataset_name, &settings.split)?.splits)
    } else {
        None
    };
    let out = args.out_dir("sobolev", settings.default_dataset)?;
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
    invocation.run_experiments(&selected, |name| match name {
        // Full-batch fits of seconds each, outside the run store: nothing to plan.
        experiments::regression::NAME if args.walks_graph_only() => {
            eprintln!("{name}: fits outside the run store, not planned");
            Ok(())
        }
        experiments::regression::NAME => experiments::regression::run(&ctx),
        experiments::distillation::NAME => experiments::distillation::run(&ctx),
        other => unreachable!("unknown experiment {other}"),
    })?;
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
         - seeds: {} (regression), {} (distillation); every verdict pairs the runs by seed \
           (regression tables show medians and mean ± std, distillation tables mean ± std)\n\
         - input derivatives of the models are computed in forward mode (JVPs), so the \
           derivative-matching terms train with first-order backpropagation\n\
         {}\n\n{}",
        args.profile.name(),
        ctx.regression_seeds.len(),
        ctx.distill_seeds.len(),
        invocation.provenance(args, &ctx.trainer),
        kd_core::report::summary::central_claims_text(claims::CENTRAL)
    );
    invocation.write_summary(
        &out,
        "Sobolev Training for Neural Networks — paper vs ours",
        &preamble,
        &experiments::ALL,
    )
}
