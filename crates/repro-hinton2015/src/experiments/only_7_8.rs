//! §3: a transfer set of only 7s and 8s. Paper: 47.3% test error, 13.2% after lowering the
//! biases of 7 and 8 by 7.6. Here the shift is chosen on the validation split.

use kd_core::Result;
use kd_core::data::Subset;
use kd_core::report::chart::bar_chart;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Arm, Claim, Relation, Table};

use super::{BiasFix, distil_and_shift_biases, map_seeds, over, per_seed_rate};
use crate::claims::is_central;
use crate::context::Context;
use crate::paper;

pub const NAME: &str = "only-7-8";
const KEPT: [u8; 2] = [7, 8];

pub fn run(ctx: &Context) -> Result<()> {
    let grid: Vec<f32> = ctx.settings.bias_grid.iter().map(|d| -d).collect();
    let shifted: Vec<usize> = KEPT.iter().map(|&c| c as usize).collect();
    let (fixes, table) = distil_and_shift_biases(
        ctx,
        NAME,
        "student on 7s and 8s",
        Subset::OnlyClasses {
            classes: KEPT.to_vec(),
        },
        &shifted,
        &grid,
    )?;
    let before = BiasFix::pct(&fixes, |f| (f.errors_before, f.test_total));
    let after = BiasFix::pct(&fixes, |f| (f.errors_after, f.test_total));
    bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Transfer set of 7s and 8s only: test error before/after the bias shift",
        "test error (%)",
        &[("before".into(), before), ("after".into(), after)],
    )?;

    let mut s = Section::new(NAME, "Transfer set of only 7s and 8s (§3)");
    s.text(&format!(
        "Test error rates (%); the biases of 7 and 8 are lowered by the amount that is best on \
         the validation split (0 to {}). {}ours: {}.",
        grid.last().copied().unwrap_or(0.0),
        ctx.paper_number(paper::ONLY_7_8_BIAS_SHIFT)
            .map_or(String::new(), |p| format!("Paper shift: {p}; ")),
        over(&fixes, |f| f.shift as f64).fmt(2)
    ));
    s.table(
        &["test error %", "paper", "ours", "delta"],
        &[
            paper_row(
                "before shift",
                ctx.paper_number(paper::ONLY_7_8_ERROR_PERCENT),
                before,
                2,
            ),
            paper_row(
                "after shift",
                ctx.paper_number(paper::ONLY_7_8_ERROR_PERCENT_AFTER_SHIFT),
                after,
                2,
            ),
        ],
    );
    for c in claims(&table)? {
        s.claim(c);
    }
    s.write(&ctx.out)
}

/// The claim, both arms per seed: each seed's student before and after its own
/// validation-chosen shift (one row per seed).
pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let before = per_seed_rate(table, "test_errors_before", "test_total", &[])?;
    let after = per_seed_rate(table, "test_errors_after", "test_total", &[])?;
    let id = format!("{NAME}/bias-fix-halves-error");
    let central = is_central(&id);
    Ok(vec![Claim::new(
        id,
        "lowering the 7 and 8 biases cuts the test error by more than half (paper: 47.3% -> \
         13.2%)",
        ("test error % after", Arm::PerSeed(after)),
        Relation::Less,
        (
            "half the test error % before",
            Arm::PerSeed(map_seeds(&before, |b| b / 2.0)),
        ),
        central,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::report::Verdict;

    fn table(rows: &[(u64, u32, u32)]) -> Table {
        let mut t = Table::new(&[
            "seed",
            "epochs",
            "bias_shift",
            "test_errors_before",
            "test_errors_after",
            "test_total",
            "test78_errors_before",
            "test78_errors_after",
            "test78_total",
        ]);
        for &(seed, before, after) in rows {
            t.push(
                [seed, 30, 0, before as u64, after as u64, 1000, 0, 0, 200]
                    .map(|x| x.to_string())
                    .to_vec(),
            );
        }
        t
    }

    #[test]
    fn claims_pair_by_seed() {
        // Rows out of seed order; each seed's after is 40 % of its own before, though the
        // seeds' before rates differ widely.
        let c = claims(&table(&[(3, 200, 80), (1, 600, 240), (2, 400, 160)])).unwrap();
        assert!(!c[0].central);
        let d = c[0].differences().unwrap();
        let expected = [24.0 - 30.0, 16.0 - 20.0, 8.0 - 10.0];
        assert!(
            d.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-9),
            "{d:?}"
        );
        assert_eq!(c[0].verdict(), Verdict::Holds);
        // After above half of before on one seed, below on the others: not shown.
        let c = claims(&table(&[(1, 600, 240), (2, 400, 260), (3, 200, 80)])).unwrap();
        assert_eq!(c[0].verdict(), Verdict::NotShown);
    }
}
