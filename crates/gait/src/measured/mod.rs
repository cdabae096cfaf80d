//! Measured walking through the same analysis as a simulated trial: a recorded motion
//! (coordinates over time, e.g. from OpenSim inverse kinematics) and the measured ground
//! reactions become [`Frame`](crate::Frame)s with inverse-dynamics moments, then the muscle
//! analysis, events and measures every trial gets.
//!
//! The inputs are plain data in retrogait's conventions; reading OpenSim files and mapping
//! their coordinate names is the command line's job.

use glam::DVec3;
use musculo::Sides;

/// A recorded motion in the model's coordinates, on its own time base.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredMotion {
    /// Sample times \[s\], strictly increasing.
    pub time_s: Vec<f64>,
    /// Pelvis orientation per sample: rotations \[rad\] about the pelvis' z (tilt), then x
    /// (list), then y (rotation) axes, body-fixed, from the world axes (x forward, y up, z
    /// right) — the sequence of OpenSim's `ground_pelvis` joint in its gait models.
    pub pelvis_angles_rad: Vec<[f64; 3]>,
    /// Midpoint of the two hip centres per sample \[m\], world frame (an anatomical point,
    /// so models whose pelvis frames have different origins agree on it).
    pub mid_hip_m: Vec<DVec3>,
    /// Model coordinates per sample \[rad\], indexed by `CoordinateId` (those the recording
    /// lacks are zero).
    pub q_rad: Vec<Vec<f64>>,
    /// Names of the model coordinates the recording lacks (held at zero).
    pub missing_coordinates: Vec<String>,
}

/// Measured ground reaction on one foot, on its own time base.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MeasuredLoad {
    /// Sample times \[s\], strictly increasing.
    pub time_s: Vec<f64>,
    /// Force of the ground on the foot \[N\], world frame.
    pub force_n: Vec<DVec3>,
    /// Point of application (centre of pressure) \[m\], world frame.
    pub point_m: Vec<DVec3>,
    /// Free moment about the point of application [N·m], world frame.
    pub torque_nm: Vec<DVec3>,
}

/// The measured ground reactions of both feet.
pub type MeasuredLoads = Sides<MeasuredLoad>;

mod frames;

use musculo::Side;

use crate::analysis::AnalysisSettings;
use crate::skeleton::SkeletonError;
use crate::trial::TrialResult;

/// Vertical force above which a foot counts as touching the ground \[N\]. Force-plate event
/// detection uses thresholds of about 10 to 50 N (Leitch et al. 2011, Gait Posture 33:130-132,
/// doi:10.1016/j.gaitpost.2010.06.009, settle on 10 N after comparing several); 20 N is our
/// choice within that range, above typical plate noise, not a value taken from one paper.
pub const CONTACT_THRESHOLD_N: f64 = 20.0;

/// How a measured recording is analysed, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredSettings {
    /// Low-pass cut-off of the kinematics \[Hz\] (zero-phase, as OpenSim's tools filter
    /// coordinates; see [`crate::signal::lowpass_zero_phase`]); `None` leaves them unfiltered.
    /// Default 6 Hz, the cut-off of OpenSim's gait examples (`walk_Setup_ID.xml` of
    /// Gait10dof18musc).
    pub cutoff_hz: Option<f64>,
    /// Vertical ground reaction above which a foot is in contact \[N\]. Default
    /// [`CONTACT_THRESHOLD_N`].
    pub contact_threshold_n: f64,
    /// The muscle analysis; `None` stops after inverse dynamics. The kinetics are not filtered
    /// again (the kinematics were).
    pub muscles: Option<AnalysisSettings>,
}

impl Default for MeasuredSettings {
    fn default() -> Self {
        Self {
            cutoff_hz: Some(6.0),
            contact_threshold_n: CONTACT_THRESHOLD_N,
            muscles: Some(AnalysisSettings {
                kinetics_cutoff_hz: f64::INFINITY,
                ..AnalysisSettings::default()
            }),
        }
    }
}

/// Why a measured recording could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum MeasuredError {
    /// The model lacks a part the analysis needs.
    #[error(transparent)]
    Model(#[from] SkeletonError),
    /// The recording itself is unusable.
    #[error("motion: {0}")]
    Motion(String),
    /// A channel could not be filtered or splined.
    #[error("motion: {channel}: {reason}")]
    Signal {
        /// Which channel.
        channel: String,
        /// Why.
        reason: String,
    },
    /// The ground reactions do not cover a sample of the motion.
    #[error("ground reactions of the {side:?} foot do not cover t = {time_s} s of the motion")]
    LoadsDoNotCover {
        /// Which foot.
        side: Side,
        /// The motion's sample time \[s\].
        time_s: f64,
    },
    /// The muscle analysis failed.
    #[error("muscle analysis at t = {time_s} s: {reason}")]
    Muscles {
        /// Time of the frame \[s\].
        time_s: f64,
        /// Why.
        reason: String,
    },
}

/// Analyses measured walking as a trial: the frames carry the measured kinematics and ground
/// reactions, inverse-dynamics moments and (with [`MeasuredSettings::muscles`]) the muscle
/// analysis, and the events come from the force threshold, so the summary and the measures of
/// any trial apply. The result's window starts at the first sample; its "belt" is the frame
/// moving with the mean walking velocity.
pub fn analyse(
    model: &musculo::Model,
    motion: &MeasuredMotion,
    loads: &MeasuredLoads,
    settings: &MeasuredSettings,
) -> Result<TrialResult, MeasuredError> {
    motion.check(model)?;
    frames::analyse(model, motion, loads, settings)
}

impl MeasuredMotion {
    /// Fewest samples the analysis accepts (the splines and the filter need a few).
    pub const MIN_SAMPLES: usize = 4;

    /// Checks the lengths, the time base (strictly increasing, evenly sampled within 1 %, as
    /// the filter assumes) and that every value is finite.
    pub fn check(&self, model: &musculo::Model) -> Result<(), MeasuredError> {
        let n = self.time_s.len();
        let bad = |m: String| Err(MeasuredError::Motion(m));
        if n < Self::MIN_SAMPLES {
            return bad(format!(
                "{n} samples; at least {} needed",
                Self::MIN_SAMPLES
            ));
        }
        if self.pelvis_angles_rad.len() != n || self.mid_hip_m.len() != n || self.q_rad.len() != n {
            return bad(
                "the pelvis, hip and coordinate series differ in length from the time".into(),
            );
        }
        if let Some(i) = self
            .q_rad
            .iter()
            .position(|q| q.len() != model.coordinates.len())
        {
            return bad(format!(
                "sample {i} has {} coordinates, the model {}",
                self.q_rad[i].len(),
                model.coordinates.len()
            ));
        }
        for i in 0..n {
            let finite = self.time_s[i].is_finite()
                && self.pelvis_angles_rad[i].iter().all(|v| v.is_finite())
                && self.mid_hip_m[i].is_finite()
                && self.q_rad[i].iter().all(|v| v.is_finite());
            if !finite {
                return bad(format!(
                    "a value at sample {i} (t = {} s) is not finite",
                    self.time_s[i]
                ));
            }
        }
        let dt = (self.time_s[n - 1] - self.time_s[0]) / (n - 1) as f64;
        for (i, w) in self.time_s.windows(2).enumerate() {
            if w[1] <= w[0] {
                return bad(format!(
                    "time is not increasing at sample {}: {} after {}",
                    i + 1,
                    w[1],
                    w[0]
                ));
            }
            if ((w[1] - w[0]) - dt).abs() > 0.01 * dt {
                return bad(format!(
                    "uneven sampling at t = {} s: step {} s against a mean of {dt} s",
                    w[0],
                    w[1] - w[0]
                ));
            }
        }
        Ok(())
    }

    /// The recording played backwards: sample `i` of the result is sample `n − 1 − i` of this
    /// one, at time `t₀ + t_end − t`, so the time span is kept. Velocities change sign,
    /// accelerations do not; rigid-body dynamics is time-reversible, so the joint moments of
    /// the reversed motion under the reversed loads are those of the recording (Winter, Pluck &
    /// Yang 1989, Can J Sport Sci 14:6, "backward walking as forward walking reversed").
    pub fn reversed(&self) -> Self {
        let (t0, t1) = (self.time_s[0], self.time_s[self.time_s.len() - 1]);
        Self {
            time_s: self.time_s.iter().rev().map(|t| t0 + t1 - t).collect(),
            pelvis_angles_rad: self.pelvis_angles_rad.iter().rev().copied().collect(),
            mid_hip_m: self.mid_hip_m.iter().rev().copied().collect(),
            q_rad: self.q_rad.iter().rev().cloned().collect(),
            missing_coordinates: self.missing_coordinates.clone(),
        }
    }
}

impl MeasuredLoad {
    /// The load played backwards in time (forces and moments are even in time); see
    /// [`MeasuredMotion::reversed`]. `span` is the motion's `(t₀, t_end)`, so both are
    /// reflected about the same instant.
    pub fn reversed(&self, span: (f64, f64)) -> Self {
        Self {
            time_s: self
                .time_s
                .iter()
                .rev()
                .map(|t| span.0 + span.1 - t)
                .collect(),
            force_n: self.force_n.iter().rev().copied().collect(),
            point_m: self.point_m.iter().rev().copied().collect(),
            torque_nm: self.torque_nm.iter().rev().copied().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use glam::DVec3;
    use musculo::{Model, STANDARD_GRAVITY_MPS2, Side, Sides};

    use super::*;

    fn model() -> Model {
        Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap()
    }

    /// A synthetic recording: every coordinate and the pelvis swing sinusoidally at 1 Hz while
    /// the body moves forward at 1.2 m/s; each foot carries just under half the weight at a
    /// fixed point (under half, so that neither counts as a loaded foot resting on the ground:
    /// the synthetic feet swing, so the ground's velocity is that of an overground recording).
    fn recording(model: &Model) -> (MeasuredMotion, MeasuredLoads) {
        let n = 121;
        let time_s: Vec<f64> = (0..n).map(|i| 0.5 + i as f64 / 60.0).collect();
        let w = std::f64::consts::TAU;
        let motion = MeasuredMotion {
            pelvis_angles_rad: time_s
                .iter()
                .map(|t| [0.1 * (w * t).sin(), 0.05 * (w * t).cos(), 0.0])
                .collect(),
            mid_hip_m: time_s
                .iter()
                .map(|t| DVec3::new(1.2 * t, 0.9 + 0.02 * (2.0 * w * t).sin(), 0.0))
                .collect(),
            q_rad: time_s
                .iter()
                .map(|t| {
                    (0..model.coordinates.len())
                        .map(|c| 0.2 * (w * t + c as f64).sin())
                        .collect()
                })
                .collect(),
            missing_coordinates: vec![],
            time_s,
        };
        let half = 0.499 * model.total_mass_kg() * STANDARD_GRAVITY_MPS2;
        let load = |z: f64| MeasuredLoad {
            time_s: (0..=300).map(|i| i as f64 / 100.0).collect(),
            force_n: vec![DVec3::new(0.0, half, 0.0); 301],
            point_m: vec![DVec3::new(1.0, 0.0, z); 301],
            torque_nm: vec![DVec3::new(0.0, 1.0, 0.0); 301],
        };
        (motion, Sides::new(load(0.1), load(-0.1)))
    }

    fn settings() -> MeasuredSettings {
        MeasuredSettings {
            muscles: None,
            ..MeasuredSettings::default()
        }
    }

    #[test]
    fn time_reversal_keeps_the_joint_moments() {
        let m = model();
        let (motion, loads) = recording(&m);
        let span = (motion.time_s[0], *motion.time_s.last().unwrap());
        let forward = analyse(&m, &motion, &loads, &settings()).unwrap();
        let back = analyse(
            &m,
            &motion.reversed(),
            &loads.clone().map(|l| l.reversed(span)),
            &settings(),
        )
        .unwrap();
        let n = forward.frames.len();
        // Away from the ends (where the filter's padding differs in the two directions).
        for i in 10..n - 10 {
            let (f, b) = (&forward.frames[i], &back.frames[n - 1 - i]);
            assert!((f.time_s - (span.0 + span.1 - b.time_s)).abs() < 1e-9);
            for (c, (x, y)) in f.net_moments_nm.iter().zip(&b.net_moments_nm).enumerate() {
                assert!(
                    (x - y).abs() < 1e-3 * (1.0 + x.abs()),
                    "coordinate {c} at {}: {x} vs {y}",
                    f.time_s
                );
            }
            for (x, y) in f.qdot_rad_s.iter().zip(&b.qdot_rad_s) {
                assert!((x + y).abs() < 1e-6 * (1.0 + x.abs()), "speeds change sign");
            }
        }
        assert_eq!(forward.spec.direction, crate::Direction::Forward);
        assert_eq!(back.spec.direction, crate::Direction::Backward);
        assert!((forward.spec.speed_mps - 1.2).abs() < 1e-6);
    }

    #[test]
    fn vertical_balance_closes_when_the_feet_carry_the_weight() {
        // The body's vertical acceleration is the 2 Hz bob of the hips; the feet carry the
        // weight exactly, so the pelvis residual is the bob's inertial force, m·a_y, and its
        // mean over whole periods is zero.
        let m = model();
        let (motion, loads) = recording(&m);
        let r = analyse(&m, &motion, &loads, &settings()).unwrap();
        let inner = &r.frames[30..90];
        let mean = inner.iter().map(|f| f.residual_force_n.y).sum::<f64>() / inner.len() as f64;
        assert!(
            mean.abs() < 0.05 * m.total_mass_kg() * STANDARD_GRAVITY_MPS2,
            "{mean}"
        );
        // Both feet touch all along (above the 20 N threshold) and nobody pushed.
        assert!(
            r.frames
                .iter()
                .all(|f| f.heel_contact[Side::Right] || f.toe_contact[Side::Right])
        );
        assert!(r.events.is_empty());
    }

    #[test]
    fn bad_recordings_are_refused() {
        let m = model();
        let (mut motion, loads) = recording(&m);
        motion.time_s[5] = motion.time_s[4];
        let e = analyse(&m, &motion, &loads, &settings()).unwrap_err();
        assert!(e.to_string().contains("not increasing at sample 5"), "{e}");
        let (mut motion, _) = recording(&m);
        motion.q_rad[7][2] = f64::NAN;
        let e = analyse(&m, &motion, &loads, &settings()).unwrap_err();
        assert!(e.to_string().contains("sample 7"), "{e}");
        let (motion, mut loads) = recording(&m);
        loads[Side::Left].time_s.truncate(100);
        loads[Side::Left].force_n.truncate(100);
        let e = analyse(&m, &motion, &loads, &settings()).unwrap_err();
        assert!(
            matches!(
                e,
                MeasuredError::LoadsDoNotCover {
                    side: Side::Left,
                    ..
                }
            ),
            "{e}"
        );
    }
}
