//! Experiment 1 (§4.1): Regular vs Sobolev vs stochastic Sobolev regression of the seven 2-D
//! test functions from 20 and 100 uniformly drawn points, errors on 10,000 fresh points.

use kd_core::Result;
use kd_core::data::functions::{ALL_FUNCTIONS, TestFunction};
use kd_core::models::MlpConfig;
use kd_core::report::chart::{HeatPanel, grouped_bar_chart, heatmaps};
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};
use kd_core::train::LrSchedule;
use kd_core::train::sobolev::{
    DerivativeScale, FitSpec, RegressionErrors, Scaling, SobolevMode, evaluate, fit, predict,
};

use crate::context::Context;

pub const NAME: &str = "regression";
const MODES: [SobolevMode; 3] = [
    SobolevMode::Regular,
    SobolevMode::Sobolev,
    SobolevMode::Stochastic,
];
/// The columns of the summary's MSE tables: one per mode of `MODES`.
const TABLE_HEADER: [&str; 5] = [
    "function",
    "n_train",
    "Regular",
    "Sobolev",
    "Stochastic Sobolev",
];
/// Seeds of the training points and of the test points are kept apart from the model seeds.
const TRAIN_POINTS_SEED: u64 = 1_000;
const TEST_POINTS_SEED: u64 = 999_999;

struct Cell {
    function: TestFunction,
    n_train: usize,
    mode: SobolevMode,
    errors: Vec<RegressionErrors>,
}

impl Cell {
    /// Mean ± std over seeds of one error measure.
    fn over_seeds(&self, measure: impl Fn(&RegressionErrors) -> f64) -> MeanStd {
        MeanStd::of(&self.errors.iter().map(measure).collect::<Vec<_>>())
    }
    fn value(&self) -> MeanStd {
        self.over_seeds(|e| e.value_mse)
    }
    fn gradient(&self) -> MeanStd {
        self.over_seeds(|e| e.gradient_mse)
    }
    fn value_original(&self) -> MeanStd {
        self.over_seeds(|e| e.value_mse_original)
    }
}

fn spec(ctx: &Context, mode: SobolevMode, seed: u64) -> FitSpec {
    let s = &ctx.settings;
    FitSpec {
        model: MlpConfig::plain(&[2, s.hidden, s.hidden, 1]),
        mode,
        derivative_weight: 1.0,
        derivative_scale: s.derivative_scale,
        steps: s.steps,
        lr: s.lr,
        schedule: LrSchedule::Cosine {
            final_fraction: 0.0,
            warmup_epochs: 0,
        },
        seed,
    }
}

fn sci(m: MeanStd) -> String {
    format!("{:.2e} ± {:.1e}", m.mean, m.std)
}

pub fn run(ctx: &Context) -> Result<()> {
    let device = &ctx.trainer.device;
    let s = &ctx.settings;
    let mut table = Table::new(&[
        "function",
        "n_train",
        "method",
        "seed",
        "test_value_mse",
        "test_gradient_mse",
        "test_value_mse_original",
        "test_gradient_mse_original",
    ]);
    let mut cells: Vec<Cell> = Vec::new();
    let grid = heatmap_grid(s.heatmap_grid);
    for f in ALL_FUNCTIONS {
        let scaling = Scaling::of(f);
        let test = scaling.sample(f, s.test_points, TEST_POINTS_SEED);
        // The heat map shows the first seed's Regular and Sobolev fits on the smallest set.
        let mut fits_shown: Vec<(SobolevMode, Vec<f64>)> = Vec::new();
        for n in s.train_sizes {
            for mode in MODES {
                let mut errors = Vec::new();
                for &seed in &ctx.regression_seeds {
                    // Each seed draws its own training points and initialisation.
                    let train = scaling.sample(f, n, TRAIN_POINTS_SEED + seed);
                    let model = fit(&spec(ctx, mode, seed), &train, device);
                    let e = evaluate(&model, &test, &scaling, device);
                    if n == s.train_sizes[0]
                        && seed == ctx.regression_seeds[0]
                        && mode != SobolevMode::Stochastic
                    {
                        let (values, _) = predict(&model, &grid, device);
                        fits_shown.push((mode, values.iter().map(|&v| v as f64).collect()));
                    }
                    table.push(vec![
                        f.name().into(),
                        n.to_string(),
                        mode.name().into(),
                        seed.to_string(),
                        format!("{:.6e}", e.value_mse),
                        format!("{:.6e}", e.gradient_mse),
                        format!("{:.6e}", e.value_mse_original),
                        format!("{:.6e}", e.gradient_mse_original),
                    ]);
                    errors.push(e);
                }
                cells.push(Cell {
                    function: f,
                    n_train: n,
                    mode,
                    errors,
                });
            }
        }
        heatmap(ctx, f, &scaling, &grid, fits_shown)?;
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let cell = |f: TestFunction, n: usize, m: SobolevMode| {
        cells
            .iter()
            .find(|c| c.function == f && c.n_train == n && c.mode == m)
            .expect("every cell was trained")
    };
    let groups: Vec<String> = ALL_FUNCTIONS.iter().map(|f| f.name().to_string()).collect();
    for n in s.train_sizes {
        let series: Vec<(String, Vec<MeanStd>)> = MODES
            .iter()
            .map(|&m| {
                (
                    m.name().to_string(),
                    ALL_FUNCTIONS
                        .iter()
                        .map(|&f| cell(f, n, m).value())
                        .collect(),
                )
            })
            .collect();
        grouped_bar_chart(
            &ctx.out.join(format!("{NAME}-{n}.svg")),
            &format!("Test MSE of the values (scaled units), {n} training points"),
            "test MSE (log scale)",
            &groups,
            &series,
            true,
        )?;
    }

    let mut sec = Section::new(NAME, "Regression on the 2-D test functions (§4.1)");
    sec.text(&format!(
        "MLP 2-{h}-{h}-1 (ReLU), full-batch Adam (lr {lr}, cosine to 0, {steps} steps, eps \
         1e-8), derivative weight 1 on the {scale} derivative error; inputs mapped onto [-1, 1]^2 and outputs standardised per \
         function (see `kd_core::train::sobolev`). Test MSE over {tp} fresh uniform points, \
         mean ± std over {seeds} seeds (each seed draws its own training points). Values first, \
         then gradients (squared Euclidean error), in scaled units; `regression.csv` also has \
         both in the functions' own units. The paper's numbers are not at hand: ours only.",
        h = s.hidden,
        scale = match s.derivative_scale {
            DerivativeScale::Absolute => "absolute (as the paper writes the loss)",
            DerivativeScale::Relative => {
                "relative (divided by the mean squared norm of the training gradients)"
            }
        },
        lr = s.lr,
        steps = s.steps,
        tp = s.test_points,
        seeds = ctx.regression_seeds.len()
    ));
    for (what, get) in [
        ("value", Cell::value as fn(&Cell) -> MeanStd),
        ("gradient", Cell::gradient as fn(&Cell) -> MeanStd),
    ] {
        let rows: Vec<Vec<String>> = ALL_FUNCTIONS
            .iter()
            .flat_map(|&f| s.train_sizes.iter().map(move |&n| (f, n)))
            .map(|(f, n)| {
                let mut row = vec![f.name().to_string(), n.to_string()];
                row.extend(MODES.iter().map(|&m| sci(get(cell(f, n, m)))));
                row
            })
            .collect();
        sec.text(&format!("Test {what} MSE (scaled units):"));
        sec.table(&TABLE_HEADER, &rows);
    }
    let rows: Vec<Vec<String>> = ALL_FUNCTIONS
        .iter()
        .map(|&f| {
            let n = s.train_sizes[0];
            let mut row = vec![f.name().to_string(), n.to_string()];
            row.extend(MODES.iter().map(|&m| sci(cell(f, n, m).value_original())));
            row
        })
        .collect();
    sec.text("Test value MSE in the functions' own units, smallest training set:");
    sec.table(&TABLE_HEADER, &rows);

    let [small, large] = s.train_sizes;
    let mut log_ratio = [0.0f64; 2];
    for f in ALL_FUNCTIONS {
        for (i, n) in [small, large].into_iter().enumerate() {
            let regular = cell(f, n, SobolevMode::Regular).value().mean;
            let sobolev = cell(f, n, SobolevMode::Sobolev).value().mean;
            log_ratio[i] += (regular / sobolev).ln() / ALL_FUNCTIONS.len() as f64;
            sec.claim(Claim {
                id: format!("{NAME}/{}-{n}-sobolev-beats-regular", f.name()),
                statement: format!(
                    "{}: Sobolev training has a lower test MSE than Regular with {n} points",
                    f.name()
                ),
                lhs_label: "Sobolev test MSE".into(),
                lhs: sobolev,
                relation: Relation::Less,
                rhs_label: "Regular test MSE".into(),
                rhs: regular,
                required: false,
            });
        }
        let stochastic = cell(f, small, SobolevMode::Stochastic).value().mean;
        let regular = cell(f, small, SobolevMode::Regular).value().mean;
        sec.claim(Claim {
            id: format!("{NAME}/{}-{small}-stochastic-beats-regular", f.name()),
            statement: format!(
                "{}: stochastic Sobolev does better than Regular with {small} points (it sits \
                 between Regular and Sobolev, or beyond Sobolev)",
                f.name()
            ),
            lhs_label: "stochastic Sobolev test MSE".into(),
            lhs: stochastic,
            relation: Relation::Less,
            rhs_label: "Regular test MSE".into(),
            rhs: regular,
            required: false,
        });
    }
    sec.claim(Claim {
        id: format!("{NAME}/largest-gap-with-fewest-points"),
        statement: format!(
            "Sobolev's advantage (geometric mean over functions of Regular/Sobolev test MSE) is \
             larger with {small} points than with {large}"
        ),
        lhs_label: format!("mean log(Regular/Sobolev), {small} points"),
        lhs: log_ratio[0],
        relation: Relation::Greater,
        rhs_label: format!("mean log(Regular/Sobolev), {large} points"),
        rhs: log_ratio[1],
        required: false,
    });
    sec.write(&ctx.out)
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
    fits: Vec<(SobolevMode, Vec<f64>)>,
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
    for (mode, values) in fits {
        panels.push(HeatPanel {
            title: format!("{}, {n} points", mode.name()),
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
