//! Turns an image's factor labels into concrete scene parameters. Everything random happens
//! here, from one per-image RNG; rendering a [`SceneSpec`] is then a pure function, so tests can
//! toggle one parameter and compare pixels.

use super::classes::{Scene, Template};
use super::geometry::{Placement, Warp};
use rand::{Rng, RngExt};
use spillover_factors::{Factor, FactorSet};
use std::f32::consts::PI;

/// Object surface: plain (smooth shading), a bold geometric pattern, or a fine texture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Surface {
    Plain,
    Pattern {
        kind: PatternKind,
        angle: f32,
        period: f32,
        ink: [f32; 3],
    },
    Texture {
        strength: f32,
        seed: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    Stripes,
    Dots,
    Checks,
}

/// How the whole image is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Photo,
    /// Pencil outlines and hatching on paper, no colour.
    Sketch,
    /// Flat saturated fills with thick black outlines.
    Cartoon,
}

/// One drawn object of some class. Placements are in units of the image side, so the same spec
/// renders at any size.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub class: usize,
    pub variant: bool,
    pub placement: Placement,
    pub warp: Warp,
    /// Foreshortening along the object's length: 1 is the usual side view; `pose` draws the
    /// object seen from the front or back (0.2..0.35), which changes its silhouette but not
    /// its colours.
    pub view: f32,
    /// Hue of the main parts, degrees.
    pub hue: f32,
    /// Hue of the secondary parts, degrees.
    pub secondary_hue: f32,
    pub saturation: f32,
    pub value: f32,
    pub surface: Surface,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccluderKind {
    Pole,
    Crate,
    Bush,
    Person,
}

/// Something in front of the object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Occluder {
    pub kind: OccluderKind,
    pub placement: Placement,
    /// Main colour (pole metal, crate wood, bush leaves, shirt).
    pub color: [f32; 3],
    /// Second colour (person's skin).
    pub skin: [f32; 3],
}

/// A random shape of the cluttered (`background`) scenes, in image-side units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clutter {
    pub kind: u8,
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub angle: f32,
    pub color: [f32; 3],
}

/// All parameters of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct SceneSpec {
    pub class: usize,
    pub factors: FactorSet,
    pub scene: Scene,
    /// Horizon height and tint of the scene.
    pub horizon: f32,
    pub tint: [f32; 3],
    pub clutter: Vec<Clutter>,
    pub style: Style,
    pub instances: Vec<Instance>,
    pub occluders: Vec<Occluder>,
    /// Scene illumination gain and wash-out lift.
    pub gain: f32,
    pub lift: f32,
    pub noise: f32,
    pub seed: u64,
}

impl SceneSpec {
    /// Classes visible in the image (ReaL-style labels), sorted.
    pub fn visible_classes(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.instances.iter().map(|i| i.class).collect();
        c.sort_unstable();
        c.dedup();
        c
    }
}

fn u<R: Rng>(rng: &mut R, a: f32, b: f32) -> f32 {
    rng.random_range(a..b)
}

fn sign<R: Rng>(rng: &mut R) -> f32 {
    if rng.random_bool(0.5) { 1.0 } else { -1.0 }
}

/// HSV (degrees, 0..1, 0..1) to sRGB 0..1.
pub fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = v * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

/// The sampling knobs that come from the config rather than from the labels.
#[derive(Debug, Clone, Copy)]
pub struct Ties {
    pub color: f32,
    pub background: f32,
}

/// Samples the scene of an image of `class` whose factors are `factors`.
///
/// The pieces draw from `rng` in this order, always the same (the world's pixels depend on it):
/// backdrop, style, layout, each instance, occluders, lighting, and the noise seed.
pub fn sample<R: Rng>(
    rng: &mut R,
    templates: &[&Template],
    class: usize,
    factors: FactorSet,
    ties: Ties,
) -> SceneSpec {
    let has = |f: Factor| factors.contains(f);
    let backdrop = sample_backdrop(rng, templates[class].scene, factors, ties);
    let style = sample_style(rng, factors);
    let layout = sample_layout(rng, factors);
    let instances: Vec<Instance> = layout
        .slots
        .iter()
        .enumerate()
        .map(|(k, slot)| sample_instance(rng, templates, class, factors, ties, &layout, k, *slot))
        .collect();

    let mut occluders = Vec::new();
    let main = instances[0].placement;
    if has(Factor::ObjectBlocking) {
        occluders.push(sample_object_blocker(rng, main));
    }
    if has(Factor::PersonBlocking) {
        occluders.push(sample_person_blocker(rng, main));
    }
    let (gain, lift, noise) = sample_lighting(rng, factors);

    SceneSpec {
        class,
        factors,
        scene: backdrop.scene,
        horizon: backdrop.horizon,
        tint: backdrop.tint,
        clutter: backdrop.clutter,
        style,
        instances,
        occluders,
        gain,
        lift,
        noise,
        seed: rng.random(),
    }
}

/// What is behind the objects.
struct Backdrop {
    scene: Scene,
    horizon: f32,
    tint: [f32; 3],
    clutter: Vec<Clutter>,
}

/// The scene (the class's `home` one, or another under `background`), its horizon and tint,
/// and the clutter of a busy background.
fn sample_backdrop<R: Rng>(rng: &mut R, home: Scene, factors: FactorSet, ties: Ties) -> Backdrop {
    let busy = factors.contains(Factor::Background);
    let scene = if busy {
        let others: Vec<Scene> = Scene::ALL.into_iter().filter(|s| *s != home).collect();
        others[rng.random_range(0..others.len())]
    } else if rng.random_bool(ties.background as f64) {
        home
    } else {
        Scene::ALL[rng.random_range(0..Scene::ALL.len())]
    };
    let horizon = u(rng, 0.3, 0.55);
    let tint = [u(rng, 0.9, 1.1), u(rng, 0.9, 1.1), u(rng, 0.9, 1.1)];
    let clutter = if busy {
        (0..rng.random_range(10..16))
            .map(|_| Clutter {
                kind: rng.random_range(0..3),
                x: u(rng, 0.0, 1.0),
                y: u(rng, 0.0, 1.0),
                size: u(rng, 0.06, 0.2),
                angle: u(rng, 0.0, PI),
                color: hsv(u(rng, 0.0, 360.0), u(rng, 0.4, 1.0), u(rng, 0.2, 1.0)),
            })
            .collect()
    } else {
        Vec::new()
    };
    Backdrop {
        scene,
        horizon,
        tint,
        clutter,
    }
}

/// Photo, or under `style` a cartoon (always with `color`) or a sketch.
fn sample_style<R: Rng>(rng: &mut R, factors: FactorSet) -> Style {
    if factors.contains(Factor::Style) {
        if factors.contains(Factor::Color) || rng.random_bool(0.5) {
            Style::Cartoon
        } else {
            Style::Sketch
        }
    } else {
        Style::Photo
    }
}

/// How many objects, how large, and where they stand.
struct Layout {
    count: usize,
    /// Object size before each instance's own jitter.
    scale: f32,
    /// Centre of each object, before jitter.
    slots: &'static [[f32; 2]],
    /// The last of several objects is of another class.
    stranger: bool,
}

fn sample_layout<R: Rng>(rng: &mut R, factors: FactorSet) -> Layout {
    let has = |f: Factor| factors.contains(f);
    let count = if has(Factor::MultipleObjects) {
        rng.random_range(2..=4)
    } else {
        1
    };
    let base = if has(Factor::Smaller) {
        u(rng, 0.13, 0.19)
    } else if has(Factor::Larger) {
        u(rng, 0.6, 0.75)
    } else {
        u(rng, 0.33, 0.41)
    };
    let scale = if count > 1 {
        (base * 0.55).max(0.1)
    } else {
        base
    };
    let slots: &'static [[f32; 2]] = match count {
        1 => &[[0.5, 0.5]],
        2 => &[[0.28, 0.5], [0.72, 0.5]],
        3 => &[[0.28, 0.3], [0.72, 0.35], [0.45, 0.74]],
        _ => &[[0.27, 0.27], [0.73, 0.27], [0.27, 0.73], [0.73, 0.73]],
    };
    // One extra instance of another class sometimes: multiple objects need not be alike.
    let stranger = count > 1 && rng.random_bool(0.3);
    Layout {
        count,
        scale,
        slots,
        stranger,
    }
}

/// Object `k` of the layout, standing at `slot`: its class, placement, pose, warp, colours and
/// surface. Only objects of the image's own class carry its shape, colour and surface factors.
#[allow(clippy::too_many_arguments)]
fn sample_instance<R: Rng>(
    rng: &mut R,
    templates: &[&Template],
    class: usize,
    factors: FactorSet,
    ties: Ties,
    layout: &Layout,
    k: usize,
    slot: [f32; 2],
) -> Instance {
    let has = |f: Factor| factors.contains(f);
    let (count, scale) = (layout.count, layout.scale);
    let c = if layout.stranger && k == count - 1 {
        (class + rng.random_range(1..templates.len())) % templates.len()
    } else {
        class
    };
    let (mut cx, mut cy) = (slot[0] + u(rng, -0.06, 0.06), slot[1] + u(rng, -0.06, 0.06));
    if has(Factor::PartialView) && k == 0 {
        // Push the object over one edge so that a large part of it is out of frame.
        let inward = scale * u(rng, 0.15, 0.45);
        match rng.random_range(0..4) {
            0 => cx = inward,
            1 => cx = 1.0 - inward,
            2 => cy = inward,
            _ => cy = 1.0 - inward,
        }
    }
    // An unusual pose is an unusual viewpoint: turned over and seen end-on. The silhouette
    // stops looking like the class while the colours stay, so a model that reads colour
    // keeps a cue here that a colour-invariant one has given up (the world's mechanism for
    // colour jitter's spill-over onto `pose`).
    let (rotation, view) = if has(Factor::Pose) {
        (
            sign(rng) * u(rng, 70.0, 180.0).to_radians(),
            u(rng, 0.2, 0.35),
        )
    } else {
        (u(rng, -12.0, 12.0).to_radians(), 1.0)
    };
    let placement = Placement {
        cx,
        cy,
        scale: scale * u(rng, 0.93, 1.07),
        rotation,
        mirror: rng.random_bool(0.5),
    };
    let own = c == class;
    let warp = if has(Factor::Shape) && own {
        Warp {
            stretch: sign(rng) * u(rng, 0.3, 0.5),
            bend: sign(rng) * u(rng, 0.25, 0.45),
            wobble: u(rng, 0.08, 0.14),
            phase: u(rng, 0.0, 2.0 * PI),
        }
    } else {
        Warp {
            stretch: u(rng, -0.08, 0.08),
            ..Warp::default()
        }
    };
    let tc = templates[c];
    let shift = if has(Factor::Color) && own {
        sign(rng) * u(rng, 100.0, 180.0)
    } else {
        let width = 8.0 + (1.0 - ties.color) * 172.0;
        u(rng, -width, width)
    };
    let surface = sample_surface(rng, factors, own);
    Instance {
        class: c,
        variant: has(Factor::Subcategory) && own,
        placement,
        warp,
        view,
        hue: tc.hue + shift,
        secondary_hue: tc.secondary_hue + shift,
        saturation: u(rng, 0.55, 0.85),
        value: u(rng, 0.62, 0.88),
        surface,
    }
}

/// A bold pattern or a fine texture on an object of the image's own class (`own`) under
/// `pattern` or `texture`; plain otherwise.
fn sample_surface<R: Rng>(rng: &mut R, factors: FactorSet, own: bool) -> Surface {
    if factors.contains(Factor::Pattern) && own {
        let kind =
            [PatternKind::Stripes, PatternKind::Dots, PatternKind::Checks][rng.random_range(0..3)];
        let ink = if rng.random_bool(0.5) {
            [0.05, 0.05, 0.05]
        } else {
            [0.97, 0.97, 0.95]
        };
        Surface::Pattern {
            kind,
            angle: u(rng, 0.0, PI),
            period: u(rng, 0.2, 0.32),
            ink,
        }
    } else if factors.contains(Factor::Texture) && own {
        Surface::Texture {
            strength: u(rng, 0.3, 0.45),
            seed: rng.random(),
        }
    } else {
        Surface::Plain
    }
}

/// `object_blocking`: a pole, crate or bush in front of the `main` object.
fn sample_object_blocker<R: Rng>(rng: &mut R, main: Placement) -> Occluder {
    let kind =
        [OccluderKind::Pole, OccluderKind::Crate, OccluderKind::Bush][rng.random_range(0..3)];
    let color = match kind {
        OccluderKind::Pole => {
            let g = u(rng, 0.35, 0.7);
            [g, g, g * 1.05]
        }
        OccluderKind::Crate => hsv(u(rng, 25.0, 40.0), u(rng, 0.5, 0.7), u(rng, 0.45, 0.7)),
        _ => hsv(u(rng, 90.0, 140.0), u(rng, 0.5, 0.8), u(rng, 0.3, 0.5)),
    };
    let placement = Placement {
        cx: main.cx + main.scale * u(rng, -0.25, 0.25),
        cy: main.cy + main.scale * u(rng, -0.1, 0.3),
        // A bush is bulky: smaller, so that it hides part of the object rather than all of it.
        scale: main.scale
            * if kind == OccluderKind::Bush {
                u(rng, 0.65, 0.8)
            } else {
                u(rng, 0.9, 1.1)
            },
        rotation: u(rng, -0.3, 0.3),
        mirror: false,
    };
    Occluder {
        kind,
        placement,
        color,
        skin: color,
    }
}

/// `person_blocking`: a person in front of the `main` object.
fn sample_person_blocker<R: Rng>(rng: &mut R, main: Placement) -> Occluder {
    let skins = [
        [0.96, 0.8, 0.69],
        [0.87, 0.67, 0.5],
        [0.6, 0.42, 0.3],
        [0.36, 0.24, 0.17],
    ];
    let placement = Placement {
        cx: main.cx + sign(rng) * main.scale * u(rng, 0.1, 0.45),
        cy: main.cy + main.scale * u(rng, 0.2, 0.6),
        scale: main.scale * u(rng, 0.85, 1.1),
        rotation: u(rng, -0.15, 0.15),
        mirror: rng.random_bool(0.5),
    };
    let color = hsv(u(rng, 0.0, 360.0), u(rng, 0.3, 0.9), u(rng, 0.3, 0.9));
    Occluder {
        kind: OccluderKind::Person,
        placement,
        color,
        skin: skins[rng.random_range(0..4)],
    }
}

/// Illumination gain, wash-out lift and sensor noise: `darker`, `brighter` or ordinary light.
fn sample_lighting<R: Rng>(rng: &mut R, factors: FactorSet) -> (f32, f32, f32) {
    if factors.contains(Factor::Darker) {
        (u(rng, 0.16, 0.32), 0.0, 0.03)
    } else if factors.contains(Factor::Brighter) {
        (u(rng, 1.5, 1.9), u(rng, 0.3, 0.45), 0.015)
    } else {
        (u(rng, 0.85, 1.1), 0.0, 0.015)
    }
}

/// Factor pairs that cannot hold together (the second is dropped when the first is present).
pub const EXCLUSIVE: [(Factor, Factor); 5] = [
    (Factor::Smaller, Factor::Larger),
    (Factor::Darker, Factor::Brighter),
    (Factor::Style, Factor::Texture),
    (Factor::Style, Factor::Pattern),
    (Factor::Pattern, Factor::Texture),
];

/// Adds independent extra factors to `top`, keeping the set consistent.
pub fn with_extras<R: Rng>(rng: &mut R, top: Factor, rates: &[f64; 16]) -> FactorSet {
    let mut set = FactorSet::EMPTY;
    set.insert(top);
    for f in Factor::ALL {
        if f != top && rng.random_bool(rates[f.index()].clamp(0.0, 1.0)) && compatible(set, f) {
            set.insert(f);
        }
    }
    set
}

fn compatible(set: FactorSet, f: Factor) -> bool {
    EXCLUSIVE
        .iter()
        .all(|&(a, b)| !((a == f && set.contains(b)) || (b == f && set.contains(a))))
        && !(f == Factor::MultipleObjects && set.contains(Factor::Larger))
        && !(f == Factor::Larger && set.contains(Factor::MultipleObjects))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn hsv_primaries() {
        assert_eq!(hsv(0.0, 1.0, 1.0), [1.0, 0.0, 0.0]);
        assert_eq!(hsv(120.0, 1.0, 1.0), [0.0, 1.0, 0.0]);
        assert_eq!(hsv(240.0, 1.0, 0.5), [0.0, 0.0, 0.5]);
        assert_eq!(hsv(-120.0, 0.0, 0.5), [0.5, 0.5, 0.5]);
    }

    #[test]
    fn extras_never_combine_exclusive_factors() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let rates = [0.9; 16];
        for top in Factor::ALL {
            for _ in 0..50 {
                let s = with_extras(&mut rng, top, &rates);
                assert!(s.contains(top));
                assert!(!(s.contains(Factor::Smaller) && s.contains(Factor::Larger)));
                assert!(!(s.contains(Factor::Darker) && s.contains(Factor::Brighter)));
                assert!(!(s.contains(Factor::Larger) && s.contains(Factor::MultipleObjects)));
            }
        }
    }
}
