//! The takd binary end to end on the smoke profile, and bad input as one clear error.

use kd_testing::{Binary, csv_files, keys_to_train, stderr, trained_keys};

const BIN: Binary = Binary(env!("CARGO_BIN_EXE_repro-takd"));

#[test]
fn smoke_run_writes_the_table_with_every_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = BIN.smoke(&out, &tmp.path().join("runs"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = std::fs::read_to_string(out.join("table.csv")).unwrap();
    // (plain, resnet) x (NOKD, BLKD, TAKD) x 1 seed, plus the header.
    assert_eq!(table.lines().count(), 7, "{table}");
    for method in ["NOKD", "BLKD", "TAKD"] {
        assert_eq!(table.matches(&format!(",{method},")).count(), 2, "{table}");
    }
    // Every distinct run once across the experiments (shared teachers, assistants and path
    // prefixes): plain 5 (table) + 4 (ta-size) + 6 (teacher-size) + 8 (paths), ResNet 5; plus
    // the (lambda, T) search's 2 trials per distilled depth (plain 2, 4, 6, 8; ResNet 8, 14),
    // whose winner is the seed-1 run from the Table 1 teacher itself: 6 more; the ResNet-26
    // setting's teacher and its three distilled students (resnet8 alone is the table's): 4.
    let trained = stderr(&o).matches(": training run ").count();
    assert_eq!(trained, 38, "{}", stderr(&o));
    let search = std::fs::read_to_string(out.join("search.csv")).unwrap();
    assert_eq!(search.lines().count(), 1 + 12, "{search}");
    assert_eq!(
        search.matches(",true").count(),
        6,
        "one pair chosen per depth: {search}"
    );
    let lines = |f: &str| {
        std::fs::read_to_string(out.join(f))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(
        lines("ta-size.csv"),
        1 + 3 + 1,
        "plain TAs 8, 6, 4; ResNet TA 14"
    );
    assert_eq!(lines("teacher-size.csv"), 1 + 4);
    assert_eq!(lines("paths.csv"), 1 + 8);
    assert_eq!(lines("resnet26.csv"), 1 + 3, "resnet8: NOKD, BLKD, TAKD");
    assert!(
        stderr(&o).contains("plane2 <- plane4 <- plane10 seed 1: training run"),
        "{}",
        stderr(&o)
    );
    for file in [
        "summary.md",
        "claims.csv",
        "table.claims.csv",
        "table.svg",
        "ta-size.svg",
        "teacher-size.svg",
        "paths.svg",
        "resnet26.claims.csv",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("recipe `official`"), "{summary}");
    assert!(summary.contains("3 for teachers"), "{summary}");
}

#[test]
fn the_paper_recipe_on_request_and_the_ci_profile_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = BIN.smoke(
        &out,
        &tmp.path().join("runs"),
        &["--recipe", "paper", "--only", "table"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("recipe `paper`"), "{summary}");
    let table = std::fs::read_to_string(out.join("table.csv")).unwrap();
    assert_eq!(table.matches(",paper,").count(), 6, "{table}");

    // The ci profile is the cpu profile's Table 1: its plan is that table's runs only, and
    // every one of them is also in the cpu profile's plan.
    let empty = tmp.path().join("empty-runs");
    let plan = |profile: &str| BIN.plan(profile, &empty);
    let keys = |plan: &str| keys_to_train(plan);
    let (ci, cpu) = (plan("ci"), plan("cpu"));
    let (ci_keys, cpu_keys) = (keys(&ci), keys(&cpu));
    // One shared teacher, 3 search trials for each of plane4 and plane2, and per seed the
    // assistant and the three students (NOKD, BLKD, TAKD); seed 1's assistant and BLKD student
    // are the winning trials themselves (same teacher, seed and pair).
    assert_eq!(ci_keys.len(), 1 + 2 * 3 + 3 * 4 - 2, "{ci}");
    assert!(ci_keys.iter().all(|k| cpu_keys.contains(k)), "{ci}\n{cpu}");
    assert!(cpu_keys.len() > ci_keys.len());
}

#[test]
fn bad_input_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let runs = tmp.path().join("runs");
    for (args, needle) in [
        (&["--profile", "full"][..], "takd has no `full` profile"),
        // The paper profile's CIFAR-10, absent here: the error names where to put it.
        (
            &["--profile", "paper"][..],
            "dataset `cifar10` was not found",
        ),
    ] {
        let o = BIN.run(args, &out, &runs);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    let cases: [(&[&str], i32, &str); 3] = [
        (&["--recipe", "github"], 2, "invalid value 'github'"),
        (
            &["--dataset", "cifar10"],
            1,
            "dataset `cifar10` was not found",
        ),
        (&["--only", "tabel"], 1, "choose from: table, ta-size"),
    ];
    for (args, code, needle) in cases {
        let o = BIN.smoke(&out, &runs, args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    assert!(!out.exists(), "no result written");
}

/// The (lambda, T) search is imperative (its winner decides the later runs' keys): shards
/// sharing a store train the trials first, then, on a later pass, the winner's dependants; every
/// key is trained once and the results equal one process's.
#[test]
fn shards_on_one_store_train_each_key_once_and_give_the_same_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let only = ["--only", "table"];
    let alone = BIN.smoke(&t.join("out-alone"), &t.join("runs-alone"), &only);
    assert!(alone.status.success(), "{}", stderr(&alone));
    let mut expected = trained_keys(&alone);
    expected.sort();

    let shared = t.join("runs-shared");
    let trained = BIN.train_in_two_shards(&t.join("out-shard"), &shared, &only, 6);
    assert_eq!(trained, expected, "every key once over the shards");

    let results = BIN.smoke(&t.join("out-sharded"), &shared, &only);
    assert!(results.status.success(), "{}", stderr(&results));
    assert!(trained_keys(&results).is_empty(), "{}", stderr(&results));
    assert_eq!(
        csv_files(&t.join("out-sharded")),
        csv_files(&t.join("out-alone"))
    );
}
