//! Image decoding with PIL's semantics (`Image.open(path).convert("RGB")`, what torchvision's
//! `ImageFolder` does): the format comes from the bytes, not the extension (ImageNet has a PNG
//! named `.JPEG`); grayscale is replicated to RGB; CMYK becomes RGB with PIL's formula
//! `(255 - C)(255 - K) / 255` (honouring Adobe's inverted storage); alpha is dropped; EXIF
//! orientation is ignored; 16-bit PNGs convert as PIL converts them (grey clamped to 255, colour
//! reduced to the high byte). A truncated JPEG is an error, as in PIL (whose default is to refuse
//! it), not a silently grey-filled image.
//!
//! Against Pillow 12 (libjpeg-turbo) on files Pillow wrote (`tests/decode_pil.rs`): PNGs of every
//! kind decode bit for bit; JPEGs decode within a few levels (zune-jpeg's IDCT, YCbCr conversion
//! and chroma upsampling are not libjpeg-turbo's islow IDCT, fixed-point tables and "fancy"
//! triangle upsampling): on those fixtures (quality 90) max 2 for 4:4:4 (~97-99 % of values
//! identical), max 1 for grayscale and CMYK, max 3-4 for 4:2:0, 4:2:2 and progressive 4:2:0
//! (~73-87 % identical); sharper chroma edges or lower quality give more on subsampled files (up
//! to 9 levels has been seen on a 4:2:0 photo).

use crate::error::DataError;
use image::RgbImage;
use std::path::Path;
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

/// Why the bytes of a file are not an image this crate decodes (the file is named by
/// [`DataError::Decode`], which holds this as its cause).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("file too short to be an image ({0} bytes)")]
    TooShort(usize),
    #[error("unrecognised image format (not JPEG or PNG)")]
    UnknownFormat,
    #[error("JPEG has no image data (no start-of-scan marker)")]
    NoScan,
    #[error("image file is truncated (no end-of-image marker after the last scan)")]
    Truncated,
    #[error("JPEG without dimensions")]
    NoDimensions,
    #[error("decoded buffer does not match the JPEG's size")]
    SizeMismatch,
    /// The JPEG decoder's own error.
    #[error(transparent)]
    Jpeg(#[from] zune_jpeg::errors::DecodeErrors),
    /// The PNG (or other format) decoder's own error.
    #[error(transparent)]
    Image(#[from] image::ImageError),
}

/// What a JPEG's markers say, from a scan of its segment headers.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct JpegMarkers {
    /// An Adobe APP14 segment: CMYK samples are stored inverted.
    adobe: bool,
    /// Byte offset of the last start-of-scan marker.
    last_sos: Option<usize>,
    /// An end-of-image marker after the last scan.
    ends: bool,
}

fn scan_jpeg(bytes: &[u8]) -> JpegMarkers {
    let mut m = JpegMarkers::default();
    let mut i = 2;
    // Walk segment headers up to the first scan, then search entropy-coded data for markers:
    // there every 0xFF is stuffed (FF 00) or a restart marker, so FF DA / FF D9 are real.
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if marker == 0xEE && bytes.get(i + 4..i + 9) == Some(b"Adobe") {
            m.adobe = true;
        }
        if marker == 0xDA {
            break;
        }
        i += 2 + len;
    }
    let tail = &bytes[i.min(bytes.len())..];
    for pos in memchr::memchr_iter(0xFF, tail) {
        match tail.get(pos + 1) {
            Some(0xDA) => {
                m.last_sos = Some(i + pos);
                m.ends = false;
            }
            Some(0xD9) => m.ends = true,
            _ => {}
        }
    }
    m
}

fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        // PIL keeps CMYK as ink amounts; Adobe files store 255 - ink.
        let ink = |v: u8| if inverted { 255 - v as u32 } else { v as u32 };
        let nk = 255 - ink(px[3]);
        for &c in &px[..3] {
            // PIL's cmyk2rgb: CLIP8(nk - MULDIV255(c, nk)), MULDIV255 rounding as in Pillow.
            let t = ink(c) * nk + 128;
            out.push((nk - (((t >> 8) + t) >> 8)) as u8);
        }
    }
    out
}

fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    let markers = scan_jpeg(bytes);
    if markers.last_sos.is_none() {
        return Err(DecodeError::NoScan);
    }
    if !markers.ends {
        return Err(DecodeError::Truncated);
    }
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(1 << 16)
        .set_max_height(1 << 16);
    let mut dec = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    dec.decode_headers()?;
    let cmyk = dec.input_colorspace() == Some(ColorSpace::CMYK);
    dec.set_options(options.jpeg_set_out_colorspace(if cmyk {
        ColorSpace::CMYK
    } else {
        ColorSpace::RGB
    }));
    let (w, h) = dec.dimensions().ok_or(DecodeError::NoDimensions)?;
    let raw = dec.decode()?;
    let rgb = if cmyk {
        cmyk_to_rgb(&raw, markers.adobe)
    } else {
        raw
    };
    RgbImage::from_raw(w as u32, h as u32, rgb).ok_or(DecodeError::SizeMismatch)
}

/// Decodes an image file's bytes to RGB8 as PIL's `convert("RGB")` would.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, DecodeError> {
    if bytes.len() < 8 {
        return Err(DecodeError::TooShort(bytes.len()));
    }
    if bytes[..3] == [0xFF, 0xD8, 0xFF] {
        return decode_jpeg(bytes);
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnknownFormat)?;
    let img = image::load_from_memory_with_format(bytes, format)?;
    Ok(pil_rgb8(img))
}

/// PIL's `convert("RGB")` of what `Image.open` makes of a 16-bit file: a grey one opens as mode
/// `I;16` and converts by clamping to 255 (not scaling); colour and grey+alpha ones open as 8-bit
/// modes holding each sample's high byte. Everything else converts as `image` does (8-bit data:
/// the same bytes as PIL, alpha dropped).
fn pil_rgb8(img: image::DynamicImage) -> RgbImage {
    use image::DynamicImage as D;
    let (w, h) = (img.width(), img.height());
    let rgb = |v: Vec<u8>| RgbImage::from_raw(w, h, v).expect("three samples per pixel");
    match img {
        D::ImageLuma16(g) => rgb(g.pixels().flat_map(|p| [p[0].min(255) as u8; 3]).collect()),
        D::ImageLumaA16(g) => rgb(g.pixels().flat_map(|p| [(p[0] >> 8) as u8; 3]).collect()),
        D::ImageRgb16(c) => rgb(c.as_raw().iter().map(|&v| (v >> 8) as u8).collect()),
        D::ImageRgba16(c) => rgb(c
            .pixels()
            .flat_map(|p| [p[0], p[1], p[2]].map(|v| (v >> 8) as u8))
            .collect()),
        other => other.to_rgb8(),
    }
}

/// Reads and decodes an image file; the error names the file.
pub fn load_rgb(path: &Path) -> Result<RgbImage, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    decode_rgb(&bytes).map_err(|cause| DataError::Decode {
        path: path.to_path_buf(),
        cause: Box::new(cause),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::jpeg;

    #[test]
    fn rgb_and_grayscale_jpegs_decode_to_rgb() {
        let img = decode_rgb(&jpeg(33, 17, false)).unwrap();
        assert_eq!(img.dimensions(), (33, 17));
        let gray = decode_rgb(&jpeg(20, 10, true)).unwrap();
        assert_eq!(gray.dimensions(), (20, 10));
        assert!(
            gray.pixels().all(|p| p[0] == p[1] && p[1] == p[2]),
            "grayscale is replicated"
        );
    }

    #[test]
    fn png_is_recognised_by_content_not_name() {
        let img = RgbImage::from_fn(9, 5, |x, y| image::Rgb([x as u8 * 20, y as u8 * 40, 7]));
        let png = crate::world::write::encode_png(img.as_raw(), 9, 5);
        assert_eq!(decode_rgb(&png).unwrap(), img, "PNG decodes exactly");
    }

    #[test]
    fn truncated_and_garbage_files_are_errors() {
        let full = jpeg(64, 64, false);
        let cut = &full[..full.len() * 2 / 3];
        let e = decode_rgb(cut).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
        assert!(
            decode_rgb(b"not an image at all")
                .unwrap_err()
                .to_string()
                .contains("unrecognised")
        );
        assert!(
            decode_rgb(b"\xFF\xD8\xFF")
                .unwrap_err()
                .to_string()
                .contains("too short")
        );
        // Trailing bytes after the end marker are fine (PIL ignores them too).
        let mut padded = full.clone();
        padded.extend_from_slice(b"trailing junk");
        assert!(decode_rgb(&padded).is_ok());
    }

    #[test]
    fn a_decode_error_names_the_file_and_keeps_its_cause() {
        use std::error::Error;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.JPEG");
        std::fs::write(&path, b"not an image at all").unwrap();
        let e = load_rgb(&path).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "x.JPEG: cannot decode image: unrecognised image format (not JPEG or PNG)"
            )
        );
        let cause = e.source().expect("the decode error is the source");
        assert!(matches!(
            cause.downcast_ref::<Box<DecodeError>>().map(|b| &**b),
            Some(DecodeError::UnknownFormat)
        ));
    }

    #[test]
    fn cmyk_conversion_follows_pil() {
        // Pillow: cmyk2rgb on ink values; Adobe files store 255 - ink.
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0], false), vec![255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 0], false), vec![0, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[100, 50, 0, 128], false), vec![77, 102, 127]);
        assert_eq!(cmyk_to_rgb(&[155, 205, 255, 127], true), vec![77, 102, 127]);
    }
}
