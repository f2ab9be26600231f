//! Process-wide settings for speed: subnormal flushing and the allocator.
//!
//! Subnormal floats (|x| < 1.2e-38) are up to ~100x slower on x86 unless the CPU flushes them
//! to zero. Distillation produces them late in training (near-identical softened
//! distributions give vanishing gradients), which made the last epochs of a distilled student
//! ~3.5x slower than the first here. Flushing subnormals to zero is what PyTorch's
//! `torch.set_flush_denormal(True)` does; it changes no result that is not already below
//! float precision.

use std::sync::Once;

/// Sets flush-to-zero and denormals-are-zero on this thread and on every thread of Rayon's
/// global pool (Burn's flex backend computes there), and makes the allocator keep freed memory
/// (`keep_freed_memory`). Call before any tensor work; later calls are no-ops.
pub fn tune_process() {
    tune_process_with_threads(None);
}

/// [`tune_process`], building Rayon's global pool with `threads` threads (default: one per
/// core) — for benchmarks that pin the thread count.
pub fn tune_process_with_threads(threads: Option<usize>) {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        keep_freed_memory();
        set_ftz_daz();
        let mut pool = rayon::ThreadPoolBuilder::new().start_handler(|_| set_ftz_daz());
        if let Some(n) = threads {
            pool = pool.num_threads(n);
        }
        // Fails only if the global pool was already built, in which case its threads keep
        // their default mode (slower, same results).
        let _ = pool.build_global();
    });
}

/// Tells glibc's allocator to keep freed memory for reuse instead of handing it back to the
/// kernel. A training step allocates and frees dozens of tensors of several MB; by default
/// glibc serves each from a fresh `mmap` and `munmap`s it on free, so every step paid for
/// thousands of page faults (the kernel zeroing each page) and TLB shoot-downs: on 2 cores
/// up to half the time of a small conv net's step (`docs/performance.md`). Blocks up to 32 MB
/// (glibc's ceiling) now come from the heap, which is not trimmed. Numerics are unaffected.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    const MMAP_THRESHOLD: libc::c_int = 32 << 20;
    const TRIM_THRESHOLD: libc::c_int = libc::c_int::MAX;
    // SAFETY: mallopt only changes allocator parameters; it is called before other threads
    // exist (Once, before Rayon's pool is built).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

#[cfg(target_arch = "x86_64")]
fn set_ftz_daz() {
    const FLUSH_TO_ZERO: u32 = 1 << 15;
    const DENORMALS_ARE_ZERO: u32 = 1 << 6;
    let mut csr: u32 = 0;
    // SAFETY: stmxcsr/ldmxcsr only read and write the SSE control register of this thread.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack));
        csr |= FLUSH_TO_ZERO | DENORMALS_ARE_ZERO;
        std::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack));
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn set_ftz_daz() {}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    #[test]
    fn subnormals_flush_to_zero_after_the_call() {
        super::tune_process();
        let tiny = std::hint::black_box(1e-30f32);
        let product = std::hint::black_box(tiny * 1e-10);
        assert_eq!(product, 0.0);
    }
}

/// The machine in words, for provenance lines: CPU model (Linux) and the threads available.
pub fn machine_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {threads} threads")
}
