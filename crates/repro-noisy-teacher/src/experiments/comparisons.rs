//! The noisy teacher against the alternatives at the same student budget: other regularisers
//! with the clean teacher (the student's own logits perturbed alike: the "noisy student";
//! dropout on the student; weight decay; Gaussian noise on the student's inputs), and a real ensemble of independently trained
//! teachers (their mean logits), which the noise is said to simulate.

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, Table};

use super::{accuracies_by_dataset, beats, new_table, push_rows, tag};
use crate::context::{Context, StudentMethod};

pub const REGULARIZERS: &str = "regularizers";
pub const ENSEMBLE: &str = "ensemble";

pub fn run_regularizers(ctx: &Context) -> Result<()> {
    let mut table = new_table();
    for data in &ctx.data {
        let (sigma, alpha) = ctx.chosen_noise(data)?;
        for how in [
            StudentMethod::Clean,
            StudentMethod::NoisyTeacher { sigma, alpha },
            StudentMethod::NoisyStudent { sigma, alpha },
            StudentMethod::Dropout,
            StudentMethod::WeightDecay,
            StudentMethod::InputNoise,
        ] {
            if ctx.supports(data, &how) {
                push_rows(ctx, data, &how, &mut table)?;
            }
        }
    }
    let (input, hidden) = ctx.settings.dropout;
    let text = format!(
        "Final-epoch test accuracy (%), mean ± std over {} seed(s): the noisy teacher against \
         other regularisers of the clean teacher's student: the same noise on the student's own \
         logits (noisy student), dropout ({input} on the inputs, {hidden} on the hidden units), \
         Adam weight decay {} and Gaussian noise of standard deviation {} on the student's \
         normalised inputs (about a third of a pixel's standard deviation over the data set; \
         the teacher's logits are those of the clean images). Dropout and input noise are \
         options of the MLP student only (n/a for the modified LeNet).",
        ctx.seeds.len(),
        ctx.settings.weight_decay,
        ctx.settings.input_noise
    );
    let students = [
        "clean teacher",
        "noisy teacher",
        "noisy student",
        "dropout",
        "weight decay",
        "input noise",
    ];
    write(
        ctx,
        REGULARIZERS,
        "Noisy teacher vs other regularisers",
        &text,
        &students,
        &table,
        regularizer_claims,
    )
}

pub fn run_ensemble(ctx: &Context) -> Result<()> {
    let k = ctx.settings.ensemble_size;
    let mut table = new_table();
    for data in &ctx.data {
        let (sigma, alpha) = ctx.chosen_noise(data)?;
        for how in [
            StudentMethod::Clean,
            StudentMethod::NoisyTeacher { sigma, alpha },
            StudentMethod::Ensemble { k },
        ] {
            push_rows(ctx, data, &how, &mut table)?;
        }
    }
    let text = format!(
        "Final-epoch test accuracy (%), mean ± std over {} seed(s): one noisy teacher against \
         the mean logits of {k} independently trained teachers (seeds s, s + 1000, ...), each \
         student trained for the same epochs.",
        ctx.seeds.len()
    );
    let ensemble = format!("ensemble of {k}");
    let students = ["clean teacher", "noisy teacher", ensemble.as_str()];
    write(
        ctx,
        ENSEMBLE,
        "Noisy teacher vs an ensemble of teachers",
        &text,
        &students,
        &table,
        ensemble_claims,
    )
}

fn write(
    ctx: &Context,
    name: &str,
    title: &str,
    text: &str,
    students: &[&str],
    table: &Table,
    claims: fn(&Table) -> Result<Vec<Claim>>,
) -> Result<()> {
    table.write(&ctx.out.join(format!("{name}.csv")))?;
    let mut s = Section::new(name, title);
    s.text(text);
    let chart = accuracies_by_dataset(table, students)?;
    let rows: Vec<Vec<String>> = chart
        .iter()
        .map(|(dataset, accs)| {
            let mut row = vec![dataset.clone()];
            row.extend(accs.iter().map(|a| {
                if a.n == 0 {
                    "n/a".to_string()
                } else {
                    a.fmt(2)
                }
            }));
            row
        })
        .collect();
    let mut header = vec!["dataset"];
    header.extend(students);
    s.table(&header, &rows);
    grouped_bar_chart(
        &ctx.out.join(format!("{name}.svg")),
        &format!("{title}: student test accuracy, mean ± std over seeds"),
        "test accuracy (%)",
        &students.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        &chart,
        false,
    )?;
    for claim in claims(table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

/// Per dataset: the noisy teacher beats the noisy student, dropout, weight decay and input noise
/// (those the dataset's student has).
pub fn regularizer_claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for dataset in table.distinct("dataset")? {
        let t = tag(&dataset);
        for (other, slug) in [
            ("noisy student", "noisy-student"),
            ("dropout", "dropout"),
            ("weight decay", "weight-decay"),
            ("input noise", "input-noise"),
        ] {
            if table
                .rows_where(&[("dataset", &dataset), ("student", other)])?
                .is_empty()
            {
                continue;
            }
            out.push(beats(
                table,
                &dataset,
                ("noisy teacher", other),
                format!("{REGULARIZERS}/{t}-noisy-teacher-beats-{slug}"),
                format!("{dataset}: the noisy teacher beats {other} as a regulariser"),
            )?);
        }
    }
    Ok(out)
}

/// Per dataset: the ensemble beats one clean teacher, and one noisy teacher does as well as the
/// ensemble (the paper's "equivalent to multiple teachers", in its strong form).
pub fn ensemble_claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for dataset in table.distinct("dataset")? {
        let t = tag(&dataset);
        let ensemble = table
            .distinct("student")?
            .into_iter()
            .find(|s| s.starts_with("ensemble"))
            .unwrap_or_else(|| "ensemble".into());
        out.push(beats(
            table,
            &dataset,
            (&ensemble, "clean teacher"),
            format!("{ENSEMBLE}/{t}-ensemble-beats-one-teacher"),
            format!("{dataset}: the {ensemble} teachers' student beats one clean teacher's"),
        )?);
        let mut matches = beats(
            table,
            &dataset,
            ("noisy teacher", &ensemble),
            format!("{ENSEMBLE}/{t}-noisy-teacher-matches-the-ensemble"),
            format!("{dataset}: one noisy teacher does as well as the {ensemble} teachers"),
        )?;
        matches.relation = kd_core::report::Relation::GreaterOrEqual;
        out.push(matches);
    }
    Ok(out)
}
