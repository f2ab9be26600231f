//! The binary as a user meets it: reproducible output, resume after SIGKILL, and one clear
//! error (non-zero exit, no panic, no result file) for bad data and bad flags.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kd_testing::{Binary, csv_files, stderr, trained_keys};

const BIN: Binary = Binary(env!("CARGO_BIN_EXE_repro-hinton2015"));

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(mut c: Command) -> Output {
    c.output().expect("the binary starts")
}

#[test]
fn same_seed_twice_gives_identical_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for k in ["a", "b"] {
        let o = run(BIN.smoke_command(
            &t.join(format!("out-{k}")),
            &t.join(format!("runs-{k}")),
            &[],
        ));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let a = csv_files(&t.join("out-a"));
    let b = csv_files(&t.join("out-b"));
    assert_eq!(a.len(), 11, "5 experiments x (table + claims) + claims.csv");
    assert_eq!(a, b);
    let summary = std::fs::read_to_string(t.join("out-a/summary.md")).unwrap();
    for section in [
        "MNIST",
        "Temperature sweep",
        "Omitted digit",
        "7s and 8s",
        "ANALOGUE",
    ] {
        assert!(summary.contains(section), "{section}");
    }
}

#[test]
fn two_processes_on_one_store_train_each_key_once() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let alone = run(BIN.smoke_command(&t.join("out-alone"), &t.join("runs-alone"), &[]));
    assert!(alone.status.success(), "{}", stderr(&alone));
    let mut expected = trained_keys(&alone);
    expected.sort();
    assert!(expected.len() > 3, "{expected:?}");

    let shared = t.join("runs-shared");
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|k| {
            BIN.smoke_command(&t.join(format!("out-{k}")), &shared, &[])
                .stderr(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut trained = Vec::new();
    for o in &outputs {
        assert!(o.status.success(), "{}", stderr(o));
        trained.extend(trained_keys(o));
    }
    trained.sort();
    // Every key exactly once between the two processes, the same keys as one process alone.
    assert_eq!(trained, expected);
    for k in ["a", "b"] {
        assert_eq!(
            csv_files(&t.join(format!("out-{k}"))),
            csv_files(&t.join("out-alone"))
        );
    }
}

#[test]
fn plan_lists_the_runs_without_training_and_sees_what_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let runs = t.join("runs");
    let plan = |extra: &[&str]| {
        let mut args = vec!["--plan"];
        args.extend_from_slice(extra);
        let o = run(BIN.smoke_command(&t.join("plan-out"), &runs, &args));
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!t.join("plan-out").exists(), "a plan writes no results");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // Every experiment, walked on stand-ins: the teacher, the MNIST table's two students, the
    // temperature sweep's 17, the omitted-digit and 7s-and-8s students and the regularizer
    // analogue's two 3% students.
    let before = plan(&[]);
    assert!(
        before.contains("24 runs: 0 stored, 0 diverged, 24 to train"),
        "{before}"
    );
    assert!(before.contains("distilled student seed 1 <- "), "{before}");
    assert!(!runs.exists(), "planning touches no run store");
    let trained = run(BIN.smoke_command(&t.join("out"), &runs, &["--only", "mnist-table"]));
    assert!(trained.status.success(), "{}", stderr(&trained));
    let after = plan(&[]);
    assert!(
        after.contains("24 runs: 3 stored, 0 diverged, 21 to train"),
        "{after}"
    );
}

#[test]
fn sigkill_then_resume_gives_the_same_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let only = ["--only", "mnist-table"];
    let straight = run(BIN.smoke_command(&t.join("out-straight"), &t.join("runs-straight"), &only));
    assert!(straight.status.success(), "{}", stderr(&straight));

    // Kill the second run as soon as its first checkpoint exists.
    let runs = t.join("runs-killed");
    let mut child = BIN
        .smoke_command(&t.join("out-killed"), &runs, &only)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let killed = loop {
        let has_checkpoint = std::fs::read_dir(&runs).ok().is_some_and(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.path().join("checkpoint/progress.json").is_file())
        });
        if has_checkpoint {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            break true;
        }
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(killed, "the run finished before a checkpoint was seen");
    assert!(!t.join("out-killed/mnist-table.csv").exists());

    let resumed = run(BIN.smoke_command(
        &t.join("out-killed"),
        &runs,
        &["--only", "mnist-table", "--resume"],
    ));
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(
        stderr(&resumed).contains("resuming after epoch"),
        "{}",
        stderr(&resumed)
    );
    assert_eq!(
        std::fs::read(t.join("out-straight/mnist-table.csv")).unwrap(),
        std::fs::read(t.join("out-killed/mnist-table.csv")).unwrap()
    );
}

#[test]
fn truncated_data_file_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for entry in std::fs::read_dir(workspace().join("data/mnist-10k")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, data.join(p.file_name().unwrap())).unwrap();
    }
    let images = data.join("train-images-idx3-ubyte.gz");
    let bytes = std::fs::read(&images).unwrap();
    std::fs::write(&images, &bytes[..bytes.len() / 3]).unwrap();
    let out = tmp.path().join("out");
    let mut c = BIN.smoke_command(&out, &tmp.path().join("runs"), &[]);
    c.arg("--data-dir").arg(&data);
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("train-images-idx3-ubyte.gz"), "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no result file may be written");
}

#[test]
fn missing_dataset_lists_the_places_tried() {
    if workspace().join("data/mnist").exists() {
        eprintln!("skipped: this checkout has data/mnist");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut c = BIN.smoke_command(
        &tmp.path().join("out"),
        &tmp.path().join("runs"),
        &["--dataset", "mnist"],
    );
    c.env_remove("KD_DATA_DIR");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("dataset `mnist` was not found"), "{err}");
    assert!(err.contains("Fix:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_flags_fail_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let runs = tmp.path().join("runs");
    let o = run({
        let mut c = Command::new(BIN.0);
        c.args(["--profile", "huge"]);
        c
    });
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("invalid value 'huge'"),
        "{}",
        stderr(&o)
    );
    let cases: [(&[&str], i32, &str); 9] = [
        (&["--shard", "3/2"], 2, "is not I/N with 1 <= I <= N"),
        (&["--shard", "1/2", "--plan"], 2, "cannot be used with"),
        (&["--emit", "slurm"], 2, "--plan"),
        (&["--device", "cuda:x"], 1, "not a device index"),
        (&["--only", "mnist-tabel"], 1, "choose from: mnist-table"),
        (&["--seeds", "0"], 1, "give a number of seeds from 1 to"),
        (
            &["--seeds", "4000000000"],
            1,
            "give a number of seeds from 1 to",
        ),
        (&["--device", "tpu"], 1, "unknown device"),
        (&["--dataset", "cifar-11"], 1, "unknown dataset"),
    ];
    for (args, code, needle) in cases {
        let o = run(BIN.smoke_command(&out, &runs, args));
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    assert!(!out.exists());
    // An --out naming a file fails before any training: nothing reaches the run store.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let o = run(BIN.smoke_command(&file, &runs, &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is not a directory") && stderr(&o).contains("--out"),
        "{}",
        stderr(&o)
    );
    assert!(!runs.exists() || std::fs::read_dir(&runs).unwrap().count() == 0);
}

#[test]
fn shards_on_one_store_train_each_key_once_and_give_the_same_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let only = ["--only", "mnist-table,temperature-sweep"];
    let alone = run(BIN.smoke_command(&t.join("out-alone"), &t.join("runs-alone"), &only));
    assert!(alone.status.success(), "{}", stderr(&alone));
    let mut expected = trained_keys(&alone);
    expected.sort();

    // Both shards at once on one store, again while any run waits for a teacher.
    let shared = t.join("runs-shared");
    let trained = BIN.train_in_two_shards(&t.join("out-shard"), &shared, &only, 5);
    assert_eq!(trained, expected, "every key once over the shards");

    let results = run(BIN.smoke_command(&t.join("out-sharded"), &shared, &only));
    assert!(results.status.success(), "{}", stderr(&results));
    assert!(trained_keys(&results).is_empty(), "{}", stderr(&results));
    assert_eq!(
        csv_files(&t.join("out-sharded")),
        csv_files(&t.join("out-alone"))
    );
}

#[test]
fn plan_emits_a_slurm_script_naming_every_run_once() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let o = run(BIN.smoke_command(
        &t.join("out"),
        &t.join("runs"),
        &["--plan", "--emit", "slurm", "--shards", "3"],
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    let script = String::from_utf8_lossy(&o.stdout).into_owned();
    let path = t.join("submit.sh");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let mut named: Vec<&str> = script
        .lines()
        .filter_map(|l| l.strip_prefix("#   run "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(named.len(), 24, "the smoke profile's 24 runs: {script}");
    named.sort();
    named.dedup();
    assert_eq!(named.len(), 24, "each run once");
    assert!(script.contains("SHARDS=3"));
    let command = script
        .lines()
        .find(|l| l.starts_with("COMMAND=("))
        .expect("a COMMAND line");
    for flag in ["--plan", "--emit", "--shards", "--runs-dir"] {
        assert!(
            !command.contains(flag),
            "tasks must train, not plan: {command}"
        );
    }
    assert!(command.contains("--profile smoke"), "{command}");
    // Teacher, then students, then the students distilled from them: at least two levels.
    assert!(script.matches("sbatch --parsable").count() >= 2);
}
