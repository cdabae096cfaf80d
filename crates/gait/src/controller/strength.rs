//! How much torque each joint can produce: the walker's torque limits.
//!
//! For coordinates crossed by muscles the limit is the model's own muscle strength: the moment
//! of all agonists fully activated and isometric at the current pose,
//! `M⁺ = Σ_{r_m > 0} r_m F_max,m (f_L + f_PE) cos α` (and `M⁻` over `r_m < 0`), from the same
//! Hill-type muscles the analysis later uses (Delp et al. 1990 forces and paths). The walker can
//! therefore never demand a moment its muscles could not produce isometrically. Coordinates
//! without muscles in the model (trunk, hip rotation, ankle inversion) take constant limits
//! from the controller file.

use musculo::{CoordinateId, Model};
use serde::{Deserialize, Serialize};

use crate::skeleton::Skeleton;

/// Limits of the coordinates the model has no muscles for [N·m/kg], (positive, negative).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnmuscledStrength {
    /// Hip internal (positive) and external rotation.
    pub hip_rotation: (f64, f64),
    /// Ankle inversion (positive) and eversion.
    pub ankle_inversion: (f64, f64),
    /// Lumbar extension, bending and rotation (both directions alike).
    pub lumbar: (f64, f64),
}

/// Current torque limits of every coordinate [N·m].
#[derive(Debug, Clone, PartialEq)]
pub struct Strength {
    /// Largest positive torque per coordinate.
    pub max_positive_nm: Vec<f64>,
    /// Largest negative torque (as a positive number) per coordinate.
    pub max_negative_nm: Vec<f64>,
    muscled: Vec<bool>,
}

impl Strength {
    /// Limits for `model` (body layout `skeleton`), the unmuscled ones fixed now from
    /// `unmuscled`: hip rotation and ankle inversion by their own limits, any other coordinate
    /// without muscles (the lumbar ones; every one of a model without muscles) by the lumbar
    /// limits.
    pub fn new(model: &Model, skeleton: &Skeleton, unmuscled: &UnmuscledStrength) -> Self {
        let n = model.coordinates.len();
        let muscled: Vec<bool> = (0..n)
            .map(|i| {
                model
                    .muscles
                    .iter()
                    .any(|m| m.path.crosses(CoordinateId(i as u32)))
            })
            .collect();
        let mass = model.subject.mass_kg;
        let (mut pos, mut neg) = (vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            let c = CoordinateId(i as u32);
            let legs = &skeleton.legs;
            let (p, q) = if legs.iter().any(|leg| leg.hip[2] == c) {
                unmuscled.hip_rotation
            } else if legs.iter().any(|leg| leg.inversion == c) {
                unmuscled.ankle_inversion
            } else {
                unmuscled.lumbar
            };
            if !muscled[i] {
                pos[i] = p * mass;
                neg[i] = q * mass;
            }
        }
        Self {
            max_positive_nm: pos,
            max_negative_nm: neg,
            muscled,
        }
    }

    /// Recomputes the muscle-derived limits at pose `q` \[rad\].
    pub fn update(&mut self, model: &Model, q: &[f64]) {
        for (i, m) in self.muscled.iter().enumerate() {
            if *m {
                self.max_positive_nm[i] = 0.0;
                self.max_negative_nm[i] = 0.0;
            }
        }
        for muscle in &model.muscles {
            let path = muscle.path.evaluate(q);
            let fiber = muscle.rigid_tendon_fiber(path.length_m, 0.0);
            let force = fiber.mtu_force_n(muscle.max_isometric_force_n, 1.0);
            for (k, c) in muscle.path.coordinates().iter().enumerate() {
                let moment = path.moment_arms_m[k] * force;
                if moment > 0.0 {
                    self.max_positive_nm[c.index()] += moment;
                } else {
                    self.max_negative_nm[c.index()] -= moment;
                }
            }
        }
    }

    /// `torque` clamped to coordinate `c`'s current limits.
    pub fn clamp(&self, c: CoordinateId, torque: f64) -> f64 {
        torque.clamp(
            -self.max_negative_nm[c.index()],
            self.max_positive_nm[c.index()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muscle_strength_is_of_human_magnitude_and_falls_at_the_end_of_the_range() {
        let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
        let unmuscled = UnmuscledStrength {
            hip_rotation: (0.5, 0.5),
            ankle_inversion: (0.5, 0.5),
            lumbar: (3.0, 3.0),
        };
        let skeleton = Skeleton::resolve(&model).unwrap();
        let mut s = Strength::new(&model, &skeleton, &unmuscled);
        let mut q = model.neutral_pose();
        let leg = &skeleton.legs[musculo::Side::Right];
        let (knee, ankle) = (leg.knee, leg.ankle);
        q[knee.index()] = 60f64.to_radians();
        s.update(&model, &q);
        let mass = model.subject.mass_kg;
        // Knee extension (negative) and ankle plantarflexion (negative) strength per kg: of the
        // order of the 2-4 N m/kg measured in young adults (e.g. Anderson et al. 2007, J Biomech
        // 40:3105, peak isometric torques).
        let knee_ext = s.max_negative_nm[knee.index()] / mass;
        let plantar = s.max_negative_nm[ankle.index()] / mass;
        assert!((1.5..6.0).contains(&knee_ext), "{knee_ext}");
        assert!((1.0..5.0).contains(&plantar), "{plantar}");
        let mid = s.max_negative_nm[knee.index()];
        q[knee.index()] = 0.0;
        s.update(&model, &q);
        assert!(
            s.max_negative_nm[knee.index()] < mid,
            "vasti are short at full extension"
        );
        let rot = leg.hip[2];
        assert_eq!(s.clamp(rot, 1e6), 0.5 * mass);
        assert_eq!(s.clamp(knee, 1e6), s.max_positive_nm[knee.index()]);
    }
}
