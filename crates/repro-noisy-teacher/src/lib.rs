//! Reproduces Sau & Balasubramanian (2016), "Deep Model Compression: Distilling Knowledge from
//! Noisy Teachers": a student regressing a teacher's logits perturbed with Gaussian noise, against
//! the clean teacher, hard labels and soft targets; sweeps over the noise's sigma and alpha; the
//! noisy teacher against other regularisers and against a real ensemble of teachers. Writes CSV
//! tables, SVG charts and `summary.md` into `results/noisy-teacher/<profile>/`.

pub mod claims;
mod context;
pub mod experiments;
pub mod paper;
pub mod profile;

use kd_core::cli::{CommonArgs, Invocation};
use kd_core::report::summary::Section;

pub use crate::context::NoiseOptions;
use crate::context::{Context, Data};
use crate::profile::Settings;

/// The name of the section on what could be read of the paper.
const SOURCES: &str = "sources";

/// Runs the experiments the flags select and assembles `summary.md` and `claims.csv`.
pub fn run(args: &CommonArgs, noise: NoiseOptions) -> kd_core::Result<()> {
    let invocation = Invocation::begin();
    let settings = Settings::for_profile(args.profile)?;
    let selected = args.experiments(&experiments::ALL, &settings.experiments)?;
    let trainer = args.trainer()?;
    let seeds = args.seeds_or(settings.seeds)?;
    let names: Vec<String> = match &args.dataset {
        Some(name) => vec![name.clone()],
        None => settings.datasets.iter().map(|d| d.to_string()).collect(),
    };
    let mut data = Vec::new();
    for name in &names {
        let loaded = args.load_splits(name, &settings.split)?;
        data.push(Data {
            name: name.clone(),
            info: loaded.info,
            splits: loaded.splits,
        });
    }
    let out = args.out_dir("noisy-teacher", settings.datasets[0])?;
    eprintln!(
        "noisy-teacher, profile {}: {}, {} seed(s), experiments: {}; results -> {}",
        args.profile.name(),
        data.iter()
            .map(|d| format!(
                "{} ({} train / {} validation / {} test)",
                d.name,
                d.splits.train.len(),
                d.splits.validation.len(),
                d.splits.test.len()
            ))
            .collect::<Vec<_>>()
            .join(", "),
        seeds.len(),
        selected.join(", "),
        out.display()
    );
    let ctx = Context {
        trainer,
        settings,
        noise,
        seeds,
        out: out.clone(),
        data,
        chosen: Default::default(),
    };
    invocation.run_experiments(&selected, |name| match name {
        experiments::table::NAME => experiments::table::run(&ctx),
        experiments::sweeps::SIGMA => experiments::sweeps::run_sigma(&ctx),
        experiments::sweeps::ALPHA => experiments::sweeps::run_alpha(&ctx),
        experiments::comparisons::REGULARIZERS => experiments::comparisons::run_regularizers(&ctx),
        experiments::comparisons::ENSEMBLE => experiments::comparisons::run_ensemble(&ctx),
        other => unreachable!("unknown experiment {other}"),
    })?;
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let mut sources = Section::new(SOURCES, "What could be read of the paper");
    sources.text(paper::SOURCES);
    sources.write(&out)?;
    let s = &ctx.settings;
    let preamble = format!(
        "{}, reproduced with kd-repro.\n\n\
         - profile `{}`: {}\n\
         - {} (teachers {} epochs, students {}), Adam, batch {}; the student regresses \
           logits (1/2 squared error summed over classes, mean over the batch)\n\
         - noise: {}, alpha per {}, sigma its standard deviation; sigma and alpha chosen on \
           the validation split (mean final validation errors over seeds), never on test\n\
         - seeds: {}, a teacher per seed; numbers are final-epoch test accuracy, mean ± std over \
           seeds (test accuracy at the epoch of fewest validation errors in the CSVs)\n\
         - choices: {}\n\
         - no `ci` profile (the README says why): CI recomputes the claims from the committed \
           cpu tables and checks they agree, but no fresh run re-checks them\n\
         {}\n\n{}",
        paper::CITATION,
        args.profile.name(),
        ctx.data
            .iter()
            .map(|d| format!(
                "`{}` {} training / {} validation / {} test images",
                d.name,
                d.splits.train.len(),
                d.splits.validation.len(),
                d.splits.test.len()
            ))
            .collect::<Vec<_>>()
            .join("; "),
        ctx.architectures_text(),
        s.teacher_epochs,
        s.student_epochs,
        s.batch_size,
        format!("{:?}", ctx.noise.form).to_lowercase(),
        format!("{:?}", ctx.noise.unit).to_lowercase(),
        ctx.seeds.len(),
        s.choices,
        invocation.provenance(args, &ctx.trainer),
        kd_core::report::summary::central_claims_text(claims::CENTRAL),
    );
    let mut order = vec![SOURCES];
    order.extend(experiments::ALL);
    invocation.write_summary(
        &out,
        "Deep Model Compression: Distilling Knowledge from Noisy Teachers — paper vs ours",
        &preamble,
        &order,
    )
}
