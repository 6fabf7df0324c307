//! Figures drawn with plotters: SVG for the page (with `<title>` hover overlays) and PNG through
//! the bitmap backend, with the shipped DejaVu Sans so no system font is needed.

mod bars;
mod colors;
mod heatmap;
mod lines;
mod scatter;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use bars::{BarGroup, Bars};
pub use colors::{CATEGORICAL, diverging, text_on};
pub use heatmap::Heatmap;
pub use lines::{CurvePanel, Curves, Series, TrendPanel, Trends, XyChart};
pub use scatter::{Scatter, ScatterPanel};

use crate::error::ReportError;

/// The font of every figure (DejaVu Sans 2.37, Bitstream Vera licence: assets/DejaVuSans.LICENSE).
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
/// Font family written into the SVGs: the browser's default sans-serif (nothing is fetched).
pub(crate) const FAMILY: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// A rectangle of the SVG with a hover text (`<title>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Hover {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub text: String,
}

/// Something that can be drawn on any plotters backend.
pub trait Plot: Sync {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>)
    -> Result<Vec<Hover>, String>;
}

/// A rendered figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem under `figures/`.
    pub name: String,
    pub title: String,
    /// What the reader sees and how to read it.
    pub caption: String,
    pub svg: String,
    pub png: Option<Vec<u8>>,
}

/// Draws `plot` as SVG (with hover overlays) and, if `png`, as PNG.
pub fn render<P: Plot>(
    name: &str,
    title: &str,
    caption: &str,
    plot: &P,
    png: bool,
) -> Result<Figure, ReportError> {
    register_font();
    let fail = |message: String| ReportError::Plot {
        name: name.to_string(),
        message,
    };
    let size = plot.size();
    let mut svg = String::new();
    let hovers = {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        let hovers = plot.draw(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
        hovers
    };
    let svg = add_hovers(&svg, &hovers, title);
    let png = if png {
        let mut buf = vec![255u8; size.0 as usize * size.1 as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            plot.draw(&root).map_err(fail)?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        Some(encode_png(&buf, size).map_err(fail)?)
    } else {
        None
    };
    Ok(Figure {
        name: name.to_string(),
        title: title.to_string(),
        caption: caption.to_string(),
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
    .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Adds `role="img"`, an accessible title and transparent hover rectangles to plotters' SVG.
fn add_hovers(svg: &str, hovers: &[Hover], title: &str) -> String {
    let mut out = String::with_capacity(svg.len() + hovers.len() * 120);
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j))
    else {
        return svg.to_string();
    };
    out.push_str(&svg[..open_end]);
    out.push_str(" role=\"img\">");
    out.push_str(&format!("<title>{}</title>", escape(title)));
    let body_end = svg.rfind("</svg>").unwrap_or(svg.len());
    out.push_str(&svg[open_end + 1..body_end]);
    if !hovers.is_empty() {
        out.push_str("<g class=\"hover\" fill=\"#ffffff\" fill-opacity=\"0\">");
        for h in hovers {
            out.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>",
                h.x,
                h.y,
                h.w,
                h.h,
                escape(&h.text)
            ));
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>\n");
    out
}

/// Escapes text for HTML / SVG.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Maps any displayable drawing error to a message.
pub(crate) trait Msg<T> {
    fn m(self) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Msg<T> for Result<T, E> {
    fn m(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

/// A text style of the figures' font.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font())
}
