//! Gait measures of a finished trial: strides, cadence, stride length, speed, peaks.
//!
//! Measures are taken over the *analysis window*: from [`SETTLE_S`] after the belt reaches its
//! speed to the end of the trial (or the fall), so the start-up transient does not bias them
//! ([`TrialRecord::analysis_start_s`]; a measured recording's window starts at its first
//! sample).
//! Stride length on a treadmill is the belt-relative distance covered per stride: mean speed
//! relative to the belt times mean stride time (the usual treadmill definition).

use std::io;
use std::path::Path;

use musculo::{Model, STANDARD_GRAVITY_MPS2, Side, Sides};
use serde::{Deserialize, Serialize};

use crate::measures::{CycleCurve, MuscleMeasures, MuscleSummary};
use crate::record::{EventKind, Frame, GaitEvent};
use crate::skeleton::Skeleton;
use crate::spec::Direction;
use crate::trial::{TrialRecord, TrialResult};

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
        walking_criteria_met(
            self.fell,
            self.mean_speed_rel_belt_mps
                .map(|v| (v / self.speed_mps - 1.0).abs()),
            self.max_distance_from_centre_m,
        )
    }
}

/// The walking criteria on their measures: no fall, a relative pace error `|v̄/v_belt − 1|`
/// within [`SPEED_TOLERANCE`] and a largest distance from the belt's centre within
/// [`MAX_DISTANCE_FROM_CENTRE_M`]; a measure that is missing fails. Trial summaries and
/// controller searches (over their own windows) judge by this one rule.
pub fn walking_criteria_met(
    fell: bool,
    pace_error: Option<f64>,
    max_distance_m: Option<f64>,
) -> bool {
    !fell
        && pace_error.is_some_and(|e| e <= SPEED_TOLERANCE)
        && max_distance_m.is_some_and(|d| d <= MAX_DISTANCE_FROM_CENTRE_M)
}

/// Computes the gait summary of a recording: its frames fed to [`GaitMeasures`].
pub fn summarise(model: &Model, result: &TrialResult) -> GaitSummary {
    let mut measures = GaitMeasures::new(model, &result.skeleton, result.analysis_start_s());
    result.frames.iter().for_each(|f| measures.frame(f));
    measures.finish(&result.record)
}

/// The gait measures of a recording, accumulated frame by frame as it is recorded (a trial's
/// frames need not be kept); strides and cadence come from the gait events at the end.
#[derive(Debug, Clone)]
pub struct GaitMeasures {
    start_s: f64,
    /// The knee flexion coordinate of each leg.
    knees: Sides<usize>,
    mass_kg: f64,
    /// Frames in the analysis window so far.
    frames: usize,
    /// Sum of the speed relative to the belt along the direction of travel [m/s].
    speed_sum: f64,
    max_distance_m: Option<f64>,
    peak_knee_nm_per_kg: Option<f64>,
    peak_grf_bw: Option<f64>,
}

impl GaitMeasures {
    /// Measures of a recording of `model` (with the body layout `skeleton`) whose analysis
    /// window starts at `start_s`.
    pub fn new(model: &Model, skeleton: &Skeleton, start_s: f64) -> Self {
        Self {
            start_s,
            knees: skeleton.legs.map(|leg| leg.knee.index()),
            mass_kg: model.subject.mass_kg,
            frames: 0,
            // -0.0 is the identity of addition: `Iterator::sum` starts from it.
            speed_sum: -0.0,
            max_distance_m: None,
            peak_knee_nm_per_kg: None,
            peak_grf_bw: None,
        }
    }

    /// Feeds a frame; one before the analysis window is ignored.
    pub fn frame(&mut self, f: &Frame) {
        let in_window = f.time_s >= self.start_s;
        if !in_window {
            return;
        }
        let max = |peak: Option<f64>, x: f64| Some(peak.map_or(x, |p: f64| p.max(x)));
        self.frames += 1;
        let travel = travel_axis(f.belt_velocity_mps);
        self.speed_sum += (f.com_velocity_mps - f.belt_velocity_mps).dot(travel);
        let along = f.com_m.dot(travel);
        self.max_distance_m = max(self.max_distance_m, along.abs().max(f.com_m.z.abs()));
        for &k in &self.knees {
            self.peak_knee_nm_per_kg = max(
                self.peak_knee_nm_per_kg,
                -f.net_moments_nm[k] / self.mass_kg,
            );
        }
        let weight = self.mass_kg * STANDARD_GRAVITY_MPS2;
        for g in &f.grf_n {
            self.peak_grf_bw = max(self.peak_grf_bw, g.y / weight);
        }
    }

    /// The gait summary of the recording `record` describes.
    pub fn finish(&self, record: &TrialRecord) -> GaitSummary {
        let spec = &record.spec;
        let start = self.start_s;
        let strikes = |side: Option<Side>| -> Vec<f64> {
            record
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
        let mean_speed = (self.frames > 0).then(|| self.speed_sum / self.frames as f64);
        let stride_time =
            (strides > 0).then(|| (right[right.len() - 1] - right[0]) / strides as f64);
        let stride_length = match (mean_speed, stride_time) {
            (Some(v), Some(t)) => Some(v * t),
            _ => None,
        };
        let simulated = record.steps as f64 * record.dt_s;
        GaitSummary {
            direction: spec.direction,
            speed_mps: spec.speed_mps,
            incline_pct: spec.incline_pct,
            duration_s: spec.duration_s,
            seed: spec.seed,
            fell: record.fall.is_some(),
            fall_time_s: record.fall.as_ref().map(|f| f.time_s),
            fall_reason: record.fall.as_ref().map(|f| f.reason.clone()),
            analysis_start_s: start,
            strides,
            cadence_steps_per_min: cadence,
            stride_length_m: stride_length,
            mean_speed_rel_belt_mps: mean_speed,
            max_distance_from_centre_m: self.max_distance_m,
            peak_knee_ext_moment_nm_per_kg: self.peak_knee_nm_per_kg,
            peak_vertical_grf_bw: self.peak_grf_bw,
            realtime_factor: if record.wall_time_s > 0.0 {
                simulated / record.wall_time_s
            } else {
                f64::INFINITY
            },
        }
    }
}

/// Everything `summary.json` and `cycles.csv` hold, accumulated as a trial records its frames
/// and events ([`GaitMeasures`], and [`MuscleMeasures`] when the muscle analysis runs).
#[derive(Debug)]
pub struct TrialMeasures {
    gait: GaitMeasures,
    muscles: Option<MuscleMeasures>,
}

impl TrialMeasures {
    /// Measures of a recording of `model` whose analysis window starts at `start_s`, with the
    /// muscle measures if `muscles`; their records for the end are spooled in `spool_dir` (in
    /// memory if `None`).
    pub fn new(
        model: &Model,
        skeleton: &Skeleton,
        start_s: f64,
        muscles: bool,
        spool_dir: Option<&Path>,
    ) -> io::Result<Self> {
        Ok(Self {
            gait: GaitMeasures::new(model, skeleton, start_s),
            muscles: if muscles {
                Some(MuscleMeasures::new(model, skeleton, start_s, spool_dir)?)
            } else {
                None
            },
        })
    }

    /// Feeds a frame.
    pub fn frame(&mut self, f: &Frame) -> io::Result<()> {
        self.gait.frame(f);
        self.muscles.as_mut().map_or(Ok(()), |m| m.frame(f))
    }

    /// Feeds a gait event.
    pub fn event(&mut self, e: &GaitEvent) -> io::Result<()> {
        self.muscles.as_mut().map_or(Ok(()), |m| m.event(e))
    }

    /// Samples the per-stride measures hold now (for tests of the memory bound).
    pub fn buffered(&self) -> usize {
        self.muscles.as_ref().map_or(0, MuscleMeasures::buffered)
    }

    /// The summary and, when the summary has its muscle part, the gait-cycle curves.
    pub fn finish(
        self,
        record: &TrialRecord,
    ) -> io::Result<(TrialSummary, Option<Vec<CycleCurve>>)> {
        let gait = self.gait.finish(record);
        let (muscle_analysis, curves) = match self.muscles {
            Some(m) => m.finish(&record.events)?.unzip(),
            None => (None, None),
        };
        Ok((
            TrialSummary {
                gait,
                muscle_analysis,
            },
            curves,
        ))
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
