//! The teacher-size sweep: plane2 distilled directly from plain teachers of growing depth,
//! beside each teacher's own accuracy. The paper: the student's accuracy first rises then falls
//! as the teacher grows, while the teacher itself keeps improving (the gap the assistant
//! bridges).

use kd_core::Result;
use kd_core::report::chart::{Series, line_chart};
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::Context;
use crate::paper::Family;

pub const NAME: &str = "teacher-size";

pub fn run(ctx: &Context) -> Result<()> {
    let student = ctx.settings.plain.0;
    let mut table = Table::new(&[
        "student",
        "teacher",
        "seed",
        "student_test_accuracy",
        "teacher_test_accuracy",
    ]);
    for &seed in &ctx.seeds {
        for &teacher in &ctx.settings.plain_teachers {
            let chain = ctx.chain(Family::Plain, &[teacher, student], seed)?;
            let teacher_acc = ctx.obtain(&chain[0])?.accuracies().0;
            let student_acc = ctx.obtain(&chain[1])?.accuracies().0;
            table.push(vec![
                student.to_string(),
                teacher.to_string(),
                seed.to_string(),
                format!("{student_acc:.2}"),
                format!("{teacher_acc:.2}"),
            ]);
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let mut s = Section::new(NAME, "The size of the teacher");
    s.text(&format!(
        "plane{student} distilled from plain teachers of growing depth (final-epoch test \
         accuracy, %, mean ± std over {} seed(s)){}.",
        ctx.seeds.len(),
        if ctx.settings.shared_teacher {
            "; one teacher of each depth (seed 1's) teaches every seed, hence no spread in its \
             accuracy"
        } else {
            ""
        }
    ));
    let (students, teachers) = curves(&table)?;
    let rows: Vec<Vec<String>> = students
        .iter()
        .zip(&teachers)
        .map(|((depth, st), (_, te))| vec![format!("plane{depth}"), te.fmt(2), st.fmt(2)])
        .collect();
    s.table(
        &["teacher", "teacher's accuracy", "student's accuracy"],
        &rows,
    );
    line_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        &format!("plane{student} distilled from teachers of growing depth"),
        "teacher depth (conv layers)",
        "test accuracy (%)",
        &[
            Series {
                name: "student".into(),
                points: students,
            },
            Series {
                name: "teacher".into(),
                points: teachers,
            },
        ],
        false,
    )?;
    for claim in claims(&table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

/// (teacher depth, student accuracy) and (teacher depth, teacher accuracy), by depth.
type Curve = Vec<(f64, MeanStd)>;

fn curves(table: &Table) -> Result<(Curve, Curve)> {
    let mut depths: Vec<usize> = table
        .distinct("teacher")?
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
    depths.sort_unstable();
    let mut students = Vec::new();
    let mut teachers = Vec::new();
    for depth in depths {
        let d = depth.to_string();
        let f = [("teacher", d.as_str())];
        students.push((
            depth as f64,
            MeanStd::of(&table.numbers_where("student_test_accuracy", &f)?),
        ));
        teachers.push((
            depth as f64,
            MeanStd::of(&table.numbers_where("teacher_test_accuracy", &f)?),
        ));
    }
    Ok((students, teachers))
}

/// The largest teacher is more accurate than the smallest, yet the student distilled from it
/// is not the best: some smaller teacher gives a better student.
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let (students, teachers) = curves(table)?;
    let (Some(first), Some(last)) = (teachers.first(), teachers.last()) else {
        return Ok(Vec::new());
    };
    let largest = students.last().map_or(0.0, |s| s.1.mean);
    let best_smaller = students[..students.len() - 1]
        .iter()
        .map(|s| s.1.mean)
        .fold(f64::NEG_INFINITY, f64::max);
    let id = |s: &str| format!("{NAME}/{s}");
    Ok(vec![
        Claim {
            id: id("the-largest-teacher-is-the-most-accurate"),
            statement: "the teacher keeps improving as it grows (largest vs smallest)".into(),
            lhs_label: format!("plane{} accuracy (%)", last.0),
            lhs: last.1.mean,
            relation: Relation::Greater,
            rhs_label: format!("plane{} accuracy (%)", first.0),
            rhs: first.1.mean,
            required: is_required(&id("the-largest-teacher-is-the-most-accurate")),
        },
        Claim {
            id: id("a-smaller-teacher-gives-a-better-student"),
            statement: "the student's accuracy rises then falls: a smaller teacher than the \
                        largest gives the best student"
                .into(),
            lhs_label: "best student from a smaller teacher (%)".into(),
            lhs: best_smaller,
            relation: Relation::Greater,
            rhs_label: format!("student from plane{} (%)", last.0),
            rhs: largest,
            required: is_required(&id("a-smaller-teacher-gives-a-better-student")),
        },
    ])
}
