//! Training methods, mdistiller-style: each implements [`Distiller`] — given the student's
//! outputs, the teachers' signals and the batch it returns **named, already weighted** loss
//! terms; the training loop sums them for the backward pass and logs each one.
//!
//! Adding a method = one file here plus one line `file::Type,` in the `methods!` call below
//! (the registry).
//! The macro writes the serde-tagged [`Method`] enum (so a run's `config.json` and its key name
//! the method and all its knobs) and the forwarding `impl Distiller for Method`.

pub mod distiller;

use serde::{Deserialize, Serialize};

pub use distiller::{
    AuxParams, Distiller, ExtraIo, FeatureShapes, LossTerms, Needs, SampleProbe, StepCtx, StepIo,
    Tangents, TeacherSignals, Teachers,
};
pub use sobolev::LogitMatch;

/// `methods! { file::Type, ... }`: declares each file as a module, re-exports its type, and
/// makes the type a variant of [`Method`].
macro_rules! methods {
    ($($module:ident::$variant:ident,)+) => {
        $(pub mod $module;
        pub use $module::$variant;)+

        /// Every method, by name (`"method": "<kebab-case name>"` in a run's config).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "method", rename_all = "kebab-case")]
        pub enum Method {
            $($variant($variant),)+
        }

        impl Method {
            fn inner(&self) -> &dyn Distiller {
                match self {
                    $(Method::$variant(m) => m,)+
                }
            }
        }

        $(impl From<$variant> for Method {
            fn from(m: $variant) -> Self {
                Method::$variant(m)
            }
        })+
    };
}

pub use noisy_logits::{NoiseForm, NoiseTarget, NoiseUnit};
pub use soft_targets::KlReduction;

methods! {
    hard_labels::HardLabels,
    soft_targets::SoftTargets,
    logit_regression::LogitRegression,
    noisy_logits::NoisyLogits,
    sobolev::Sobolev,
    ensemble::Ensemble,
    hints::Hints,
    boundary::BoundarySupport,
    attention::AttentionTransfer,
    mutual::MutualLearning,
    fsp::Fsp,
}

impl Distiller for Method {
    fn term_names(&self) -> Vec<&'static str> {
        self.inner().term_names()
    }

    fn needs(&self) -> Needs {
        self.inner().needs()
    }

    fn validate(&self) -> crate::Result<()> {
        self.inner().validate()
    }

    fn describe(&self) -> String {
        self.inner().describe()
    }

    fn init_aux(
        &self,
        model: &crate::models::ModelSpec,
        shapes: &FeatureShapes,
        seed: u64,
        device: &burn::prelude::Device,
    ) -> crate::Result<AuxParams> {
        self.inner().init_aux(model, shapes, seed, device)
    }

    fn extra_samples(
        &self,
        probe: &SampleProbe,
        ctx: &mut StepCtx,
    ) -> Option<burn::prelude::Tensor<4>> {
        self.inner().extra_samples(probe, ctx)
    }

    fn loss_terms(&self, io: &StepIo, ctx: &mut StepCtx) -> LossTerms {
        self.inner().loss_terms(io, ctx)
    }
}

impl Method {
    /// Whether the run distils at least one teacher.
    pub fn needs_teacher(&self) -> bool {
        self.needs().teachers != Teachers::None
    }

    /// Whether the student runs in forward mode along random tangents (Sobolev).
    pub fn needs_tangents(&self) -> bool {
        self.needs().tangents
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_in_configs_are_stable() {
        // The run keys of committed results hash these names: renaming one orphans every run.
        let json = |m: Method| serde_json::to_value(m).unwrap()["method"].clone();
        assert_eq!(json(HardLabels {}.into()), "hard-labels");
        let soft = SoftTargets::new(2.0, 0.1);
        assert_eq!(json(soft.clone().into()), "soft-targets");
        assert_eq!(
            json(LogitRegression { hard_weight: 0.0 }.into()),
            "logit-regression"
        );
        assert_eq!(
            json(
                Sobolev {
                    logits: LogitMatch::SoftTargets(soft),
                    jacobian_weight: 1.0
                }
                .into()
            ),
            "sobolev"
        );
        assert_eq!(
            json(
                Ensemble {
                    temperature: 2.0,
                    hard_weight: 0.1
                }
                .into()
            ),
            "ensemble"
        );
    }

    #[test]
    fn the_kl_reduction_stays_out_of_default_keys_and_divides_by_the_classes() {
        use burn::prelude::*;
        // A default soft-targets config serialises as before the knob existed.
        let default = serde_json::to_value(Method::from(SoftTargets::new(4.0, 0.3))).unwrap();
        assert_eq!(
            default,
            serde_json::json!({"method": "soft-targets", "temperature": 4.0, "hard_weight": 0.3})
        );
        let official = SoftTargets::new(4.0, 0.3).with_kl_reduction(KlReduction::MeanOverClasses);
        let json = serde_json::to_value(Method::from(official.clone())).unwrap();
        assert_eq!(json["kl_reduction"], "mean-over-classes");
        let back: Method = serde_json::from_value(json).unwrap();
        assert_eq!(back, Method::from(official.clone()));

        let device = Device::flex();
        let logits = Tensor::<2>::from_data([[1.0f32, -0.5, 2.0, 0.0, 0.3]], &device);
        let teacher = Tensor::<2>::from_data([[0.2f32, 1.5, -1.0, 0.7, 0.1]], &device);
        let labels = Tensor::<1, Int>::from_data([2], &device);
        let soft = |m: &SoftTargets| {
            let terms = m.terms(logits.clone(), teacher.clone(), labels.clone());
            let (names, values): (Vec<_>, Vec<_>) = terms.terms.into_iter().unzip();
            assert_eq!(names, ["soft", "hard"]);
            values
                .into_iter()
                .map(|v: Tensor<1>| f64::from(v.into_scalar::<f32>()))
                .collect::<Vec<f64>>()
        };
        let (per_example, per_class) = (soft(&SoftTargets::new(4.0, 0.3)), soft(&official));
        assert!(per_example[0] > 0.0);
        assert!((per_class[0] - per_example[0] / 5.0).abs() < 1e-6 * per_example[0]);
        assert_eq!(per_class[1], per_example[1], "the hard term is unchanged");
    }

    #[test]
    fn bad_knobs_are_rejected_through_the_registry() {
        let m: Method = SoftTargets::new(-1.0, 0.1).into();
        assert!(
            m.validate()
                .unwrap_err()
                .to_string()
                .contains("temperature")
        );
        let m: Method = LogitRegression { hard_weight: 2.0 }.into();
        assert!(
            m.validate()
                .unwrap_err()
                .to_string()
                .contains("hard weight")
        );
        assert!(!Method::from(HardLabels {}).needs_teacher());
    }
}
