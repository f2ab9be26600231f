//! Tables 2 and 3: the size of the teacher assistant. For a fixed student and teacher, TAKD
//! through each assistant, with each assistant's own accuracy (as distilled from the teacher)
//! and the teacher/student mean. Claims: assistants of intermediate size beat the largest one
//! (per seed), and, descriptively, the paper's rule of thumb (see [`claims`]).

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::summary::Section;
use kd_core::report::{Arm, Claim, MeanStd, Relation, Table};

use crate::claims::is_central;
use crate::context::Context;
use crate::paper::{self, Depths, Family};

pub const NAME: &str = "ta-size";

/// The columns of the experiment's CSV.
const HEADER: [&str; 9] = [
    "family",
    "student",
    "assistant",
    "teacher",
    "seed",
    "takd_test_accuracy",
    "assistant_test_accuracy",
    "teacher_test_accuracy",
    "student_alone_test_accuracy",
];

pub fn run(ctx: &Context) -> Result<()> {
    let mut table = Table::new(&HEADER);
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

/// Per family, two claims.
///
/// `best-ta-is-intermediate` (central for plain CNNs): the paper's assistants are of
/// intermediate size, and its Tables 2 and 3 give the worst student through the largest one,
/// next to the teacher (plain CIFAR-10: TA 8, 6, 4 -> 72.75, 73.15, 73.51), while the best is
/// not always in the middle of the sweep (plain: the smallest, TA = 4). The testable content
/// is therefore: per seed, the mean accuracy of the students through the smaller, intermediate
/// assistants beats the student through the largest assistant (a mean, not the best of them,
/// so no selection favours the claim). The other side of "intermediate" (an assistant as small
/// as the student) is not trained by this sweep. Every student is per seed; in profiles that
/// share the teacher, every seed's chains start from that one teacher.
///
/// `best-ta-is-nearest-the-mean` (descriptive): the paper's rule of thumb, the best assistant
/// is the one whose accuracy is nearest the mean of the teacher's and the student's. The paper
/// means the assistant's accuracy trained from scratch; this experiment trains its assistants
/// only distilled from the teacher (plane4, 6 and 8 from scratch exist only as the
/// teacher-size sweep's teachers: one seed-1 run each, with the teachers' longer schedule,
/// where the profile shares teachers), so the distilled accuracy stands in and the claim
/// cannot be a verdict. It also compares an argmax with an argmin over seed means: one number
/// (the depth gap between them), reported as a single run.
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for family in table.distinct("family")? {
        let mut per_assistant: Vec<(usize, Vec<(u64, f64)>)> = Vec::new();
        for assistant in assistants_of(table, &family)? {
            let depth: usize = assistant.parse().map_err(|_| {
                kd_core::KdError::Report(format!("{NAME}: assistant `{assistant}` is no depth"))
            })?;
            let filter = [
                ("family", family.as_str()),
                ("assistant", assistant.as_str()),
            ];
            per_assistant.push((depth, table.per_seed("takd_test_accuracy", &filter)?));
        }
        per_assistant.sort_by_key(|a| std::cmp::Reverse(a.0));
        if let Some(((largest, largest_acc), smaller)) = per_assistant.split_first()
            && !smaller.is_empty()
        {
            let id = format!("{NAME}/{family}-best-ta-is-intermediate");
            let names = smaller
                .iter()
                .map(|(d, _)| d.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let arms: Vec<&[(u64, f64)]> = smaller.iter().map(|(_, v)| v.as_slice()).collect();
            out.push(Claim::new(
                id.clone(),
                format!(
                    "{family}: assistants of intermediate size teach better than the largest, \
                     next to the teacher (per seed, the mean accuracy of the students through \
                     TA = {names} against the student through TA = {largest})"
                ),
                (
                    format!("mean TAKD accuracy via TA = {names} (%)").as_str(),
                    Arm::combine(&arms, |v| v.iter().sum::<f64>() / v.len() as f64),
                ),
                Relation::Greater,
                (
                    format!("TAKD accuracy via TA = {largest} (%)").as_str(),
                    Arm::PerSeed(largest_acc.clone()),
                ),
                is_central(&id),
            ));
        }
        if let Some(claim) = rule_of_thumb(table, &family)? {
            out.push(claim);
        }
    }
    Ok(out)
}

/// The descriptive rule-of-thumb claim of `family` (see [`claims`]).
fn rule_of_thumb(table: &Table, family: &str) -> Result<Option<Claim>> {
    let f = [("family", family)];
    let teacher = MeanStd::of(&table.numbers_where("teacher_test_accuracy", &f)?).mean;
    let alone = MeanStd::of(&table.numbers_where("student_alone_test_accuracy", &f)?).mean;
    let target = (teacher + alone) / 2.0;
    let mut best: Option<(usize, f64)> = None;
    let mut nearest: Option<(usize, f64)> = None;
    for assistant in assistants_of(table, family)? {
        let filter = [("family", family), ("assistant", assistant.as_str())];
        let depth: usize = assistant.parse().unwrap_or(0);
        let student = MeanStd::of(&table.numbers_where("takd_test_accuracy", &filter)?).mean;
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
        return Ok(None);
    };
    let id = format!("{NAME}/{family}-best-ta-is-nearest-the-mean");
    Ok(Some(Claim::new(
        id.clone(),
        format!(
            "{family}: the best assistant (TA={best}) is the one whose accuracy is nearest the \
             mean of teacher and student (TA={nearest}); descriptive: the assistants' distilled \
             accuracy stands in for the from-scratch accuracy of the paper's rule"
        ),
        (
            "depth gap between the two",
            Arm::OneRun(best.abs_diff(nearest) as f64),
        ),
        Relation::LessOrEqual,
        ("0", Arm::Constant(0.0)),
        is_central(&id),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::report::Verdict;

    /// Seeds far apart; per seed the students through TA 6 and 4 are 0.4 and 0.6 points above
    /// the one through TA 8 (plus a little noise). The assistants' own (distilled) accuracies
    /// put TA 6 nearest the teacher/student mean.
    fn synthetic(family: &str) -> Table {
        let mut t = Table::new(&HEADER);
        for (seed, base) in [(1u64, 80.0), (2, 86.0), (3, 83.0)] {
            for (assistant, gain, own) in [("8", 0.0, 88.0), ("6", 0.4, 86.5), ("4", 0.6, 85.0)] {
                let takd = base + gain + 0.02 * seed as f64;
                t.push(
                    [
                        family,
                        "2",
                        assistant,
                        "10",
                        &seed.to_string(),
                        &format!("{takd:.2}"),
                        &own.to_string(),
                        "89",
                        "84",
                    ]
                    .map(String::from)
                    .to_vec(),
                );
            }
        }
        t
    }

    #[test]
    fn intermediate_assistants_are_compared_per_seed_with_the_largest() {
        let claims = claims(&synthetic("plain")).unwrap();
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ta-size/plain-best-ta-is-intermediate",
                "ta-size/plain-best-ta-is-nearest-the-mean"
            ]
        );
        let c = &claims[0];
        assert!(c.central);
        // The mean of TA 6 and 4 per seed, not the best of them.
        let Arm::PerSeed(lhs) = &c.lhs else {
            panic!("per-seed arm expected");
        };
        let expected = [(1, 80.52), (2, 86.54), (3, 83.56)];
        for ((s, v), (t, w)) in lhs.iter().zip(expected) {
            assert_eq!(*s, t);
            assert!((v - w).abs() < 1e-9, "{v} vs {w}");
        }
        assert_eq!(
            c.rhs,
            Arm::PerSeed(vec![(1, 80.02), (2, 86.04), (3, 83.06)])
        );
        // Half a point against a six-point spread between seeds: holds only when paired.
        assert_eq!(c.verdict(), Verdict::Holds, "{}", c.evidence());
        // The ResNet family's claim is computed but not central.
        let resnet = claims_of_family("resnet");
        assert!(!resnet[0].central);
    }

    fn claims_of_family(family: &str) -> Vec<Claim> {
        claims(&synthetic(family)).unwrap()
    }

    #[test]
    fn the_rule_of_thumb_is_descriptive() {
        let claims = claims(&synthetic("plain")).unwrap();
        let c = &claims[1];
        assert!(!c.central);
        // Target (89 + 84) / 2 = 86.5: TA 6 is nearest; TA 4 gives the best student.
        assert!(c.statement.contains("(TA=4)") && c.statement.contains("(TA=6)"));
        assert_eq!(c.lhs, Arm::OneRun(2.0));
        assert_eq!(c.verdict(), Verdict::Descriptive);
        assert!(!c.direction_kept());
    }

    #[test]
    fn one_assistant_gives_no_intermediate_claim() {
        let mut t = synthetic("plain");
        t.rows.retain(|r| r[2] == "8");
        let claims = claims(&t).unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].id, "ta-size/plain-best-ta-is-nearest-the-mean");
    }
}
