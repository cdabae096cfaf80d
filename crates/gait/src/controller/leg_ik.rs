//! Analytic inverse kinematics of a two-segment leg (hip flexion, hip adduction, knee flexion;
//! hip rotation held at zero).
//!
//! With the model's joint conventions (hip: flexion about z, then adduction about the rotated
//! x; knee flexion about −z; thigh and shank along −y), the ankle relative to the hip centre is
//! `p = R_z(f) R_x(a) w(k)`, `w = L1 (0,−1,0) + L2 (−sin k, −cos k, 0)`. The knee angle follows
//! from `|p|` (law of cosines), then `p_z = w_y sin a` gives the adduction and the remaining
//! planar rotation the flexion.

use glam::DVec3;

/// Hip flexion, hip adduction and knee flexion \[rad\] placing the ankle at `p` (relative to the
/// hip centre, pelvis frame, right-leg convention: mirror z for the left leg). The reach is
/// clamped to `[min_knee, 0.999 L]` so the solution always exists; a leg whose segments differ
/// so much in length that no reach keeps the knee that bent takes the longest reach.
pub fn leg_ik(p: DVec3, thigh_m: f64, shank_m: f64, min_knee_rad: f64) -> (f64, f64, f64) {
    let (l1, l2) = (thigh_m, shank_m);
    let max_reach =
        ((l1 * l1 + l2 * l2 + 2.0 * l1 * l2 * min_knee_rad.cos()).sqrt()).min(0.999 * (l1 + l2));
    let min_reach = (l1 - l2).abs() + 0.05 * (l1 + l2);
    let d = if min_reach <= max_reach {
        p.length().clamp(min_reach, max_reach)
    } else {
        max_reach
    };
    let p = if p.length() > 1e-9 {
        p * (d / p.length())
    } else {
        DVec3::new(0.0, -d, 0.0)
    };
    let cos_k = ((d * d - l1 * l1 - l2 * l2) / (2.0 * l1 * l2)).clamp(-1.0, 1.0);
    let knee = cos_k.acos();
    let w = DVec3::new(-l2 * knee.sin(), -l1 - l2 * knee.cos(), 0.0);
    let adduction = (p.z / w.y).clamp(-1.0, 1.0).asin();
    let flexion = p.y.atan2(p.x) - (w.y * adduction.cos()).atan2(w.x);
    let flexion =
        (flexion + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
    (flexion, adduction, knee)
}

/// Forward kinematics matching [`leg_ik`]: ankle position relative to the hip.
pub fn leg_fk(flexion: f64, adduction: f64, knee: f64, thigh_m: f64, shank_m: f64) -> DVec3 {
    let w = DVec3::new(-shank_m * knee.sin(), -thigh_m - shank_m * knee.cos(), 0.0);
    glam::DMat3::from_rotation_z(flexion) * glam::DMat3::from_rotation_x(adduction) * w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ik_inverts_fk_over_the_walking_workspace() {
        for f in [-0.4, 0.0, 0.3, 0.7] {
            for a in [-0.2, 0.0, 0.15] {
                for k in [0.1, 0.5, 1.2] {
                    let p = leg_fk(f, a, k, 0.42, 0.43);
                    let (f2, a2, k2) = leg_ik(p, 0.42, 0.43, 0.0);
                    assert!(
                        (f - f2).abs() < 1e-9 && (a - a2).abs() < 1e-9 && (k - k2).abs() < 1e-9,
                        "{f} {a} {k} -> {f2} {a2} {k2}"
                    );
                }
            }
        }
    }

    #[test]
    fn out_of_reach_below_the_hip_bends_the_knee_slightly_and_a_medial_foot_is_adduction() {
        // Full length is clamped to 99.9 % of the reach: a slightly bent knee, the hip flexed
        // just enough to keep the ankle straight below it, no adduction.
        let (f, a, k) = leg_ik(DVec3::new(0.0, -0.85, 0.0), 0.42, 0.43, 0.0);
        let p = leg_fk(f, a, k, 0.42, 0.43);
        assert!(
            p.x.abs() < 1e-9 && p.z.abs() < 1e-9 && a.abs() < 1e-9,
            "{p} {a}"
        );
        assert!(k > 0.0 && k < 0.1 && f > 0.0, "{f} {k}");
        let (_, a, _) = leg_ik(DVec3::new(0.0, -0.8, -0.1), 0.42, 0.43, 0.0);
        assert!(a > 0.0);
    }

    #[test]
    fn a_leg_of_very_unequal_segments_has_a_solution_not_a_panic() {
        // A 1 cm shank: the knee-bend margin leaves no reach (the fuzzed model of issue 25).
        let (f, a, k) = leg_ik(DVec3::new(0.0, -0.4, 0.0), 0.42, 0.01, 0.05);
        assert!(
            f.is_finite() && a.is_finite() && k.is_finite(),
            "{f} {a} {k}"
        );
    }
}
