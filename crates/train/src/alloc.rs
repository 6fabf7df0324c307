//! Keeping tensor buffers in the heap on glibc.
//!
//! Flex allocates a fresh buffer for nearly every tensor op and frees it soon after. With
//! glibc's defaults, buffers above a dynamic threshold (128 KiB at start) are `mmap`ed and
//! `munmap`ed each time, so every training step pays page faults, zeroing of fresh pages and
//! TLB shootdowns, and freed heap tops are trimmed back to the kernel. Measured on ViT-Ti
//! (batch 64, 32 px, 2 threads): 27.8 -> 32-33 images/s with the settings below.

/// Serves buffers up to 32 MiB (glibc's maximum mmap threshold) from the heap, never trims it,
/// and grows it in 256 MiB steps. Process-wide, so the library never calls it: a program opts in
/// once before training starts (the `spillover` binary for `train` and `sweep`, the benchmark
/// examples). A no-op off glibc.
pub fn keep_buffers_in_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters under glibc's own arena lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 256 << 20);
    }
}
