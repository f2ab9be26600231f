//! kd-repro patch switch. The patched kernels (`ops::conv2d_gemm`,
//! `ops::batch_norm`, ...) are on by default; switching them off restores
//! Burn 0.22.1's own paths, so a test or a benchmark can compare both in one
//! process. Not part of upstream burn-flex.

use core::sync::atomic::{AtomicBool, Ordering};

static PATCHED_KERNELS: AtomicBool = AtomicBool::new(true);

/// Turns the kd-repro kernels on (the default) or off (Burn's own paths).
pub fn set_patched_kernels(enabled: bool) {
    PATCHED_KERNELS.store(enabled, Ordering::Relaxed);
}

/// Whether the kd-repro kernels are on.
pub fn patched_kernels() -> bool {
    PATCHED_KERNELS.load(Ordering::Relaxed)
}
