//! Models. Each maps `[B, C, H, W]` images to [`Outputs`]; initialisation and dropout draw from
//! the project's own seeded streams (not the backend's global RNG) so runs are reproducible and
//! resumable. [`ModelSpec`] / [`Net`] are what the rest of the crate uses.

pub mod jvp;
pub mod mlp;
pub mod net;
pub mod outputs;

pub use jvp::{ForwardJvp, jacobian};
pub use mlp::{Activation, Mlp, MlpConfig};
pub use net::{ModelSpec, Net};
pub use outputs::Outputs;
