//! Composition: `Pipeline` (torchvision `Compose`), `RandomApply`, `RandomChoice`, `RandomOrder`,
//! with torchvision v2's sampling (`rand < p`, `multinomial(p)`, `randperm`).

use crate::error::Result;
use crate::params::Params;
use crate::registry::Registry;
use crate::rng::{self, SampleRng};
use crate::{Augmentation, Image};
use rand::RngExt;

/// Ops applied in order. Built from TOML with [`Pipeline::from_toml_str`] or
/// [`Registry::pipeline_from_toml_str`].
#[derive(Debug, Default)]
pub struct Pipeline {
    ops: Vec<Box<dyn Augmentation>>,
}

impl Pipeline {
    pub fn new(ops: Vec<Box<dyn Augmentation>>) -> Self {
        Pipeline { ops }
    }

    /// A pipeline from TOML (`[[augment]]` tables, or one op table) using the built-in registry.
    pub fn from_toml_str(src: &str) -> Result<Self> {
        Registry::builtin().pipeline_from_toml_str(src)
    }

    /// A pipeline from an embedded config value (array of op tables, or a table holding
    /// `augment = [...]`) using the built-in registry.
    pub fn from_value(value: &toml::Value) -> Result<Self> {
        Registry::builtin().pipeline_from_value(value)
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn push(&mut self, op: Box<dyn Augmentation>) {
        self.ops.push(op);
    }

    /// Applies the pipeline to sample `index` of `epoch` under `seed`: the same bytes whatever
    /// the thread count or processing order.
    pub fn apply_sample(&self, image: Image, seed: u64, epoch: u64, index: u64) -> Image {
        self.apply(image, &mut rng::sample_rng(seed, epoch, index))
    }
}

impl Augmentation for Pipeline {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        self.ops.iter().fold(image, |img, op| op.apply(img, rng))
    }
}

/// Applies all its ops, in order, with probability `p`.
#[derive(Debug)]
pub struct RandomApply {
    ops: Pipeline,
    p: f64,
}

impl RandomApply {
    pub fn new(ops: Vec<Box<dyn Augmentation>>, p: f64) -> Self {
        RandomApply {
            ops: Pipeline::new(ops),
            p,
        }
    }
}

impl Augmentation for RandomApply {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        if rng::coin(rng, self.p) {
            self.ops.apply(image, rng)
        } else {
            image
        }
    }
}

/// Applies one of its ops, chosen with probabilities proportional to `p` (uniform by default).
#[derive(Debug)]
pub struct RandomChoice {
    ops: Vec<Box<dyn Augmentation>>,
    cumulative: Vec<f64>,
}

impl RandomChoice {
    /// `weights` need not sum to one; `None` means uniform.
    pub fn new(ops: Vec<Box<dyn Augmentation>>, weights: Option<Vec<f64>>) -> Self {
        let weights = weights.unwrap_or_else(|| vec![1.0; ops.len()]);
        let total: f64 = weights.iter().sum();
        let cumulative = weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w / total;
                Some(*acc)
            })
            .collect();
        RandomChoice { ops, cumulative }
    }
}

impl Augmentation for RandomChoice {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        if self.ops.is_empty() {
            return image;
        }
        let u: f64 = rng.random();
        let i = self
            .cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.ops.len() - 1);
        self.ops[i].apply(image, rng)
    }
}

/// Applies all its ops in a random order.
#[derive(Debug)]
pub struct RandomOrder {
    ops: Vec<Box<dyn Augmentation>>,
}

impl RandomOrder {
    pub fn new(ops: Vec<Box<dyn Augmentation>>) -> Self {
        RandomOrder { ops }
    }
}

impl Augmentation for RandomOrder {
    fn apply(&self, image: Image, rng: &mut SampleRng) -> Image {
        rng::permutation(rng, self.ops.len())
            .into_iter()
            .fold(image, |img, i| self.ops[i].apply(img, rng))
    }
}

fn children(p: &mut Params, reg: &Registry) -> Result<Vec<Box<dyn Augmentation>>> {
    let tables = p.tables("transforms")?;
    tables.iter().map(|t| reg.build(t)).collect()
}

pub(crate) fn compose_from(p: &mut Params, reg: &Registry) -> Result<Box<dyn Augmentation>> {
    Ok(Box::new(Pipeline::new(children(p, reg)?)))
}

pub(crate) fn random_apply_from(p: &mut Params, reg: &Registry) -> Result<Box<dyn Augmentation>> {
    let ops = children(p, reg)?;
    let prob = p.probability("p", 0.5)?;
    Ok(Box::new(RandomApply::new(ops, prob)))
}

pub(crate) fn random_choice_from(p: &mut Params, reg: &Registry) -> Result<Box<dyn Augmentation>> {
    let ops = children(p, reg)?;
    let weights = p.f64_list("p")?;
    if let Some(w) = &weights {
        if w.len() != ops.len() {
            return Err(p.bad(
                "p",
                format!("has {} weights for {} transforms", w.len(), ops.len()),
            ));
        }
        if w.iter().any(|&x| x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
            return Err(p.bad("p", "weights must be non-negative with a positive sum"));
        }
    }
    Ok(Box::new(RandomChoice::new(ops, weights)))
}

pub(crate) fn random_order_from(p: &mut Params, reg: &Registry) -> Result<Box<dyn Augmentation>> {
    Ok(Box::new(RandomOrder::new(children(p, reg)?)))
}
