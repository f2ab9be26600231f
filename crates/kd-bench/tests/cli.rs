//! The benchmark as a user meets it (without PyTorch, which CI does not have): a case and an op
//! are timed and written, an unknown name is one clear error.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kd-bench");

#[test]
fn times_a_step_and_a_layer_and_writes_csv() {
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let o = Command::new(BIN)
            .args(["--steps", "2", "--warmup", "1", "--out"])
            .arg(out.path())
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["--only", "mlp-student-hard"]);
    let steps = std::fs::read_to_string(out.path().join("steps.csv")).unwrap();
    let rows: Vec<&str> = steps.lines().collect();
    assert_eq!(rows.len(), 2, "{steps}");
    assert!(rows[0].starts_with("step,description,batch,threads,ours_ms"));
    let ms: f64 = rows[1].split(',').nth(5).unwrap().parse().unwrap();
    assert!(ms > 0.0 && ms < 10_000.0, "{steps}");
    run(&["--ops", "--only", "relu16@32,linear784-800"]);
    let ops = std::fs::read_to_string(out.path().join("ops.csv")).unwrap();
    assert_eq!(ops.lines().count(), 3, "{ops}");
}

#[test]
fn an_unknown_case_is_one_clear_error() {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["--only", "resnet1000", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown case `resnet1000`") && err.contains("resnet56"),
        "{err}"
    );
    assert!(!out.path().join("steps.csv").exists());
}
