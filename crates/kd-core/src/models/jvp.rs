//! Forward-mode derivatives (Jacobian-vector products) built from ordinary tensor ops.
//!
//! Burn 0.22 has first-order reverse mode only: a gradient is not itself differentiable, so
//! Sobolev training cannot differentiate an input gradient. Forward mode sidesteps that: the
//! tangent `dh = J_h(x) v` is propagated through every layer with the same kind of ops as the
//! value (Linear: `dh W`; ReLU: `dh * 1[h > 0]`; tanh: `dh * (1 - y^2)`; softplus:
//! `dh * sigmoid(h)`), so the usual `backward()` differentiates a loss on `J v` with respect to
//! the parameters.

use burn::prelude::*;
use burn::tensor::activation;

use crate::models::{Activation, Mlp};

/// Models whose input derivatives can be propagated forward.
pub trait ForwardJvp {
    /// Outputs `y = f(x)` `[batch, out]` and `J(x) v` `[batch, out]` for one tangent `v`
    /// `[batch, in]` per input row (inference mode: no dropout).
    fn forward_jvp(&self, x: Tensor<2>, v: Tensor<2>) -> (Tensor<2>, Tensor<2>);
}

impl Activation {
    /// The activation and its tangent at pre-activation `h` along `dh`.
    pub fn apply_jvp(self, h: Tensor<2>, dh: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        match self {
            Activation::Relu => {
                let mask = h.clone().greater_elem(0.0).float();
                (activation::relu(h), dh * mask)
            }
            Activation::Tanh => {
                let y = h.tanh();
                let slope = y.clone().square().neg().add_scalar(1.0);
                (y, dh * slope)
            }
            Activation::Softplus => {
                let slope = activation::sigmoid(h.clone());
                (activation::softplus(h, 1.0), dh * slope)
            }
        }
    }
}

impl ForwardJvp for Mlp {
    fn forward_jvp(&self, x: Tensor<2>, v: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let (mut h, mut dh) = (x, v);
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            // The bias does not depend on the input, so the tangent gets only the weight.
            dh = dh.matmul(layer.weight.val());
            h = layer.forward(h);
            if i < last {
                (h, dh) = self.activation.apply_jvp(h, dh);
            }
        }
        (h, dh)
    }
}

/// The full Jacobians `[batch, out, in]` of `model` at the rows of `x` `[batch, in]`: one JVP per
/// input basis vector, all batched as extra rows of a single forward pass.
pub fn jacobian<M: ForwardJvp>(model: &M, x: Tensor<2>) -> Tensor<3> {
    let [batch, d_in] = x.dims();
    let device = x.device();
    // Row (b * d_in + i) holds x_b with tangent e_i.
    let xs = x
        .unsqueeze_dim::<3>(1)
        .repeat_dim(1, d_in)
        .reshape([batch * d_in, d_in]);
    let eye = Tensor::<2>::eye(d_in, &device)
        .unsqueeze_dim::<3>(0)
        .repeat_dim(0, batch)
        .reshape([batch * d_in, d_in]);
    let (_, jv) = model.forward_jvp(xs, eye);
    let d_out = jv.dims()[1];
    // [batch, in, out] -> [batch, out, in]
    jv.reshape([batch, d_in, d_out]).swap_dims(1, 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::MlpConfig;
    use crate::tensors::floats;

    fn net(activation: Activation, device: &Device) -> Mlp {
        MlpConfig {
            activation,
            ..MlpConfig::plain(&[5, 16, 16, 3])
        }
        .init(3, device)
    }

    fn inputs(rows: usize, salt: f32, device: &Device) -> Tensor<2> {
        let v: Vec<f32> = (0..rows * 5)
            .map(|i| (i as f32 * 0.7 + salt).sin() * 1.3)
            .collect();
        Tensor::from_data(TensorData::new(v, [rows, 5]), device)
    }

    /// J v from forward mode against central finite differences of the forward pass. ReLU nets
    /// are piecewise linear, so their differences are exact away from kinks (tolerance covers
    /// the rare kink crossing at h = 1e-3).
    #[test]
    fn jvp_matches_central_differences() {
        let d = Device::flex();
        for act in [Activation::Tanh, Activation::Softplus, Activation::Relu] {
            let m = net(act, &d);
            let x = inputs(4, 0.1, &d);
            let v = inputs(4, 2.0, &d);
            let (y, jv) = m.forward_jvp(x.clone(), v.clone());
            assert_eq!(floats(y), floats(m.forward(x.clone(), None)));
            let h = 1e-3;
            let plus = floats(m.forward(x.clone() + v.clone().mul_scalar(h), None));
            let minus = floats(m.forward(x - v.mul_scalar(h), None));
            let jv = floats(jv);
            for k in 0..jv.len() {
                let fd = (plus[k] - minus[k]) / (2.0 * h as f32);
                assert!(
                    (jv[k] - fd).abs() < 2e-3 * (1.0 + jv[k].abs()),
                    "{act:?} k={k}: {} vs {fd}",
                    jv[k]
                );
            }
        }
    }

    /// `u^T (J v)` from forward mode equals `(J^T u)^T v` from reverse mode (the autodiff input
    /// gradient of `u^T f(x)`).
    #[test]
    fn forward_mode_agrees_with_reverse_mode() {
        let ad = Device::flex().autodiff();
        for act in [Activation::Tanh, Activation::Softplus, Activation::Relu] {
            let m = net(act, &ad);
            let x = inputs(4, 0.3, &ad).require_grad();
            let v = inputs(4, 1.1, &ad);
            let u = Tensor::<2>::from_data(
                TensorData::new((0..12).map(|i| (i as f32 * 0.37).cos()).collect(), [4, 3]),
                &ad,
            );
            let (_, jv) = m.forward_jvp(x.clone().inner(), v.clone().inner());
            let forward: f32 = floats(jv * u.clone().inner()).iter().sum();
            let grads = (m.forward(x.clone(), None) * u).sum().backward();
            let jtu = x.grad(&grads).expect("input gradient");
            let reverse: f32 = floats(jtu * v.inner()).iter().sum();
            assert!(
                (forward - reverse).abs() < 1e-4 * (1.0 + reverse.abs()),
                "{act:?}: {forward} vs {reverse}"
            );
        }
    }

    #[test]
    fn full_jacobian_stacks_the_basis_jvps() {
        let d = Device::flex();
        let m = net(Activation::Tanh, &d);
        let x = inputs(2, 0.5, &d);
        let jac = jacobian(&m, x.clone());
        assert_eq!(jac.dims(), [2, 3, 5]);
        let jac = floats(jac);
        for i in 0..5 {
            let mut e = vec![0.0f32; 10];
            e[i] = 1.0;
            e[5 + i] = 1.0;
            let (_, jv) =
                m.forward_jvp(x.clone(), Tensor::from_data(TensorData::new(e, [2, 5]), &d));
            let jv = floats(jv);
            for b in 0..2 {
                for o in 0..3 {
                    assert!((jac[b * 15 + o * 5 + i] - jv[b * 3 + o]).abs() < 1e-6);
                }
            }
        }
        // A single linear layer's Jacobian is its weight, transposed ([out, in]).
        let lin = MlpConfig::plain(&[5, 3]).init(1, &d);
        let w = floats(lin.layers[0].weight.val());
        let j = floats(jacobian(&lin, inputs(1, 0.0, &d)));
        for o in 0..3 {
            for i in 0..5 {
                assert!((j[o * 5 + i] - w[i * 3 + o]).abs() < 1e-6);
            }
        }
    }

    /// The Jacobian term trains with first-order backward: Sobolev-fitting a student to a
    /// teacher's values and JVPs lowers both errors.
    #[test]
    fn jacobian_matching_trains_with_first_order_backward() {
        use burn::optim::{AdamConfig, GradientsParams};
        let plain = Device::flex();
        let ad = plain.clone().autodiff();
        let teacher = net(Activation::Tanh, &plain);
        let mut student = MlpConfig {
            activation: Activation::Tanh,
            ..MlpConfig::plain(&[5, 32, 3])
        }
        .init(9, &ad);
        let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
        let x = inputs(64, 0.2, &plain);
        let v = inputs(64, 4.0, &plain);
        let (ty, tjv) = teacher.forward_jvp(x.clone(), v.clone());
        let losses = |s: &Mlp| {
            let (y, jv) = s.forward_jvp(x.clone().autodiff(), v.clone().autodiff());
            (
                (y - ty.clone().autodiff()).square().mean(),
                (jv - tjv.clone().autodiff()).square().mean(),
            )
        };
        let (v0, j0) = losses(&student);
        let (v0, j0) = (v0.into_scalar::<f32>(), j0.into_scalar::<f32>());
        for _ in 0..200 {
            let (lv, lj) = losses(&student);
            let grads = GradientsParams::from_grads((lv + lj).backward(), &student);
            student = optim.step(3e-3, student, grads);
        }
        let (v1, j1) = losses(&student);
        let (v1, j1) = (v1.into_scalar::<f32>(), j1.into_scalar::<f32>());
        assert!(v1 < 0.2 * v0, "value loss {v0} -> {v1}");
        assert!(j1 < 0.2 * j0, "jacobian loss {j0} -> {j1}");
    }
}
