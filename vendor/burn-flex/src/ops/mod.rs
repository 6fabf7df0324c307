//! Backend operations implementations.

use alloc::borrow::Cow;
use burn_backend::DType;
use burn_std::{bf16, f16};

use crate::FlexTensor;

/// The `DType` that matches `isize` on the current platform.
#[cfg(target_pointer_width = "64")]
pub(crate) const INDEX_DTYPE: DType = DType::I64;
/// The `DType` that matches `isize` on the current platform.
#[cfg(target_pointer_width = "32")]
pub(crate) const INDEX_DTYPE: DType = DType::I32;

/// Minimum total element count for rayon fan-out on per-row or per-chunk loops.
/// Below this, task-dispatch overhead dominates the per-unit work.
#[cfg(feature = "rayon")]
pub(crate) const PARALLEL_THRESHOLD: usize = 256 * 1024;

/// Element count from which flat element-wise loops (unary, scalar, binary, broadcast and the
/// SIMD in-place kernels) fan out over rayon (spillover patch). Upstream ran them on one
/// thread below 4 Mi elements; in training they then took ~40 % of a ViT-Ti step's wall
/// time on two cores. At 64 Ki f32 (256 KiB) one rayon dispatch costs a few percent of the
/// loop.
pub(crate) const ELEMENTWISE_PARALLEL_MIN: usize = 1 << 16;

/// Elements per rayon task in those loops: 64 KiB of f32, big enough to amortize the task.
pub(crate) const ELEMENTWISE_CHUNK: usize = 1 << 14;

/// Whether a flat element-wise loop over `len` elements fans out over rayon: from
/// [`ELEMENTWISE_PARALLEL_MIN`] elements, and only when the pool has more than one thread.
/// With one, rayon hands the loop to its single worker and parks the caller: a wake-up, a
/// sleep and a move of the data to another core's cache per op, for no parallelism
/// (~3 % of a one-thread ViT-Ti step).
#[inline]
pub(crate) fn fans_out(len: usize) -> bool {
    #[cfg(feature = "rayon")]
    {
        len >= ELEMENTWISE_PARALLEL_MIN && rayon::current_num_threads() > 1
    }
    #[cfg(not(feature = "rayon"))]
    {
        let _ = len;
        false
    }
}

/// Chunk length for a flat element-wise loop over `len` elements: [`ELEMENTWISE_CHUNK`] from
/// [`ELEMENTWISE_PARALLEL_MIN`] elements, else the whole loop in one piece.
fn elementwise_chunk(len: usize) -> usize {
    if fans_out(len) {
        ELEMENTWISE_CHUNK
    } else {
        len
    }
}

/// Runs `f(first_index, part)` on consecutive parts of `data` of `chunk` elements (the last one
/// shorter): on rayon when there is more than one part, else on the calling thread.
pub(crate) fn for_each_chunk_mut<E, F>(data: &mut [E], chunk: usize, f: F)
where
    E: Send,
    F: Fn(usize, &mut [E]) + Sync,
{
    #[cfg(feature = "rayon")]
    if chunk > 0 && chunk < data.len() {
        use rayon::prelude::*;
        data.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, part)| f(i * chunk, part));
        return;
    }
    let _ = chunk;
    f(0, data);
}

/// `data[i] = f(data[i])`, over rayon chunks from [`ELEMENTWISE_PARALLEL_MIN`] elements.
#[inline]
pub(crate) fn map_inplace<E, F>(data: &mut [E], f: F)
where
    E: Copy + Send,
    F: Fn(E) -> E + Sync,
{
    for_each_chunk_mut(data, elementwise_chunk(data.len()), |_, part| {
        part.iter_mut().for_each(|x| *x = f(*x))
    });
}

/// `a[i] = f(a[i], b[i])`, over rayon chunks from [`ELEMENTWISE_PARALLEL_MIN`] elements.
#[inline]
pub(crate) fn zip_inplace<E, S, F>(a: &mut [E], b: &[S], f: F)
where
    E: Copy + Send,
    S: Copy + Sync,
    F: Fn(E, S) -> E + Sync,
{
    debug_assert_eq!(a.len(), b.len());
    for_each_chunk_mut(a, elementwise_chunk(a.len()), |start, part| {
        let b = &b[start..start + part.len()];
        part.iter_mut().zip(b).for_each(|(x, &y)| *x = f(*x, y))
    });
}

/// A new vector of `len` elements, filled by `fill(first_index, chunk)` over disjoint chunks
/// (in parallel from [`ELEMENTWISE_PARALLEL_MIN`] elements); `fill` must write every element
/// of its chunk.
#[inline]
pub(crate) fn fill_new_vec<R, F>(len: usize, fill: F) -> alloc::vec::Vec<R>
where
    R: Copy + Send,
    F: Fn(usize, &mut [core::mem::MaybeUninit<R>]) + Sync,
{
    fill_new_vec_chunked(len, elementwise_chunk(len), fill)
}

/// [`fill_new_vec`] with chunks of `chunk` elements, as [`for_each_chunk_mut`].
pub(crate) fn fill_new_vec_chunked<R, F>(len: usize, chunk: usize, fill: F) -> alloc::vec::Vec<R>
where
    R: Copy + Send,
    F: Fn(usize, &mut [core::mem::MaybeUninit<R>]) + Sync,
{
    let mut out = alloc::vec::Vec::<R>::with_capacity(len);
    for_each_chunk_mut(&mut out.spare_capacity_mut()[..len], chunk, fill);
    // SAFETY: `fill` wrote every element of every chunk, i.e. all `len`.
    unsafe { out.set_len(len) };
    out
}

/// `f(src[i])` for every element, into a new vector (parallel as [`fill_new_vec`]).
#[inline]
pub(crate) fn map_to_vec<E, R, F>(src: &[E], f: F) -> alloc::vec::Vec<R>
where
    E: Copy + Sync,
    R: Copy + Send,
    F: Fn(E) -> R + Sync,
{
    fill_new_vec(src.len(), |start, out| {
        let src = &src[start..start + out.len()];
        for (o, &x) in out.iter_mut().zip(src) {
            o.write(f(x));
        }
    })
}

/// `f(a[i], b[i])` for every element, into a new vector (parallel as [`fill_new_vec`]).
#[inline]
pub(crate) fn zip_to_vec<A, B, R, F>(a: &[A], b: &[B], f: F) -> alloc::vec::Vec<R>
where
    A: Copy + Sync,
    B: Copy + Sync,
    R: Copy + Send,
    F: Fn(A, B) -> R + Sync,
{
    debug_assert_eq!(a.len(), b.len());
    fill_new_vec(a.len(), |start, out| {
        let end = start + out.len();
        for ((o, &x), &y) in out.iter_mut().zip(&a[start..end]).zip(&b[start..end]) {
            o.write(f(x, y));
        }
    })
}

/// Wrapper for raw mutable pointers that can be sent across rayon threads.
///
/// # Safety
///
/// The caller must ensure:
/// - The pointer remains valid for the lifetime of all uses
/// - No two threads write to the same offset
/// - No references to the underlying data exist during writes
#[cfg(feature = "rayon")]
pub(crate) struct SendMutPtr<T>(*mut T);

#[cfg(feature = "rayon")]
unsafe impl<T> Send for SendMutPtr<T> {}
#[cfg(feature = "rayon")]
unsafe impl<T> Sync for SendMutPtr<T> {}

#[cfg(feature = "rayon")]
impl<T> SendMutPtr<T> {
    pub(crate) fn new(ptr: *mut T) -> Self {
        Self(ptr)
    }

    /// Write `val` at the given element offset.
    ///
    /// # Safety
    /// Offset must be in bounds and no other thread may write to the same offset.
    pub(crate) unsafe fn write(&self, offset: usize, val: T) {
        unsafe { self.0.add(offset).write(val) }
    }

    /// Returns the raw pointer offset by `offset` elements.
    ///
    /// # Safety
    /// Offset must be in bounds.
    pub(crate) unsafe fn ptr_add(&self, offset: usize) -> *mut T {
        unsafe { self.0.add(offset) }
    }
}

/// Read a float tensor's storage as f32 values, regardless of source dtype.
/// Returns a borrowed slice for F32 (zero-copy) and an owned Vec for other
/// float dtypes (F64, F16, BF16).
///
/// Returns elements in underlying buffer order. Callers needing logical
/// iteration order must call `to_contiguous()` first.
///
/// # Panics
/// Panics if the tensor's dtype is not one of F32, F64, F16, or BF16.
pub(crate) fn float_storage_as_f32(tensor: &FlexTensor) -> Cow<'_, [f32]> {
    match tensor.dtype() {
        DType::F32 => Cow::Borrowed(tensor.storage::<f32>()),
        DType::F64 => Cow::Owned(tensor.storage::<f64>().iter().map(|&x| x as f32).collect()),
        DType::F16 => Cow::Owned(
            tensor
                .storage::<f16>()
                .iter()
                .map(|x| f32::from(*x))
                .collect(),
        ),
        DType::BF16 => Cow::Owned(
            tensor
                .storage::<bf16>()
                .iter()
                .map(|x| f32::from(*x))
                .collect(),
        ),
        other => panic!("float_storage_as_f32: unsupported dtype {:?}", other),
    }
}

pub mod activation;
pub mod attention;
// spillover patch (PATCH.md): fused batch norm.
mod batch_norm;
pub mod binary;
mod bool;
pub mod cat;
pub mod comparison;
#[macro_use]
mod conv_common;
pub mod conv;
// spillover patch: gemm-based conv2d backward (PATCH.md).
mod conv2d_gemm;
mod conv2d_winograd;
pub mod conv_transpose;
pub mod cumulative;
pub mod deform_conv;
pub mod expand;
#[cfg(feature = "fft")]
pub mod fft;
pub mod flip;
mod float;
pub mod gather_scatter;
// spillover patch (PATCH.md): vectorizable f32 GELU.
mod gelu;
pub mod grid_sample;
mod int;
pub mod interpolate;
pub mod mask;
pub mod matmul;
mod module;
pub mod pool;
mod qtensor;
pub mod reduce;
pub mod repeat_dim;
pub mod slice;
pub mod sort;
mod transaction;
pub mod unary;
pub mod unfold;
