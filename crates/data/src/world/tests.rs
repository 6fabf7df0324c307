//! Tests that the labels match the pixels, and that the world is deterministic.

use super::classes::Template;
use super::scene::{Style, Ties, sample};
use super::*;
use sha2::{Digest, Sha256};
use std::path::Path;

const N: usize = 40;
const SIZE: u32 = 64;

fn small_cfg() -> WorldConfig {
    WorldConfig::from_toml_str(
        "[splits.train]\nimages_per_class = 6\n[splits.val]\nimages_per_class = 8\n",
        "test",
    )
    .unwrap()
}

fn templates() -> Vec<&'static Template> {
    WorldConfig::default().templates()
}

/// `N` scenes showing exactly `factors`, cycling through the classes.
fn scenes(factors: &[Factor]) -> Vec<SceneSpec> {
    let set: FactorSet = factors.iter().copied().collect();
    let t = templates();
    (0..N)
        .map(|k| {
            let mut rng = Pcg64::seed_from_u64(1000 + k as u64 + 97 * set.0 as u64);
            sample(
                &mut rng,
                &t,
                k % t.len(),
                set,
                Ties {
                    color: 0.85,
                    background: 0.6,
                },
            )
        })
        .collect()
}

fn draw(spec: &SceneSpec) -> Rendered {
    render(spec, &templates(), SIZE)
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

/// Mean object area of the prototypical scenes of each class.
fn proto_area_by_class() -> Vec<f32> {
    let protos = scenes(&[]);
    let mut sums = vec![(0.0, 0); 10];
    for s in &protos {
        sums[s.class].0 += draw(s).object_area();
        sums[s.class].1 += 1;
    }
    sums.into_iter().map(|(a, n)| a / n as f32).collect()
}

fn touches_border(r: &Rendered) -> bool {
    let s = r.size as usize;
    (0..s).any(|k| {
        [
            r.object[k],
            r.object[(s - 1) * s + k],
            r.object[k * s],
            r.object[k * s + s - 1],
        ]
        .iter()
        .any(|&v| v > 0.5)
    })
}

/// Intersection over union of two coverage masks.
fn iou(a: &[f32], b: &[f32]) -> f32 {
    let inter: f32 = a.iter().zip(b).map(|(x, y)| x.min(*y)).sum();
    let union: f32 = a.iter().zip(b).map(|(x, y)| x.max(*y)).sum();
    inter / union
}

fn luma(p: &[u8]) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// Mean absolute horizontal luminance step between neighbouring pixels that are both inside
/// (`inside = true`) or both outside the object.
fn edge_energy(r: &Rendered, inside: bool) -> f32 {
    let s = r.size as usize;
    let (mut sum, mut n) = (0.0, 0);
    for y in 0..s {
        for x in 0..s - 1 {
            let (i, j) = (y * s + x, y * s + x + 1);
            let keep = if inside {
                r.visible[i] > 0.99 && r.visible[j] > 0.99
            } else {
                r.object[i] < 0.01 && r.object[j] < 0.01
            };
            if keep {
                sum += (luma(&r.rgb[i * 3..i * 3 + 3]) - luma(&r.rgb[j * 3..j * 3 + 3])).abs();
                n += 1;
            }
        }
    }
    if n == 0 { 0.0 } else { sum / n as f32 }
}

/// Connected components (4-neighbour) of the object mask holding at least `min_share` of its
/// area (thin legs and antennae that break apart at 64 px do not count).
fn components(r: &Rendered, min_share: f32) -> usize {
    let s = r.size as usize;
    let min = (r.object.iter().filter(|&&v| v >= 0.5).count() as f32 * min_share) as usize;
    let mut seen = vec![false; s * s];
    let mut count = 0;
    for start in 0..s * s {
        if seen[start] || r.object[start] < 0.5 {
            continue;
        }
        let (mut stack, mut size) = (vec![start], 0);
        seen[start] = true;
        while let Some(i) = stack.pop() {
            size += 1;
            let (x, y) = (i % s, i / s);
            let mut push = |j: usize| {
                if !seen[j] && r.object[j] >= 0.5 {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1)
            }
            if x + 1 < s {
                push(i + 1)
            }
            if y > 0 {
                push(i - s)
            }
            if y + 1 < s {
                push(i + s)
            }
        }
        if size >= min {
            count += 1;
        }
    }
    count
}

#[test]
fn val_plan_balances_top_factors() {
    let cfg = WorldConfig::default();
    let p = plan(&cfg, Split::Val);
    assert_eq!(p.len(), 5000);
    for f in Factor::ALL {
        let n = p.iter().filter(|i| i.top == Some(f)).count();
        assert!((310..=320).contains(&n), "{f}: {n} images");
    }
    assert_eq!(p[0].file_name, "world_val_00000001.png");
    let train = plan(&cfg, Split::Train);
    let clean = train.iter().filter(|i| i.top.is_none()).count();
    assert_eq!(clean, 10 * 320, "40% of 800 per class are prototypical");
    assert_eq!(plan(&small_cfg(), Split::Val).len(), 80);
}

#[test]
fn darker_and_brighter_change_luminance() {
    let base: Vec<f32> = scenes(&[]).iter().map(|s| draw(s).mean_luma()).collect();
    let dark: Vec<f32> = scenes(&[Factor::Darker])
        .iter()
        .map(|s| draw(s).mean_luma())
        .collect();
    let bright: Vec<f32> = scenes(&[Factor::Brighter])
        .iter()
        .map(|s| draw(s).mean_luma())
        .collect();
    assert!(
        mean(&dark) < 0.4 * mean(&base),
        "darker {} vs {}",
        mean(&dark),
        mean(&base)
    );
    assert!(
        mean(&bright) > mean(&base) + 40.0,
        "brighter {} vs {}",
        mean(&bright),
        mean(&base)
    );
    let brightest_dark = dark.iter().cloned().fold(0.0, f32::max);
    let darkest_base = base.iter().cloned().fold(255.0, f32::min);
    assert!(
        brightest_dark < darkest_base,
        "every darker image is darker than every usual one"
    );
    // The same scene with usual light is brighter: the label is what changes the pixels.
    for s in scenes(&[Factor::Darker]).iter().take(5) {
        let lit = SceneSpec {
            gain: 1.0,
            ..s.clone()
        };
        assert!(draw(s).mean_luma() < 0.45 * draw(&lit).mean_luma());
    }
}

#[test]
fn smaller_and_larger_change_object_area() {
    let proto = proto_area_by_class();
    for s in scenes(&[Factor::Smaller]) {
        let a = draw(&s).object_area();
        assert!(
            a < 0.5 * proto[s.class],
            "smaller {} area {a} vs usual {}",
            s.class,
            proto[s.class]
        );
    }
    for s in scenes(&[Factor::Larger]) {
        let a = draw(&s).object_area();
        assert!(
            a > 1.5 * proto[s.class],
            "larger {} area {a} vs usual {}",
            s.class,
            proto[s.class]
        );
    }
}

#[test]
fn partial_view_objects_touch_the_border() {
    assert!(
        scenes(&[Factor::PartialView])
            .iter()
            .all(|s| touches_border(&draw(s)))
    );
    let usual = scenes(&[])
        .iter()
        .filter(|s| touches_border(&draw(s)))
        .count();
    assert!(
        usual <= N / 20,
        "{usual} of {N} usual objects touch the border"
    );
}

#[test]
fn blocking_hides_part_of_the_object() {
    for f in [Factor::ObjectBlocking, Factor::PersonBlocking] {
        let mut shares = Vec::new();
        for s in scenes(&[f]) {
            let r = draw(&s);
            let seen = r.visible_area() / r.object_area();
            assert!(seen < 0.9, "{f}: {seen:.2} of the object visible");
            shares.push(seen);
        }
        // Partly hidden, not gone: on average a good part stays visible.
        assert!(
            mean(&shares) > 0.35,
            "{f}: mean visible share {}",
            mean(&shares)
        );
    }
    for s in scenes(&[]) {
        let r = draw(&s);
        assert_eq!(
            r.visible_area(),
            r.object_area(),
            "nothing blocks a usual object"
        );
    }
}

#[test]
fn pose_shape_and_subcategory_change_the_silhouette() {
    let mut overlaps = Vec::new();
    for s in scenes(&[Factor::Pose]) {
        assert!(s.instances[0].placement.rotation.abs() >= 70f32.to_radians());
        // Seen end-on: foreshortened along its length.
        assert!((0.2..=0.35).contains(&s.instances[0].view));
        let upright = SceneSpec {
            instances: vec![Instance {
                placement: Placement {
                    rotation: 0.0,
                    ..s.instances[0].placement
                },
                ..s.instances[0].clone()
            }],
            ..s.clone()
        };
        let o = iou(&draw(&s).object, &draw(&upright).object);
        // A house turned by 90° is still square-ish, but its roof points sideways.
        assert!(
            o < 0.85,
            "class {}: rotated silhouette overlaps upright at IoU {o}",
            s.class
        );
        overlaps.push(o);
    }
    assert!(
        mean(&overlaps) < 0.55,
        "mean IoU rotated vs upright {}",
        mean(&overlaps)
    );
    for s in scenes(&[Factor::Shape]) {
        assert_eq!(s.instances[0].view, 1.0, "only pose changes the viewpoint");
        let plain = SceneSpec {
            instances: vec![Instance {
                warp: Default::default(),
                ..s.instances[0].clone()
            }],
            ..s.clone()
        };
        let o = iou(&draw(&s).object, &draw(&plain).object);
        assert!(o < 0.8, "class {}: deformed silhouette IoU {o}", s.class);
    }
    for s in scenes(&[Factor::Subcategory]) {
        assert!(s.instances[0].variant);
        let usual = SceneSpec {
            instances: vec![Instance {
                variant: false,
                ..s.instances[0].clone()
            }],
            ..s.clone()
        };
        let o = iou(&draw(&s).object, &draw(&usual).object);
        assert!(o < 0.8, "class {}: variant IoU {o}", s.class);
    }
}

use super::geometry::Placement;
use super::scene::Instance;

/// Dominant hue (30° bins, saturated object pixels) of the labelled object.
fn dominant_hue(r: &Rendered) -> Option<f32> {
    let mut bins = [0.0f32; 12];
    for (i, p) in r.rgb.chunks_exact(3).enumerate() {
        if r.visible[i] < 0.99 {
            continue;
        }
        let (mx, mn) = (
            p.iter().max().copied().unwrap() as f32,
            p.iter().min().copied().unwrap() as f32,
        );
        if mx < 40.0 || (mx - mn) / mx < 0.3 {
            continue;
        }
        let (r_, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
        let h = if mx == r_ {
            60.0 * ((g - b) / (mx - mn))
        } else if mx == g {
            60.0 * ((b - r_) / (mx - mn) + 2.0)
        } else {
            60.0 * ((r_ - g) / (mx - mn) + 4.0)
        };
        bins[(h.rem_euclid(360.0) / 30.0) as usize % 12] += 1.0;
    }
    let (k, n) = bins.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
    (*n > 0.0).then_some(k as f32 * 30.0 + 15.0)
}

fn hue_distance(a: f32, b: f32) -> f32 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

#[test]
fn color_moves_the_hue_away_from_the_class_hue() {
    let t = templates();
    let near = |specs: Vec<SceneSpec>| {
        let hits: Vec<bool> = specs
            .iter()
            .filter(|s| t[s.class].name != "structure")
            .filter_map(|s| dominant_hue(&draw(s)).map(|h| hue_distance(h, t[s.class].hue) <= 50.0))
            .collect();
        hits.iter().filter(|&&h| h).count() as f32 / hits.len() as f32
    };
    let usual = near(scenes(&[]));
    let shifted = near(scenes(&[Factor::Color]));
    assert!(usual > 0.8, "usual objects have their class hue: {usual}");
    // Pose changes the silhouette, not the colours: the cue a colour-reading model keeps.
    let posed = near(scenes(&[Factor::Pose]));
    assert!(posed > 0.8, "posed objects keep their class hue: {posed}");
    assert!(shifted < 0.15, "colour-shifted objects do not: {shifted}");
}

#[test]
fn texture_pattern_and_background_add_detail_where_labelled() {
    let inside = |f: &[Factor]| {
        mean(
            &scenes(f)
                .iter()
                .map(|s| edge_energy(&draw(s), true))
                .collect::<Vec<_>>(),
        )
    };
    let outside = |f: &[Factor]| {
        mean(
            &scenes(f)
                .iter()
                .map(|s| edge_energy(&draw(s), false))
                .collect::<Vec<_>>(),
        )
    };
    let base_in = inside(&[]);
    assert!(
        inside(&[Factor::Texture]) > 2.5 * base_in,
        "texture {} vs {base_in}",
        inside(&[Factor::Texture])
    );
    assert!(
        inside(&[Factor::Pattern]) > 2.5 * base_in,
        "pattern {} vs {base_in}",
        inside(&[Factor::Pattern])
    );
    let base_out = outside(&[]);
    assert!(
        outside(&[Factor::Background]) > 2.0 * base_out,
        "background {} vs {base_out}",
        outside(&[Factor::Background])
    );
    for s in scenes(&[Factor::Background]) {
        assert_ne!(
            s.scene,
            templates()[s.class].scene,
            "an unusual scene for the class"
        );
    }
}

#[test]
fn style_is_sketch_or_cartoon() {
    for s in scenes(&[Factor::Style]) {
        let r = draw(&s);
        let object_px: Vec<&[u8]> = r
            .rgb
            .chunks_exact(3)
            .enumerate()
            .filter(|(i, _)| r.object[*i] > 0.99)
            .map(|(_, p)| p)
            .collect();
        let saturation = |p: &[u8]| {
            let (mx, mn) = (
                *p.iter().max().unwrap() as f32,
                *p.iter().min().unwrap() as f32,
            );
            if mx == 0.0 { 0.0 } else { (mx - mn) / mx }
        };
        match s.style {
            Style::Sketch => {
                let sat = mean(&r.rgb.chunks_exact(3).map(saturation).collect::<Vec<_>>());
                assert!(sat < 0.12, "a sketch has no colour: {sat}");
            }
            Style::Cartoon => {
                let outlined = object_px
                    .iter()
                    .filter(|p| p.iter().all(|&v| v < 60))
                    .count() as f32
                    / object_px.len() as f32;
                assert!(outlined > 0.08, "cartoons have thick outlines: {outlined}");
            }
            Style::Photo => panic!("style factor drew a photo"),
        }
    }
}

#[test]
fn multiple_objects_are_separate_instances() {
    let multi = scenes(&[Factor::MultipleObjects]);
    let separate = multi
        .iter()
        .filter(|s| s.instances.len() >= 2 && components(&draw(s), 0.1) >= 2)
        .count();
    assert!(
        separate >= N * 8 / 10,
        "{separate} of {N} show several objects"
    );
    let broken: Vec<(usize, usize)> = scenes(&[])
        .iter()
        .map(|s| (s.class, components(&draw(s), 0.1)))
        .filter(|c| c.1 != 1)
        .collect();
    let single = N - broken.len();
    assert!(
        single >= N * 9 / 10,
        "{single} of {N} usual images show one object; (class, parts): {broken:?}"
    );
    assert!(
        multi.iter().any(|s| s.visible_classes().len() == 2),
        "sometimes another class joins"
    );
}

fn tree_digest(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                files.push(p)
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.strip_prefix(dir).unwrap().to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn same_seed_same_bytes_on_any_thread_count() {
    let cfg = small_cfg();
    let run = |threads: usize| {
        let dir = tempfile::tempdir().unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let summary = pool
            .install(|| generate(&cfg, dir.path(), &|_, _| {}))
            .unwrap();
        assert_eq!(summary.images, 140);
        (tree_digest(dir.path()), dir)
    };
    let (a, dir) = run(1);
    let (b, _) = run(3);
    assert_eq!(a, b, "1 and 3 threads write identical worlds");
    let other = WorldConfig {
        seed: 1,
        ..cfg.clone()
    };
    let d2 = tempfile::tempdir().unwrap();
    generate(&other, d2.path(), &|_, _| {}).unwrap();
    assert_ne!(tree_digest(d2.path()), a, "another seed, another world");

    // The written annotations are the ImageNet-X formats and agree with the manifest.
    use spillover_factors::annotations::{AnnotationDir, Partition, WhichFactor};
    let ann = AnnotationDir::open(dir.path().join("annotations")).unwrap();
    let top = ann
        .factor_records(Partition::Val, WhichFactor::Top)
        .unwrap();
    let multi = ann
        .factor_records(Partition::Val, WhichFactor::Multi)
        .unwrap();
    assert_eq!(top.len(), 80);
    assert!(top.iter().all(|r| r.factors.len() == 1));
    assert!(
        top.iter()
            .zip(&multi)
            .all(|(t, m)| t.file_name == m.file_name && m.factors.0 & t.factors.0 == t.factors.0)
    );
    assert_eq!(ann.val_labels().unwrap().len(), 80);
    assert_eq!(ann.real_labels().unwrap().len(), 80);
    assert_eq!(ann.class_labels().unwrap()[3].wnid, "w00000003");
    let train_top = ann
        .factor_records(Partition::Train, WhichFactor::Top)
        .unwrap();
    assert!(
        train_top.len() < 60,
        "prototypical train images are not annotated"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["splits"]["val"]["images"], 80);
    let listed: usize = Factor::ALL
        .iter()
        .map(|f| {
            manifest["splits"]["val"]["top_factor"][f.name()]
                .as_u64()
                .unwrap() as usize
        })
        .sum();
    assert_eq!(listed, 80);
    let first = &top[0];
    let png = dir
        .path()
        .join("val")
        .join(wnid(first.class as usize))
        .join(&first.file_name);
    let img = crate::decode::load_rgb(&png).unwrap();
    assert_eq!(img.dimensions(), (64, 64));
    let again = WorldConfig::load(&dir.path().join("world.toml")).unwrap();
    assert_eq!(again, cfg, "world.toml regenerates the same world");

    // Regenerating a smaller world in place leaves no stale images behind.
    let smaller = WorldConfig::from_toml_str(
        "[splits.train]\nimages_per_class = 2\n[splits.val]\nimages_per_class = 1\n",
        "t",
    )
    .unwrap();
    generate(&smaller, dir.path(), &|_, _| {}).unwrap();
    assert_eq!(
        crate::ImageFolder::open(&dir.path().join("train"))
            .unwrap()
            .samples
            .len(),
        20
    );
    // A directory that is not a world is refused, not mixed into.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("thesis.tex"), "keep me").unwrap();
    let e = generate(&smaller, other.path(), &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not empty") && e.contains("manifest.json"),
        "{e}"
    );
}

/// What a fixed set of scenes renders to, with the renderer version that rendered it.
const PIXELS_AT_VERSION: (u32, &str) = (
    3,
    "a448ac83156faf2316d5c351b025eb7674b128f95f311b104c9d839167f56464",
);

#[test]
fn renderer_version_guards_the_pixels() {
    let mut h = Sha256::new();
    for f in Factor::ALL {
        for s in scenes(&[f]).iter().take(3) {
            h.update(&draw(s).rgb);
        }
    }
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        (RENDERER_VERSION, digest.as_str()),
        PIXELS_AT_VERSION,
        "the renderer draws other pixels than the recorded ones: bump RENDERER_VERSION (cached \
         worlds of the old renderer must not be reused) and record the new digest here"
    );
}
