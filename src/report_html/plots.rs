//! The report's figures as SVG text, drawn with plotters' SVG backend.
//!
//! Two kinds of figure cover every plot of the report: a grid of line panels (metric vs
//! speed, one panel per incline; activation vs gait cycle, one panel per muscle) and a bar
//! chart of concentric and eccentric work per muscle group. Each figure carries its title and
//! legend in a strip above the panels, so no legend hides data. The callers pass only finite
//! numbers (see `data.rs`); the ranges here are guarded anyway, because plotters would write a
//! NaN coordinate into the SVG. Text needs no font: the SVG backend writes `<text>` elements
//! and estimates their size.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Colour of forward walking in every figure.
pub const FORWARD: RGBColor = RGBColor(31, 119, 180);
/// Colour of backward walking in every figure (orange: tells apart from blue for most
/// colour-vision deficiencies).
pub const BACKWARD: RGBColor = RGBColor(230, 115, 0);

/// Height of the title and legend strip [px].
const HEADER_PX: u32 = 58;

/// One line of a panel.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text (the figure's legend lists each label once).
    pub label: String,
    /// Colour.
    pub color: RGBColor,
    /// Points in drawing order; a single point is drawn as a marker.
    pub points: Vec<(f64, f64)>,
    /// How the points are drawn.
    pub style: Style,
}

/// The mark of a legend entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A line with a dot.
    Line,
    /// A cross (left-out trials).
    Cross,
    /// A filled box (bars).
    Bar,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line with a dot at every point (sparse data such as speeds).
    LineDots,
    /// A line only (dense curves).
    Line,
    /// Crosses only, no line: trials shown but left out of the means (falls).
    Crosses,
}

/// One panel of a grid.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Panel title, e.g. `Tibiofemoral, level (0 %)`.
    pub title: String,
    /// X-axis label with unit.
    pub x_label: String,
    /// Y-axis label with unit.
    pub y_label: String,
    /// X range.
    pub x_range: (f64, f64),
    /// Y range.
    pub y_range: (f64, f64),
    /// Lines.
    pub series: Vec<Series>,
}

/// A titled grid of panels with one legend.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Title drawn above the panels.
    pub title: String,
    /// Legend entries (label, colour, mark).
    pub legend: Vec<(String, RGBColor, Mark)>,
    /// Panels per row.
    pub cols: usize,
    /// Size of one panel \[px\].
    pub panel_px: (u32, u32),
    /// Panels, row by row.
    pub panels: Vec<Panel>,
}

/// A range that includes `values` (and zero if asked), padded by 5 %, never empty or
/// non-finite; `fallback` when there are no finite values.
pub fn range(
    values: impl IntoIterator<Item = f64>,
    include_zero: bool,
    fallback: (f64, f64),
) -> (f64, f64) {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return fallback;
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let span = hi - lo;
    let pad = if span > 1e-9 {
        0.05 * span
    } else {
        0.1 * hi.abs().max(1.0)
    };
    let lo = if include_zero && lo >= 0.0 {
        0.0
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

fn err(e: impl std::fmt::Display) -> String {
    format!("the figure could not be drawn: {e}")
}

/// Draws the title and the legend in the strip at the top of a figure.
fn header(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    legend: &[(String, RGBColor, Mark)],
) -> Result<(), String> {
    area.draw(&Text::new(
        title.to_owned(),
        (12, 8),
        ("sans-serif", 22).into_font().style(FontStyle::Bold),
    ))
    .map_err(err)?;
    let mut x = 14;
    for (label, color, mark) in legend {
        match mark {
            Mark::Cross => area
                .draw(&Cross::new((x + 13, 44), 6, color.stroke_width(2)))
                .map_err(err)?,
            Mark::Bar => area
                .draw(&Rectangle::new([(x + 4, 36), (x + 22, 52)], color.filled()))
                .map_err(err)?,
            Mark::Line => {
                area.draw(&PathElement::new(
                    vec![(x, 44), (x + 26, 44)],
                    color.stroke_width(3),
                ))
                .map_err(err)?;
                area.draw(&Circle::new((x + 13, 44), 4, color.filled()))
                    .map_err(err)?;
            }
        }
        area.draw(&Text::new(
            label.clone(),
            (x + 32, 37),
            ("sans-serif", 17).into_font(),
        ))
        .map_err(err)?;
        x += 32 + 7 * label.chars().count() as i32 + 28;
    }
    Ok(())
}

/// Renders a grid of line panels as SVG text.
pub fn line_figure(fig: &Figure) -> Result<String, String> {
    let cols = fig.cols.max(1);
    let rows = fig.panels.len().div_ceil(cols).max(1);
    let (pw, ph) = fig.panel_px;
    let size = (pw * cols as u32, ph * rows as u32 + HEADER_PX);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, body) = root.split_vertically(HEADER_PX);
        header(&top, &fig.title, &fig.legend)?;
        for (area, panel) in body.split_evenly((rows, cols)).iter().zip(&fig.panels) {
            draw_panel(area, panel)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

fn safe(r: (f64, f64)) -> std::ops::Range<f64> {
    let (lo, hi) = if r.0.is_finite() && r.1.is_finite() && r.1 > r.0 {
        r
    } else {
        (0.0, 1.0)
    };
    lo..hi
}

/// Tick labels with as many decimals as the axis span needs (`20`, not `20.0`; `0.25`).
fn tick_format(r: (f64, f64)) -> impl Fn(&f64) -> String {
    let span = (r.1 - r.0).abs();
    let digits = if !span.is_finite() || span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    };
    move |v: &f64| {
        // Avoid "-0".
        let v = if v.abs() < 1e-12 { 0.0 } else { *v };
        format!("{v:.digits$}")
    }
}

fn draw_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, p: &Panel) -> Result<(), String> {
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 19))
        .margin(10)
        // Room for the last tick label, centred on the right edge of the plot.
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(62)
        .build_cartesian_2d(safe(p.x_range), safe(p.y_range))
        .map_err(err)?;
    let x_fmt = tick_format(p.x_range);
    let y_fmt = tick_format(p.y_range);
    chart
        .configure_mesh()
        .x_desc(&p.x_label)
        .y_desc(&p.y_label)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)?;
    let finite = |&&(x, y): &&(f64, f64)| x.is_finite() && y.is_finite();
    let mut drawn = false;
    for s in &p.series {
        let points: Vec<(f64, f64)> = s.points.iter().filter(finite).copied().collect();
        if points.is_empty() {
            continue;
        }
        drawn = true;
        if s.style != Style::Crosses {
            chart
                .draw_series(LineSeries::new(points.clone(), s.color.stroke_width(2)))
                .map_err(err)?;
        }
        if s.style == Style::LineDots || (s.style == Style::Line && points.len() == 1) {
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, s.color.filled())))
                .map_err(err)?;
        }
        if s.style == Style::Crosses {
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Cross::new(p, 6, s.color.stroke_width(2))),
                )
                .map_err(err)?;
        }
    }
    if !drawn {
        let (x, y) = (safe(p.x_range), safe(p.y_range));
        chart
            .draw_series(std::iter::once(Text::new(
                "no data",
                ((x.start + x.end) / 2.0, (y.start + y.end) / 2.0),
                ("sans-serif", 18)
                    .into_font()
                    .color(&BLACK.mix(0.5))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Concentric and eccentric work of one muscle group in each direction [J per stride].
#[derive(Debug, Clone, PartialEq)]
pub struct WorkBar {
    /// Group name for the axis.
    pub group: String,
    /// Forward (concentric, eccentric), both positive.
    pub forward: Option<(f64, f64)>,
    /// Backward (concentric, eccentric), both positive.
    pub backward: Option<(f64, f64)>,
}

/// A bar chart of work per muscle group: concentric up, eccentric down, forward and backward
/// side by side, so the balance of each group and the change with direction read at a glance.
pub fn work_figure(title: &str, bars: &[WorkBar]) -> Result<String, String> {
    let size = (1300, 560);
    let n = bars.len().max(1);
    let values = bars
        .iter()
        .flat_map(|b| [b.forward, b.backward])
        .flatten()
        .flat_map(|(c, e)| [c, -e]);
    let y = range(values, true, (-1.0, 1.0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, body) = root.split_vertically(HEADER_PX);
        let legend = [
            ("forward, concentric (up)".to_owned(), FORWARD, Mark::Bar),
            (
                "forward, eccentric (down)".to_owned(),
                light(FORWARD),
                Mark::Bar,
            ),
            ("backward, concentric (up)".to_owned(), BACKWARD, Mark::Bar),
            (
                "backward, eccentric (down)".to_owned(),
                light(BACKWARD),
                Mark::Bar,
            ),
        ];
        header(&top, title, &legend)?;
        let names: Vec<String> = bars.iter().map(|b| b.group.clone()).collect();
        let mut chart = ChartBuilder::on(&body)
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), safe(y))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n + 1)
            .x_label_formatter(&|x: &f64| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("fibre work per stride [J] (concentric +, eccentric −)")
            .x_desc("muscle group (one leg)")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 16))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        let w = 0.36;
        for (i, b) in bars.iter().enumerate() {
            let x = i as f64;
            for (work, left, color) in [
                (b.forward, x - w - 0.02, FORWARD),
                (b.backward, x + 0.02, BACKWARD),
            ] {
                let Some((c, e)) = work else { continue };
                if !(c.is_finite() && e.is_finite()) {
                    continue;
                }
                chart
                    .draw_series([
                        Rectangle::new([(left, 0.0), (left + w, c)], color.filled()),
                        Rectangle::new([(left, 0.0), (left + w, -e)], light(color).filled()),
                    ])
                    .map_err(err)?;
            }
        }
        if bars
            .iter()
            .all(|b| b.forward.is_none() && b.backward.is_none())
        {
            chart
                .draw_series(std::iter::once(Text::new(
                    "no muscle work measured (no trial has a whole stride)",
                    ((n as f64 - 1.0) / 2.0, 0.5 * (y.0 + y.1)),
                    ("sans-serif", 18)
                        .into_font()
                        .color(&BLACK.mix(0.5))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A lighter tint of a colour (eccentric bars).
fn light(c: RGBColor) -> RGBColor {
    let mix = |v: u8| ((v as u16 + 2 * 255) / 3) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_finite_and_non_empty() {
        assert_eq!(range([], false, (0.0, 1.0)), (0.0, 1.0));
        let (lo, hi) = range([f64::NAN, 2.0], false, (0.0, 1.0));
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = range([3.0, 5.0], true, (0.0, 1.0));
        assert_eq!(lo, 0.0);
        assert!(hi > 5.0);
    }

    #[test]
    fn figures_are_one_closed_svg_without_nan() {
        let fig = Figure {
            title: "t".into(),
            legend: vec![("forward".into(), FORWARD, Mark::Line)],
            cols: 2,
            panel_px: (300, 200),
            panels: vec![
                Panel {
                    title: "a".into(),
                    x_label: "speed [m/s]".into(),
                    y_label: "force [BW]".into(),
                    x_range: (0.5, 1.5),
                    y_range: (f64::NAN, 3.0),
                    series: vec![Series {
                        label: "forward".into(),
                        color: FORWARD,
                        points: vec![(1.0, 2.0), (f64::NAN, 1.0)],
                        style: Style::LineDots,
                    }],
                },
                Panel {
                    title: "empty".into(),
                    x_label: "x".into(),
                    y_label: "y".into(),
                    x_range: (0.0, 1.0),
                    y_range: (0.0, 1.0),
                    series: vec![],
                },
            ],
        };
        let svg = line_figure(&fig).unwrap();
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("NaN"));
        assert!(svg.contains("no data"));
        let bars = work_figure(
            "w",
            &[WorkBar {
                group: "quadriceps".into(),
                forward: Some((30.0, 10.0)),
                backward: None,
            }],
        )
        .unwrap();
        assert!(bars.contains("quadriceps") && !bars.contains("NaN"));
        assert!(bars.trim_end().ends_with("</svg>"));
    }
}
