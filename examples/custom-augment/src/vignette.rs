//! A user-defined augmentation: darken the image towards its corners by a random amount.
//! This file is all a new op needs; `main.rs` registers it with one line.

use spillover_augment::{Augmentation, Image, Params, Result, SampleRng, rng};

/// `vignette { strength = 0.5 }`: each image gets a vignette of depth drawn uniformly from
/// `[0, strength]`; a pixel at normalized distance `d` from the centre is scaled by
/// `1 - depth * d^2` (corners have `d = 1`).
#[derive(Debug)]
pub struct Vignette {
    strength: f64,
}

impl Vignette {
    /// The constructor the registry calls with the op's TOML table.
    pub fn from_params(p: &mut Params) -> Result<Box<dyn Augmentation>> {
        let strength = p.f64_in("strength", Some(0.5), 0.0, 1.0)?;
        Ok(Box::new(Vignette { strength }))
    }
}

impl Augmentation for Vignette {
    fn apply(&self, mut image: Image, rng: &mut SampleRng) -> Image {
        let depth = rng::uniform(rng, 0.0, self.strength) as f32;
        let (w, h) = (image.width() as f32, image.height() as f32);
        let (cx, cy) = ((w - 1.0) / 2.0, (h - 1.0) / 2.0);
        let norm = cx * cx + cy * cy;
        for (x, y, px) in image.enumerate_pixels_mut() {
            let d2 = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / norm.max(1.0);
            let gain = 1.0 - depth * d2;
            px.0 =
                px.0.map(|v| (v as f32 * gain).round().clamp(0.0, 255.0) as u8);
        }
        image
    }
}
