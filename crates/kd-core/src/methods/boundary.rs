//! Boundary supporting samples (Heo, Lee, Yun & Choi, AAAI 2019, "Knowledge Distillation with
//! Adversarial Samples Supporting Decision Boundary"), as the official code
//! (`bhheo/BSS_distillation`, `train_BSS_distillation.py` and `attacks/attack_BSS.py`) does it:
//!
//! * **Base samples**, per batch: those both the teacher and the student classify correctly;
//!   when more than `attack_size` (64), the `attack_size` with the largest disagreement
//!   `sum_{k != y} (p_t,k - p_s,k)^2` (softmax at T = 1).
//! * **Target class** per base sample: drawn with probability proportional to the teacher's
//!   softmax over the classes other than its top-1.
//! * **Attack** ([`BoundaryAttack`]) on the teacher's logits: `x <- x + eta (z_b - z_k + eps)
//!   g / ||g||_2` with `g = d(z_k - z_b)/dx` (b the teacher's class at the start), at most
//!   `steps` moves; a sample stops as soon as the teacher's class is no longer b (any class, not
//!   only k); pixels clamped to `[-clamp, clamp]` (normalised units). Samples that never cross
//!   are kept.
//! * **Loss**: `CE(s(x), y) + a(e) KD(x) + b(e) KD(x_bss)`, KD the KL divergence at temperature
//!   T = 3 averaged over its samples, without T^2 (the official soft cross-entropy: the same
//!   gradient, its value larger by the teacher's entropy); `a(e) = 1 + 3 (1 - e/E)`,
//!   `b(e) = max(2 (1 - e / (3E/4)), 0)` with e = 1..E the epoch, so from 3/4 of training on
//!   no attack is run. The student sees the boundary samples in a second training forward (its
//!   BatchNorm normalises them with their own statistics), as in the official code.

use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::distiller::{Needs, SampleProbe, Teachers};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::{cross_entropy, soft_target_kl};
use crate::models::GradientNet;
use crate::tensors::{argmax, floats, ints, select_samples};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundarySupport {
    /// Temperature of both KD terms (3).
    pub temperature: f64,
    /// At most this many base samples per batch (64).
    pub attack_size: usize,
    pub attack: BoundaryAttack,
    /// `a(e)` falls linearly from `kd_weight_start` (at e = 0) to `kd_weight_end` (at e = E):
    /// 4 and 1.
    pub kd_weight_start: f64,
    pub kd_weight_end: f64,
    /// `b(e)` falls linearly from `bss_weight` (at e = 0) to 0 at `bss_until * E`: 2 and 0.75.
    pub bss_weight: f64,
    pub bss_until: f64,
}

/// The iterative attack on the teacher's logits (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundaryAttack {
    /// Most moves per sample (10).
    pub steps: usize,
    /// eta (0.3).
    pub step_size: f64,
    /// Added to the logit gap so a sample at the boundary still moves (1e-4).
    pub epsilon: f64,
    /// Pixels are clamped to `[-clamp, clamp]` after every move (2.5), if set.
    pub clamp: Option<f64>,
}

impl Default for BoundaryAttack {
    fn default() -> Self {
        BoundaryAttack {
            steps: 10,
            step_size: 0.3,
            epsilon: 1e-4,
            clamp: Some(2.5),
        }
    }
}

impl Default for BoundarySupport {
    /// The official code's settings.
    fn default() -> Self {
        BoundarySupport {
            temperature: 3.0,
            attack_size: 64,
            attack: BoundaryAttack::default(),
            kd_weight_start: 4.0,
            kd_weight_end: 1.0,
            bss_weight: 2.0,
            bss_until: 0.75,
        }
    }
}

impl BoundarySupport {
    /// `a(e)` for `epoch` (from 0) of `epochs`: the official code's e is 1-based.
    pub fn kd_weight(&self, epoch: usize, epochs: usize) -> f64 {
        let progress = (epoch + 1) as f64 / epochs.max(1) as f64;
        self.kd_weight_end + (self.kd_weight_start - self.kd_weight_end) * (1.0 - progress).max(0.0)
    }

    /// `b(e)` for `epoch` (from 0) of `epochs`.
    pub fn bss_weight(&self, epoch: usize, epochs: usize) -> f64 {
        let progress = (epoch + 1) as f64 / (self.bss_until * epochs.max(1) as f64);
        self.bss_weight * (1.0 - progress).max(0.0)
    }
}

/// Indices of the base samples of a batch: correct for both nets, at most `max`, those with the
/// largest `sum_{k != y} (p_t,k - p_s,k)^2` first (ties: the earlier sample). `teacher` and
/// `student` are row-major `[n, classes]` logits.
pub fn select_base_samples(
    teacher: &[f32],
    student: &[f32],
    labels: &[usize],
    classes: usize,
    max: usize,
) -> Vec<usize> {
    let mut scored: Vec<(usize, f64)> = Vec::new();
    for (i, &y) in labels.iter().enumerate() {
        let row = |l: &[f32]| l[i * classes..(i + 1) * classes].to_vec();
        let (t, s) = (row(teacher), row(student));
        if argmax(&t) != y || argmax(&s) != y {
            continue;
        }
        let (pt, ps) = (softmax(&t), softmax(&s));
        let score = (0..classes)
            .filter(|&k| k != y)
            .map(|k| (pt[k] - ps[k]).powi(2))
            .sum::<f64>();
        scored.push((i, score));
    }
    if scored.len() > max {
        // Stable: equal scores keep the batch order.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(max);
    }
    scored.into_iter().map(|(i, _)| i).collect()
}

/// One target class per row of `teacher` logits `[n, classes]`: drawn from `rng` with
/// probability proportional to the teacher's softmax over the classes other than its top-1
/// (the classes walked in descending probability, as the official code's sort does).
pub fn draw_targets(teacher: &[f32], classes: usize, rng: &mut StdRng) -> Vec<usize> {
    teacher
        .chunks_exact(classes)
        .map(|row| {
            let p = softmax(row);
            let mut order: Vec<usize> = (0..classes).collect();
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
            let rest = &order[1..];
            let total: f64 = rest.iter().map(|&k| p[k]).sum();
            let threshold = rng.random::<f64>() * total;
            let mut cumulative = 0.0;
            for &k in rest {
                cumulative += p[k];
                if cumulative >= threshold {
                    return k;
                }
            }
            *rest.last().expect("at least two classes")
        })
        .collect()
}

/// What the attack did to each sample.
#[derive(Debug, Clone)]
pub struct AttackOutcome {
    /// The moved images `[n, C, H, W]` (plain device).
    pub images: Tensor<4>,
    /// The teacher's class of each sample before the attack (b).
    pub start_class: Vec<usize>,
    /// Moves each sample made.
    pub moves: Vec<usize>,
    /// Whether the teacher's class changed before the moves ran out (seen at a check; a sample
    /// that crosses on its last move is not seen crossing here).
    pub crossed: Vec<bool>,
}

impl BoundaryAttack {
    /// Pushes `images` `[n, C, H, W]` toward the teacher's boundary with `targets` (one class
    /// per sample). Only the samples still moving are run through the teacher at each step (the
    /// frozen teacher treats samples independently, so this changes no number).
    pub fn run(&self, teacher: &GradientNet, images: Tensor<4>, targets: &[usize]) -> AttackOutcome {
        let [n, c, h, w] = images.dims();
        assert_eq!(targets.len(), n, "one target per sample");
        let device = images.device();
        if n == 0 {
            return AttackOutcome {
                images,
                start_class: Vec::new(),
                moves: Vec::new(),
                crossed: Vec::new(),
            };
        }
        let d = c * h * w;
        // The start class b of each sample (and the class count) from one plain forward.
        let start = floats(teacher.logits(images.clone()));
        let classes = start.len() / n.max(1);
        let start_class: Vec<usize> = start.chunks_exact(classes.max(1)).map(argmax).collect();
        let mut x = floats(images);
        let mut moves = vec![0usize; n];
        let mut crossed = vec![false; n];
        let mut active: Vec<usize> = (0..n).collect();
        for _ in 0..self.steps {
            if active.is_empty() {
                break;
            }
            let m = active.len();
            let batch: Vec<f32> = active
                .iter()
                .flat_map(|&i| x[i * d..(i + 1) * d].iter().copied())
                .collect();
            let batch = Tensor::<4>::from_data(TensorData::new(batch, [m, c, h, w]), &device);
            let mut weights = vec![0f32; m * classes];
            for (row, &i) in active.iter().enumerate() {
                weights[row * classes + targets[i]] += 1.0;
                weights[row * classes + start_class[i]] -= 1.0;
            }
            let weights = Tensor::<2>::from_data(TensorData::new(weights, [m, classes]), &device);
            let (logits, gradient) = teacher.logits_and_input_gradient(batch, weights);
            let (logits, gradient) = (floats(logits), floats(gradient));
            let mut still = Vec::with_capacity(m);
            for (row, &i) in active.iter().enumerate() {
                let z = &logits[row * classes..(row + 1) * classes];
                if argmax(z) != start_class[i] {
                    crossed[i] = true;
                    continue;
                }
                let g = &gradient[row * d..(row + 1) * d];
                let norm = g.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
                if norm == 0.0 {
                    // A flat teacher gives no direction (the official code would divide by 0).
                    continue;
                }
                let gap = (z[start_class[i]] - z[targets[i]]) as f64;
                let scale = self.step_size * (gap + self.epsilon) / norm;
                for (xv, &gv) in x[i * d..(i + 1) * d].iter_mut().zip(g) {
                    let mut v = *xv as f64 + scale * gv as f64;
                    if let Some(bound) = self.clamp {
                        v = v.clamp(-bound, bound);
                    }
                    *xv = v as f32;
                }
                moves[i] += 1;
                still.push(i);
            }
            active = still;
        }
        AttackOutcome {
            images: Tensor::<4>::from_data(TensorData::new(x, [n, c, h, w]), &device),
            start_class,
            moves,
            crossed,
        }
    }
}

fn softmax(row: &[f32]) -> Vec<f64> {
    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) as f64;
    let e: Vec<f64> = row.iter().map(|&v| (v as f64 - max).exp()).collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|v| v / total).collect()
}

impl Distiller for BoundarySupport {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["hard", "kd", "bss"]
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::One,
            extra_samples: true,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::KdError::Config(m));
        let a = &self.attack;
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return bad(format!("BSS temperature must be > 0, got {}", self.temperature));
        }
        if self.attack_size == 0 || a.steps == 0 {
            return bad("BSS needs an attack size and a step count of at least 1".into());
        }
        for (name, v) in [
            ("step size", a.step_size),
            ("epsilon", a.epsilon),
            ("KD weight at the start", self.kd_weight_start),
            ("KD weight at the end", self.kd_weight_end),
            ("BSS weight", self.bss_weight),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(format!("BSS {name} must be finite and >= 0, got {v}"));
            }
        }
        if !(self.bss_until > 0.0 && self.bss_until <= 1.0) {
            return bad(format!(
                "BSS `bss_until` is a fraction of training in (0, 1], got {}",
                self.bss_until
            ));
        }
        if let Some(c) = a.clamp
            && !(c.is_finite() && c > 0.0)
        {
            return bad(format!("BSS clamp must be > 0, got {c}"));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "KD + BSS (T {}, {} samples, {} steps of {})",
            self.temperature, self.attack_size, self.attack.steps, self.attack.step_size
        )
    }

    fn extra_samples(&self, probe: &SampleProbe, ctx: &mut StepCtx) -> Option<Tensor<4>> {
        if self.bss_weight(ctx.epoch, ctx.epochs) <= 0.0 {
            return None;
        }
        let [_, classes] = probe.teacher_logits.dims();
        let teacher = floats(probe.teacher_logits.clone());
        let student = floats(probe.student_logits.clone());
        let labels: Vec<usize> = ints(probe.labels.clone()).iter().map(|&y| y as usize).collect();
        let chosen = select_base_samples(&teacher, &student, &labels, classes, self.attack_size);
        if chosen.is_empty() {
            return None;
        }
        let rows: Vec<f32> = chosen
            .iter()
            .flat_map(|&i| teacher[i * classes..(i + 1) * classes].iter().copied())
            .collect();
        let targets = draw_targets(&rows, classes, ctx.rng);
        let base = select_samples(probe.images.clone(), &chosen);
        Some(self.attack.run(probe.teacher, base, &targets).images)
    }

    fn loss_terms(&self, io: &StepIo, ctx: &mut StepCtx) -> LossTerms {
        let student = io.student.logits.clone();
        let hard = cross_entropy(student.clone(), io.labels.clone());
        let kd = soft_target_kl(student.clone(), io.teacher_logits(), self.temperature)
            .mul_scalar(self.kd_weight(ctx.epoch, ctx.epochs));
        let bss = match &io.extra {
            Some(extra) => soft_target_kl(
                extra.student.logits.clone(),
                extra.teachers[0].logits.clone(),
                self.temperature,
            )
            .mul_scalar(self.bss_weight(ctx.epoch, ctx.epochs)),
            None => Tensor::<1>::zeros([1], &student.device()),
        };
        LossTerms::new(vec![("hard", hard), ("kd", kd), ("bss", bss)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::layers::param;
    use crate::models::{MlpConfig, Net};
    use rand::SeedableRng;

    /// A linear 2-input, 2-class net: z0 = a x1 + b x2, z1 = -(a x1 + b x2); the boundary is
    /// a x1 + b x2 = 0.
    fn linear(a: f32, b: f32) -> (GradientNet, Device) {
        let device = Device::flex();
        let mut m = MlpConfig::plain(&[2, 2]).init(0, &device);
        m.layers[0].weight = param(Tensor::<2>::from_data([[a, -a], [b, -b]], &device), 0);
        m.layers[0].bias = Some(param(Tensor::<1>::zeros([2], &device), 1));
        (GradientNet::new(&Net::Mlp(m), &device), device)
    }

    fn points(p: &[[f32; 2]], device: &Device) -> Tensor<4> {
        let flat: Vec<f32> = p.iter().flatten().copied().collect();
        Tensor::<4>::from_data(TensorData::new(flat, [p.len(), 1, 1, 2]), device)
    }

    #[test]
    fn the_attack_follows_the_official_step_and_stops_once_across() {
        let (teacher, device) = linear(1.0, 0.0);
        // z0 - z1 = 2 x1, g = d(z1 - z0)/dx = (-2, 0), ||g|| = 2: a move maps x1 to
        // x1 - eta (2 x1 + eps), x2 unchanged.
        for (eta, expect_moves, expect_crossed) in [(0.3, 10, false), (0.45, 5, true)] {
            let attack = BoundaryAttack {
                step_size: eta,
                clamp: None,
                ..BoundaryAttack::default()
            };
            let out = attack.run(&teacher, points(&[[1.0, 0.5]], &device), &[1]);
            let mut x1 = 1.0f64;
            let mut moves = 0;
            while moves < 10 && x1 > 0.0 {
                x1 -= eta * (2.0 * x1 + 1e-4);
                moves += 1;
            }
            assert_eq!(out.start_class, vec![0]);
            assert_eq!(out.moves, vec![expect_moves], "eta {eta}");
            assert_eq!(moves, expect_moves);
            assert_eq!(out.crossed, vec![expect_crossed], "eta {eta}");
            let got = floats(out.images);
            assert!((got[0] as f64 - x1).abs() < 1e-6, "eta {eta}: {} vs {x1}", got[0]);
            assert_eq!(got[1], 0.5, "the boundary's normal has no x2 component");
        }
    }

    #[test]
    fn the_attack_respects_the_clamp_and_leaves_finished_samples_alone() {
        let (teacher, device) = linear(1.0, 3.0);
        let attack = BoundaryAttack {
            clamp: Some(0.5),
            ..BoundaryAttack::default()
        };
        // Sample 0: gap 2 (0.4 + 1.2) = 3.2, one move of length 0.3 * (3.2 + 1e-4) along
        // (-1, -3)/sqrt(10): x2 would reach -0.51, the clamp holds it at -0.5, and the point is
        // across (x1 + 3 x2 < 0). Sample 1 starts on the other side with target 0.
        let out = attack.run(&teacher, points(&[[0.4, 0.4], [-0.2, -0.1]], &device), &[1, 0]);
        let got = floats(out.images);
        let len = 0.3 * (3.2 + 1e-4);
        let x1 = 0.4 - len / 10f64.sqrt();
        assert!((got[0] as f64 - x1).abs() < 1e-5, "{got:?}");
        assert_eq!(got[1], -0.5);
        assert!(got.iter().all(|v| v.abs() <= 0.5));
        assert_eq!(out.start_class, vec![0, 1]);
        assert_eq!(out.moves[0], 1);
        assert!(out.crossed[0]);
        assert!(out.crossed[1], "sample 1 crosses back to class 0");
    }

    #[test]
    fn base_samples_are_the_correct_ones_with_the_largest_disagreement() {
        // 3 classes; logits chosen so the scores are easy to order by hand.
        let teacher = [
            3.0, 0.0, 0.0, // y 0, teacher right
            0.0, 3.0, 0.0, // y 1, teacher right
            0.0, 0.0, 3.0, // y 0: teacher wrong -> excluded
            3.0, 0.0, 0.0, // y 0, teacher right
            0.0, 0.0, 3.0, // y 2, teacher right
        ];
        let student = [
            3.0, 0.0, 0.0, // same as the teacher: score 0
            0.5, 1.0, 0.0, // right but unsure: the largest score
            0.0, 0.0, 3.0, //
            2.0, 0.0, 0.5, // right, middling score
            0.0, 3.0, 0.0, // wrong -> excluded
        ];
        let labels = [0, 1, 0, 0, 2];
        let score = |i: usize| {
            let (pt, ps) = (softmax(&teacher[i * 3..i * 3 + 3]), softmax(&student[i * 3..i * 3 + 3]));
            (0..3).filter(|&k| k != labels[i]).map(|k| (pt[k] - ps[k]).powi(2)).sum::<f64>()
        };
        assert!(score(1) > score(3) && score(3) > score(0));
        assert_eq!(select_base_samples(&teacher, &student, &labels, 3, 64), vec![0, 1, 3]);
        assert_eq!(select_base_samples(&teacher, &student, &labels, 3, 2), vec![1, 3]);
        assert_eq!(select_base_samples(&teacher, &student, &labels, 3, 1), vec![1]);
    }

    #[test]
    fn targets_follow_the_teachers_other_classes() {
        // Probabilities 0.5, 0.3, 0.2: class 0 is never drawn, class 1 with 0.3 / 0.5.
        let row: Vec<f32> = [0.5f32, 0.3, 0.2].iter().map(|p| p.ln()).collect();
        let rows: Vec<f32> = (0..4000).flat_map(|_| row.clone()).collect();
        let mut rng = StdRng::seed_from_u64(4);
        let targets = draw_targets(&rows, 3, &mut rng);
        assert!(!targets.contains(&0));
        let ones = targets.iter().filter(|&&k| k == 1).count() as f64 / 4000.0;
        assert!((ones - 0.6).abs() < 0.03, "{ones}");
    }

    #[test]
    fn the_weights_follow_the_official_schedules() {
        let m = BoundarySupport::default();
        m.validate().unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(m.kd_weight(0, 80), 1.0 + 3.0 * (1.0 - 1.0 / 80.0)));
        assert!(close(m.kd_weight(79, 80), 1.0));
        assert!(close(m.bss_weight(0, 80), 2.0 * (1.0 - 1.0 / 60.0)));
        assert!(close(m.bss_weight(58, 80), 2.0 / 60.0));
        assert_eq!(m.bss_weight(59, 80), 0.0);
        assert_eq!(m.bss_weight(79, 80), 0.0);
        let bad = BoundarySupport {
            bss_until: 0.0,
            ..BoundarySupport::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("bss_until"));
    }
}
