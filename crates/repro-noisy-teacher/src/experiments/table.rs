//! The main table, per dataset: the teacher; the student on hard labels, regressing the
//! clean teacher's logits, with the noisy teacher at the (sigma, alpha) chosen on validation,
//! and with Hinton et al.'s soft targets as a reference line.

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::stats::paired_differences;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Table};

use super::{accuracies_by_dataset, beats, new_table, per_seed, push_rows, tag};
use crate::context::{Context, StudentMethod};
use crate::paper;

pub const NAME: &str = "table";

const STUDENTS: [&str; 4] = [
    "hard labels",
    "clean teacher",
    "noisy teacher",
    "soft targets",
];

pub fn run(ctx: &Context) -> Result<()> {
    let mut table = new_table();
    let mut teachers = Vec::new();
    for data in &ctx.data {
        let (sigma, alpha) = ctx.chosen_noise(data)?;
        for how in [
            StudentMethod::Hard,
            StudentMethod::Clean,
            StudentMethod::NoisyTeacher { sigma, alpha },
            StudentMethod::SoftTargets,
        ] {
            push_rows(ctx, data, &how, &mut table)?;
        }
        let accs = ctx
            .seeds
            .iter()
            .map(|&seed| Ok(ctx.teacher(data, seed)?.accuracies().0))
            .collect::<Result<Vec<f64>>>()?;
        teachers.push((data.name.clone(), MeanStd::of(&accs), (sigma, alpha)));
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let mut s = Section::new(NAME, "Noisy teacher vs clean teacher");
    s.text(&format!(
        "Final-epoch test accuracy (%) of the student, mean ± std over {} seed(s), a teacher \
         per seed ({}). Noise: {}, alpha per {}, sigma and alpha chosen on validation (the \
         sweeps' sections). The paper's own numbers could not be read (see the sources \
         section); the first author's thesis reports +{} points on CIFAR-10 for a shallow \
         student.",
        ctx.seeds.len(),
        ctx.architectures_text(),
        format!("{:?}", ctx.noise.form).to_lowercase(),
        format!("{:?}", ctx.noise.unit).to_lowercase(),
        paper::THESIS_CIFAR10_GAIN,
    ));
    let chart = accuracies_by_dataset(&table, &STUDENTS)?;
    let mut rows = Vec::new();
    for ((dataset, teacher, (sigma, alpha)), (_, accs)) in teachers.iter().zip(&chart) {
        let mut row = vec![
            dataset.clone(),
            teacher.fmt(2),
            format!("{sigma} / {alpha}"),
        ];
        row.extend(accs.iter().map(|a| a.fmt(2)));
        rows.push(row);
    }
    let mut header = vec!["dataset", "teacher", "sigma / alpha"];
    header.extend(STUDENTS);
    s.table(&header, &rows);
    grouped_bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Student test accuracy, mean ± std over seeds",
        "test accuracy (%)",
        &STUDENTS.map(String::from),
        &chart,
        false,
    )?;
    for claim in claims(&table)? {
        s.claim(claim);
    }
    s.text(&differences(ctx, &table)?);
    s.write(&ctx.out)
}

/// Per dataset, the per-seed test-accuracy differences (points) of the noisy teacher's student
/// over the clean teacher's (same seed: same teacher, initialisation and data order).
fn differences(ctx: &Context, table: &Table) -> Result<String> {
    let mut parts = Vec::new();
    for data in &ctx.data {
        let dataset = &data.name;
        let of = |student: &str| -> Result<Vec<f64>> {
            Ok(per_seed(table, dataset, student)?
                .into_iter()
                .map(|(_, v)| v)
                .collect())
        };
        let (noisy, clean) = (of("noisy teacher")?, of("clean teacher")?);
        parts.push(format!(
            "{dataset} (one test image = {:.2} points): {}",
            100.0 / data.splits.test.len() as f64,
            paired_differences("noisy - clean teacher", &noisy, &clean)
        ));
    }
    Ok(format!(
        "Paired differences in test accuracy: {}.",
        parts.join("; ")
    ))
}

/// Per dataset: the noisy teacher beats the clean one (central on MNIST), and the clean teacher
/// beats hard labels. The table holds one noisy-teacher configuration per dataset, the (sigma,
/// alpha) `Context::chosen_noise` chose on validation before the table's runs; its arm is that
/// configuration's final test accuracy per seed, paired by seed with the other students (each
/// seed has its own teacher).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for dataset in table.distinct("dataset")? {
        let t = tag(&dataset);
        out.push(beats(
            table,
            &dataset,
            ("noisy teacher", "clean teacher"),
            format!("{NAME}/{t}-noisy-beats-clean"),
            format!(
                "{dataset}: the student of the noisy teacher (sigma, alpha chosen on validation) \
                 beats the student regressing the clean teacher"
            ),
        )?);
        out.push(beats(
            table,
            &dataset,
            ("clean teacher", "hard labels"),
            format!("{NAME}/{t}-clean-beats-hard"),
            format!("{dataset}: regressing the teacher's logits beats training on hard labels"),
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::tests::synthetic;
    use kd_core::report::{Arm, Verdict};

    #[test]
    fn claims_pair_the_chosen_configuration_by_seed() {
        // MNIST: per seed the noisy teacher's student beats the clean one's by 0.4 to 0.6 and
        // the clean one beats hard labels by 1, over levels 10 points apart across seeds; the
        // noisy student's validation errors are the worst (the claims read test only, the
        // configuration was chosen before). Fashion: the noisy teacher loses by 0.6 to 0.8.
        let mut rows = Vec::new();
        for (seed, level) in [(1, 90.0), (2, 80.0), (3, 85.0)] {
            let gain = 0.3 + 0.1 * seed as f64;
            rows.push(("mnist-10k", "hard labels", "", "", seed, level - 1.0, 10.0));
            rows.push(("mnist-10k", "clean teacher", "", "", seed, level, 10.0));
            rows.push((
                "mnist-10k",
                "noisy teacher",
                "0.2",
                "0.75",
                seed,
                level + gain,
                99.0,
            ));
            rows.push(("mnist-10k", "soft targets", "", "", seed, level + 5.0, 10.0));
            rows.push((
                "fashion-10k",
                "hard labels",
                "",
                "",
                seed,
                level - 1.0,
                10.0,
            ));
            rows.push(("fashion-10k", "clean teacher", "", "", seed, level, 10.0));
            rows.push((
                "fashion-10k",
                "noisy teacher",
                "0",
                "0.5",
                seed,
                level - gain - 0.2,
                1.0,
            ));
        }
        let claims = claims(&synthetic(&rows)).unwrap();
        let ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "table/mnist-noisy-beats-clean",
                "table/mnist-clean-beats-hard",
                "table/fashion-noisy-beats-clean",
                "table/fashion-clean-beats-hard",
            ]
        );
        let central: Vec<bool> = claims.iter().map(|c| c.central).collect();
        assert_eq!(central, [true, false, false, false]);
        assert_eq!(
            claims[0].rhs,
            Arm::PerSeed(vec![(1, 90.0), (2, 80.0), (3, 85.0)])
        );
        assert!(matches!(&claims[0].lhs, Arm::PerSeed(v) if v.len() == 3));
        let verdicts: Vec<Verdict> = claims.iter().map(|c| c.verdict()).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Holds,
                Verdict::Holds,
                Verdict::Contradicted,
                Verdict::Holds
            ]
        );
        // Two noisy configurations of one dataset cannot make one arm.
        rows.push(("mnist-10k", "noisy teacher", "0.4", "0.5", 1, 99.0, 0.0));
        assert!(super::claims(&synthetic(&rows)).is_err());
    }
}
