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
use musculo::{CoordinateId, Model, MuscleGroup, STANDARD_GRAVITY_MPS2, Side};
use serde::{Deserialize, Serialize};

use crate::cycles::{mean_sd, normalise, strides};
use crate::record::EventKind;
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
    pub strides_per_leg: [usize; 2],
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
/// carry the muscle analysis. Returns `None` when they do not.
pub fn muscle_measures(
    model: &Model,
    result: &TrialResult,
) -> Option<(MuscleSummary, Vec<CycleCurve>)> {
    let start = result.start_ramp_s + crate::summary::SETTLE_S;
    let frames: Vec<_> = result
        .frames
        .iter()
        .filter(|f| f.time_s >= start && f.muscles.is_some())
        .collect();
    if frames.is_empty() {
        return None;
    }
    let m = |i: usize| frames[i].muscles.as_ref().expect("filtered on muscles");
    let times: Vec<f64> = frames.iter().map(|f| f.time_s).collect();
    let mass = model.subject.mass_kg;
    let weight = mass * STANDARD_GRAVITY_MPS2;
    let sides = [Side::Right, Side::Left];
    let leg_strides: Vec<Vec<(f64, f64)>> = sides
        .iter()
        .map(|&side| {
            let strikes: Vec<f64> = result
                .events
                .iter()
                .filter(|e| e.side == side && e.kind == EventKind::FootStrike && e.time_s >= start)
                .map(|e| e.time_s)
                .collect();
            strides(&strikes)
                .into_iter()
                .filter(|&(_, end)| end <= times[times.len() - 1])
                .collect()
        })
        .collect();

    // Knee loads and reserves.
    let peak = |f: &dyn Fn(usize) -> f64| {
        (0..frames.len())
            .map(f)
            .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))))
    };
    let peak_tf = peak(&|i| {
        m(i).knee[Side::Right]
            .tibiofemoral_n
            .max(m(i).knee[Side::Left].tibiofemoral_n)
            / weight
    });
    let peak_pf = peak(&|i| {
        m(i).knee[Side::Right]
            .patellofemoral_n
            .max(m(i).knee[Side::Left].patellofemoral_n)
            / weight
    });
    let actuated: Vec<usize> = (0..model.coordinates.len())
        .filter(|&c| {
            model
                .muscles
                .iter()
                .any(|mu| mu.path.crosses(musculo::CoordinateId(c as u32)))
        })
        .collect();
    let mut all_reserves = Vec::new();
    let mut reserve_by = BTreeMap::new();
    let mut peak_moment_by = BTreeMap::new();
    for &c in &actuated {
        let r: Vec<f64> = (0..frames.len())
            .map(|i| m(i).residual_moments_nm[c])
            .collect();
        all_reserves.extend(&r);
        reserve_by.insert(model.coordinates[c].name.clone(), rms(&r).unwrap_or(0.0));
        let pk = (0..frames.len())
            .map(|i| m(i).filtered_moments_nm[c].abs())
            .fold(0.0, f64::max);
        peak_moment_by.insert(model.coordinates[c].name.clone(), pk);
    }

    // Metabolic cost.
    let metabolic = mean((0..frames.len()).map(|i| m(i).whole_body_metabolic_w / mass));
    let travel_speed = mean(frames.iter().map(|f| {
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

    // Muscle groups: activation over the window, work per stride of each leg.
    let strikes: Vec<(Side, f64)> = result
        .events
        .iter()
        .filter(|e| e.kind == EventKind::FootStrike && e.time_s >= start)
        .map(|e| (e.side, e.time_s))
        .collect();
    let group_strides = StrideWork::muscle_groups(model, &MuscleGroup::ALL).over_recording(
        &times,
        |i| &m(i).fiber_power_w,
        &strikes,
    );
    let mut muscles = BTreeMap::new();
    for (q, group) in MuscleGroup::ALL.into_iter().enumerate() {
        let ids: Vec<usize> = (0..model.muscles.len())
            .filter(|&k| model.muscles[k].group == group)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let acts: Vec<f64> = (0..frames.len())
            .flat_map(|i| ids.iter().map(move |&k| m(i).activations[k]))
            .collect();
        // Each muscle's fibres either shorten or lengthen: every muscle's power is split into
        // concentric and eccentric work before the group is summed (`StrideWork`), so one
        // muscle's lengthening does not cancel another's shortening.
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

    // Joints and gait-cycle curves. Joint work per stride the same way as the muscles': one
    // quantity per joint, channel `c` the power at coordinate `c` (Winter 2009, ch. 7).
    let joint_strides = StrideWork::new(
        Joint::ALL
            .iter()
            .map(|joint| {
                result
                    .skeleton
                    .legs
                    .map(|leg| vec![joint.coordinate(&leg).index()])
            })
            .collect(),
    )
    .over_recording(
        &times,
        |i| {
            (0..model.coordinates.len())
                .map(|c| m(i).filtered_moments_nm[c] * frames[i].qdot_rad_s[c] / mass)
                .collect::<Vec<f64>>()
        },
        &strikes,
    );
    let mut joints = BTreeMap::new();
    let mut curves = Vec::new();
    for (j, joint) in Joint::ALL.into_iter().enumerate() {
        let mut flex = f64::NEG_INFINITY;
        let mut ext = f64::INFINITY;
        let mut peak_m: f64 = 0.0;
        let mut legs = Vec::new();
        for (s, side) in sides.iter().enumerate() {
            let c = joint.coordinate(&result.skeleton.legs[*side]).index();
            let base = &model.coordinates[c].base_name;
            legs.push(*side);
            let angle: Vec<f64> = frames.iter().map(|f| f.q_rad[c].to_degrees()).collect();
            let moment: Vec<f64> = (0..frames.len())
                .map(|i| m(i).filtered_moments_nm[c] / mass)
                .collect();
            let power: Vec<f64> = (0..frames.len())
                .map(|i| m(i).filtered_moments_nm[c] * frames[i].qdot_rad_s[c] / mass)
                .collect();
            flex = angle.iter().copied().fold(flex, f64::max);
            ext = angle.iter().copied().fold(ext, f64::min);
            peak_m = moment.iter().map(|x| x.abs()).fold(peak_m, f64::max);
            let tag = if *side == Side::Right { "r" } else { "l" };
            for (name, series) in [
                (format!("{base}_deg"), &angle),
                (format!("{base}_moment_nm_per_kg"), &moment),
                (format!("{base}_power_w_per_kg"), &power),
            ] {
                if let Some(c) = cycle_curve(&name, tag, &times, series, &leg_strides[s]) {
                    curves.push(c);
                }
            }
        }
        if flex.is_finite() {
            let work = mean_work(joint_strides.iter().filter(|st| legs.contains(&st.side)), j);
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
    }
    for (s, side) in sides.iter().enumerate() {
        let tag = if *side == Side::Right { "r" } else { "l" };
        for group in MuscleGroup::SAGITTAL {
            let ids: Vec<usize> = (0..model.muscles.len())
                .filter(|&k| model.muscles[k].group == group && model.muscles[k].side == *side)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let act: Vec<f64> = (0..frames.len())
                .map(|i| ids.iter().map(|&k| m(i).activations[k]).sum::<f64>() / ids.len() as f64)
                .collect();
            if let Some(c) = cycle_curve(
                &format!("{}_activation", group.as_str()),
                tag,
                &times,
                &act,
                &leg_strides[s],
            ) {
                curves.push(c);
            }
        }
        let tf: Vec<f64> = (0..frames.len())
            .map(|i| m(i).knee[*side].tibiofemoral_n / weight)
            .collect();
        let pf: Vec<f64> = (0..frames.len())
            .map(|i| m(i).knee[*side].patellofemoral_n / weight)
            .collect();
        // Ground reaction force on this foot: vertical, and along the direction of travel
        // (opposite to the belt's motion), so positive is propulsive in either walking direction.
        let grf_v: Vec<f64> = frames.iter().map(|f| f.grf_n[*side].y / weight).collect();
        let grf_ap: Vec<f64> = frames
            .iter()
            .map(|f| {
                let travel = -DVec3::new(f.belt_velocity_mps.x, 0.0, f.belt_velocity_mps.z);
                f.grf_n[*side].dot(travel.normalize_or_zero()) / weight
            })
            .collect();
        for (name, series) in [
            ("knee_tf_force_bw", &tf),
            ("knee_pf_force_bw", &pf),
            ("grf_vertical_bw", &grf_v),
            ("grf_travel_bw", &grf_ap),
        ] {
            if let Some(c) = cycle_curve(name, tag, &times, series, &leg_strides[s]) {
                curves.push(c);
            }
        }
    }
    Some((
        MuscleSummary {
            strides_per_leg: [leg_strides[0].len(), leg_strides[1].len()],
            peak_knee_tf_force_bw: peak_tf,
            peak_knee_pf_force_bw: peak_pf,
            reserve_rms_nm: rms(&all_reserves),
            reserve_rms_by_coordinate_nm: reserve_by,
            peak_net_moment_by_coordinate_nm: peak_moment_by,
            metabolic_power_w_per_kg: metabolic,
            cost_of_transport: cot,
            muscles,
            joints,
        },
        curves,
    ))
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
