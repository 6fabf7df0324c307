//! Pixel-by-pixel comparison against torchvision's tensor back-end and, for hue (whose default
//! is the PIL back-end), against torchvision on PIL images (fixtures written by
//! `scripts/augment_fixtures.py`); parameter distributions of the random transforms against
//! statistics of 100k torchvision draws; parameter names against torchvision's functionals.

use serde_json::Value;
use spillover_augment::ops::{color, erasing, geometry};
use spillover_augment::{Image, Registry, rng};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(name: &str) -> Image {
    image::open(fixtures().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
        .into_rgb8()
}

fn json(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn deterministic_ops_match_torchvision_within_one() {
    let manifest = json("manifest.json");
    let registry = Registry::default();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() >= 100, "manifest has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut identical = 0;
    for case in cases {
        let (name, image, op) = (
            case["case"].as_str().unwrap(),
            case["image"].as_str().unwrap(),
            case["op"].as_str().unwrap(),
        );
        let table: toml::Table = toml::from_str(&format!("op = {op}")).unwrap();
        let aug = registry
            .build(table["op"].as_table().unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let input = load(&format!("{image}.png"));
        let expected = load(case["expected"].as_str().unwrap());
        let got = aug.apply(input, &mut rng::seeded(0));
        if got.dimensions() != expected.dimensions() {
            failures.push(format!(
                "{name} on {image}: size {:?}, torchvision {:?}",
                got.dimensions(),
                expected.dimensions()
            ));
            continue;
        }
        let diffs: Vec<u8> = got
            .as_raw()
            .iter()
            .zip(expected.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .collect();
        let max = *diffs.iter().max().unwrap_or(&0);
        let over = diffs.iter().filter(|&&d| d > 1).count();
        // Nearest-neighbour warps: a sample point within float error of a pixel edge may pick the
        // neighbour; allow such flips on at most 1% of values, everything else must be within 1.
        identical += usize::from(max == 0);
        let ok = if case["nearest"].as_bool().unwrap_or(false) {
            over * 100 <= diffs.len()
        } else {
            max <= 1
        };
        if !ok {
            failures.push(format!(
                "{name} on {image}: max diff {max}, {over} values > 1 of {}",
                diffs.len()
            ));
        }
    }
    println!(
        "{} torchvision cases, {identical} bit-identical, the rest within the tolerance",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn build(registry: &Registry, op: &str) -> Box<dyn spillover_augment::Augmentation> {
    let table: toml::Table = toml::from_str(&format!("op = {op}")).unwrap();
    registry
        .build(table["op"].as_table().unwrap())
        .unwrap_or_else(|e| panic!("{op}: {e}"))
}

#[test]
fn hue_matches_torchvision_on_pil_images_bit_for_bit() {
    // The default `adjust_hue` is torchvision's PIL kernel (Pillow's 8-bit HSV).
    let manifest = json("manifest.json");
    let registry = Registry::default();
    let cases = manifest["pil_cases"].as_array().unwrap();
    assert!(cases.len() >= 30, "manifest has {} PIL cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let (name, image, op) = (
            case["case"].as_str().unwrap(),
            case["image"].as_str().unwrap(),
            case["op"].as_str().unwrap(),
        );
        let got = build(&registry, op).apply(load(&format!("{image}.png")), &mut rng::seeded(0));
        let expected = load(case["expected"].as_str().unwrap());
        let wrong = got
            .as_raw()
            .iter()
            .zip(expected.as_raw())
            .filter(|(a, b)| a != b)
            .count();
        if got.dimensions() != expected.dimensions() || wrong > 0 {
            failures.push(format!("{name} on {image}: {wrong} values differ"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// zlib's CRC-32 (what the fixture script records).
fn crc32(bytes: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[test]
fn pil_hsv_conversions_match_pillow_on_all_inputs() {
    // Pillow's RGB->HSV on all 2^24 colours and HSV->RGB on all 2^24 triples, as CRC-32s per
    // block of one first-channel value (pil_hsv.json).
    let want = json("pil_hsv.json");
    for (key, f) in [
        (
            "rgb_to_hsv",
            color::pil_rgb_to_hsv as fn(u8, u8, u8) -> [u8; 3],
        ),
        ("hsv_to_rgb", color::pil_hsv_to_rgb),
    ] {
        let blocks = want[key]["blocks"].as_array().unwrap();
        let wrong: Vec<usize> = (0..256usize)
            .filter(|&a| {
                let out: Vec<u8> = (0..1usize << 16)
                    .flat_map(|bc| f(a as u8, (bc >> 8) as u8, bc as u8))
                    .collect();
                crc32(&out) as u64 != blocks[a].as_u64().unwrap()
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{key}: blocks (first channel) {wrong:?} differ from Pillow"
        );
    }
}

#[test]
fn deterministic_ops_take_torchvision_functional_parameter_names() {
    // signatures.json: the parameters of each torchvision.transforms.v2.functional the registry
    // names an op after. The op takes every one of them, and no other name except the class's
    // alternative (`center_crop { size }`) and our back-end switch (`adjust_hue { backend }`).
    let signatures = json("signatures.json");
    let registry = Registry::default();
    let extras = |op: &str| -> &[&str] {
        match op {
            "center_crop" => &["size"],
            "adjust_hue" => &["backend"],
            _ => &[],
        }
    };
    let mut checked = 0;
    for (op, params) in signatures.as_object().unwrap() {
        let doc = registry
            .docs()
            .find(|d| d.name == *op)
            .unwrap_or_else(|| panic!("no op `{op}`"));
        let ours: Vec<&str> = doc.params.iter().map(|p| p.key).collect();
        let theirs: Vec<&str> = params
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        for t in &theirs {
            assert!(
                ours.contains(t),
                "`{op}` does not take torchvision's `{t}` (takes {ours:?})"
            );
        }
        for o in &ours {
            assert!(
                theirs.contains(o) || extras(op).contains(o),
                "`{op}` takes `{o}`, which torchvision's functional does not ({theirs:?})"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}

/// |ours - theirs| within `k` standard errors of the difference of two means (n draws each).
fn close(what: &str, ours: f64, theirs: f64, std: f64, n: f64, k: f64) {
    let se = std * (2.0 / n).sqrt();
    assert!(
        (ours - theirs).abs() <= k * se + 1e-9,
        "{what}: ours {ours:.4}, torchvision {theirs:.4}, tolerance {:.4}",
        k * se
    );
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt(),
    )
}

#[test]
fn random_resized_crop_boxes_follow_torchvision_statistics() {
    let stats = json("random_stats.json");
    for key in [
        "random_resized_crop_default",
        "random_resized_crop_scale_0.5",
        "random_resized_crop_narrow",
    ] {
        let s = &stats[key];
        let (h, w) = (
            s["canvas"][0].as_u64().unwrap() as u32,
            s["canvas"][1].as_u64().unwrap() as u32,
        );
        let scale = (
            s["scale"][0].as_f64().unwrap(),
            s["scale"][1].as_f64().unwrap(),
        );
        let ratio = (
            s["ratio"][0].as_f64().unwrap(),
            s["ratio"][1].as_f64().unwrap(),
        );
        let n = s["draws"].as_f64().unwrap();
        let mut r = rng::seeded(11);
        let boxes: Vec<_> = (0..n as usize)
            .map(|_| geometry::random_resized_crop_box(h, w, scale, ratio, &mut r))
            .collect();
        let col = |f: &dyn Fn(&geometry::CropBox) -> f64| boxes.iter().map(f).collect::<Vec<f64>>();
        let area = col(&|b| (b.height * b.width) as f64 / (h * w) as f64);
        for (name, values) in [
            ("top", col(&|b| b.top as f64)),
            ("left", col(&|b| b.left as f64)),
            ("height", col(&|b| b.height as f64)),
            ("width", col(&|b| b.width as f64)),
            ("area", area),
            (
                "log_aspect",
                col(&|b| (b.width as f64 / b.height as f64).ln()),
            ),
        ] {
            let (m, sd) = mean_std(&values);
            let (tm, tsd) = (
                s["mean"][name].as_f64().unwrap(),
                s["std"][name].as_f64().unwrap(),
            );
            close(&format!("{key} mean {name}"), m, tm, tsd, n, 5.0);
            // The std of a std estimate is about sd / sqrt(2n); allow 5 of those plus 1%.
            assert!(
                (sd - tsd).abs() <= 5.0 * tsd / (2.0 * n).sqrt() + 0.01 * tsd,
                "{key} std {name}: ours {sd}, torchvision {tsd}"
            );
        }
        let whole = boxes
            .iter()
            .filter(|b| (b.height, b.width) == (h, w))
            .count() as f64
            / n;
        let tw = s["whole_image_fraction"].as_f64().unwrap();
        close(
            &format!("{key} whole-image fraction"),
            whole,
            tw,
            (tw * (1.0 - tw)).sqrt().max(1e-3),
            n,
            5.0,
        );
    }
}

#[test]
fn random_erasing_boxes_follow_torchvision_statistics() {
    let s = &json("random_stats.json")["random_erasing_default"];
    let (h, w) = (
        s["canvas"][0].as_u64().unwrap() as u32,
        s["canvas"][1].as_u64().unwrap() as u32,
    );
    let n = s["draws"].as_f64().unwrap();
    let mut r = rng::seeded(12);
    let draws: Vec<_> = (0..n as usize)
        .map(|_| erasing::random_erasing_box(h, w, (0.02, 0.33), (0.3, 3.3), &mut r))
        .collect();
    let boxes: Vec<_> = draws.iter().flatten().copied().collect();
    let none = 1.0 - boxes.len() as f64 / n;
    let tn = s["no_box_fraction"].as_f64().unwrap();
    close(
        "no-box fraction",
        none,
        tn,
        (tn * (1.0 - tn)).sqrt().max(1e-3),
        n,
        5.0,
    );
    let m = boxes.len() as f64;
    for (name, values) in [
        ("i", boxes.iter().map(|b| b.0 as f64).collect::<Vec<_>>()),
        ("j", boxes.iter().map(|b| b.1 as f64).collect()),
        ("h", boxes.iter().map(|b| b.2 as f64).collect()),
        ("w", boxes.iter().map(|b| b.3 as f64).collect()),
        (
            "area",
            boxes
                .iter()
                .map(|b| (b.2 * b.3) as f64 / (h * w) as f64)
                .collect(),
        ),
    ] {
        let (mean, _) = mean_std(&values);
        close(
            &format!("erasing mean {name}"),
            mean,
            s["mean"][name].as_f64().unwrap(),
            s["std"][name].as_f64().unwrap(),
            m,
            5.0,
        );
    }
}
