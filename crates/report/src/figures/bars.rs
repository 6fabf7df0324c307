//! Grouped bars per factor with error bars and significance, as the toolkit's
//! `model_comparison` figure (bars of factors without a significant difference are faded).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CATEGORICAL, Hover, Msg, Plot, font};

/// One group's bar per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    pub name: String,
    pub values: Vec<f64>,
    /// Half-length of the error bar (NaN: none).
    pub errors: Vec<f64>,
}

/// Grouped bars.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub categories: Vec<String>,
    pub groups: Vec<BarGroup>,
    /// Per category: significant difference between the groups (None: no test).
    pub significant: Vec<Option<bool>>,
    pub y_label: String,
    /// A horizontal reference line (error ratio 1).
    pub reference: Option<f64>,
    /// Hover text per category.
    pub hovers: Vec<String>,
}

impl Plot for Bars {
    fn size(&self) -> (u32, u32) {
        let per = (self.groups.len() as u32 * 11).max(22) + 14;
        (self.categories.len() as u32 * per + 120, 400)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let n = self.categories.len();
        let top = self
            .groups
            .iter()
            .flat_map(|g| {
                g.values
                    .iter()
                    .zip(&g.errors)
                    .map(|(v, e)| v + if e.is_finite() { *e } else { 0.0 })
            })
            .filter(|v| v.is_finite())
            .fold(self.reference.unwrap_or(0.0), f64::max);
        let (legend, body) = root.split_vertically(30);
        let mut chart = ChartBuilder::on(&body)
            .margin(10)
            .margin_top(18)
            .x_label_area_size(110)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..n as f64, 0.0..top * 1.08)
            .m()?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(self.y_label.as_str())
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .draw()
            .m()?;
        let k = self.groups.len().max(1) as f64;
        let width = 0.8 / k;
        for (g, group) in self.groups.iter().enumerate() {
            let color = CATEGORICAL[g % CATEGORICAL.len()];
            for (c, (&v, &e)) in group.values.iter().zip(&group.errors).enumerate() {
                if !v.is_finite() {
                    continue;
                }
                let faded = self.significant[c] == Some(false);
                let x0 = c as f64 + 0.1 + g as f64 * width;
                let style = if faded {
                    color.mix(0.3).filled()
                } else {
                    color.filled()
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, 0.0), (x0 + width, v)],
                        style,
                    )))
                    .m()?;
                if e.is_finite() {
                    let xm = x0 + width / 2.0;
                    let lo = (v - e).max(0.0);
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(xm, lo), (xm, v + e)],
                            RGBColor(60, 60, 60).stroke_width(1),
                        )))
                        .m()?;
                }
            }
        }
        if let Some(r) = self.reference {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, r), (n as f64, r)],
                    6,
                    4,
                    BLACK.stroke_width(1),
                ))
                .m()?;
        }
        let base = body.get_base_pixel();
        let mut hovers = Vec::new();
        for (c, name) in self.categories.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
            let style = font(12.0)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            body.draw(&Text::new(
                name.replace('_', " "),
                (x - base.0, y - base.1 + 6),
                style,
            ))
            .m()?;
            if self.significant[c] == Some(true) {
                let (sx, sy) = chart.backend_coord(&(c as f64 + 0.5, top * 1.04));
                body.draw(&Text::new(
                    "*",
                    (sx - base.0, sy - base.1),
                    font(16.0).pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .m()?;
            }
            let (x0, y0) = chart.backend_coord(&(c as f64, top * 1.08));
            let (x1, y1) = chart.backend_coord(&(c as f64 + 1.0, 0.0));
            if let Some(text) = self.hovers.get(c) {
                hovers.push(Hover {
                    x: x0,
                    y: y0,
                    w: x1 - x0,
                    h: y1 - y0,
                    text: text.clone(),
                });
            }
        }
        let mut x = 60;
        for (g, group) in self.groups.iter().enumerate() {
            let color = CATEGORICAL[g % CATEGORICAL.len()];
            if g > 0 {
                x += 7 * self.groups[g - 1].name.chars().count() as i32 + 44;
            }
            legend
                .draw(&Rectangle::new([(x, 10), (x + 14, 24)], color.filled()))
                .m()?;
            legend
                .draw(&Text::new(
                    group.name.clone(),
                    (x + 20, 17),
                    font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .m()?;
        }
        Ok(hovers)
    }
}
