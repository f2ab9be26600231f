//! The command-line conventions every paper binary shares: the same flags, profiles and output
//! layout (`results/<paper>/<profile>`), so `--help` reads the same everywhere.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::Device;
use clap::{Args, Parser, ValueEnum};

use crate::data::{DatasetInfo, Locations, SplitSpec, Splits, dataset_info, load_dataset};
use crate::error::{KdError, Result};
use crate::report::Summary;
use crate::runs::{RunStore, git_commit};
use crate::train::{Shard, Trainer};

/// A dataset as a paper's run uses it: its catalogue entry, where it was found, its splits.
pub struct LoadedData {
    pub info: DatasetInfo,
    pub dir: PathBuf,
    pub splits: Splits,
}

/// What every paper binary's `run` does around its own experiments: it notes when it started and
/// the code that runs, times each selected experiment, states where the numbers come from and
/// assembles `summary.md`.
pub struct Invocation {
    started: Instant,
    /// Read at the start: the code that runs is the code at the start, whatever changes
    /// meanwhile.
    code: String,
}

impl Invocation {
    pub fn begin() -> Self {
        Invocation {
            started: Instant::now(),
            code: git_commit(),
        }
    }

    pub fn minutes(&self) -> f64 {
        self.started.elapsed().as_secs_f64() / 60.0
    }

    /// Runs `run` for each experiment of `selected` in order, reporting each one's time.
    pub fn run_experiments(
        &self,
        selected: &[&str],
        mut run: impl FnMut(&str) -> Result<()>,
    ) -> Result<()> {
        for name in selected {
            let t0 = Instant::now();
            run(name)?;
            eprintln!("{name}: done in {:.0} s", t0.elapsed().as_secs_f64());
        }
        Ok(())
    }

    /// The summary's provenance bullet: the device and machine, the code, the runs `trainer`
    /// handed out and their training time, and this invocation's time.
    pub fn provenance(&self, args: &CommonArgs, trainer: &Trainer) -> String {
        let (runs_used, training_minutes) = trainer.training_time();
        format!(
            "- device `{}` ({}), code `{}`; the {runs_used} trained runs used took \
             {training_minutes:.1} min of training; this invocation took {:.1} min (runs \
             already in the run store are reused)",
            args.device,
            crate::perf::machine_description(),
            self.code,
            self.minutes()
        )
    }

    /// Assembles `out/summary.md` (and `claims.csv`) from the sections in `order` under
    /// `title` and `preamble`, and says so.
    pub fn write_summary(
        &self,
        out: &Path,
        title: &str,
        preamble: &str,
        order: &[&str],
    ) -> Result<()> {
        Summary::assemble(out, title, preamble, order)?;
        eprintln!(
            "wrote {} in {:.1} min",
            out.join("summary.md").display(),
            self.minutes()
        );
        Ok(())
    }
}

/// The `main` of every paper binary: parses the command line, runs `run`, and turns an error
/// into one `error: ...` line on stderr and a non-zero exit status (never a panic).
pub fn run_main<C: Parser>(run: impl FnOnce(C) -> Result<()>) -> ExitCode {
    let cli = C::parse();
    crate::perf::tune_process();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How much compute a reproduction spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Seconds: a few hundred samples, one seed; checks that everything runs (tests).
    Smoke,
    /// Minutes on two cores (a few per paper): CI runs it afresh and fails when a claim that
    /// holds in the committed `ci` results fails in the fresh run.
    Ci,
    /// Minutes on a laptop CPU, offline, on the bundled data; reproduces the paper's claims.
    Cpu,
    /// The full dataset on two CPU cores in about an hour (where a paper defines it).
    Full,
    /// The paper's full schedules on the full dataset; meant for a GPU (`--features cuda`).
    Paper,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Smoke => "smoke",
            Profile::Ci => "ci",
            Profile::Cpu => "cpu",
            Profile::Full => "full",
            Profile::Paper => "paper",
        }
    }
}

/// The most seeds one invocation accepts: far beyond any power calculation's need (the
/// verdicts' seed counts stop at `report::verdict::MAX_SEEDS`), and small enough that the seed
/// list and its runs' bookkeeping are never an allocation failure (issue 20: `--seeds
/// 4000000000` aborted).
pub const MAX_SEEDS: usize = 10_000;

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// smoke (seconds), ci (minutes: run afresh by CI), cpu (default:
    /// minutes on a laptop, bundled data), full (the full dataset on 2 CPU cores, where a paper
    /// defines it) or paper (full schedules on the full dataset, for a GPU).
    #[arg(long, value_enum, default_value = "cpu")]
    pub profile: Profile,

    /// Dataset name: mnist-10k (bundled, the default of smoke/cpu), mnist (downloaded once,
    /// the default of paper) or fashion-mnist (Debian package dataset-fashion-mnist).
    #[arg(long)]
    pub dataset: Option<String>,

    /// Directory holding the dataset's four IDX files (or a <dataset> subdirectory); tried
    /// before $KD_DATA_DIR/<dataset>, data/<dataset>, the system package and a download.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Output directory [default: results/<paper>/<profile>, with -<dataset> appended for a
    /// non-default dataset].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of seeds per configuration [default: the profile's, see the paper's --help].
    #[arg(long, value_name = "N")]
    pub seeds: Option<usize>,

    /// Run only these experiments (comma-separated).
    #[arg(long, value_name = "EXPERIMENT[,..]", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Continue interrupted training runs from their last epoch checkpoint (same final
    /// numbers as an uninterrupted run). Without it an interrupted run starts over.
    #[arg(long)]
    pub resume: bool,

    /// cpu (Burn's flex backend), cuda[:N] (needs --features cuda) or wgpu (needs --features wgpu).
    #[arg(long, default_value = "cpu")]
    pub device: String,

    /// Where trained runs are stored and reused [default: runs/ in the workspace].
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,

    /// Print the run graph the selected experiments need (each run: stored or to train, its
    /// teachers, a rough cost) and train nothing; no results are written.
    #[arg(long)]
    pub plan: bool,

    /// With --plan: `text` (the default) or `slurm`, a Slurm script that trains the graph level
    /// by level as job arrays of --shards tasks sharing --runs-dir, then writes the results.
    #[arg(long, value_enum, default_value = "text", requires = "plan")]
    pub emit: Emit,

    /// With --emit slurm: tasks per job array [default: the widest level's run count, at most 64].
    #[arg(long, value_name = "N", requires = "plan")]
    pub shards: Option<usize>,

    /// Train only shard I of N of the run graph: the runs whose key falls to this shard and
    /// whose teachers are already in the run store. Several processes (or machines) sharing
    /// --runs-dir finish the graph, each key trained once; then run without --shard to write
    /// the results. No results are written by a sharded run.
    #[arg(long, value_name = "I/N", conflicts_with = "plan")]
    pub shard: Option<Shard>,
}

/// What `--plan` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    Text,
    Slurm,
}

pub use crate::fsio::workspace_root;

impl CommonArgs {
    pub fn dataset_or(&self, default: &str) -> String {
        self.dataset.clone().unwrap_or_else(|| default.to_string())
    }

    /// The seeds `1..=N`: `--seeds N`, else the profile's `default` count; N from 1 to
    /// [`MAX_SEEDS`].
    pub fn seeds_or(&self, default: usize) -> Result<Vec<u64>> {
        let n = self.seeds.unwrap_or(default);
        if n == 0 || n > MAX_SEEDS {
            return Err(KdError::Config(format!(
                "--seeds {n}: give a number of seeds from 1 to {MAX_SEEDS}"
            )));
        }
        Ok((1..=n as u64).collect())
    }

    /// Whether this invocation only walks the run graph (`--plan`, `--shard`): stand-in
    /// models, no results written.
    pub fn walks_graph_only(&self) -> bool {
        self.plan || self.shard.is_some()
    }

    /// Where the results go, checked before any training (issue 20: an `--out` naming a file
    /// or a read-only directory used to fail only after all the training): an existing
    /// directory must accept a file, a new one must be creatable under its nearest existing
    /// parent. Nothing is created here.
    pub fn out_dir(&self, paper: &str, default_dataset: &str) -> Result<PathBuf> {
        if self.walks_graph_only() {
            // Planning walks the experiments on stand-in models: their tables go to scratch.
            return Ok(std::env::temp_dir().join(format!("kd-plan-{paper}-{}", std::process::id())));
        }
        let out = match &self.out {
            Some(o) => o.clone(),
            None => {
                let mut name = self.profile.name().to_string();
                let dataset = self.dataset_or(default_dataset);
                if dataset != default_dataset {
                    name = format!("{name}-{}", dataset.trim_end_matches("-mnist"));
                }
                workspace_root().join("results").join(paper).join(name)
            }
        };
        check_writable_dir(&out)?;
        Ok(out)
    }

    /// The trainer these flags ask for: `--device`, `--runs-dir`, `--resume`, and a progress bar
    /// when stderr is a terminal.
    pub fn trainer(&self) -> Result<Trainer> {
        let device = parse_device(&self.device)?;
        let mut trainer = Trainer::new(device, &self.device, RunStore::new(self.runs_dir()));
        trainer.resume = self.resume;
        trainer.progress = std::io::stderr().is_terminal();
        Ok(match (self.plan, self.shard) {
            (_, Some(shard)) => trainer.sharded(shard),
            (true, None) => trainer.planning(),
            (false, None) => trainer,
        })
    }

    /// When planning: prints the plan the experiments recorded (as text or a Slurm script);
    /// when sharded: what this shard trained and what waits. Then removes the scratch output
    /// `out` and returns true (the caller stops there); otherwise returns false.
    pub fn finish_plan(&self, trainer: &Trainer, out: &Path) -> Result<bool> {
        let Some(plan) = trainer.plan() else {
            return Ok(false);
        };
        let _ = std::fs::remove_dir_all(out);
        match (trainer.shard(), self.emit) {
            (Some(shard), _) => eprint!("{}", plan.shard_report(shard, &trainer.store)?),
            (None, Emit::Text) => print!("{}", plan.render()),
            (None, Emit::Slurm) => {
                let widest = plan.levels().iter().map(Vec::len).max().unwrap_or(1);
                let shards = self.shards.unwrap_or(widest.clamp(1, 64));
                if shards == 0 {
                    return Err(KdError::Config("--shards must be at least 1".into()));
                }
                let runs_dir = std::path::absolute(self.runs_dir())
                    .map_err(|e| KdError::Config(format!("--runs-dir: {e}")))?;
                print!(
                    "{}",
                    plan.slurm_script(
                        &invocation_for_shards(),
                        shards,
                        &runs_dir.to_string_lossy()
                    )
                );
            }
        }
        Ok(true)
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.runs_dir
            .clone()
            .unwrap_or_else(|| workspace_root().join("runs"))
    }

    /// The experiments to run: those `--only` names (checked against `known`), else the
    /// profile's `defaults`.
    pub fn experiments<'a>(&self, known: &[&'a str], defaults: &[&'a str]) -> Result<Vec<&'a str>> {
        if self.only.is_empty() {
            Ok(defaults.to_vec())
        } else {
            self.selected(known)
        }
    }

    /// The named dataset (found as `--data-dir` and the catalogue say) split as `split`.
    pub fn load_splits(&self, name: &str, split: &SplitSpec) -> Result<LoadedData> {
        let info = dataset_info(name)?;
        let dataset = load_dataset(&info, &Locations::standard(self.data_dir.clone()))?;
        let splits = Splits::new(&dataset, split);
        Ok(LoadedData {
            info,
            dir: dataset.dir,
            splits,
        })
    }

    /// The experiments to run: all of `known`, or those `--only` names (unknown names are an
    /// error listing the valid ones).
    pub fn selected<'a>(&self, known: &[&'a str]) -> Result<Vec<&'a str>> {
        if self.only.is_empty() {
            return Ok(known.to_vec());
        }
        for o in &self.only {
            if !known.contains(&o.as_str()) {
                return Err(KdError::Config(format!(
                    "unknown experiment `{o}` in --only; choose from: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(known
            .iter()
            .copied()
            .filter(|k| self.only.iter().any(|o| o == k))
            .collect())
    }
}

/// This process's command line, the binary as an absolute path, without the flags a sharded
/// task or the results job sets itself (`--plan`, `--emit`, `--shards`, `--shard`,
/// `--runs-dir`).
fn invocation_for_shards() -> Vec<String> {
    const DROP: [&str; 1] = ["--plan"];
    const DROP_WITH_VALUE: [&str; 4] = ["--emit", "--shards", "--shard", "--runs-dir"];
    let mut words = std::env::args();
    let binary = words.next().unwrap_or_default();
    let binary = std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or(binary);
    let mut out = vec![binary];
    while let Some(word) = words.next() {
        let name = word.split_once('=').map_or(word.as_str(), |(n, _)| n);
        if DROP.contains(&name) {
            continue;
        }
        if DROP_WITH_VALUE.contains(&name) {
            if !word.contains('=') {
                words.next();
            }
            continue;
        }
        out.push(word);
    }
    out
}

/// The plain device a `--device` value names.
pub fn parse_device(spec: &str) -> Result<Device> {
    let (kind, index) = match spec.split_once(':') {
        Some((k, i)) => (
            k,
            i.parse::<usize>().map_err(|_| {
                KdError::Config(format!("--device {spec}: `{i}` is not a device index"))
            })?,
        ),
        None => (spec, 0),
    };
    match kind {
        "cpu" | "flex" if !spec.contains(':') => Ok(Device::flex()),
        "cpu" | "flex" => Err(KdError::Config(format!(
            "--device {spec}: the CPU device takes no index"
        ))),
        "cuda" => cuda_device(index),
        "wgpu" => wgpu_device(),
        other => Err(KdError::Config(format!(
            "--device {other}: unknown device; use cpu, cuda[:N] or wgpu"
        ))),
    }
}

#[cfg(feature = "cuda")]
fn cuda_device(index: usize) -> Result<Device> {
    Ok(Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(_index: usize) -> Result<Device> {
    Err(KdError::Config(
        "--device cuda: this binary was built without CUDA; rebuild with `--features cuda`".into(),
    ))
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device> {
    Ok(Device::wgpu(burn::prelude::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device> {
    Err(KdError::Config(
        "--device wgpu: this binary was built without wgpu; rebuild with `--features wgpu`".into(),
    ))
}

/// Fails unless `dir` is (or could be created as) a directory this process can write into:
/// the nearest existing ancestor must be a directory accepting a new file (probed with a
/// temporary file that is removed at once).
pub fn check_writable_dir(dir: &Path) -> Result<()> {
    let bad = |why: String| {
        KdError::Config(format!(
            "--out {}: {why}; choose a directory you can write into",
            dir.display()
        ))
    };
    let mut probe_in = dir;
    loop {
        if probe_in.exists() {
            break;
        }
        match probe_in.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe_in = p,
            _ => {
                probe_in = Path::new(".");
                break;
            }
        }
    }
    if !probe_in.is_dir() {
        return Err(bad(format!(
            "{} exists and is not a directory",
            probe_in.display()
        )));
    }
    let probe = probe_in.join(format!(".kd-write-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| bad(format!("cannot write into {} ({e})", probe_in.display())))?;
    std::fs::remove_file(&probe).map_err(|e| KdError::io(&probe, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_output_directory_is_checked_before_any_training() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        for out in [file.clone(), file.join("below")] {
            let e = check_writable_dir(&out).unwrap_err().to_string();
            assert!(
                e.contains("is not a directory") && e.contains("--out"),
                "{e}"
            );
        }
        // A new directory under a writable one is fine, and nothing is created.
        let new = tmp.path().join("new/deeper");
        check_writable_dir(&new).unwrap();
        assert!(!tmp.path().join("new").exists());
        check_writable_dir(tmp.path()).unwrap();
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            1,
            "the probe is removed"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let ro = tmp.path().join("read-only");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
            // root ignores permission bits: only a non-root user sees the refusal.
            if std::fs::write(ro.join("t"), "x").is_err() {
                let e = check_writable_dir(&ro).unwrap_err().to_string();
                assert!(e.contains("cannot write into"), "{e}");
            }
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
    }

    #[test]
    fn defaults_and_only() {
        let cli = Cli::parse_from(["x", "--only", "b,a"]);
        assert_eq!(cli.common.profile, Profile::Cpu);
        assert_eq!(cli.common.seeds_or(3).unwrap(), [1, 2, 3]);
        let two = Cli::parse_from(["x", "--seeds", "2"]).common;
        assert_eq!(two.seeds_or(5).unwrap(), [1, 2]);
        let zero = Cli::parse_from(["x", "--seeds", "0"]).common;
        assert!(zero.seeds_or(5).is_err());
        for huge in ["4000000000", "18446744073709551615"] {
            let cli = Cli::try_parse_from(["x", "--seeds", huge]).unwrap();
            let e = cli.common.seeds_or(5).unwrap_err().to_string();
            assert!(e.contains("from 1 to 10000"), "{e}");
        }
        assert_eq!(
            cli.common.selected(&["a", "b", "c"]).unwrap(),
            vec!["a", "b"]
        );
        let err = Cli::parse_from(["x", "--only", "zz"])
            .common
            .selected(&["a"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("choose from: a"), "{err}");
        let out = Cli::parse_from(["x", "--dataset", "fashion-mnist"])
            .common
            .out_dir("hinton2015", "mnist-10k")
            .unwrap();
        assert!(out.ends_with("results/hinton2015/cpu-fashion"), "{out:?}");
        assert!(Cli::try_parse_from(["x", "--profile", "huge"]).is_err());
    }

    #[test]
    fn devices() {
        assert!(parse_device("cpu").is_ok());
        assert!(
            parse_device("tpu")
                .unwrap_err()
                .to_string()
                .contains("unknown device")
        );
        assert!(parse_device("cuda:x").is_err());
        assert!(
            parse_device("cpu:3")
                .unwrap_err()
                .to_string()
                .contains("no index")
        );
        #[cfg(not(feature = "cuda"))]
        assert!(
            parse_device("cuda")
                .unwrap_err()
                .to_string()
                .contains("--features cuda")
        );
    }
}
