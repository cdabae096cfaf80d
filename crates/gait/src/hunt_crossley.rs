//! Compliant feet: contact spheres pressed into the belt with the Hunt-Crossley force law and
//! regularised Coulomb-viscous friction against the moving belt surface.
//!
//! People land softly: a compliant heel pad and shoe sole spread the impact over tens of
//! milliseconds, which rigid contact cannot do. Every simulation that reproduces human
//! ground-reaction curves uses compliant spheres of this kind (Geyer & Herr 2010; Song & Geyer
//! 2015; Falisse et al. 2019). The law is Simbody's `HuntCrossleyForce` (Sherman, Seth & Delp
//! 2011, Procedia IUTAM 2:241-261; Hunt & Crossley 1975, J Appl Mech 42:440) for a sphere on a
//! flat belt of the same material, with OpenSim's stiffness convention, so the published values
//! of OpenSim models apply unchanged.
//!
//! The forces are computed from the state at the start of each physics step and held for the
//! step (explicit in the contact force, as a force element in any fixed-step integrator); the
//! belt's surface velocity enters through the slip velocity, so friction drags a foot along with
//! the belt as rigid contact's surface velocity does.

use glam::DVec3;
use musculo::{HuntCrossley, Model, SegmentId, Side, Sides};

use crate::contact::{Contacts, FootContact, SphereContact};
use crate::controller::SegmentState;

/// The force of the belt on one sphere, and where it acts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SphereLoad {
    /// Normal part \[N, world\].
    pub normal_n: DVec3,
    /// Friction part \[N, world\].
    pub friction_n: DVec3,
    /// Point of application: the middle of the overlap, as Simbody places it for two surfaces
    /// of equal stiffness \[m, world\].
    pub point_m: DVec3,
}

/// The Hunt-Crossley force on a sphere of radius `radius_m` whose centre is at `centre_m`,
/// whose material point at the contact moves at `velocity_mps`, against a plane through the
/// origin with unit normal `normal` moving at `plane_velocity_mps` (all world frame). `None`
/// when the sphere does not press on the plane.
///
/// With the penetration δ, the approach speed v = −(v_sphere − v_plane)·n and
/// k = E^(2/3) / 2 (two surfaces of equal stiffness E in series, OpenSim's convention):
/// Hertz force f_H = 4/3 k √(R k δ) δ; Hunt-Crossley normal force f = f_H (1 + 3/2 c v),
/// zero when negative (a surface never pulls); friction opposes the slip velocity v_s with
/// magnitude f (min(v_s/v_t, 1) (μd + 2 (μs − μd) / (1 + (v_s/v_t)²)) + μv v_s)
/// (Simbody `HuntCrossleyForce::calcForce`; Sherman et al. 2011, eqs. 5-8).
pub fn sphere_load(
    p: &HuntCrossley,
    radius_m: f64,
    centre_m: DVec3,
    velocity_mps: DVec3,
    normal: DVec3,
    plane_velocity_mps: DVec3,
) -> Option<SphereLoad> {
    let depth = radius_m - centre_m.dot(normal);
    if depth <= 0.0 {
        return None;
    }
    let k = 0.5 * p.stiffness.powf(2.0 / 3.0);
    let hertz = 4.0 / 3.0 * k * (radius_m * k * depth).sqrt() * depth;
    let relative = velocity_mps - plane_velocity_mps;
    let approach = -relative.dot(normal);
    let f = hertz * (1.0 + 1.5 * p.dissipation_s_per_m * approach);
    if f <= 0.0 {
        return None;
    }
    let slip = relative - normal * relative.dot(normal);
    let v_slip = slip.length();
    let friction = if v_slip > 0.0 {
        let r = v_slip / p.transition_velocity_mps;
        let mu = r.min(1.0)
            * (p.dynamic_friction + 2.0 * (p.static_friction - p.dynamic_friction) / (1.0 + r * r))
            + p.viscous_friction_s_per_m * v_slip;
        -slip * (f * mu / v_slip)
    } else {
        DVec3::ZERO
    };
    Some(SphereLoad {
        normal_n: normal * f,
        friction_n: friction,
        point_m: centre_m - normal * (radius_m - 0.5 * depth),
    })
}

/// One compliant sphere of a foot.
#[derive(Debug, Clone)]
struct Sphere {
    side: Side,
    heel: bool,
    centre: DVec3,
    radius: f64,
}

/// The compliant feet of a walker: their spheres and the law's parameters.
#[derive(Debug, Clone)]
pub(crate) struct CompliantFeet {
    params: HuntCrossley,
    feet: Sides<SegmentId>,
    spheres: Vec<Sphere>,
}

/// The forces of one step on one foot segment, to be applied to its body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FootLoad {
    /// The foot segment.
    pub segment: SegmentId,
    /// Force \[N, world\].
    pub force_n: DVec3,
    /// Point of application \[m, world\].
    pub point_m: DVec3,
}

impl CompliantFeet {
    /// The compliant feet of `model` (`feet`: the foot segment of each side), if its ground
    /// contact law is Hunt-Crossley. A sphere whose name begins with `heel` is a heel sphere.
    pub fn new(model: &Model, feet: Sides<SegmentId>) -> Option<Self> {
        let musculo::GroundContact::HuntCrossley(params) = model.ground_contact else {
            return None;
        };
        let spheres = Side::BOTH
            .into_iter()
            .flat_map(|side| {
                model.segments[feet[side].index()]
                    .contacts
                    .iter()
                    .map(move |c| Sphere {
                        side,
                        heel: c.name.starts_with("heel"),
                        centre: c.centre,
                        radius: c.radius,
                    })
            })
            .collect();
        Some(Self {
            params,
            feet,
            spheres,
        })
    }

    /// The contacts of the coming step from the segments' states, written into `out` (feet and
    /// spheres; `out.body` is left alone), with the load on each sphere pushed onto `loads`.
    /// A sphere touches when the belt presses on it.
    pub fn contacts(
        &self,
        segments: &[SegmentState],
        normal: DVec3,
        belt_velocity_mps: DVec3,
        out: &mut Contacts,
        loads: &mut Vec<FootLoad>,
    ) {
        out.spheres.clear();
        out.feet = Sides::new(FootContact::default(), FootContact::default());
        loads.clear();
        for s in &self.spheres {
            let segment = self.feet[s.side];
            let state = &segments[segment.index()];
            let centre = state.origin + state.rotation * s.centre;
            let depth = s.radius - centre.dot(normal);
            if depth <= 0.0 {
                continue;
            }
            let point = centre - normal * (s.radius - 0.5 * depth);
            let velocity = state.com_velocity + state.angular_velocity.cross(point - state.com);
            let Some(load) = sphere_load(
                &self.params,
                s.radius,
                centre,
                velocity,
                normal,
                belt_velocity_mps,
            ) else {
                continue;
            };
            let foot = &mut out.feet[s.side];
            foot.touching = true;
            if s.heel {
                foot.heel = true;
            } else {
                foot.toe = true;
            }
            out.spheres.push(SphereContact {
                side: s.side,
                point_m: load.point_m,
                normal_force_n: load.normal_n,
                friction_estimate_n: load.friction_n,
            });
            loads.push(FootLoad {
                segment,
                force_n: load.normal_n + load.friction_n,
                point_m: load.point_m,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Falisse et al. 2019's values (`assets/models/adult.ron`).
    fn params() -> HuntCrossley {
        HuntCrossley {
            stiffness: 1e6,
            dissipation_s_per_m: 2.0,
            static_friction: 0.8,
            dynamic_friction: 0.8,
            viscous_friction_s_per_m: 0.5,
            transition_velocity_mps: 0.2,
        }
    }

    fn at_rest(depth: f64) -> Option<SphereLoad> {
        let r = 0.032;
        sphere_load(
            &params(),
            r,
            DVec3::Y * (r - depth),
            DVec3::ZERO,
            DVec3::Y,
            DVec3::ZERO,
        )
    }

    /// Hertz: k = 1e4 / 2, f = 4/3 k √(R k δ) δ; at δ = 1 cm, R = 3.2 cm:
    /// 4/3 · 5000 · √(0.032 · 5000 · 0.01) · 0.01 = 84.33 N.
    #[test]
    fn the_static_force_is_hertz() {
        let l = at_rest(0.01).expect("pressed");
        let expected = 4.0 / 3.0 * 5000.0 * (0.032f64 * 5000.0 * 0.01).sqrt() * 0.01;
        assert!((l.normal_n.y - expected).abs() < 1e-9, "{:?}", l);
        assert!((expected - 84.33).abs() < 0.01);
        assert_eq!(l.friction_n, DVec3::ZERO);
        // The force grows as δ^1.5.
        let l2 = at_rest(0.02).expect("pressed");
        assert!((l2.normal_n.y / l.normal_n.y - 2f64.powf(1.5)).abs() < 1e-9);
        assert!(
            at_rest(-0.001).is_none(),
            "a sphere above the belt feels nothing"
        );
        // The force acts at the middle of the overlap.
        assert!((l.point_m.y + 0.005).abs() < 1e-12, "{:?}", l.point_m);
    }

    /// Approaching at 0.5 m/s multiplies the force by 1 + 1.5 · 2 · 0.5 = 2.5; separating at
    /// 0.5 m/s would give −0.5, so no force (a surface does not pull).
    #[test]
    fn dissipation_scales_with_approach_speed_and_never_pulls() {
        let r = 0.032;
        let centre = DVec3::Y * (r - 0.01);
        let still = at_rest(0.01).expect("pressed").normal_n.y;
        let down = sphere_load(&params(), r, centre, -DVec3::Y * 0.5, DVec3::Y, DVec3::ZERO)
            .expect("pressed");
        assert!((down.normal_n.y / still - 2.5).abs() < 1e-12);
        assert!(sphere_load(&params(), r, centre, DVec3::Y * 0.5, DVec3::Y, DVec3::ZERO).is_none());
    }

    /// Friction opposes the slip relative to the belt: a foot standing still on a belt that
    /// runs backwards (−x) slips forwards relative to it and is dragged backwards, with the
    /// full Coulomb coefficient (plus viscous part) once the slip exceeds the transition speed.
    #[test]
    fn friction_follows_the_belt_and_is_regularised() {
        let r = 0.032;
        let centre = DVec3::Y * (r - 0.01);
        let f = at_rest(0.01).expect("pressed").normal_n.y;
        let belt = DVec3::X * -1.0;
        let l = sphere_load(&params(), r, centre, DVec3::ZERO, DVec3::Y, belt).expect("pressed");
        assert!(l.friction_n.x < 0.0 && l.friction_n.y == 0.0, "{:?}", l);
        // v_s = 1 m/s = 5 v_t: μ = 0.8 + 0.5 · 1 (μs = μd, so no Stribeck term).
        assert!((l.friction_n.x + f * 1.3).abs() < 1e-9, "{:?}", l);
        // Below the transition speed friction grows linearly: 0.1 m/s → μ = 0.5 · 0.8 + 0.05.
        let slow = DVec3::X * -0.1;
        let l = sphere_load(&params(), r, centre, DVec3::ZERO, DVec3::Y, slow).expect("pressed");
        assert!((l.friction_n.x + f * 0.45).abs() < 1e-9, "{:?}", l);
        // Moving with the belt: no slip, no friction.
        let l = sphere_load(&params(), r, centre, belt, DVec3::Y, belt).expect("pressed");
        assert_eq!(l.friction_n, DVec3::ZERO);
    }

    /// On a tilted belt the law works in the belt's normal direction.
    #[test]
    fn the_law_follows_the_belt_normal() {
        let tilt = 0.1f64;
        let n = DVec3::new(-tilt.sin(), tilt.cos(), 0.0);
        let r = 0.032;
        let l = sphere_load(&params(), r, n * (r - 0.01), DVec3::ZERO, n, DVec3::ZERO)
            .expect("pressed");
        let flat = at_rest(0.01).expect("pressed");
        assert!((l.normal_n - n * flat.normal_n.y).length() < 1e-9);
    }
}
