//! The contracts other crates rely on: same bytes for any thread count or order, configs
//! embedded in larger TOML documents, compositions, and batch output layout.

use spillover_augment::{
    Augmentation, Image, Normalize, Pipeline, PipelineSpec, Registry, augment_batch, rng, toml,
};

const TRAIN: &str = r#"
[[augment]]
name = "random_resized_crop"
size = [24, 20]
[[augment]]
name = "random_horizontal_flip"
[[augment]]
name = "paper_color_jitter"
strength = 1.0
[[augment]]
name = "random_order"
transforms = [{ name = "adjust_sharpness", sharpness_factor = 2.0 }, { name = "rand_augment" }]
[[augment]]
name = "random_choice"
transforms = [{ name = "paper_blur", strength = 0.5 }, { name = "random_erasing", p = 1.0 }, { name = "aug_mix" }, { name = "trivial_augment_wide" }]
p = [1, 1, 1, 2]
"#;

fn images(n: u32) -> Vec<Image> {
    (0..n)
        .map(|i| {
            Image::from_fn(40 + i % 7, 30 + i % 5, |x, y| {
                image::Rgb([(x * 6) as u8, (y * 8) as u8, ((x * y + i) % 256) as u8])
            })
        })
        .collect()
}

use spillover_augment::image;

fn run(threads: usize, reverse: bool) -> (Vec<f32>, [usize; 4]) {
    let pipeline = Pipeline::from_toml_str(TRAIN).unwrap();
    let mut imgs = images(24);
    let mut indices: Vec<u64> = (100..124).collect();
    if reverse {
        imgs.reverse();
        indices.reverse();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| augment_batch(&pipeline, imgs, &indices, 42, 3, &Normalize::default()).unwrap())
}

#[test]
fn batch_bytes_do_not_depend_on_threads_or_order() {
    let (one, shape) = run(1, false);
    let (two, _) = run(2, false);
    assert_eq!(shape, [24, 3, 24, 20]);
    assert_eq!(one, two, "1 thread vs 2 threads");
    let (rev, _) = run(2, true);
    let per = 3 * 24 * 20;
    for i in 0..24 {
        assert_eq!(
            one[i * per..(i + 1) * per],
            rev[(23 - i) * per..(24 - i) * per],
            "sample {i} processed in reverse order"
        );
    }
    // Different epochs draw differently.
    let pipeline = Pipeline::from_toml_str(TRAIN).unwrap();
    let a = pipeline.apply_sample(images(1).remove(0), 42, 0, 5);
    let b = pipeline.apply_sample(images(1).remove(0), 42, 1, 5);
    assert_ne!(a.as_raw(), b.as_raw());
}

#[test]
fn pipelines_embed_in_training_configs() {
    #[derive(serde::Deserialize)]
    struct TrainConfig {
        epochs: u32,
        augment: PipelineSpec,
    }
    let cfg: TrainConfig = toml::from_str(&format!("epochs = 3\n{TRAIN}")).unwrap();
    assert_eq!(cfg.epochs, 3);
    let from_spec = cfg.augment.build(&Registry::default()).unwrap();
    assert_eq!(from_spec.len(), 5);
    let value: toml::Value = toml::from_str(TRAIN).unwrap();
    let from_value = Pipeline::from_value(&value).unwrap();
    let from_array = Pipeline::from_value(&value["augment"]).unwrap();
    let img = images(1).remove(0);
    let outs: Vec<Vec<u8>> = [&from_spec, &from_value, &from_array]
        .iter()
        .map(|p| {
            p.apply(img.clone(), &mut rng::sample_rng(1, 2, 3))
                .into_raw()
        })
        .collect();
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
    let err = Pipeline::from_toml_str("[[augment]]\nsize = 3")
        .unwrap_err()
        .to_string();
    assert!(err.contains("name"), "{err}");
    let err = Pipeline::from_toml_str(
        "[[augment]]\nname = \"random_choice\"\ntransforms = [{ name = \"invert\" }]\np = [1, 2]",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("`p`"), "{err}");
}

#[test]
fn generic_p_applies_any_op_with_that_probability() {
    let op = Registry::default()
        .build(&toml::from_str("name = \"invert\"\np = 0.25").unwrap())
        .unwrap();
    let img = Image::from_pixel(2, 2, image::Rgb([10, 20, 30]));
    let hits = (0..4000)
        .filter(|&i| {
            op.apply(img.clone(), &mut rng::sample_rng(0, 0, i))
                .as_raw()[0]
                == 245
        })
        .count();
    assert!((900..1100).contains(&hits), "{hits} of 4000");
}

#[test]
fn eval_preset_resizes_then_crops() {
    let p = Pipeline::from_toml_str("name = \"imagenet_eval\"\nresize = 36\ncrop = 32").unwrap();
    let out = p.apply(Image::new(80, 60), &mut rng::seeded(0));
    assert_eq!(out.dimensions(), (32, 32));
}
