//! §3 temperature study: distil into students with 30 and 300 (paper profile: 800) units per
//! layer at T in {1, 2, 2.5, 3, 4, 5, 8, 10, 20}. Paper: with >= 300 units all T above 8 are
//! alike; with 30 units T in 2.5..4 is clearly best. The best T is chosen on the validation
//! split.

use kd_core::Result;
use kd_core::data::Subset;
use kd_core::report::chart::{Series, line_chart};
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};
use kd_core::train::TrainedRun;

use super::{RUN_COLUMNS, over, run_cells, test_pct};
use crate::context::Context;
use crate::paper;

pub const NAME: &str = "temperature-sweep";

struct Point {
    temperature: f64,
    val_pct: MeanStd,
    test_pct: MeanStd,
}

fn val_pct(r: &TrainedRun) -> f64 {
    100.0 * r.final_epoch().val_error_rate()
}

pub fn run(ctx: &Context) -> Result<()> {
    let mut header = vec!["width", "temperature", "seed", "val_errors", "val_total"];
    header.extend(RUN_COLUMNS);
    let mut table = Table::new(&header);
    let mut curves: Vec<(usize, Vec<Point>)> = Vec::new();
    for &width in &ctx.settings.sweep_widths {
        let mut points = Vec::new();
        for &t in &paper::SWEEP_TEMPERATURES {
            let mut runs = Vec::new();
            for &seed in &ctx.seeds {
                let label = format!("{width}-unit student T={t}");
                let run = ctx.student(&label, width, ctx.soft_targets(t), Subset::All, seed)?;
                let last = run.final_epoch();
                let mut row = vec![
                    width.to_string(),
                    t.to_string(),
                    seed.to_string(),
                    last.val_errors.to_string(),
                    last.val_total.to_string(),
                ];
                row.extend(run_cells(&run));
                table.push(row);
                runs.push(run);
            }
            points.push(Point {
                temperature: t,
                val_pct: over(&runs, val_pct),
                test_pct: over(&runs, test_pct),
            });
        }
        curves.push((width, points));
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let series: Vec<Series> = curves
        .iter()
        .map(|(w, pts)| Series {
            name: format!("{w} units per layer"),
            points: pts.iter().map(|p| (p.temperature, p.test_pct)).collect(),
        })
        .collect();
    line_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Distilled students: test error vs temperature (mean ± std)",
        "temperature T (log scale)",
        "test error (%)",
        &series,
        true,
    )?;

    // The best temperature by mean validation error (the earliest of equals).
    let best_t = |pts: &[Point]| {
        pts.iter()
            .reduce(|b, p| {
                if p.val_pct.mean < b.val_pct.mean {
                    p
                } else {
                    b
                }
            })
            .map(|p| p.temperature)
            .unwrap_or(f64::NAN)
    };
    let (small_w, small) = (&curves[0].0, &curves[0].1);
    let (large_w, large) = (&curves[1].0, &curves[1].1);

    let mut s = Section::new(NAME, "Temperature sweep (§3)");
    s.text(
        "Final-epoch error rates (%), mean ± std over seeds; the best temperature of each size \
         is the one with the lowest mean **validation** error.",
    );
    let rows: Vec<Vec<String>> = (0..paper::SWEEP_TEMPERATURES.len())
        .map(|i| {
            let mut row = vec![small[i].temperature.to_string()];
            for pts in [small, large] {
                row.push(pts[i].val_pct.fmt(2));
                row.push(pts[i].test_pct.fmt(2));
            }
            row
        })
        .collect();
    s.table(
        &[
            "T",
            &format!("{small_w} units: val %"),
            &format!("{small_w} units: test %"),
            &format!("{large_w} units: val %"),
            &format!("{large_w} units: test %"),
        ],
        &rows,
    );
    let (lo, hi) = paper::SMALL_STUDENT_BEST_RANGE;
    s.text(&format!(
        "Best T on validation: {small_w} units T = {}, {large_w} units T = {}. Paper: 30 units \
         best at T in [{lo}, {hi}]; >= 300 units alike for all T above {}.",
        best_t(small),
        best_t(large),
        paper::LARGE_STUDENT_ALIKE_ABOVE
    ));
    s.claim(Claim {
        id: format!("{NAME}/small-optimum-below-large"),
        statement: format!(
            "the best temperature of the {small_w}-unit student is lower than that of the \
             {large_w}-unit student"
        ),
        lhs_label: format!("best T, {small_w} units"),
        lhs: best_t(small),
        relation: Relation::Less,
        rhs_label: format!("best T, {large_w} units"),
        rhs: best_t(large),
        // Reported, not required by CI: on the bundled data the large student's validation
        // error is flat for T >= 2.5 (differences of 2-4 of 1,000 validation images), so its
        // argmin is decided by noise; the committed cpu run fails this claim (see the summary).
        required: false,
    });
    s.claim(Claim {
        id: format!("{NAME}/small-optimum-at-least-2.5"),
        statement: format!("the {small_w}-unit student's best temperature is at least {lo}"),
        lhs_label: format!("best T, {small_w} units"),
        lhs: best_t(small),
        relation: Relation::GreaterOrEqual,
        rhs_label: "paper's lower end".into(),
        rhs: lo,
        required: false,
    });
    s.claim(Claim {
        id: format!("{NAME}/small-optimum-at-most-4"),
        statement: format!("the {small_w}-unit student's best temperature is at most {hi}"),
        lhs_label: format!("best T, {small_w} units"),
        lhs: best_t(small),
        relation: Relation::LessOrEqual,
        rhs_label: "paper's upper end".into(),
        rhs: hi,
        required: false,
    });
    // "Alike": the spread of mean test error over T >= 8 is within 0.5 percentage points.
    let above: Vec<f64> = large
        .iter()
        .filter(|p| p.temperature >= paper::LARGE_STUDENT_ALIKE_ABOVE)
        .map(|p| p.test_pct.mean)
        .collect();
    let spread = above.iter().cloned().fold(f64::MIN, f64::max)
        - above.iter().cloned().fold(f64::MAX, f64::min);
    s.claim(Claim {
        id: format!("{NAME}/large-alike-above-8"),
        statement: format!(
            "the {large_w}-unit student's test error is alike (spread <= 0.5 points) for all \
             T >= 8"
        ),
        lhs_label: "spread of mean test error % over T >= 8".into(),
        lhs: spread,
        relation: Relation::LessOrEqual,
        rhs_label: "0.5 points".into(),
        rhs: 0.5,
        required: false,
    });
    s.write(&ctx.out)
}
