//! Runtime CPU dispatch for the hot loops: the same Rust body compiled three times (portable,
//! AVX2+FMA, AVX-512), the widest one the CPU supports picked at run time. Rust never fuses
//! `a * b + c` on its own (only an explicit `mul_add` is fused, in every build), so all builds
//! compute bit-identical results; the features only widen the vectors LLVM emits and give it
//! more registers and mask registers.

/// Defines `$name` that runs `$body` through the widest build the CPU supports.
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
                #[target_feature(enable = "avx2,fma,avx512f,avx512vl,avx512bw,avx512dq")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? { body($($arg),*) }
                match $crate::simd::level() {
                    // SAFETY: `level` checked that the CPU has these features.
                    $crate::simd::Level::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    $crate::simd::Level::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::simd::Level::Portable => {}
                }
            }
            body($($arg),*)
        }
    };
}

pub(crate) use dispatch;

/// The instruction sets a dispatched function may use, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Portable = 0,
    Avx2 = 1,
    Avx512 = 2,
}

/// Set by tests to cap the level (every level must give the same bytes).
static CAP: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(Level::Avx512 as u8);

/// The widest level the CPU supports, capped by tests.
#[inline]
pub(crate) fn level() -> Level {
    let cap = CAP.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if cap >= Level::Avx512 as u8
            && has!("avx512f")
            && has!("avx512vl")
            && has!("avx512bw")
            && has!("avx512dq")
        {
            return Level::Avx512;
        }
        if cap >= Level::Avx2 as u8 && has!("avx2") && has!("fma") {
            return Level::Avx2;
        }
    }
    let _ = cap;
    Level::Portable
}

/// Whether the hand-written AVX2 kernels (`std::arch` intrinsics, each with a portable twin
/// computing the same integers) may run.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn has_avx2() -> bool {
    level() >= Level::Avx2
}

#[cfg(test)]
mod tests {
    use super::{CAP, Level};
    use crate::ops::{color, geometry};
    use crate::{Image, rng};
    use std::sync::atomic::Ordering;

    fn run_all(img: &Image) -> Vec<Vec<u8>> {
        vec![
            color::adjust_brightness(img.clone(), 1.37).into_raw(),
            color::adjust_contrast(img.clone(), 0.61).into_raw(),
            color::adjust_saturation(img.clone(), 1.8).into_raw(),
            color::adjust_hue_tensor(img.clone(), -0.23).into_raw(),
            color::rgb_to_grayscale(img.clone()).into_raw(),
            color::solarize(img.clone(), 99.5).into_raw(),
            color::adjust_hue_tensor(img.clone(), 0.41).into_raw(),
            color::adjust_hue_pil(img.clone(), -0.23).into_raw(),
            color::adjust_hue_pil(img.clone(), 0.41).into_raw(),
            geometry::horizontal_flip(img.clone()).into_raw(),
            crate::Normalize::default()
                .to_chw(img)
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
            geometry::horizontal_flip(crate::ops::resize::resize(img, 7, 6)).into_raw(),
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
    fn portable_avx2_and_avx512_builds_agree_bit_for_bit() {
        let mut r = rng::seeded(21);
        let img = Image::from_fn(67, 53, |_, _| {
            image::Rgb([0, 1, 2].map(|_| rng::below(&mut r, 256) as u8))
        });
        let widest = run_all(&img);
        for cap in [Level::Avx2, Level::Portable] {
            CAP.store(cap as u8, Ordering::Relaxed);
            let capped = run_all(&img);
            CAP.store(Level::Avx512 as u8, Ordering::Relaxed);
            assert_eq!(widest, capped, "{cap:?}");
        }
    }
}
