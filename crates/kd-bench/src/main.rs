//! `kd-bench`: one training step of every net the papers train, timed here and (when a Python
//! with PyTorch is given) in a PyTorch twin of the same step (`scripts/torch_steps.py`), on the
//! same cores with the same thread count, one after the other in one run. Writes
//! `steps.csv` (ms per step and samples/s for both, the ratio) and `steps.svg` into `--out`.
//!
//! Each case is timed twice here: with Burn 0.22.1's own CPU kernels (`unpatched`, the state
//! before issue 8) and with the kernels of the workspace's burn-flex patch (`ours`, the default
//! build), so before and after come from the same sitting too.
//!
//! `scripts/bench_steps.sh` creates the PyTorch environment and runs this.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use burn::prelude::Device;
use clap::Parser;
use kd_core::data::Augment;
use kd_core::methods::{HardLabels, LogitMatch, Method, Sobolev, SoftTargets};
use kd_core::models::{
    Activation, CnnBook, LeNetConfig, MlpConfig, ModelSpec, Net, PlainCnnConfig, ResNetConfig,
    Shortcut,
};
use kd_core::report::chart::bar_chart;
use kd_core::report::{MeanStd, Table};
use kd_core::train::OptimizerSpec;
use kd_core::train::harness::{StepHarness, TeacherMode, noise_images};
use kd_core::{KdError, Result};

mod ops;

#[derive(Parser, Debug)]
#[command(about = "Training-step speed beside a PyTorch twin (see scripts/bench_steps.sh)")]
struct Cli {
    /// Timed steps per case (the median is reported).
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Threads for both frameworks.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A Python with PyTorch: also time the twin of each step (scripts/torch_steps.py).
    #[arg(long, value_name = "PYTHON")]
    python: Option<PathBuf>,
    /// Output directory for steps.csv and steps.svg.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only these cases (comma-separated); all by default.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Time single layers (forward, backward to the input, backward to the parameters) instead
    /// of whole steps; writes ops.csv.
    #[arg(long)]
    ops: bool,
    /// Skip timing with Burn's own kernels (the `unpatched` columns stay empty).
    #[arg(long)]
    no_unpatched: bool,
}

const BATCH: usize = 128;

/// One benchmark case: what the PyTorch twin implements under the same name.
struct Case {
    name: &'static str,
    what: &'static str,
    model: ModelSpec,
    method: Method,
    optimizer: OptimizerSpec,
    input: [usize; 3],
    augment: Augment,
    teacher: Option<ModelSpec>,
    mode: TeacherMode,
}

fn conv_sgd() -> OptimizerSpec {
    OptimizerSpec::Sgd {
        lr: 0.01,
        momentum: 0.9,
        nesterov: false,
        weight_decay: 5e-4,
    }
}

fn cases() -> Vec<Case> {
    let digits = [1, 28, 28];
    let cifar = [3, 32, 32];
    let teacher = ModelSpec::Mlp(MlpConfig {
        widths: vec![784, 1200, 1200, 10],
        activation: Activation::Relu,
        input_dropout: 0.2,
        hidden_dropout: 0.5,
        max_norm: Some(3.5),
        input_noise: 0.0,
    });
    let plain_teacher = ModelSpec::Mlp(MlpConfig::plain(&[784, 1200, 1200, 10]));
    let student = ModelSpec::Mlp(MlpConfig::plain(&[784, 800, 800, 10]));
    let hard = Method::HardLabels(HardLabels {});
    let soft = SoftTargets::new(20.0, 0.1);
    let mlp =
        |name, what, model: &ModelSpec, method: &Method, teacher: Option<&ModelSpec>, mode| Case {
            name,
            what,
            model: model.clone(),
            method: method.clone(),
            optimizer: OptimizerSpec::nesterov_sgd(0.01),
            input: digits,
            augment: Augment::none(),
            teacher: teacher.cloned(),
            mode,
        };
    let conv = |name, what, model: ModelSpec, input| Case {
        name,
        what,
        model,
        method: hard.clone(),
        optimizer: conv_sgd(),
        input,
        augment: if input == cifar {
            Augment::crop_and_flip(4)
        } else {
            Augment::none()
        },
        teacher: None,
        mode: TeacherMode::Cached,
    };
    let plane = |depth| {
        ModelSpec::from(
            PlainCnnConfig::takd(CnnBook::Cifar10, depth, cifar, 10).expect("a book depth"),
        )
    };
    vec![
        mlp(
            "mlp-teacher",
            "784-1200-1200-10, dropout 0.2/0.5, max-norm 3.5, hard labels, Nesterov SGD",
            &teacher,
            &hard,
            None,
            TeacherMode::Cached,
        ),
        mlp(
            "mlp-student-hard",
            "784-800-800-10, hard labels, Nesterov SGD",
            &student,
            &hard,
            None,
            TeacherMode::Cached,
        ),
        mlp(
            "mlp-student-distilled-cached",
            "784-800-800-10, soft targets T=20 from cached teacher logits",
            &student,
            &Method::SoftTargets(soft.clone()),
            Some(&plain_teacher),
            TeacherMode::Cached,
        ),
        mlp(
            "mlp-student-distilled-live",
            "784-800-800-10, soft targets T=20, teacher 784-1200-1200-10 forward every step",
            &student,
            &Method::SoftTargets(soft.clone()),
            Some(&plain_teacher),
            TeacherMode::Live,
        ),
        mlp(
            "sobolev-jvp",
            "784-300-300-10, soft targets T=4 + Jacobian projection (forward mode), teacher 1200-1200",
            &ModelSpec::Mlp(MlpConfig::plain(&[784, 300, 300, 10])),
            &Method::Sobolev(Sobolev {
                logits: LogitMatch::SoftTargets(SoftTargets::new(4.0, 0.0)),
                jacobian_weight: 1.0,
            }),
            Some(&plain_teacher),
            TeacherMode::Cached,
        ),
        conv(
            "lenet5",
            "LeNet-5 on 1x28x28, hard labels, SGD momentum 0.9 + wd 5e-4",
            LeNetConfig::lenet5(digits, 10).into(),
            digits,
        ),
        conv(
            "plane2",
            "TAKD plane2 (CIFAR-10 book), 3x32x32, crop+flip",
            plane(2),
            cifar,
        ),
        conv(
            "plane4",
            "TAKD plane4 (CIFAR-10 book), 3x32x32, crop+flip",
            plane(4),
            cifar,
        ),
        conv(
            "plane10",
            "TAKD plane10 (CIFAR-10 book), 3x32x32, crop+flip",
            plane(10),
            cifar,
        ),
        conv(
            "resnet8",
            "CIFAR ResNet-8, shortcut A, 3x32x32, crop+flip",
            ResNetConfig::new(8, Shortcut::A, cifar, 10).into(),
            cifar,
        ),
        conv(
            "resnet20",
            "CIFAR ResNet-20, shortcut B, 3x32x32, crop+flip",
            ResNetConfig::new(20, Shortcut::B, cifar, 10).into(),
            cifar,
        ),
        conv(
            "resnet56",
            "CIFAR ResNet-56, shortcut B, 3x32x32, crop+flip",
            ResNetConfig::new(56, Shortcut::B, cifar, 10).into(),
            cifar,
        ),
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median milliseconds per step of `case` here.
fn time_ours(case: &Case, cli: &Cli) -> Result<f64> {
    let device = Device::flex();
    let teachers: Vec<Net> = case
        .teacher
        .iter()
        .map(|t| {
            use burn::module::Module;
            t.init(2, &device.clone().autodiff()).valid()
        })
        .collect();
    let set = noise_images(case.input, BATCH);
    let mut harness = StepHarness::new(
        &case.model,
        &case.method,
        &case.optimizer,
        &set,
        BATCH,
        case.augment.clone(),
        &teachers,
        case.mode,
        &device,
    )?;
    for _ in 0..cli.warmup {
        harness.step();
    }
    let times = (0..cli.steps)
        .map(|_| {
            let t = Instant::now();
            harness.step();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    Ok(median(times))
}

/// Runs `f` with the burn-flex patch's kernels on or off, and switches them back on after.
fn with_patch<T>(enabled: bool, f: impl FnOnce() -> T) -> T {
    burn_flex::kd_patch::set_patched_kernels(enabled);
    let out = f();
    burn_flex::kd_patch::set_patched_kernels(true);
    out
}

/// Median milliseconds of each case (or op, with `--ops`) in the PyTorch twin, by name.
fn time_torch(python: &PathBuf, cli: &Cli, names: &[&str]) -> Result<serde_json::Value> {
    let script = kd_core::fsio::workspace_root().join("scripts/torch_steps.py");
    let mut command = Command::new(python);
    if cli.ops {
        command.arg(&script).arg("--ops");
    } else {
        command.arg(&script);
    }
    let out = command
        .args(["--steps", &cli.steps.to_string()])
        .args(["--warmup", &cli.warmup.to_string()])
        .args(["--threads", &cli.threads.to_string()])
        .args(["--only", &names.join(",")])
        .output()
        .map_err(|e| KdError::Report(format!("could not run {}: {e}", python.display())))?;
    if !out.status.success() {
        return Err(KdError::Report(format!(
            "the PyTorch twin failed ({}); is PyTorch installed for {}? Run \
             scripts/bench_steps.sh, which creates the environment. Its error:\n{}",
            out.status,
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| KdError::Report(format!("the PyTorch twin printed no JSON: {e}")))
}

fn run(cli: Cli) -> Result<()> {
    // Before anything touches Rayon's global pool (Burn's flex computes there).
    kd_core::perf::tune_process_with_threads(Some(cli.threads));
    if rayon::current_num_threads() != cli.threads {
        return Err(KdError::Config(format!(
            "could not run on {} threads (Rayon's pool has {})",
            cli.threads,
            rayon::current_num_threads()
        )));
    }
    if cli.ops {
        return run_ops(&cli);
    }
    let all = cases();
    let known: Vec<&str> = all.iter().map(|c| c.name).collect();
    if let Some(bad) = cli.only.iter().find(|o| !known.contains(&o.as_str())) {
        return Err(KdError::Config(format!(
            "unknown case `{bad}` in --only; choose from: {}",
            known.join(", ")
        )));
    }
    let selected: Vec<&Case> = all
        .iter()
        .filter(|c| cli.only.is_empty() || cli.only.iter().any(|o| o == c.name))
        .collect();
    let names: Vec<&str> = selected.iter().map(|c| c.name).collect();
    // PyTorch first, then ours, each case after the other: one sitting, the same cores.
    let torch = match &cli.python {
        Some(p) => Some(time_torch(p, &cli, &names)?),
        None => None,
    };
    let machine = kd_core::perf::machine_description();
    let mut table = Table::new(&[
        "step",
        "description",
        "batch",
        "threads",
        "ours_ms",
        "ours_samples_per_s",
        "unpatched_ms",
        "torch_ms",
        "torch_samples_per_s",
        "ratio_torch_over_ours",
        "ratio_torch_over_unpatched",
        "machine",
    ]);
    let mut bars = Vec::new();
    for case in &selected {
        let unpatched = if cli.no_unpatched {
            None
        } else {
            Some(with_patch(false, || time_ours(case, &cli))?)
        };
        let ours = with_patch(true, || time_ours(case, &cli))?;
        let theirs = torch
            .as_ref()
            .and_then(|t| t.get(case.name))
            .and_then(|v| v.as_f64());
        let per_s = |ms: f64| format!("{:.0}", BATCH as f64 / (ms / 1e3));
        let ratio = theirs.map(|t| t / ours);
        let ratio_unpatched = theirs.zip(unpatched).map(|(t, u)| t / u);
        eprintln!(
            "{:<30} ours {:>9.2} ms  unpatched {:>9}  torch {:>9}  ratio {} (unpatched {})",
            case.name,
            ours,
            unpatched.map_or("-".into(), |u| format!("{u:.2} ms")),
            theirs.map_or("-".into(), |t| format!("{t:.2} ms")),
            ratio.map_or("-".into(), |r| format!("{r:.2}x")),
            ratio_unpatched.map_or("-".into(), |r| format!("{r:.2}x"))
        );
        table.push(vec![
            case.name.into(),
            case.what.into(),
            BATCH.to_string(),
            cli.threads.to_string(),
            format!("{ours:.3}"),
            per_s(ours),
            unpatched.map_or(String::new(), |u| format!("{u:.3}")),
            theirs.map_or(String::new(), |t| format!("{t:.3}")),
            theirs.map_or(String::new(), per_s),
            ratio.map_or(String::new(), |r| format!("{r:.3}")),
            ratio_unpatched.map_or(String::new(), |r| format!("{r:.3}")),
            machine.clone(),
        ]);
        let bar = |mean| MeanStd {
            mean,
            std: 0.0,
            n: 1,
        };
        if let (Some(r), Some(u)) = (ratio, ratio_unpatched) {
            bars.push((format!("{} (Burn's kernels)", case.name), bar(u)));
            bars.push((case.name.to_string(), bar(r)));
        }
    }
    table.write(&cli.out.join("steps.csv"))?;
    if !bars.is_empty() {
        bar_chart(
            &cli.out.join("steps.svg"),
            &format!(
                "PyTorch time / ours per step ({machine}, {} threads)",
                cli.threads
            ),
            "ratio (above 1: we are faster)",
            &bars,
        )?;
    }
    eprintln!("wrote {}", cli.out.join("steps.csv").display());
    Ok(())
}

/// `--ops`: every layer of [`ops::ops`], ours and (with `--python`) PyTorch's, into ops.csv.
fn run_ops(cli: &Cli) -> Result<()> {
    let all = ops::ops();
    let known: Vec<&str> = all.iter().map(|o| o.name).collect();
    if let Some(bad) = cli.only.iter().find(|o| !known.contains(&o.as_str())) {
        return Err(ops::unknown(bad, &known));
    }
    let selected: Vec<&ops::Op> = all
        .iter()
        .filter(|o| cli.only.is_empty() || cli.only.iter().any(|n| n == o.name))
        .collect();
    // Prototypes (`-im2col`) have no twin.
    let names: Vec<&str> = selected
        .iter()
        .map(|o| o.name)
        .filter(|n| !n.ends_with("-im2col"))
        .collect();
    let torch = match &cli.python {
        Some(p) if !names.is_empty() => Some(time_torch(p, cli, &names)?),
        _ => None,
    };
    let machine = kd_core::perf::machine_description();
    let mut table = Table::new(&[
        "op",
        "description",
        "batch",
        "threads",
        "ours_forward_ms",
        "ours_input_grad_ms",
        "ours_param_grad_ms",
        "unpatched_forward_ms",
        "unpatched_input_grad_ms",
        "unpatched_param_grad_ms",
        "torch_forward_ms",
        "torch_input_grad_ms",
        "torch_param_grad_ms",
        "machine",
    ]);
    let fmt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    for op in &selected {
        let (un_fwd, un_dx, un_dw) = if cli.no_unpatched {
            (f64::NAN, f64::NAN, None)
        } else {
            with_patch(false, || ops::time_op(op, BATCH, cli.warmup, cli.steps))
        };
        let (fwd, dx, dw) = with_patch(true, || ops::time_op(op, BATCH, cli.warmup, cli.steps));
        let theirs = torch
            .as_ref()
            .and_then(|t| t.get(op.name))
            .and_then(|v| v.as_array());
        let at = |i: usize| theirs.and_then(|a| a.get(i)).and_then(|v| v.as_f64());
        eprintln!(
            "{:<16} ours fwd {fwd:8.2} dx {dx:8.2} dw {:>8}   unpatched fwd {un_fwd:8.2} dx \
             {un_dx:8.2} dw {:>8}   torch fwd {:>8} dx {:>8} dw {:>8}",
            op.name,
            fmt(dw),
            fmt(un_dw),
            fmt(at(0)),
            fmt(at(1)),
            fmt(at(2))
        );
        table.push(vec![
            op.name.into(),
            op.what.into(),
            BATCH.to_string(),
            cli.threads.to_string(),
            format!("{fwd:.3}"),
            format!("{dx:.3}"),
            fmt(dw),
            format!("{un_fwd:.3}"),
            format!("{un_dx:.3}"),
            fmt(un_dw),
            fmt(at(0)),
            fmt(at(1)),
            fmt(at(2)),
            machine.clone(),
        ]);
    }
    table.write(&cli.out.join("ops.csv"))?;
    eprintln!("wrote {}", cli.out.join("ops.csv").display());
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
