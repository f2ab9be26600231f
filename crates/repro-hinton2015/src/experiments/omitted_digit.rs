//! §3 omitted digit: distil the 800-800 student on a transfer set without any 3s. Paper: 206
//! test errors, 133 of them on the 1010 test 3s; raising the bias of class 3 by 3.5 gives 109
//! errors, 14 on 3s. Here the shift is chosen on the validation split (which has 3s).

use kd_core::Result;
use kd_core::data::Subset;
use kd_core::report::chart::bar_chart;
use kd_core::report::summary::{Section, paper_row};
use kd_core::report::{Claim, Relation, Table};

use super::{BiasFix, distil_and_shift_biases, mean_rate, over};
use crate::claims::is_required;
use crate::context::Context;
use crate::paper;

pub const NAME: &str = "omitted-digit";
const OMITTED: u8 = 3;

pub fn run(ctx: &Context) -> Result<()> {
    let grid = ctx.settings.bias_grid.clone();
    let (fixes, table) = distil_and_shift_biases(
        ctx,
        NAME,
        "student without 3s",
        Subset::WithoutClasses {
            classes: vec![OMITTED],
        },
        &[OMITTED as usize],
        &grid,
    )?;
    let before = BiasFix::pct(&fixes, |f| (f.errors_before, f.test_total));
    let after = BiasFix::pct(&fixes, |f| (f.errors_after, f.test_total));
    let before3 = BiasFix::pct(&fixes, |f| (f.shifted_before, f.shifted_total));
    let after3 = BiasFix::pct(&fixes, |f| (f.shifted_after, f.shifted_total));
    bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Transfer set without 3s: test error before/after the class-3 bias shift",
        "test error (%)",
        &[
            ("all, before".into(), before),
            ("all, after".into(), after),
            ("3s, before".into(), before3),
            ("3s, after".into(), after3),
        ],
    )?;

    let paper_pct = |errors: f64, total: f64| 100.0 * errors / total;
    let mut s = Section::new(NAME, "Omitted digit: no 3s in the transfer set (§3)");
    s.text(&format!(
        "Error rates (%) on the test set ({} images, {} of them 3s); the bias shift of class 3 \
         is chosen on the validation split from 0 to {}. {}ours: {}.",
        fixes[0].test_total,
        fixes[0].shifted_total,
        grid.last().copied().unwrap_or(0.0),
        ctx.paper_number(paper::OMITTED_BIAS_SHIFT)
            .map_or(String::new(), |p| format!("Paper shift: +{p}; ")),
        over(&fixes, |f| f.shift as f64).fmt(2)
    ));
    let rows = vec![
        paper_row(
            "all digits, before shift",
            ctx.paper_number(paper_pct(paper::OMITTED_ERRORS, paper::TEST_SET_SIZE)),
            before,
            2,
        ),
        paper_row(
            "3s, before shift",
            ctx.paper_number(paper_pct(paper::OMITTED_ERRORS_ON_3, paper::TEST_THREES)),
            before3,
            2,
        ),
        paper_row(
            "all digits, after shift",
            ctx.paper_number(paper_pct(
                paper::OMITTED_ERRORS_AFTER_SHIFT,
                paper::TEST_SET_SIZE,
            )),
            after,
            2,
        ),
        paper_row(
            "3s, after shift",
            ctx.paper_number(paper_pct(
                paper::OMITTED_ERRORS_ON_3_AFTER_SHIFT,
                paper::TEST_THREES,
            )),
            after3,
            2,
        ),
    ];
    s.table(&["test error %", "paper", "ours", "delta"], &rows);
    for c in claims(&table)? {
        s.claim(c);
    }
    s.write(&ctx.out)
}

pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let pct = |e: &str, t: &str| mean_rate(table, e, t, &[]);
    let after3 = pct("test3_errors_after", "test3_total")?;
    let before3 = pct("test3_errors_before", "test3_total")?;
    let after = pct("test_errors_after", "test_total")?;
    let before = pct("test_errors_before", "test_total")?;
    let id = |s: &str| format!("{NAME}/{s}");
    Ok(vec![
        Claim {
            id: id("bias-fix-recovers-most-3s"),
            statement: "shifting the class-3 bias recovers most of the misclassified 3s \
                        (errors on 3s fall below half)"
                .into(),
            lhs_label: "error % on 3s after".into(),
            lhs: after3,
            relation: Relation::Less,
            rhs_label: "half the error % on 3s before".into(),
            rhs: before3 / 2.0,
            required: is_required(&id("bias-fix-recovers-most-3s")),
        },
        Claim {
            id: id("bias-fix-lowers-total-error"),
            statement: "the shift lowers the total test error".into(),
            lhs_label: "test error % after".into(),
            lhs: after,
            relation: Relation::Less,
            rhs_label: "test error % before".into(),
            rhs: before,
            required: is_required(&id("bias-fix-lowers-total-error")),
        },
    ])
}
