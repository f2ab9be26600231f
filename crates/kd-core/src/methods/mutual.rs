//! Deep mutual learning (Zhang, Xiang, Hospedales & Lu, CVPR 2018): no teacher; the student and
//! a peer of the same architecture learn together, each from the labels and from the other's
//! predictions, `L_1 = CE(y, p_1) + KL(p_2 || p_1)` and `L_2 = CE(y, p_2) + KL(p_1 || p_2)`, at
//! temperature 1 with the KL per example (averaged over the batch). The peer is a whole net the
//! method owns ([`AuxParams::nets`]): one optimizer steps both, and since each net's term treats
//! the other's predictions as constants, the summed loss gives each net exactly its own
//! gradient. Both nets see the same batch and step at once (the paper's algorithm steps them in
//! turn, recomputing the second net's target after the first's step; the simultaneous form is
//! what most reimplementations use). The run keeps the student; the peer is dropped with it.
//! The peer starts from its own seeded stream, or from a stored run (`TrainSpec::init_from`).

use serde::{Deserialize, Serialize};

use super::distiller::{AuxParams, FeatureShapes, Needs, Teachers};
use super::{Distiller, LossTerms, StepCtx, StepIo};
use crate::losses::{cross_entropy, soft_target_kl};
use crate::models::ModelSpec;
use crate::rng::stream_seed;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutualLearning {
    /// Weight of each net's KL to the other's predictions (1 in the paper).
    pub mutual_weight: f64,
}

impl Default for MutualLearning {
    fn default() -> Self {
        MutualLearning { mutual_weight: 1.0 }
    }
}

impl Distiller for MutualLearning {
    fn term_names(&self) -> Vec<&'static str> {
        vec!["hard", "mutual", "peer hard", "peer mutual"]
    }

    fn needs(&self) -> Needs {
        Needs {
            teachers: Teachers::None,
            aux_params: true,
            peers: 1,
            ..Needs::default()
        }
    }

    fn validate(&self) -> crate::Result<()> {
        if self.mutual_weight.is_finite() && self.mutual_weight >= 0.0 {
            Ok(())
        } else {
            Err(crate::KdError::Config(format!(
                "mutual weight must be >= 0, got {}",
                self.mutual_weight
            )))
        }
    }

    fn describe(&self) -> String {
        format!("deep mutual learning (KL weight {})", self.mutual_weight)
    }

    /// The peer: the student's architecture from the run's own `peer` stream (a different
    /// initialisation from the student's).
    fn init_aux(
        &self,
        model: &ModelSpec,
        _shapes: &FeatureShapes,
        seed: u64,
        device: &burn::prelude::Device,
    ) -> crate::Result<AuxParams> {
        Ok(AuxParams {
            nets: vec![model.init(stream_seed(seed, "peer", 0), device)],
            ..AuxParams::default()
        })
    }

    fn loss_terms(&self, io: &StepIo, ctx: &mut StepCtx) -> LossTerms {
        let peer = io.aux.nets[0]
            .forward(io.images.clone(), Some(&mut *ctx.rng))
            .logits;
        let student = io.student.logits.clone();
        let w = self.mutual_weight;
        // Each net's target is the other's prediction, held constant.
        let mutual = soft_target_kl(student.clone(), peer.clone().detach(), 1.0).mul_scalar(w);
        let peer_mutual = soft_target_kl(peer.clone(), student.clone().detach(), 1.0).mul_scalar(w);
        LossTerms::new(vec![
            ("hard", cross_entropy(student, io.labels.clone())),
            ("mutual", mutual),
            ("peer hard", cross_entropy(peer, io.labels.clone())),
            ("peer mutual", peer_mutual),
        ])
    }
}
