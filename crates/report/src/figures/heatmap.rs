//! A labelled heatmap with a value printed in every cell, outlined cells, a colour bar and a
//! hover text per cell: the spill-over matrix and the correlation matrices.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Hover, Msg, Plot, diverging, font, text_on};

/// A heatmap on a diverging scale centred at `center`.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// The value that sets the colour (NaN: grey).
    pub values: Vec<Vec<f64>>,
    pub center: f64,
    /// Values at `center ± limit` get the darkest colours.
    pub limit: f64,
    /// The text printed in each cell.
    pub labels: Vec<Vec<String>>,
    /// Cells outlined in black (significant).
    pub marks: Vec<Vec<bool>>,
    pub hovers: Vec<Vec<String>>,
    /// Caption of the colour bar.
    pub legend: String,
    pub cell: (u32, u32),
}

const LABEL: f64 = 13.0;
/// Smallest height of the colour bar.
const BAR_MIN: u32 = 100;
const VALUE: f64 = 11.5;

impl Heatmap {
    fn margins(&self) -> (u32, u32) {
        let chars = |v: &[String]| v.iter().map(|s| s.chars().count()).max().unwrap_or(0) as u32;
        (chars(&self.rows) * 8 + 16, chars(&self.cols) * 8 + 16)
    }
}

impl Plot for Heatmap {
    fn size(&self) -> (u32, u32) {
        let (left, top) = self.margins();
        let w = left + self.cols.len() as u32 * self.cell.0 + 90;
        let h = top + (self.rows.len() as u32 * self.cell.1).max(BAR_MIN) + 34;
        (w, h)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let (left, top) = self.margins();
        let (cw, ch) = (self.cell.0 as i32, self.cell.1 as i32);
        let (left, top) = (left as i32, top as i32);
        let mut hovers = Vec::new();
        for (j, col) in self.cols.iter().enumerate() {
            let x = left + j as i32 * cw + cw / 2;
            let style = font(LABEL)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(col.replace('_', " "), (x, top - 6), style))
                .m()?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let y = top + i as i32 * ch;
            let style = font(LABEL).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(row.clone(), (left - 6, y + ch / 2), style))
                .m()?;
            for j in 0..self.cols.len() {
                let x = left + j as i32 * cw;
                let v = self.values[i][j];
                if v.is_nan() && self.hovers[i][j].is_empty() {
                    continue; // masked (e.g. the upper triangle of a symmetric matrix)
                }
                let color = diverging((v - self.center) / self.limit);
                root.draw(&Rectangle::new([(x, y), (x + cw, y + ch)], color.filled()))
                    .m()?;
                if self.marks[i][j] {
                    root.draw(&Rectangle::new(
                        [(x + 1, y + 1), (x + cw - 2, y + ch - 2)],
                        BLACK.stroke_width(2),
                    ))
                    .m()?;
                }
                let text = &self.labels[i][j];
                if !text.is_empty() {
                    let ink = text_on(color);
                    let style = font(VALUE)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    root.draw(&Text::new(text.clone(), (x + cw / 2, y + ch / 2), style))
                        .m()?;
                }
                hovers.push(Hover {
                    x,
                    y,
                    w: cw,
                    h: ch,
                    text: self.hovers[i][j].clone(),
                });
            }
        }
        // Grid lines between cells, so that neighbouring pale cells stay apart.
        let bottom = top + self.rows.len() as i32 * ch;
        let right = left + self.cols.len() as i32 * cw;
        let grid = RGBColor(255, 255, 255).stroke_width(1);
        for j in 0..=self.cols.len() as i32 {
            root.draw(&PathElement::new(
                vec![(left + j * cw, top), (left + j * cw, bottom)],
                grid,
            ))
            .m()?;
        }
        for i in 0..=self.rows.len() as i32 {
            root.draw(&PathElement::new(
                vec![(left, top + i * ch), (right, top + i * ch)],
                grid,
            ))
            .m()?;
        }
        let bar = (self.rows.len() as i32 * ch).clamp(BAR_MIN as i32, 200);
        self.colour_bar(root, right + 20, top, bar)?;
        let style = font(12.0).pos(Pos::new(HPos::Left, VPos::Top));
        let below = top + (self.rows.len() as i32 * ch).max(BAR_MIN as i32) + 10;
        root.draw(&Text::new(
            format!("colour: {}", self.legend),
            (left, below),
            style,
        ))
        .m()?;
        Ok(hovers)
    }
}

impl Heatmap {
    fn colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: i32,
        top: i32,
        height: i32,
    ) -> Result<(), String> {
        let steps = 40;
        for k in 0..steps {
            let t = 1.0 - 2.0 * (k as f64 + 0.5) / steps as f64;
            let y0 = top + k * height / steps;
            let y1 = top + (k + 1) * height / steps;
            root.draw(&Rectangle::new(
                [(x, y0), (x + 14, y1)],
                diverging(t).filled(),
            ))
            .m()?;
        }
        root.draw(&Rectangle::new(
            [(x, top), (x + 14, top + height)],
            BLACK.stroke_width(1),
        ))
        .m()?;
        let tick = |v: f64| super::super::verdict::signed(v, 2);
        for (frac, v) in [
            (0.0, self.center + self.limit),
            (0.5, self.center),
            (1.0, self.center - self.limit),
        ] {
            let y = top + (frac * height as f64) as i32;
            let style = font(11.0).pos(Pos::new(HPos::Left, VPos::Center));
            let text = if self.center == 0.0 {
                tick(v)
            } else {
                format!("{v:.2}")
            };
            root.draw(&Text::new(text, (x + 18, y), style)).m()?;
        }
        Ok(())
    }
}
