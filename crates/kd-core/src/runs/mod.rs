//! The run store: each trained model lives in `runs/<key>/`, where the key is a hash of its
//! full configuration (model, data, method, teacher's key, hyperparameters, seed). A run that
//! several experiments need (a teacher) is trained once and found again by its key.
//!
//! Layout of a run directory:
//! - `config.json`   the full configuration that produced the key;
//! - `checkpoint/`   while training: `epoch-N/{model,optim}.bpk` + `progress.json` (latest
//!   complete epoch), removed when the run finishes;
//! - `metrics.csv`   one row per epoch (and `history.json`, the same with full precision);
//! - `model.bpk`     final weights (burnpack);
//! - `manifest.json` written last: its presence marks the run complete.

pub mod checkpoint;
pub mod history;
pub mod store;

pub use checkpoint::{
    Progress, load_model, load_optimizer, load_record, save_checkpoint, save_model, save_record,
};
pub use history::{EpochMetrics, metrics_csv};
pub use store::{
    BURN_VERSION, Diverged, Manifest, RUN_FORMAT_VERSION, RunLock, RunStore, git_commit, read_json,
    write_json,
};
