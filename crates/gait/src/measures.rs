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

use std::collections::BTreeMap;

use glam::DVec3;
use musculo::{CoordinateId, KneeLoads, Model, MuscleGroup, STANDARD_GRAVITY_MPS2, Side, Sides};
use serde::{Deserialize, Serialize};

use crate::analysis::MuscleFrame;
use crate::cycles::{mean_sd, normalise, strides};
use crate::record::{EventKind, Frame};
use crate::skeleton::Leg;
use crate::stride_work::{StrideWork, mean_work};
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

fn rms(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt())
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

/// Computes the muscle and joint measures and the gait-cycle curves of a trial whose frames
/// carry the muscle analysis. Returns `None` when they do not. The stages, in order: the
/// analysis window and its strides, knee load peaks, reserves and net moments, metabolic
/// cost, muscle groups, joints (with their curves), then each leg's activation, knee load and
/// ground reaction curves.
pub fn muscle_measures(
    model: &Model,
    result: &TrialResult,
) -> Option<(MuscleSummary, Vec<CycleCurve>)> {
    let w = Window::new(model, result)?;
    let (peak_tf, peak_pf) = w.knee_load_peaks();
    let reserves = w.reserves();
    let (metabolic, cot) = w.metabolic_cost();
    let mut curves = Vec::new();
    let joints = w.joints(&mut curves);
    for side in Side::BOTH {
        w.leg_curves(side, &mut curves);
    }
    Some((
        MuscleSummary {
            strides_per_leg: Sides::from_fn(|side| w.leg_strides[side].len()),
            peak_knee_tf_force_bw: peak_tf,
            peak_knee_pf_force_bw: peak_pf,
            reserve_rms_nm: reserves.rms_nm,
            reserve_rms_by_coordinate_nm: reserves.rms_by_coordinate_nm,
            peak_net_moment_by_coordinate_nm: reserves.peak_moment_by_coordinate_nm,
            metabolic_power_w_per_kg: metabolic,
            cost_of_transport: cot,
            muscles: w.muscle_groups(),
            joints,
        },
        curves,
    ))
}

/// The analysis window of a trial: its analysed frames from [`TrialResult::analysis_start_s`]
/// (the settling time after the belt's start-up), and each leg's foot strikes and strides in it.
struct Window<'a> {
    model: &'a Model,
    result: &'a TrialResult,
    frames: Vec<(&'a Frame, &'a MuscleFrame)>,
    times: Vec<f64>,
    /// Foot strikes in the window, in the order they were recorded.
    strikes: Vec<(Side, f64)>,
    /// Each leg's strides that end within the window.
    leg_strides: Sides<Vec<(f64, f64)>>,
    mass_kg: f64,
    weight_n: f64,
}

/// Reserve torques and net moments of the muscle-actuated coordinates.
struct Reserves {
    rms_nm: Option<f64>,
    rms_by_coordinate_nm: BTreeMap<String, f64>,
    peak_moment_by_coordinate_nm: BTreeMap<String, f64>,
}

impl<'a> Window<'a> {
    fn new(model: &'a Model, result: &'a TrialResult) -> Option<Self> {
        let start = result.analysis_start_s();
        let frames: Vec<_> = result
            .frames
            .iter()
            .filter(|f| f.time_s >= start)
            .filter_map(|f| f.muscles.as_ref().map(|m| (f, m)))
            .collect();
        let last = frames.last()?.0.time_s;
        let strikes: Vec<(Side, f64)> = result
            .events
            .iter()
            .filter(|e| e.kind == EventKind::FootStrike && e.time_s >= start)
            .map(|e| (e.side, e.time_s))
            .collect();
        let leg_strides = Sides::from_fn(|side| {
            let own: Vec<f64> = strikes
                .iter()
                .filter(|s| s.0 == side)
                .map(|s| s.1)
                .collect();
            strides(&own)
                .into_iter()
                .filter(|&(_, end)| end <= last)
                .collect()
        });
        let mass_kg = model.subject.mass_kg;
        Some(Self {
            model,
            result,
            times: frames.iter().map(|(f, _)| f.time_s).collect(),
            frames,
            strikes,
            leg_strides,
            mass_kg,
            weight_n: mass_kg * STANDARD_GRAVITY_MPS2,
        })
    }

    /// The muscle analysis of frame `i`.
    fn m(&self, i: usize) -> &'a MuscleFrame {
        self.frames[i].1
    }

    /// `f` of every frame.
    fn series(&self, f: impl Fn(usize) -> f64) -> Vec<f64> {
        (0..self.frames.len()).map(f).collect()
    }

    /// The mean-and-SD curve of `values` over `side`'s strides, if it has any.
    fn curve(&self, name: &str, side: Side, values: &[f64]) -> Option<CycleCurve> {
        cycle_curve(
            name,
            side.tag(),
            &self.times,
            values,
            &self.leg_strides[side],
        )
    }

    /// Peak tibiofemoral and patellofemoral force of either knee [BW].
    fn knee_load_peaks(&self) -> (Option<f64>, Option<f64>) {
        let peak = |f: &dyn Fn(&KneeLoads) -> f64| {
            (0..self.frames.len())
                .map(|i| {
                    let k = &self.m(i).knee;
                    f(&k[Side::Right]).max(f(&k[Side::Left])) / self.weight_n
                })
                .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))))
        };
        (peak(&|k| k.tibiofemoral_n), peak(&|k| k.patellofemoral_n))
    }

    /// RMS reserve torque and peak net moment of each muscle-actuated coordinate, and the RMS
    /// over all of them.
    fn reserves(&self) -> Reserves {
        let model = self.model;
        let mut all = Vec::new();
        let mut rms_by = BTreeMap::new();
        let mut peak_by = BTreeMap::new();
        for c in model.muscle_actuated_coordinates() {
            let (name, c) = (&model.coordinates[c.index()].name, c.index());
            let r = self.series(|i| self.m(i).residual_moments_nm[c]);
            all.extend(&r);
            rms_by.insert(name.clone(), rms(&r).unwrap_or(0.0));
            let peak = (0..self.frames.len())
                .map(|i| self.m(i).filtered_moments_nm[c].abs())
                .fold(0.0, f64::max);
            peak_by.insert(name.clone(), peak);
        }
        Reserves {
            rms_nm: rms(&all),
            rms_by_coordinate_nm: rms_by,
            peak_moment_by_coordinate_nm: peak_by,
        }
    }

    /// Mean whole-body metabolic power [W/kg] and cost of transport [J/(kg·m)] over the mean
    /// speed relative to the belt (none below 0.05 m/s).
    fn metabolic_cost(&self) -> (Option<f64>, Option<f64>) {
        let metabolic =
            mean((0..self.frames.len()).map(|i| self.m(i).whole_body_metabolic_w / self.mass_kg));
        let travel_speed = mean(self.frames.iter().map(|(f, _)| {
            let b = f.belt_velocity_mps;
            if b.length() > 1e-9 {
                (f.com_velocity_mps - b).dot(-b.normalize())
            } else {
                0.0
            }
        }));
        let cot = match (metabolic, travel_speed) {
            (Some(p), Some(v)) if v.abs() > 0.05 => Some(p / v.abs()),
            _ => None,
        };
        (metabolic, cot)
    }

    /// Each muscle group's activation over the window and fibre work per stride of one leg.
    fn muscle_groups(&self) -> BTreeMap<MuscleGroup, MuscleGroupSummary> {
        let model = self.model;
        // Each muscle's fibres either shorten or lengthen: every muscle's power is split into
        // concentric and eccentric work before the group is summed (`StrideWork`), so one
        // muscle's lengthening does not cancel another's shortening.
        let group_strides = StrideWork::muscle_groups(model, &MuscleGroup::ALL).over_recording(
            &self.times,
            |i| &self.m(i).fiber_power_w,
            &self.strikes,
        );
        let mut muscles = BTreeMap::new();
        for (q, group) in MuscleGroup::ALL.into_iter().enumerate() {
            let ids: Vec<usize> = (0..model.muscles.len())
                .filter(|&k| model.muscles[k].group == group)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let acts: Vec<f64> = (0..self.frames.len())
                .flat_map(|i| ids.iter().map(move |&k| self.m(i).activations[k]))
                .collect();
            let work = mean_work(&group_strides, q);
            muscles.insert(
                group,
                MuscleGroupSummary {
                    mean_activation: mean(acts.iter().copied()).unwrap_or(0.0),
                    peak_activation: acts.iter().copied().fold(0.0, f64::max),
                    concentric_work_j_per_stride: work.positive,
                    eccentric_work_j_per_stride: work.negative,
                },
            );
        }
        muscles
    }

    /// Each joint's peaks and work per stride (joint power `M q̇`, Winter 2009, ch. 7, per
    /// stride as the muscles' work is), and its angle, moment and power curves per leg.
    fn joints(&self, curves: &mut Vec<CycleCurve>) -> BTreeMap<Joint, JointSummary> {
        let (m, mass, legs) = (self.model, self.mass_kg, &self.result.skeleton.legs);
        let power = |i: usize, c: usize| {
            self.m(i).filtered_moments_nm[c] * self.frames[i].0.qdot_rad_s[c] / mass
        };
        let joint_strides = StrideWork::new(
            Joint::ALL
                .iter()
                .map(|joint| legs.map(|leg| vec![joint.coordinate(&leg).index()]))
                .collect(),
        )
        .over_recording(
            &self.times,
            |i| {
                (0..m.coordinates.len())
                    .map(|c| power(i, c))
                    .collect::<Vec<f64>>()
            },
            &self.strikes,
        );
        let mut joints = BTreeMap::new();
        for (j, joint) in Joint::ALL.into_iter().enumerate() {
            let mut flex = f64::NEG_INFINITY;
            let mut ext = f64::INFINITY;
            let mut peak_m: f64 = 0.0;
            for leg in legs {
                let c = joint.coordinate(leg).index();
                let base = &m.coordinates[c].base_name;
                let angle: Vec<f64> = self
                    .frames
                    .iter()
                    .map(|(f, _)| f.q_rad[c].to_degrees())
                    .collect();
                let moment = self.series(|i| self.m(i).filtered_moments_nm[c] / mass);
                let power = self.series(|i| power(i, c));
                flex = angle.iter().copied().fold(flex, f64::max);
                ext = angle.iter().copied().fold(ext, f64::min);
                peak_m = moment.iter().map(|x| x.abs()).fold(peak_m, f64::max);
                for (name, series) in [
                    (format!("{base}_deg"), &angle),
                    (format!("{base}_moment_nm_per_kg"), &moment),
                    (format!("{base}_power_w_per_kg"), &power),
                ] {
                    curves.extend(self.curve(&name, leg.side, series));
                }
            }
            let work = mean_work(&joint_strides, j);
            joints.insert(
                joint,
                JointSummary {
                    peak_flexion_deg: flex,
                    peak_extension_deg: ext,
                    peak_moment_nm_per_kg: peak_m,
                    positive_work_j_per_kg_stride: work.positive,
                    negative_work_j_per_kg_stride: work.negative,
                },
            );
        }
        joints
    }

    /// One leg's curves: the sagittal groups' mean activation, the knee loads and the ground
    /// reaction on its foot.
    fn leg_curves(&self, side: Side, curves: &mut Vec<CycleCurve>) {
        let (model, weight) = (self.model, self.weight_n);
        for group in MuscleGroup::SAGITTAL {
            let ids: Vec<usize> = (0..model.muscles.len())
                .filter(|&k| model.muscles[k].group == group && model.muscles[k].side == side)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let act = self.series(|i| {
                ids.iter().map(|&k| self.m(i).activations[k]).sum::<f64>() / ids.len() as f64
            });
            curves.extend(self.curve(&format!("{}_activation", group.as_str()), side, &act));
        }
        let tf = self.series(|i| self.m(i).knee[side].tibiofemoral_n / weight);
        let pf = self.series(|i| self.m(i).knee[side].patellofemoral_n / weight);
        // Ground reaction force on this foot: vertical, and along the direction of travel
        // (opposite to the belt's motion), so positive is propulsive in either walking direction.
        let grf = |i: usize| self.frames[i].0.grf_n[side];
        let grf_v = self.series(|i| grf(i).y / weight);
        let grf_ap = self.series(|i| {
            let b = self.frames[i].0.belt_velocity_mps;
            let travel = -DVec3::new(b.x, 0.0, b.z);
            grf(i).dot(travel.normalize_or_zero()) / weight
        });
        for (name, series) in [
            ("knee_tf_force_bw", &tf),
            ("knee_pf_force_bw", &pf),
            ("grf_vertical_bw", &grf_v),
            ("grf_travel_bw", &grf_ap),
        ] {
            curves.extend(self.curve(name, side, series));
        }
    }
}

fn cycle_curve(
    name: &str,
    side: &str,
    times: &[f64],
    values: &[f64],
    strides: &[(f64, f64)],
) -> Option<CycleCurve> {
    let curves: Vec<Vec<f64>> = strides
        .iter()
        .filter_map(|&(a, b)| normalise(times, values, a, b, CYCLE_POINTS))
        .collect();
    if curves.is_empty() {
        return None;
    }
    let (mean, sd) = if curves.len() == 1 {
        (curves[0].clone(), vec![0.0; CYCLE_POINTS])
    } else {
        mean_sd(&curves)
    };
    Some(CycleCurve {
        variable: name.to_owned(),
        side: side.to_owned(),
        strides: curves.len(),
        mean,
        sd,
    })
}
