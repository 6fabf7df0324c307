//! File name -> image lookup, with a fast path for ImageNet's `ILSVRC2012_val_NNNNNNNN.JPEG`.

use rustc_hash::FxHashMap;

/// What a file name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// An image that is scored, with its position in the scored set.
    Scored(u32),
    /// An image of the split that is not scored (unannotated, or a filtered prototype); the id is
    /// unique among all known images, for duplicate detection.
    Known(u32),
}

const PREFIX: &[u8] = b"ILSVRC2012_val_";
const SUFFIX: &[u8] = b".JPEG";
pub(crate) const IMAGENET_NAME_LEN: usize = PREFIX.len() + 8 + SUFFIX.len();

/// The number in an ImageNet validation file name (`ILSVRC2012_val_NNNNNNNN.JPEG`), if `name`
/// has exactly that form.
#[inline]
pub(crate) fn imagenet_val_number(name: &[u8]) -> Option<usize> {
    let name: &[u8; IMAGENET_NAME_LEN] = name.try_into().ok()?;
    if name[..PREFIX.len()] != *PREFIX || name[PREFIX.len() + 8..] != *SUFFIX {
        return None;
    }
    let digits: &[u8; 8] = name[PREFIX.len()..PREFIX.len() + 8].try_into().ok()?;
    super::swar::eight_digits(digits).map(|k| k as usize)
}

/// Maps every known file name of a split to a [`Slot`]. Ids `0..n_scored` are the scored images
/// in order; the rest are known-but-unscored images.
#[derive(Debug, Clone)]
pub struct NameIndex {
    n_scored: u32,
    n_known: u32,
    /// ImageNet val number -> id + 1 (0: absent). Names of that form live only here.
    by_number: Vec<u32>,
    /// The same table in 16 bits when every id fits (ImageNet: 50,000 names), half the cache
    /// footprint for the random lookup of every prediction row.
    by_number_small: Option<Vec<u16>>,
    by_name: FxHashMap<Box<[u8]>, u32>,
}

impl NameIndex {
    /// Builds the index: `scored` get ids `0..scored.len()` in order, `others` (names not in
    /// `scored`) the following ids. A name given twice keeps its first id.
    pub fn new<'a>(scored: &'a [String], others: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index = NameIndex {
            n_scored: scored.len() as u32,
            n_known: 0,
            by_number: Vec::new(),
            by_number_small: None,
            by_name: FxHashMap::default(),
        };
        for name in scored.iter().map(String::as_str).chain(others) {
            index.insert(name.as_bytes());
        }
        if index.n_known < u32::from(u16::MAX) {
            index.by_number_small = Some(index.by_number.iter().map(|&v| v as u16).collect());
        }
        index
    }

    fn insert(&mut self, name: &[u8]) {
        if self.lookup_id(name).is_some() {
            return;
        }
        let id = self.n_known;
        self.n_known += 1;
        match imagenet_val_number(name) {
            Some(k) => {
                if k >= self.by_number.len() {
                    self.by_number.resize(k + 1, 0);
                }
                self.by_number[k] = id + 1;
            }
            None => {
                self.by_name.insert(name.into(), id);
            }
        }
    }

    fn lookup_id(&self, name: &[u8]) -> Option<u32> {
        match imagenet_val_number(name) {
            Some(k) => self.number_id(k),
            None => self.by_name.get(name).copied(),
        }
    }

    /// The id of ImageNet validation image number `k` (the 16-bit table once it is built).
    #[inline]
    fn number_id(&self, k: usize) -> Option<u32> {
        let stored = match &self.by_number_small {
            Some(small) => small.get(k).map(|&v| u32::from(v)),
            None => self.by_number.get(k).copied(),
        };
        stored.filter(|&v| v != 0).map(|v| v - 1)
    }

    /// The slot of `name`, or `None` for a name that is not an image of this split.
    pub fn lookup(&self, name: &[u8]) -> Option<Slot> {
        self.lookup_id(name).map(|id| self.slot(id))
    }

    /// [`NameIndex::lookup`] of the name `ILSVRC2012_val_NNNNNNNN.JPEG` with number `k`.
    #[inline]
    pub fn lookup_imagenet(&self, k: usize) -> Option<Slot> {
        self.number_id(k).map(|id| self.slot(id))
    }

    #[inline]
    fn slot(&self, id: u32) -> Slot {
        if id < self.n_scored {
            Slot::Scored(id)
        } else {
            Slot::Known(id)
        }
    }

    pub fn n_scored(&self) -> usize {
        self.n_scored as usize
    }

    /// Number of known names (scored + unscored); ids are below this.
    pub fn n_known(&self) -> usize {
        self.n_known as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_both_forms() {
        let scored = vec![
            "ILSVRC2012_val_00000007.JPEG".to_string(),
            "synth_val_1.png".to_string(),
        ];
        let idx = NameIndex::new(
            &scored,
            [
                "ILSVRC2012_val_00050000.JPEG",
                "other.png",
                "synth_val_1.png",
            ],
        );
        assert_eq!(
            idx.lookup(b"ILSVRC2012_val_00000007.JPEG"),
            Some(Slot::Scored(0))
        );
        assert_eq!(idx.lookup(b"synth_val_1.png"), Some(Slot::Scored(1)));
        assert_eq!(
            idx.lookup(b"ILSVRC2012_val_00050000.JPEG"),
            Some(Slot::Known(2))
        );
        assert_eq!(idx.lookup(b"other.png"), Some(Slot::Known(3)));
        assert_eq!(idx.n_known(), 4);
        assert_eq!(idx.lookup(b"ILSVRC2012_val_00000008.JPEG"), None);
        assert_eq!(idx.lookup(b"ILSVRC2012_val_0000000x.JPEG"), None);
        assert_eq!(idx.lookup(b"ILSVRC2012_val_00060000.JPEG"), None);
        assert_eq!(idx.lookup(b"ILSVRC2012_val_00000007.jpeg"), None);
        for k in [0, 7, 8, 50_000, 60_000] {
            let name = format!("ILSVRC2012_val_{k:08}.JPEG");
            assert_eq!(
                idx.lookup_imagenet(k),
                idx.lookup(name.as_bytes()),
                "{name}"
            );
        }
    }
}
