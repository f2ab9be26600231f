//! The paper's comparison setting (CIFAR-10, teacher ResNet-26, 80 epochs): ResNet-8 and
//! ResNet-14 students trained alone (NOKD), from the teacher (BLKD) and through an assistant
//! (ResNet-14 and ResNet-20: TAKD). The boundary-supporting-samples issue adds its columns.

use kd_core::Result;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, Table};

use super::{accuracy_of, ordering_claims, reference_row};
use crate::context::{Context, Method3};
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
                ctx.obtain(&*ctx.teacher_for(Family::ResNet, teacher, seed, epochs)?)?;
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
                    format!("{:.2}", run.accuracies().0),
                    format!("{:.2}", teacher_run.accuracies().0),
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
        "Final-epoch test accuracy (%), mean ± std over {} seed(s), {} (the paper: {} per \
         network). The paper's numbers are CIFAR-10's{}.",
        ctx.seeds.len(),
        ctx.epochs_text(epochs),
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
        let st = student.to_string();
        for method in Method3::ALL {
            let label = format!("resnet{student} (TA resnet{assistant}): {}", method.name());
            let value = reference.map(|r| method.pick((r.2, r.3, r.4)));
            let ours = accuracy_of(&table, &[("student", st.as_str())], method)?;
            rows.push(reference_row(&label, value, same_dataset, ours));
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
        out.extend(ordering_claims(
            table,
            &[("student", student.as_str())],
            &format!("{NAME}/resnet{student}-"),
            format!("ResNet-{student}: distilled from ResNet-26 beats alone"),
            format!("ResNet-{student}: through an assistant beats from ResNet-26"),
        )?);
    }
    Ok(out)
}
