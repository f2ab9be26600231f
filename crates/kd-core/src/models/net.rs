//! The one network abstraction the training loop, evaluation, the run store and the benches use.
//!
//! [`ModelSpec`] is the serialisable description (part of every run key); [`Net`] the Burn
//! module it builds. Every net maps `[B, C, H, W]` images to [`Outputs`] (logits and named
//! features); an MLP flattens its input first. Train mode is the autodiff device (dropout from
//! the caller's stream, BatchNorm on batch statistics), eval mode is `net.valid()` on the plain
//! device (no dropout, BatchNorm on running statistics).

use burn::prelude::*;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::models::jvp::ForwardJvp;
use crate::models::{
    LeNet, LeNetConfig, Mlp, MlpConfig, Nin, NinConfig, Outputs, PlainCnn, PlainCnnConfig, ResNet,
    ResNetConfig,
};

/// Every architecture the project can train, with all its knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "net", rename_all = "kebab-case")]
pub enum ModelSpec {
    Mlp(MlpConfig),
    PlainCnn(PlainCnnConfig),
    ResNet(ResNetConfig),
    LeNet(LeNetConfig),
    Nin(NinConfig),
}

impl ModelSpec {
    pub fn validate(&self) -> crate::Result<()> {
        match self {
            ModelSpec::Mlp(c) => c.validate(),
            ModelSpec::PlainCnn(c) => c.validate(),
            ModelSpec::ResNet(c) => c.validate(),
            ModelSpec::LeNet(c) => c.validate(),
            ModelSpec::Nin(c) => c.validate(),
        }
    }

    /// A freshly initialised net, drawn from the run's own `init` stream.
    pub fn init(&self, seed: u64, device: &Device) -> Net {
        match self {
            ModelSpec::Mlp(c) => Net::Mlp(c.init(seed, device)),
            ModelSpec::PlainCnn(c) => Net::PlainCnn(c.init(seed, device)),
            ModelSpec::ResNet(c) => Net::ResNet(c.init(seed, device)),
            ModelSpec::LeNet(c) => Net::LeNet(c.init(seed, device)),
            ModelSpec::Nin(c) => Net::Nin(c.init(seed, device)),
        }
    }

    /// Whether the net takes `[channels, rows, cols]` images (an MLP: as many values as its
    /// input width).
    pub fn accepts(&self, shape: [usize; 3]) -> bool {
        match self {
            ModelSpec::Mlp(c) => c.widths.first() == Some(&shape.iter().product()),
            ModelSpec::PlainCnn(c) => c.input == shape,
            ModelSpec::ResNet(c) => c.input == shape,
            ModelSpec::LeNet(c) => c.input == shape,
            ModelSpec::Nin(c) => c.input == shape,
        }
    }

    /// Whether training draws dropout masks (and so forward-mode passes, which run without
    /// dropout, would not see the net that is trained).
    pub fn has_dropout(&self) -> bool {
        match self {
            ModelSpec::Mlp(c) => c.input_dropout > 0.0 || c.hidden_dropout > 0.0,
            ModelSpec::Nin(c) => c.dropout > 0.0,
            ModelSpec::PlainCnn(_) | ModelSpec::ResNet(_) | ModelSpec::LeNet(_) => false,
        }
    }

    /// A short description for tables and logs.
    pub fn describe(&self) -> String {
        match self {
            ModelSpec::Mlp(c) => {
                let widths: Vec<String> = c.widths.iter().map(|w| w.to_string()).collect();
                format!("MLP {}", widths.join("-"))
            }
            ModelSpec::PlainCnn(c) => format!("plain CNN, {} conv layers", c.depth()),
            ModelSpec::ResNet(c) => format!("ResNet-{} ({:?} shortcuts)", c.depth, c.shortcut),
            ModelSpec::LeNet(c) => format!("{:?}", c.arch),
            ModelSpec::Nin(_) => "Network-in-Network".into(),
        }
    }
}

macro_rules! from_config {
    ($($config:ty => $variant:ident),+) => {
        $(impl From<$config> for ModelSpec {
            fn from(c: $config) -> Self {
                ModelSpec::$variant(c)
            }
        })+
    };
}

from_config!(MlpConfig => Mlp, PlainCnnConfig => PlainCnn, ResNetConfig => ResNet,
    LeNetConfig => LeNet, NinConfig => Nin);

#[derive(Module, Debug)]
pub enum Net {
    Mlp(Mlp),
    PlainCnn(PlainCnn),
    ResNet(ResNet),
    LeNet(LeNet),
    Nin(Nin),
}

impl Net {
    /// Logits and named features of a batch `[B, C, H, W]`. With `dropout` (the training
    /// stream) the nets that use dropout draw their masks from it.
    pub fn forward(&self, x: Tensor<4>, dropout: Option<&mut StdRng>) -> Outputs {
        match self {
            Net::Mlp(m) => {
                let (logits, features) = m.forward_features(x.flatten(1, 3), dropout);
                Outputs { logits, features }
            }
            Net::PlainCnn(m) => m.forward(x, dropout),
            Net::ResNet(m) => m.forward(x, dropout),
            Net::LeNet(m) => m.forward(x, dropout),
            Net::Nin(m) => m.forward(x, dropout),
        }
    }

    /// Logits only (what evaluation and the teacher stage need).
    pub fn logits(&self, x: Tensor<4>) -> Tensor<2> {
        self.forward(x, None).logits
    }

    /// The net's own rule applied after every optimizer step (the MLP's max-norm projection).
    pub fn after_step(self, spec: &ModelSpec) -> Self {
        match (self, spec) {
            (Net::Mlp(m), ModelSpec::Mlp(c)) => match c.max_norm {
                Some(limit) => Net::Mlp(m.constrain_max_norm(limit)),
                None => Net::Mlp(m),
            },
            (net, _) => net,
        }
    }

    pub fn num_classes(&self) -> usize {
        match self {
            Net::Mlp(m) => m.num_classes(),
            Net::PlainCnn(m) => m.num_classes(),
            Net::ResNet(m) => m.num_classes(),
            Net::LeNet(m) => m.num_classes(),
            Net::Nin(m) => m.num_classes(),
        }
    }

    /// Logits and `J(x) v` for one tangent `v` per row of the flattened input, in forward mode
    /// (inference: no dropout). Only MLPs implement it; other nets give a clear error.
    pub fn forward_jvp(&self, x: Tensor<4>, v: Tensor<2>) -> crate::Result<(Tensor<2>, Tensor<2>)> {
        match self {
            Net::Mlp(m) => Ok(m.forward_jvp(x.flatten(1, 3), v)),
            _ => Err(crate::KdError::Config(
                "forward-mode input derivatives are implemented for MLPs only".into(),
            )),
        }
    }

    /// Whether [`Net::forward_jvp`] is available.
    pub fn supports_jvp(spec: &ModelSpec) -> bool {
        matches!(spec, ModelSpec::Mlp(_))
    }
}
