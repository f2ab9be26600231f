//! KD vs KD + BSS when the student sees only part of the training images (a stratified draw
//! per seed), for the table's first student depth; all the images is the table's run. Whether
//! the boundary samples help most when data are scarce, as the issue asks to check (the
//! paper's text, which would say so, could not be read).

use kd_core::Result;
use kd_core::report::chart::{Series, line_chart};
use kd_core::report::stats::paired_differences;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use super::{accuracies, beats, fraction_cell, new_table, push_rows};
use crate::claims::is_required;
use crate::context::{Context, Student};

pub const NAME: &str = "less-data";

const STUDENTS: [Student; 2] = [Student::Kd, Student::Bss];

/// The fractions of the experiment: the profile's, then all the images.
fn fractions(ctx: &Context) -> Vec<Option<f64>> {
    let mut out: Vec<Option<f64>> = ctx.settings.fractions.iter().map(|&f| Some(f)).collect();
    out.push(None);
    out
}

pub fn run(ctx: &Context) -> Result<()> {
    let depth = ctx.settings.student_depths[0];
    let mut table = new_table();
    for fraction in fractions(ctx) {
        for how in STUDENTS {
            push_rows(ctx, depth, how, fraction, &mut table)?;
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let mut section = Section::new(NAME, "KD vs KD + BSS with less data");
    section.text(&format!(
        "Final-epoch test accuracy (%) of ResNet{depth} students trained on part of the {} \
         training images (a stratified draw per seed, the same for KD and KD + BSS), mean ± \
         std over {} seed(s), the same epochs throughout (fewer steps with fewer images).",
        ctx.splits.train.len(),
        ctx.seeds.len()
    ));
    let mut rows = Vec::new();
    let mut series: Vec<Series> = STUDENTS
        .iter()
        .map(|s| Series {
            name: s.name().to_string(),
            points: Vec::new(),
        })
        .collect();
    let mut differences = Vec::new();
    for fraction in fractions(ctx) {
        let f = fraction_cell(fraction);
        let of = |how: Student| accuracies(&table, &[("fraction", &f), ("method", how.name())]);
        let (kd, bss) = (of(Student::Kd)?, of(Student::Bss)?);
        let share = 100.0 * fraction.unwrap_or(1.0);
        rows.push(vec![
            format!("{share:.0} %"),
            ctx.fraction_count(fraction.unwrap_or(1.0)).to_string(),
            MeanStd::of(&kd).fmt(2),
            MeanStd::of(&bss).fmt(2),
            format!("{:+.2}", MeanStd::of(&bss).mean - MeanStd::of(&kd).mean),
        ]);
        series[0].points.push((share, MeanStd::of(&kd)));
        series[1].points.push((share, MeanStd::of(&bss)));
        differences.push(format!(
            "{share:.0} %: {}",
            paired_differences("BSS - KD", &bss, &kd)
        ));
    }
    section.table(&["images", "count", "KD", "KD + BSS", "BSS - KD"], &rows);
    line_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        &format!("ResNet{depth}: test accuracy against the share of training images"),
        "training images (%)",
        "test accuracy (%)",
        &series,
        true,
    )?;
    for claim in claims(&table)? {
        section.claim(claim);
    }
    section.text(&format!(
        "Paired differences in test accuracy: {}.",
        differences.join("; ")
    ));
    section.write(&ctx.out)
}

/// Per fraction: KD + BSS beats KD; and its gain with the fewest images exceeds its gain with
/// all of them.
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    let mut gains = Vec::new();
    for fraction in table.distinct("fraction")? {
        let filter = [("fraction", fraction.as_str())];
        let claim = beats(
            table,
            &filter,
            (Student::Bss, Student::Kd),
            format!("{NAME}/{}pct-bss-beats-kd", percent(&fraction)),
            format!("{}% of the images: KD + BSS beats KD", percent(&fraction)),
        )?;
        gains.push((
            fraction.parse::<f64>().unwrap_or(1.0),
            claim.lhs - claim.rhs,
        ));
        out.push(claim);
    }
    gains.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let (Some(least), Some(all)) = (gains.first(), gains.last())
        && gains.len() > 1
    {
        let id = format!("{NAME}/gain-largest-with-least-data");
        out.push(Claim {
            required: is_required(&id),
            id,
            statement: format!(
                "BSS's gain over KD with {}% of the images exceeds its gain with {}%",
                percent(&least.0.to_string()),
                percent(&all.0.to_string())
            ),
            lhs_label: format!("gain at {}% (points)", percent(&least.0.to_string())),
            lhs: least.1,
            relation: Relation::Greater,
            rhs_label: format!("gain at {}% (points)", percent(&all.0.to_string())),
            rhs: all.1,
        });
    }
    Ok(out)
}

/// "10" for the fraction "0.1".
fn percent(fraction: &str) -> String {
    let f: f64 = fraction.parse().unwrap_or(1.0);
    format!("{:.0}", 100.0 * f)
}
