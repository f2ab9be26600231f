//! Reproduces Heo et al. (AAAI 2019), "Knowledge Distillation with Adversarial Samples
//! Supporting Decision Boundary": students distilled on the training images and on boundary
//! supporting samples (`kd_core::methods::BoundarySupport`), against KD alone and the
//! baseline; diagnostics of the attack; the gain with less data. Writes CSV tables, SVG charts,
//! a PNG of the samples and `summary.md` into `results/boundary/<profile>/`.

pub mod claims;
mod context;
pub mod experiments;
pub mod paper;
pub mod profile;

use std::time::Instant;

use kd_core::cli::CommonArgs;
use kd_core::data::{Locations, Splits, dataset_info, load_dataset};
use kd_core::report::Summary;
use kd_core::report::summary::Section;
use kd_core::runs::git_commit;

use crate::context::Context;
use crate::profile::Settings;

/// The name of the section on what could be read of the paper.
const SOURCES: &str = "sources";

/// Runs the experiments the flags select and assembles `summary.md` and `claims.csv`.
pub fn run(args: &CommonArgs) -> kd_core::Result<()> {
    let started = Instant::now();
    let code = git_commit();
    let settings = Settings::for_profile(args.profile)?;
    let selected = if args.only.is_empty() {
        settings.experiments.clone()
    } else {
        args.selected(&experiments::ALL)?
    };
    let trainer = args.trainer()?;
    let seeds = args.seeds_or(settings.seeds)?;
    let name = args.dataset.clone().unwrap_or(settings.dataset.to_string());
    let info = dataset_info(&name)?;
    let dataset = load_dataset(&info, &Locations::standard(args.data_dir.clone()))?;
    let splits = Splits::new(&dataset, &settings.split);
    let out = args.out_dir("boundary", settings.dataset);
    eprintln!(
        "boundary, profile {}: {name} ({} train / {} validation / {} test), {} seed(s), \
         experiments: {}; results -> {}",
        args.profile.name(),
        splits.train.len(),
        splits.validation.len(),
        splits.test.len(),
        seeds.len(),
        selected.join(", "),
        out.display()
    );
    let ctx = Context {
        trainer,
        settings,
        info,
        splits,
        seeds,
        out: out.clone(),
    };
    for experiment in &selected {
        let t0 = Instant::now();
        match *experiment {
            experiments::table::NAME => experiments::table::run(&ctx)?,
            experiments::comparison::NAME => experiments::comparison::run(&ctx)?,
            experiments::attack::NAME => experiments::attack::run(&ctx)?,
            experiments::less_data::NAME => experiments::less_data::run(&ctx)?,
            other => unreachable!("unknown experiment {other}"),
        }
        eprintln!("{experiment}: done in {:.0} s", t0.elapsed().as_secs_f64());
    }
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let mut sources = Section::new(SOURCES, "What could be read of the paper");
    sources.text(paper::SOURCES);
    sources.write(&out)?;
    let (runs_used, training_minutes) = ctx.trainer.training_time();
    let s = &ctx.settings;
    let depths: Vec<String> = s
        .student_depths
        .iter()
        .map(|d| format!("ResNet{d}"))
        .collect();
    let preamble = format!(
        "{}, reproduced with kd-repro (work in progress: issue 11).\n\n\
         - profile `{}`: `{name}` {} training / {} validation / {} test images\n\
         - one ResNet{} teacher (seed {}, {} epochs, hard labels); students {} ({} epochs); \
           zero-padding shortcuts; SGD lr {} (x0.1 at 1/2 and 3/4 of the epochs), momentum {}, \
           weight decay {}, batch {}; the data set's standard augmentation\n\
         - BSS: T {}, at most {} base samples per batch, {} steps of {}, pixels clamped to {}; \
           a(e) from {} to {}, b(e) from {} to 0 at {} of the epochs\n\
         - seeds: {}; numbers are final-epoch test accuracy, mean ± std over seeds (test \
           accuracy at the epoch of fewest validation errors in the CSVs)\n\
         - choices: {}\n\
         - device `{}` ({}), code `{}`; the {} trained runs used took {:.1} min of training; \
           this invocation took {:.1} min (runs already in the run store are reused)\n\n{}",
        paper::CITATION,
        args.profile.name(),
        ctx.splits.train.len(),
        ctx.splits.validation.len(),
        ctx.splits.test.len(),
        s.teacher_depth,
        context::TEACHER_SEED,
        s.teacher_epochs,
        depths.join(", "),
        s.epochs,
        s.lr,
        s.momentum,
        s.weight_decay,
        s.batch_size,
        s.bss.temperature,
        s.bss.attack_size,
        s.bss.attack.steps,
        s.bss.attack.step_size,
        s.bss
            .attack
            .clamp
            .map_or("no bound".to_string(), |c| format!("±{c}")),
        s.bss.kd_weight_start,
        s.bss.kd_weight_end,
        s.bss.bss_weight,
        s.bss.bss_until,
        ctx.seeds.len(),
        s.choices,
        args.device,
        kd_core::perf::machine_description(),
        code,
        runs_used,
        training_minutes,
        started.elapsed().as_secs_f64() / 60.0,
        kd_core::report::summary::required_claims_text(claims::REQUIRED),
    );
    let mut order = vec![SOURCES];
    order.extend(experiments::ALL);
    Summary::assemble(
        &out,
        "Knowledge Distillation with Adversarial Samples Supporting Decision Boundary — paper vs \
         ours",
        &preamble,
        &order,
    )?;
    eprintln!(
        "wrote {} in {:.1} min",
        out.join("summary.md").display(),
        started.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}
