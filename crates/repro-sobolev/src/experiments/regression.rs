//! Experiment 1 (§4.1): Regular vs Sobolev vs stochastic Sobolev regression of the 2-D test
//! functions from 20 and 100 uniformly drawn points; the derivative term's form chosen on a
//! validation set, errors on 10,000 fresh test points.
//!
//! Three point sets per function, drawn with separate seeds from the uniform distribution on
//! the domain (so they share no point, almost surely; a test checks): training points (their
//! own per seed), a fixed validation set, a fixed test set. For every function and training
//! size, Sobolev training is run with each candidate derivative-loss form (the paper's plain
//! sum with weight 1 first); the form with the lowest median validation MSE of the values is
//! chosen, and stochastic Sobolev is run with that form. The summary reports medians (on which
//! the verdicts are based), how many seeds each method beats Regular on (the same seed draws
//! the same training points for every method), and mean ± std. A fit whose predictions are
//! not finite is marked `diverged` and counts as a loss with infinite error, never as a NaN.

use kd_core::Result;
use kd_core::data::functions::TestFunction;
use kd_core::models::MlpConfig;
use kd_core::report::chart::{HeatPanel, grouped_bar_chart, heatmaps};
use kd_core::report::stats::median;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};
use kd_core::train::LrSchedule;
use kd_core::train::sobolev::{
    DerivativeLoss, FitSpec, RegressionErrors, Scaling, SobolevMode, evaluate, fit, predict,
};

use crate::claims::is_required;
use crate::context::Context;

pub const NAME: &str = "regression";
/// Seeds of the training, validation and test points are kept apart from the model seeds and
/// from each other.
const TRAIN_POINTS_SEED: u64 = 1_000;
const VALIDATION_POINTS_SEED: u64 = 555_555;
const TEST_POINTS_SEED: u64 = 999_999;
const REGULAR: &str = "regular";
const SOBOLEV: &str = "sobolev";
const STOCHASTIC: &str = "stochastic-sobolev";
const NO_DERIVATIVES: &str = "none";
/// The `derivative_loss` of the stochastic fits: the form chosen on validation for the Sobolev
/// fits of the same function and size (named in `form_used`). A fixed label keeps the
/// configuration columns independent of a choice that may differ between machines.
const CHOSEN: &str = "chosen-on-validation";

fn spec(ctx: &Context, mode: SobolevMode, loss: DerivativeLoss, seed: u64) -> FitSpec {
    let s = &ctx.settings;
    FitSpec {
        model: MlpConfig::plain(&[2, s.hidden, s.hidden, 1]),
        mode,
        derivative_weight: loss.weight,
        derivative_scale: loss.scale,
        steps: s.steps,
        lr: s.lr,
        schedule: LrSchedule::Cosine {
            final_fraction: 0.0,
            warmup_epochs: 0,
        },
        seed,
    }
}

/// The training, validation and test points of `f` in scaled units.
pub fn point_sets(
    f: TestFunction,
    scaling: &Scaling,
    n_train: usize,
    seed: u64,
    validation: usize,
    test: usize,
) -> [kd_core::train::sobolev::RegressionSet; 3] {
    [
        scaling.sample(f, n_train, TRAIN_POINTS_SEED + seed),
        scaling.sample(f, validation, VALIDATION_POINTS_SEED),
        scaling.sample(f, test, TEST_POINTS_SEED),
    ]
}

const HEADER: [&str; 12] = [
    "function",
    "n_train",
    "method",
    "derivative_loss",
    "seed",
    "form_used",
    "status",
    "val_value_mse",
    "test_value_mse",
    "test_gradient_mse",
    "test_value_mse_original",
    "test_gradient_mse_original",
];

fn fmt_mse(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6e}")
    } else {
        "inf".into()
    }
}

pub fn run(ctx: &Context) -> Result<()> {
    let device = &ctx.trainer.device;
    let s = &ctx.settings;
    let mut table = Table::new(&HEADER);
    let grid = heatmap_grid(s.heatmap_grid);
    for &f in &s.functions {
        let scaling = Scaling::of(f);
        // The first seed's fits on the smallest set, for the heat map: (method, loss, values).
        let mut shown: Vec<(String, String, Vec<f64>)> = Vec::new();
        for n in s.train_sizes {
            let fit_one = |table: &mut Table,
                           shown: &mut Vec<(String, String, Vec<f64>)>,
                           mode: SobolevMode,
                           loss: Option<DerivativeLoss>,
                           seed: u64| {
                let [train, val, test] =
                    point_sets(f, &scaling, n, seed, s.validation_points, s.test_points);
                let model = fit(
                    &spec(ctx, mode, loss.unwrap_or(DerivativeLoss::PAPER), seed),
                    &train,
                    device,
                );
                let v = evaluate(&model, &val, &scaling, device);
                let e = evaluate(&model, &test, &scaling, device);
                let ok = v.is_finite() && e.is_finite();
                let form_used = loss.map_or(NO_DERIVATIVES.to_string(), |l| l.name());
                let loss_name = match mode {
                    SobolevMode::Stochastic => CHOSEN.to_string(),
                    _ => form_used.clone(),
                };
                if n == s.train_sizes[0] && seed == ctx.regression_seeds[0] && ok {
                    let (values, _) = predict(&model, &grid, device);
                    shown.push((
                        mode.name().to_string(),
                        form_used.clone(),
                        values.iter().map(|&v| v as f64).collect(),
                    ));
                }
                let errors = if ok { e } else { diverged() };
                table.push(vec![
                    f.name().into(),
                    n.to_string(),
                    mode.name().into(),
                    loss_name,
                    seed.to_string(),
                    form_used,
                    if ok { "ok" } else { "diverged" }.into(),
                    fmt_mse(if ok { v.value_mse } else { f64::INFINITY }),
                    fmt_mse(errors.value_mse),
                    fmt_mse(errors.gradient_mse),
                    fmt_mse(errors.value_mse_original),
                    fmt_mse(errors.gradient_mse_original),
                ]);
            };
            for &seed in &ctx.regression_seeds {
                fit_one(&mut table, &mut shown, SobolevMode::Regular, None, seed);
            }
            for &loss in &s.derivative_candidates {
                for &seed in &ctx.regression_seeds {
                    fit_one(
                        &mut table,
                        &mut shown,
                        SobolevMode::Sobolev,
                        Some(loss),
                        seed,
                    );
                }
            }
            let chosen_name = chosen_loss(&table, f.name(), n)?;
            let chosen = s
                .derivative_candidates
                .iter()
                .copied()
                .find(|l| l.name() == chosen_name)
                .expect("the chosen loss is a candidate");
            for &seed in &ctx.regression_seeds {
                fit_one(
                    &mut table,
                    &mut shown,
                    SobolevMode::Stochastic,
                    Some(chosen),
                    seed,
                );
            }
        }
        let chosen_small = chosen_loss(&table, f.name(), s.train_sizes[0])?;
        let fits: Vec<(String, Vec<f64>)> = shown
            .into_iter()
            .filter(|(m, l, _)| m == REGULAR || (m == SOBOLEV && *l == chosen_small))
            .map(|(m, l, v)| {
                (
                    if m == REGULAR {
                        m
                    } else {
                        format!("{m} ({l})")
                    },
                    v,
                )
            })
            .collect();
        heatmap(ctx, f, &scaling, &grid, fits)?;
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let functions: Vec<String> = s.functions.iter().map(|f| f.name().to_string()).collect();
    for n in s.train_sizes {
        let mut series: Vec<(String, Vec<MeanStd>)> = Vec::new();
        for (label, method, paper_form) in [
            ("regular", REGULAR, false),
            ("sobolev, as in the paper", SOBOLEV, true),
            ("sobolev, chosen on validation", SOBOLEV, false),
            ("stochastic sobolev", STOCHASTIC, false),
        ] {
            let mut bars = Vec::new();
            for f in &functions {
                let v = cell(&table, f, n, method, paper_form)?.test_value;
                // A median bar (no error bar): the verdicts use medians.
                bars.push(MeanStd {
                    mean: median(&v),
                    std: 0.0,
                    n: v.len(),
                });
            }
            series.push((label.to_string(), bars));
        }
        grouped_bar_chart(
            &ctx.out.join(format!("{NAME}-{n}.svg")),
            &format!("Median test MSE of the values (scaled units), {n} training points"),
            "median test MSE (log scale)",
            &functions,
            &series,
            true,
        )?;
    }

    let mut sec = Section::new(NAME, "Regression on the 2-D test functions (§4.1)");
    sec.text(&format!(
        "MLP 2-{h}-{h}-1 (ReLU), full-batch Adam (lr {lr}, cosine to 0, {steps} steps, eps \
         1e-8); inputs mapped onto [-1, 1]^2 and outputs standardised per function (see \
         `kd_core::train::sobolev`). Candidate derivative losses: {cands} (`absolute-x1` is the \
         paper's plain sum of squared errors with weight 1; `relative` divides the derivative \
         error by the mean squared norm of the training gradients). The Sobolev form is chosen \
         per function and training size by the lowest median value MSE on {vp} validation \
         points; stochastic Sobolev uses the chosen form. Test MSE over {tp} fresh uniform \
         points, {seeds} seeds (each seed draws its own training points). Cells: **median** \
         (verdicts use it), then `[wins/seeds]` against Regular on the same training points; \
         `regression.csv` has every fit, also in the functions' own units.",
        h = s.hidden,
        lr = s.lr,
        steps = s.steps,
        cands = s
            .derivative_candidates
            .iter()
            .map(|l| format!("`{}`", l.name()))
            .collect::<Vec<_>>()
            .join(", "),
        vp = s.validation_points,
        tp = s.test_points,
        seeds = ctx.regression_seeds.len()
    ));
    sec.text(crate::paper::REGRESSION_SOURCES);
    for (what, get) in [
        (
            "value",
            (|c: &Cell| c.test_value.clone()) as fn(&Cell) -> Vec<f64>,
        ),
        ("gradient", |c: &Cell| c.test_gradient.clone()),
    ] {
        let mut rows = Vec::new();
        let mut mean_rows = Vec::new();
        for f in &functions {
            for n in s.train_sizes {
                let regular = cell(&table, f, n, REGULAR, false)?;
                let paper = cell(&table, f, n, SOBOLEV, true)?;
                let chosen = cell(&table, f, n, SOBOLEV, false)?;
                let stochastic = cell(&table, f, n, STOCHASTIC, false)?;
                let r = get(&regular);
                let mut row = vec![f.clone(), n.to_string(), sci(median(&r))];
                let mut mrow = vec![f.clone(), n.to_string(), mean_std(&r)];
                for c in [&paper, &chosen, &stochastic] {
                    let v = get(c);
                    row.push(format!(
                        "{} [{}/{}]",
                        sci(median(&v)),
                        wins(&v, &r),
                        v.len()
                    ));
                    mrow.push(mean_std(&v));
                }
                row.push(chosen.loss.clone());
                mean_rows.push(mrow);
                rows.push(row);
            }
        }
        let header = [
            "function",
            "n_train",
            "Regular",
            "Sobolev, as in the paper",
            "Sobolev, chosen on validation",
            "Stochastic Sobolev",
            "chosen form",
        ];
        sec.text(&format!(
            "Test {what} MSE (scaled units): median [seeds where it beats Regular]:"
        ));
        sec.table(&header, &rows);
        sec.text(&format!(
            "Test {what} MSE, mean ± std over the fits that did not diverge (diverged fits \
             are counted in the medians and wins above as infinite errors):"
        ));
        sec.table(&header[..6], &mean_rows);
    }
    let status = table.require_column("status")?;
    let diverged = table
        .rows
        .iter()
        .filter(|r| r[status] != "ok")
        .map(|r| r[..status].join(" "))
        .collect::<Vec<_>>();
    sec.text(&if diverged.is_empty() {
        "No fit diverged.".to_string()
    } else {
        format!("Diverged fits: {}.", diverged.join("; "))
    });
    for c in claims(&table)? {
        sec.claim(c);
    }
    sec.write(&ctx.out)
}

fn diverged() -> RegressionErrors {
    RegressionErrors {
        value_mse: f64::INFINITY,
        gradient_mse: f64::INFINITY,
        value_mse_original: f64::INFINITY,
        gradient_mse_original: f64::INFINITY,
    }
}

fn sci(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2e}")
    } else {
        "diverged".into()
    }
}

fn mean_std(v: &[f64]) -> String {
    let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() {
        return "all diverged".into();
    }
    let m = MeanStd::of(&finite);
    let mut out = format!("{:.2e} ± {:.1e}", m.mean, m.std);
    if finite.len() < v.len() {
        out.push_str(&format!(" ({} diverged)", v.len() - finite.len()));
    }
    out
}

/// Seeds on which `method` has a lower error than `regular` (same seed, same points).
fn wins(method: &[f64], regular: &[f64]) -> usize {
    method.iter().zip(regular).filter(|(m, r)| m < r).count()
}

/// The fits of one method on one function and training-set size, in seed order.
struct Cell {
    loss: String,
    test_value: Vec<f64>,
    test_gradient: Vec<f64>,
}

/// The derivative loss with the lowest median validation MSE of the Sobolev fits of `f` with
/// `n` points (the first of equals: the paper's form is listed first).
fn chosen_loss(table: &Table, f: &str, n: usize) -> Result<String> {
    let n = n.to_string();
    let mut best: Option<(f64, String)> = None;
    for loss in table.distinct("derivative_loss")? {
        let filter = [
            ("function", f),
            ("n_train", n.as_str()),
            ("method", SOBOLEV),
            ("derivative_loss", loss.as_str()),
        ];
        if table.rows_where(&filter)?.is_empty() {
            continue;
        }
        let m = median(&table.numbers_where("val_value_mse", &filter)?);
        if best.as_ref().is_none_or(|(b, _)| m < *b) {
            best = Some((m, loss));
        }
    }
    best.map(|(_, l)| l).ok_or_else(|| {
        kd_core::KdError::Report(format!("{NAME}: no Sobolev fits of {f} with {n} points"))
    })
}

/// The fits of `method` on (`f`, `n`): for Sobolev, those of the paper's form when
/// `paper_form`, else those of the form chosen on validation.
fn cell(table: &Table, f: &str, n: usize, method: &str, paper_form: bool) -> Result<Cell> {
    let loss = match method {
        REGULAR => NO_DERIVATIVES.to_string(),
        SOBOLEV if paper_form => DerivativeLoss::PAPER.name(),
        SOBOLEV => chosen_loss(table, f, n)?,
        _ => CHOSEN.to_string(),
    };
    let n_s = n.to_string();
    let filter = [
        ("function", f),
        ("n_train", n_s.as_str()),
        ("method", method),
        ("derivative_loss", loss.as_str()),
    ];
    let form_col = table.require_column("form_used")?;
    let loss = match table.rows_where(&filter)?.first() {
        Some(row) => row[form_col].clone(),
        None => {
            return Err(kd_core::KdError::Report(format!(
                "{NAME}: no {method} fits ({loss}) of {f} with {n} points"
            )));
        }
    };
    Ok(Cell {
        test_value: table.numbers_where("test_value_mse", &filter)?,
        test_gradient: table.numbers_where("test_gradient_mse", &filter)?,
        loss,
    })
}

pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let functions = table.distinct("function")?;
    let mut sizes: Vec<usize> = table
        .distinct("n_train")?
        .iter()
        .map(|n| {
            n.parse()
                .map_err(|_| kd_core::KdError::Report(format!("n_train `{n}` is not a count")))
        })
        .collect::<Result<_>>()?;
    sizes.sort();
    let (Some(&small), Some(&large)) = (sizes.first(), sizes.last()) else {
        return Err(kd_core::KdError::Report(format!(
            "{NAME}: the table has no rows"
        )));
    };
    let claim = |id: String, statement: String, lhs: (&str, f64), rel, rhs: (&str, f64)| Claim {
        required: is_required(&id),
        id,
        statement,
        lhs_label: lhs.0.into(),
        lhs: lhs.1,
        relation: rel,
        rhs_label: rhs.0.into(),
        rhs: rhs.1,
    };
    let med = |f: &str, n: usize, m: &str| -> Result<f64> {
        Ok(median(&cell(table, f, n, m, false)?.test_value))
    };
    let mut out = Vec::new();
    let mut log_ratio = [0.0f64; 2];
    for f in &functions {
        for (i, n) in [small, large].into_iter().enumerate() {
            let regular = med(f, n, REGULAR)?;
            let sobolev = med(f, n, SOBOLEV)?;
            log_ratio[i] += (regular / sobolev).ln() / functions.len() as f64;
            out.push(claim(
                format!("{NAME}/{f}-{n}-sobolev-beats-regular"),
                format!(
                    "{f}: Sobolev training (form chosen on validation) has a lower median test \
                     MSE than Regular with {n} points"
                ),
                ("Sobolev median test MSE", sobolev),
                Relation::Less,
                ("Regular median test MSE", regular),
            ));
        }
        out.push(claim(
            format!("{NAME}/{f}-{small}-stochastic-beats-regular"),
            format!(
                "{f}: stochastic Sobolev has a lower median test MSE than Regular with {small} \
                 points"
            ),
            (
                "stochastic Sobolev median test MSE",
                med(f, small, STOCHASTIC)?,
            ),
            Relation::Less,
            ("Regular median test MSE", med(f, small, REGULAR)?),
        ));
    }
    out.push(claim(
        format!("{NAME}/largest-gap-with-fewest-points"),
        format!(
            "Sobolev's advantage (geometric mean over functions of the Regular/Sobolev median \
             test MSE) is larger with {small} points than with {large}"
        ),
        ("mean log(Regular/Sobolev), fewest points", log_ratio[0]),
        Relation::Greater,
        ("mean log(Regular/Sobolev), most points", log_ratio[1]),
    ));
    Ok(out)
}

/// Cell centres of a `g` x `g` grid over [-1, 1]^2 (scaled inputs), row-major with y outer.
fn heatmap_grid(g: usize) -> Vec<[f32; 2]> {
    (0..g)
        .flat_map(|j| (0..g).map(move |i| (i, j)))
        .map(|(i, j)| {
            [
                -1.0 + (2 * i + 1) as f32 / g as f32,
                -1.0 + (2 * j + 1) as f32 / g as f32,
            ]
        })
        .collect()
}

/// `heatmap-<function>.svg`: the true function beside the Regular and Sobolev fits of the first
/// seed on the smallest training set, training points marked.
fn heatmap(
    ctx: &Context,
    f: TestFunction,
    scaling: &Scaling,
    grid: &[[f32; 2]],
    fits: Vec<(String, Vec<f64>)>,
) -> Result<()> {
    let s = &ctx.settings;
    let n = s.train_sizes[0];
    let train = scaling.sample(f, n, TRAIN_POINTS_SEED + ctx.regression_seeds[0]);
    let to_x = |u: f32, k: usize| scaling.center[k] + scaling.half_width[k] * u as f64;
    let truth: Vec<f64> = grid
        .iter()
        .map(|u| (f.value(to_x(u[0], 0), to_x(u[1], 1)) - scaling.mean) / scaling.std)
        .collect();
    let points: Vec<(f64, f64)> = train
        .inputs
        .iter()
        .map(|u| (to_x(u[0], 0), to_x(u[1], 1)))
        .collect();
    let mut panels = vec![HeatPanel {
        title: format!("{} (true)", f.name()),
        values: truth,
        points: vec![],
    }];
    for (label, values) in fits {
        panels.push(HeatPanel {
            title: format!("{label}, {n} points"),
            values,
            points: points.clone(),
        });
    }
    let ([x0, x1], [y0, y1]) = f.domain();
    heatmaps(
        &ctx.out.join(format!("heatmap-{}.svg", f.name())),
        &format!(
            "{}: true function and fits from {n} points (standardised values)",
            f.name()
        ),
        &panels,
        (s.heatmap_grid, s.heatmap_grid),
        (x0, x1),
        (y0, y1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kd_core::data::functions::ALL_FUNCTIONS;

    /// Training (every seed), validation and test points share no input point.
    #[test]
    fn training_validation_and_test_points_are_disjoint() {
        for f in ALL_FUNCTIONS {
            let scaling = Scaling::of(f);
            let mut seen = std::collections::HashSet::new();
            let [_, val, test] = point_sets(f, &scaling, 1, 1, 1000, 10_000);
            let mut all: Vec<[f32; 2]> = val.inputs.iter().chain(&test.inputs).copied().collect();
            for seed in 1..=10 {
                let [train, _, _] = point_sets(f, &scaling, 100, seed, 1, 1);
                all.extend(train.inputs);
            }
            for p in all {
                assert!(
                    seen.insert([p[0].to_bits(), p[1].to_bits()]),
                    "{f:?}: {p:?} repeats"
                );
            }
        }
    }

    #[test]
    fn the_chosen_loss_is_the_lowest_median_on_validation() {
        let mut t = Table::new(&HEADER);
        for (loss, vals) in [
            ("absolute-x1", [1.0, 9.0, 2.0]),
            ("relative-x1", [1.5, 1.5, 1.6]),
        ] {
            for (seed, v) in vals.iter().enumerate() {
                let mut row = vec![
                    "booth".to_string(),
                    "20".into(),
                    SOBOLEV.into(),
                    loss.into(),
                    seed.to_string(),
                    loss.into(),
                    "ok".into(),
                    v.to_string(),
                ];
                row.extend(["1", "1", "1", "1"].map(String::from));
                t.push(row);
            }
        }
        // Medians 2.0 vs 1.5 (the mean would pick the other).
        assert_eq!(chosen_loss(&t, "booth", 20).unwrap(), "relative-x1");
    }
}
