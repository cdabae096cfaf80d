//! Knee joint contact loads from muscle forces and the intersegmental force.
//!
//! **Tibiofemoral.** The femur pushes on the tibial plateau with the contact force `F_c`; the
//! intersegmental (joint reaction) force from inverse dynamics, `F_int`, is the sum of the
//! contact force and the forces of the muscles crossing the knee. With the muscles' lines of
//! action taken parallel to the shank's long axis, the compressive component is
//! `F_TF = -F_int·ŷ_shank + Σ_{m crosses knee} F_m` (Winby, Lloyd, Besier & Kirk 2009,
//! "Muscle and external load contribution to knee joint contact loads during normal gait",
//! J Biomech 42:2294-2300, who add muscle forces to the external load; here one compartment,
//! no frontal-plane moment split). Departure: the patellar tendon and hamstring lines of
//! action are inclined by up to ~20° to the tibia, which this projection ignores (it
//! overestimates compression by at most 1 - cos 20° ≈ 6 % of the muscle part).
//!
//! **Patellofemoral.** `F_PF = k(θ) F_Q`, with `F_Q` the summed quadriceps tendon force and
//! `k(θ)` the ratio of patellofemoral compression to quadriceps force as a function of knee
//! flexion θ in degrees, fitted to van Eijden, Kouwenhoven, Verburg & Weijs 1986 ("A
//! mathematical model of the patellofemoral joint", J Biomech 19:219-229) as used by
//! Brechter & Powers 2002 (Gait Posture 16:115-123) and Nunes et al. 2018:
//! `k(θ) = (0.462 + 0.00147θ − 3.84e-5θ²) / (1 − 0.0162θ + 1.55e-4θ² − 6.98e-7θ³)`.
//! θ is clamped to the fit's range 0-120°.

use glam::DVec3;
use serde::Serialize;

use crate::model::{JointId, Model};
use crate::spec::MuscleGroup;

/// Knee contact loads of one leg at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KneeLoads {
    /// Tibiofemoral compressive force \[N\] (negative would mean distraction).
    pub tibiofemoral_n: f64,
    /// Patellofemoral compressive force \[N\].
    pub patellofemoral_n: f64,
    /// Summed quadriceps tendon force \[N\].
    pub quadriceps_force_n: f64,
    /// Summed force of all muscles crossing the knee \[N\].
    pub muscles_crossing_n: f64,
}

/// Ratio of patellofemoral compression to quadriceps force, van Eijden et al. 1986 fit.
pub fn patellofemoral_ratio(knee_flexion_rad: f64) -> f64 {
    let t = knee_flexion_rad.to_degrees().clamp(0.0, 120.0);
    (0.462 + 0.00147 * t - 3.84e-5 * t * t)
        / (1.0 - 0.0162 * t + 1.55e-4 * t * t - 6.98e-7 * t * t * t)
}

/// Knee loads at the knee joint `knee` from the muscle tendon forces (indexed by muscle id),
/// the knee flexion angle and the intersegmental force that the thigh exerts on the shank,
/// expressed in the shank frame \[N\]. The muscles of the joint's side that cross any of its
/// coordinates count as crossing the knee.
pub fn knee_loads(
    model: &Model,
    knee: JointId,
    muscle_forces_n: &[f64],
    knee_flexion_rad: f64,
    intersegmental_force_on_shank_n: DVec3,
) -> KneeLoads {
    let joint = &model.joints[knee.index()];
    let mut crossing = 0.0;
    let mut quadriceps = 0.0;
    for (m, muscle) in model.muscles.iter().enumerate() {
        if joint.side != Some(muscle.side) {
            continue;
        }
        if joint.coordinates.iter().any(|&c| muscle.path.crosses(c)) {
            crossing += muscle_forces_n[m];
        }
        if muscle.group == MuscleGroup::Quadriceps {
            quadriceps += muscle_forces_n[m];
        }
    }
    KneeLoads {
        tibiofemoral_n: -intersegmental_force_on_shank_n.y + crossing,
        patellofemoral_n: patellofemoral_ratio(knee_flexion_rad) * quadriceps,
        quadriceps_force_n: quadriceps,
        muscles_crossing_n: crossing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patellofemoral_ratio_matches_published_values() {
        // Values of the van Eijden fit at 0, 20, 40, 60, 90 degrees (reference/biomechanics §7.5).
        for (deg, k) in [
            (0.0, 0.462),
            (20.0, 0.65),
            (40.0, 0.83),
            (60.0, 0.95),
            (90.0, 0.98),
        ] {
            let got = patellofemoral_ratio(f64::to_radians(deg));
            assert!((got - k).abs() < 0.02, "{deg}°: {got} vs {k}");
        }
        assert_eq!(patellofemoral_ratio(-0.3), patellofemoral_ratio(0.0));
    }
}
