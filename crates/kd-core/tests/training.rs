//! End-to-end tests of the training loop on real digits (the bundled mnist-10k): it learns, it
//! is deterministic, an interrupted run resumes to identical numbers, the run store reuses
//! finished runs, a diverging run stops with a clear error, and distillation beats hard labels
//! on a small transfer set.

use burn::prelude::Device;
use kd_core::KdError;
use kd_core::data::{Augment, Locations, SplitSpec, Splits, Subset, dataset_info, load_dataset};
use kd_core::methods::{
    BoundarySupport, Ensemble, HardLabels, Hints, LogitRegression, Method, MutualLearning,
    NoiseForm, NoiseTarget, NoiseUnit, NoisyLogits, SoftTargets,
};
use kd_core::models::{Activation, CnnLayer, MlpConfig, Net, PlainCnnConfig};
use kd_core::runs::{EpochMetrics, RunStore};
use kd_core::tensors::floats;
use kd_core::train::{LrSchedule, OptimizerSpec, Recipe, RunNode, TrainSpec, TrainedRun, Trainer};

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
    let optimizer = OptimizerSpec::Sgd {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-4,
    };
    let schedule = LrSchedule::Cosine {
        final_fraction: 0.0,
        warmup_epochs: 1,
    };
    TrainSpec::new(
        splits,
        model,
        HardLabels {},
        Recipe {
            optimizer,
            schedule,
            epochs,
            batch_size: 64,
        },
        7,
    )
}

/// The regularized configuration, so dropout, jitter and max-norm streams are all exercised.
fn regularized() -> MlpConfig {
    MlpConfig {
        widths: vec![784, 64, 10],
        activation: Activation::Relu,
        input_dropout: 0.2,
        hidden_dropout: 0.5,
        max_norm: Some(2.0),
        input_noise: 0.0,
    }
}

fn trainer(dir: &std::path::Path) -> Trainer {
    Trainer::new(Device::flex(), "cpu", RunStore::new(dir))
}

fn weights(run: &TrainedRun) -> Vec<Vec<f32>> {
    let Net::Mlp(m) = &run.model else {
        panic!("an MLP run")
    };
    m.layers.iter().map(|l| floats(l.weight.val())).collect()
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
    let run_a = trainer(a.path()).train("a", &s, &splits, &[]).unwrap();
    let run_b = trainer(b.path()).train("b", &s, &splits, &[]).unwrap();
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
    s.augment = Augment::translate(2);
    let straight_dir = tempfile::tempdir().unwrap();
    let straight = trainer(straight_dir.path())
        .train("straight", &s, &splits, &[])
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut t = trainer(dir.path());
    t.stop_after_epochs = Some(2);
    let err = t.train("interrupted", &s, &splits, &[]).unwrap_err();
    assert!(
        matches!(err, KdError::Interrupted { epochs: 2, .. }),
        "{err}"
    );
    let progress = dir.path().join(s.key()).join("checkpoint/progress.json");
    assert!(progress.is_file());

    let mut t = trainer(dir.path());
    t.resume = true;
    let resumed = t.train("resumed", &s, &splits, &[]).unwrap();
    assert!(!resumed.reused);
    assert_eq!(numbers(&resumed.history), numbers(&straight.history));
    assert_eq!(weights(&resumed), weights(&straight));
}

#[test]
fn a_conv_net_with_batchnorm_learns_and_resumes_to_identical_numbers() {
    use burn::module::Module;
    let splits = splits();
    let cnn = PlainCnnConfig {
        input: splits.input_shape(),
        layers: vec![
            CnnLayer::Conv(8),
            CnnLayer::Pool,
            CnnLayer::Conv(16),
            CnnLayer::Pool,
        ],
        classes: 10,
    };
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 3);
    s.model = cnn.into();
    s.augment = Augment::translate(1);
    let straight_dir = tempfile::tempdir().unwrap();
    let straight = trainer(straight_dir.path())
        .train("straight", &s, &splits, &[])
        .unwrap();
    let last = straight.final_epoch();
    assert!(last.test_error_rate() < 0.25, "{last:?}");

    let dir = tempfile::tempdir().unwrap();
    let mut t = trainer(dir.path());
    t.stop_after_epochs = Some(1);
    assert!(t.train("interrupted", &s, &splits, &[]).is_err());
    let mut t = trainer(dir.path());
    t.resume = true;
    let resumed = t.train("resumed", &s, &splits, &[]).unwrap();
    // Resume restores BatchNorm's running statistics too (they decide every eval-mode number).
    assert_eq!(numbers(&resumed.history), numbers(&straight.history));
    let params = |r: &TrainedRun| -> Vec<u8> {
        r.model.clone().into_record().into_bytes().unwrap().to_vec()
    };
    assert_eq!(params(&resumed), params(&straight));
}

fn small_cnn(splits: &Splits, channels: [usize; 2]) -> PlainCnnConfig {
    PlainCnnConfig {
        input: splits.input_shape(),
        layers: vec![
            CnnLayer::Conv(channels[0]),
            CnnLayer::Pool,
            CnnLayer::Conv(channels[1]),
            CnnLayer::Pool,
        ],
        classes: 10,
    }
}

#[test]
fn a_method_owned_regressor_trains_with_the_student_and_resumes() {
    let splits = splits();
    let store = tempfile::tempdir().unwrap();
    let t = trainer(store.path());
    let mut teacher_spec = spec(&splits, MlpConfig::plain(&[784, 10]), 2);
    teacher_spec.model = small_cnn(&splits, [8, 16]).into();
    teacher_spec.seed = 1;
    let teacher = t.train("teacher", &teacher_spec, &splits, &[]).unwrap();
    let hints = Hints {
        student_feature: "pool2".into(),
        teacher_feature: "pool2".into(),
        hint_weight: 1.0,
        soft_targets: Some(SoftTargets::new(4.0, 0.1)),
    };
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 3);
    s.model = small_cnn(&splits, [4, 8]).into();
    s.method = Method::Hints(hints.clone());
    s.augment = Augment::translate(1);
    let s = s.with_teachers(&[&teacher.key]);
    let teachers = std::slice::from_ref(&teacher);
    let straight = t.train("hinted", &s, &splits, teachers).unwrap();
    let hint = |r: &TrainedRun, epoch: usize| r.history[epoch].terms[2].1;
    assert_eq!(straight.history[0].terms[2].0, "hint");
    // The regressor (and the student under it) learns: the hint error falls.
    assert!(
        hint(&straight, 2) < 0.8 * hint(&straight, 0),
        "{:?}",
        straight.history
    );
    // Killed after one epoch and resumed: the regressor's weights and optimizer state are in
    // the checkpoint, so the numbers are those of the straight run.
    let dir = tempfile::tempdir().unwrap();
    let mut killed = trainer(dir.path());
    killed.stop_after_epochs = Some(1);
    assert!(killed.train("hinted", &s, &splits, teachers).is_err());
    let mut resumed = trainer(dir.path());
    resumed.resume = true;
    let resumed = resumed.train("hinted", &s, &splits, teachers).unwrap();
    assert_eq!(numbers(&resumed.history), numbers(&straight.history));
    // A feature the student does not have: one clear error naming those it has.
    let mut bad = s.clone();
    bad.method = Method::Hints(Hints {
        student_feature: "stage9".into(),
        ..hints
    });
    let err = t
        .train("bad", &bad, &splits, teachers)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no feature `stage9`") && err.contains("pool2"),
        "{err}"
    );
}

#[test]
fn finished_runs_are_reused_by_key() {
    let splits = splits();
    let s = spec(&splits, MlpConfig::plain(&[784, 16, 10]), 1);
    let dir = tempfile::tempdir().unwrap();
    let first = trainer(dir.path()).train("x", &s, &splits, &[]).unwrap();
    let again = trainer(dir.path()).train("x", &s, &splits, &[]).unwrap();
    assert!(!first.reused && again.reused);
    assert_eq!(weights(&first), weights(&again));
    assert_eq!(numbers(&first.history), numbers(&again.history));
    let mut other = s.clone();
    other.seed += 1;
    assert_ne!(other.key(), s.key());
}

/// Issue 20: a run directory copied over another's, or weights changed in place (same size),
/// are refused with one error naming the directory to remove, never used; removing it
/// retrains the run.
#[test]
fn a_corrupt_run_store_is_refused_not_used() {
    let splits = splits();
    let a = spec(&splits, MlpConfig::plain(&[784, 16, 10]), 1);
    let mut b = a.clone();
    b.seed += 1;
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let run_a = t.train("a", &a, &splits, &[]).unwrap();
    t.train("b", &b, &splits, &[]).unwrap();
    let (dir_a, dir_b) = (dir.path().join(a.key()), dir.path().join(b.key()));

    // b's manifest copied over a's: a's directory now claims to be b.
    std::fs::copy(dir_b.join("manifest.json"), dir_a.join("manifest.json")).unwrap();
    let err = trainer(dir.path())
        .train("a", &a, &splits, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("belongs to run") && err.contains(&b.key()) && err.contains("remove the"),
        "{err}"
    );

    // Removing the directory, as the message says, retrains the same run.
    std::fs::remove_dir_all(&dir_a).unwrap();
    let again = trainer(dir.path()).train("a", &a, &splits, &[]).unwrap();
    assert!(!again.reused);
    assert_eq!(weights(&again), weights(&run_a));

    // 4 KiB of a's weights zeroed in place: the file keeps its size.
    let model = dir_a.join("model.bpk");
    let mut bytes = std::fs::read(&model).unwrap();
    let len = bytes.len();
    bytes[len / 2..len / 2 + 4096.min(len / 2)].fill(0);
    std::fs::write(&model, &bytes).unwrap();
    assert_eq!(std::fs::metadata(&model).unwrap().len() as usize, len);
    let err = trainer(dir.path())
        .train("a", &a, &splits, &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("sha256") && err.contains("corrupt"), "{err}");
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
        .train("diverging", &s, &splits, &[])
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
    // Recorded: asked again (another process, another invocation), the same error comes back
    // at once instead of a second training.
    let again = trainer(dir.path())
        .train("diverging again", &s, &splits, &[])
        .unwrap_err();
    let KdError::NonFiniteLoss {
        epoch: e2,
        batch: b2,
        run,
        ..
    } = &again
    else {
        panic!("expected the recorded divergence, got {again}");
    };
    assert_eq!((e2, b2), (epoch, batch));
    assert_eq!(run, "diverging again");
}

#[test]
fn bad_specs_are_rejected_before_training() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.method = Method::SoftTargets(SoftTargets::new(4.0, 0.1));
    let err = trainer(dir.path())
        .train("x", &s, &splits, &[])
        .unwrap_err();
    assert!(err.to_string().contains("exactly one teacher"), "{err}");
    let s = spec(&splits, MlpConfig::plain(&[784, 10]), 0);
    assert!(trainer(dir.path()).train("x", &s, &splits, &[]).is_err());
    // Two teachers for a one-teacher method.
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.method = Method::SoftTargets(SoftTargets::new(4.0, 0.1));
    s.teachers = vec!["a".into(), "b".into()];
    let err = s.validate().unwrap_err().to_string();
    assert!(err.contains("exactly one teacher"), "{err}");
    // Colour statistics for grey digits.
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.normalize = Some(dataset_info("cifar10").unwrap().normalize());
    let err = trainer(dir.path())
        .train("x", &s, &splits, &[])
        .unwrap_err();
    assert!(err.to_string().contains("3 means"), "{err}");
    // A net built for CIFAR on 28x28 digits.
    let mut s = spec(&splits, MlpConfig::plain(&[784, 10]), 1);
    s.model = PlainCnnConfig {
        input: [3, 32, 32],
        ..small_cnn(&splits, [4, 8])
    }
    .into();
    let err = trainer(dir.path())
        .train("x", &s, &splits, &[])
        .unwrap_err();
    assert!(err.to_string().contains("built for other inputs"), "{err}");
    assert!(
        !dir.path().join(s.key()).exists(),
        "nothing written for a rejected run"
    );
}

/// A small teacher and the soft-target student spec distilling it on 200 images.
fn teacher_and_student(splits: &Splits, t: &Trainer) -> (TrainedRun, TrainSpec) {
    let norm = dataset_info("mnist-10k").unwrap().normalize();
    let mut teacher_spec = spec(splits, MlpConfig::plain(&[784, 64, 10]), 2);
    teacher_spec.seed = 1;
    teacher_spec.normalize = Some(norm.clone());
    let teacher = t.train("teacher", &teacher_spec, splits, &[]).unwrap();
    let mut student = spec(splits, MlpConfig::plain(&[784, 32, 10]), 2);
    student.transfer = Subset::Stratified {
        count: 200,
        seed: 3,
    };
    student.repeats = 5;
    student.normalize = Some(norm);
    student.method = Method::SoftTargets(SoftTargets::new(4.0, 0.1));
    let student = student.with_teachers(&[&teacher.key]);
    (teacher, student)
}

/// Heo et al.'s boundary supporting samples through the whole loop: the attack runs on the live
/// teacher in the epochs where b(e) > 0 and its term is logged; once b(e) is 0 the term is
/// exactly 0 and no attack runs; without the boundary term the run is another.
#[test]
fn boundary_supporting_samples_train_through_the_loop() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let (teacher, mut student) = teacher_and_student(&splits, &t);
    let teachers = std::slice::from_ref(&teacher);
    let bss = BoundarySupport {
        attack_size: 16,
        // b(e) = 2 (1 - e / E) with the official 1-based e: 1 in epoch 1, 0 in epoch 2.
        bss_until: 1.0,
        ..BoundarySupport::default()
    };
    student.method = bss.clone().into();
    let run = t.train("bss", &student, &splits, teachers).unwrap();
    let term = |e: usize, name: &str| {
        run.history[e]
            .terms
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
    };
    assert_eq!(run.history.len(), 2);
    assert!(term(0, "bss") > 0.0, "{:?}", run.history[0].terms);
    assert_eq!(term(1, "bss"), 0.0, "b(e) is 0 in the last epoch");
    assert!(term(0, "kd") > 0.0 && term(1, "kd") > 0.0);
    assert!(run.final_epoch().test_error_rate() < 0.5, "it learns");
    // KD alone (b = 0 throughout) is another run: the boundary term changed the training.
    student.method = BoundarySupport {
        bss_weight: 0.0,
        ..bss
    }
    .into();
    let plain = t.train("kd", &student, &splits, teachers).unwrap();
    assert_ne!(weights(&plain), weights(&run));
}

/// A run that starts from a stored run begins with that run's trained net: at a vanishing rate
/// it ends where the stored run ended (every weight, hence every validation error), while a
/// fresh start at the same rate stays near chance. The start must be the run's own
/// architecture.
#[test]
fn a_run_starts_from_a_stored_runs_net() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let first = RunNode::new(
        "first",
        spec(&splits, MlpConfig::plain(&[784, 32, 10]), 2),
        vec![],
    );
    let trained = t.obtain(&first, &splits).unwrap();
    let mut still = spec(&splits, MlpConfig::plain(&[784, 32, 10]), 1);
    still.optimizer = OptimizerSpec::Sgd {
        lr: 1e-12,
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
    };
    still.seed = 8;
    let fresh = t
        .obtain(&RunNode::new("fresh", still.clone(), vec![]), &splits)
        .unwrap();
    let second = RunNode::starting_from("second", still.clone(), vec![], vec![first.clone()]);
    assert_eq!(second.spec.init_from, vec![first.key()]);
    assert_ne!(
        second.key(),
        fresh.key,
        "where a run starts is part of its key"
    );
    let continued = t.obtain(&second, &splits).unwrap();
    for (a, b) in weights(&continued).iter().zip(weights(&trained)) {
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max);
        assert!(
            worst < 1e-6,
            "the started run holds the stored weights (off by {worst})"
        );
    }
    assert_eq!(
        continued.final_epoch().val_errors,
        trained.final_epoch().val_errors
    );
    assert!(fresh.final_epoch().val_errors > 2 * trained.final_epoch().val_errors);
    // The start is a dependency in the plan and in the dependency order.
    let order: Vec<String> = RunNode::in_dependency_order(std::slice::from_ref(&second))
        .iter()
        .map(|n| n.label.clone())
        .collect();
    assert_eq!(order, vec!["first", "second"]);
    // Another architecture cannot be a start; a hard-label run cannot start from two runs.
    let other = RunNode::new(
        "other",
        spec(&splits, MlpConfig::plain(&[784, 16, 10]), 1),
        vec![],
    );
    let err = t
        .obtain(
            &RunNode::starting_from("bad", still.clone(), vec![], vec![other]),
            &splits,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("its own architecture"), "{err}");
    let err = t
        .obtain(
            &RunNode::starting_from("bad", still, vec![], vec![first.clone(), first]),
            &splits,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("trains 1 net(s)") && err.contains("2 stored run(s)"),
        "{err}"
    );
}

/// FitNets' first stage: the hint alone trains the layers up to the guided one (and the
/// regressor); the layers above receive no gradient and keep their initial weights. The second
/// stage distils from there.
#[test]
fn a_hint_stage_trains_only_the_layers_below_the_guided_one() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let (teacher, mut student) = teacher_and_student(&splits, &t);
    student.model = MlpConfig::plain(&[784, 32, 16, 10]).into();
    student.method = Hints::hint_stage("hidden1", "hidden1").into();
    let stage = t
        .train(
            "hint stage",
            &student,
            &splits,
            std::slice::from_ref(&teacher),
        )
        .unwrap();
    assert_eq!(stage.history[0].terms.len(), 1);
    assert_eq!(stage.history[0].terms[0].0, "hint");
    assert!(stage.history[1].terms[0].1 < stage.history[0].terms[0].1);
    let Net::Mlp(init) = student.model.init(student.seed, &Device::flex()) else {
        panic!("an MLP")
    };
    let before: Vec<Vec<f32>> = init.layers.iter().map(|l| floats(l.weight.val())).collect();
    let after = weights(&stage);
    assert_ne!(after[0], before[0], "the guided layer learns");
    assert_eq!(after[1..], before[1..], "the layers above it are untouched");
}

/// Deep mutual learning: the student and its peer both learn from the labels and from each
/// other (four logged terms); a peer started from a trained run begins with that run's low
/// loss; the method takes no teacher.
#[test]
fn mutual_learning_trains_a_student_and_its_peer() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let mut s = spec(&splits, MlpConfig::plain(&[784, 32, 10]), 2);
    s.method = MutualLearning::default().into();
    let run = t.train("dml", &s, &splits, &[]).unwrap();
    let term = |r: &TrainedRun, e: usize, name: &str| {
        r.history[e]
            .terms
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
    };
    for name in ["hard", "peer hard"] {
        assert!(
            term(&run, 1, name) < term(&run, 0, name),
            "{name} falls: {:?}",
            run.history
        );
    }
    assert!(term(&run, 0, "mutual") > 0.0 && term(&run, 0, "peer mutual") > 0.0);
    assert!(
        run.final_epoch().test_error_rate() < 0.3,
        "the student learns"
    );
    // Killed after one epoch and resumed: the peer and its optimizer state are in the
    // checkpoint (apart from the student's, by id), so the numbers are the straight run's.
    let killed_dir = tempfile::tempdir().unwrap();
    let mut killed = trainer(killed_dir.path());
    killed.stop_after_epochs = Some(1);
    assert!(killed.train("dml", &s, &splits, &[]).is_err());
    let mut resumed = trainer(killed_dir.path());
    resumed.resume = true;
    let resumed = resumed.train("dml", &s, &splits, &[]).unwrap();
    assert_eq!(numbers(&resumed.history), numbers(&run.history));
    // Both nets started from trained runs (the peer from another seed's): the first epoch's
    // losses are those of trained nets.
    let init = |seed| {
        let mut i = spec(&splits, MlpConfig::plain(&[784, 32, 10]), 2);
        i.seed = seed;
        RunNode::new(format!("init {seed}"), i, vec![])
    };
    let started = RunNode::starting_from("dml started", s.clone(), vec![], vec![init(1), init(2)]);
    let started = t.obtain(&started, &splits).unwrap();
    for name in ["hard", "peer hard"] {
        assert!(
            term(&started, 0, name) < 0.7 * term(&run, 0, name),
            "{name}: {} vs {}",
            term(&started, 0, name),
            term(&run, 0, name)
        );
    }
    let mut bad = s;
    bad.teachers = vec![started.key.clone()];
    let err = t
        .train("bad", &bad, &splits, &[started])
        .unwrap_err()
        .to_string();
    assert!(err.contains("no teacher"), "{err}");
}

/// Sau & Balasubramanian's noisy teacher with sigma = 0 or alpha = 0 is exactly the clean
/// teacher's logit regression (every number of every epoch); with noise it is another run.
#[test]
fn a_noisy_teacher_without_noise_is_the_clean_logit_regression() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let (teacher, mut student) = teacher_and_student(&splits, &t);
    let teachers = std::slice::from_ref(&teacher);
    // Regressing logits (squared errors in the hundreds at first) at the soft-target student's
    // rate 0.1 diverges once noise is added; 0.01 trains both.
    student.optimizer = OptimizerSpec::Sgd {
        lr: 0.01,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-4,
    };
    student.method = LogitRegression { hard_weight: 0.0 }.into();
    let clean = t.train("clean", &student, &splits, teachers).unwrap();
    let noisy = |sigma: f64, alpha: f64| NoisyLogits {
        sigma,
        alpha,
        form: NoiseForm::Multiplicative,
        unit: NoiseUnit::Sample,
        target: NoiseTarget::Teacher,
        hard_weight: 0.0,
    };
    for (sigma, alpha) in [(0.0, 0.5), (0.1, 0.0), (0.1, 0.5)] {
        student.method = noisy(sigma, alpha).into();
        let run = t.train("noisy", &student, &splits, teachers).unwrap();
        let same =
            numbers(&run.history) == numbers(&clean.history) && weights(&run) == weights(&clean);
        assert_eq!(
            same,
            sigma == 0.0 || alpha == 0.0,
            "sigma {sigma} alpha {alpha}"
        );
    }
}

#[test]
fn live_and_cached_teachers_train_identically() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let (teacher, student) = teacher_and_student(&splits, &trainer(dir.path()));
    let cached_dir = tempfile::tempdir().unwrap();
    let cached = trainer(cached_dir.path())
        .train("cached", &student, &splits, std::slice::from_ref(&teacher))
        .unwrap();
    let live_dir = tempfile::tempdir().unwrap();
    let mut live_trainer = trainer(live_dir.path());
    live_trainer.force_live_teachers = true;
    let live = live_trainer
        .train("live", &student, &splits, std::slice::from_ref(&teacher))
        .unwrap();
    // The same images, the same teacher, the same draws: the same training. Bit-for-bit only up
    // to the teacher's float rounding: its logits come out of a matmul over 1000-image chunks
    // when cached and over the 64-image batch when live, and the CPU kernels round the two
    // differently (last bits, ~1e-7 relative). So every count must agree exactly and every
    // float to 1e-5 relative.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-5 * a.abs().max(b.abs()).max(1e-3);
    assert_eq!(cached.history.len(), live.history.len());
    for (c, l) in cached.history.iter().zip(&live.history) {
        assert_eq!(
            (c.val_errors, c.test_errors, c.train_accuracy),
            (l.val_errors, l.test_errors, l.train_accuracy),
            "{c:?} vs {l:?}"
        );
        assert!(close(c.loss, l.loss), "{c:?} vs {l:?}");
        for ((n, a), (_, b)) in c.terms.iter().zip(&l.terms) {
            assert!(close(*a, *b), "{n}: {a} vs {b}");
        }
    }
    for (a, b) in weights(&cached).iter().zip(weights(&live)) {
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(worst < 1e-5, "weights differ by {worst}");
    }
    // And the rounding really is the teacher's: the same images through the same net, chunked
    // differently, differ at most in the last bits.
    let device = Device::flex();
    let set = splits.train.select(&(0..200).collect::<Vec<_>>());
    let chunked = teacher.logits(&set, &device);
    let Net::Mlp(m) = &teacher.model else {
        panic!("an MLP teacher")
    };
    let mut batched = Vec::new();
    for start in (0..200).step_by(64) {
        let end = (start + 64).min(200);
        let norm = teacher.spec.normalize.as_ref();
        let x = kd_core::data::batch::images_tensor(&set, start..end, norm, &device);
        batched.extend(floats(m.forward(x.flatten(1, 3), None)));
    }
    let worst = chunked
        .iter()
        .zip(&batched)
        .map(|(a, b)| (a - b).abs() / a.abs().max(1.0))
        .fold(0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn augmented_students_distil_live_and_ensembles_take_several_teachers() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let (teacher, mut student) = teacher_and_student(&splits, &t);
    // Jitter: the teacher must see the jittered images, so it runs live (allowed now).
    student.augment = Augment::translate(2);
    let jittered = t
        .train(
            "jittered",
            &student,
            &splits,
            std::slice::from_ref(&teacher),
        )
        .unwrap();
    assert!(jittered.final_epoch().loss.is_finite());
    // An ensemble of two teachers of different seeds.
    let mut second_spec = spec(&splits, MlpConfig::plain(&[784, 64, 10]), 2);
    second_spec.seed = 2;
    second_spec.normalize = student.normalize.clone();
    let second = t.train("teacher 2", &second_spec, &splits, &[]).unwrap();
    let mut ensemble = student.clone();
    ensemble.augment = Augment::none();
    ensemble.method = Method::Ensemble(Ensemble {
        temperature: 4.0,
        hard_weight: 0.1,
    });
    let ensemble = ensemble.with_teachers(&[&teacher.key, &second.key]);
    let run = t
        .train("ensemble", &ensemble, &splits, &[teacher.clone(), second])
        .unwrap();
    let last = run.final_epoch();
    assert_eq!(
        last.terms
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        vec!["soft", "hard"]
    );
    assert!(last.test_error_rate() < 0.5, "{last:?}");
    // Given the wrong teachers, the trainer refuses.
    let err = t
        .train("ensemble", &ensemble, &splits, &[teacher])
        .unwrap_err();
    assert!(err.to_string().contains("names teachers"), "{err}");
}

#[test]
fn a_process_loads_each_teacher_once() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let teacher = RunNode::new(
        "teacher",
        spec(&splits, MlpConfig::plain(&[784, 16, 10]), 1),
        vec![],
    );
    let student = |seed| {
        let mut s = spec(&splits, MlpConfig::plain(&[784, 8, 10]), 1);
        s.method = Method::SoftTargets(SoftTargets::new(2.0, 0.1));
        s.seed = seed;
        RunNode::new(format!("student {seed}"), s, vec![teacher.clone()])
    };
    t.obtain(&student(1), &splits).unwrap();
    // The teacher's files are gone, yet the second student gets it: from memory, not disk.
    std::fs::remove_dir_all(dir.path().join(teacher.key())).unwrap();
    let second = t.obtain(&student(2), &splits).unwrap();
    assert_eq!(second.spec.teachers, vec![teacher.key()]);
    assert_eq!(t.training_time().0, 3);
}

#[test]
fn distillation_beats_hard_labels_on_a_small_transfer_set() {
    let splits = splits();
    let dir = tempfile::tempdir().unwrap();
    let t = trainer(dir.path());
    let mut teacher_spec = spec(&splits, MlpConfig::plain(&[784, 256, 10]), 6);
    teacher_spec.seed = 1;
    let teacher = t.train("teacher", &teacher_spec, &splits, &[]).unwrap();
    // 100 transfer images, repeated so the students take as many steps as on 1000.
    let small = Subset::Stratified {
        count: 100,
        seed: 3,
    };
    let mut hard = spec(&splits, MlpConfig::plain(&[784, 64, 10]), 6);
    hard.transfer = small.clone();
    hard.repeats = 10;
    let mut soft = hard.clone();
    soft.method = Method::SoftTargets(SoftTargets::new(4.0, 0.1));
    let soft = soft.with_teachers(&[&teacher.key]);
    let hard = t.train("hard", &hard, &splits, &[]).unwrap();
    let soft = t
        .train("soft", &soft, &splits, std::slice::from_ref(&teacher))
        .unwrap();
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
