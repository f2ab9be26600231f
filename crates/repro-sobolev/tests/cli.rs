//! The sobolev binary end to end on the smoke profile: every table, chart and section is
//! written, the output is reproducible, and bad input is one clear error.

use kd_testing::{Binary, stderr};

const BIN: Binary = Binary(env!("CARGO_BIN_EXE_repro-sobolev"));

#[test]
fn smoke_run_writes_everything_reproducibly() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for k in ["a", "b"] {
        let o = BIN.smoke(
            &t.join(format!("out-{k}")),
            &t.join(format!("runs-{k}")),
            &[],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let a = t.join("out-a");
    let regression = std::fs::read_to_string(a.join("regression.csv")).unwrap();
    // 7 functions x 2 sizes x 3 methods x 1 seed, plus the header.
    // Per function and size: Regular, three Sobolev loss forms, stochastic Sobolev.
    assert_eq!(regression.lines().count(), 1 + 7 * 2 * 5);
    for f in [
        "regression-20.svg",
        "regression-100.svg",
        "heatmap-ackley.svg",
        "heatmap-styblinski-tang.svg",
        "distillation.csv",
        "distillation.svg",
        "summary.md",
        "claims.csv",
    ] {
        assert!(a.join(f).is_file(), "{f}");
    }
    for f in ["regression.csv", "distillation.csv", "claims.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(t.join("out-b").join(f)).unwrap(),
            "{f} differs between two runs with the same seeds"
        );
    }
    let summary = std::fs::read_to_string(a.join("summary.md")).unwrap();
    assert!(summary.contains("Regression on the 2-D test functions"));
    assert!(summary.contains("ANALOGUE"));
}

#[test]
fn regression_alone_needs_no_digit_data_and_bad_flags_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = BIN.smoke(
        &out,
        &tmp.path().join("runs"),
        &["--only", "regression", "--data-dir", "/nonexistent"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("regression.csv").is_file());
    assert!(!out.join("distillation.csv").exists());

    let o = BIN.smoke(
        &tmp.path().join("x"),
        &tmp.path().join("runs"),
        &["--only", "sobolev"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("choose from: regression, distillation"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("x").exists());
}
