//! Gait measures of a finished trial: strides, cadence, stride length, speed, peaks.
//!
//! Measures are taken over the *analysis window*: from [`SETTLE_S`] after the belt reaches its
//! speed to the end of the trial (or the fall), so the start-up transient does not bias them
//! ([`TrialResult::analysis_start_s`]; a measured recording's window starts at its first
//! sample).
//! Stride length on a treadmill is the belt-relative distance covered per stride: mean speed
//! relative to the belt times mean stride time (the usual treadmill definition).

use musculo::{Model, STANDARD_GRAVITY_MPS2, Side};
use serde::{Deserialize, Serialize};

use crate::measures::MuscleSummary;
use crate::record::EventKind;
use crate::spec::Direction;
use crate::trial::TrialResult;

/// Seconds after the belt reaches its speed before measures start.
pub const SETTLE_S: f64 = 2.0;

/// Everything a trial's `summary.json` holds, written and read back through this one type:
/// the gait measures and, when the muscle analysis ran, the muscle and joint measures, as one
/// flat JSON object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// The gait part (always there).
    #[serde(flatten)]
    pub gait: GaitSummary,
    /// The muscle and joint part; `None` without the muscle analysis, or when the trial fell
    /// before the measures start.
    #[serde(flatten)]
    pub muscle_analysis: Option<MuscleSummary>,
}

/// The gait part of `summary.json` (field names per the design's contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaitSummary {
    /// `forward` or `backward`.
    pub direction: Direction,
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Belt grade [%].
    pub incline_pct: f64,
    /// Requested duration \[s\].
    pub duration_s: f64,
    /// Seed.
    pub seed: u64,
    /// Whether the walker fell.
    pub fell: bool,
    /// Time of the fall \[s\], if any.
    pub fall_time_s: Option<f64>,
    /// Why the trial ended early, if it did.
    pub fall_reason: Option<String>,
    /// Start of the analysis window \[s\].
    pub analysis_start_s: f64,
    /// Complete strides (right foot strike to right foot strike) in the window.
    pub strides: usize,
    /// Steps per minute.
    pub cadence_steps_per_min: Option<f64>,
    /// Belt-relative distance per stride \[m\].
    pub stride_length_m: Option<f64>,
    /// Mean centre-of-mass speed relative to the belt in the direction of travel [m/s].
    pub mean_speed_rel_belt_mps: Option<f64>,
    /// Largest distance of the centre of mass from the belt's centre (along or across) \[m\].
    pub max_distance_from_centre_m: Option<f64>,
    /// Peak knee extension moment (inverse dynamics) [N·m/kg].
    pub peak_knee_ext_moment_nm_per_kg: Option<f64>,
    /// Peak vertical ground reaction force on one foot [body weights].
    pub peak_vertical_grf_bw: Option<f64>,
    /// Simulated time over wall-clock time.
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub realtime_factor: f64,
}

/// Largest accepted relative error of the mean belt-relative speed (walking criteria).
pub const SPEED_TOLERANCE: f64 = 0.05;
/// Largest accepted distance from the belt's centre \[m\] (walking criteria).
pub const MAX_DISTANCE_FROM_CENTRE_M: f64 = 0.5;

impl GaitSummary {
    /// Whether the trial meets the walking criteria the project holds the walker to: no fall,
    /// mean speed relative to the belt within ±[`SPEED_TOLERANCE`] of the belt speed, centre of
    /// mass within [`MAX_DISTANCE_FROM_CENTRE_M`] of the belt's centre.
    pub fn meets_walking_criteria(&self) -> bool {
        !self.fell
            && self
                .mean_speed_rel_belt_mps
                .is_some_and(|v| (v / self.speed_mps - 1.0).abs() <= SPEED_TOLERANCE)
            && self
                .max_distance_from_centre_m
                .is_some_and(|d| d <= MAX_DISTANCE_FROM_CENTRE_M)
    }
}

/// Computes the gait summary of a trial.
pub fn summarise(model: &Model, result: &TrialResult) -> GaitSummary {
    let spec = &result.spec;
    let start = result.analysis_start_s();
    let frames: Vec<_> = result.frames.iter().filter(|f| f.time_s >= start).collect();
    let strikes = |side: Option<Side>| -> Vec<f64> {
        result
            .events
            .iter()
            .filter(|e| {
                e.kind == EventKind::FootStrike
                    && e.time_s >= start
                    && side.is_none_or(|s| e.side == s)
            })
            .map(|e| e.time_s)
            .collect()
    };
    let right = strikes(Some(Side::Right));
    let all = strikes(None);
    let strides = right.len().saturating_sub(1);
    let cadence =
        (all.len() >= 3).then(|| 60.0 * (all.len() - 1) as f64 / (all[all.len() - 1] - all[0]));
    let mean_speed = (!frames.is_empty()).then(|| {
        frames
            .iter()
            .map(|f| {
                (f.com_velocity_mps - f.belt_velocity_mps).dot(travel_axis(f.belt_velocity_mps))
            })
            .sum::<f64>()
            / frames.len() as f64
    });
    let stride_time = (strides > 0).then(|| (right[right.len() - 1] - right[0]) / strides as f64);
    let stride_length = match (mean_speed, stride_time) {
        (Some(v), Some(t)) => Some(v * t),
        _ => None,
    };
    let max_distance = frames
        .iter()
        .map(|f| {
            let along = f.com_m.dot(travel_axis(f.belt_velocity_mps));
            along.abs().max(f.com_m.z.abs())
        })
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))));
    let knees = result.skeleton.legs.map(|leg| leg.knee.index());
    let mass = model.subject.mass_kg;
    let peak_knee = frames
        .iter()
        .flat_map(|f| knees.iter().map(move |&k| -f.net_moments_nm[k] / mass))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let weight = mass * STANDARD_GRAVITY_MPS2;
    let peak_grf = frames
        .iter()
        .flat_map(|f| f.grf_n.iter().map(|g| g.y / weight))
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let simulated = result.steps as f64 * result.dt_s;
    GaitSummary {
        direction: spec.direction,
        speed_mps: spec.speed_mps,
        incline_pct: spec.incline_pct,
        duration_s: spec.duration_s,
        seed: spec.seed,
        fell: result.fall.is_some(),
        fall_time_s: result.fall.as_ref().map(|f| f.time_s),
        fall_reason: result.fall.as_ref().map(|f| f.reason.clone()),
        analysis_start_s: start,
        strides,
        cadence_steps_per_min: cadence,
        stride_length_m: stride_length,
        mean_speed_rel_belt_mps: mean_speed,
        max_distance_from_centre_m: max_distance,
        peak_knee_ext_moment_nm_per_kg: peak_knee,
        peak_vertical_grf_bw: peak_grf,
        realtime_factor: if result.wall_time_s > 0.0 {
            simulated / result.wall_time_s
        } else {
            f64::INFINITY
        },
    }
}

/// Unit vector of the direction of travel: against the belt's motion.
fn travel_axis(belt_velocity: glam::DVec3) -> glam::DVec3 {
    if belt_velocity.length() > 1e-9 {
        -belt_velocity.normalize()
    } else {
        // Before the belt moves the direction is not defined by it; speeds are ~0 anyway.
        glam::DVec3::ZERO
    }
}
