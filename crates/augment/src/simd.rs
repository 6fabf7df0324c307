//! Runtime CPU dispatch for the hot loops: the same Rust body compiled a second time with AVX2
//! and FMA enabled, picked when the CPU has both. Rust never fuses `a * b + c` on its own (only
//! an explicit `mul_add` is fused, in both builds), so both compute bit-identical results; the
//! features only widen the vectors LLVM emits.

/// Defines `$name` that runs `$body` through an AVX2 build when available.
macro_rules! dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                if !$crate::simd::FORCE_GENERIC.load(std::sync::atomic::Ordering::Relaxed)
                    && std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

pub(crate) use dispatch;

/// Set by tests to run the portable build of every dispatched function (results must match).
pub(crate) static FORCE_GENERIC: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Whether the hand-written AVX2 kernels (`std::arch` intrinsics, each with a portable twin
/// computing the same integers) may run: the CPU has AVX2 and tests did not force portable.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    !FORCE_GENERIC.load(std::sync::atomic::Ordering::Relaxed)
        && std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(test)]
mod tests {
    use super::FORCE_GENERIC;
    use crate::ops::{color, geometry};
    use crate::{Image, rng};
    use std::sync::atomic::Ordering;

    fn run_all(img: &Image) -> Vec<Vec<u8>> {
        vec![
            color::adjust_brightness(img.clone(), 1.37).into_raw(),
            color::adjust_contrast(img.clone(), 0.61).into_raw(),
            color::adjust_saturation(img.clone(), 1.8).into_raw(),
            color::adjust_hue(img.clone(), -0.23).into_raw(),
            color::rgb_to_grayscale(img.clone()).into_raw(),
            color::solarize(img.clone(), 99.5).into_raw(),
            geometry::resized_crop(img, 3, 5, 41, 57, 23, 31).into_raw(),
            geometry::resized_crop(img, 0, 0, 20, 30, 45, 61).into_raw(),
            // The bottom-right corner (loads near the end of the buffer), wide kernels (many
            // four-tap groups), an odd number of rows, and a width that stays.
            geometry::resized_crop(img, 30, 40, 23, 27, 11, 9).into_raw(),
            geometry::resized_crop(img, 0, 0, 53, 67, 5, 3).into_raw(),
            geometry::resized_crop(img, 0, 0, 53, 67, 7, 17).into_raw(),
            geometry::resized_crop(img, 2, 1, 50, 66, 9, 66).into_raw(),
        ]
    }

    #[test]
    fn portable_and_simd_builds_agree_bit_for_bit() {
        let mut r = rng::seeded(21);
        let img = Image::from_fn(67, 53, |_, _| {
            image::Rgb([0, 1, 2].map(|_| rng::below(&mut r, 256) as u8))
        });
        let fast = run_all(&img);
        FORCE_GENERIC.store(true, Ordering::Relaxed);
        let portable = run_all(&img);
        FORCE_GENERIC.store(false, Ordering::Relaxed);
        assert_eq!(fast, portable);
    }
}
