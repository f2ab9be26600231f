//! End-to-end tests of the training loop on real digits (the bundled mnist-10k): it learns, it
//! is deterministic, an interrupted run resumes to identical numbers, the run store reuses
//! finished runs, a diverging run stops with a clear error, and distillation beats hard labels
//! on a small transfer set.

use burn::prelude::Device;
use kd_core::KdError;
use kd_core::data::{Locations, SplitSpec, Splits, Subset, dataset_info, load_dataset};
use kd_core::methods::{HardLabels, Method, SoftTargets};
use kd_core::models::{Activation, MlpConfig};
use kd_core::runs::RunStore;
use kd_core::tensors::floats;
use kd_core::train::{EpochMetrics, LrSchedule, OptimizerSpec, TrainSpec, TrainedRun, Trainer};

fn splits() -> Splits {
    let info = dataset_info("mnist-10k").unwrap();
    let ds = load_dataset(
        &info,
        &Locations {
            allow_download: false,
            ..Locations::standard(None)
        },
    )
    .unwrap();
    Splits::new(
        &ds,
        &SplitSpec {
            validation: 200,
            max_train: Some(1000),
            max_test: Some(500),
        },
    )
}

fn spec(splits: &Splits, model: MlpConfig, epochs: usize) -> TrainSpec {
    TrainSpec {
        model,
        dataset: splits.dataset.clone(),
        splits: splits.fingerprint(),
        transfer: Subset::All,
        method: Method::HardLabels(HardLabels {}),
        teacher: None,
        optimizer: OptimizerSpec::Sgd {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-4,
        },
        schedule: LrSchedule::Cosine {
            final_fraction: 0.0,
            warmup_epochs: 1,
        },
        epochs,
        repeats: 1,
        batch_size: 64,
        jitter: None,
        seed: 7,
    }
}

/// The regularized configuration, so dropout, jitter and max-norm streams are all exercised.
fn regularized() -> MlpConfig {
    MlpConfig {
        widths: vec![784, 64, 10],
        activation: Activation::Relu,
        input_dropout: 0.2,
        hidden_dropout: 0.5,
        max_norm: Some(2.0),
    }
}

fn trainer(dir: &std::path::Path) -> Trainer {
    Trainer::new(Device::flex(), "cpu", RunStore::new(dir))
}

fn weights(run: &TrainedRun) -> Vec<Vec<f32>> {
    run.model
        .layers
        .iter()
        .map(|l| floats(l.weight.val()))
        .collect()
}

/// History without wall-clock times.
fn numbers(history: &[EpochMetrics]) -> Vec<EpochMetrics> {
    history
        .iter()
        .map(|e| EpochMetrics {
            seconds: 0.0,
            ..e.clone()
        })
        .collect()
}

#[test]
fn learns_real_digits_and_is_deterministic() {
    let splits = splits();
    let s = spec(&splits, MlpConfig::plain(&[784, 64, 10]), 4);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let run_a = trainer(a.path()).train("a", &s, &splits, None).unwrap();
    let run_b = trainer(b.path()).train("b", &s, &splits, None).unwrap();
    let last = run_a.final_epoch();
    // Chance is 90% error; a 784-64-10 net on 1000 digits gets well under 20%.
    assert!(last.test_error_rate() < 0.2, "{last:?}");
    assert!(last.train_accuracy > 0.85, "{last:?}");
    assert_eq!(numbers(&run_a.history), numbers(&run_b.history));
    assert_eq!(weights(&run_a), weights(&run_b));
    for f in [
        "config.json",
        "metrics.csv",
        "model.bpk",
        "manifest.json",
        "history.json",
    ] {
        assert!(a.path().join(&run_a.key).join(f).is_file(), "{f}");
    }
    assert!(!a.path().join(&run_a.key).join("checkpoint").exists());
}

#[test]
fn interrupted_run_resumes_to_identical_numbers() {
    let splits = splits();
    let mut s = spec(&splits, regularized(), 4);
    s.jitter = Some(2);
    let straight_dir = tempfile::tempdir().unwrap();
    let straight = trainer(straight_dir.path())
        .train("straight", &s, &splits, None)
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut t = trainer(dir.path());
    t.stop_after_epochs = Some(2);
    let err = t.train("interrupted", &s, &splits, None).unwrap_err();
    assert!(
        matches!(err, KdError::Interrupted { epochs: 2, .. }),
        "{err}"
    );
    let progress = dir.path().join(s.key()).join("checkpoint/progress.json");
    assert!(progress.is_file());

    let mut t = trainer(dir.path());
    t.resume = true;
    let resumed = t.train("resumed", &s, &splits, None).unwrap();
    assert!(!resumed.reused);
    assert_eq!(numbers(&resumed.history), numbers(&straight.history));
    assert_eq!(weights(&resumed), weights(&straight));
}

#[test]
fn finished_runs_are_reused_by_key() {
    let splits = splits();
    let s = spec(&splits, MlpConfig::plain(&[784, 16, 10]), 1);
    let dir = tempfile::tempdir().unwrap();
    let first = trainer(dir.path()).train("x", &s, &splits, None).unwrap();
    let again = trainer(dir.path()).train("x", &s, &splits, None).unwrap();
    assert!(!first.reused && again.reused);
    assert_eq!(weights(&first), weights(&again));
    assert_eq!(numbers(&first.history), numbers(&again.history));
    let mut other = s.clone();
    other.seed += 1;
    assert_ne!(other.key(), s.key());
}

#[test]
fn diverging_run_stops_with_epoch_and_batch() {
    let splits = splits();
    let mut s = spec(&splits, MlpConfig::plain(&[784, 64, 10]), 2);
    s.optimizer = OptimizerSpec::Sgd {
        lr: 1e12,
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    };
    s.schedule = LrSchedule::Constant;
    let dir = tempfile::tempdir().unwrap();
    let err = trainer(dir.path())
        .train("diverging", &s, &splits, None)
        .unwrap_err();
    let KdError::NonFiniteLoss { epoch, batch, .. } = &err else {
        panic!("expected a non-finite loss, got {err}");
    };
    assert_eq!(*epoch, 1);
    assert!(*batch >= 2, "the first batch has a finite loss");
    let msg = err.to_string();
    assert!(
        msg.contains("epoch 1") && msg.contains(&format!("batch {batch}")),
        "{msg}"
    );
    assert!(!dir.path().join(s.key()).join("manifest.json").exists());
}

#[test]
fn bad_specs_are_rejected_before_training() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.method = Method::SoftTargets(SoftTargets {
        temperature: 4.0,
        hard_weight: 0.1,
    });
    let err = trainer(dir.path())
        .train("x", &s, &splits, None)
        .unwrap_err();
    assert!(err.to_string().contains("needs a teacher"), "{err}");
    let s = spec(&splits, MlpConfig::plain(&[784, 10]), 0);
    assert!(trainer(dir.path()).train("x", &s, &splits, None).is_err());
    // A jittered student would be matched to the cached logits of unjittered images.
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.method = Method::SoftTargets(SoftTargets {
        temperature: 4.0,
        hard_weight: 0.1,
    });
    s.teacher = Some("some-teacher".into());
    s.jitter = Some(2);
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("train the student without jitter"), "{err}");
    s.jitter = None;
    assert!(s.validate().is_ok());
}

#[test]
fn distillation_beats_hard_labels_on_a_small_transfer_set() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let mut teacher_spec = spec(&splits, MlpConfig::plain(&[784, 256, 10]), 6);
    teacher_spec.seed = 1;
    let teacher = t.train("teacher", &teacher_spec, &splits, None).unwrap();
    // 100 transfer images, repeated so the students take as many steps as on 1000.
    let small = Subset::Stratified {
        count: 100,
        seed: 3,
    };
    let mut hard = spec(&splits, MlpConfig::plain(&[784, 64, 10]), 6);
    hard.transfer = small.clone();
    hard.repeats = 10;
    let mut soft = hard.clone();
    soft.method = Method::SoftTargets(SoftTargets {
        temperature: 4.0,
        hard_weight: 0.1,
    });
    soft.teacher = Some(teacher.key.clone());
    let hard = t.train("hard", &hard, &splits, None).unwrap();
    let soft = t.train("soft", &soft, &splits, Some(&teacher)).unwrap();
    let (h, s) = (
        hard.final_epoch().test_error_rate(),
        soft.final_epoch().test_error_rate(),
    );
    let teacher_err = teacher.final_epoch().test_error_rate();
    // Tolerance: soft targets must close at least a quarter of the gap to the teacher.
    assert!(
        s < h - 0.25 * (h - teacher_err),
        "soft {s} hard {h} teacher {teacher_err}"
    );
}
