//! KD vs KD + BSS when the student sees only part of the training images (a stratified draw
//! per seed), for the table's first student depth; all the images is the table's run. Whether
//! the boundary samples help most when data are scarce, as the issue asks to check (the
//! paper's text, which would say so, could not be read).

use kd_core::report::chart::{Series, line_chart};
use kd_core::report::stats::paired_differences;
use kd_core::report::summary::Section;
use kd_core::report::{Arm, Claim, MeanStd, Relation, Table};
use kd_core::{KdError, Result};

use super::{accuracies, beats, fraction_cell, new_table, per_seed, push_rows};
use crate::claims::is_central;
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
         std over {} seed(s), the same epochs throughout (fewer steps with fewer images). \
         The 100 % row is the table's students: its KD + BSS vs KD claim is the table's and is \
         not counted again here.",
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

/// Per fraction below all the images: KD + BSS beats KD; and its gain with the fewest images
/// exceeds its gain with all of them. All the images are the table's runs (the same students),
/// whose claim `table/resnet<depth>-bss-beats-kd` is not counted a second time here; the 100 %
/// row stays in the experiment's table and is the gain claim's reference.
///
/// The gain claim tests a per-seed statistic, (KD + BSS - KD at the smallest fraction) - (KD +
/// BSS - KD with all the images), against zero: the four students of a seed share its
/// initialisation (and, per fraction, its draw of images).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    let mut gains = Vec::new();
    for fraction in table.distinct("fraction")? {
        let filter = [("fraction", fraction.as_str())];
        let arm = |how: Student| {
            let mut f = filter.to_vec();
            f.push(("method", how.name()));
            per_seed(table, &f)
        };
        let (bss, kd) = (arm(Student::Bss)?, arm(Student::Kd)?);
        let value: f64 = fraction.parse().map_err(|_| {
            KdError::Report(format!("{NAME}: fraction `{fraction}` is not a number"))
        })?;
        if value < 1.0 {
            out.push(beats(
                table,
                &filter,
                (Student::Bss, Student::Kd),
                format!("{NAME}/{}pct-bss-beats-kd", percent(value)),
                format!("{}% of the images: KD + BSS beats KD", percent(value)),
            )?);
        }
        gains.push((value, bss, kd));
    }
    gains.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let (Some((least, bss_least, kd_least)), Some((all, bss_all, kd_all))) =
        (gains.first(), gains.last())
        && gains.len() > 1
        && *all == 1.0
    {
        let id = format!("{NAME}/gain-largest-with-least-data");
        let (least, all) = (percent(*least), percent(*all));
        out.push(Claim::new(
            id.clone(),
            format!("BSS's gain over KD with {least}% of the images exceeds its gain with {all}%"),
            (
                &format!("gain at {least}% - gain at {all}% (points)"),
                Arm::combine(&[bss_least, kd_least, bss_all, kd_all], |v| {
                    (v[0] - v[1]) - (v[2] - v[3])
                }),
            ),
            Relation::Greater,
            ("no difference", Arm::Constant(0.0)),
            is_central(&id),
        ));
    }
    Ok(out)
}

/// "10" for the fraction 0.1.
fn percent(fraction: f64) -> String {
    format!("{:.0}", 100.0 * fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::tests::synthetic;
    use kd_core::report::Verdict;

    /// KD and KD + BSS per seed at 10 %, 50 % and 100 % from `(fraction, seed, KD, KD + BSS)`;
    /// the accuracy at the best validation epoch reverses every gain.
    fn table(cells: &[(f64, u64, f64, f64)]) -> Table {
        let mut rows = Vec::new();
        for &(fraction, seed, kd, bss) in cells {
            rows.push((8, Student::Kd, fraction, seed, kd, bss));
            rows.push((8, Student::Bss, fraction, seed, bss, kd));
        }
        synthetic(&rows)
    }

    #[test]
    fn claims_leave_all_the_images_to_the_table_and_test_the_gain_per_seed() {
        // Gains per seed: 10 %: +3, +2, +2.5; 50 %: +1, +0.5, +2; 100 %: +1, +1, +1.
        let t = table(&[
            (0.5, 1, 70.0, 71.0),
            (0.5, 2, 90.0, 90.5),
            (0.5, 3, 80.0, 82.0),
            (1.0, 1, 75.0, 76.0),
            (1.0, 2, 95.0, 96.0),
            (1.0, 3, 85.0, 86.0),
            (0.1, 1, 50.0, 53.0),
            (0.1, 2, 70.0, 72.0),
            (0.1, 3, 60.0, 62.5),
        ]);
        let claims = claims(&t).unwrap();
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "less-data/50pct-bss-beats-kd",
                "less-data/10pct-bss-beats-kd",
                "less-data/gain-largest-with-least-data",
            ],
            "no 100 % claim: that is the table's"
        );
        assert!(claims.iter().all(|c| !c.central));
        assert_eq!(claims[0].verdict(), Verdict::NotShown);
        assert_eq!(claims[1].verdict(), Verdict::Holds);
        let gain = &claims[2];
        assert_eq!(
            gain.lhs,
            Arm::PerSeed(vec![(1, 2.0), (2, 1.0), (3, 1.5)]),
            "10 % gain - 100 % gain per seed"
        );
        assert_eq!(gain.rhs, Arm::Constant(0.0));
        assert!(
            gain.statement
                .contains("with 10% of the images exceeds its gain with 100%")
        );
        assert_eq!(gain.verdict(), Verdict::Holds);
    }

    #[test]
    fn no_gain_claim_without_all_the_images_or_a_second_fraction() {
        let only_all = table(&[(1.0, 1, 75.0, 76.0), (1.0, 2, 95.0, 96.5)]);
        assert!(claims(&only_all).unwrap().is_empty());
        let no_all = table(&[
            (0.1, 1, 50.0, 53.0),
            (0.1, 2, 70.0, 72.0),
            (0.5, 1, 70.0, 71.0),
            (0.5, 2, 90.0, 90.5),
        ]);
        let ids: Vec<String> = claims(&no_all).unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "less-data/10pct-bss-beats-kd",
                "less-data/50pct-bss-beats-kd"
            ]
        );
    }
}
