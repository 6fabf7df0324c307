//! Line and point charts: the strength-trend panels (one dot per run and the cubic fit, as the
//! toolkit's `augmentation_effect` figure), top-1 against strength, and training curves.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use spillover_factors::stats::polyval;

use super::{CATEGORICAL, FAMILY, Hover, Msg, Plot, font};

/// One panel of [`Trends`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPanel {
    pub title: String,
    /// (strength, error ratio), one per run.
    pub points: Vec<(f64, f64)>,
    /// Cubic coefficients, highest power first.
    pub fit: Option<Vec<f64>>,
    /// Printed under the title (effect and p-value).
    pub note: String,
    /// Improved (blue) or worsened (red).
    pub improved: bool,
}

/// Small multiples of error ratio against strength.
#[derive(Debug, Clone, PartialEq)]
pub struct Trends {
    pub panels: Vec<TrendPanel>,
    pub x_label: String,
    pub y_label: String,
    pub cols: usize,
}

const BLUE: RGBColor = RGBColor(0x21, 0x66, 0xac);
const RED: RGBColor = RGBColor(0xb2, 0x18, 0x2b);

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    (lo - pad, hi + pad)
}

impl Plot for Trends {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols).max(1) as u32;
        (self.cols as u32 * 260 + 20, rows * 230 + 10)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let rows = self.panels.len().div_ceil(self.cols).max(1);
        let areas = root.margin(5, 5, 5, 15).split_evenly((rows, self.cols));
        for (panel, area) in self.panels.iter().zip(areas) {
            let color = if panel.improved { BLUE } else { RED };
            let (x0, x1) = range(panel.points.iter().map(|p| p.0));
            let (y0, y1) = range(panel.points.iter().map(|p| p.1));
            // Headroom for the note under the title.
            let y1 = y1 + (y1 - y0) * 0.18;
            let mut chart = ChartBuilder::on(&area)
                .caption(
                    panel.title.replace('_', " "),
                    (FAMILY, 15).into_font().color(&color),
                )
                .margin(6)
                .x_label_area_size(34)
                .y_label_area_size(44)
                .build_cartesian_2d(x0..x1, y0..y1)
                .m()?;
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_labels(5)
                .y_labels(5)
                .light_line_style(RGBColor(235, 235, 235))
                .label_style(font(11.0))
                .axis_desc_style(font(12.0))
                .draw()
                .m()?;
            let dot = color.mix(0.35).filled();
            chart
                .draw_series(panel.points.iter().map(|&p| Circle::new(p, 2, dot)))
                .m()?;
            if let Some(p) = &panel.fit {
                let line: Vec<(f64, f64)> = (0..=100)
                    .map(|k| {
                        let x = x0 + (x1 - x0) * k as f64 / 100.0;
                        (x, polyval(p, x))
                    })
                    .filter(|(_, y)| *y >= y0 && *y <= y1)
                    .collect();
                chart
                    .draw_series(LineSeries::new(line, color.stroke_width(2)))
                    .m()?;
            }
            let (px, py) = chart.backend_coord(&(x0, y1));
            let style = font(11.0).pos(Pos::new(HPos::Left, VPos::Top));
            area.draw(&Text::new(
                panel.note.clone(),
                (
                    px + 4 - area.get_base_pixel().0,
                    py + 3 - area.get_base_pixel().1,
                ),
                style,
            ))
            .m()?;
        }
        Ok(Vec::new())
    }
}

/// One series of an [`XyChart`]: dots and an optional line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub line: Vec<(f64, f64)>,
}

/// Dots and lines of several series on shared axes, with an optional reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct XyChart {
    pub series: Vec<Series>,
    pub x_label: String,
    pub y_label: String,
    /// A horizontal reference (value, label), e.g. the baseline's mean.
    pub reference: Option<(f64, String)>,
}

impl Plot for XyChart {
    fn size(&self) -> (u32, u32) {
        (640, 360)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let (x0, x1) = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
        );
        let (y0, y1) = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .chain(self.reference.iter().map(|r| r.0)),
        );
        // Room under the data for the legend (lower left).
        let y0 = y0 - (y1 - y0) * 0.3;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .m()?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(font(12.0))
            .axis_desc_style(font(13.0))
            .draw()
            .m()?;
        if let Some((v, label)) = &self.reference {
            let style = RGBColor(90, 90, 90).stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, *v), (x1, *v)], 6, 4, style))
                .m()?
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        }
        for (k, s) in self.series.iter().enumerate() {
            let color = CATEGORICAL[k % CATEGORICAL.len()];
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| Circle::new(p, 3, color.mix(0.5).filled())),
                )
                .m()?
                .label(s.name.as_str())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
            if !s.line.is_empty() {
                chart
                    .draw_series(LineSeries::new(s.line.clone(), color.stroke_width(2)))
                    .m()?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(font(12.0))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .m()?;
        Ok(Vec::new())
    }
}

/// (epoch, train loss, eval loss, train top-1, eval top-1).
pub type EpochPoint = (f64, f64, f64, f64, f64);

/// One run's training history for [`Curves`].
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePanel {
    pub title: String,
    pub epochs: Vec<EpochPoint>,
}

/// Small multiples of loss (left axis) and top-1 (right axis) per epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    pub panels: Vec<CurvePanel>,
    pub cols: usize,
}

impl Plot for Curves {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(self.cols).max(1) as u32;
        (self.cols as u32 * 250 + 20, rows * 200 + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<Hover>, String> {
        let (legend, body) = root.split_vertically(32);
        let items = [
            ("train loss", CATEGORICAL[0], false),
            ("eval loss", CATEGORICAL[0], true),
            ("train top-1 %", CATEGORICAL[4], false),
            ("eval top-1 %", CATEGORICAL[4], true),
        ];
        for (k, (name, color, dashed)) in items.iter().enumerate() {
            let x = 20 + k as i32 * 170;
            let style = color.stroke_width(2);
            if *dashed {
                legend
                    .draw(&PathElement::new(vec![(x, 16), (x + 8, 16)], style))
                    .m()?;
                legend
                    .draw(&PathElement::new(vec![(x + 14, 16), (x + 22, 16)], style))
                    .m()?;
            } else {
                legend
                    .draw(&PathElement::new(vec![(x, 16), (x + 22, 16)], style))
                    .m()?;
            }
            legend
                .draw(&Text::new(
                    name.to_string(),
                    (x + 28, 16),
                    font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .m()?;
        }
        let rows = self.panels.len().div_ceil(self.cols).max(1);
        let areas = body.split_evenly((rows, self.cols));
        for (panel, area) in self.panels.iter().zip(areas) {
            let last = panel.epochs.iter().map(|e| e.0).fold(1.0, f64::max);
            let loss_max = panel
                .epochs
                .iter()
                .flat_map(|e| [e.1, e.2])
                .filter(|v| v.is_finite())
                .fold(0.1, f64::max);
            let mut chart = ChartBuilder::on(&area)
                .caption(panel.title.as_str(), font(12.0))
                .margin(4)
                .x_label_area_size(28)
                .y_label_area_size(36)
                .right_y_label_area_size(46)
                .build_cartesian_2d(0.0..last, 0.0..loss_max * 1.05)
                .m()?
                .set_secondary_coord(0.0..last, 0.0..100.0);
            chart
                .configure_mesh()
                .x_desc("epoch")
                .y_desc("loss")
                .x_labels(4)
                .y_labels(4)
                .light_line_style(RGBColor(240, 240, 240))
                .label_style(font(10.0))
                .axis_desc_style(font(10.5))
                .draw()
                .m()?;
            chart
                .configure_secondary_axes()
                .y_desc("top-1 %")
                .y_labels(4)
                .label_style(font(10.0))
                .axis_desc_style(font(10.5))
                .draw()
                .m()?;
            let line = |f: fn(&EpochPoint) -> (f64, f64)| -> Vec<(f64, f64)> {
                panel
                    .epochs
                    .iter()
                    .map(f)
                    .filter(|p| p.1.is_finite())
                    .collect()
            };
            let loss = CATEGORICAL[0].stroke_width(2);
            let top1 = CATEGORICAL[4].stroke_width(2);
            chart
                .draw_series(LineSeries::new(line(|e| (e.0, e.1)), loss))
                .m()?;
            chart
                .draw_series(DashedLineSeries::new(line(|e| (e.0, e.2)), 5, 3, loss))
                .m()?;
            chart
                .draw_secondary_series(LineSeries::new(line(|e| (e.0, 100.0 * e.3)), top1))
                .m()?;
            chart
                .draw_secondary_series(DashedLineSeries::new(
                    line(|e| (e.0, 100.0 * e.4)),
                    5,
                    3,
                    top1,
                ))
                .m()?;
        }
        Ok(Vec::new())
    }
}
