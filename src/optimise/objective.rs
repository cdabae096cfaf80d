//! The objective a search minimises: per trial condition, a fall penalty, the pace and
//! centring errors of the gait criteria, the metabolic cost of transport and a penalty on
//! vertical ground reaction force above a limit in body weights; summed over the conditions.
//!
//! Every term is a prediction of the simulation scored against a goal, never against a
//! measurement: no joint angle, reference curve or measured load enters (the gait stays a
//! prediction). The terms follow predictive gait simulation: walk without falling at the
//! commanded speed (Wang, Fleet & Hertzmann 2009, ACM Trans Graph 28:168; Song & Geyer 2015, J
//! Physiol 593:3493) at least effort (metabolic energy per distance, Song & Geyer 2015;
//! Veerkamp et al. 2021, J Biomech 123:110530) and without impact peaks (a range penalty on
//! ground reaction force, SCONE's `ReactionForceMeasure`, Geijtenbeek 2019, J Open Source
//! Softw 4:1421; the 1.4 BW limit is the one issue 23 takes from SCONE's gait examples and
//! Veerkamp et al. 2021).

use gait::Frame;
use musculo::STANDARD_GRAVITY_MPS2;
use serde::{Deserialize, Serialize};

/// Weights of the objective's terms and the thresholds inside them; every field is optional
/// in a search file. The defaults keep the terms of a walker that meets the gait criteria at
/// about one each (the start controller at 1 m/s level: see `docs/controller-tuning.md`),
/// and any fall above all of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// A fall (or a trial the simulation could not finish) costs `fall × (2 − t/T)`: at least
    /// `fall`, up to twice that the earlier it happens, so a search is drawn towards later
    /// falls and never prefers a fall to walking. Default 100 (the scale of
    /// `examples/tune.rs`'s `100 (1 − t/T)`, which this replaces).
    pub fall: f64,
    /// Per unit of relative pace error `|v̄/v_belt − 1|` (mean speed over the belt in the
    /// direction of travel). Default 20: the gait criteria's 5 % tolerance costs 1 (as
    /// `examples/tune.rs`).
    pub pace: f64,
    /// Per metre the centre of mass strays beyond [`Weights::centring_free_m`] from the belt's
    /// centre (largest distance along or across, the gait criteria's quantity). Default 10
    /// (as `examples/tune.rs`).
    pub centring: f64,
    /// Distance from the belt's centre that costs nothing \[m\]. Default 0.2 (as
    /// `examples/tune.rs`; the criteria allow 0.5).
    pub centring_free_m: f64,
    /// Per J/(kg·m) of gross metabolic cost of transport. Default 0.5: people's gross cost is
    /// about 3.3 J/(kg·m) at their preferred speed (Ralston 1958, Int Z Angew Physiol
    /// 17:277), so a human-like walker pays about 1.7 and a saving of 2 J/(kg·m) is worth a
    /// 5 % pace error.
    pub cost_of_transport: f64,
    /// Per BW² of mean squared vertical ground reaction force above
    /// [`Weights::grf_limit_bw`]. Default 1.
    pub grf: f64,
    /// Vertical ground reaction force (both feet together) that costs nothing [body
    /// weights]. Default 1.4 (issue 23, after SCONE's gait examples and Veerkamp et al. 2021;
    /// people's walking peaks are 1.1-1.25 BW, Winter 2009, as `docs/validation.md` lists).
    pub grf_limit_bw: f64,
    /// Per squared unit-box distance of a sample outside the searched bounds: the sample is
    /// run at the nearest point inside and charged this (repair and penalty, as Hansen's
    /// tutorial advises for box constraints, arXiv:1604.00772, appendix on boundaries).
    /// Default 100.
    pub bounds: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            fall: 100.0,
            pace: 20.0,
            centring: 10.0,
            centring_free_m: 0.2,
            cost_of_transport: 0.5,
            grf: 1.0,
            grf_limit_bw: 1.4,
            bounds: 100.0,
        }
    }
}

/// What one trial condition measured, before weighting (`evaluations.csv` keeps these per
/// condition).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionMeasures {
    /// When the walker fell or the simulation failed \[s\]; `None` if it walked to the end.
    pub fall_time_s: Option<f64>,
    /// Why it ended early (the fall's reason or the simulation's error).
    pub failure: Option<String>,
    /// Relative pace error `|v̄/v_belt − 1|` over the objective's window.
    pub pace_error: Option<f64>,
    /// Largest distance of the centre of mass from the belt's centre \[m\] over the window.
    pub max_distance_m: Option<f64>,
    /// Gross metabolic cost of transport \[J/(kg·m)\] ([`EffortMeasures`]); `None` without
    /// the muscle analysis.
    pub cost_of_transport_j_per_kg_m: Option<f64>,
    /// Mean squared vertical ground reaction force above the limit \[BW²\] ([`EffortMeasures`]).
    pub grf_excess_bw2: Option<f64>,
}

impl ConditionMeasures {
    /// Whether the condition met the gait criteria of `gait-grid`
    /// ([`gait::summary::walking_criteria_met`]) over the objective's window, which is shorter
    /// than a grid trial's. A walker can avoid every fall by letting the belt carry it off;
    /// this says whether it walked.
    pub fn meets_walking_criteria(&self) -> bool {
        gait::summary::walking_criteria_met(
            self.fall_time_s.is_some(),
            self.pace_error,
            self.max_distance_m,
        )
    }
}

/// The weighted terms of one condition or, summed, of one evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Terms {
    /// Fall penalty.
    pub fall: f64,
    /// Pace error.
    pub pace: f64,
    /// Distance from the belt's centre.
    pub centring: f64,
    /// Metabolic cost of transport.
    pub cost_of_transport: f64,
    /// Vertical ground reaction force above the limit.
    pub grf: f64,
    /// Samples outside the searched bounds (per evaluation, not per condition).
    pub bounds: f64,
}

impl Terms {
    /// Names of the terms, in [`Terms::values`] order.
    pub const NAMES: [&'static str; 6] = [
        "fall",
        "pace",
        "centring",
        "cost_of_transport",
        "grf",
        "bounds",
    ];

    /// The terms in [`Terms::NAMES`] order.
    pub fn values(&self) -> [f64; 6] {
        [
            self.fall,
            self.pace,
            self.centring,
            self.cost_of_transport,
            self.grf,
            self.bounds,
        ]
    }

    /// Their sum: the objective.
    pub fn total(&self) -> f64 {
        self.values().iter().sum()
    }

    /// Term-by-term sum.
    pub fn plus(self, o: Self) -> Self {
        Self {
            fall: self.fall + o.fall,
            pace: self.pace + o.pace,
            centring: self.centring + o.centring,
            cost_of_transport: self.cost_of_transport + o.cost_of_transport,
            grf: self.grf + o.grf,
            bounds: self.bounds + o.bounds,
        }
    }
}

/// The weighted terms of one condition of a trial lasting `duration_s`. A fall scores only
/// the fall: the walking it cut short has no pace, centring or cost to compare.
pub fn condition_terms(m: &ConditionMeasures, w: &Weights, duration_s: f64) -> Terms {
    if let Some(t) = m.fall_time_s {
        return Terms {
            fall: fall_penalty(w.fall, t, duration_s),
            ..Terms::default()
        };
    }
    Terms {
        fall: 0.0,
        pace: w.pace * m.pace_error.unwrap_or(0.0),
        centring: w.centring * (m.max_distance_m.unwrap_or(0.0) - w.centring_free_m).max(0.0),
        cost_of_transport: w.cost_of_transport * m.cost_of_transport_j_per_kg_m.unwrap_or(0.0),
        grf: w.grf * m.grf_excess_bw2.unwrap_or(0.0),
        bounds: 0.0,
    }
}

/// `weight × (2 − t/T)`: a fall at time `t` of a trial of `duration_s` (see
/// [`Weights::fall`]).
pub fn fall_penalty(weight: f64, t: f64, duration_s: f64) -> f64 {
    weight * (2.0 - (t / duration_s).clamp(0.0, 1.0))
}

/// Repair and penalty of a unit-box sample `x` (see [`Weights::bounds`]): the point inside
/// the box nearest to `x`, and `weight × |x − that point|²`.
pub fn repair_into_box(x: &[f64], weight: f64) -> (Vec<f64>, f64) {
    let inside: Vec<f64> = x.iter().map(|v| v.clamp(0.0, 1.0)).collect();
    let d2: f64 = x.iter().zip(&inside).map(|(a, b)| (a - b) * (a - b)).sum();
    (inside, weight * d2)
}

/// Squared vertical ground reaction force above `limit_bw` of one frame \[BW²\]: `fy_n` the
/// vertical force on each foot, `weight_n` the body weight. Both feet count together, as
/// SCONE's `ReactionForceMeasure` sums the legs' loads by default.
pub fn grf_excess_squared<'a>(
    fy_n: impl IntoIterator<Item = &'a f64>,
    weight_n: f64,
    limit_bw: f64,
) -> f64 {
    let load_bw: f64 = fy_n.into_iter().sum::<f64>() / weight_n;
    let excess = (load_bw - limit_bw).max(0.0);
    excess * excess
}

/// Gross metabolic cost of transport \[J/(kg·m)\]: mean whole-body metabolic power (muscles
/// plus basal rate, Umberger 2003/2010 energetics in `musculo::metabolics`) per kilogram
/// over the belt speed, the distance the walker was asked to cover per second (its own pace
/// is held to the belt's by the pace term, so it cannot lower the cost by drifting). Divided
/// by g it is the dimensionless cost `P/(m g v)`.
pub fn cost_of_transport(mean_power_w: f64, mass_kg: f64, belt_speed_mps: f64) -> f64 {
    mean_power_w / (mass_kg * belt_speed_mps)
}

/// The effort measures of one trial, accumulated frame by frame over the objective's window:
/// mean metabolic power (when the muscle analysis runs) and mean squared vertical force above
/// the limit.
#[derive(Debug, Clone)]
pub struct EffortMeasures {
    start_s: f64,
    mass_kg: f64,
    limit_bw: f64,
    frames: usize,
    metabolic_frames: usize,
    metabolic_sum_w: f64,
    grf_excess_sum: f64,
}

impl EffortMeasures {
    /// Measures over the window from `start_s` of a body of `mass_kg`, with the force limit
    /// `limit_bw` [body weights].
    pub fn new(start_s: f64, mass_kg: f64, limit_bw: f64) -> Self {
        Self {
            start_s,
            mass_kg,
            limit_bw,
            frames: 0,
            metabolic_frames: 0,
            metabolic_sum_w: 0.0,
            grf_excess_sum: 0.0,
        }
    }

    /// Feeds a frame; one before the window is ignored.
    pub fn frame(&mut self, f: &Frame) {
        if f.time_s < self.start_s {
            return;
        }
        self.frames += 1;
        let weight_n = self.mass_kg * STANDARD_GRAVITY_MPS2;
        let fy = f.grf_n.iter().map(|g| &g.y);
        self.grf_excess_sum += grf_excess_squared(fy, weight_n, self.limit_bw);
        if let Some(m) = &f.muscles {
            self.metabolic_frames += 1;
            self.metabolic_sum_w += m.whole_body_metabolic_w;
        }
    }

    /// Mean squared force above the limit \[BW²\]; `None` before any frame of the window.
    pub fn grf_excess_bw2(&self) -> Option<f64> {
        (self.frames > 0).then(|| self.grf_excess_sum / self.frames as f64)
    }

    /// Cost of transport at `belt_speed_mps` \[J/(kg·m)\]; `None` without analysed frames.
    pub fn cost_of_transport(&self, belt_speed_mps: f64) -> Option<f64> {
        (self.metabolic_frames > 0).then(|| {
            let mean = self.metabolic_sum_w / self.metabolic_frames as f64;
            cost_of_transport(mean, self.mass_kg, belt_speed_mps)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grf_penalty_is_zero_up_to_the_limit_and_grows_quadratically_above() {
        let w = 700.0;
        assert_eq!(grf_excess_squared(&[0.0, 0.0], w, 1.4), 0.0);
        assert_eq!(grf_excess_squared(&[700.0, 280.0], w, 1.4), 0.0);
        let a = grf_excess_squared(&[700.0, 350.0], w, 1.4);
        let b = grf_excess_squared(&[1400.0, 0.0], w, 1.4);
        assert!((a - 0.01).abs() < 1e-12, "{a}");
        assert!((b - 0.36).abs() < 1e-12, "{b}");
        assert!(b > a);
    }

    #[test]
    fn cost_of_transport_is_power_per_kilogram_and_metre() {
        // 70 kg at 1.25 m/s spending 290 W: 3.31 J/(kg·m) (about Ralston 1958's minimum).
        let cot = cost_of_transport(290.0, 70.0, 1.25);
        assert!((cot - 290.0 / 87.5).abs() < 1e-12);
        assert!((cot - 3.314).abs() < 1e-3);
    }

    #[test]
    fn a_fall_costs_more_the_earlier_it_happens_and_more_than_walking() {
        let w = Weights::default();
        assert_eq!(fall_penalty(100.0, 10.0, 10.0), 100.0);
        assert_eq!(fall_penalty(100.0, 0.0, 10.0), 200.0);
        assert!(fall_penalty(100.0, 2.0, 10.0) > fall_penalty(100.0, 8.0, 10.0));
        let fell = ConditionMeasures {
            fall_time_s: Some(9.0),
            failure: Some("pelvis_low".into()),
            pace_error: Some(0.5),
            max_distance_m: Some(2.0),
            cost_of_transport_j_per_kg_m: Some(50.0),
            grf_excess_bw2: Some(3.0),
        };
        let t = condition_terms(&fell, &w, 10.0);
        assert!((t.fall - 110.0).abs() < 1e-9, "{}", t.fall);
        assert_eq!(t.total(), t.fall, "a fall scores only the fall");
    }

    #[test]
    fn walking_criteria_need_no_fall_the_pace_and_the_centre() {
        let walked = ConditionMeasures {
            fall_time_s: None,
            failure: None,
            pace_error: Some(0.05),
            max_distance_m: Some(0.5),
            cost_of_transport_j_per_kg_m: Some(4.0),
            grf_excess_bw2: Some(0.0),
        };
        assert!(
            walked.meets_walking_criteria(),
            "the limits themselves pass"
        );
        let carried_off = ConditionMeasures {
            pace_error: Some(0.3),
            ..walked.clone()
        };
        assert!(!carried_off.meets_walking_criteria());
        let drifted = ConditionMeasures {
            max_distance_m: Some(0.51),
            ..walked.clone()
        };
        assert!(!drifted.meets_walking_criteria());
        let fell = ConditionMeasures {
            fall_time_s: Some(9.0),
            failure: Some("pelvis_low".into()),
            ..walked.clone()
        };
        assert!(!fell.meets_walking_criteria());
        let unmeasured = ConditionMeasures {
            pace_error: None,
            ..walked
        };
        assert!(!unmeasured.meets_walking_criteria());
    }

    #[test]
    fn walking_terms_weight_each_measure() {
        let w = Weights::default();
        let walked = ConditionMeasures {
            fall_time_s: None,
            failure: None,
            pace_error: Some(0.05),
            max_distance_m: Some(0.3),
            cost_of_transport_j_per_kg_m: Some(4.0),
            grf_excess_bw2: Some(0.25),
        };
        let t = condition_terms(&walked, &w, 10.0);
        assert!((t.pace - 1.0).abs() < 1e-12);
        assert!((t.centring - 1.0).abs() < 1e-12, "{}", t.centring);
        assert!((t.cost_of_transport - 2.0).abs() < 1e-12);
        assert!((t.grf - 0.25).abs() < 1e-12);
        assert_eq!(t.fall, 0.0);
        assert!((t.total() - 4.25).abs() < 1e-12);
        let near = ConditionMeasures {
            max_distance_m: Some(0.1),
            ..walked
        };
        assert_eq!(condition_terms(&near, &w, 10.0).centring, 0.0);
    }

    /// A frame with vertical forces `fy` on the feet and no muscle analysis.
    fn frame(time_s: f64, fy: [f64; 2]) -> Frame {
        use glam::DVec3;
        use musculo::Sides;
        let zero = DVec3::ZERO;
        Frame {
            time_s,
            q_rad: vec![],
            qdot_rad_s: vec![],
            applied_torques_nm: vec![],
            net_moments_nm: vec![],
            grf_n: Sides::new(DVec3::new(0.0, fy[0], 0.0), DVec3::new(0.0, fy[1], 0.0)),
            cop_m: Sides::default(),
            heel_contact: Sides::default(),
            toe_contact: Sides::default(),
            pelvis_position_m: zero,
            pelvis_velocity_mps: zero,
            com_m: zero,
            com_velocity_mps: zero,
            belt_velocity_mps: zero,
            push_force_n: zero,
            knee_force_on_shank_n: Sides::default(),
            residual_force_n: zero,
            residual_moment_nm: zero,
            stance_side: None,
            muscles: None,
        }
    }

    #[test]
    fn effort_measures_average_over_the_window_only() {
        let weight = 70.0 * STANDARD_GRAVITY_MPS2;
        let mut m = EffortMeasures::new(1.0, 70.0, 1.4);
        assert_eq!(m.grf_excess_bw2(), None);
        // Before the window: a huge force that must not count.
        m.frame(&frame(0.5, [10.0 * weight, 0.0]));
        m.frame(&frame(1.0, [weight, 0.0]));
        m.frame(&frame(1.1, [2.4 * weight, 0.0]));
        let mean = m.grf_excess_bw2().unwrap();
        assert!((mean - 0.5).abs() < 1e-12, "{mean}");
        assert_eq!(
            m.cost_of_transport(1.0),
            None,
            "no muscle analysis, no cost"
        );
    }

    #[test]
    fn samples_outside_the_box_are_repaired_and_charged() {
        let (inside, penalty) = repair_into_box(&[0.5, 1.2, -0.1], 100.0);
        assert_eq!(inside, [0.5, 1.0, 0.0]);
        assert!((penalty - 5.0).abs() < 1e-9, "{penalty}");
        assert_eq!(repair_into_box(&[0.0, 1.0], 100.0).1, 0.0);
    }
}
