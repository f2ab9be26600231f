//! The teacher stage: what the teachers say about each training batch.
//!
//! By default a teacher runs **live** on the student's batch (the same augmented images), in
//! eval mode on the plain device (no tape, BatchNorm on running statistics, no dropout). When
//! every epoch sees the same images (no augmentation) the teacher's logits over the transfer set
//! are computed once and looked up by sample index instead: an optimisation only, which gives
//! exactly the same training (tested). Sobolev's tangents (random directions and the teacher's
//! `J v` along them) are always computed on the batch.

use std::sync::Arc;

use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;

use crate::data::{Batch, ImageSet, Normalization};
use crate::methods::Distiller;
use crate::methods::{Tangents, TeacherSignals};
use crate::models::Net;
use crate::train::{TrainSpec, TrainedRun, logits_of};

/// Where a teacher's logits come from.
enum Source {
    /// Row-major `[transfer.len(), classes]`, indexed by the batch's sample indices.
    Cached {
        logits: Arc<Vec<f32>>,
        classes: usize,
    },
    Live(Box<Net>),
}

/// The teachers of one run, ready to answer per batch.
pub struct TeacherStage {
    sources: Vec<Source>,
    /// Hand the teachers' named features to the method (live teachers only).
    features: bool,
    /// The (first) teacher, for the `J v` of methods that need tangents.
    tangent_teacher: Option<Net>,
}

impl TeacherStage {
    /// Prepares `teachers` (each a net in eval mode with its input normalisation) for a run on
    /// `transfer`: their logits are computed once when `cache` (the run's images never change)
    /// and no `features` are asked for, live per batch otherwise; the first teacher also gives
    /// `J v` when `tangents`. `device` is the plain device.
    pub fn new(
        teachers: Vec<(Net, Option<Normalization>)>,
        cache: bool,
        tangents: bool,
        features: bool,
        transfer: &ImageSet,
        device: &Device,
    ) -> TeacherStage {
        let cache = cache && !features;
        let tangent_teacher = tangents
            .then(|| teachers.first().map(|(net, _)| net.clone()))
            .flatten();
        let sources = teachers
            .into_iter()
            .map(|(net, normalize)| {
                if cache {
                    Source::Cached {
                        logits: Arc::new(logits_of(&net, transfer, normalize.as_ref(), device)),
                        classes: net.num_classes(),
                    }
                } else {
                    Source::Live(Box::new(net))
                }
            })
            .collect();
        TeacherStage {
            sources,
            features,
            tangent_teacher,
        }
    }

    /// The stage for a run of `spec` distilling `teachers` (cached unless the spec augments or
    /// `force_live`).
    pub fn for_run(
        spec: &TrainSpec,
        teachers: &[TrainedRun],
        transfer: &ImageSet,
        device: &Device,
        force_live: bool,
    ) -> TeacherStage {
        let nets = teachers
            .iter()
            .map(|t| (t.model.clone(), t.spec.normalize.clone()))
            .collect();
        let cache = spec.augment.is_identity() && !force_live;
        let needs = spec.method.needs();
        TeacherStage::new(
            nets,
            cache,
            needs.tangents,
            needs.teacher_features,
            transfer,
            device,
        )
    }

    /// Each teacher's logits (and, when asked for, named features) for `batch`, on the
    /// batch's (training) device.
    pub fn signals(&self, batch: &Batch) -> Vec<TeacherSignals> {
        let device = batch.images.device();
        self.sources
            .iter()
            .map(|source| match source {
                Source::Cached { logits, classes } => {
                    let k = *classes;
                    let mut rows = Vec::with_capacity(batch.indices.len() * k);
                    for &i in &batch.indices {
                        rows.extend_from_slice(&logits[i * k..(i + 1) * k]);
                    }
                    let shape = [batch.indices.len(), k];
                    TeacherSignals {
                        logits: Tensor::from_data(TensorData::new(rows, shape), &device),
                        features: Vec::new(),
                    }
                }
                Source::Live(net) => {
                    let out = net.forward(batch.images.clone().inner(), None);
                    let features = match self.features {
                        true => out
                            .features
                            .into_iter()
                            .map(|(n, f)| (n, f.to_device(&device)))
                            .collect(),
                        false => Vec::new(),
                    };
                    TeacherSignals {
                        logits: out.logits.to_device(&device),
                        features,
                    }
                }
            })
            .collect()
    }

    /// One random unit direction per sample (in flattened input space, drawn from `rng`) and
    /// the teacher's `J v` along it; `None` unless the method needs tangents.
    pub fn tangents(&self, batch: &Batch, rng: &mut StdRng) -> Option<Tangents> {
        let teacher = self.tangent_teacher.as_ref()?;
        let device = batch.images.device();
        let plain = device.clone().inner();
        let [b, c, h, w] = batch.images.dims();
        let d = c * h * w;
        let v = Tensor::<2>::from_data(TensorData::new(unit_directions(b, d, rng), [b, d]), &plain);
        let (_, teacher_jvp) = teacher
            .forward_jvp(batch.images.clone().inner(), v.clone())
            .expect("validated: the teacher of a tangent method supports forward mode");
        Some(Tangents {
            directions: v.to_device(&device),
            teacher_jvp: teacher_jvp.to_device(&device),
        })
    }
}

/// `n` directions of dimension `d`, uniform on the unit sphere (normalised Gaussians).
pub fn unit_directions(n: usize, d: usize, rng: &mut StdRng) -> Vec<f32> {
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let row: Vec<f64> = (0..d)
            .map(|_| {
                // Box-Muller: two uniforms to one standard normal.
                let u1: f64 = 1.0 - rng.random::<f64>();
                let u2: f64 = rng.random::<f64>();
                (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            })
            .collect();
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        out.extend(row.iter().map(|v| (v / norm) as f32));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn directions_are_unit_and_seeded() {
        let mut a = StdRng::seed_from_u64(1);
        let v = unit_directions(3, 50, &mut a);
        for row in v.chunks(50) {
            let norm: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        assert_eq!(v, unit_directions(3, 50, &mut StdRng::seed_from_u64(1)));
        // Roughly isotropic: the mean of many directions is near 0.
        let many = unit_directions(2000, 2, &mut a);
        let mean_x = many.chunks(2).map(|r| r[0]).sum::<f32>() / 2000.0;
        assert!(mean_x.abs() < 0.05, "{mean_x}");
    }
}
