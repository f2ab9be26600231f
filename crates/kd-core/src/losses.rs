//! Loss functions as pure tensor functions. Every loss reduces by the mean over the batch
//! (sum over classes), so its value does not depend on the batch size.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Mean cross-entropy of `logits` `[batch, classes]` against integer `labels` `[batch]`.
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let [batch, _] = logits.dims();
    let log_p = log_softmax(logits, 1);
    let picked = log_p.gather(1, labels.reshape([batch, 1]));
    picked.mean().neg()
}

/// `KL(softmax(teacher/T) || softmax(student/T))`, averaged over the batch, *without* the T^2
/// factor. Its gradient w.r.t. the student logits is `(q - p) / (T * batch)`, q the student's and
/// p the teacher's softened distribution.
pub fn soft_target_kl(
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    temperature: f64,
) -> Tensor<1> {
    let [batch, _] = student_logits.dims();
    let log_q = log_softmax(student_logits / temperature, 1);
    let log_p = log_softmax(teacher_logits / temperature, 1);
    let p = log_p.clone().exp();
    (p * (log_p - log_q)).sum().div_scalar(batch as f64)
}

/// `KL(p || softmax(student/T))` for given target probabilities `p` `[batch, classes]` (rows
/// summing to 1, e.g. an ensemble's averaged softened distributions), averaged over the batch,
/// without the T^2 factor. Entries of `p` that are 0 contribute 0.
pub fn kl_to_probabilities(
    student_logits: Tensor<2>,
    target_probabilities: Tensor<2>,
    temperature: f64,
) -> Tensor<1> {
    let [batch, _] = student_logits.dims();
    let log_q = log_softmax(student_logits / temperature, 1);
    let p = target_probabilities;
    let log_p = p.clone().clamp_min(1e-30).log();
    (p * (log_p - log_q)).sum().div_scalar(batch as f64)
}

/// Hinton et al.'s soft-target term: `T^2 * KL(p_T || q_T)`. The T^2 keeps the gradient's
/// magnitude independent of T, so the soft and hard terms can be mixed with a fixed weight.
pub fn distillation(
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    temperature: f64,
) -> Tensor<1> {
    soft_target_kl(student_logits, teacher_logits, temperature)
        .mul_scalar(temperature * temperature)
}

/// Caruana's logit regression `1/2 ||s - t||^2` (summed over classes, mean over the batch). For
/// zero-mean logits, distillation's gradient tends to this one's divided by `N T^2` (N classes)
/// as T grows, so with the T^2 factor they differ only by the constant 1/N.
pub fn logit_regression(student_logits: Tensor<2>, teacher_logits: Tensor<2>) -> Tensor<1> {
    let [batch, _] = student_logits.dims();
    (student_logits - teacher_logits)
        .square()
        .sum()
        .div_scalar(2.0 * batch as f64)
}

/// `(1 - w) * T^2 KL + w * CE`: the combined objective of Hinton et al. with hard weight `w`.
pub fn distillation_objective(
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    labels: Tensor<1, Int>,
    temperature: f64,
    hard_weight: f64,
) -> Tensor<1> {
    let soft = distillation(student_logits.clone(), teacher_logits, temperature);
    let hard = cross_entropy(student_logits, labels);
    soft.mul_scalar(1.0 - hard_weight) + hard.mul_scalar(hard_weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device() -> Device {
        Device::flex().autodiff()
    }

    fn t2(rows: &[[f32; 4]], device: &Device) -> Tensor<2> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::from_data(TensorData::new(flat, [rows.len(), 4]), device)
    }

    fn scalar(t: Tensor<1>) -> f64 {
        t.into_scalar::<f32>() as f64
    }

    fn vec2(t: Tensor<2>) -> Vec<f32> {
        crate::tensors::floats(t)
    }

    fn softmax_rows(x: &[[f32; 4]], temp: f64) -> Vec<f64> {
        x.iter()
            .flat_map(|r| {
                let m = r.iter().fold(f32::MIN, |a, &b| a.max(b)) as f64;
                let e: Vec<f64> = r.iter().map(|&v| ((v as f64 - m) / temp).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(move |v| v / s)
            })
            .collect()
    }

    const S: [[f32; 4]; 3] = [
        [1.0, -0.5, 2.0, 0.3],
        [0.2, 0.1, -1.0, 1.5],
        [-2.0, 0.0, 0.5, 0.5],
    ];
    const T: [[f32; 4]; 3] = [
        [3.0, -1.0, 0.0, 0.5],
        [-0.5, 2.0, 0.0, 0.1],
        [1.0, 1.0, -1.0, 0.0],
    ];

    fn grad_of(f: impl Fn(Tensor<2>) -> Tensor<1>, s: &[[f32; 4]; 3]) -> Vec<f32> {
        let d = device();
        let x = t2(s, &d).require_grad();
        let grads = f(x.clone()).backward();
        vec2(x.grad(&grads).unwrap())
    }

    #[test]
    fn kl_of_a_distribution_with_itself_is_zero_and_kl_is_nonnegative() {
        let d = Device::flex();
        for temp in [1.0, 2.5, 20.0] {
            let same = scalar(soft_target_kl(t2(&S, &d), t2(&S, &d), temp));
            assert!(same.abs() < 1e-6, "{same}");
            // Shifting logits by a constant does not change the distribution.
            let shifted = scalar(soft_target_kl(t2(&S, &d) + 3.0, t2(&S, &d), temp));
            assert!(shifted.abs() < 1e-5, "{shifted}");
            assert!(scalar(soft_target_kl(t2(&S, &d), t2(&T, &d), temp)) > 0.0);
            assert!(scalar(soft_target_kl(t2(&T, &d), t2(&S, &d), temp)) > 0.0);
        }
    }

    #[test]
    fn soft_gradient_is_q_minus_p_over_t() {
        for temp in [1.0, 3.0, 20.0] {
            let dev = Device::flex();
            let g = grad_of(|s| soft_target_kl(s, t2(&T, &dev).autodiff(), temp), &S);
            let q = softmax_rows(&S, temp);
            let p = softmax_rows(&T, temp);
            for k in 0..12 {
                let expect = (q[k] - p[k]) / (temp * 3.0);
                assert!((g[k] as f64 - expect).abs() < 1e-6, "T={temp} k={k}");
            }
            // With the T^2 factor the gradient is T (q - p) / batch.
            let g2 = grad_of(|s| distillation(s, t2(&T, &dev).autodiff(), temp), &S);
            for k in 0..12 {
                let expect = temp * (q[k] - p[k]) / 3.0;
                assert!((g2[k] as f64 - expect).abs() < 1e-5, "T={temp} k={k}");
            }
        }
    }

    #[test]
    fn gradient_matches_central_finite_differences() {
        let dev = Device::flex();
        let temp = 2.5;
        let loss = |s: &[[f32; 4]; 3]| -> f64 {
            scalar(distillation_objective(
                t2(s, &dev),
                t2(&T, &dev),
                Tensor::from_data(TensorData::new(vec![2i64, 1, 0], [3]), &dev),
                temp,
                0.3,
            ))
        };
        let g = grad_of(
            |s| {
                distillation_objective(
                    s,
                    t2(&T, &dev).autodiff(),
                    Tensor::from_data(TensorData::new(vec![2i64, 1, 0], [3]), &device()),
                    temp,
                    0.3,
                )
            },
            &S,
        );
        let h = 1e-2f32;
        for (k, &gk) in g.iter().enumerate() {
            let (r, c) = (k / 4, k % 4);
            let mut plus = S;
            plus[r][c] += h;
            let mut minus = S;
            minus[r][c] -= h;
            let fd = (loss(&plus) - loss(&minus)) / (2.0 * h as f64);
            assert!((gk as f64 - fd).abs() < 2e-3, "k={k}: {gk} vs {fd}");
        }
    }

    #[test]
    fn high_temperature_gradient_tends_to_logit_difference() {
        // For zero-mean logits, dKL/ds -> (s - t) / (N T^2) per sample as T grows (Hinton et al.
        // eq. 4, N classes); with the batch mean, (s - t) / (N T^2 batch).
        let zero_mean = |x: [[f32; 4]; 3]| {
            x.map(|r| {
                let m = r.iter().sum::<f32>() / 4.0;
                r.map(|v| v - m)
            })
        };
        let (s, t) = (zero_mean(S), zero_mean(T));
        let dev = Device::flex();
        let temp = 200.0;
        let g = grad_of(|x| soft_target_kl(x, t2(&t, &dev).autodiff(), temp), &s);
        for (k, &gk) in g.iter().enumerate() {
            let (r, c) = (k / 4, k % 4);
            let limit = (s[r][c] - t[r][c]) as f64 / (4.0 * temp * temp * 3.0);
            let rel = (gk as f64 - limit).abs() / limit.abs().max(1e-9);
            assert!(rel < 0.02, "k={k}: {gk} vs {limit}");
        }
        // ...and logit regression's gradient is (s - t) / batch, i.e. N T^2 times that.
        let gl = grad_of(|x| logit_regression(x, t2(&t, &dev).autodiff()), &s);
        for (k, &gk) in gl.iter().enumerate() {
            let (r, c) = (k / 4, k % 4);
            assert!((gk - (s[r][c] - t[r][c]) / 3.0).abs() < 1e-6);
        }
    }

    #[test]
    fn hard_weight_limits() {
        let d = Device::flex();
        let labels = || Tensor::<1, Int>::from_data(TensorData::new(vec![2i64, 1, 0], [3]), &d);
        let all_soft = scalar(distillation_objective(
            t2(&S, &d),
            t2(&T, &d),
            labels(),
            4.0,
            0.0,
        ));
        let soft = scalar(distillation(t2(&S, &d), t2(&T, &d), 4.0));
        assert!((all_soft - soft).abs() < 1e-6);
        let all_hard = scalar(distillation_objective(
            t2(&S, &d),
            t2(&T, &d),
            labels(),
            4.0,
            1.0,
        ));
        let ce = scalar(cross_entropy(t2(&S, &d), labels()));
        assert!((all_hard - ce).abs() < 1e-6);
    }

    #[test]
    fn cross_entropy_matches_a_hand_computation() {
        let d = Device::flex();
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![2i64, 3, 1], [3]), &d);
        let got = scalar(cross_entropy(t2(&S, &d), labels));
        let p = softmax_rows(&S, 1.0);
        let expect = -(p[2].ln() + p[4 + 3].ln() + p[8 + 1].ln()) / 3.0;
        assert!((got - expect).abs() < 1e-5, "{got} vs {expect}");
        // Softmax itself is consistent with Burn's.
        let burn_p = vec2(burn::tensor::activation::softmax(t2(&S, &d), 1));
        assert!((burn_p[0] as f64 - p[0]).abs() < 1e-6);
    }
}
