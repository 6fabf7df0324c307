//! The object classes of the world. Each is a part structure drawn from primitives, facing
//! right, with a usual colour, a usual scene and a rarer variant (the `subcategory` factor).
//! Every template is left/right asymmetric so that a rotation (`pose`) is visible.

use super::geometry::{Pt, capsule, circle, ellipse, rect, tapered};

/// Which palette entry paints a part; `Main` and `Secondary` carry the class's hue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Main,
    Secondary,
    Accent,
    Dark,
    Light,
}

/// One filled polygon of an object, in local coordinates.
#[derive(Debug, Clone)]
pub struct Part {
    pub poly: Vec<Pt>,
    pub role: Role,
}

/// Scene types; each class has a usual one (the background cue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    Sky,
    Grass,
    Water,
    Indoor,
    Sand,
    Road,
}

impl Scene {
    pub const ALL: [Scene; 6] = [
        Scene::Sky,
        Scene::Grass,
        Scene::Water,
        Scene::Indoor,
        Scene::Sand,
        Scene::Road,
    ];
}

/// A class template.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// Template name, used in the config's `classes` list and as the class name.
    pub name: &'static str,
    /// Name written to the metaclass CSV: one of the toolkit's metaclasses.
    pub metaclass: &'static str,
    /// Usual hue of the main parts, degrees.
    pub hue: f32,
    /// Hue of the secondary parts, degrees.
    pub secondary_hue: f32,
    /// Accent colour, sRGB 0..1 (beaks, lights, flags).
    pub accent: [f32; 3],
    pub scene: Scene,
    /// Name of the rarer variant drawn for `subcategory`.
    pub variant: &'static str,
    build: fn(bool) -> Vec<Part>,
}

impl Template {
    /// The parts, back to front; `variant` selects the subcategory form.
    pub fn parts(&self, variant: bool) -> Vec<Part> {
        (self.build)(variant)
    }
}

fn p(poly: Vec<Pt>, role: Role) -> Part {
    Part { poly, role }
}

use Role::*;

fn dog(variant: bool) -> Vec<Part> {
    // A dachshund is long and low; the usual dog stands tall.
    let (len, leg) = if variant { (0.6, 0.32) } else { (0.52, 0.62) };
    let mut v = vec![
        p(
            capsule([-len + 0.1, -0.05], [-len - 0.22, -0.42], 0.05),
            Main,
        ),
        p(
            capsule([-len + 0.2, 0.05], [-len + 0.2, leg], 0.075),
            Secondary,
        ),
        p(
            capsule([len - 0.25, 0.05], [len - 0.22, leg], 0.075),
            Secondary,
        ),
        p(ellipse([0.0, 0.0], len, 0.24, 0.0), Main),
        p(
            capsule([len - 0.15, -0.05], [len + 0.05, -0.25], 0.11),
            Main,
        ),
        p(capsule([-len + 0.32, 0.08], [-len + 0.3, leg], 0.075), Main),
        p(capsule([len - 0.12, 0.08], [len - 0.1, leg], 0.075), Main),
        p(circle([len + 0.08, -0.3], 0.2), Main),
        p(ellipse([len + 0.28, -0.24], 0.14, 0.085, 0.1), Main),
        p(circle([len + 0.41, -0.27], 0.04), Dark),
        p(circle([len + 0.14, -0.35], 0.035), Dark),
    ];
    let ear = if variant {
        ellipse([len + 0.0, -0.22], 0.07, 0.2, 0.25)
    } else {
        ellipse([len - 0.02, -0.38], 0.06, 0.14, 0.5)
    };
    v.push(p(ear, Secondary));
    v
}

fn bird(variant: bool) -> Vec<Part> {
    // The heron variant has a long neck and long legs.
    let (head, legs) = if variant {
        ([0.55, -0.65], 0.85)
    } else {
        ([0.42, -0.3], 0.6)
    };
    let mut v = vec![
        p(capsule([0.0, 0.3], [0.0, legs], 0.025), Accent),
        p(capsule([0.12, 0.28], [0.14, legs], 0.025), Accent),
        p(vec![[-0.4, 0.05], [-0.88, -0.05], [-0.82, 0.25]], Secondary),
        p(ellipse([-0.05, 0.05], 0.45, 0.27, -0.2), Main),
    ];
    v.push(p(
        capsule([0.25, -0.05], head, if variant { 0.07 } else { 0.11 }),
        Main,
    ));
    v.extend([
        p(ellipse([-0.1, 0.0], 0.32, 0.14, -0.3), Secondary),
        p(circle(head, 0.17), Main),
        p(
            vec![
                [head[0] + 0.13, head[1] - 0.05],
                [head[0] + 0.45, head[1] + 0.02],
                [head[0] + 0.13, head[1] + 0.07],
            ],
            Accent,
        ),
        p(circle([head[0] + 0.05, head[1] - 0.04], 0.035), Dark),
    ]);
    v
}

fn insect(variant: bool) -> Vec<Part> {
    let mut v = Vec::new();
    if variant {
        // Butterfly: large wings over a thin body.
        v.push(p(ellipse([-0.15, -0.38], 0.42, 0.3, -0.5), Secondary));
        v.push(p(ellipse([-0.2, 0.25], 0.3, 0.2, 0.4), Secondary));
        v.push(p(capsule([-0.6, 0.0], [0.35, 0.0], 0.07), Main));
    } else {
        for (i, x) in [-0.15f32, 0.05, 0.22].into_iter().enumerate() {
            let dx = 0.12 * (i as f32 - 1.0);
            v.push(p(capsule([x, 0.0], [x + dx - 0.1, 0.5], 0.03), Dark));
            v.push(p(capsule([x, 0.0], [x + dx + 0.05, -0.45], 0.03), Dark));
        }
        v.push(p(ellipse([-0.45, 0.0], 0.38, 0.26, 0.0), Main));
        v.push(p(ellipse([0.05, 0.0], 0.19, 0.15, 0.0), Secondary));
    }
    v.push(p(capsule([0.4, -0.05], [0.75, -0.45], 0.022), Dark));
    v.push(p(capsule([0.4, -0.02], [0.82, -0.2], 0.022), Dark));
    v.push(p(circle([0.37, 0.0], 0.14), Main));
    v.push(p(circle([0.43, -0.04], 0.035), Dark));
    v
}

fn snake(variant: bool) -> Vec<Part> {
    let n = 24;
    let (pts, head): (Vec<Pt>, Pt) = if variant {
        // Coiled: an Archimedean spiral ending in the head.
        let pts: Vec<Pt> = (0..n)
            .map(|i| {
                let t = i as f32 / (n - 1) as f32;
                let a = 1.0 + t * 9.0;
                let r = 0.08 + 0.5 * t;
                [r * a.cos() - 0.1, r * a.sin()]
            })
            .collect();
        let last = pts[n - 1];
        (pts, [last[0] + 0.12, last[1] - 0.08])
    } else {
        let pts: Vec<Pt> = (0..n)
            .map(|i| {
                let t = i as f32 / (n - 1) as f32;
                let x = -0.9 + 1.45 * t;
                [x, 0.22 * (x * 5.0).sin()]
            })
            .collect();
        let last = pts[n - 1];
        (pts, [last[0] + 0.14, last[1] - 0.02])
    };
    let radii: Vec<f32> = (0..n)
        .map(|i| 0.045 + 0.09 * i as f32 / (n - 1) as f32)
        .collect();
    vec![
        p(
            capsule(
                [head[0] + 0.1, head[1]],
                [head[0] + 0.3, head[1] - 0.05],
                0.018,
            ),
            Accent,
        ),
        p(tapered(&pts, &radii), Main),
        p(ellipse(head, 0.19, 0.12, -0.1), Main),
        p(circle([head[0] + 0.04, head[1] - 0.05], 0.035), Dark),
        p(
            tapered(
                &pts[n / 2..n - 3],
                &radii[n / 2..n - 3]
                    .iter()
                    .map(|r| r * 0.4)
                    .collect::<Vec<_>>(),
            ),
            Secondary,
        ),
    ]
}

fn wheeled_vehicle(variant: bool) -> Vec<Part> {
    let mut v = Vec::new();
    let wheels: &[f32] = if variant {
        // Truck: a tall cargo box behind the cab.
        v.push(p(rect([-0.9, -0.55], [0.2, 0.25]), Secondary));
        v.push(p(
            vec![
                [0.25, 0.25],
                [0.25, -0.35],
                [0.6, -0.35],
                [0.85, -0.05],
                [0.85, 0.25],
            ],
            Main,
        ));
        v.push(p(
            vec![[0.35, -0.25], [0.58, -0.25], [0.75, -0.05], [0.35, -0.05]],
            Light,
        ));
        &[-0.65, -0.3, 0.55]
    } else {
        v.push(p(
            vec![[-0.45, -0.02], [-0.28, -0.38], [0.22, -0.38], [0.48, -0.02]],
            Main,
        ));
        v.push(p(
            vec![
                [-0.82, -0.05],
                [0.7, -0.05],
                [0.85, 0.1],
                [0.85, 0.28],
                [-0.85, 0.28],
            ],
            Main,
        ));
        v.push(p(
            vec![
                [-0.36, -0.07],
                [-0.24, -0.31],
                [-0.04, -0.31],
                [-0.04, -0.07],
            ],
            Light,
        ));
        v.push(p(
            vec![[0.04, -0.07], [0.04, -0.31], [0.19, -0.31], [0.38, -0.07]],
            Light,
        ));
        v.push(p(rect([-0.85, 0.08], [0.85, 0.13]), Secondary));
        &[-0.5, 0.5]
    };
    v.push(p(ellipse([0.8, 0.05], 0.06, 0.05, 0.0), Accent));
    for &x in wheels {
        v.push(p(circle([x, 0.3], 0.19), Dark));
        v.push(p(circle([x, 0.3], 0.08), Light));
    }
    v
}

fn vessel(variant: bool) -> Vec<Part> {
    let mut v = Vec::new();
    if variant {
        // Steamship: cabins and two funnels instead of sails.
        v.push(p(rect([-0.5, -0.15], [0.35, 0.16]), Light));
        v.push(p(rect([-0.3, -0.6], [-0.12, -0.15]), Accent));
        v.push(p(rect([0.02, -0.55], [0.2, -0.15]), Accent));
        v.push(p(rect([-0.3, -0.6], [-0.12, -0.5]), Dark));
        v.push(p(rect([0.02, -0.55], [0.2, -0.45]), Dark));
    } else {
        v.push(p(rect([-0.02, -0.85], [0.04, 0.16]), Dark));
        v.push(p(vec![[0.06, -0.8], [0.06, 0.1], [0.6, 0.1]], Light));
        v.push(p(
            vec![[-0.04, -0.6], [-0.04, 0.1], [-0.42, 0.1]],
            Secondary,
        ));
        v.push(p(vec![[0.04, -0.85], [0.26, -0.79], [0.04, -0.73]], Accent));
    }
    v.push(p(
        vec![[-0.8, 0.14], [0.9, 0.14], [0.6, 0.45], [-0.7, 0.45]],
        Main,
    ));
    v.push(p(rect([-0.75, 0.22], [0.8, 0.27]), Secondary));
    v
}

fn furniture(variant: bool) -> Vec<Part> {
    if variant {
        // Armchair: padded back, arm and seat on short legs.
        vec![
            p(rect([-0.6, 0.3], [-0.5, 0.6]), Dark),
            p(rect([0.4, 0.3], [0.5, 0.6]), Dark),
            p(ellipse([-0.45, -0.3], 0.2, 0.55, 0.1), Main),
            p(ellipse([0.0, 0.2], 0.62, 0.2, 0.0), Main),
            p(ellipse([-0.05, 0.02], 0.45, 0.13, 0.0), Secondary),
            p(ellipse([0.45, -0.05], 0.12, 0.22, 0.0), Secondary),
        ]
    } else {
        vec![
            p(rect([-0.5, -0.8], [-0.36, 0.05]), Main),
            p(rect([-0.5, 0.1], [-0.41, 0.7]), Dark),
            p(rect([0.3, 0.1], [0.39, 0.7]), Dark),
            p(rect([-0.52, 0.0], [0.45, 0.14]), Main),
            p(rect([-0.46, -0.7], [-0.4, -0.05]), Secondary),
            p(ellipse([0.0, -0.04], 0.42, 0.06, 0.0), Secondary),
        ]
    }
}

fn structure(variant: bool) -> Vec<Part> {
    if variant {
        // Tower: tall and narrow with battlements on one side.
        vec![
            p(rect([-0.3, -0.55], [0.3, 0.7]), Main),
            p(rect([-0.34, -0.75], [-0.18, -0.55]), Main),
            p(rect([-0.08, -0.75], [0.08, -0.55]), Main),
            p(rect([0.18, -0.75], [0.34, -0.55]), Main),
            p(
                vec![[0.3, -0.2], [0.55, -0.2], [0.55, 0.7], [0.3, 0.7]],
                Secondary,
            ),
            p(rect([-0.1, 0.35], [0.1, 0.7]), Dark),
            p(rect([-0.08, -0.35], [0.08, -0.12]), Light),
        ]
    } else {
        vec![
            p(rect([0.28, -0.75], [0.44, -0.3]), Secondary),
            p(rect([-0.62, -0.15], [0.62, 0.62]), Main),
            p(
                vec![[-0.78, -0.12], [-0.05, -0.72], [0.78, -0.12]],
                Secondary,
            ),
            p(rect([0.12, 0.18], [0.38, 0.62]), Dark),
            p(rect([-0.45, 0.05], [-0.15, 0.32]), Light),
            p(circle([0.32, 0.42], 0.03), Accent),
        ]
    }
}

fn food(variant: bool) -> Vec<Part> {
    if variant {
        // Banana instead of the usual pear.
        let pts: Vec<Pt> = (0..16)
            .map(|i| {
                let t = -1.0 + 2.0 * i as f32 / 15.0;
                [0.8 * t, -0.35 + 0.5 * (1.0 - t * t)]
            })
            .collect();
        let radii: Vec<f32> = (0..16)
            .map(|i| 0.05 + 0.13 * (1.0 - ((i as f32 - 7.5) / 7.5).powi(2)))
            .collect();
        vec![
            p(tapered(&pts, &radii), Main),
            p(capsule([0.78, -0.38], [0.9, -0.55], 0.035), Dark),
            p(circle([-0.8, -0.35], 0.04), Dark),
        ]
    } else {
        vec![
            p(capsule([0.05, -0.38], [0.16, -0.68], 0.035), Dark),
            p(ellipse([0.36, -0.6], 0.18, 0.07, -0.45), Secondary),
            p(circle([0.0, 0.25], 0.42), Main),
            p(circle([0.06, -0.18], 0.27), Main),
            p(ellipse([-0.17, 0.12], 0.08, 0.16, 0.3), Light),
        ]
    }
}

fn natural_object(variant: bool) -> Vec<Part> {
    if variant {
        // Pine: stacked triangles.
        vec![
            p(rect([-0.08, 0.45], [0.1, 0.8]), Accent),
            p(vec![[-0.65, 0.5], [0.0, -0.05], [0.65, 0.5]], Main),
            p(vec![[-0.5, 0.15], [0.0, -0.45], [0.5, 0.15]], Main),
            p(vec![[-0.35, -0.2], [0.0, -0.85], [0.35, -0.2]], Secondary),
        ]
    } else {
        vec![
            p(rect([-0.1, 0.0], [0.08, 0.8]), Accent),
            p(capsule([0.0, 0.25], [0.45, -0.05], 0.05), Accent),
            p(circle([0.0, -0.35], 0.38), Main),
            p(circle([-0.35, -0.05], 0.26), Main),
            p(circle([0.52, -0.18], 0.24), Secondary),
        ]
    }
}

/// All class templates, in the default class order.
pub const TEMPLATES: [Template; 10] = [
    Template {
        name: "dog",
        metaclass: "dog",
        hue: 30.0,
        secondary_hue: 20.0,
        accent: [0.2, 0.1, 0.05],
        scene: Scene::Grass,
        variant: "dachshund",
        build: dog,
    },
    Template {
        name: "bird",
        metaclass: "bird",
        hue: 0.0,
        secondary_hue: 340.0,
        accent: [1.0, 0.6, 0.1],
        scene: Scene::Sky,
        variant: "heron",
        build: bird,
    },
    Template {
        name: "insect",
        metaclass: "insect",
        hue: 95.0,
        secondary_hue: 75.0,
        accent: [0.9, 0.9, 0.2],
        scene: Scene::Grass,
        variant: "butterfly",
        build: insect,
    },
    Template {
        name: "snake",
        metaclass: "snake",
        hue: 65.0,
        secondary_hue: 45.0,
        accent: [0.9, 0.1, 0.1],
        scene: Scene::Sand,
        variant: "coiled",
        build: snake,
    },
    Template {
        name: "wheeled_vehicle",
        metaclass: "wheeled_vehicle",
        hue: 210.0,
        secondary_hue: 200.0,
        accent: [1.0, 0.95, 0.6],
        scene: Scene::Road,
        variant: "truck",
        build: wheeled_vehicle,
    },
    Template {
        name: "vessel",
        metaclass: "vessel",
        hue: 175.0,
        secondary_hue: 160.0,
        accent: [0.9, 0.2, 0.2],
        scene: Scene::Water,
        variant: "steamship",
        build: vessel,
    },
    Template {
        name: "furniture",
        metaclass: "furniture",
        hue: 285.0,
        secondary_hue: 260.0,
        accent: [0.8, 0.7, 0.3],
        scene: Scene::Indoor,
        variant: "armchair",
        build: furniture,
    },
    Template {
        name: "structure",
        metaclass: "structure",
        hue: 245.0,
        secondary_hue: 5.0,
        accent: [0.9, 0.8, 0.2],
        scene: Scene::Grass,
        variant: "tower",
        build: structure,
    },
    Template {
        name: "food",
        metaclass: "food",
        hue: 130.0,
        secondary_hue: 150.0,
        accent: [0.5, 0.3, 0.1],
        scene: Scene::Indoor,
        variant: "banana",
        build: food,
    },
    Template {
        name: "natural_object",
        metaclass: "natural_object",
        hue: 320.0,
        secondary_hue: 300.0,
        accent: [0.45, 0.28, 0.12],
        scene: Scene::Sky,
        variant: "pine",
        build: natural_object,
    },
];

/// Looks a template up by name.
pub fn template(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_fits_its_frame_and_differs_in_its_variant() {
        for t in &TEMPLATES {
            for variant in [false, true] {
                let parts = t.parts(variant);
                assert!(parts.len() >= 3, "{} has {} parts", t.name, parts.len());
                for part in &parts {
                    for q in &part.poly {
                        assert!(
                            q[0].abs() <= 1.1 && q[1].abs() <= 1.1,
                            "{} point {q:?} outside the frame",
                            t.name
                        );
                    }
                }
            }
            let points = |v: bool| {
                t.parts(v)
                    .into_iter()
                    .flat_map(|p| p.poly)
                    .collect::<Vec<_>>()
            };
            assert_ne!(
                points(false),
                points(true),
                "{} variant looks the same",
                t.name
            );
            assert!(
                spillover_factors::METACLASSES.contains(&t.metaclass),
                "{}",
                t.metaclass
            );
        }
    }
}
