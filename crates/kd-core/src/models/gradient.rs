//! A trained net as a fixed function whose input gradients can be taken (the boundary-sample
//! attack steps on the teacher's input): a copy of the net on the autodiff device, frozen, so
//! no parameter takes a gradient and BatchNorm stays on its running statistics (Burn's
//! `BatchNorm` takes the training path only when its `training` flag is on, which `freeze`
//! turns off) and dropout is never drawn.

use burn::module::Module;
use burn::prelude::*;

use super::Net;

pub struct GradientNet {
    net: Net,
    device: Device,
}

impl GradientNet {
    /// `net` (any device, e.g. a teacher on the plain device) frozen on `device`'s autodiff
    /// twin.
    pub fn new(net: &Net, device: &Device) -> Self {
        let ad = device.clone().inner().autodiff();
        GradientNet {
            net: net.clone().to_device(&ad).freeze(),
            device: ad,
        }
    }

    /// The logits of `x` (plain device, inference mode).
    pub fn logits(&self, x: Tensor<4>) -> Tensor<2> {
        self.net.valid().logits(x)
    }

    /// The logits of `x` `[n, C, H, W]` and the gradient with respect to `x` of
    /// `sum(weights * logits)` (`weights` `[n, classes]`), one row per sample: with `weights` the
    /// one-hot of class k minus that of class b, row `i` is `d(z_k - z_b)/dx_i`. Both on the
    /// plain device.
    pub fn logits_and_input_gradient(
        &self,
        x: Tensor<4>,
        weights: Tensor<2>,
    ) -> (Tensor<2>, Tensor<4>) {
        let x = x
            .inner()
            .to_device(&self.device.clone().inner())
            .autodiff()
            .require_grad();
        let logits = self.net.forward(x.clone(), None).logits;
        let objective = (logits.clone() * weights.inner().autodiff()).sum();
        let grads = objective.backward();
        let gradient = x
            .grad(&grads)
            .expect("the input is a leaf that requires a gradient");
        (logits.inner(), gradient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{ModelSpec, ResNetConfig, Shortcut};
    use crate::tensors::floats;

    /// A small ResNet with trained-looking (non-default) BatchNorm statistics: a few training
    /// forwards on the autodiff device move its running means and variances off 0 and 1.
    fn net_with_running_statistics() -> (Net, Device) {
        let device = Device::flex();
        let spec = ModelSpec::from(ResNetConfig::new(8, Shortcut::A, [1, 8, 8], 3));
        let ad = device.clone().autodiff();
        let net = spec.init(3, &ad);
        for i in 0..3 {
            let x = Tensor::<4>::from_data(
                TensorData::new(
                    (0..4 * 64)
                        .map(|k| ((k * 7 + i) % 11) as f32 / 5.0)
                        .collect(),
                    [4, 1, 8, 8],
                ),
                &ad,
            );
            let _ = net.forward(x, None).logits.sum().backward();
        }
        (net.valid(), device)
    }

    fn input(device: &Device) -> Tensor<4> {
        Tensor::<4>::from_data(
            TensorData::new(
                (0..2 * 64)
                    .map(|k| ((k * 13) % 17) as f32 / 8.0 - 1.0)
                    .collect(),
                [2, 1, 8, 8],
            ),
            device,
        )
    }

    #[test]
    fn logits_are_the_plain_nets_and_the_gradient_matches_finite_differences() {
        let (net, device) = net_with_running_statistics();
        let probe = GradientNet::new(&net, &device);
        let x = input(&device);
        let plain = floats(net.logits(x.clone()));
        assert_eq!(floats(probe.logits(x.clone())), plain);
        // d(z_2 - z_0)/dx for sample 0, d(z_1)/dx for sample 1.
        let weights = Tensor::<2>::from_data([[-1.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]], &device);
        let (logits, gradient) = probe.logits_and_input_gradient(x.clone(), weights.clone());
        for (a, b) in floats(logits).iter().zip(&plain) {
            assert!(
                (a - b).abs() < 1e-5,
                "{a} vs {b}: running statistics, not batch ones"
            );
        }
        let g = floats(gradient);
        let objective =
            |x: Tensor<4>| -> Vec<f32> { floats((net.logits(x) * weights.clone()).sum_dim(1)) };
        let base: Vec<f32> = floats(x.clone());
        let h = 1e-2f32;
        for &pixel in &[0usize, 9, 30, 64 + 5, 64 + 50] {
            let bumped = |d: f32| {
                let mut v = base.clone();
                v[pixel] += d;
                Tensor::<4>::from_data(TensorData::new(v, [2, 1, 8, 8]), &device)
            };
            let sample = pixel / 64;
            let numeric =
                (objective(bumped(h))[sample] - objective(bumped(-h))[sample]) / (2.0 * h);
            assert!(
                (numeric - g[pixel]).abs() < 2e-3 + 2e-2 * numeric.abs(),
                "pixel {pixel}: finite difference {numeric} vs autodiff {}",
                g[pixel]
            );
        }
        // The other sample's input does not move this sample's objective.
        assert_ne!(g[..64].iter().map(|v| v.abs()).sum::<f32>(), 0.0);
    }
}
