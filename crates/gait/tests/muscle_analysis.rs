//! The muscle analysis that runs during a trial obeys its physical invariants on every frame of
//! steady walking: activations in [0, 1], non-negative muscle and patellofemoral forces, moment
//! equilibrium at every muscle-actuated coordinate (muscle moments plus the reported reserve
//! equal the net moment), and per-stride concentric plus eccentric work equal to the integral
//! of fibre power.

use gait::measures::muscle_measures;
use gait::{Direction, EventKind};
use musculo::{Model, Side};

mod common;

fn walk(direction: Direction) -> (Model, gait::TrialResult) {
    common::walk_with_muscles(direction, 9.0)
}

#[test]
fn every_frame_is_in_equilibrium_with_bounded_activations_and_pulling_muscles() {
    for direction in [Direction::Forward, Direction::Backward] {
        let (model, result) = walk(direction);
        let actuated = model.muscle_actuated_coordinates();
        let mut checked = 0;
        for f in &result.frames {
            let m = f.muscles.as_ref().expect("analysis was on");
            for (k, &a) in m.activations.iter().enumerate() {
                assert!(
                    (-1e-6..=1.0 + 1e-6).contains(&a),
                    "t={} a[{k}]={a}",
                    f.time_s
                );
                assert!(
                    m.forces_n[k] >= -1e-6,
                    "t={} F[{k}]={}",
                    f.time_s,
                    m.forces_n[k]
                );
            }
            for &c in &actuated {
                let muscles: f64 = model
                    .muscles
                    .iter()
                    .enumerate()
                    .map(|(k, mu)| m.forces_n[k] * mu.path.moment_arm(&f.q_rad, c))
                    .sum();
                let net = m.filtered_moments_nm[c.index()];
                let residual = m.residual_moments_nm[c.index()];
                assert!(
                    (muscles + residual - net).abs() <= 1e-3 + 1e-4 * net.abs(),
                    "t={} {}: muscles {muscles} + reserve {residual} != net {net}",
                    f.time_s,
                    model.coordinates[c.index()].name
                );
            }
            for knee in &m.knee {
                assert!(knee.patellofemoral_n >= 0.0 && knee.quadriceps_force_n >= 0.0);
            }
            checked += 1;
        }
        assert!(checked > 1500, "{checked} frames");
        // Coordinates without muscles report their whole moment as residual.
        let lumbar = model.coordinate_id("lumbar_extension").unwrap();
        assert!(!actuated.contains(&lumbar));
        let f = result.frames.last().unwrap();
        let m = f.muscles.as_ref().unwrap();
        assert_eq!(
            m.residual_moments_nm[lumbar.index()],
            m.filtered_moments_nm[lumbar.index()]
        );
    }
}

/// Trapezoidal integral of a sampled signal over the samples inside `[a, b]`.
fn trapezoid(times: &[f64], values: &[f64], a: f64, b: f64) -> f64 {
    let pts: Vec<(f64, f64)> = times
        .iter()
        .zip(values)
        .filter(|(t, _)| **t >= a && **t <= b)
        .map(|(t, v)| (*t, *v))
        .collect();
    pts.windows(2)
        .map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0))
        .sum()
}

#[test]
fn groups_work_per_stride_is_the_integral_of_fibre_power_and_their_energy_adds_up() {
    let (model, result) = walk(Direction::Forward);
    let (summary, curves) = muscle_measures(&model, &result).expect("analysis ran");
    let start = result.analysis_start_s();
    let frames: Vec<_> = result.frames.iter().filter(|f| f.time_s >= start).collect();
    let times: Vec<f64> = frames.iter().map(|f| f.time_s).collect();
    let last = *times.last().unwrap();
    let mut checked_groups = 0;
    for (name, group) in &summary.muscles {
        assert!(group.concentric_work_j_per_stride >= 0.0);
        assert!(group.eccentric_work_j_per_stride <= 0.0);
        assert!((0.0..=1.0).contains(&group.mean_activation));
        assert!(group.mean_activation <= group.peak_activation);
        let mut net = Vec::new();
        for side in [Side::Right, Side::Left] {
            let ids: Vec<usize> = (0..model.muscles.len())
                .filter(|&k| model.muscles[k].group == *name && model.muscles[k].side == side)
                .collect();
            let power: Vec<f64> = frames
                .iter()
                .map(|f| {
                    ids.iter()
                        .map(|&k| f.muscles.as_ref().unwrap().fiber_power_w[k])
                        .sum()
                })
                .collect();
            let strikes: Vec<f64> = result
                .events
                .iter()
                .filter(|e| e.side == side && e.kind == EventKind::FootStrike && e.time_s >= start)
                .map(|e| e.time_s)
                .collect();
            for w in strikes.windows(2).filter(|w| w[1] <= last) {
                net.push(trapezoid(&times, &power, w[0], w[1]));
            }
        }
        assert!(net.len() >= 4, "{}: {} strides", name.as_str(), net.len());
        let mean_net = net.iter().sum::<f64>() / net.len() as f64;
        let from_summary = group.concentric_work_j_per_stride + group.eccentric_work_j_per_stride;
        let scale = group.concentric_work_j_per_stride - group.eccentric_work_j_per_stride;
        assert!(
            (from_summary - mean_net).abs() <= 0.02 * scale + 0.05,
            "{}: summary net work {from_summary} J, integral of power {mean_net} J",
            name.as_str()
        );
        checked_groups += 1;
    }
    assert!(checked_groups >= 7);
    // Each group's metabolic power is the mean of its muscles' frame rates per kg of body
    // mass, and the groups with the basal rate make up the whole body's.
    let mass = model.subject.mass_kg;
    let mut groups_sum = 0.0;
    for (name, group) in &summary.muscles {
        let from_frames = frames
            .iter()
            .map(|f| {
                let m = f.muscles.as_ref().unwrap();
                (0..model.muscles.len())
                    .filter(|&k| model.muscles[k].group == *name)
                    .map(|k| m.metabolic_power_w[k])
                    .sum::<f64>()
                    / mass
            })
            .sum::<f64>()
            / frames.len() as f64;
        let p = group.metabolic_power_w_per_kg.expect("measured");
        assert!(p > 0.0, "{}", name.as_str());
        assert!(
            (p - from_frames).abs() < 1e-9,
            "{}: {p} vs {from_frames}",
            name.as_str()
        );
        groups_sum += p;
    }
    let basal = musculo::MetabolicsSettings::default().basal_rate_w_per_kg;
    let whole = summary.metabolic_power_w_per_kg.unwrap();
    assert!(
        (groups_sum + basal - whole).abs() < 1e-9,
        "{groups_sum} + {basal} vs {whole}"
    );
    // The gait-cycle curves have 101 points and as many strides as the summary counts.
    for c in &curves {
        assert_eq!(c.mean.len(), 101);
        assert_eq!(c.sd.len(), 101);
        assert!(c.strides >= 2);
    }
}
