//! The 16 ImageNet-X factors of variation and the toolkit's 17 metaclasses.

use std::fmt;
use std::str::FromStr;

/// One ImageNet-X factor of variation, in the official toolkit's `FACTORS` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Factor {
    Pose,
    Background,
    Pattern,
    Color,
    Smaller,
    Shape,
    PartialView,
    Subcategory,
    Texture,
    Larger,
    Darker,
    ObjectBlocking,
    PersonBlocking,
    Style,
    Brighter,
    MultipleObjects,
}

/// Number of factors.
pub const NUM_FACTORS: usize = 16;

impl Factor {
    /// All factors in the toolkit's order (`imagenet_x.FACTORS`): tables use this column order.
    pub const ALL: [Factor; NUM_FACTORS] = [
        Factor::Pose,
        Factor::Background,
        Factor::Pattern,
        Factor::Color,
        Factor::Smaller,
        Factor::Shape,
        Factor::PartialView,
        Factor::Subcategory,
        Factor::Texture,
        Factor::Larger,
        Factor::Darker,
        Factor::ObjectBlocking,
        Factor::PersonBlocking,
        Factor::Style,
        Factor::Brighter,
        Factor::MultipleObjects,
    ];

    /// The snake_case name used in annotation files and tables.
    pub const fn name(self) -> &'static str {
        match self {
            Factor::Pose => "pose",
            Factor::Background => "background",
            Factor::Pattern => "pattern",
            Factor::Color => "color",
            Factor::Smaller => "smaller",
            Factor::Shape => "shape",
            Factor::PartialView => "partial_view",
            Factor::Subcategory => "subcategory",
            Factor::Texture => "texture",
            Factor::Larger => "larger",
            Factor::Darker => "darker",
            Factor::ObjectBlocking => "object_blocking",
            Factor::PersonBlocking => "person_blocking",
            Factor::Style => "style",
            Factor::Brighter => "brighter",
            Factor::MultipleObjects => "multiple_objects",
        }
    }

    /// Position in [`Factor::ALL`]; also the bit index in a [`FactorSet`].
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown factor name.
#[derive(Debug, thiserror::Error)]
#[error("unknown factor `{0}`; the factors are: {names}", names = Factor::ALL.map(Factor::name).join(", "))]
pub struct UnknownFactor(pub String);

impl FromStr for Factor {
    type Err = UnknownFactor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Factor::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFactor(s.to_string()))
    }
}

/// The set of factors annotated on one image, as a bit mask over [`Factor::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FactorSet(pub u16);

impl FactorSet {
    pub const EMPTY: FactorSet = FactorSet(0);

    pub fn contains(self, f: Factor) -> bool {
        self.0 & (1 << f.index()) != 0
    }

    pub fn insert(&mut self, f: Factor) {
        self.0 |= 1 << f.index();
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Factor> {
        Factor::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Factor> for FactorSet {
    fn from_iter<I: IntoIterator<Item = Factor>>(iter: I) -> Self {
        let mut s = FactorSet::EMPTY;
        for f in iter {
            s.insert(f);
        }
        s
    }
}

/// The toolkit's metaclasses (`imagenet_x.METACLASSES`): 16 named ones and `other`, which
/// collects every class whose name in the 100-metaclass CSV is not one of the 16.
pub const METACLASSES: [&str; 17] = [
    "device",
    "dog",
    "commodity",
    "bird",
    "structure",
    "covering",
    "wheeled_vehicle",
    "food",
    "equipment",
    "insect",
    "vehicle",
    "furniture",
    "primate",
    "vessel",
    "snake",
    "natural_object",
    "other",
];

/// Index into [`METACLASSES`] of the toolkit's collapse of a metaclass name: any name that is
/// not one of the 16 named metaclasses becomes `other`.
pub fn collapse_metaclass(name: &str) -> u8 {
    METACLASSES[..16]
        .iter()
        .position(|m| *m == name)
        .unwrap_or(16) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_toolkit_order() {
        let names: Vec<_> = Factor::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names[0], "pose");
        assert_eq!(names[15], "multiple_objects");
        for (i, f) in Factor::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(f.name().parse::<Factor>().unwrap(), *f);
        }
        let err = "colour".parse::<Factor>().unwrap_err().to_string();
        assert!(
            err.contains("unknown factor `colour`") && err.contains("color"),
            "{err}"
        );
    }

    #[test]
    fn factor_set_bits() {
        let s: FactorSet = [Factor::Pose, Factor::MultipleObjects]
            .into_iter()
            .collect();
        assert_eq!(s.len(), 2);
        assert!(s.contains(Factor::Pose) && !s.contains(Factor::Color));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Factor::Pose, Factor::MultipleObjects]
        );
    }

    #[test]
    fn metaclass_collapse() {
        assert_eq!(METACLASSES[collapse_metaclass("dog") as usize], "dog");
        assert_eq!(METACLASSES[collapse_metaclass("fish") as usize], "other");
        assert_eq!(METACLASSES[collapse_metaclass("other") as usize], "other");
    }
}
