//! The compiled-annotation cache: the joined arrays of an [`EvalSet`](super::EvalSet) in a small
//! binary file, so that scoring a file does not re-parse ~20 MB of JSONL every time (~50 ms of
//! the 60 ms a one-file `spillover evaluate` took).
//!
//! A cache file is named by a hash of its key: the canonical annotation directory, the options,
//! and size, mtime, ctime and inode of every source file. Like git's index, it guards against
//! "racy" files: a set is only stored when every source was last changed more than
//! [`SETTLE`] ago, so a file rewritten within one timestamp tick of being cached cannot hide
//! behind an unchanged key (ctime cannot be set back by users). A cache file that is unreadable,
//! truncated or fails its SHA-256 is ignored and rewritten; failing to write one is not an error.

use super::set::{EvalError, EvalOptions, Joined};
use crate::annotations::AnnotationDir;
use crate::factor::FactorSet;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How long every source file must have been unchanged before a set is cached.
pub const SETTLE: Duration = Duration::from_secs(2);

const MAGIC: &[u8; 8] = b"SPXEVAL1";

/// Where compiled annotation sets live and how settled their sources must be.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    settle: Duration,
}

/// Whether [`Cache::load`] read the cache, stored a new entry, or only parsed the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hit,
    Stored,
    NotStored,
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>, settle: Duration) -> Self {
        Cache {
            dir: dir.into(),
            settle,
        }
    }

    /// `<cache root>/compiled` (see [`crate::annotations::cache_root`]).
    pub fn default_location() -> Self {
        Cache::new(crate::annotations::cache_root().join("compiled"), SETTLE)
    }

    /// The joined annotations for `options`, from the cache when an entry with the same key
    /// exists, else parsed from `dir` (and stored when the sources are settled).
    pub(crate) fn load(
        &self,
        dir: &AnnotationDir,
        options: EvalOptions,
    ) -> Result<(Joined, Outcome), EvalError> {
        let Some((key, settled)) = cache_key(dir, options, self.settle) else {
            return Ok((Joined::read(dir, options)?, Outcome::NotStored));
        };
        let path = self
            .dir
            .join(format!("{}.bin", crate::annotations::sha256_hex(&key)));
        if let Some(joined) = std::fs::read(&path).ok().and_then(|b| decode(&b, &key)) {
            return Ok((joined, Outcome::Hit));
        }
        let joined = Joined::read(dir, options)?;
        if !settled || crate::atomic::write_bytes_atomic(&path, &encode(&joined, &key)).is_err() {
            return Ok((joined, Outcome::NotStored));
        }
        self.prune();
        Ok((joined, Outcome::Stored))
    }

    /// Keeps the [`KEEP`] most recently stored entries (each is a few MB), best effort.
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut stored: Vec<(SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
            .collect();
        stored.sort();
        let excess = stored.len().saturating_sub(KEEP);
        for (_, path) in &stored[..excess] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// How many compiled sets the cache keeps.
const KEEP: usize = 16;

/// The key of `dir` + `options` and whether every source is older than `settle`; `None` when
/// a file's metadata cannot be read (then the sources are parsed and report the error).
fn cache_key(
    dir: &AnnotationDir,
    options: EvalOptions,
    settle: Duration,
) -> Option<(Vec<u8>, bool)> {
    use std::os::unix::fs::MetadataExt;
    let root = dir.root().canonicalize().ok()?;
    let mut key = format!(
        "{}|{}|{}|{}|{}",
        String::from_utf8_lossy(MAGIC),
        root.display(),
        options.partition.name(),
        options.which,
        options.filter_prototypes
    );
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    let mut settled = true;
    for name in Joined::sources(options) {
        match std::fs::metadata(dir.path(&name)) {
            Ok(m) => {
                key.push_str(&format!(
                    "|{name}:{}:{}.{}:{}.{}:{}",
                    m.size(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec(),
                    m.ino()
                ));
                let seconds = |s: i64, ns: i64| s as f64 + ns as f64 * 1e-9;
                let changed =
                    seconds(m.mtime(), m.mtime_nsec()).max(seconds(m.ctime(), m.ctime_nsec()));
                settled &= now - changed >= settle.as_secs_f64();
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                key.push_str(&format!("|{name}:absent"));
            }
            Err(_) => return None,
        }
    }
    Some((key.into_bytes(), settled))
}

fn put_u32(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_le_bytes());
}

fn put_strings(out: &mut Vec<u8>, strings: &[String]) {
    put_u32(out, strings.len());
    for s in strings {
        put_u32(out, s.len());
    }
    for s in strings {
        out.extend_from_slice(s.as_bytes());
    }
}

fn put_u16s(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = u16>) {
    put_u32(out, values.len());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Layout: magic, key, then each array as a u32 count and little-endian values, strings as
/// their lengths then their bytes; the SHA-256 of everything before it last.
fn encode(joined: &Joined, key: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    put_u32(&mut out, key.len());
    out.extend_from_slice(key);
    put_strings(&mut out, &joined.names);
    put_u16s(&mut out, joined.class.iter().copied());
    put_u16s(&mut out, joined.factors.iter().map(|f| f.0));
    put_u32(&mut out, joined.class_metaclass.len());
    out.extend_from_slice(&joined.class_metaclass);
    put_strings(&mut out, &joined.others);
    match &joined.real {
        None => out.push(0),
        Some((offsets, labels)) => {
            out.push(1);
            put_u32(&mut out, offsets.len());
            for &o in offsets {
                out.extend_from_slice(&o.to_le_bytes());
            }
            put_u16s(&mut out, labels.iter().copied());
        }
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// Reads what [`encode`] wrote; `None` unless the bytes are intact and were written for `key`.
fn decode(bytes: &[u8], key: &[u8]) -> Option<Joined> {
    let (body, digest) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if Sha256::digest(body).as_slice() != digest {
        return None;
    }
    let mut r = Reader(body.strip_prefix(MAGIC)?);
    let key_len = r.u32()?;
    let stored_key = r.take(key_len)?;
    if stored_key != key {
        return None;
    }
    let names = r.strings()?;
    let class = r.u16s()?;
    let factors = r.u16s()?.into_iter().map(FactorSet).collect();
    let n_classes = r.u32()?;
    let class_metaclass = r.take(n_classes)?.to_vec();
    let others = r.strings()?;
    let real = match r.take(1)? {
        [0] => None,
        [1] => {
            let n = r.u32()?;
            let offsets: Option<Vec<u32>> = (0..n).map(|_| r.u32().map(|v| v as u32)).collect();
            Some((offsets?, r.u16s()?))
        }
        _ => return None,
    };
    let joined = Joined {
        names,
        class,
        factors,
        class_metaclass,
        others,
        real,
    };
    let consistent = r.0.is_empty()
        && joined.class.len() == joined.names.len()
        && joined.factors.len() == joined.names.len()
        && joined
            .class
            .iter()
            .all(|&c| usize::from(c) < joined.class_metaclass.len());
    consistent.then_some(joined)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n)?;
        self.0 = tail;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
    }

    fn u16s(&mut self) -> Option<Vec<u16>> {
        let n = self.u32()?;
        let b = self.take(n.checked_mul(2)?)?;
        Some(
            b.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    }

    fn strings(&mut self) -> Option<Vec<String>> {
        let n = self.u32()?;
        let lens: Vec<usize> = (0..n).map(|_| self.u32()).collect::<Option<_>>()?;
        lens.into_iter()
            .map(|len| String::from_utf8(self.take(len)?.to_vec()).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotations::{AnnotationSet, write_annotation_set};
    use std::path::Path;

    fn entry_count(dir: &Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |d| d.filter_map(Result::ok).count())
    }

    /// `n` validation images over 4 classes (two metaclasses), every 7th a prototype, every
    /// 5th unannotated, with ReaL label sets.
    fn world(dir: &Path, n: usize) -> AnnotationDir {
        use crate::annotations::{AnnotationRecord, ClassLabel, MetaclassRow};
        let name = |i: usize| format!("img_{i:05}.png");
        let record = |i: usize| AnnotationRecord {
            file_name: name(i),
            class: (i % 4) as u32,
            factors: FactorSet(1 << (i % 16) | 1 << (i * 7 % 16)),
            justification: String::new(),
            one_word: String::new(),
        };
        let annotated: Vec<AnnotationRecord> = (0..n).filter(|i| i % 5 != 0).map(record).collect();
        let set = AnnotationSet {
            classes: (0..4)
                .map(|c| ClassLabel {
                    wnid: format!("c{c}"),
                    label: format!("class {c}"),
                })
                .collect(),
            metaclasses: (0..4)
                .map(|c| MetaclassRow {
                    wnid: format!("m{}", c / 2),
                    name: ["dog", "bird"][c / 2].into(),
                    id: (c / 2) as u32,
                })
                .collect(),
            val_top: annotated.clone(),
            val_multi: annotated,
            val_labels: (0..n).map(|i| (name(i), (i % 4) as u32)).collect(),
            prototypes: (0..n).step_by(7).map(name).collect(),
            real_labels: Some((0..n).map(|i| (name(i), vec![(i % 4) as u32, 3])).collect()),
            ..AnnotationSet::default()
        };
        write_annotation_set(dir, &set).unwrap();
        AnnotationDir::open(dir).unwrap()
    }

    #[test]
    fn stores_then_hits_and_equals_a_fresh_parse() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = world(&tmp.path().join("ann"), 300);
        let cache = Cache::new(tmp.path().join("compiled"), Duration::ZERO);
        for options in [
            EvalOptions::default(),
            EvalOptions {
                filter_prototypes: false,
                ..EvalOptions::default()
            },
        ] {
            let fresh = Joined::read(&dir, options).unwrap();
            let (first, outcome) = cache.load(&dir, options).unwrap();
            assert_eq!(outcome, Outcome::Stored);
            let (second, outcome) = cache.load(&dir, options).unwrap();
            assert_eq!(outcome, Outcome::Hit);
            assert_eq!(first, fresh);
            assert_eq!(second, fresh);
        }
        assert_eq!(entry_count(&tmp.path().join("compiled")), 2);
    }

    #[test]
    fn keeps_only_the_newest_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let compiled = tmp.path().join("compiled");
        std::fs::create_dir_all(&compiled).unwrap();
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for i in 0..KEEP + 3 {
            let path = compiled.join(format!("old{i:02}.bin"));
            std::fs::write(&path, b"x").unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(an_hour_ago).unwrap();
        }
        std::fs::write(compiled.join("notes.txt"), b"not an entry").unwrap();
        let dir = world(&tmp.path().join("ann"), 40);
        let cache = Cache::new(&compiled, Duration::ZERO);
        let options = EvalOptions::default();
        assert_eq!(cache.load(&dir, options).unwrap().1, Outcome::Stored);
        assert_eq!(
            entry_count(&compiled),
            KEEP + 1,
            "KEEP entries and notes.txt"
        );
        assert_eq!(
            cache.load(&dir, options).unwrap().1,
            Outcome::Hit,
            "the new one stays"
        );
    }

    #[test]
    fn unsettled_sources_are_not_stored() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = world(&tmp.path().join("ann"), 50);
        let cache = Cache::new(tmp.path().join("compiled"), Duration::from_secs(3600));
        let (_, outcome) = cache.load(&dir, EvalOptions::default()).unwrap();
        assert_eq!(outcome, Outcome::NotStored);
        assert_eq!(entry_count(&tmp.path().join("compiled")), 0);
    }

    #[test]
    fn a_changed_source_misses_and_a_corrupt_entry_is_rewritten() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ann");
        let dir = world(&root, 80);
        let cache = Cache::new(tmp.path().join("compiled"), Duration::ZERO);
        let options = EvalOptions::default();
        let (before, _) = cache.load(&dir, options).unwrap();
        // Drop the last annotated image: the factor file changes size, so the key changes.
        let factor_file = dir.path(&crate::annotations::files::factors(
            options.partition,
            options.which,
        ));
        let text = std::fs::read_to_string(&factor_file).unwrap();
        let kept: Vec<&str> = text.lines().collect();
        std::fs::write(&factor_file, kept[..kept.len() - 1].join("\n") + "\n").unwrap();
        let (after, outcome) = cache.load(&dir, options).unwrap();
        assert_eq!(outcome, Outcome::Stored);
        assert_eq!(after, Joined::read(&dir, options).unwrap());
        assert_ne!(after.names.len(), before.names.len());
        // Flip one byte of every entry: each fails its checksum and is rebuilt.
        for entry in std::fs::read_dir(tmp.path().join("compiled")).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[40] ^= 1;
            std::fs::write(&path, bytes).unwrap();
        }
        let (again, outcome) = cache.load(&dir, options).unwrap();
        assert_eq!(outcome, Outcome::Stored);
        assert_eq!(again, after);
        assert_eq!(cache.load(&dir, options).unwrap().1, Outcome::Hit);
    }

    #[test]
    fn decode_rejects_other_keys_and_truncation() {
        let joined = Joined {
            names: vec!["a.png".into(), "b.png".into()],
            class: vec![0, 1],
            factors: vec![FactorSet(1), FactorSet(6)],
            class_metaclass: vec![3, 16],
            others: vec!["c.png".into()],
            real: Some((vec![0, 1, 3], vec![0, 1, 0])),
        };
        let bytes = encode(&joined, b"key");
        assert_eq!(decode(&bytes, b"key"), Some(joined));
        assert_eq!(decode(&bytes, b"other key"), None);
        for cut in [0, 1, 20, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut], b"key"), None, "cut at {cut}");
        }
    }
}
