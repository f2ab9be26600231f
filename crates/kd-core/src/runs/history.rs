//! What a run records per epoch: `history.json` (full precision) and `metrics.csv`.

use serde::{Deserialize, Serialize};

/// Metrics of one epoch (the rows of `metrics.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based.
    pub epoch: usize,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    /// Mean of each named (weighted) loss term over the epoch's batches.
    pub terms: Vec<(String, f64)>,
    pub loss: f64,
    pub train_accuracy: f64,
    pub val_errors: usize,
    pub val_total: usize,
    pub test_errors: usize,
    pub test_total: usize,
    pub seconds: f64,
}

impl EpochMetrics {
    pub fn val_error_rate(&self) -> f64 {
        self.val_errors as f64 / self.val_total.max(1) as f64
    }

    pub fn test_error_rate(&self) -> f64 {
        self.test_errors as f64 / self.test_total.max(1) as f64
    }
}

/// `metrics.csv`: one row per epoch.
pub fn metrics_csv(history: &[EpochMetrics]) -> String {
    let mut out = String::from("epoch,lr");
    if let Some(first) = history.first() {
        for (name, _) in &first.terms {
            out.push_str(&format!(",loss_{name}"));
        }
    }
    out.push_str(
        ",loss,train_accuracy,val_errors,val_error_rate,test_errors,test_error_rate,seconds\n",
    );
    for e in history {
        out.push_str(&format!("{},{:.6e}", e.epoch, e.lr));
        for (_, v) in &e.terms {
            out.push_str(&format!(",{v:.6}"));
        }
        out.push_str(&format!(
            ",{:.6},{:.6},{},{:.6},{},{:.6},{:.2}\n",
            e.loss,
            e.train_accuracy,
            e.val_errors,
            e.val_error_rate(),
            e.test_errors,
            e.test_error_rate(),
            e.seconds
        ));
    }
    out
}
