//! Which figures the report shows and how each is built from the trials: the choice of data,
//! averaging and captions, kept apart from the drawing (`plots.rs`) and the page (`report_html.rs`).
//!
//! Every figure uses only the trials that ran to their end; trials at the same condition
//! (other subjects or seeds) are averaged. Each figure returns its caption with it, and the
//! caption says what the points are and how many trials were left out.

use std::collections::BTreeSet;

use gait::Direction;
use musculo::MuscleGroup;
use plotters::style::RGBColor;

use super::data::{Reference, TrialData, key, mean, mean_curve};
use super::findings::group_name;
use super::plots::{BACKWARD, FORWARD, Figure, Mark, Panel, Series, Style, WorkBar, range};
use crate::results::TrialStatus;

/// A rendered figure: SVG (or why it could not be drawn) and its caption.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Section heading.
    pub heading: String,
    /// Anchor id.
    pub id: &'static str,
    /// The SVG text, or the drawing error.
    pub svg: Result<String, String>,
    /// What the figure shows (plain text).
    pub caption: String,
}

/// One quantity plotted against speed.
struct Metric {
    /// Row title, e.g. `Tibiofemoral`.
    name: &'static str,
    /// Axis label with unit.
    y_label: &'static str,
    /// Read from a trial.
    get: fn(&TrialData) -> Option<f64>,
}

fn direction_color(d: Direction) -> RGBColor {
    match d {
        Direction::Forward => FORWARD,
        Direction::Backward => BACKWARD,
    }
}

const DIRECTIONS: [Direction; 2] = [Direction::Forward, Direction::Backward];

fn direction_legend() -> Vec<(String, RGBColor, Mark)> {
    DIRECTIONS
        .iter()
        .map(|d| (d.as_str().to_owned(), direction_color(*d), Mark::Line))
        .collect()
}

/// `level (0 %)`, `+5 % (uphill)`, `−5 % (downhill)`.
pub fn incline_name(pct: f64) -> String {
    if key(pct) == 0 {
        "level (0 %)".to_owned()
    } else if pct > 0.0 {
        format!("+{pct} % (uphill)")
    } else {
        format!("−{} % (downhill)", -pct)
    }
}

/// Distinct inclines of the sweep, in order (fallen trials included, so every condition run
/// has its panel even if empty).
fn inclines(trials: &[TrialData]) -> Vec<f64> {
    let keys: BTreeSet<i64> = trials.iter().map(|t| key(t.incline_pct)).collect();
    keys.into_iter().map(|k| k as f64 / 1000.0).collect()
}

/// What the averaging left out, for captions.
fn left_out(trials: &[TrialData]) -> String {
    let fell = trials
        .iter()
        .filter(|t| t.status == TrialStatus::Fell)
        .count();
    let failed = trials
        .iter()
        .filter(|t| t.status == TrialStatus::Error)
        .count();
    if fell + failed == 0 {
        "No trial fell or failed.".to_owned()
    } else {
        format!("Left out: {fell} fallen and {failed} failed trials.")
    }
}

/// Mean of `get` over usable trials of one direction, incline and speed, per speed.
fn speed_curve(
    trials: &[TrialData],
    d: Direction,
    incline: f64,
    get: fn(&TrialData) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let speeds: BTreeSet<i64> = trials.iter().map(|t| key(t.speed_mps)).collect();
    speeds
        .into_iter()
        .filter_map(|s| {
            let m = mean(
                trials
                    .iter()
                    .filter(|t| {
                        t.usable()
                            && t.direction == d
                            && key(t.speed_mps) == s
                            && key(t.incline_pct) == key(incline)
                    })
                    .filter_map(get),
            )?;
            Some((s as f64 / 1000.0, m))
        })
        .collect()
}

/// Metrics against speed: one row of panels per metric, one column per incline, forward and
/// backward overlaid; a row shares its y range so panels compare at a glance.
fn vs_speed(trials: &[TrialData], title: &str, metrics: &[Metric]) -> Figure {
    let inclines = inclines(trials);
    let x = range(trials.iter().map(|t| t.speed_mps), false, (0.0, 2.0));
    let cols = inclines.len().max(1);
    let mut panels = Vec::new();
    for m in metrics {
        let rows: Vec<(f64, Vec<Series>)> = inclines
            .iter()
            .map(|&inc| {
                let mut series: Vec<Series> = DIRECTIONS
                    .iter()
                    .map(|&d| Series {
                        label: d.as_str().to_owned(),
                        color: direction_color(d),
                        points: speed_curve(trials, d, inc, m.get),
                        style: Style::LineDots,
                    })
                    .collect();
                // Falls are shown where they happened, as crosses outside the means.
                series.extend(DIRECTIONS.iter().map(|&d| {
                    Series {
                        label: format!("fell, {}", d.as_str()),
                        color: direction_color(d),
                        points: trials
                            .iter()
                            .filter(|t| {
                                t.status == TrialStatus::Fell
                                    && t.direction == d
                                    && key(t.incline_pct) == key(inc)
                            })
                            .filter_map(|t| Some((t.speed_mps, (m.get)(t)?)))
                            .collect(),
                        style: Style::Crosses,
                    }
                }));
                (inc, series)
            })
            .collect();
        let y = range(
            rows.iter()
                .flat_map(|(_, s)| s.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
            true,
            (0.0, 1.0),
        );
        for (inc, series) in rows {
            panels.push(Panel {
                title: format!("{}, {}", m.name, incline_name(inc)),
                x_label: "belt speed [m/s]".into(),
                y_label: m.y_label.into(),
                x_range: x,
                y_range: y,
                series,
            });
        }
    }
    let mut legend = direction_legend();
    if trials.iter().any(|t| t.status == TrialStatus::Fell) {
        legend.extend(DIRECTIONS.iter().map(|&d| {
            (
                format!("fell, {} (not in the lines)", d.as_str()),
                direction_color(d),
                Mark::Cross,
            )
        }));
    }
    Figure {
        title: title.to_owned(),
        legend,
        cols,
        panel_px: ((1300 / cols as u32).clamp(300, 650), 330),
        panels,
    }
}

/// Peak knee tibiofemoral and patellofemoral force vs speed.
pub fn knee(trials: &[TrialData]) -> Rendered {
    let fig = vs_speed(
        trials,
        "Peak knee contact force vs belt speed",
        &[
            Metric {
                name: "Tibiofemoral",
                y_label: "peak TF force [BW]",
                get: |t| t.peak_knee_tf_force_bw,
            },
            Metric {
                name: "Patellofemoral",
                y_label: "peak PF force [BW]",
                get: |t| t.peak_knee_pf_force_bw,
            },
        ],
    );
    Rendered {
        heading: "Knee loads".into(),
        id: "knee",
        svg: super::plots::line_figure(&fig),
        caption: format!(
            "Peak knee tibiofemoral (top row) and patellofemoral (bottom row) compressive force, \
             in body weights, against belt speed; one column per incline, forward (blue) and \
             backward (orange) overlaid. Each point is the mean, over the trials that ran to \
             their end at that condition, of the trial's highest value in any frame; crosses mark trials that fell (their \
             value up to the fall), which the lines leave out. {}",
            left_out(trials)
        ),
    }
}

/// Cadence and stride length vs speed.
pub fn gait(trials: &[TrialData]) -> Rendered {
    let fig = vs_speed(
        trials,
        "Cadence and stride length vs belt speed",
        &[
            Metric {
                name: "Cadence",
                y_label: "cadence [steps/min]",
                get: |t| t.cadence_steps_per_min,
            },
            Metric {
                name: "Stride length",
                y_label: "stride length [m]",
                get: |t| t.stride_length_m,
            },
        ],
    );
    Rendered {
        heading: "Cadence and stride length".into(),
        id: "gait",
        svg: super::plots::line_figure(&fig),
        caption: format!(
            "Cadence (top row) and stride length (bottom row) against belt speed, one column per \
             incline, forward (blue) and backward (orange). Means over the trials that ran to \
             their end; a trial too short for a whole stride has neither. {}",
            left_out(trials)
        ),
    }
}

/// Metabolic power and cost of transport vs speed.
pub fn metabolic(trials: &[TrialData]) -> Rendered {
    let fig = vs_speed(
        trials,
        "Metabolic cost vs belt speed",
        &[
            Metric {
                name: "Metabolic power",
                y_label: "metabolic power [W/kg]",
                get: |t| t.metabolic_power_w_per_kg,
            },
            Metric {
                name: "Cost of transport",
                y_label: "cost of transport [J/(kg·m)]",
                get: |t| t.cost_of_transport,
            },
        ],
    );
    Rendered {
        heading: "Metabolic cost".into(),
        id: "metabolic",
        svg: super::plots::line_figure(&fig),
        caption: format!(
            "Estimated whole-body metabolic power (top row) and cost of transport (metabolic \
             energy per kilogram and metre walked relative to the belt; bottom row) against belt \
             speed, one column per incline, forward (blue) and backward (orange); means over the \
             trials that ran to their end. {}",
            left_out(trials)
        ),
    }
}

/// Muscle groups in report order: the key muscles, then any others the model has.
fn groups(trials: &[&TrialData]) -> Vec<MuscleGroup> {
    let present: BTreeSet<MuscleGroup> =
        trials.iter().flat_map(|t| t.work.keys()).copied().collect();
    let mut out: Vec<MuscleGroup> = MuscleGroup::SAGITTAL
        .into_iter()
        .filter(|g| present.contains(g))
        .collect();
    out.extend(
        present
            .into_iter()
            .filter(|g| !MuscleGroup::SAGITTAL.contains(g)),
    );
    out
}

/// Concentric vs eccentric work per muscle group, forward vs backward.
pub fn work(trials: &[TrialData]) -> Rendered {
    let has = |t: &TrialData| !t.work.is_empty();
    let reference = Reference::choose(trials, has);
    let fwd = reference.select(trials, Direction::Forward, has);
    let bwd = reference.select(trials, Direction::Backward, has);
    let all: Vec<&TrialData> = fwd.iter().chain(&bwd).copied().collect();
    let avg = |set: &[&TrialData], g: MuscleGroup| {
        let c = mean(
            set.iter()
                .filter_map(|t| t.work.get(&g).map(|w| w.concentric_j)),
        )?;
        let e = mean(
            set.iter()
                .filter_map(|t| t.work.get(&g).map(|w| w.eccentric_j)),
        )?;
        Some((c, e))
    };
    let bars: Vec<WorkBar> = groups(&all)
        .into_iter()
        .map(|g| WorkBar {
            group: group_name(g),
            forward: avg(&fwd, g),
            backward: avg(&bwd, g),
        })
        .collect();
    Rendered {
        heading: "Concentric and eccentric muscle work".into(),
        id: "work",
        svg: super::plots::work_figure(
            "Concentric vs eccentric fibre work per muscle group, forward vs backward",
            &bars,
        ),
        caption: format!(
            "Positive (concentric, shortening; bars up) and negative (eccentric, lengthening; \
             bars down, light) muscle-fibre work per stride of each muscle group (its muscles \
             in one leg summed; the two legs averaged), forward (blue) and backward (orange), {}. Only \
             trials with at least one whole stride count. {}",
            reference.describe(fwd.len(), bwd.len()),
            left_out(trials)
        ),
    }
}

/// Activation curves of the key muscles over the gait cycle.
pub fn activation(trials: &[TrialData]) -> Rendered {
    let has = |t: &TrialData| !t.activation.is_empty();
    let reference = Reference::choose(trials, has);
    let sets: Vec<(Direction, Vec<&TrialData>)> = DIRECTIONS
        .iter()
        .map(|&d| (d, reference.select(trials, d, has)))
        .collect();
    let panels = MuscleGroup::SAGITTAL
        .into_iter()
        .map(|g| {
            let series = sets
                .iter()
                .filter_map(|(d, set)| {
                    let curves: Vec<Vec<f64>> = set
                        .iter()
                        .filter_map(|t| t.activation.get(&g).cloned())
                        .collect();
                    let c = mean_curve(&curves)?;
                    let n = c.len().max(2) - 1;
                    Some(Series {
                        label: d.as_str().to_owned(),
                        color: direction_color(*d),
                        points: c
                            .iter()
                            .enumerate()
                            .map(|(k, v)| (100.0 * k as f64 / n as f64, *v))
                            .collect(),
                        style: Style::Line,
                    })
                })
                .collect::<Vec<_>>();
            let top = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .filter(|v| v.is_finite())
                .fold(0.0_f64, f64::max);
            Panel {
                title: group_name(g),
                x_label: "gait cycle [%]".into(),
                y_label: "activation [0-1]".into(),
                x_range: (0.0, 100.0),
                // Activations live in 0..1; zoom in on weakly active muscles, but not below 0.1.
                y_range: (0.0, (top * 1.1).clamp(0.1, 1.05)),
                series,
            }
        })
        .collect();
    let fig = Figure {
        title: "Muscle activation over the gait cycle".into(),
        legend: direction_legend(),
        cols: 4,
        panel_px: (325, 300),
        panels,
    };
    let n = |d: Direction| {
        sets.iter()
            .find(|(x, _)| *x == d)
            .map_or(0, |(_, s)| s.len())
    };
    Rendered {
        heading: "Muscle activation".into(),
        id: "activation",
        svg: super::plots::line_figure(&fig),
        caption: format!(
            "Mean activation (0 = silent, 1 = fully active) of each key muscle group over the \
             gait cycle, from each trial's cycles.csv (mean over strides, the two legs averaged; \
             0 % is the leg's foot strike), forward (blue) and backward (orange), {}. Each panel \
             has its own vertical scale. {}",
            reference.describe(n(Direction::Forward), n(Direction::Backward)),
            left_out(trials)
        ),
    }
}
