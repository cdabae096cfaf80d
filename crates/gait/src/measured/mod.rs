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
