//! Renders a [`SceneSpec`] into RGB pixels plus the object's coverage masks. Pure and
//! deterministic: the same spec and size always give the same bytes.

use super::classes::{Part, Role, Scene, Template};
use super::geometry::{Placement, Pt, capsule, circle, coverage, ellipse, outline_coverage, rect};
use super::scene::{
    Clutter, Instance, Occluder, OccluderKind, PatternKind, SceneSpec, Style, Surface, hsv,
};
use tiny_skia::Mask;

/// One rendered image.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub size: u32,
    /// Row-major RGB, `size * size * 3` bytes.
    pub rgb: Vec<u8>,
    /// Coverage (0..=1) of the labelled class's instances before any occluder.
    pub object: Vec<f32>,
    /// The same coverage after occluders: what of the object can be seen.
    pub visible: Vec<f32>,
}

impl Rendered {
    pub fn object_area(&self) -> f32 {
        self.object.iter().sum()
    }

    pub fn visible_area(&self) -> f32 {
        self.visible.iter().sum()
    }

    /// Mean luminance (Rec. 601 weights) of the whole image, 0..=255.
    pub fn mean_luma(&self) -> f32 {
        let n = (self.size * self.size) as f32;
        self.rgb
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .sum::<f32>()
            / n
    }
}

/// splitmix64: a fast, well-mixed hash for per-pixel noise.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(h: u64) -> f32 {
    (h >> 40) as f32 / (1u64 << 24) as f32
}

struct Canvas {
    size: usize,
    px: Vec<[f32; 3]>,
    mask: Mask,
}

impl Canvas {
    /// Blends `color(x, y)` over the pixels covered by `mask`, returning nothing; `each`
    /// sees every covered pixel index with its coverage.
    fn paint(
        &mut self,
        color: impl Fn(usize, usize) -> [f32; 3],
        mut each: impl FnMut(usize, f32),
    ) {
        let s = self.size;
        for (i, &m) in self.mask.data().iter().enumerate() {
            if m == 0 {
                continue;
            }
            let a = m as f32 / 255.0;
            let c = color(i % s, i / s);
            let p = &mut self.px[i];
            for k in 0..3 {
                p[k] += (c[k] - p[k]) * a;
            }
            each(i, a);
        }
    }

    fn fill(
        &mut self,
        poly: &[Pt],
        color: impl Fn(usize, usize) -> [f32; 3],
        each: impl FnMut(usize, f32),
    ) {
        if coverage(&mut self.mask, poly) {
            self.paint(color, each);
        }
    }

    fn outline(&mut self, poly: &[Pt], width: f32, ink: [f32; 3], each: impl FnMut(usize, f32)) {
        if outline_coverage(&mut self.mask, poly, width) {
            self.paint(|_, _| ink, each);
        }
    }
}

const DARK: [f32; 3] = [0.08, 0.07, 0.07];
const LIGHT: [f32; 3] = [0.85, 0.92, 0.96];
const PAPER: [f32; 3] = [0.95, 0.94, 0.89];
const PENCIL: [f32; 3] = [0.2, 0.2, 0.22];

fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale3(c: [f32; 3], k: f32) -> [f32; 3] {
    [c[0] * k, c[1] * k, c[2] * k]
}

/// The scene behind the objects at normalised position (x, y).
fn scene_color(spec: &SceneSpec, x: f32, y: f32) -> [f32; 3] {
    let h = spec.horizon;
    let flat = spec.style == Style::Cartoon;
    let sky = |y: f32| {
        if flat {
            [0.45, 0.7, 0.95]
        } else {
            lerp([0.35, 0.58, 0.93], [0.78, 0.87, 0.98], y)
        }
    };
    let wave = |amp: f32, f: f32| {
        if flat {
            0.0
        } else {
            amp * (y * f + 2.0 * (x * 9.0).sin()).sin()
        }
    };
    let c = match spec.scene {
        Scene::Sky => {
            let cloud = ((x - 0.3).powi(2) * 6.0 + (y - 0.25).powi(2) * 30.0)
                .min((x - 0.8).powi(2) * 8.0 + (y - 0.6).powi(2) * 40.0);
            lerp(
                sky(y),
                [0.97, 0.97, 0.98],
                if flat {
                    0.0
                } else {
                    (1.0 - cloud).clamp(0.0, 0.8)
                },
            )
        }
        Scene::Grass if y < h => sky(y / h),
        Scene::Grass => scale3([0.3, 0.56, 0.2], 1.0 - 0.35 * (y - h) + wave(0.06, 60.0)),
        Scene::Water => scale3(
            lerp([0.1, 0.34, 0.58], [0.2, 0.5, 0.7], y),
            1.0 + wave(0.12, 45.0),
        ),
        Scene::Indoor if y < h + 0.2 => scale3([0.86, 0.8, 0.7], 1.0 - 0.1 * y),
        Scene::Indoor => {
            let plank = if flat || (x * 7.0).fract() > 0.06 {
                1.0
            } else {
                0.75
            };
            scale3([0.55, 0.4, 0.28], plank)
        }
        Scene::Sand if y < h - 0.1 => lerp([0.7, 0.82, 0.95], [0.93, 0.93, 0.9], y / h),
        Scene::Sand => scale3([0.9, 0.8, 0.55], 1.0 + wave(0.07, 25.0)),
        Scene::Road if y < h => sky(y / h),
        Scene::Road => {
            let mid = (h + 1.0) / 2.0;
            if (y - mid).abs() < 0.015 && (x * 5.0).fract() < 0.5 {
                [0.95, 0.95, 0.9]
            } else {
                [0.38, 0.38, 0.4]
            }
        }
    };
    [
        c[0] * spec.tint[0],
        c[1] * spec.tint[1],
        c[2] * spec.tint[2],
    ]
}

fn clutter_poly(c: &Clutter, size: f32) -> Vec<Pt> {
    let pl = Placement {
        cx: c.x * size,
        cy: c.y * size,
        scale: c.size * size,
        rotation: c.angle,
        mirror: false,
    };
    let local = match c.kind {
        0 => rect([-1.0, -0.6], [1.0, 0.6]),
        1 => circle([0.0, 0.0], 0.8),
        _ => capsule([-1.6, 0.0], [1.6, 0.0], 0.25),
    };
    local.into_iter().map(|p| pl.apply(p)).collect()
}

fn occluder_parts(o: &Occluder) -> Vec<(Vec<Pt>, [f32; 3])> {
    match o.kind {
        OccluderKind::Pole => vec![
            (capsule([0.0, -1.6], [0.0, 1.6], 0.2), o.color),
            (rect([-0.2, -0.5], [0.2, -0.42]), scale3(o.color, 0.6)),
        ],
        OccluderKind::Crate => {
            let slat = scale3(o.color, 0.65);
            vec![
                (rect([-0.5, -0.45], [0.5, 0.5]), o.color),
                (capsule([-0.45, -0.4], [0.45, 0.45], 0.05), slat),
                (capsule([-0.45, 0.45], [0.45, -0.4], 0.05), slat),
                (rect([-0.5, -0.45], [0.5, -0.36]), slat),
            ]
        }
        OccluderKind::Bush => vec![
            (circle([-0.35, 0.25], 0.36), o.color),
            (circle([0.1, 0.0], 0.45), scale3(o.color, 1.2)),
            (circle([0.5, 0.3], 0.32), o.color),
            (circle([0.05, 0.4], 0.38), scale3(o.color, 0.85)),
        ],
        OccluderKind::Person => {
            let trousers = [0.15, 0.18, 0.3];
            vec![
                (capsule([-0.15, 0.1], [-0.2, 1.4], 0.13), trousers),
                (capsule([0.15, 0.1], [0.2, 1.4], 0.13), trousers),
                (capsule([0.28, -0.62], [0.62, 0.05], 0.1), o.color),
                (capsule([-0.28, -0.62], [-0.4, 0.1], 0.1), o.color),
                (
                    vec![[-0.32, -0.72], [0.32, -0.72], [0.3, 0.25], [-0.3, 0.25]],
                    o.color,
                ),
                (circle([0.62, 0.08], 0.09), o.skin),
                (capsule([0.0, -0.8], [0.0, -0.7], 0.08), o.skin),
                (circle([0.0, -1.02], 0.22), o.skin),
                (ellipse([0.0, -1.16], 0.22, 0.11, 0.0), [0.12, 0.08, 0.05]),
            ]
        }
    }
}

/// Colour of an object part at pixel (x, y) in photo or cartoon style.
fn part_color(
    t: &Template,
    inst: &Instance,
    role: Role,
    style: Style,
    size: f32,
    x: usize,
    y: usize,
) -> [f32; 3] {
    let cartoon = style == Style::Cartoon;
    let (s, v) = if cartoon {
        (0.9, 0.95)
    } else {
        (inst.saturation, inst.value)
    };
    let base = match role {
        Role::Main => hsv(inst.hue, s, v),
        Role::Secondary => hsv(inst.secondary_hue, s * 0.9, v * 0.78),
        Role::Accent => t.accent,
        Role::Dark => DARK,
        Role::Light => LIGHT,
    };
    if cartoon {
        return base;
    }
    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
    let pl = inst.placement;
    // Light from above: the lower half of each object is in its own shade.
    let rel = ((py - pl.cy * size) / (pl.scale * size)).clamp(-1.0, 1.0);
    let mut c = scale3(base, 1.08 - 0.18 * rel);
    let coloured = matches!(role, Role::Main | Role::Secondary);
    match inst.surface {
        Surface::Pattern {
            kind,
            angle,
            period,
            ink,
        } if role == Role::Main => {
            let q = Placement {
                cx: pl.cx * size,
                cy: pl.cy * size,
                scale: pl.scale * size,
                ..pl
            }
            .invert([px, py]);
            let (sa, ca) = angle.sin_cos();
            let (u, w) = (
                (q[0] * ca + q[1] * sa) / period,
                (-q[0] * sa + q[1] * ca) / period,
            );
            let on = match kind {
                PatternKind::Stripes => u.rem_euclid(1.0) < 0.45,
                PatternKind::Dots => (u - u.round()).powi(2) + (w - w.round()).powi(2) < 0.09,
                PatternKind::Checks => (u.floor() + w.floor()).rem_euclid(2.0) < 1.0,
            };
            if on {
                c = ink;
            }
        }
        Surface::Texture { strength, seed } if coloured => {
            // Grain at one to two pixels: rough fur, bark or scales.
            let cell =
                mix(seed as u64 ^ ((x as u64 / 2) << 20) ^ (y as u64 * 0x9E37 + x as u64 % 2));
            let k = 1.0
                + strength
                    * (2.0 * unit(cell) - 1.0)
                    * if (x + 2 * y).is_multiple_of(3) {
                        1.4
                    } else {
                        0.8
                    };
            c = scale3(c, k);
        }
        _ => {}
    }
    c
}

/// Renders `spec` at `size` pixels square.
pub fn render(spec: &SceneSpec, templates: &[&Template], size: u32) -> Rendered {
    let s = size as usize;
    let fs = size as f32;
    let mut cv = Canvas {
        size: s,
        px: vec![[0.0; 3]; s * s],
        mask: Mask::new(size, size).expect("size >= 16"),
    };
    let stroke = (fs / 48.0).max(1.0);

    for i in 0..s * s {
        let (x, y) = ((i % s) as f32 + 0.5, (i / s) as f32 + 0.5);
        cv.px[i] = if spec.style == Style::Sketch {
            PAPER
        } else {
            scene_color(spec, x / fs, y / fs)
        };
    }
    if spec.style == Style::Sketch {
        let h = (spec.horizon * fs) as usize;
        if h < s {
            for x in 0..s {
                cv.px[h * s + x] = lerp(PAPER, PENCIL, 0.5);
            }
        }
    }
    for c in &spec.clutter {
        let poly = clutter_poly(c, fs);
        match spec.style {
            Style::Sketch => cv.outline(&poly, stroke, PENCIL, |_, _| {}),
            _ => cv.fill(&poly, |_, _| c.color, |_, _| {}),
        }
    }

    let mut object = vec![0.0f32; s * s];
    for inst in &spec.instances {
        let t = templates[inst.class];
        let pl = Placement {
            cx: inst.placement.cx * fs,
            cy: inst.placement.cy * fs,
            scale: inst.placement.scale * fs,
            ..inst.placement
        };
        let labelled = inst.class == spec.class;
        for Part { poly, role } in t.parts(inst.variant) {
            let img: Vec<Pt> = poly
                .iter()
                .map(|&q| pl.apply(inst.warp.apply([q[0] * inst.view, q[1]])))
                .collect();
            let track = |i: usize, a: f32| {
                if labelled {
                    object[i] = object[i].max(a);
                }
            };
            match spec.style {
                Style::Sketch => {
                    let hatch = role == Role::Main;
                    cv.fill(
                        &img,
                        |x, y| {
                            if hatch && (x + y) % 4 == 0 {
                                lerp(PAPER, PENCIL, 0.55)
                            } else {
                                PAPER
                            }
                        },
                        track,
                    );
                    cv.outline(&img, stroke, PENCIL, |_, _| {});
                }
                Style::Cartoon => {
                    cv.fill(
                        &img,
                        |x, y| part_color(t, inst, role, spec.style, fs, x, y),
                        track,
                    );
                    cv.outline(&img, stroke * 1.5, DARK, |_, _| {});
                }
                Style::Photo => cv.fill(
                    &img,
                    |x, y| part_color(t, inst, role, spec.style, fs, x, y),
                    track,
                ),
            }
        }
    }

    let mut visible = object.clone();
    for o in &spec.occluders {
        let pl = Placement {
            cx: o.placement.cx * fs,
            cy: o.placement.cy * fs,
            scale: o.placement.scale * fs,
            ..o.placement
        };
        for (poly, color) in occluder_parts(o) {
            let img: Vec<Pt> = poly.iter().map(|&q| pl.apply(q)).collect();
            let hide = |i: usize, a: f32| visible[i] *= 1.0 - a;
            match spec.style {
                Style::Sketch => {
                    cv.fill(&img, |_, _| PAPER, hide);
                    cv.outline(&img, stroke, PENCIL, |_, _| {});
                }
                Style::Cartoon => {
                    cv.fill(&img, |_, _| color, hide);
                    cv.outline(&img, stroke * 1.5, DARK, |_, _| {});
                }
                Style::Photo => cv.fill(&img, |_, _| color, hide),
            }
        }
    }

    let mut rgb = Vec::with_capacity(s * s * 3);
    for (i, p) in cv.px.iter().enumerate() {
        for (k, &v) in p.iter().enumerate() {
            let h = mix(spec.seed ^ ((i * 3 + k) as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
            // Sum of three uniforms: a cheap, bounded stand-in for Gaussian sensor noise.
            let g = (unit(h) + unit(h >> 8 ^ h << 13) + unit(mix(h)) - 1.5) * 2.0;
            let lit = spec.lift + (1.0 - spec.lift) * (v * spec.gain).min(1.0);
            rgb.push(((lit + spec.noise * g).clamp(0.0, 1.0) * 255.0).round() as u8);
        }
    }
    Rendered {
        size,
        rgb,
        object,
        visible,
    }
}
