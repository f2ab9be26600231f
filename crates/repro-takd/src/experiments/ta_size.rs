//! Tables 2 and 3: the size of the teacher assistant. For a fixed student and teacher, TAKD
//! through each assistant, with each assistant's own accuracy (as distilled from the teacher)
//! and the teacher/student mean, to test the paper's rule of thumb: the best assistant is the
//! one whose accuracy is nearest the mean of the teacher's and the student's.

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::Context;
use crate::paper::{self, Depths, Family};

pub const NAME: &str = "ta-size";

pub fn run(ctx: &Context) -> Result<()> {
    let mut table = Table::new(&[
        "family",
        "student",
        "assistant",
        "teacher",
        "seed",
        "takd_test_accuracy",
        "assistant_test_accuracy",
        "teacher_test_accuracy",
        "student_alone_test_accuracy",
    ]);
    for (family, (student, _, teacher), assistants) in families(ctx) {
        for &seed in &ctx.seeds {
            let teacher_acc = ctx
                .obtain(&*ctx.teacher(family, teacher, seed)?)?
                .accuracies()
                .0;
            let alone_acc = ctx
                .obtain(&*ctx.alone(family, student, seed)?)?
                .accuracies()
                .0;
            for &assistant in &assistants {
                let chain = ctx.chain(family, &[teacher, assistant, student], seed)?;
                let ta_acc = ctx.obtain(&chain[1])?.accuracies().0;
                let takd_acc = ctx.obtain(&chain[2])?.accuracies().0;
                table.push(vec![
                    family.name().into(),
                    student.to_string(),
                    assistant.to_string(),
                    teacher.to_string(),
                    seed.to_string(),
                    format!("{takd_acc:.2}"),
                    format!("{ta_acc:.2}"),
                    format!("{teacher_acc:.2}"),
                    format!("{alone_acc:.2}"),
                ]);
            }
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;
    section(ctx, &table)
}

/// (family, Table 1 depths, assistants) for every family the profile trains.
fn families(ctx: &Context) -> Vec<(Family, Depths, Vec<usize>)> {
    let s = &ctx.settings;
    let mut out = vec![(Family::Plain, s.plain, s.plain_assistants.clone())];
    if let Some(resnet) = s.resnet
        && !s.resnet_assistants.is_empty()
    {
        out.push((Family::ResNet, resnet, s.resnet_assistants.clone()));
    }
    out
}

fn section(ctx: &Context, table: &Table) -> Result<()> {
    let mut s = Section::new(NAME, "Tables 2 and 3: the size of the teacher assistant");
    s.text(&format!(
        "Final-epoch test accuracy (%) of the student distilled through each assistant, mean ± \
         std over {} seed(s); the assistant's own accuracy (distilled from the teacher) beside \
         it. The paper's numbers are CIFAR's (Table 2: plain, CIFAR-10 / CIFAR-100; Table 3: \
         ResNet), shown for reference.",
        ctx.seeds.len()
    ));
    let mut rows = Vec::new();
    let mut chart = Vec::new();
    for family in table.distinct("family")? {
        let mut bars = Vec::new();
        let mut groups = Vec::new();
        for assistant in assistants_of(table, &family)? {
            let filter = [
                ("family", family.as_str()),
                ("assistant", assistant.as_str()),
            ];
            let takd = table.numbers_where("takd_test_accuracy", &filter)?;
            let ta = MeanStd::of(&table.numbers_where("assistant_test_accuracy", &filter)?);
            let depth: usize = assistant.parse().unwrap_or(0);
            let reference = paper_reference(&family, depth);
            rows.push(vec![
                format!("{family} TA={assistant}"),
                reference,
                MeanStd::of(&takd).fmt(2),
                ta.fmt(2),
            ]);
            groups.push(format!("{family} TA={assistant}"));
            bars.push(MeanStd::of(&takd));
        }
        chart.push((groups, bars));
    }
    s.table(
        &[
            "student via",
            "paper (CIFAR-10 / CIFAR-100)",
            "ours",
            "assistant's own",
        ],
        &rows,
    );
    let groups: Vec<String> = chart.iter().flat_map(|(g, _)| g.clone()).collect();
    let bars: Vec<MeanStd> = chart.into_iter().flat_map(|(_, b)| b).collect();
    grouped_bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "TAKD student accuracy by assistant, mean ± std over seeds",
        "test accuracy (%)",
        &groups,
        &[("TAKD student".to_string(), bars)],
        false,
    )?;
    for claim in claims(table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

/// The assistants of `family` in the table, in first-appearance order.
fn assistants_of(table: &Table, family: &str) -> Result<Vec<String>> {
    let column = table.require_column("assistant")?;
    let mut out: Vec<String> = Vec::new();
    for row in table.rows_where(&[("family", family)])? {
        if !out.contains(&row[column]) {
            out.push(row[column].clone());
        }
    }
    Ok(out)
}

fn paper_reference(family: &str, assistant: usize) -> String {
    let (tas, c10, c100): (&[usize], &[f64], &[f64]) = if family == "plain" {
        (
            &paper::TABLE_2_TA,
            &paper::TABLE_2_CIFAR10,
            &paper::TABLE_2_CIFAR100,
        )
    } else {
        (
            &paper::TABLE_3_TA,
            &paper::TABLE_3_CIFAR10,
            &paper::TABLE_3_CIFAR100,
        )
    };
    match tas.iter().position(|&t| t == assistant) {
        Some(i) => format!("{:.2} / {:.2}", c10[i], c100[i]),
        None => "–".into(),
    }
}

/// Per family: the assistant that gives the best student is the one whose own accuracy is
/// nearest the mean of the teacher's and the student's (lhs: the distance in depth between the
/// two, 0 when they are the same assistant).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for family in table.distinct("family")? {
        let f = [("family", family.as_str())];
        let teacher = MeanStd::of(&table.numbers_where("teacher_test_accuracy", &f)?).mean;
        let alone = MeanStd::of(&table.numbers_where("student_alone_test_accuracy", &f)?).mean;
        let target = (teacher + alone) / 2.0;
        let mut best: Option<(usize, f64)> = None;
        let mut nearest: Option<(usize, f64)> = None;
        for assistant in assistants_of(table, &family)? {
            let filter = [
                ("family", family.as_str()),
                ("assistant", assistant.as_str()),
            ];
            let takd = table.numbers_where("takd_test_accuracy", &filter)?;
            let depth: usize = assistant.parse().unwrap_or(0);
            let student = MeanStd::of(&takd).mean;
            let own = MeanStd::of(&table.numbers_where("assistant_test_accuracy", &filter)?).mean;
            if best.is_none_or(|(_, b)| student > b) {
                best = Some((depth, student));
            }
            let distance = (own - target).abs();
            if nearest.is_none_or(|(_, d)| distance < d) {
                nearest = Some((depth, distance));
            }
        }
        let (Some((best, _)), Some((nearest, _))) = (best, nearest) else {
            continue;
        };
        let id = format!("{NAME}/{family}-best-ta-is-nearest-the-mean");
        out.push(Claim {
            id: id.clone(),
            statement: format!(
                "{family}: the best assistant (TA={best}) is the one whose accuracy is nearest \
                 the mean of teacher and student (TA={nearest})"
            ),
            lhs_label: "depth gap between the two".into(),
            lhs: best.abs_diff(nearest) as f64,
            relation: Relation::LessOrEqual,
            rhs_label: "0".into(),
            rhs: 0.0,
            required: is_required(&id),
        });
    }
    Ok(out)
}
