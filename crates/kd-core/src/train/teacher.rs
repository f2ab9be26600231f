//! The teacher stage: what the teachers say about each training batch.
//!
//! By default a teacher runs **live** on the student's batch (the same augmented images), in
//! eval mode on the plain device (no tape, BatchNorm on running statistics, no dropout). When
//! every epoch sees the same images (no augmentation) the teacher's logits over the transfer set
//! are computed once and looked up by sample index instead: an optimisation only, which gives
//! the same training up to the teacher's float rounding
//! (every count identical, every float within 1e-5 relative; tested). Sobolev's tangents (random directions and the teacher's
//! `J v` along them) are always computed on the batch.

use std::sync::Arc;

use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;

use crate::data::{Batch, ImageSet, Normalization};
use crate::methods::Distiller;
use crate::methods::{Tangents, TeacherSignals};
use crate::models::{GradientNet, Net};
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
    /// The (first) teacher as a function with input gradients, for methods that build extra
    /// samples.
    gradient_teacher: Option<GradientNet>,
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
            gradient_teacher: None,
        }
    }

    /// The same stage with the first teacher also ready for input gradients (methods with
    /// [`Needs::extra_samples`](crate::methods::Needs)); the teachers must be live.
    pub fn with_gradient_teacher(mut self, device: &Device) -> TeacherStage {
        self.gradient_teacher = match self.sources.first() {
            Some(Source::Live(net)) => Some(GradientNet::new(net, device)),
            Some(Source::Cached { .. }) => {
                panic!("a stage that builds extra samples needs live teachers")
            }
            None => None,
        };
        self
    }

    /// The first teacher with input gradients, when [`TeacherStage::with_gradient_teacher`]
    /// made it.
    pub fn gradient_teacher(&self) -> Option<&GradientNet> {
        self.gradient_teacher.as_ref()
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
        let needs = spec.method.needs();
        let cache = spec.augment.is_identity() && !force_live && !needs.extra_samples;
        let stage = TeacherStage::new(
            nets,
            cache,
            needs.tangents,
            needs.teacher_features,
            transfer,
            device,
        );
        match needs.extra_samples {
            true => stage.with_gradient_teacher(device),
            false => stage,
        }
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
                Source::Live(net) => self.live(net, batch.images.clone(), &device),
            })
            .collect()
    }

    /// Each (live) teacher's signals for `images` (extra samples, not in the transfer set), on
    /// `device`.
    pub fn signals_on(&self, images: Tensor<4>, device: &Device) -> Vec<TeacherSignals> {
        self.sources
            .iter()
            .map(|source| match source {
                Source::Live(net) => self.live(net, images.clone(), device),
                Source::Cached { .. } => {
                    panic!("extra samples need live teachers (TeacherStage::for_run makes them)")
                }
            })
            .collect()
    }

    fn live(&self, net: &Net, images: Tensor<4>, device: &Device) -> TeacherSignals {
        let out = net.forward(images.inner(), None);
        let features = match self.features {
            true => out
                .features
                .into_iter()
                .map(|(n, f)| (n, f.to_device(device)))
                .collect(),
            false => Vec::new(),
        };
        TeacherSignals {
            logits: out.logits.to_device(device),
            features,
        }
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
    use crate::data::{Augment, Batcher};
    use crate::models::{CnnLayer, PlainCnnConfig};
    use crate::tensors::floats;
    use burn::data::dataloader::batcher::Batcher as _;
    use rand::SeedableRng;
    use std::sync::Mutex;

    fn images() -> ImageSet {
        let mut rng = StdRng::seed_from_u64(9);
        ImageSet {
            channels: 1,
            rows: 8,
            cols: 8,
            num_classes: 3,
            pixels: (0..6 * 64).map(|_| rng.random::<u8>()).collect(),
            labels: (0..6).map(|i| (i % 3) as u8).collect(),
        }
    }

    #[test]
    fn a_live_teacher_sees_the_augmented_batch_in_eval_mode() {
        let plain = Device::flex();
        let set = Arc::new(images());
        // A BatchNorm teacher, its running statistics moved off their initial values by a
        // few training-mode forwards: eval mode must use them, per image.
        let cnn = PlainCnnConfig {
            input: [1, 8, 8],
            layers: vec![CnnLayer::Conv(4), CnnLayer::Pool],
            classes: 3,
        };
        let ad = plain.clone().autodiff();
        let trained = cnn.init(1, &ad);
        let x = crate::data::batch::images_tensor(&set, 0..6, None, &ad);
        for _ in 0..3 {
            let _ = trained.forward(x.clone().mul_scalar(3.0).add_scalar(1.0), None);
        }
        let teacher = crate::models::Net::PlainCnn(trained).valid();
        let batcher = Batcher {
            set: set.clone(),
            augment: Augment::translate(2),
            normalize: None,
            rng: Arc::new(Mutex::new(StdRng::seed_from_u64(4))),
        };
        let batch = batcher.batch(vec![5, 0, 3, 1], &ad);
        let live = TeacherStage::new(
            vec![(teacher.clone(), None)],
            false,
            false,
            false,
            &set,
            &plain,
        );
        let got = floats(live.signals(&batch)[0].logits.clone());
        let expect = floats(teacher.logits(batch.images.clone().inner()));
        assert_eq!(got, expect);
        // Eval mode: each image's logits do not depend on the rest of the batch.
        for k in 0..4 {
            let one = batch.images.clone().inner().narrow(0, k, 1);
            let alone = floats(teacher.logits(one));
            for c in 0..3 {
                assert!(
                    (alone[c] - got[k * 3 + c]).abs() < 1e-5,
                    "{alone:?} vs {got:?}"
                );
            }
        }
        // The cached table holds the un-augmented images' logits: not what this batch shows.
        let cached = TeacherStage::new(
            vec![(teacher.clone(), None)],
            true,
            false,
            false,
            &set,
            &plain,
        );
        let table = floats(cached.signals(&batch)[0].logits.clone());
        let direct = logits_of(&teacher, &set, None, &plain);
        assert_eq!(&table[0..3], &direct[15..18]);
        assert!(table.iter().zip(&got).any(|(a, b)| (a - b).abs() > 1e-3));
        // Asking for features forces live logits, and hands the features over.
        let with_features =
            TeacherStage::new(vec![(teacher, None)], true, false, true, &set, &plain);
        let signals = with_features.signals(&batch);
        assert_eq!(floats(signals[0].logits.clone()), got);
        assert!(signals[0].feature("pool1").is_some());
    }

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
