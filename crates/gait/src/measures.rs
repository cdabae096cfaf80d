//! Per-stride measures of the muscle analysis and the joints: what each muscle group does
//! (mean and peak activation, concentric and eccentric fibre work per stride), knee contact
//! load peaks, reserve residuals, metabolic cost, joint kinematics/kinetics per stride, and
//! curves normalised to the gait cycle (mean and standard deviation across strides).
//!
//! A stride of one leg runs from its foot strike to its next foot strike. Leg quantities (a
//! muscle group of the right leg, the right knee) are taken over that leg's strides; the
//! summary reports the mean of both legs. Work per stride integrates power over the stride
//! with the positive and negative parts separated ([`crate::cycles::integrate_split`]), one
//! stride at a time ([`crate::stride_work`], which the visualizer's work bars use too).
//! Joint power is the net moment (inverse dynamics) times the joint's angular velocity
//! (Winter 2009, ch. 7). Moments are the low-pass filtered ones the muscle analysis balanced
//! ([`crate::analysis`]).
//!
//! The measures are accumulated frame by frame ([`MuscleMeasures`]) as a trial records them,
//! so a long trial's frames need not be kept: memory does not grow with the trial's length.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use glam::DVec3;
use musculo::{CoordinateId, KneeLoads, Model, MuscleGroup, STANDARD_GRAVITY_MPS2, Side, Sides};
use serde::{Deserialize, Serialize};

use crate::analysis::MuscleFrame;
use crate::cycle_curves::CycleCurves;
use crate::cycles::strides;
use crate::record::{EventKind, Frame, GaitEvent, Recorded};
use crate::skeleton::{Leg, Skeleton};
use crate::spool::Spool;
use crate::stride_work::{LegStride, StrideWork, mean_work};
use crate::trial::TrialResult;

/// Samples per gait-cycle curve (0, 1, ..., 100 % of the cycle).
pub const CYCLE_POINTS: usize = 101;

/// One muscle group's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleGroupSummary {
    /// Mean activation over the analysis window [-].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub mean_activation: f64,
    /// Peak activation [-].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub peak_activation: f64,
    /// Positive fibre work per stride of one leg \[J\].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub concentric_work_j_per_stride: f64,
    /// Negative fibre work per stride of one leg \[J\] (negative number).
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub eccentric_work_j_per_stride: f64,
    /// Mean metabolic power of the group's muscles, both legs, per kg of body mass [W/kg]:
    /// its share of [`MuscleSummary::metabolic_power_w_per_kg`], which adds the basal rate to
    /// the groups' sum. Absent in summaries written before it was measured (and then not
    /// written back, so an old summary reads back as it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metabolic_power_w_per_kg: Option<f64>,
}

/// A joint of the summary, by its sagittal coordinate (hip flexion, knee flexion, ankle
/// dorsiflexion); `hip`, `knee`, `ankle` in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Joint {
    /// Hip flexion.
    Hip,
    /// Knee flexion.
    Knee,
    /// Ankle dorsiflexion.
    Ankle,
}

impl Joint {
    /// The joints the summary reports, in its order.
    pub const ALL: [Joint; 3] = [Joint::Hip, Joint::Knee, Joint::Ankle];

    /// The joint's sagittal coordinate in `leg`.
    pub fn coordinate(self, leg: &Leg) -> CoordinateId {
        match self {
            Joint::Hip => leg.hip[0],
            Joint::Knee => leg.knee,
            Joint::Ankle => leg.ankle,
        }
    }
}

/// One joint's summary (sagittal coordinate: hip flexion, knee flexion, ankle dorsiflexion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointSummary {
    /// Largest flexion (dorsiflexion at the ankle) \[deg\].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub peak_flexion_deg: f64,
    /// Largest extension (plantarflexion at the ankle), as a negative flexion \[deg\].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub peak_extension_deg: f64,
    /// Largest absolute net moment [N·m/kg].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub peak_moment_nm_per_kg: f64,
    /// Positive joint work per stride [J/kg].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub positive_work_j_per_kg_stride: f64,
    /// Negative joint work per stride [J/kg].
    #[serde(deserialize_with = "crate::nullable_f64::number")]
    pub negative_work_j_per_kg_stride: f64,
}

/// The muscle and joint part of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuscleSummary {
    /// Strides of each leg (right, left) the per-stride measures average over.
    pub strides_per_leg: Sides<usize>,
    /// Peak tibiofemoral compressive force, either knee [body weights].
    pub peak_knee_tf_force_bw: Option<f64>,
    /// Peak patellofemoral compressive force, either knee [body weights].
    pub peak_knee_pf_force_bw: Option<f64>,
    /// RMS of the reserve actuator torques over the muscle-actuated coordinates [N·m].
    pub reserve_rms_nm: Option<f64>,
    /// RMS reserve torque of each muscle-actuated coordinate [N·m].
    #[serde(deserialize_with = "crate::nullable_f64::map")]
    pub reserve_rms_by_coordinate_nm: BTreeMap<String, f64>,
    /// Peak absolute net moment of each muscle-actuated coordinate [N·m].
    #[serde(deserialize_with = "crate::nullable_f64::map")]
    pub peak_net_moment_by_coordinate_nm: BTreeMap<String, f64>,
    /// Mean whole-body metabolic power [W/kg].
    pub metabolic_power_w_per_kg: Option<f64>,
    /// Metabolic energy per kilogram per metre travelled relative to the belt [J/(kg·m)].
    pub cost_of_transport: Option<f64>,
    /// Muscle groups.
    pub muscles: BTreeMap<MuscleGroup, MuscleGroupSummary>,
    /// Hip, knee, ankle.
    pub joints: BTreeMap<Joint, JointSummary>,
}

/// A curve over the gait cycle: mean and standard deviation across strides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleCurve {
    /// Variable name with its unit, e.g. `knee_flexion_deg`.
    pub variable: String,
    /// Leg (`r`/`l`), the stride it is normalised to.
    pub side: String,
    /// Strides averaged.
    pub strides: usize,
    /// Mean at 0..=100 % of the cycle.
    pub mean: Vec<f64>,
    /// Sample standard deviation at 0..=100 %.
    pub sd: Vec<f64>,
}

/// Computes the muscle and joint measures and the gait-cycle curves of a recording whose
/// frames carry the muscle analysis; `None` when none in the analysis window does. The frames
/// and events are fed to [`MuscleMeasures`] in time order, as a live trial feeds them.
pub fn muscle_measures(
    model: &Model,
    result: &TrialResult,
) -> Option<(MuscleSummary, Vec<CycleCurve>)> {
    const IN_MEMORY: &str = "the measures' records are in memory, which cannot fail to write";
    let mut measures =
        MuscleMeasures::new(model, &result.skeleton, result.analysis_start_s(), None)
            .expect(IN_MEMORY);
    crate::record::in_time_order(&result.frames, &result.events, |r| {
        match r {
            Recorded::Frame(f) => measures.frame(f),
            Recorded::Event(e) => measures.event(e),
        }
        .expect(IN_MEMORY)
    });
    measures.finish(&result.events).expect(IN_MEMORY)
}

/// The muscle and joint measures of a recording, accumulated frame by frame as it is recorded
/// (a trial's frames need not be kept): over the analysis window from
/// [`TrialRecord::analysis_start_s`](crate::TrialRecord::analysis_start_s), the frames that carry the muscle analysis and each leg's
/// strides between the foot strikes in it.
///
/// Everything but two measures is a running sum, peak or per-stride integral
/// ([`StrideWork`]); the gait-cycle curves ([`CycleCurves`]) and the RMS reserve over all
/// coordinates (one coordinate's sum after the other) keep their records in a [`Spool`], in a
/// file when a folder is given. The sums run in the order the batch definitions sum, so the
/// results do not depend on how the recording was fed.
#[derive(Debug)]
pub struct MuscleMeasures {
    start_s: f64,
    mass_kg: f64,
    weight_n: f64,
    legs: Sides<Leg>,
    /// Frames in the window so far, and the time of the last.
    frames: usize,
    last_s: f64,
    /// Peak tibiofemoral and patellofemoral force of either knee \[BW\].
    peak_tf_bw: Option<f64>,
    peak_pf_bw: Option<f64>,
    /// Per muscle-actuated coordinate, in model order.
    reserves: Vec<ReserveSums>,
    /// Each frame's reserve torques of the muscle-actuated coordinates.
    residuals: Spool,
    /// Sums of whole-body metabolic power [W/kg] and of the speed relative to the belt [m/s].
    metabolic_sum: f64,
    travel_speed_sum: f64,
    /// The muscle groups the model has, in [`MuscleGroup::ALL`] order.
    groups: Vec<GroupActivation>,
    muscle_work: StrideWork,
    muscle_strides: Vec<LegStride>,
    joint_work: StrideWork,
    joint_strides: Vec<LegStride>,
    /// Per joint of [`Joint::ALL`].
    joints: Vec<JointPeaks>,
    /// What each gait-cycle curve plots, in the order of `curves`.
    series: Vec<Series>,
    curves: CycleCurves,
    /// Scratch: one frame's values for the accumulators.
    values: Vec<f64>,
}

/// Running sums of one muscle-actuated coordinate.
#[derive(Debug)]
struct ReserveSums {
    coordinate: usize,
    name: String,
    /// Sum of squared reserve torques [N²·m²].
    squares: f64,
    /// Largest absolute (filtered) net moment [N·m].
    peak_moment_nm: f64,
}

/// Running activation of one muscle group (both legs).
#[derive(Debug)]
struct GroupActivation {
    group: MuscleGroup,
    /// Index in [`MuscleGroup::ALL`] (the quantity of `muscle_work`).
    quantity: usize,
    muscles: Vec<usize>,
    sum: f64,
    count: usize,
    peak: f64,
    /// Sum over frames of the group's metabolic power [W/kg].
    metabolic_sum: f64,
}

/// Running extremes of one joint (both legs).
#[derive(Debug, Clone, Copy)]
struct JointPeaks {
    flexion_deg: f64,
    extension_deg: f64,
    moment_nm_per_kg: f64,
}

/// What a gait-cycle curve plots, per frame.
#[derive(Debug, Clone)]
enum Series {
    /// A coordinate's angle \[deg\].
    Angle(usize),
    /// A coordinate's filtered net moment [N·m/kg].
    Moment(usize),
    /// A coordinate's power [W/kg].
    Power(usize),
    /// The mean activation of these muscles.
    Activation(Vec<usize>),
    /// A knee's tibiofemoral force \[BW\].
    TibiofemoralForce(Side),
    /// A knee's patellofemoral force \[BW\].
    PatellofemoralForce(Side),
    /// The vertical ground reaction on a foot \[BW\].
    GrfVertical(Side),
    /// The ground reaction on a foot along the direction of travel \[BW\].
    GrfTravel(Side),
}

impl MuscleMeasures {
    /// Measures of a recording of `model` (with the body layout `skeleton`) whose analysis
    /// window starts at `start_s`; records for the end are spooled in `spool_dir` (in memory
    /// if `None`).
    pub fn new(
        model: &Model,
        skeleton: &Skeleton,
        start_s: f64,
        spool_dir: Option<&Path>,
    ) -> io::Result<Self> {
        let mass_kg = model.subject.mass_kg;
        let reserves: Vec<ReserveSums> = model
            .muscle_actuated_coordinates()
            .into_iter()
            .map(|c| ReserveSums {
                coordinate: c.index(),
                name: model.coordinates[c.index()].name.clone(),
                // -0.0 is the identity of addition: `Iterator::sum` starts from it.
                squares: -0.0,
                peak_moment_nm: 0.0,
            })
            .collect();
        let groups = MuscleGroup::ALL
            .into_iter()
            .enumerate()
            .map(|(quantity, group)| GroupActivation {
                group,
                quantity,
                muscles: (0..model.muscles.len())
                    .filter(|&k| model.muscles[k].group == group)
                    .collect(),
                sum: 0.0,
                count: 0,
                peak: 0.0,
                metabolic_sum: 0.0,
            })
            .filter(|g| !g.muscles.is_empty())
            .collect();
        let legs = skeleton.legs;
        let joint_work = StrideWork::new(
            Joint::ALL
                .iter()
                .map(|joint| legs.map(|leg| vec![joint.coordinate(&leg).index()]))
                .collect(),
        );
        let (names, series) = curve_series(model, &legs);
        Ok(Self {
            start_s,
            mass_kg,
            weight_n: mass_kg * STANDARD_GRAVITY_MPS2,
            legs,
            frames: 0,
            last_s: f64::NAN,
            peak_tf_bw: None,
            peak_pf_bw: None,
            residuals: Spool::new(spool_dir, reserves.len())?,
            reserves,
            metabolic_sum: 0.0,
            travel_speed_sum: 0.0,
            groups,
            muscle_work: StrideWork::muscle_groups(model, &MuscleGroup::ALL),
            muscle_strides: Vec::new(),
            joint_work,
            joint_strides: Vec::new(),
            joints: vec![
                JointPeaks {
                    flexion_deg: f64::NEG_INFINITY,
                    extension_deg: f64::INFINITY,
                    moment_nm_per_kg: 0.0,
                };
                Joint::ALL.len()
            ],
            curves: CycleCurves::new(names, spool_dir)?,
            series,
            values: Vec::new(),
        })
    }

    /// Feeds a frame; one before the window or without the muscle analysis is ignored.
    pub fn frame(&mut self, f: &Frame) -> io::Result<()> {
        let Some(m) = f.muscles.as_ref().filter(|_| f.time_s >= self.start_s) else {
            return Ok(());
        };
        let (mass, weight) = (self.mass_kg, self.weight_n);
        self.frames += 1;
        self.last_s = f.time_s;
        let knee = |load: fn(&KneeLoads) -> f64| {
            load(&m.knee[Side::Right]).max(load(&m.knee[Side::Left])) / weight
        };
        let max = |peak: Option<f64>, x: f64| Some(peak.map_or(x, |p| p.max(x)));
        self.peak_tf_bw = max(self.peak_tf_bw, knee(|k| k.tibiofemoral_n));
        self.peak_pf_bw = max(self.peak_pf_bw, knee(|k| k.patellofemoral_n));

        self.values.clear();
        for r in &mut self.reserves {
            let residual = m.residual_moments_nm[r.coordinate];
            r.squares += residual * residual;
            r.peak_moment_nm = r
                .peak_moment_nm
                .max(m.filtered_moments_nm[r.coordinate].abs());
            self.values.push(residual);
        }
        self.residuals.push(&self.values)?;

        self.metabolic_sum += m.whole_body_metabolic_w / mass;
        let b = f.belt_velocity_mps;
        self.travel_speed_sum += if b.length() > 1e-9 {
            (f.com_velocity_mps - b).dot(-b.normalize())
        } else {
            0.0
        };
        for g in &mut self.groups {
            for &k in &g.muscles {
                g.sum += m.activations[k];
                g.count += 1;
                g.peak = g.peak.max(m.activations[k]);
                g.metabolic_sum += m.metabolic_power_w[k] / mass;
            }
        }

        self.muscle_work.push_frame(f.time_s, &m.fiber_power_w);
        self.muscle_strides
            .extend(self.muscle_work.drain_completed());
        self.values.clear();
        self.values.extend(
            (0..f.qdot_rad_s.len()).map(|c| m.filtered_moments_nm[c] * f.qdot_rad_s[c] / mass),
        );
        self.joint_work.push_frame(f.time_s, &self.values);
        self.joint_strides.extend(self.joint_work.drain_completed());
        for (joint, peaks) in Joint::ALL.into_iter().zip(&mut self.joints) {
            for leg in &self.legs {
                let c = joint.coordinate(leg).index();
                let angle = f.q_rad[c].to_degrees();
                peaks.flexion_deg = peaks.flexion_deg.max(angle);
                peaks.extension_deg = peaks.extension_deg.min(angle);
                peaks.moment_nm_per_kg = peaks
                    .moment_nm_per_kg
                    .max((m.filtered_moments_nm[c] / mass).abs());
            }
        }

        self.values.clear();
        for s in &self.series {
            self.values.push(s.value(f, m, mass, weight));
        }
        self.curves.push_frame(f.time_s, &self.values)
    }

    /// Feeds a gait event; only foot strikes in the window count.
    pub fn event(&mut self, e: &GaitEvent) -> io::Result<()> {
        let in_window = e.time_s >= self.start_s;
        if e.kind != EventKind::FootStrike || !in_window {
            return Ok(());
        }
        self.muscle_work.foot_strike(e.side, e.time_s);
        self.muscle_strides
            .extend(self.muscle_work.drain_completed());
        self.joint_work.foot_strike(e.side, e.time_s);
        self.joint_strides.extend(self.joint_work.drain_completed());
        self.curves.foot_strike(e.side, e.time_s)
    }

    /// Samples the per-stride accumulators hold now (for tests of the memory bound).
    pub fn buffered(&self) -> usize {
        self.muscle_work.buffered() + self.joint_work.buffered() + self.curves.buffered()
    }

    /// The measures and the gait-cycle curves (joint curves first, then each leg's muscle,
    /// knee and ground-reaction curves); `events` are the recording's gait events (for the
    /// stride counts). `None` when no frame of the window carried the muscle analysis.
    pub fn finish(
        mut self,
        events: &[GaitEvent],
    ) -> io::Result<Option<(MuscleSummary, Vec<CycleCurve>)>> {
        if self.frames == 0 {
            return Ok(None);
        }
        self.muscle_work.finish();
        self.muscle_strides
            .extend(self.muscle_work.drain_completed());
        self.joint_work.finish();
        self.joint_strides.extend(self.joint_work.drain_completed());
        let curves = self.curves.finish()?;
        let n = self.frames as f64;

        let strides_per_leg = Sides::from_fn(|side| {
            let own: Vec<f64> = events
                .iter()
                .filter(|e| {
                    e.kind == EventKind::FootStrike && e.time_s >= self.start_s && e.side == side
                })
                .map(|e| e.time_s)
                .collect();
            strides(&own)
                .into_iter()
                .filter(|&(_, end)| end <= self.last_s)
                .count()
        });

        // All coordinates' squared reserves, one coordinate after the other, as one sum.
        let mut squares = -0.0;
        for j in 0..self.reserves.len() {
            self.residuals.replay(|r| squares += r[j] * r[j])?;
        }
        let count = self.reserves.len() * self.frames;
        let reserve_rms_nm = (count > 0).then(|| (squares / count as f64).sqrt());
        let reserve_rms_by_coordinate_nm = self
            .reserves
            .iter()
            .map(|r| (r.name.clone(), (r.squares / n).sqrt()))
            .collect();
        let peak_net_moment_by_coordinate_nm = self
            .reserves
            .iter()
            .map(|r| (r.name.clone(), r.peak_moment_nm))
            .collect();

        // Cost of transport over the mean speed relative to the belt (none below 0.05 m/s).
        let metabolic = self.metabolic_sum / n;
        let travel_speed = self.travel_speed_sum / n;
        let cost_of_transport = (travel_speed.abs() > 0.05).then(|| metabolic / travel_speed.abs());

        let muscles = self
            .groups
            .iter()
            .map(|g| {
                let work = mean_work(&self.muscle_strides, g.quantity);
                let summary = MuscleGroupSummary {
                    mean_activation: g.sum / g.count as f64,
                    peak_activation: g.peak,
                    concentric_work_j_per_stride: work.positive,
                    eccentric_work_j_per_stride: work.negative,
                    metabolic_power_w_per_kg: Some(g.metabolic_sum / n),
                };
                (g.group, summary)
            })
            .collect();
        let joints = Joint::ALL
            .into_iter()
            .zip(&self.joints)
            .enumerate()
            .map(|(j, (joint, peaks))| {
                let work = mean_work(&self.joint_strides, j);
                let summary = JointSummary {
                    peak_flexion_deg: peaks.flexion_deg,
                    peak_extension_deg: peaks.extension_deg,
                    peak_moment_nm_per_kg: peaks.moment_nm_per_kg,
                    positive_work_j_per_kg_stride: work.positive,
                    negative_work_j_per_kg_stride: work.negative,
                };
                (joint, summary)
            })
            .collect();
        Ok(Some((
            MuscleSummary {
                strides_per_leg,
                peak_knee_tf_force_bw: self.peak_tf_bw,
                peak_knee_pf_force_bw: self.peak_pf_bw,
                reserve_rms_nm,
                reserve_rms_by_coordinate_nm,
                peak_net_moment_by_coordinate_nm,
                metabolic_power_w_per_kg: Some(metabolic),
                cost_of_transport,
                muscles,
                joints,
            },
            curves,
        )))
    }
}

/// The gait-cycle curves, in `summary`'s order: each joint's angle, moment and power per leg
/// (joint power `M q̇`, Winter 2009, ch. 7), then each leg's sagittal muscle groups' mean
/// activation, knee loads and the ground reaction on its foot.
fn curve_series(model: &Model, legs: &Sides<Leg>) -> (Vec<(String, Side)>, Vec<Series>) {
    let mut curves = Vec::new();
    for joint in Joint::ALL {
        for leg in legs {
            let c = joint.coordinate(leg).index();
            let base = &model.coordinates[c].base_name;
            curves.push((format!("{base}_deg"), leg.side, Series::Angle(c)));
            curves.push((
                format!("{base}_moment_nm_per_kg"),
                leg.side,
                Series::Moment(c),
            ));
            curves.push((format!("{base}_power_w_per_kg"), leg.side, Series::Power(c)));
        }
    }
    for side in Side::BOTH {
        for group in MuscleGroup::SAGITTAL {
            let ids: Vec<usize> = (0..model.muscles.len())
                .filter(|&k| model.muscles[k].group == group && model.muscles[k].side == side)
                .collect();
            if !ids.is_empty() {
                curves.push((
                    format!("{}_activation", group.as_str()),
                    side,
                    Series::Activation(ids),
                ));
            }
        }
        curves.push((
            "knee_tf_force_bw".into(),
            side,
            Series::TibiofemoralForce(side),
        ));
        curves.push((
            "knee_pf_force_bw".into(),
            side,
            Series::PatellofemoralForce(side),
        ));
        curves.push(("grf_vertical_bw".into(), side, Series::GrfVertical(side)));
        curves.push(("grf_travel_bw".into(), side, Series::GrfTravel(side)));
    }
    curves
        .into_iter()
        .map(|(name, side, series)| ((name, side), series))
        .unzip()
}

impl Series {
    /// The value at frame `f` with muscle analysis `m`, for a subject of `mass` \[kg\] and
    /// `weight` \[N\].
    fn value(&self, f: &Frame, m: &MuscleFrame, mass: f64, weight: f64) -> f64 {
        match self {
            Series::Angle(c) => f.q_rad[*c].to_degrees(),
            Series::Moment(c) => m.filtered_moments_nm[*c] / mass,
            Series::Power(c) => m.filtered_moments_nm[*c] * f.qdot_rad_s[*c] / mass,
            Series::Activation(ids) => {
                ids.iter().map(|&k| m.activations[k]).sum::<f64>() / ids.len() as f64
            }
            Series::TibiofemoralForce(side) => m.knee[*side].tibiofemoral_n / weight,
            Series::PatellofemoralForce(side) => m.knee[*side].patellofemoral_n / weight,
            Series::GrfVertical(side) => f.grf_n[*side].y / weight,
            // Along the direction of travel (opposite to the belt's motion), so positive is
            // propulsive in either walking direction.
            Series::GrfTravel(side) => {
                let b = f.belt_velocity_mps;
                let travel = -DVec3::new(b.x, 0.0, b.z);
                f.grf_n[*side].dot(travel.normalize_or_zero()) / weight
            }
        }
    }
}
