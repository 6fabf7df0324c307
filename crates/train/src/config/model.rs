//! `[model]`: which network, by `arch`, and the keys that arch takes. Each family's keys are a
//! thin serde struct whose defaults are read from `spillover-models`' own configs
//! ([`ResNetConfig`], [`VitConfig`]), so a default lives in one place. Burn's
//! `#[derive(Config)]` types are not embedded as they are: their serde form requires every
//! field (a `#[config(default)]` is only a default of `new`), ignores unknown ones, and holds
//! what `[model]` does not set (classes, input channels and size, seed).
//!
//! ```toml
//! [model]
//! arch = "vit_tiny"   # resnet18/34/50/101/152, vit_tiny, vit_small, vit_base, vit
//! patch_size = 8      # a key of another family (e.g. width) is an error naming the arch
//! ```

use serde::{Deserialize, Deserializer, Serialize};
use spillover_models::{ModelConfig, Pooling, ResNetConfig, VitConfig};

use crate::provenance::explain_toml;

/// `[model]`: the network, tagged by `arch`; each variant holds the keys its family takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "arch", rename_all = "snake_case")]
pub enum ModelSection {
    /// ResNet-18 (basic blocks).
    Resnet18(ResNetOptions),
    /// ResNet-34 (basic blocks).
    Resnet34(ResNetOptions),
    /// ResNet-50 (bottlenecks, torchvision's v1.5).
    Resnet50(ResNetOptions),
    /// ResNet-101.
    Resnet101(ResNetOptions),
    /// ResNet-152.
    Resnet152(ResNetOptions),
    /// ViT-Ti: dim 192, depth 12, 3 heads ([`VitConfig::tiny`]).
    VitTiny(VitPresetOptions),
    /// ViT-S: dim 384, depth 12, 6 heads ([`VitConfig::small`]).
    VitSmall(VitPresetOptions),
    /// ViT-B: dim 768, depth 12, 12 heads ([`VitConfig::base`]).
    VitBase(VitPresetOptions),
    /// A ViT of any size (`dim`, `depth`, `heads`).
    Vit(VitOptions),
}

/// The keys of a ResNet `[model]` besides `arch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResNetOptions {
    /// 3×3 stem without max-pool, for 32–64 px images.
    pub small_input: bool,
    /// Zero gamma on the last BatchNorm of each residual branch.
    pub zero_init_residual: bool,
    /// Channels of the first stage.
    pub width: usize,
}

/// The keys of a `vit_tiny`/`vit_small`/`vit_base` `[model]` besides `arch` (the size is the
/// arch's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitPresetOptions {
    /// Patch side in pixels; must divide the image size.
    pub patch_size: usize,
    /// `cls` (class token) or `mean` (mean of all tokens).
    #[serde(with = "PoolingName")]
    pub pooling: Pooling,
}

/// The keys of an `arch = "vit"` `[model]` besides `arch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VitOptions {
    /// Patch side in pixels; must divide the image size.
    pub patch_size: usize,
    /// Token width.
    pub dim: usize,
    /// Transformer blocks.
    pub depth: usize,
    /// Attention heads; must divide `dim`.
    pub heads: usize,
    /// `cls` (class token) or `mean` (mean of all tokens).
    #[serde(with = "PoolingName")]
    pub pooling: Pooling,
}

/// [`Pooling`] as `[model] pooling` spells it.
#[derive(Serialize, Deserialize)]
#[serde(remote = "Pooling", rename_all = "snake_case")]
enum PoolingName {
    Cls,
    Mean,
}

impl Default for ResNetOptions {
    /// [`ResNetConfig`]'s defaults.
    fn default() -> Self {
        let c = ResNetConfig::new(18, 1);
        Self {
            small_input: c.small_input,
            zero_init_residual: c.zero_init_residual,
            width: c.width,
        }
    }
}

impl Default for VitPresetOptions {
    /// The preset's own keys of [`VitOptions::default`].
    fn default() -> Self {
        let VitOptions {
            patch_size,
            pooling,
            ..
        } = VitOptions::default();
        Self {
            patch_size,
            pooling,
        }
    }
}

impl Default for VitOptions {
    /// [`VitConfig`]'s defaults, with its standard patch ([`VitConfig::DEFAULT_PATCH_SIZE`]).
    fn default() -> Self {
        let c = VitConfig::new(1, VitConfig::DEFAULT_PATCH_SIZE, 1);
        Self {
            patch_size: c.patch_size,
            dim: c.dim,
            depth: c.depth,
            heads: c.heads,
            pooling: c.pooling,
        }
    }
}

impl ResNetOptions {
    /// The keys, as written in `[model]`.
    pub const KEYS: [&str; 3] = ["small_input", "zero_init_residual", "width"];
}

impl VitPresetOptions {
    /// The keys, as written in `[model]`.
    pub const KEYS: [&str; 2] = ["patch_size", "pooling"];
}

impl VitOptions {
    /// The keys, as written in `[model]`.
    pub const KEYS: [&str; 5] = ["patch_size", "dim", "depth", "heads", "pooling"];
}

/// A `[model]` table that is not a model: the key it is about (relative to `[model]`, none for
/// the table itself) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSectionError {
    /// `arch`, `width`, ...; `None` when the table as a whole is at fault.
    pub key: Option<String>,
    /// What is wrong, in the user's words.
    pub message: String,
}

impl std::fmt::Display for ModelSectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.key {
            Some(key) => write!(f, "[model] {key}: {}", self.message),
            None => write!(f, "[model]: {}", self.message),
        }
    }
}

impl std::error::Error for ModelSectionError {}

/// The keys a run's `config.toml` written before `[model]` was tagged by arch always held,
/// whatever the arch (the keys of the other families were ignored).
const LEGACY_KEYS: [&str; 8] = [
    "small_input",
    "zero_init_residual",
    "width",
    "patch_size",
    "dim",
    "depth",
    "heads",
    "pooling",
];

impl ModelSection {
    /// Every `arch`, as written in `[model]`.
    pub const ARCHS: [&str; 9] = [
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "vit_tiny",
        "vit_small",
        "vit_base",
        "vit",
    ];

    /// Reads a `[model]` table: `arch` picks the variant, the other keys must be that arch's.
    ///
    /// A table that holds every key of every family is a resolved config written before
    /// `[model]` was tagged (a run directory's `config.toml`, which spelled out all of them
    /// and ignored those of the other family): the other family's keys are dropped, which is
    /// what they meant, so such runs still resume.
    pub fn from_table(mut table: toml::Table) -> Result<Self, ModelSectionError> {
        let err = |key: Option<&str>, message: String| ModelSectionError {
            key: key.map(str::to_string),
            message,
        };
        let arch = match table.remove("arch") {
            None => return Err(err(None, "missing key `arch`".into())),
            Some(toml::Value::String(arch)) => arch,
            Some(other) => {
                return Err(err(
                    Some("arch"),
                    format!(
                        "expected a string (one of {}), found {} {other}",
                        Self::ARCHS.join(", "),
                        other.type_str()
                    ),
                ));
            }
        };
        if !Self::ARCHS.contains(&arch.as_str()) {
            return Err(err(
                Some("arch"),
                format!(
                    "unknown value \"{arch}\"; valid values: {}",
                    Self::ARCHS.join(", ")
                ),
            ));
        }
        let keys: &[&str] = match arch.as_str() {
            a if a.starts_with("resnet") => &ResNetOptions::KEYS,
            "vit" => &VitOptions::KEYS,
            _ => &VitPresetOptions::KEYS,
        };
        if LEGACY_KEYS.iter().all(|k| table.contains_key(*k)) {
            table.retain(|k, _| !LEGACY_KEYS.contains(&k) || keys.contains(&k));
        }
        if let Some(key) = table.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(err(
                Some(key),
                format!(
                    "unknown key for arch = \"{arch}\"; valid keys: arch, {}",
                    keys.join(", ")
                ),
            ));
        }
        fn options<T: serde::de::DeserializeOwned>(
            table: toml::Table,
        ) -> Result<T, ModelSectionError> {
            toml::Value::Table(table).try_into().map_err(|e| {
                let (path, message) = explain_toml(&e);
                ModelSectionError {
                    key: (!path.is_empty()).then(|| path.join(".")),
                    message,
                }
            })
        }
        Ok(match arch.as_str() {
            "resnet18" => Self::Resnet18(options(table)?),
            "resnet34" => Self::Resnet34(options(table)?),
            "resnet50" => Self::Resnet50(options(table)?),
            "resnet101" => Self::Resnet101(options(table)?),
            "resnet152" => Self::Resnet152(options(table)?),
            "vit_tiny" => Self::VitTiny(options(table)?),
            "vit_small" => Self::VitSmall(options(table)?),
            "vit_base" => Self::VitBase(options(table)?),
            "vit" => Self::Vit(options(table)?),
            _ => unreachable!("checked against ARCHS"),
        })
    }

    /// `arch` as written in `[model]` (`resnet18`, `vit_tiny`, ...).
    pub fn arch(&self) -> &'static str {
        match self {
            Self::Resnet18(_) => "resnet18",
            Self::Resnet34(_) => "resnet34",
            Self::Resnet50(_) => "resnet50",
            Self::Resnet101(_) => "resnet101",
            Self::Resnet152(_) => "resnet152",
            Self::VitTiny(_) => "vit_tiny",
            Self::VitSmall(_) => "vit_small",
            Self::VitBase(_) => "vit_base",
            Self::Vit(_) => "vit",
        }
    }

    /// Whether the network is a Vision Transformer (square images cut into patches).
    pub fn is_vit(&self) -> bool {
        self.patch_size().is_some()
    }

    /// A ViT's patch side; `None` for a ResNet.
    pub fn patch_size(&self) -> Option<usize> {
        match self {
            Self::VitTiny(o) | Self::VitSmall(o) | Self::VitBase(o) => Some(o.patch_size),
            Self::Vit(o) => Some(o.patch_size),
            _ => None,
        }
    }

    /// The model for `num_classes` classes of `image_size` px square images with `channels`
    /// channels, initialised from `seed` (not yet validated).
    pub fn config(
        &self,
        num_classes: usize,
        image_size: usize,
        channels: usize,
        seed: u64,
    ) -> ModelConfig {
        let resnet = |depth: usize, o: &ResNetOptions| {
            ModelConfig::ResNet(
                ResNetConfig::new(depth, num_classes)
                    .with_small_input(o.small_input)
                    .with_width(o.width)
                    .with_zero_init_residual(o.zero_init_residual)
                    .with_in_channels(channels)
                    .with_seed(seed),
            )
        };
        let vit = |base: VitConfig, pooling: Pooling| {
            ModelConfig::Vit(
                base.with_pooling(pooling)
                    .with_in_channels(channels)
                    .with_seed(seed),
            )
        };
        match self {
            Self::Resnet18(o) => resnet(18, o),
            Self::Resnet34(o) => resnet(34, o),
            Self::Resnet50(o) => resnet(50, o),
            Self::Resnet101(o) => resnet(101, o),
            Self::Resnet152(o) => resnet(152, o),
            Self::VitTiny(o) => vit(
                VitConfig::tiny(image_size, o.patch_size, num_classes),
                o.pooling,
            ),
            Self::VitSmall(o) => vit(
                VitConfig::small(image_size, o.patch_size, num_classes),
                o.pooling,
            ),
            Self::VitBase(o) => vit(
                VitConfig::base(image_size, o.patch_size, num_classes),
                o.pooling,
            ),
            Self::Vit(o) => vit(
                VitConfig::new(image_size, o.patch_size, num_classes)
                    .with_dim(o.dim)
                    .with_depth(o.depth)
                    .with_heads(o.heads),
                o.pooling,
            ),
        }
    }
}

impl<'de> Deserialize<'de> for ModelSection {
    /// Through [`ModelSection::from_table`], so that every reader of `[model]` gets the same
    /// checks (serde's internally tagged enums would lose the key of a wrong value).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let table = toml::Table::deserialize(deserializer)?;
        Self::from_table(table).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ModelSection, ModelSectionError> {
        ModelSection::from_table(text.parse().unwrap())
    }

    #[test]
    fn defaults_are_the_models_crate_defaults() {
        let r = ResNetConfig::new(50, 10);
        let ModelSection::Resnet50(o) = parse("arch = \"resnet50\"").unwrap() else {
            panic!()
        };
        assert_eq!(
            (o.small_input, o.zero_init_residual, o.width),
            (r.small_input, r.zero_init_residual, r.width)
        );
        let v = VitConfig::new(224, 16, 10);
        let ModelSection::Vit(o) = parse("arch = \"vit\"").unwrap() else {
            panic!()
        };
        assert_eq!(
            (o.patch_size, o.dim, o.depth, o.heads, o.pooling),
            (
                VitConfig::DEFAULT_PATCH_SIZE,
                v.dim,
                v.depth,
                v.heads,
                v.pooling
            )
        );
        let ModelSection::VitSmall(o) = parse("arch = \"vit_small\"").unwrap() else {
            panic!()
        };
        assert_eq!((o.patch_size, o.pooling), (16, v.pooling));
        // The built model is the models crate's own, field for field.
        let built = parse("arch = \"resnet50\"").unwrap().config(10, 224, 3, 0);
        let ModelConfig::ResNet(built) = built else {
            panic!()
        };
        assert_eq!(format!("{built:?}"), format!("{r:?}"));
        let built = parse("arch = \"vit_small\"").unwrap().config(10, 224, 3, 0);
        let ModelConfig::Vit(built) = built else {
            panic!()
        };
        assert_eq!(
            format!("{built:?}"),
            format!("{:?}", VitConfig::small(224, 16, 10))
        );
    }

    #[test]
    fn every_arch_round_trips_and_keys_match_the_fields() {
        for arch in ModelSection::ARCHS {
            let m = parse(&format!("arch = \"{arch}\"")).unwrap();
            assert_eq!(m.arch(), arch);
            let table = toml::Value::try_from(&m)
                .unwrap()
                .as_table()
                .unwrap()
                .clone();
            assert_eq!(table["arch"].as_str(), Some(arch));
            let keys: &[&str] = match &m {
                ModelSection::Vit(_) => &VitOptions::KEYS,
                _ if m.is_vit() => &VitPresetOptions::KEYS,
                _ => &ResNetOptions::KEYS,
            };
            let mut written: Vec<&str> = table.keys().map(String::as_str).collect();
            let mut want: Vec<&str> = keys.iter().copied().chain(["arch"]).collect();
            written.sort();
            want.sort();
            assert_eq!(written, want, "{arch}");
            assert_eq!(ModelSection::from_table(table).unwrap(), m);
        }
    }

    #[test]
    fn a_key_of_another_family_names_the_key_and_the_arch() {
        let e = parse("arch = \"vit_tiny\"\nsmall_input = true").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("small_input"));
        assert_eq!(
            e.message,
            "unknown key for arch = \"vit_tiny\"; valid keys: arch, patch_size, pooling"
        );
        let e = parse("arch = \"resnet18\"\npatch_size = 4").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("patch_size"));
        assert!(e.message.contains("arch = \"resnet18\""), "{e}");
        // A preset's size is the arch's.
        let e = parse("arch = \"vit_small\"\ndim = 100").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("dim"));
        let e = parse("arch = \"resnet19\"").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("arch"));
        assert_eq!(
            e.message,
            "unknown value \"resnet19\"; valid values: resnet18, resnet34, resnet50, resnet101, resnet152, vit_tiny, vit_small, vit_base, vit"
        );
        let e = parse("arch = \"vit\"\npooling = \"max\"").unwrap_err();
        assert_eq!(
            (e.key.as_deref(), e.message.as_str()),
            (
                Some("pooling"),
                "unknown value \"max\"; valid values: cls, mean"
            )
        );
        let e = parse("arch = \"resnet18\"\nwidth = \"wide\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "[model] width: expected a non-negative integer, found a string \"wide\""
        );
    }

    #[test]
    fn a_resolved_config_from_before_the_tag_still_reads() {
        // What `to_toml` wrote for every arch before: all keys, the other family's ignored.
        let old = "arch = \"resnet18\"\nsmall_input = true\nzero_init_residual = false\nwidth = 8\npatch_size = 16\ndim = 192\ndepth = 12\nheads = 3\npooling = \"cls\"\n";
        let m = parse(old).unwrap();
        assert_eq!(
            m,
            ModelSection::Resnet18(ResNetOptions {
                small_input: true,
                zero_init_residual: false,
                width: 8
            })
        );
        let m = parse(&old.replace("resnet18", "vit_tiny")).unwrap();
        assert_eq!(m.patch_size(), Some(16));
        // Not every key: a user's table, checked as such.
        assert!(parse(&old.replace("dim = 192\n", "")).is_err());
    }
}
