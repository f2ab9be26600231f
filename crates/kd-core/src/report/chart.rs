//! SVG charts with plotters, in one style for every paper: curves with error bars (sweeps,
//! training curves) and bar charts with error bars.

use std::path::Path;

use plotters::prelude::*;

use super::stats::MeanStd;
use super::write_atomic;
use crate::error::{KdError, Result};

const SIZE: (u32, u32) = (720, 460);
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// One curve: points (x, mean ± std).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, MeanStd)>,
}

fn chart_err(e: impl std::fmt::Display) -> KdError {
    KdError::Report(format!("chart: {e}"))
}

/// The range covering all `(low, high)` pairs with a margin: 8% of the span on a linear axis, a
/// factor of 1.15 on a logarithmic one (which needs positive bounds).
fn bounds(values: impl Iterator<Item = (f64, f64)>, log: bool) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| {
        (lo.min(a), hi.max(b))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (if log { 0.1 } else { 0.0 }, 1.0);
    }
    if log {
        let lo = lo.max(f64::MIN_POSITIVE);
        return (lo / 1.15, hi.max(lo) * 1.15);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (lo - pad, hi + pad)
}

/// Curves over x with error bars; `log_x` for a logarithmic x axis.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let xs = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| (p.0, p.0)));
        let (x0, x1) = bounds(xs, log_x);
        let ys = series.iter().flat_map(|s| {
            s.points
                .iter()
                .map(|(_, m)| (m.mean - m.std, m.mean + m.std))
        });
        let (y0, y1) = bounds(ys, false);
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(x_label)
                    .y_desc(y_label)
                    .light_line_style(RGBColor(238, 238, 238))
                    .draw()
                    .map_err(chart_err)?;
                for (i, s) in series.iter().enumerate() {
                    let color = PALETTE[i % PALETTE.len()];
                    chart
                        .draw_series(LineSeries::new(
                            s.points.iter().map(|(x, m)| (*x, m.mean)),
                            color.stroke_width(2),
                        ))
                        .map_err(chart_err)?
                        .label(s.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                        });
                    chart
                        .draw_series(s.points.iter().map(|(x, m)| {
                            ErrorBar::new_vertical(
                                *x,
                                m.mean - m.std,
                                m.mean,
                                m.mean + m.std,
                                color.filled(),
                                6,
                            )
                        }))
                        .map_err(chart_err)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(chart_err)?;
            }};
        }
        if log_x {
            draw!(
                builder
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(chart_err)?
            );
        } else {
            draw!(
                builder
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(chart_err)?
            );
        }
        root.present().map_err(chart_err)?;
    }
    write_atomic(path, svg.as_bytes())
}

/// Bars (mean) with error bars (± std), one per label.
pub fn bar_chart(
    path: &Path,
    title: &str,
    y_label: &str,
    bars: &[(String, MeanStd)],
) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let top = bars
            .iter()
            .map(|(_, m)| m.mean + m.std)
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.15;
        let n = bars.len();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..top)
            .map_err(chart_err)?;
        let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_label)
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(chart_err)?;
        for (i, (_, m)) in bars.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), m.mean),
                    ],
                    color.mix(0.75).filled(),
                )))
                .map_err(chart_err)?;
            chart
                .draw_series(std::iter::once(ErrorBar::new_vertical(
                    SegmentValue::CenterOf(i),
                    m.mean - m.std,
                    m.mean,
                    m.mean + m.std,
                    BLACK.filled(),
                    10,
                )))
                .map_err(chart_err)?;
        }
        root.present().map_err(chart_err)?;
    }
    write_atomic(path, svg.as_bytes())
}

/// One group of bars per label in `groups`, one bar per series within each group, with error
/// bars; `log_y` for a logarithmic value axis (bars then start at the axis floor).
/// A value without a mean (`MeanStd::of(&[])`: the series has nothing for that group) draws
/// no bar.
pub fn grouped_bar_chart(
    path: &Path,
    title: &str,
    y_label: &str,
    groups: &[String],
    series: &[(String, Vec<MeanStd>)],
    log_y: bool,
) -> Result<()> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let spans = series.iter().flat_map(|(_, v)| {
            v.iter()
                .filter(|m| m.mean.is_finite())
                .map(|m| ((m.mean - m.std).max(m.mean * 0.5), m.mean + m.std))
        });
        let (mut y0, y1) = bounds(spans, log_y);
        if !log_y {
            y0 = y0.min(0.0);
        }
        let k = series.len().max(1);
        let n = groups.len();
        let mut builder = ChartBuilder::on(&root);
        let chart = builder
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70);
        let width = (n * (k + 1)) as f64;
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .y_desc(y_label)
                    .x_labels(0)
                    .draw()
                    .map_err(chart_err)?;
                for (g, name) in groups.iter().enumerate() {
                    let centre = (g * (k + 1)) as f64 + k as f64 / 2.0 + 0.5;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            name.clone(),
                            (centre - 0.4 * k as f64, y0),
                            ("sans-serif", 13),
                        )))
                        .map_err(chart_err)?;
                }
                for (s, (name, values)) in series.iter().enumerate() {
                    let color = PALETTE[s % PALETTE.len()];
                    // Groups without a value (no mean) draw no bar.
                    let drawn: Vec<(usize, &MeanStd)> = values
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| m.mean.is_finite())
                        .collect();
                    chart
                        .draw_series(drawn.iter().map(|&(g, m)| {
                            let left = (g * (k + 1) + s) as f64 + 0.5;
                            Rectangle::new(
                                [(left, y0), (left + 1.0, m.mean)],
                                color.mix(0.8).filled(),
                            )
                        }))
                        .map_err(chart_err)?
                        .label(name.clone())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                        });
                    chart
                        .draw_series(drawn.iter().map(|&(g, m)| {
                            let centre = (g * (k + 1) + s) as f64 + 1.0;
                            let low = if log_y {
                                (m.mean - m.std).max(y0)
                            } else {
                                m.mean - m.std
                            };
                            ErrorBar::new_vertical(
                                centre,
                                low,
                                m.mean,
                                m.mean + m.std,
                                BLACK.filled(),
                                6,
                            )
                        }))
                        .map_err(chart_err)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(chart_err)?;
            }};
        }
        if log_y {
            draw!(
                chart
                    .build_cartesian_2d(0.0..width, (y0..y1).log_scale())
                    .map_err(chart_err)?
            );
        } else {
            draw!(
                chart
                    .build_cartesian_2d(0.0..width, y0..y1)
                    .map_err(chart_err)?
            );
        }
        root.present().map_err(chart_err)?;
    }
    write_atomic(path, svg.as_bytes())
}

/// A panel of a heat-map figure: values on a `nx` x `ny` grid (row-major, y outer) over
/// `x_range` x `y_range`, with optional marked points.
pub struct HeatPanel {
    pub title: String,
    pub values: Vec<f64>,
    pub points: Vec<(f64, f64)>,
}

/// Panels side by side on one shared colour scale (viridis-like), e.g. a true function beside
/// two fits.
pub fn heatmaps(
    path: &Path,
    title: &str,
    panels: &[HeatPanel],
    grid: (usize, usize),
    x_range: (f64, f64),
    y_range: (f64, f64),
) -> Result<()> {
    let (nx, ny) = grid;
    let (lo, hi) = panels
        .iter()
        .flat_map(|p| p.values.iter().copied())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let span = (hi - lo).max(1e-12);
    let mut svg = String::new();
    {
        let width = 300 * panels.len() as u32 + 40;
        let root = SVGBackend::with_string(&mut svg, (width, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let root = root.titled(title, ("sans-serif", 20)).map_err(chart_err)?;
        let areas = root.split_evenly((1, panels.len()));
        let dx = (x_range.1 - x_range.0) / nx as f64;
        let dy = (y_range.1 - y_range.0) / ny as f64;
        for (area, panel) in areas.iter().zip(panels) {
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, ("sans-serif", 15))
                .margin(8)
                .x_label_area_size(25)
                .y_label_area_size(35)
                .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
                .map_err(chart_err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(3)
                .y_labels(3)
                .draw()
                .map_err(chart_err)?;
            chart
                .draw_series(
                    (0..ny)
                        .flat_map(|j| (0..nx).map(move |i| (i, j)))
                        .map(|(i, j)| {
                            let t = (panel.values[j * nx + i] - lo) / span;
                            let x = x_range.0 + i as f64 * dx;
                            let y = y_range.0 + j as f64 * dy;
                            Rectangle::new([(x, y), (x + dx, y + dy)], colormap(t).filled())
                        }),
                )
                .map_err(chart_err)?;
            chart
                .draw_series(
                    panel
                        .points
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, WHITE.filled())),
                )
                .map_err(chart_err)?;
        }
        root.present().map_err(chart_err)?;
    }
    write_atomic(path, svg.as_bytes())
}

/// A perceptually ordered dark-blue -> green -> yellow ramp for t in [0, 1].
fn colormap(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_written_as_svg() {
        let tmp = tempfile::tempdir().unwrap();
        let m = |v: f64| MeanStd::of(&[v, v + 1.0]);
        let s = vec![Series {
            name: "30 units".into(),
            points: vec![(1.0, m(5.0)), (2.5, m(3.0)), (20.0, m(4.0))],
        }];
        let p = tmp.path().join("a.svg");
        line_chart(&p, "sweep", "T", "errors", &s, true).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("<svg"));
        assert!(text.contains("30 units"));
        let p = tmp.path().join("b.svg");
        bar_chart(&p, "bars", "errors", &[("teacher".into(), m(60.0))]).unwrap();
        assert!(std::fs::read_to_string(&p).unwrap().contains("teacher"));
    }

    #[test]
    fn log_axis_bounds_stay_around_the_data() {
        let (lo, hi) = bounds([(1.0, 1.0), (20.0, 20.0)].into_iter(), true);
        assert!(lo > 0.8 && lo < 1.0 && hi > 20.0 && hi < 25.0, "{lo} {hi}");
        let (lo, hi) = bounds([(1.0, 1.0), (3.0, 3.0)].into_iter(), false);
        assert!(lo < 1.0 && hi > 3.0);
    }
}
