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

use kd_core::cli::{CommonArgs, Invocation};
use kd_core::report::summary::Section;

use crate::context::Context;
use crate::profile::Settings;

/// The name of the section on what could be read of the paper.
const SOURCES: &str = "sources";

/// Runs the experiments the flags select and assembles `summary.md` and `claims.csv`.
pub fn run(args: &CommonArgs) -> kd_core::Result<()> {
    let invocation = Invocation::begin();
    let settings = Settings::for_profile(args.profile)?;
    let selected = args.experiments(&experiments::ALL, &settings.experiments)?;
    let trainer = args.trainer()?;
    let seeds = args.seeds_or(settings.seeds)?;
    let name = args.dataset_or(settings.dataset);
    let data = args.load_splits(&name, &settings.split)?;
    let out = args.out_dir("boundary", settings.dataset)?;
    eprintln!(
        "boundary, profile {}: {name} ({} train / {} validation / {} test), {} seed(s), \
         experiments: {}; results -> {}",
        args.profile.name(),
        data.splits.train.len(),
        data.splits.validation.len(),
        data.splits.test.len(),
        seeds.len(),
        selected.join(", "),
        out.display()
    );
    let ctx = Context {
        trainer,
        settings,
        info: data.info,
        splits: data.splits,
        seeds,
        out: out.clone(),
    };
    invocation.run_experiments(&selected, |experiment| match experiment {
        experiments::table::NAME => experiments::table::run(&ctx),
        experiments::comparison::NAME => experiments::comparison::run(&ctx),
        experiments::attack::NAME => experiments::attack::run(&ctx),
        experiments::less_data::NAME => experiments::less_data::run(&ctx),
        other => unreachable!("unknown experiment {other}"),
    })?;
    if args.finish_plan(&ctx.trainer, &out)? {
        return Ok(());
    }
    let mut sources = Section::new(SOURCES, "What could be read of the paper");
    sources.text(paper::SOURCES);
    sources.write(&out)?;
    let s = &ctx.settings;
    let depths = |depths: &[usize]| -> String {
        let names: Vec<String> = depths.iter().map(|d| format!("ResNet{d}")).collect();
        names.join(", ")
    };
    let preamble = format!(
        "{}, reproduced with kd-repro.\n\n\
         - profile `{}`: `{name}` {} training / {} validation / {} test images\n\
         - one ResNet{} teacher (seed {}, {} epochs, hard labels); students {} in the table, {} \
           in the comparison ({} epochs); zero-padding shortcuts; SGD lr {} (x0.1 at 1/2 and 3/4 \
           of the epochs), momentum {}, weight decay {}, batch {}; the data set's standard \
           augmentation\n\
         - BSS: T {}, at most {} base samples per batch, {} steps of {}, pixels clamped to {}; \
           a(e) from {} to {}, b(e) from {} to 0 at {} of the epochs\n\
         - seeds: {}; numbers are final-epoch test accuracy, mean ± std over seeds (test \
           accuracy at the epoch of fewest validation errors in the CSVs)\n\
         - choices: {}\n\
         {}\n\n{}",
        paper::CITATION,
        args.profile.name(),
        ctx.splits.train.len(),
        ctx.splits.validation.len(),
        ctx.splits.test.len(),
        s.teacher_depth,
        context::TEACHER_SEED,
        s.teacher_epochs,
        depths(&s.student_depths),
        depths(&s.comparison_depths),
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
        invocation.provenance(args, &ctx.trainer),
        kd_core::report::summary::central_claims_text(claims::CENTRAL),
    );
    let mut order = vec![SOURCES];
    order.extend(experiments::ALL);
    invocation.write_summary(
        &out,
        "Knowledge Distillation with Adversarial Samples Supporting Decision Boundary — paper vs \
         ours",
        &preamble,
        &order,
    )
}
