//! The sweeps: test accuracy against sigma (alpha fixed at the profile's) and against alpha
//! (sigma fixed at the sigma sweep's best on validation), mean ± std over seeds, charted with
//! error bars. Sigma 0 is the clean teacher. These runs are also the validation search of the
//! table's (sigma, alpha).

use kd_core::Result;
use kd_core::report::chart::{Series, line_chart};
use kd_core::report::summary::Section;
use kd_core::report::{MeanStd, Table};

use super::{new_table, push_rows};
use crate::context::{Context, StudentMethod};

pub const SIGMA: &str = "sigma-sweep";
pub const ALPHA: &str = "alpha-sweep";

pub fn run_sigma(ctx: &Context) -> Result<()> {
    let s = &ctx.settings;
    let mut table = new_table();
    for data in &ctx.data {
        for &sigma in &s.sigmas {
            let how = StudentMethod::NoisyTeacher {
                sigma,
                alpha: s.sweep_alpha,
            };
            push_rows(ctx, data, &how, &mut table)?;
        }
    }
    let text = format!(
        "Final-epoch test accuracy (%) and mean final validation errors of the noisy teacher's \
         student against sigma (the noise's standard deviation), alpha {} , mean ± std over {} \
         seed(s); sigma 0 is the clean teacher.",
        s.sweep_alpha,
        ctx.seeds.len()
    );
    write(ctx, SIGMA, "Sweep over sigma", &text, "sigma", &table)
}

pub fn run_alpha(ctx: &Context) -> Result<()> {
    let s = &ctx.settings;
    let mut table = new_table();
    let mut at = Vec::new();
    for data in &ctx.data {
        let sigma = ctx.alpha_sweep_sigma(data)?;
        at.push(format!("{} {sigma}", data.name));
        for &alpha in &s.alphas {
            push_rows(
                ctx,
                data,
                &StudentMethod::NoisyTeacher { sigma, alpha },
                &mut table,
            )?;
        }
    }
    let text = format!(
        "Final-epoch test accuracy (%) and mean final validation errors of the noisy teacher's \
         student against alpha (the probability of perturbing), at the sigma with the fewest \
         validation errors on the sigma sweep ({}), mean ± std over {} seed(s).",
        at.join(", "),
        ctx.seeds.len()
    );
    write(ctx, ALPHA, "Sweep over alpha", &text, "alpha", &table)
}

fn write(
    ctx: &Context,
    name: &str,
    title: &str,
    text: &str,
    knob: &str,
    table: &Table,
) -> Result<()> {
    table.write(&ctx.out.join(format!("{name}.csv")))?;
    let mut s = Section::new(name, title);
    s.text(text);
    let mut rows = Vec::new();
    let mut series = Vec::new();
    for dataset in table.distinct("dataset")? {
        let mut points = Vec::new();
        for value in table.distinct(knob)? {
            let f = [("dataset", dataset.as_str()), (knob, value.as_str())];
            let acc = MeanStd::of(&table.numbers_where("test_accuracy", &f)?);
            let val = MeanStd::of(&table.numbers_where("validation_errors", &f)?);
            rows.push(vec![dataset.clone(), value.clone(), acc.fmt(2), val.fmt(1)]);
            points.push((value.parse::<f64>().unwrap_or(f64::NAN), acc));
        }
        series.push(Series {
            name: dataset,
            points,
        });
    }
    s.table(
        &["dataset", knob, "test accuracy (%)", "validation errors"],
        &rows,
    );
    line_chart(
        &ctx.out.join(format!("{name}.svg")),
        &format!("Noisy teacher: student test accuracy against {knob}"),
        knob,
        "test accuracy (%)",
        &series,
        false,
    )?;
    s.write(&ctx.out)
}
