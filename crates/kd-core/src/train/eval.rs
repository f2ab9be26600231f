//! Evaluation on the plain (non-autodiff) device: logits, predictions and error counts.

use burn::prelude::*;

use crate::data::batch::images_tensor;
use crate::data::{ImageSet, Normalization};
use crate::models::Net;

/// Images evaluated per forward pass.
const EVAL_CHUNK: usize = 1000;

/// Row-major `[set.len(), classes]` logits of `model` (eval mode: pass a `valid()` net on the
/// plain device), its inputs normalised by `normalize`.
pub fn logits_of(
    model: &Net,
    set: &ImageSet,
    normalize: Option<&Normalization>,
    device: &Device,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(set.len() * model.num_classes());
    let mut start = 0;
    while start < set.len() {
        let end = (start + EVAL_CHUNK).min(set.len());
        let x = images_tensor(set, start..end, normalize, device);
        out.extend(crate::tensors::floats(model.logits(x)));
        start = end;
    }
    out
}

/// Index of the largest entry of each row of `[n, classes]` logits.
pub fn predictions(logits: &[f32], classes: usize) -> Vec<usize> {
    logits
        .chunks(classes)
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
                    if v > best.1 { (i, v) } else { best }
                })
                .0
        })
        .collect()
}

/// Number of misclassified images.
pub fn error_count(logits: &[f32], labels: &[u8], classes: usize) -> usize {
    predictions(logits, classes)
        .iter()
        .zip(labels)
        .filter(|(p, l)| **p != **l as usize)
        .count()
}

/// Errors after adding `delta` to the logits (biases) of `classes_shifted`: how Hinton et al.
/// correct a student whose transfer set lacked (or only had) some classes.
pub fn error_count_with_bias(
    logits: &[f32],
    labels: &[u8],
    classes: usize,
    classes_shifted: &[usize],
    delta: f32,
) -> usize {
    let mut shifted = logits.to_vec();
    for row in shifted.chunks_mut(classes) {
        for &c in classes_shifted {
            row[c] += delta;
        }
    }
    error_count(&shifted, labels, classes)
}

/// The shift from `grid` that minimises validation errors when added to the logits of
/// `classes` (the first of equals, so ties keep the smaller change), with those errors.
pub fn best_bias_shift(
    val_logits: &[f32],
    val_labels: &[u8],
    num_classes: usize,
    classes: &[usize],
    grid: &[f32],
) -> (f32, usize) {
    grid.iter()
        .map(|&d| {
            (
                d,
                error_count_with_bias(val_logits, val_labels, num_classes, classes, d),
            )
        })
        .reduce(|best, c| if c.1 < best.1 { c } else { best })
        .expect("a non-empty grid")
}

/// Errors among the images whose label is one of `classes`, and how many such images there are.
pub fn errors_on_classes(
    logits: &[f32],
    labels: &[u8],
    num_classes: usize,
    classes: &[usize],
) -> (usize, usize) {
    let preds = predictions(logits, num_classes);
    let mut errors = 0;
    let mut total = 0;
    for (p, &l) in preds.iter().zip(labels) {
        if classes.contains(&(l as usize)) {
            total += 1;
            errors += usize::from(*p != l as usize);
        }
    }
    (errors, total)
}

/// Fraction of rows on which two sets of logits pick the same class.
pub fn agreement(a: &[f32], b: &[f32], classes: usize) -> f64 {
    let (pa, pb) = (predictions(a, classes), predictions(b, classes));
    let same = pa.iter().zip(&pb).filter(|(x, y)| x == y).count();
    same as f64 / pa.len().max(1) as f64
}

/// Mean over rows of KL(softmax(teacher) || softmax(student)) at temperature 1, in nats.
pub fn mean_kl(teacher: &[f32], student: &[f32], classes: usize) -> f64 {
    let log_softmax = |row: &[f32]| -> Vec<f64> {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
        let lse = row.iter().map(|&v| (v as f64 - m).exp()).sum::<f64>().ln() + m;
        row.iter().map(|&v| v as f64 - lse).collect()
    };
    let rows = teacher.len() / classes;
    let total: f64 = teacher
        .chunks(classes)
        .zip(student.chunks(classes))
        .map(|(t, s)| {
            let (lt, ls) = (log_softmax(t), log_softmax(s));
            lt.iter()
                .zip(&ls)
                .map(|(a, b)| a.exp() * (a - b))
                .sum::<f64>()
        })
        .sum();
    total / rows.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_shift_changes_decisions() {
        let logits = [1.0, 0.5, 0.0, 2.0];
        let labels = [1, 1];
        assert_eq!(error_count(&logits, &labels, 2), 1);
        assert_eq!(error_count_with_bias(&logits, &labels, 2, &[1], 0.6), 0);
        assert_eq!(error_count_with_bias(&logits, &labels, 2, &[1], -3.0), 2);
        let (d, e) = best_bias_shift(&logits, &labels, 2, &[1], &[0.0, 0.25, 0.75, 1.0]);
        assert_eq!((d, e), (0.75, 0));
        assert_eq!(errors_on_classes(&logits, &labels, 2, &[1]), (1, 2));
        assert_eq!(errors_on_classes(&logits, &labels, 2, &[0]), (0, 0));
    }

    #[test]
    fn agreement_and_kl() {
        let t = [2.0, 0.0, 0.0, 1.0];
        let s = [1.0, 0.0, 3.0, 0.0];
        assert_eq!(agreement(&t, &s, 2), 0.5);
        assert!(mean_kl(&t, &t, 2).abs() < 1e-12);
        // Row 1: p = softmax(2, 0), q = softmax(1, 0); row 2: p = softmax(0, 1), q = softmax(3, 0).
        let kl = |p: [f64; 2], q: [f64; 2]| p[0] * (p[0] / q[0]).ln() + p[1] * (p[1] / q[1]).ln();
        let sm = |a: f64, b: f64| [a.exp() / (a.exp() + b.exp()), b.exp() / (a.exp() + b.exp())];
        let expect = (kl(sm(2.0, 0.0), sm(1.0, 0.0)) + kl(sm(0.0, 1.0), sm(3.0, 0.0))) / 2.0;
        assert!((mean_kl(&t, &s, 2) - expect).abs() < 1e-9);
    }
}
