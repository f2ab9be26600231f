//! The boundary binary end to end on the smoke profile, and bad input as one clear error.

use kd_testing::{Binary, keys_to_train, lines, stderr, write_cifar10};

const BIN: Binary = Binary(env!("CARGO_BIN_EXE_repro-boundary"));

#[test]
fn smoke_run_writes_every_experiment_and_trains_each_run_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, runs) = (tmp.path().join("out"), tmp.path().join("runs"));
    let o = BIN.run(&["--profile", "smoke"], &out, &runs);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    // The teacher (ResNet8, 4 epochs: the same spec as the baseline student, so one run), KD
    // and KD + BSS on all images and on half of them; the comparison's FitNet (hint stage,
    // then KD), AT, FSP (two stages) and MUTUAL (two label runs, then the pair).
    assert_eq!(err.matches(": training run ").count(), 5 + 8, "{err}");
    assert_eq!(
        err.matches("starting from the trained net").count(),
        3,
        "{err}"
    );
    assert_eq!(
        lines(&out, "table.csv"),
        1 + 3,
        "baseline, KD, KD + BSS; one seed"
    );
    assert_eq!(
        lines(&out, "comparison.csv"),
        1 + 7,
        "baseline, KD, FitNet, AT, FSP, KD + BSS, MUTUAL; no assistant depth for TAKD"
    );
    assert_eq!(
        lines(&out, "less-data.csv"),
        1 + 4,
        "KD and KD + BSS at 50 % and 100 %"
    );
    assert!(lines(&out, "attack.csv") >= 1);
    for file in [
        "summary.md",
        "table.svg",
        "comparison.svg",
        "less-data.svg",
        "attack.svg",
        "samples.png",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let claims = std::fs::read_to_string(out.join("claims.csv")).unwrap();
    assert!(claims.contains("table/resnet8-bss-beats-kd"), "{claims}");
    assert!(claims.contains("less-data/50pct-bss-beats-kd"), "{claims}");
    assert!(
        claims.contains("comparison/resnet8-bss-beats-fsp"),
        "{claims}"
    );
    assert!(
        claims.contains("comparison/resnet8-mutual-beats-baseline"),
        "{claims}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("| ResNet8 |"), "{summary}");
    assert!(summary.contains("paper BSS - KD"), "{summary}");
    assert!(
        summary.contains("| ResNet8 | TAKD | n/a | n/a | 88.01 |"),
        "{summary}"
    );
    // The KD + BSS run logged a boundary term while b(e) > 0, and none after.
    let bss_metrics = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|dir| {
            std::fs::read_to_string(dir.join("manifest.json"))
                .is_ok_and(|m| m.contains("\"ResNet8 KD + BSS seed 1\""))
        })
        .map(|dir| std::fs::read_to_string(dir.join("metrics.csv")).unwrap())
        .expect("the KD + BSS run on all images");
    let bss_column = |line: &str| -> f64 {
        let header: Vec<&str> = bss_metrics.lines().next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == "loss_bss").unwrap();
        line.split(',').nth(at).unwrap().parse().unwrap()
    };
    let epochs: Vec<&str> = bss_metrics.lines().skip(1).collect();
    assert!(bss_column(epochs[0]) > 0.0, "{bss_metrics}");
    assert_eq!(
        bss_column(epochs[3]),
        0.0,
        "b(e) is 0 in the last quarter: {bss_metrics}"
    );

    // A second invocation trains nothing and writes the same tables.
    let again = BIN.run(&["--profile", "smoke"], &tmp.path().join("again"), &runs);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stderr(&again).matches(": training run ").count(), 0);
    for file in ["table.csv", "comparison.csv", "less-data.csv", "attack.csv"] {
        assert_eq!(
            std::fs::read_to_string(out.join(file)).unwrap(),
            std::fs::read_to_string(tmp.path().join("again").join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn bad_input_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, runs) = (tmp.path().join("out"), tmp.path().join("runs"));
    let cases: [(&[&str], i32, &str); 5] = [
        (&["--profile", "full"], 1, "boundary has no `full` profile"),
        (
            &["--profile", "smoke", "--only", "tabel"],
            1,
            "choose from: table, comparison, attack, less-data",
        ),
        (&["--profile", "smoke", "--seeds", "0"], 1, "seeds"),
        (
            &["--profile", "smoke", "--dataset", "svhn"],
            1,
            "dataset `svhn` was not found",
        ),
        (
            &["--profile", "paper", "--data-dir", "/nonexistent"],
            1,
            "dataset `cifar10` was not found",
        ),
    ];
    for (args, code, needle) in cases {
        let o = BIN.run(args, &out, &runs);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    assert!(!out.exists(), "no result written");
}

#[test]
fn the_ci_profile_is_the_cpu_profiles_table() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty-runs");
    let plan = |profile: &str| BIN.plan(profile, &empty);
    let keys = |plan: &str| keys_to_train(plan);
    let (ci, cpu) = (plan("ci"), plan("cpu"));
    let (ci_keys, cpu_keys) = (keys(&ci), keys(&cpu));
    // The teacher, and per seed the baseline, KD and KD + BSS students.
    assert_eq!(ci_keys.len(), 1 + 3 * 3, "{ci}");
    assert!(ci_keys.iter().all(|k| cpu_keys.contains(k)), "{ci}\n{cpu}");
    assert!(cpu_keys.len() > ci_keys.len());
}

/// The paper profile's run graph on CIFAR-10 files in the official layout: the table's three
/// student depths, and the comparison's row for ResNet8 and ResNet14: TAKD through a ResNet14
/// and a ResNet20 assistant (the table's KD students), FitNets and FSP as two chained runs,
/// MUTUAL from two label runs.
#[test]
fn the_paper_profile_plans_the_whole_comparison_on_cifar10() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // 6 x 1100 records: 5500 training images, 5000 of them the paper split's validation.
    write_cifar10(&data.join("cifar10"), 1100);
    let o = BIN
        .command(
            &[
                "--profile",
                "paper",
                "--only",
                "table,comparison",
                "--plan",
                "--seeds",
                "1",
            ],
            &tmp.path().join("out"),
            &tmp.path().join("runs"),
        )
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = String::from_utf8_lossy(&o.stdout).into_owned();
    for label in [
        "teacher ResNet26",
        "ResNet20 KD + BSS seed 1",
        "ResNet14 FitNet hint stage seed 1",
        "ResNet14 FSP stage seed 1",
        "ResNet8 labels seed 1001",
        "ResNet14 MUTUAL seed 1",
    ] {
        assert!(plan.contains(&format!("  {label}")), "{label}:\n{plan}");
    }
    // TAKD's assistant is trained exactly as the table's KD student of its depth: the same run.
    let line_of = |label: &str| -> &str {
        plan.lines()
            .find(|l| l.contains(&format!("  {label}")))
            .unwrap_or_else(|| panic!("{label}:\n{plan}"))
    };
    for (student, assistant) in [(8, 14), (14, 20)] {
        let takd = line_of(&format!("ResNet{student} TAKD seed 1"));
        let kd = line_of(&format!("ResNet{assistant} KD seed 1 "));
        let kd_key = kd.split_whitespace().next().unwrap();
        assert!(takd.ends_with(&format!("<- {kd_key}")), "{takd}\n{plan}");
    }
    // The teacher; per depth the table's three students (8, 14, 20); per comparison depth
    // (8, 14) FitNet 2 runs, AT 1, FSP 2, MUTUAL 3, TAKD 1 (its assistant is a table run).
    assert_eq!(
        keys_to_train(&plan).len(),
        1 + 3 * 3 + 2 * (2 + 1 + 2 + 3 + 1),
        "{plan}"
    );
}
