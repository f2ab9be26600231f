//! Models. Each exposes its logits; initialisation and dropout draw from the project's own
//! seeded streams (not the backend's global RNG) so runs are reproducible and resumable.

pub mod jvp;
pub mod mlp;

pub use jvp::{ForwardJvp, jacobian};
pub use mlp::{Activation, Mlp, MlpConfig};
