//! Experiment 1 (§4.1): Regular vs Sobolev vs stochastic Sobolev regression of the 2-D test
//! functions from 20 and 100 uniformly drawn points; the derivative term's form chosen on a
//! validation set, errors on 10,000 fresh test points.
//!
//! Three point sets per function, drawn with separate seeds from the uniform distribution on
//! the domain (so they share no point, almost surely; a test checks): training points (their
//! own per seed), a fixed validation set, a fixed test set. For every function and training
//! size, Sobolev training is run with each candidate derivative-loss form (the paper's plain
//! sum with weight 1 first); the form with the lowest median validation MSE of the values is
//! chosen, and stochastic Sobolev is run with that form. The summary reports medians, how many
//! seeds each method beats Regular on (the same seed draws the same training points for every
//! method), and mean ± std; the verdicts pair the fits by seed (see [`claims`]). A fit whose predictions are
//! not finite is marked `diverged` and counts as a loss with infinite error, never as a NaN.

use kd_core::Result;
use kd_core::data::functions::TestFunction;
use kd_core::models::MlpConfig;
use kd_core::report::chart::{HeatPanel, grouped_bar_chart, heatmaps};
use kd_core::report::stats::median;
use kd_core::report::summary::Section;
use kd_core::report::{Arm, Claim, MeanStd, Relation, Table};
use kd_core::train::LrSchedule;
use kd_core::train::sobolev::{
    DerivativeLoss, FitSpec, RegressionErrors, Scaling, SobolevMode, evaluate, fit, predict,
};

use crate::claims::is_central;
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
                // A median bar (no error bar): robust to one seed's outlier.
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
         points, {seeds} seeds (each seed draws its own training points). Cells: **median**, \
         then `[wins/seeds]` against Regular on the same training points; the verdicts pair \
         each seed's fits (a one-sided paired t-test on the test MSEs); \
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

/// The per-seed test value MSEs of `method` on (`f`, `n`): for Sobolev, of the form chosen on
/// validation (lowest median validation MSE, [`chosen_loss`]); for stochastic Sobolev, of its
/// fits with that form. One arm of a claim, paired by seed (a seed's fits of every method
/// share the training points and the initialisation).
fn test_per_seed(table: &Table, f: &str, n: usize, method: &str) -> Result<Vec<(u64, f64)>> {
    let loss = match method {
        REGULAR => NO_DERIVATIVES.to_string(),
        SOBOLEV => chosen_loss(table, f, n)?,
        _ => CHOSEN.to_string(),
    };
    let n = n.to_string();
    table.per_seed(
        "test_value_mse",
        &[
            ("function", f),
            ("n_train", n.as_str()),
            ("method", method),
            ("derivative_loss", loss.as_str()),
        ],
    )
}

/// The claims of the regression table, every arm per seed. Per function and size: Sobolev
/// (the form chosen on validation) has a lower test MSE than Regular, compared seed by seed on
/// log10 of the MSEs (one-sided paired t-test on the per-seed log ratio; a diverged fit's
/// infinite error makes the claim descriptive). On log10 because a function's MSEs span decades
/// between seeds (ackley-20: 20.8 against 0.15), so on raw MSEs one seed decides the test; the
/// gap claim and `kd-check compare` use log10 for the same reason. Chosen after the raw form's
/// verdicts had been seen (results/sobolev/LEDGER.md). The 20-vs-100 claim compares, per seed, the mean over functions of
/// log10(Regular / Sobolev test MSE) with the fewest points against the same with the most
/// (a ratio: the MSEs span decades between functions); before issue 19 it compared the same
/// quantity of the per-function medians.
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
    let claim = |id: String, statement: String, lhs: (&str, Arm), rhs: (&str, Arm)| {
        let central = is_central(&id);
        Claim::new(id, statement, lhs, Relation::Less, rhs, central)
    };
    let mut out = Vec::new();
    // Per size: per function, the per-seed log10(Regular / Sobolev).
    let mut log_ratios: [Vec<Vec<(u64, f64)>>; 2] = [Vec::new(), Vec::new()];
    for f in &functions {
        for (i, n) in [small, large].into_iter().enumerate() {
            let regular = test_per_seed(table, f, n, REGULAR)?;
            let sobolev = test_per_seed(table, f, n, SOBOLEV)?;
            if let Arm::PerSeed(r) = Arm::combine(&[&regular, &sobolev], |v| (v[0] / v[1]).log10())
            {
                log_ratios[i].push(r);
            }
            out.push(claim(
                format!("{NAME}/{f}-{n}-sobolev-beats-regular"),
                format!(
                    "{f}: Sobolev training (form chosen on validation) has a lower test MSE \
                     than Regular with {n} points"
                ),
                ("log10 Sobolev test MSE", Arm::PerSeed(log10(&sobolev))),
                ("log10 Regular test MSE", Arm::PerSeed(log10(&regular))),
            ));
        }
        out.push(claim(
            format!("{NAME}/{f}-{small}-stochastic-beats-regular"),
            format!(
                "{f}: stochastic Sobolev has a lower test MSE than Regular with {small} points"
            ),
            (
                "log10 stochastic Sobolev test MSE",
                Arm::PerSeed(log10(&test_per_seed(table, f, small, STOCHASTIC)?)),
            ),
            (
                "log10 Regular test MSE",
                Arm::PerSeed(log10(&test_per_seed(table, f, small, REGULAR)?)),
            ),
        ));
    }
    let mean_over_functions = |per_function: &[Vec<(u64, f64)>]| {
        let arms: Vec<&[(u64, f64)]> = per_function.iter().map(|v| v.as_slice()).collect();
        Arm::combine(&arms, |v| v.iter().sum::<f64>() / v.len() as f64)
    };
    let id = format!("{NAME}/largest-gap-with-fewest-points");
    out.push(Claim::new(
        id.clone(),
        format!(
            "Sobolev's advantage (per seed, the mean over functions of log10(Regular / Sobolev \
             test MSE)) is larger with {small} points than with {large}"
        ),
        (
            format!("mean log10(Regular/Sobolev), {small} points").as_str(),
            mean_over_functions(&log_ratios[0]),
        ),
        Relation::Greater,
        (
            format!("mean log10(Regular/Sobolev), {large} points").as_str(),
            mean_over_functions(&log_ratios[1]),
        ),
        is_central(&id),
    ));
    Ok(out)
}

/// log10 of each seed's value (an infinite MSE stays infinite: the claim is descriptive).
fn log10(per_seed: &[(u64, f64)]) -> Vec<(u64, f64)> {
    per_seed.iter().map(|&(s, v)| (s, v.log10())).collect()
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
    use kd_core::report::Verdict;

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

    /// One fit's row: validation and test value MSEs, the other columns filled in.
    fn row(
        f: &str,
        n: usize,
        method: &str,
        loss: &str,
        seed: u64,
        val: f64,
        test: f64,
    ) -> Vec<String> {
        let form = if method == STOCHASTIC {
            "relative-x1"
        } else {
            loss
        };
        vec![
            f.to_string(),
            n.to_string(),
            method.into(),
            loss.into(),
            seed.to_string(),
            form.into(),
            "ok".into(),
            val.to_string(),
            test.to_string(),
            "1".into(),
            "1".into(),
            "1".into(),
        ]
    }

    #[test]
    fn the_chosen_loss_is_the_lowest_median_on_validation() {
        let mut t = Table::new(&HEADER);
        // Validation: medians 2.0 vs 1.5 (the mean would pick the other); test: the other way
        // round, so a choice on test would pick `absolute-x1`.
        for (loss, vals, tests) in [
            ("absolute-x1", [1.0, 9.0, 2.0], [0.1, 0.1, 0.1]),
            ("relative-x1", [1.5, 1.5, 1.6], [5.0, 5.0, 5.0]),
        ] {
            for (seed, (v, e)) in vals.iter().zip(tests).enumerate() {
                t.push(row("booth", 20, SOBOLEV, loss, seed as u64, *v, e));
            }
        }
        assert_eq!(chosen_loss(&t, "booth", 20).unwrap(), "relative-x1");
    }

    const REGULAR_TEST: [f64; 4] = [1.0, 8.0, 0.5, 20.0];

    /// The chosen form's test MSE: Regular's times a steady factor a little below 1 per seed.
    fn chosen_test(n: usize, seed: u64) -> f64 {
        let steady = if n == 20 { 0.90 } else { 0.80 };
        REGULAR_TEST[seed as usize - 1] * (steady - 0.01 * seed as f64)
    }

    /// A table of two functions x (20, 100) points x 4 seeds where the Sobolev form chosen on
    /// validation (`relative-x1`) is not the one with the lower test MSE (`absolute-x1`).
    /// Regular's errors vary a lot from seed to seed; the chosen form's are a small, steady
    /// amount below them, seed by seed.
    fn synthetic() -> Table {
        let mut t = Table::new(&HEADER);
        for f in ["booth", "rosenbrock"] {
            for n in [20, 100] {
                for seed in 1..=4u64 {
                    let regular = REGULAR_TEST[seed as usize - 1];
                    t.push(row(f, n, REGULAR, NO_DERIVATIVES, seed, 1.0, regular));
                    // Worse on validation, far better on test.
                    t.push(row(f, n, SOBOLEV, "absolute-x1", seed, 2.0, regular * 0.01));
                    t.push(row(
                        f,
                        n,
                        SOBOLEV,
                        "relative-x1",
                        seed,
                        1.0,
                        chosen_test(n, seed),
                    ));
                    let stochastic = [1.1, 1.0, 0.6, 21.0][seed as usize - 1];
                    t.push(row(f, n, STOCHASTIC, CHOSEN, seed, 1.0, stochastic));
                }
            }
        }
        t
    }

    fn find<'a>(claims: &'a [Claim], id: &str) -> &'a Claim {
        claims.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn claims_use_the_validation_choice_and_pair_by_seed() {
        let claims = claims(&synthetic()).unwrap();
        assert_eq!(claims.len(), 2 * 3 + 1);
        for f in ["booth", "rosenbrock"] {
            for n in [20, 100] {
                let c = find(
                    &claims,
                    &format!("regression/{f}-{n}-sobolev-beats-regular"),
                );
                assert!(c.central);
                // The chosen form's test values, not the test-best form's.
                // On log10 of the MSEs (they span decades between seeds).
                let expected: Vec<(u64, f64)> =
                    (1..=4).map(|s| (s, chosen_test(n, s).log10())).collect();
                assert_eq!(c.lhs, Arm::PerSeed(expected));
                assert_eq!(
                    c.rhs,
                    Arm::PerSeed(
                        (1..=4)
                            .map(|s| (s, REGULAR_TEST[s as usize - 1].log10()))
                            .collect()
                    )
                );
                // Steady per-seed log ratios hold although the arms' spread across seeds is
                // many times the effect. (Picked on test, the test-best form's values would
                // be in the arm instead.)
                assert_eq!(c.verdict(), Verdict::Holds, "{}", c.evidence());
            }
        }
        // Stochastic Sobolev: above Regular on 3 of 4 seeds, below in the mean (one seed):
        // the right direction, not shown.
        let stochastic = find(&claims, "regression/rosenbrock-20-stochastic-beats-regular");
        assert!(!stochastic.central);
        assert_eq!(
            stochastic.lhs,
            Arm::PerSeed(
                [(1, 1.1f64), (2, 1.0), (3, 0.6), (4, 21.0)]
                    .map(|(s, v)| (s, v.log10()))
                    .to_vec()
            )
        );
        assert_eq!(
            stochastic.verdict(),
            Verdict::NotShown,
            "{}",
            stochastic.evidence()
        );
    }

    #[test]
    fn the_gap_claim_is_a_per_seed_mean_log_ratio() {
        let claims = claims(&synthetic()).unwrap();
        let c = find(&claims, "regression/largest-gap-with-fewest-points");
        assert!(c.central);
        assert_eq!(c.relation, Relation::Greater);
        let (Arm::PerSeed(small), Arm::PerSeed(large)) = (&c.lhs, &c.rhs) else {
            panic!("per-seed arms expected");
        };
        let ratio = |n: usize, s: u64| (REGULAR_TEST[s as usize - 1] / chosen_test(n, s)).log10();
        assert_eq!(small.len(), 4);
        assert_eq!(large.len(), 4);
        for (i, s) in (1..=4u64).enumerate() {
            // Both functions have the same values, so the mean over them is one function's.
            assert_eq!(small[i].0, s);
            assert!((small[i].1 - ratio(20, s)).abs() < 1e-12);
            assert!((large[i].1 - ratio(100, s)).abs() < 1e-12);
        }
        // With 100 points the chosen form's gain is larger on every seed: against the claim.
        assert!(small.iter().zip(large).all(|(a, b)| a.1 < b.1));
        assert!(c.verdict().against(), "{}", c.evidence());
    }

    #[test]
    fn a_seed_missing_from_one_arm_is_left_out() {
        let mut t = synthetic();
        t.rows
            .retain(|r| !(r[0] == "booth" && r[2] == SOBOLEV && r[4] == "4"));
        let claims = claims(&t).unwrap();
        let c = find(&claims, "regression/booth-20-sobolev-beats-regular");
        assert_eq!(c.differences().unwrap().len(), 3);
        // The gap statistic needs every function on a seed: seed 4 drops out.
        let gap = find(&claims, "regression/largest-gap-with-fewest-points");
        let Arm::PerSeed(small) = &gap.lhs else {
            panic!("per-seed arm expected");
        };
        assert_eq!(small.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
