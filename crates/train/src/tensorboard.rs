//! A TensorBoard event-file writer: scalars and images, nothing else.
//!
//! burn-train has no TensorBoard logger, and `tensorboard-rs` is unmaintained since 2022 and
//! pulls `image` 0.23 and `protobuf` 2 beside the workspace's `image` 0.25. The format is
//! small and stable, so it is written here directly:
//!
//! - the file is a sequence of TFRecords: `u64 length (LE) | u32 masked CRC32C of the length |
//!   payload | u32 masked CRC32C of the payload`, masked as `rotr15(crc) + 0xa282ead8`;
//! - each payload is a serialized `tensorflow.Event` protobuf (wall_time = 1, step = 2,
//!   file_version = 3, summary = 5), the first one carrying `file_version = "brain.Event:2"`;
//! - a `Summary` holds `Value`s (tag = 1, simple_value = 2, image = 4); an `Image` holds height
//!   = 1, width = 2, colorspace = 3, encoded_image_string = 4 (PNG here).
//!
//! The `tensorboard` Python package reads these files back in a test (`EventAccumulator`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const CRC32C: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = CRC32C.checksum(bytes);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Minimal protobuf encoder for the few message shapes the event format needs.
#[derive(Default)]
struct Proto(Vec<u8>);

impl Proto {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn key(&mut self, field: u32, wire: u8) {
        self.varint(u64::from(field << 3 | u32::from(wire)));
    }
    fn int(&mut self, field: u32, v: i64) {
        self.key(field, 0);
        self.varint(v as u64);
    }
    fn double(&mut self, field: u32, v: f64) {
        self.key(field, 1);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn float(&mut self, field: u32, v: f32) {
        self.key(field, 5);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, field: u32, v: &[u8]) {
        self.key(field, 2);
        self.varint(v.len() as u64);
        self.0.extend_from_slice(v);
    }
}

fn event(step: i64, fill: impl FnOnce(&mut Proto)) -> Vec<u8> {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let mut e = Proto::default();
    e.double(1, wall);
    e.int(2, step);
    fill(&mut e);
    e.0
}

fn summary_event(step: i64, tag: &str, value: impl FnOnce(&mut Proto)) -> Vec<u8> {
    let mut v = Proto::default();
    v.bytes(1, tag.as_bytes());
    value(&mut v);
    let mut summary = Proto::default();
    summary.bytes(1, &v.0);
    event(step, |e| e.bytes(5, &summary.0))
}

/// Appends events to one `events.out.tfevents.*` file.
pub struct EventWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl EventWriter {
    /// Creates a new event file in `dir` (created if missing). Each run or resume gets its own
    /// file; TensorBoard merges the files of one directory by step.
    pub fn create(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let host = fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        let path = dir.join(format!(
            "events.out.tfevents.{secs}.{host}.{}.spillover",
            std::process::id()
        ));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let mut writer = Self {
            out: BufWriter::new(file),
            path,
        };
        writer.record(&event(0, |e| e.bytes(3, b"brain.Event:2")))?;
        writer.flush()?;
        Ok(writer)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn record(&mut self, payload: &[u8]) -> io::Result<()> {
        let len = (payload.len() as u64).to_le_bytes();
        self.out.write_all(&len)?;
        self.out.write_all(&masked_crc(&len).to_le_bytes())?;
        self.out.write_all(payload)?;
        self.out.write_all(&masked_crc(payload).to_le_bytes())
    }

    /// Logs one scalar.
    pub fn scalar(&mut self, tag: &str, step: u64, value: f32) -> io::Result<()> {
        self.record(&summary_event(step as i64, tag, |v| v.float(2, value)))
    }

    /// Logs an 8-bit RGB image (`rgb.len() == 3 * width * height`), stored as PNG.
    pub fn image(
        &mut self,
        tag: &str,
        step: u64,
        rgb: &[u8],
        width: u32,
        height: u32,
    ) -> io::Result<()> {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(rgb, width, height, image::ExtendedColorType::Rgb8)
            .map_err(io::Error::other)?;
        let mut img = Proto::default();
        img.int(1, i64::from(height));
        img.int(2, i64::from(width));
        img.int(3, 3);
        img.bytes(4, &png);
        self.record(&summary_event(step as i64, tag, |v| v.bytes(4, &img.0)))
    }

    /// Pushes buffered events to the file so a running TensorBoard sees them.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

use image::ImageEncoder as _;

/// Tiles `n` CHW float images into one RGB grid, `cols` per row with a 2 px gap. Each image is
/// un-normalised with `mean`/`std` (per channel) when given, else stretched to its own range.
/// Single-channel images are shown grey.
pub fn image_grid(
    images: &[f32],
    [n, c, h, w]: [usize; 4],
    norm: Option<([f32; 3], [f32; 3])>,
    cols: usize,
) -> (Vec<u8>, u32, u32) {
    const GAP: usize = 2;
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols);
    let (gw, gh) = (cols * (w + GAP) + GAP, rows * (h + GAP) + GAP);
    let mut grid = vec![0u8; gw * gh * 3];
    for i in 0..n {
        let img = &images[i * c * h * w..(i + 1) * c * h * w];
        let (lo, hi) = img
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let (x0, y0) = (GAP + (i % cols) * (w + GAP), GAP + (i / cols) * (h + GAP));
        for y in 0..h {
            for x in 0..w {
                for ch in 0..3 {
                    let src = ch.min(c - 1);
                    let v = img[src * h * w + y * w + x];
                    let unit = match norm {
                        Some((mean, std)) => v * std[src.min(2)] + mean[src.min(2)],
                        None if hi > lo => (v - lo) / (hi - lo),
                        None => 0.5,
                    };
                    grid[((y0 + y) * gw + x0 + x) * 3 + ch] =
                        (unit.clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            }
        }
    }
    (grid, gw as u32, gh as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_and_mask_match_the_reference_values() {
        // CRC-32C check value from the Castagnoli catalogue.
        assert_eq!(CRC32C.checksum(b"123456789"), 0xE306_9283);
        // TFRecord's masking of that value, computed by hand: rotr15 then + 0xa282ead8.
        assert_eq!(
            masked_crc(b"123456789"),
            0xE306_9283u32.rotate_right(15).wrapping_add(0xa282_ead8)
        );
    }

    #[test]
    fn varints_encode_like_protobuf() {
        let mut p = Proto::default();
        p.varint(1);
        p.varint(300);
        p.varint(u64::MAX);
        assert_eq!(p.0[..3], [0x01, 0xAC, 0x02]);
        assert_eq!(p.0.len(), 3 + 10);
        // Negative int64 are ten-byte varints of their two's complement.
        let mut q = Proto::default();
        q.int(2, -1);
        assert_eq!(
            q.0,
            [
                0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01
            ]
        );
    }

    #[test]
    fn records_are_framed_with_valid_checksums() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create(dir.path()).unwrap();
        w.scalar("loss", 3, 0.5).unwrap();
        w.flush().unwrap();
        let bytes = fs::read(w.path()).unwrap();
        let mut at = 0;
        let mut payloads = Vec::new();
        while at < bytes.len() {
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            assert_eq!(
                u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()),
                masked_crc(&bytes[at..at + 8])
            );
            let payload = &bytes[at + 12..at + 12 + len];
            let crc = u32::from_le_bytes(bytes[at + 12 + len..at + 16 + len].try_into().unwrap());
            assert_eq!(crc, masked_crc(payload));
            payloads.push(payload.to_vec());
            at += 16 + len;
        }
        assert_eq!(payloads.len(), 2);
        // The scalar event ends with summary{value{tag "loss" simple_value 0.5}}.
        let tail = [
            0x2A, 0x0D, 0x0A, 0x0B, 0x0A, 0x04, b'l', b'o', b's', b's', 0x15, 0, 0, 0, 0x3F,
        ];
        assert!(payloads[1].ends_with(&tail), "{:x?}", payloads[1]);
        assert!(payloads[0].windows(13).any(|s| s == b"brain.Event:2"));
    }

    #[test]
    fn grid_tiles_and_unnormalises() {
        // Two 1x1 RGB images: mean 0.5 / std 0.25 turns 2.0 into 1.0 (white) and -2.0 into 0.
        let imgs = [2.0, 2.0, 2.0, -2.0, -2.0, -2.0];
        let (rgb, w, h) = image_grid(&imgs, [2, 3, 1, 1], Some(([0.5; 3], [0.25; 3])), 2);
        assert_eq!((w, h), (2 * 3 + 2, 1 + 4));
        let px = |x: usize, y: usize| &rgb[(y * w as usize + x) * 3..][..3];
        assert_eq!(px(2, 2), [255, 255, 255]);
        assert_eq!(px(5, 2), [0, 0, 0]);
        assert_eq!(px(0, 0), [0, 0, 0], "gap");
    }

    /// The Python interpreter with the `tensorboard` package: `SPILLOVER_TB_PYTHON`, else the
    /// venv `scripts/setup.sh` makes at the repository root. The `Err` is the reason the test is
    /// skipped (printed), not an error.
    pub(crate) fn tensorboard_python() -> Result<PathBuf, String> {
        let candidate = std::env::var_os("SPILLOVER_TB_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-tensorboard/bin/python")
            });
        let ok = std::process::Command::new(&candidate)
            .args(["-c", "import tensorboard"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            Ok(candidate)
        } else {
            Err(format!(
                "{} cannot import tensorboard (run scripts/setup.sh)",
                candidate.display()
            ))
        }
    }

    /// Reads an event directory back with TensorBoard's own `EventAccumulator`; prints JSON
    /// `{"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, w, h, png_bytes]]}}`.
    pub(crate) const READ_BACK: &str = r#"
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0, "images": 0})
ea.Reload()
tags = ea.Tags()
print(json.dumps({
    "scalars": {t: [[e.step, e.value] for e in ea.Scalars(t)] for t in tags["scalars"]},
    "images": {t: [[e.step, e.width, e.height, len(e.encoded_image_string)] for e in ea.Images(t)] for t in tags["images"]},
}))
"#;

    pub(crate) fn read_back(python: &Path, dir: &Path) -> serde_json::Value {
        let out = std::process::Command::new(python)
            .args(["-c", READ_BACK])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    #[test]
    fn tensorboard_reads_scalars_and_images_back() {
        let python = match tensorboard_python() {
            Ok(p) => p,
            Err(reason) => {
                println!("SKIPPED tensorboard_reads_scalars_and_images_back: {reason}");
                return;
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let mut w = EventWriter::create(dir.path()).unwrap();
        for step in 1..=3u64 {
            w.scalar("train/loss", step, 1.0 / step as f32).unwrap();
        }
        w.scalar("eval/top1", 3, 0.625).unwrap();
        let (rgb, width, height) = image_grid(&[0.0; 2 * 3 * 4 * 5], [2, 3, 4, 5], None, 2);
        w.image("train/augmented_samples", 0, &rgb, width, height)
            .unwrap();
        w.flush().unwrap();
        let v = read_back(&python, dir.path());
        let loss = &v["scalars"]["train/loss"];
        assert_eq!(loss.as_array().unwrap().len(), 3);
        assert_eq!(loss[1][0], 2);
        assert_eq!(loss[1][1], 0.5);
        assert_eq!(v["scalars"]["eval/top1"][0][1], 0.625);
        let img = &v["images"]["train/augmented_samples"][0];
        assert_eq!(
            (img[1].as_u64(), img[2].as_u64()),
            (Some(u64::from(width)), Some(u64::from(height)))
        );
        assert!(img[3].as_u64().unwrap() > 8, "PNG bytes present");
    }
}
