//! Models. Each exposes its logits; initialisation and dropout draw from the project's own
//! seeded streams (not the backend's global RNG) so runs are reproducible and resumable.

pub mod jvp;
pub mod mlp;

pub use jvp::{ForwardJvp, jacobian};
pub use mlp::{Activation, Mlp, MlpConfig};
pub mod cnn;
pub mod layers;
pub mod lenet;
pub mod nin;
pub mod outputs;
pub mod resnet;

pub use cnn::{CnnBook, CnnLayer, PlainCnn, PlainCnnConfig};
pub use layers::{Init, trainable_params};
pub use lenet::{LeNet, LeNetArch, LeNetConfig};
pub use nin::{Nin, NinConfig};
pub use outputs::Outputs;
pub use resnet::{ResNet, ResNetConfig, Shortcut};
