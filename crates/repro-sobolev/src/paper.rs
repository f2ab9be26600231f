//! Czarnecki, Osindero, Jaderberg, Świrszcz & Pascanu (2017), "Sobolev Training for Neural
//! Networks", NIPS 2017 (arXiv:1706.04859).
//!
//! §4.1 (artificial data): regress 2-D optimisation test functions from 20 or 100 samples
//! with an MLP of two hidden layers of 256 ReLU units trained with Adam, using values only
//! (Regular), values and gradients (Sobolev), or values and one random projection of the
//! gradient per sample (stochastic Sobolev). The paper reports that Sobolev training gives
//! lower test error than regular training on every function, most markedly with 20 samples.
//! Its exact table values are not at hand here, so only the claims are compared.
//!
//! §4.2/4.3 distil Atari policies and synthetic-gradient models, which cannot be run here; the
//! digit experiment is an analogue of the mechanism: match the teacher's logits, with and
//! without its input-Jacobian projections, on transfer sets of growing size. The paper's claim:
//! derivative matching helps most when data is scarce.

/// The training-set sizes of §4.1.
pub const TRAIN_SIZES: [usize; 2] = [20, 100];
