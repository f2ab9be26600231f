//! What the paper binaries' command-line tests share: running a binary offline on a scratch
//! output directory and run store, reading what it said and wrote, and driving `--shard`.
//! A dev-dependency of the paper crates only; nothing here is part of the product.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A paper binary under test (`Binary(env!("CARGO_BIN_EXE_repro-<paper>"))`).
#[derive(Debug, Clone, Copy)]
pub struct Binary(pub &'static str);

impl Binary {
    /// `BIN ARGS --out OUT --runs-dir RUNS`, offline (`KD_OFFLINE=1`: no download is tried).
    pub fn command(&self, args: &[&str], out: &Path, runs: &Path) -> Command {
        let mut c = Command::new(self.0);
        c.args(args)
            .arg("--out")
            .arg(out)
            .arg("--runs-dir")
            .arg(runs)
            .env("KD_OFFLINE", "1");
        c
    }

    /// [`Binary::command`], run to completion.
    pub fn run(&self, args: &[&str], out: &Path, runs: &Path) -> Output {
        self.command(args, out, runs)
            .output()
            .expect("the binary starts")
    }

    /// `BIN --profile smoke EXTRA --out OUT --runs-dir RUNS`, offline.
    pub fn smoke_command(&self, out: &Path, runs: &Path, extra: &[&str]) -> Command {
        let mut args = vec!["--profile", "smoke"];
        args.extend(extra);
        self.command(&args, out, runs)
    }

    /// [`Binary::smoke_command`], run to completion.
    pub fn smoke(&self, out: &Path, runs: &Path, extra: &[&str]) -> Output {
        self.smoke_command(out, runs, extra)
            .output()
            .expect("the binary starts")
    }

    /// `--profile PROFILE --plan` on the run store `runs`: the plan printed on stdout.
    pub fn plan(&self, profile: &str, runs: &Path) -> String {
        let o = Command::new(self.0)
            .args(["--profile", profile, "--plan", "--runs-dir"])
            .arg(runs)
            .env("KD_OFFLINE", "1")
            .output()
            .expect("the binary starts");
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Shards 1/2 and 2/2 of the smoke profile's `extra` experiments, both at once on the run
    /// store `shared` (output to `scratch`, which a shard must leave unwritten), pass after
    /// pass until neither has a run waiting for a teacher: the keys they trained, sorted.
    pub fn train_in_two_shards(
        &self,
        scratch: &Path,
        shared: &Path,
        extra: &[&str],
        max_passes: usize,
    ) -> Vec<String> {
        let mut trained = Vec::new();
        for pass in 0.. {
            assert!(pass < max_passes, "the shards never finished the graph");
            let children: Vec<_> = ["1/2", "2/2"]
                .iter()
                .map(|shard| {
                    let mut args = extra.to_vec();
                    args.extend(["--shard", shard]);
                    self.smoke_command(scratch, shared, &args)
                        .stderr(Stdio::piped())
                        .stdout(Stdio::null())
                        .spawn()
                        .expect("the binary starts")
                })
                .collect();
            let outputs: Vec<Output> = children
                .into_iter()
                .map(|c| c.wait_with_output().expect("the shard finishes"))
                .collect();
            for o in &outputs {
                assert!(o.status.success(), "{}", stderr(o));
                trained.extend(trained_keys(o));
            }
            assert!(!scratch.exists(), "a shard writes no results");
            if outputs
                .iter()
                .all(|o| stderr(o).contains(" 0 of its runs wait for teachers"))
            {
                break;
            }
        }
        trained.sort();
        trained
    }
}

/// What the binary wrote on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The number of lines of `dir/file`.
pub fn lines(dir: &Path, file: &str) -> usize {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
        .lines()
        .count()
}

/// The keys of the runs the invocation trained (its `<label>: training run <key>` lines).
pub fn trained_keys(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter_map(|l| {
            l.split_once(": training run ")
                .map(|(_, k)| k.trim().to_string())
        })
        .collect()
}

/// The keys a printed `--plan` would train (its `train` rows).
pub fn keys_to_train(plan: &str) -> Vec<String> {
    plan.lines()
        .filter(|l| l.contains("  train  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every CSV file of `dir` (name, bytes), sorted by name: what two invocations must agree on.
pub fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

/// CIFAR-10's six batch files in the official binary layout in `dir`, `n` records each, pixels
/// from a fixed pseudo-random sequence and labels cycling through the classes.
pub fn write_cifar10(dir: &Path, n: usize) {
    use kd_core::data::dataset_info;
    use kd_core::data::formats::cifar::encode_cifar;
    std::fs::create_dir_all(dir).expect("a scratch directory");
    let mut state = 12345u32;
    let mut byte = move || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (state >> 16) as u8
    };
    for file in dataset_info("cifar10").expect("in the catalogue").files {
        let labels: Vec<Vec<u8>> = (0..n).map(|i| vec![(i % 10) as u8]).collect();
        let pixels: Vec<u8> = (0..n * 3072).map(|_| byte()).collect();
        std::fs::write(dir.join(&file.name), encode_cifar(&labels, &pixels))
            .expect("a scratch file");
    }
}
