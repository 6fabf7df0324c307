//! Polygons in an object's local frame (x right = the way the object faces, y down, the
//! object roughly inside [-1, 1]²), the warps that deform them, and their rasterisation.
//!
//! Shapes are kept as plain point lists rather than curves so that the `shape` factor can
//! bend any of them with an arbitrary non-affine warp before they reach the rasteriser.

use std::f32::consts::TAU;
use tiny_skia::{FillRule, Mask, Path, PathBuilder, Stroke, Transform};

pub type Pt = [f32; 2];

/// An ellipse centred at `c` with radii `rx`, `ry`, rotated by `angle` radians.
pub fn ellipse(c: Pt, rx: f32, ry: f32, angle: f32) -> Vec<Pt> {
    const N: usize = 28;
    let (s, co) = angle.sin_cos();
    (0..N)
        .map(|i| {
            let t = i as f32 / N as f32 * TAU;
            let (x, y) = (rx * t.cos(), ry * t.sin());
            [c[0] + x * co - y * s, c[1] + x * s + y * co]
        })
        .collect()
}

pub fn circle(c: Pt, r: f32) -> Vec<Pt> {
    ellipse(c, r, r, 0.0)
}

/// Axis-aligned rectangle from corner `a` to corner `b`.
pub fn rect(a: Pt, b: Pt) -> Vec<Pt> {
    vec![a, [b[0], a[1]], b, [a[0], b[1]]]
}

/// A stadium (rounded thick segment) from `a` to `b` with radius `r`: legs, necks, masts.
pub fn capsule(a: Pt, b: Pt, r: f32) -> Vec<Pt> {
    tapered(&[a, b], &[r, r])
}

/// A thick polyline whose half-width varies along it (snake bodies, tails), with round ends.
pub fn tapered(points: &[Pt], radii: &[f32]) -> Vec<Pt> {
    debug_assert!(points.len() >= 2 && points.len() == radii.len());
    let n = points.len();
    let normal = |i: usize| {
        let (p, q) = if i + 1 < n {
            (points[i], points[i + 1])
        } else {
            (points[i - 1], points[i])
        };
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let len = (dx * dx + dy * dy).sqrt().max(1e-6);
        [-dy / len, dx / len]
    };
    let cap = |centre: Pt, r: f32, from: f32| -> Vec<Pt> {
        (1..8)
            .map(|k| {
                let t = from + k as f32 / 8.0 * std::f32::consts::PI;
                [centre[0] + r * t.cos(), centre[1] + r * t.sin()]
            })
            .collect()
    };
    let mut out = Vec::with_capacity(4 * n + 16);
    for i in 0..n {
        let m = normal(i);
        out.push([
            points[i][0] + m[0] * radii[i],
            points[i][1] + m[1] * radii[i],
        ]);
    }
    let m = normal(n - 1);
    out.extend(cap(points[n - 1], radii[n - 1], m[1].atan2(m[0])));
    for i in (0..n).rev() {
        let m = normal(i);
        out.push([
            points[i][0] - m[0] * radii[i],
            points[i][1] - m[1] * radii[i],
        ]);
    }
    let m = normal(0);
    out.extend(cap(points[0], radii[0], (-m[1]).atan2(-m[0])));
    out
}

/// Places local coordinates in the image: optional mirror, rotation, scale, translation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub cx: f32,
    pub cy: f32,
    /// Pixels per local unit.
    pub scale: f32,
    /// Radians, clockwise on screen.
    pub rotation: f32,
    pub mirror: bool,
}

impl Placement {
    pub fn apply(&self, p: Pt) -> Pt {
        let x = if self.mirror { -p[0] } else { p[0] };
        let (s, c) = self.rotation.sin_cos();
        let (rx, ry) = (x * c - p[1] * s, x * s + p[1] * c);
        [self.cx + rx * self.scale, self.cy + ry * self.scale]
    }

    /// Pixel -> local coordinates (inverse of [`Placement::apply`]), for patterns that move
    /// with the object.
    pub fn invert(&self, q: Pt) -> Pt {
        let (dx, dy) = ((q[0] - self.cx) / self.scale, (q[1] - self.cy) / self.scale);
        let (s, c) = self.rotation.sin_cos();
        let (x, y) = (dx * c + dy * s, -dx * s + dy * c);
        [if self.mirror { -x } else { x }, y]
    }
}

/// A non-affine deformation for the `shape` factor: anisotropic stretch, a bend along the
/// object's length and a radial wobble. The identity when all amounts are zero.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Warp {
    pub stretch: f32,
    pub bend: f32,
    pub wobble: f32,
    pub phase: f32,
}

impl Warp {
    pub fn is_identity(&self) -> bool {
        self.stretch == 0.0 && self.bend == 0.0 && self.wobble == 0.0
    }

    pub fn apply(&self, p: Pt) -> Pt {
        let k = (1.0 + self.stretch).max(0.2);
        let (mut x, mut y) = (p[0] * k, p[1] / k);
        y += self.bend * (x * x - 0.3);
        let r = (x * x + y * y).sqrt();
        if r > 1e-6 {
            let f = 1.0 + self.wobble * (3.0 * y.atan2(x) + self.phase).sin();
            x *= f;
            y *= f;
        }
        [x, y]
    }
}

/// Builds a closed tiny-skia path through image-space points.
pub fn path(points: &[Pt]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    let (first, rest) = points.split_first()?;
    pb.move_to(first[0], first[1]);
    for p in rest {
        pb.line_to(p[0], p[1]);
    }
    pb.close();
    pb.finish()
}

/// Anti-aliased coverage (0..=1 per pixel, row-major) of a filled polygon.
pub fn coverage(mask: &mut Mask, points: &[Pt]) -> bool {
    mask.clear();
    match path(points) {
        Some(p) => {
            mask.fill_path(&p, FillRule::Winding, true, Transform::identity());
            true
        }
        None => false,
    }
}

/// Anti-aliased coverage of a polygon's outline stroked `width` pixels wide.
pub fn outline_coverage(mask: &mut Mask, points: &[Pt], width: f32) -> bool {
    mask.clear();
    let stroke = Stroke {
        width,
        ..Stroke::default()
    };
    match path(points).and_then(|p| p.stroke(&stroke, 1.0)) {
        Some(s) => {
            mask.fill_path(&s, FillRule::Winding, true, Transform::identity());
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_round_trips() {
        let pl = Placement {
            cx: 30.0,
            cy: 20.0,
            scale: 12.0,
            rotation: 1.1,
            mirror: true,
        };
        let p = [0.3, -0.7];
        let q = pl.invert(pl.apply(p));
        assert!(
            (q[0] - p[0]).abs() < 1e-5 && (q[1] - p[1]).abs() < 1e-5,
            "{q:?}"
        );
        assert_eq!(
            Placement {
                mirror: false,
                ..pl
            }
            .apply([0.0, 0.0]),
            [30.0, 20.0]
        );
    }

    #[test]
    fn circle_coverage_matches_its_area() {
        let mut m = Mask::new(64, 64).unwrap();
        assert!(coverage(&mut m, &circle([32.0, 32.0], 10.0)));
        let area: f32 = m.data().iter().map(|&v| v as f32 / 255.0).sum();
        let exact = std::f32::consts::PI * 100.0;
        assert!(
            (area - exact).abs() / exact < 0.02,
            "area {area} vs {exact}"
        );
    }

    #[test]
    fn identity_warp_keeps_points() {
        let w = Warp::default();
        assert!(w.is_identity());
        assert_eq!(w.apply([0.4, 0.2]), [0.4, 0.2 - 0.0]);
        let bent = Warp { bend: 0.5, ..w }.apply([0.8, 0.0]);
        assert!(bent[1] > 0.1, "bend moves the ends: {bent:?}");
    }
}
