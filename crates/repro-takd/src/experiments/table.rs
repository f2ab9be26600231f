//! Table 1: NOKD (the student alone), BLKD (teacher -> student) and TAKD (teacher -> assistant
//! -> student), for plain CNNs (S = 2, TA = 4, T = 10) and ResNets.

use kd_core::Result;
use kd_core::report::chart::grouped_bar_chart;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::{Context, Method3, accuracies};
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
            let teacher = ctx.obtain(&*ctx.alone(family, depths.2, seed)?)?;
            let assistant = ctx.obtain(
                ctx.chain(family, &[depths.2, depths.1], seed)?
                    .last()
                    .expect("a chain of two"),
            )?;
            for method in Method3::ALL {
                let run = ctx.obtain(&*ctx.student(family, depths, method, seed)?)?;
                let (final_acc, at_best_val) = accuracies(&run);
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
                    format!("{:.2}", accuracies(&teacher).0),
                    format!("{:.2}", accuracies(&assistant).0),
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
         {} epochs per network, lambda and T as chosen on validation (the search section). {}",
        ctx.seeds.len(),
        ctx.recipe.name(),
        ctx.epochs(),
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
        for method in Method3::ALL {
            let ours = MeanStd::of(&table.numbers_where(
                "test_accuracy",
                &[("family", family.name()), ("method", method.name())],
            )?);
            let paper_value = reference.map(|r| match method {
                Method3::Nokd => r.nokd,
                Method3::Blkd => r.blkd,
                Method3::Takd => r.takd,
            });
            let mut row = paper_row(
                &format!(
                    "{} S={} TA={} T={}: {}",
                    family.name(),
                    depths.0,
                    depths.1,
                    depths.2,
                    method.name()
                ),
                if same_dataset { paper_value } else { None },
                ours,
                2,
            );
            if !same_dataset {
                row[1] = paper_value.map_or("–".into(), |p| format!("({p:.2})"));
            }
            rows.push(row);
        }
        let bars = Method3::ALL
            .iter()
            .map(|m| {
                let v = table.numbers_where(
                    "test_accuracy",
                    &[("family", family.name()), ("method", m.name())],
                )?;
                Ok(MeanStd::of(&v))
            })
            .collect::<Result<Vec<_>>>()?;
        chart.push((format!("{} (S={})", family.name(), depths.0), bars));
    }
    s.table(&["student", "paper", "ours", "delta"], &rows);
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

fn mean_accuracy(table: &Table, family: &str, method: Method3) -> Result<f64> {
    Ok(MeanStd::of(&table.numbers_where(
        "test_accuracy",
        &[("family", family), ("method", method.name())],
    )?)
    .mean)
}

/// Per family in the table: BLKD beats NOKD and TAKD beats BLKD (means over seeds).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for family in table.distinct("family")? {
        let id = |s: &str| format!("{NAME}/{family}-{s}");
        let acc = |m| mean_accuracy(table, &family, m);
        out.push(Claim {
            id: id("blkd-beats-nokd"),
            statement: format!(
                "{family}: a student distilled from the teacher beats one trained alone"
            ),
            lhs_label: "BLKD accuracy (%)".into(),
            lhs: acc(Method3::Blkd)?,
            relation: Relation::Greater,
            rhs_label: "NOKD accuracy (%)".into(),
            rhs: acc(Method3::Nokd)?,
            required: is_required(&id("blkd-beats-nokd")),
        });
        out.push(Claim {
            id: id("takd-beats-blkd"),
            statement: format!(
                "{family}: distilling through a teacher assistant beats distilling from the \
                 teacher directly"
            ),
            lhs_label: "TAKD accuracy (%)".into(),
            lhs: acc(Method3::Takd)?,
            relation: Relation::Greater,
            rhs_label: "BLKD accuracy (%)".into(),
            rhs: acc(Method3::Blkd)?,
            required: is_required(&id("takd-beats-blkd")),
        });
    }
    Ok(out)
}
