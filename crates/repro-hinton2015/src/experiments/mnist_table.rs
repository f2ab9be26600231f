//! §3, the MNIST table: teacher 67 errors, 800-800 student on hard labels 146, the same
//! student distilled at T = 20 on the unjittered transfer set 74.

use kd_core::Result;
use kd_core::data::Subset;
use kd_core::methods::{HardLabels, Method};
use kd_core::report::chart::bar_chart;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Claim, Relation, Table};
use kd_core::train::TrainedRun;

use super::{RUN_COLUMNS, best_val_test_pct, over, run_cells, test_pct};
use crate::context::Context;
use crate::paper;

pub const NAME: &str = "mnist-table";

pub fn run(ctx: &Context) -> Result<()> {
    let w = ctx.settings.student_width;
    let mut teachers = Vec::new();
    let mut hard = Vec::new();
    let mut distilled = Vec::new();
    for &seed in &ctx.seeds {
        teachers.push(ctx.teacher(seed)?);
        hard.push(ctx.student(
            "hard-label student",
            w,
            Method::HardLabels(HardLabels {}),
            Subset::All,
            seed,
        )?);
        distilled.push(ctx.student(
            "distilled student",
            w,
            ctx.soft_targets(paper::DISTILLATION_TEMPERATURE),
            Subset::All,
            seed,
        )?);
    }
    let groups: [(&str, &str, f64, &[TrainedRun]); 3] = [
        (
            "teacher",
            "1200-1200, dropout + jitter",
            paper::TEACHER_ERRORS,
            &teachers,
        ),
        (
            "hard",
            &format!("{w}-{w}, hard labels"),
            paper::HARD_STUDENT_ERRORS,
            &hard,
        ),
        (
            "distilled",
            &format!("{w}-{w}, soft targets T=20"),
            paper::DISTILLED_STUDENT_ERRORS,
            &distilled,
        ),
    ];

    let mut header = vec!["model", "seed"];
    header.extend(RUN_COLUMNS);
    let mut table = Table::new(&header);
    for (model, _, _, runs) in &groups {
        for r in runs.iter() {
            let mut row = vec![model.to_string(), r.spec.seed.to_string()];
            row.extend(run_cells(r));
            table.push(row);
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let bars: Vec<(String, _)> = groups
        .iter()
        .map(|(m, _, _, runs)| (m.to_string(), over(runs, test_pct)))
        .collect();
    bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "MNIST: test error of teacher and students (mean ± std over seeds)",
        "test error (%)",
        &bars,
    )?;

    let mut s = Section::new(
        NAME,
        "MNIST: teacher, hard-label student, distilled student (§3)",
    );
    s.text(&format!(
        "Test errors per 10,000 (ours scaled from {} test images); the paper's counts are out \
         of MNIST's 10,000. Final epoch; the last column selects the epoch on the validation \
         split instead.",
        ctx.splits.test.len()
    ));
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|(_, desc, paper_errors, runs)| {
            let mut row = paper_row(
                desc,
                Some(*paper_errors),
                over(runs, |r| ctx.per_10k(r.final_epoch().test_errors as f64)),
                1,
            );
            row.push(over(runs, best_val_test_pct).scale(100.0).fmt(1));
            row
        })
        .collect();
    s.table(
        &[
            "model",
            "paper errors",
            "ours errors",
            "delta",
            "ours, best-val epoch",
        ],
        &rows,
    );
    let mean = |runs: &[TrainedRun]| over(runs, test_pct).mean;
    s.claim(Claim {
        id: format!("{NAME}/teacher-beats-distilled"),
        statement: "the teacher makes fewer test errors than the distilled student".into(),
        lhs_label: "teacher test error %".into(),
        lhs: mean(&teachers),
        relation: Relation::Less,
        rhs_label: "distilled test error %".into(),
        rhs: mean(&distilled),
        required: true,
    });
    s.claim(Claim {
        id: format!("{NAME}/distilled-beats-hard"),
        statement: "distillation beats training the same student on hard labels".into(),
        lhs_label: "distilled test error %".into(),
        lhs: mean(&distilled),
        relation: Relation::Less,
        rhs_label: "hard-label test error %".into(),
        rhs: mean(&hard),
        required: true,
    });
    s.write(&ctx.out)
}
