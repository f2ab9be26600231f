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

/// The columns of the experiment's CSV.
const HEADER: [&str; 8] = [
    "student",
    "assistant",
    "teacher",
    "method",
    "seed",
    "epochs",
    "test_accuracy",
    "teacher_test_accuracy",
];

pub fn run(ctx: &Context) -> Result<()> {
    let teacher = paper::RESNET26_TEACHER;
    let epochs = ctx.settings.resnet26_epochs.unwrap_or_else(|| ctx.epochs());
    let mut table = Table::new(&HEADER);
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

/// Per student: TAKD beats BLKD, and BLKD beats NOKD, paired by seed.
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

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::report::{Arm, Verdict};

    #[test]
    fn claims_pair_by_seed_per_student() {
        let mut t = Table::new(&HEADER);
        for (student, offset) in [("8", 0.0), ("14", 3.0)] {
            for (seed, base) in [(1u64, 85.0), (2, 88.0), (3, 86.5)] {
                for (method, gain) in [("NOKD", 0.0), ("BLKD", 0.6), ("TAKD", 1.5)] {
                    let acc = base + offset + gain + 0.01 * seed as f64;
                    t.push(
                        [
                            student,
                            "20",
                            "26",
                            method,
                            &seed.to_string(),
                            "80",
                            &format!("{acc:.2}"),
                            "92",
                        ]
                        .map(String::from)
                        .to_vec(),
                    );
                }
            }
        }
        let claims = claims(&t).unwrap();
        assert_eq!(claims.len(), 4);
        assert_eq!(claims[0].id, "resnet26/resnet8-blkd-beats-nokd");
        assert!(claims.iter().all(|c| !c.central));
        let Arm::PerSeed(nokd) = &claims[2].rhs else {
            panic!("per-seed arm expected");
        };
        assert_eq!(nokd, &[(1, 88.01), (2, 91.02), (3, 89.53)]);
        for c in &claims {
            assert_eq!(c.verdict(), Verdict::Holds, "{}", c.evidence());
        }
    }
}
