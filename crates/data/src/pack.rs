//! A packed dataset: every image decoded once, resized so that its shorter side is at most
//! `short_side`, stored as raw uint8 RGB in one memory-mapped file (the spirit of FFCV's
//! `.beton` raw mode). Loading a sample is then a memcpy instead of a JPEG decode.
//!
//! Layout (little endian):
//! ```text
//! "SPLPACK1"                      8 bytes magic
//! header_len: u64, header JSON    metadata (classes, short_side, count, skipped files)
//! index: count x 32 bytes         pixel offset u64, name offset u64, height u32, width u32,
//!                                 label u32, name length u32 (offsets from the file start)
//! names, then pixels              UTF-8 names; h*w*3 bytes per image
//! ```

use crate::dataset::{Dataset, Skipped};
use crate::decode::load_rgb;
use crate::error::{DataError, Result};
use crate::imagenet::ImageFolder;
use image::RgbImage;
use memmap2::Mmap;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"SPLPACK1";
const ENTRY: usize = 32;

/// Metadata stored in a pack's header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackHeader {
    pub count: usize,
    pub classes: Vec<String>,
    pub original_class: Vec<u32>,
    /// Shorter sides above this were resized down to it (0: kept as decoded).
    pub short_side: u32,
    /// Files that could not be decoded when packing: `(path, reason)`.
    pub skipped: Vec<(String, String)>,
}

/// Shape of an image resized so that its shorter side is at most `short_side`.
fn fit(img: RgbImage, short_side: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    if short_side == 0 || w.min(h) <= short_side {
        return img;
    }
    let (nh, nw) = spillover_augment::ops::resize::resized_shape(h, w, short_side, None);
    spillover_augment::ops::resize::resize(&img, nh, nw)
}

/// Decodes every image of `folder` (in parallel, in chunks) and writes a pack at `out`
/// (atomically: a temporary file renamed at the end). Undecodable files are skipped and
/// listed. `progress(done, total)` is called after each chunk.
pub fn write_pack(
    folder: &ImageFolder,
    out: &Path,
    short_side: u32,
    progress: &dyn Fn(usize, usize),
) -> Result<(PackHeader, Vec<Skipped>)> {
    const CHUNK: usize = 512;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    let data_tmp = out.with_extension("pixels.tmp");
    let mut data =
        BufWriter::new(File::create(&data_tmp).map_err(|e| DataError::io(&data_tmp, e))?);
    let mut kept: Vec<(usize, u32, u32)> = Vec::new(); // sample, height, width
    let mut skipped = Vec::new();
    let total = folder.samples.len();
    for (c, chunk) in folder.samples.chunks(CHUNK).enumerate() {
        let decoded: Vec<Result<RgbImage>> = chunk
            .par_iter()
            .map(|s| load_rgb(&s.path).map(|img| fit(img, short_side)))
            .collect();
        for (k, r) in decoded.into_iter().enumerate() {
            let i = c * CHUNK + k;
            match r {
                Ok(img) => {
                    data.write_all(img.as_raw())
                        .map_err(|e| DataError::io(&data_tmp, e))?;
                    kept.push((i, img.height(), img.width()));
                }
                Err(e) => skipped.push(Skipped::from_error(i, &folder.samples[i].file_name, &e)),
            }
        }
        progress((c * CHUNK + chunk.len()).min(total), total);
    }
    data.flush().map_err(|e| DataError::io(&data_tmp, e))?;
    drop(data);

    let header = PackHeader {
        count: kept.len(),
        classes: folder.classes.clone(),
        original_class: folder.original_class.clone(),
        short_side,
        skipped: skipped
            .iter()
            .map(|s| (s.path.display().to_string(), s.reason.clone()))
            .collect(),
    };
    let json = serde_json::to_vec(&header).expect("header serialises");
    let index_start = 16 + json.len();
    let names_start = index_start + ENTRY * kept.len();
    let names_len: usize = kept
        .iter()
        .map(|(i, _, _)| folder.samples[*i].file_name.len())
        .sum();
    let pixels_start = names_start + names_len;
    let result = spillover_factors::atomic::write_atomic(out, |w| {
        w.write_all(MAGIC)?;
        w.write_all(&(json.len() as u64).to_le_bytes())?;
        w.write_all(&json)?;
        let (mut pix, mut name) = (pixels_start as u64, names_start as u64);
        for &(i, h, wd) in &kept {
            let s = &folder.samples[i];
            w.write_all(&pix.to_le_bytes())?;
            w.write_all(&name.to_le_bytes())?;
            for v in [h, wd, s.label, s.file_name.len() as u32] {
                w.write_all(&v.to_le_bytes())?;
            }
            pix += h as u64 * wd as u64 * 3;
            name += s.file_name.len() as u64;
        }
        for &(i, _, _) in &kept {
            w.write_all(folder.samples[i].file_name.as_bytes())?;
        }
        std::io::copy(&mut File::open(&data_tmp)?, w)?;
        Ok(())
    });
    let _ = std::fs::remove_file(&data_tmp);
    result.map_err(|e| DataError::io(out, e))?;
    Ok((header, skipped))
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    pixels: usize,
    name: usize,
    height: u32,
    width: u32,
    label: u32,
    name_len: usize,
}

/// A memory-mapped pack, usable as a [`Dataset`].
pub struct PackedDataset {
    path: PathBuf,
    map: Mmap,
    header: PackHeader,
    entries: Vec<Entry>,
}

impl std::fmt::Debug for PackedDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PackedDataset({}, {} images)",
            self.path.display(),
            self.entries.len()
        )
    }
}

impl PackedDataset {
    /// Maps a pack and checks its structure; a damaged file is an error naming it.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        // SAFETY: the map is read-only; a pack is written once (atomically) and not modified
        // in place, so the bytes do not change under us while mapped.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| DataError::io(path, e))?;
        let bad = |m: String| {
            DataError::format(path, format!("{m}; rewrite it with `spillover data pack`"))
        };
        if map.len() < 16 || &map[..8] != MAGIC {
            return Err(bad("not a spillover pack (bad magic)".into()));
        }
        let hlen = u64::from_le_bytes(map[8..16].try_into().expect("8 bytes")) as usize;
        let json = map
            .get(16..16usize.saturating_add(hlen))
            .ok_or_else(|| bad("truncated header".into()))?;
        let header: PackHeader =
            serde_json::from_slice(json).map_err(|e| bad(format!("bad header: {e}")))?;
        let index_start = 16 + hlen;
        let index = map
            .get(index_start..index_start.saturating_add(header.count.saturating_mul(ENTRY)))
            .ok_or_else(|| bad("truncated index".into()))?;
        let u64_at = |b: &[u8], o: usize| {
            u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes")) as usize
        };
        let u32_at =
            |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        let mut entries = Vec::with_capacity(header.count);
        for (k, e) in index.chunks_exact(ENTRY).enumerate() {
            let entry = Entry {
                pixels: u64_at(e, 0),
                name: u64_at(e, 8),
                height: u32_at(e, 16),
                width: u32_at(e, 20),
                label: u32_at(e, 24),
                name_len: u32_at(e, 28) as usize,
            };
            let end = entry
                .pixels
                .saturating_add(entry.height as usize * entry.width as usize * 3);
            if end > map.len() || entry.name.saturating_add(entry.name_len) > map.len() {
                return Err(bad(format!(
                    "image {k} lies outside the file (truncated pack?)"
                )));
            }
            if std::str::from_utf8(&map[entry.name..entry.name + entry.name_len]).is_err() {
                return Err(bad(format!("image {k} has a name that is not UTF-8")));
            }
            entries.push(entry);
        }
        Ok(PackedDataset {
            path: path.to_path_buf(),
            map,
            header,
            entries,
        })
    }

    pub fn header(&self) -> &PackHeader {
        &self.header
    }

    /// The stored pixels of sample `index` (no copy): `(height, width, rgb bytes)`.
    pub fn pixels(&self, index: usize) -> (u32, u32, &[u8]) {
        let e = self.entries[index];
        (
            e.height,
            e.width,
            &self.map[e.pixels..e.pixels + e.height as usize * e.width as usize * 3],
        )
    }
}

impl Dataset for PackedDataset {
    fn len(&self) -> usize {
        self.entries.len()
    }
    fn label(&self, index: usize) -> u32 {
        self.entries[index].label
    }
    fn name(&self, index: usize) -> &str {
        let e = self.entries[index];
        std::str::from_utf8(&self.map[e.name..e.name + e.name_len]).expect("checked at open")
    }
    fn load(&self, index: usize) -> Result<RgbImage> {
        let (h, w, px) = self.pixels(index);
        RgbImage::from_raw(w, h, px.to_vec())
            .ok_or_else(|| DataError::format(&self.path, format!("image {index} has a bad size")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::imagenet_like;

    #[test]
    fn pack_round_trips_decoded_pixels_and_skips_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let bad = imagenet_like(&dir.path().join("train"));
        let folder = ImageFolder::open(&dir.path().join("train")).unwrap();
        let out = dir.path().join("train.pack");
        let (header, skipped) = write_pack(&folder, &out, 32, &|_, _| {}).unwrap();
        assert_eq!(header.count, 14);
        assert_eq!(skipped.len(), 2);
        assert!(header.skipped[0].0.ends_with(&bad[0]));
        let pack = PackedDataset::open(&out).unwrap();
        assert_eq!(pack.len(), 14);
        assert_eq!(pack.header().classes, vec!["n0", "n1", "n2"]);
        let good: Vec<&crate::Sample> = folder
            .samples
            .iter()
            .filter(|s| !bad.contains(&s.file_name))
            .collect();
        for (i, s) in good.iter().enumerate() {
            assert_eq!(pack.name(i), s.file_name);
            assert_eq!(pack.label(i), s.label);
            let decoded = fit(load_rgb(&s.path).unwrap(), 32);
            assert_eq!(
                pack.load(i).unwrap(),
                decoded,
                "{} round-trips",
                s.file_name
            );
            let (h, w, _) = pack.pixels(i);
            assert!(h.min(w) <= 32);
        }
        // Images already small enough keep their size.
        let gray = good
            .iter()
            .position(|s| s.file_name == "n1_gray.JPEG")
            .unwrap();
        assert_eq!(pack.load(gray).unwrap().dimensions(), (32, 24));
    }

    #[test]
    fn damaged_packs_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        imagenet_like(&dir.path().join("train"));
        let folder = ImageFolder::open(&dir.path().join("train")).unwrap();
        let out = dir.path().join("p.pack");
        write_pack(&folder, &out, 0, &|_, _| {}).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        std::fs::write(&out, &bytes[..bytes.len() - 10]).unwrap();
        let e = PackedDataset::open(&out).unwrap_err().to_string();
        assert!(
            e.contains("p.pack") && e.contains("outside the file"),
            "{e}"
        );
        std::fs::write(&out, b"JPEG....").unwrap();
        assert!(
            PackedDataset::open(&out)
                .unwrap_err()
                .to_string()
                .contains("bad magic")
        );
        assert!(PackedDataset::open(&dir.path().join("nope.pack")).is_err());
    }
}
