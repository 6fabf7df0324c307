//! Small multiples of scatter plots: overall accuracy against each factor's accuracy, one panel
//! per factor, coloured (and shaped) by group, with the identity line (the toolkit's
//! `factor_scatterplot`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CATEGORICAL, Hover, Msg, Plot, font};

/// One panel: points per group.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPanel {
    pub title: String,
    /// Per group, (x, y) points.
    pub points: Vec<Vec<(f64, f64)>>,
}

/// Panels sharing axes and groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    pub panels: Vec<ScatterPanel>,
    pub groups: Vec<String>,
    pub x_label: String,
    pub y_label: String,
    pub cols: usize,
    /// Axis range of both axes.
    pub range: (f64, f64),
    /// A group drawn in light grey underneath the others (models outside the compared groups).
    pub muted: Option<usize>,
}

const GREY: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);

impl Scatter {
    fn color(&self, g: usize) -> RGBColor {
        if self.muted == Some(g) {
            GREY
        } else {
            CATEGORICAL[g % CATEGORICAL.len()]
        }
    }
}

impl Plot for Scatter {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols).max(1) as u32;
        (self.cols as u32 * 220 + 20, rows * 215 + 60)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let (legend, body) = root.split_vertically(54);
        let width = root.dim_in_pixel().0 as i32;
        let (mut x, mut y) = (20, 14);
        for (g, name) in self.groups.iter().enumerate() {
            let step = 7 * name.chars().count() as i32 + 40;
            if x + step > width {
                (x, y) = (20, y + 22);
            }
            draw_marker(&legend, g, (x + 6, y), self.color(g), 5)?;
            legend
                .draw(&Text::new(
                    name.clone(),
                    (x + 16, y),
                    font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .m()?;
            x += step;
        }
        let rows = self.panels.len().div_ceil(self.cols).max(1);
        let areas = body.split_evenly((rows, self.cols));
        let (lo, hi) = self.range;
        for (panel, area) in self.panels.iter().zip(areas) {
            let mut chart = ChartBuilder::on(&area)
                .caption(panel.title.replace('_', " "), font(13.0))
                .margin(4)
                .x_label_area_size(30)
                .y_label_area_size(38)
                .build_cartesian_2d(lo..hi, lo..hi)
                .m()?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_labels(4)
                .y_labels(4)
                .light_line_style(RGBColor(240, 240, 240))
                .label_style(font(10.0))
                .axis_desc_style(font(10.5))
                .draw()
                .m()?;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(lo, lo), (hi, hi)],
                    5,
                    4,
                    RGBColor(90, 90, 90).stroke_width(1),
                ))
                .m()?;
            let base = area.get_base_pixel();
            let order = self
                .muted
                .into_iter()
                .chain((0..panel.points.len()).filter(|g| Some(*g) != self.muted));
            for g in order {
                let (pts, color) = (&panel.points[g], self.color(g));
                for p in pts {
                    let (x, y) = chart.backend_coord(p);
                    draw_marker(
                        &area,
                        g,
                        (x - base.0, y - base.1),
                        color.mix(0.7).to_rgba(),
                        3,
                    )?;
                }
            }
        }
        Ok(Vec::new())
    }
}

/// Circle, triangle, square or cross by group: groups stay apart in grayscale.
fn draw_marker<DB: DrawingBackend, C: Color>(
    area: &DrawingArea<DB, Shift>,
    group: usize,
    (x, y): (i32, i32),
    color: C,
    r: i32,
) -> Result<(), String> {
    let style = ShapeStyle {
        color: color.to_rgba(),
        filled: true,
        stroke_width: 1,
    };
    match group % 4 {
        0 => area.draw(&Circle::new((x, y), r, style)).m(),
        1 => area
            .draw(&Polygon::new(
                vec![(x, y - r - 1), (x - r - 1, y + r), (x + r + 1, y + r)],
                style,
            ))
            .m(),
        2 => area
            .draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], style))
            .m(),
        _ => {
            let s = ShapeStyle {
                filled: false,
                stroke_width: 2,
                ..style
            };
            area.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], s))
                .m()?;
            area.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], s))
                .m()
        }
    }
}
