//! Table 1: NOKD (the student alone), BLKD (teacher -> student) and TAKD (teacher -> assistant
//! -> student), for plain CNNs (S = 2, TA = 4, T = 10) and ResNets.

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::stats::paired_differences;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, Table};

use super::{accuracy_of, ordering_claims, reference_row};
use crate::context::{Context, Method3};
use crate::paper::{self, Family};

pub const NAME: &str = "table";

pub fn run(ctx: &Context) -> Result<()> {
    let mut table = Table::new(&[
        "family",
        "student",
        "assistant",
        "teacher",
        "method",
        "seed",
        "epochs",
        "recipe",
        "test_accuracy",
        "test_accuracy_at_best_validation",
        "teacher_test_accuracy",
        "assistant_test_accuracy",
    ]);
    let mut families = vec![(Family::Plain, ctx.settings.plain)];
    if let Some(resnet) = ctx.settings.resnet {
        families.push((Family::ResNet, resnet));
    }
    for &(family, depths) in &families {
        for &seed in &ctx.seeds {
            let teacher = ctx.obtain(&*ctx.teacher(family, depths.2, seed)?)?;
            let assistant = ctx.obtain(
                ctx.chain(family, &[depths.2, depths.1], seed)?
                    .last()
                    .expect("a chain of two"),
            )?;
            for method in Method3::ALL {
                let run = ctx.obtain(&*ctx.student(family, depths, method, seed)?)?;
                let (final_acc, at_best_val) = run.accuracies();
                table.push(vec![
                    family.name().into(),
                    depths.0.to_string(),
                    depths.1.to_string(),
                    depths.2.to_string(),
                    method.name().into(),
                    seed.to_string(),
                    ctx.epochs().to_string(),
                    ctx.recipe.name().into(),
                    format!("{final_acc:.2}"),
                    format!("{at_best_val:.2}"),
                    format!("{:.2}", teacher.accuracies().0),
                    format!("{:.2}", assistant.accuracies().0),
                ]);
            }
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;
    section(ctx, &table, &families)
}

fn section(
    ctx: &Context,
    table: &Table,
    families: &[(Family, (usize, usize, usize))],
) -> Result<()> {
    let dataset = &ctx.splits.dataset;
    let mut s = Section::new(NAME, "Table 1: NOKD, BLKD and TAKD");
    let paper_dataset = if dataset.starts_with("cifar100") {
        "cifar100"
    } else {
        "cifar10"
    };
    let same_dataset = dataset.as_str() == paper_dataset;
    s.text(&format!(
        "Final-epoch test accuracy (%) of the student, mean ± std over {} seed(s), recipe `{}`, \
         {}, lambda and T as chosen on validation (the search section). {}",
        ctx.seeds.len(),
        ctx.recipe.name(),
        ctx.epochs_text(ctx.epochs()),
        if same_dataset {
            String::new()
        } else {
            format!(
                "Our dataset is `{dataset}`, the paper's {paper_dataset}: its numbers are shown \
                 for reference, without a delta."
            )
        }
    ));
    let mut rows = Vec::new();
    let mut chart = Vec::new();
    for &(family, depths) in families {
        let reference = paper::table_1(family, paper_dataset);
        let filter = [("family", family.name())];
        for method in Method3::ALL {
            let label = format!(
                "{} S={} TA={} T={}: {}",
                family.name(),
                depths.0,
                depths.1,
                depths.2,
                method.name()
            );
            let paper_value = reference.map(|r| method.pick((r.nokd, r.blkd, r.takd)));
            let ours = accuracy_of(table, &filter, method)?;
            rows.push(reference_row(&label, paper_value, same_dataset, ours));
        }
        let bars = Method3::ALL
            .iter()
            .map(|&m| accuracy_of(table, &filter, m))
            .collect::<Result<Vec<_>>>()?;
        chart.push((format!("{} (S={})", family.name(), depths.0), bars));
    }
    s.table(&["student", "paper", "ours", "delta"], &rows);
    for &(family, _) in families {
        s.text(&family_differences(table, family)?);
    }
    let groups: Vec<String> = Method3::ALL.iter().map(|m| m.name().to_string()).collect();
    grouped_bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        &format!("Student test accuracy on {dataset}, mean ± std over seeds"),
        "test accuracy (%)",
        &groups,
        &chart,
        false,
    )?;
    for claim in claims(table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

/// The per-seed differences BLKD - NOKD and TAKD - BLKD (each seed's students share its
/// initialisation and data order), with whether their mean stands out of the seed noise (more
/// than one standard error of the mean from zero).
fn family_differences(table: &Table, family: Family) -> Result<String> {
    let values = |method: Method3| {
        table.numbers_where(
            "test_accuracy",
            &[("family", family.name()), ("method", method.name())],
        )
    };
    let (nokd, blkd, takd) = (
        values(Method3::Nokd)?,
        values(Method3::Blkd)?,
        values(Method3::Takd)?,
    );
    Ok(format!(
        "{}: {}; {}.",
        family.name(),
        paired_differences("BLKD - NOKD", &blkd, &nokd),
        paired_differences("TAKD - BLKD", &takd, &blkd)
    ))
}

/// Per family in the table: BLKD beats NOKD and TAKD beats BLKD (means over seeds).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for family in table.distinct("family")? {
        out.extend(ordering_claims(
            table,
            &[("family", family.as_str())],
            &format!("{NAME}/{family}-"),
            format!("{family}: a student distilled from the teacher beats one trained alone"),
            format!(
                "{family}: distilling through a teacher assistant beats distilling from the \
                 teacher directly"
            ),
        )?);
    }
    Ok(out)
}
