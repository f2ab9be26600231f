//! §3: a transfer set of only 7s and 8s. Paper: 47.3% test error, 13.2% after lowering the
//! biases of 7 and 8 by 7.6. Here the shift is chosen on the validation split.

use kd_core::Result;
use kd_core::data::Subset;
use kd_core::report::chart::bar_chart;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Claim, Relation, Table};

use super::{BiasFix, distil_and_shift_biases, mean_rate, over};
use crate::claims::is_required;
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

pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let before = mean_rate(table, "test_errors_before", "test_total", &[])?;
    let after = mean_rate(table, "test_errors_after", "test_total", &[])?;
    let id = format!("{NAME}/bias-fix-halves-error");
    Ok(vec![Claim {
        required: is_required(&id),
        id,
        statement: "lowering the 7 and 8 biases cuts the test error by more than half (paper: \
                    47.3% -> 13.2%)"
            .into(),
        lhs_label: "test error % after".into(),
        lhs: after,
        relation: Relation::Less,
        rhs_label: "half the test error % before".into(),
        rhs: before / 2.0,
    }])
}
