//! The paper's comparison setting (CIFAR-10, teacher ResNet-26, 80 epochs): ResNet-8 and
//! ResNet-14 students trained alone (NOKD), from the teacher (BLKD) and through an assistant
//! (ResNet-14 and ResNet-20: TAKD). The boundary-supporting-samples issue adds its columns.

use kd_core::Result;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::{Context, Method3, accuracies};
use crate::paper::{self, Family};

pub const NAME: &str = "resnet26";

pub fn run(ctx: &Context) -> Result<()> {
    let teacher = paper::RESNET26_TEACHER;
    let epochs = ctx.settings.resnet26_epochs.unwrap_or_else(|| ctx.epochs());
    let mut table = Table::new(&[
        "student",
        "assistant",
        "teacher",
        "method",
        "seed",
        "epochs",
        "test_accuracy",
        "teacher_test_accuracy",
    ]);
    for &seed in &ctx.seeds {
        for &(student, assistant) in &ctx.settings.resnet26_pairs {
            let teacher_run =
                ctx.obtain(&ctx.chain_for(Family::ResNet, &[teacher], seed, epochs)?[0])?;
            for method in Method3::ALL {
                let depths: &[usize] = match method {
                    Method3::Nokd => &[student],
                    Method3::Blkd => &[teacher, student],
                    Method3::Takd => &[teacher, assistant, student],
                };
                let chain = ctx.chain_for(Family::ResNet, depths, seed, epochs)?;
                let run = ctx.obtain(chain.last().expect("a student"))?;
                table.push(vec![
                    student.to_string(),
                    assistant.to_string(),
                    teacher.to_string(),
                    method.name().into(),
                    seed.to_string(),
                    epochs.to_string(),
                    format!("{:.2}", accuracies(&run).0),
                    format!("{:.2}", accuracies(&teacher_run).0),
                ]);
            }
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let mut s = Section::new(NAME, "Comparison setting: teacher ResNet-26");
    if ctx.settings.resnet26_pairs.is_empty() {
        s.text("Not run in this profile (it trains no ResNets); see the `paper` profile.");
        return s.write(&ctx.out);
    }
    let same_dataset = ctx.splits.dataset == "cifar10";
    s.text(&format!(
        "Final-epoch test accuracy (%), mean ± std over {} seed(s), {epochs} epochs per network \
         (the paper: {}). The paper's numbers are CIFAR-10's{}.",
        ctx.seeds.len(),
        paper::RESNET26_EPOCHS,
        if same_dataset {
            ""
        } else {
            ", shown for reference without a delta"
        }
    ));
    let mut rows = Vec::new();
    for &(student, assistant) in &ctx.settings.resnet26_pairs {
        let reference = paper::RESNET26_CIFAR10
            .iter()
            .find(|r| r.0 == student && r.1 == assistant);
        for method in Method3::ALL {
            let st = student.to_string();
            let ours = MeanStd::of(&table.numbers_where(
                "test_accuracy",
                &[("student", st.as_str()), ("method", method.name())],
            )?);
            let value = reference.map(|r| match method {
                Method3::Nokd => r.2,
                Method3::Blkd => r.3,
                Method3::Takd => r.4,
            });
            let mut row = paper_row(
                &format!("resnet{student} (TA resnet{assistant}): {}", method.name()),
                if same_dataset { value } else { None },
                ours,
                2,
            );
            if !same_dataset {
                row[1] = value.map_or("–".into(), |p| format!("({p:.2})"));
            }
            rows.push(row);
        }
    }
    s.table(&["student", "paper", "ours", "delta"], &rows);
    for claim in claims(&table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

/// Per student: TAKD beats BLKD, and BLKD beats NOKD (means over seeds).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut out = Vec::new();
    for student in table.distinct("student")? {
        let acc = |m: Method3| -> Result<f64> {
            Ok(MeanStd::of(&table.numbers_where(
                "test_accuracy",
                &[("student", student.as_str()), ("method", m.name())],
            )?)
            .mean)
        };
        let id = |s: &str| format!("{NAME}/resnet{student}-{s}");
        out.push(Claim {
            id: id("blkd-beats-nokd"),
            statement: format!("ResNet-{student}: distilled from ResNet-26 beats alone"),
            lhs_label: "BLKD accuracy (%)".into(),
            lhs: acc(Method3::Blkd)?,
            relation: Relation::Greater,
            rhs_label: "NOKD accuracy (%)".into(),
            rhs: acc(Method3::Nokd)?,
            required: is_required(&id("blkd-beats-nokd")),
        });
        out.push(Claim {
            id: id("takd-beats-blkd"),
            statement: format!("ResNet-{student}: through an assistant beats from ResNet-26"),
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
