//! Models. Each maps `[B, C, H, W]` images to [`Outputs`]; initialisation and dropout draw from
//! the project's own seeded streams (not the backend's global RNG) so runs are reproducible and
//! resumable. [`ModelSpec`] / [`Net`] are what the rest of the crate uses.

pub mod cnn;
pub mod gradient;
pub mod jvp;
pub mod layers;
pub mod lenet;
pub mod mlp;
pub mod net;
pub mod nin;
pub mod outputs;
pub mod resnet;

pub use cnn::{CnnBook, CnnLayer, PlainCnn, PlainCnnConfig};
pub use gradient::GradientNet;
pub use jvp::{ForwardJvp, jacobian};
pub use layers::{Init, trainable_params};
pub use lenet::{LeNet, LeNetArch, LeNetConfig};
pub use mlp::{Activation, Mlp, MlpConfig};
pub use net::{ModelSpec, Net};
pub use nin::{Nin, NinConfig};
pub use outputs::Outputs;
pub use resnet::{ResNet, ResNetConfig, Shortcut};
