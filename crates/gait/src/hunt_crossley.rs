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
//! step. Their dissipative parts — the Hunt-Crossley damping and the regularised friction, both
//! linear in velocity with coefficients of kN·s/m against a foot of about 1 kg — are
//! integrated implicitly (backward Euler for the damper alone, with the foot's apparent mass
//! along the direction from the multibody's mass matrix), as stable PD integrates the joints'
//! dampers (Tan, Liu & Turk 2011): explicitly they diverge unless the step is a few tenths of a
//! millisecond. As the step shrinks the forces tend to the law's. The belt's surface velocity
//! enters through the slip velocity, so friction drags a foot along with the belt as rigid
//! contact's surface velocity does.

use glam::DVec3;
use musculo::{HuntCrossley, Model, SegmentId, Side, Sides};

use crate::contact::{Contacts, FootContact, SphereContact};
use crate::controller::{BeltState, SegmentState};

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

/// Hertz force f_H = 4/3 k √(R k δ) δ of a sphere of radius `radius_m` pressed `depth_m`
/// into a flat surface of the same material, with k = E^(2/3) / 2 (two surfaces of stiffness E
/// in series, OpenSim's convention; Simbody `HuntCrossleyForce::calcForce`).
pub fn hertz_force(p: &HuntCrossley, radius_m: f64, depth_m: f64) -> f64 {
    if depth_m <= 0.0 {
        return 0.0;
    }
    let k = 0.5 * p.stiffness.powf(2.0 / 3.0);
    4.0 / 3.0 * k * (radius_m * k * depth_m).sqrt() * depth_m
}

/// Hunt-Crossley normal force f = f_H + B v / (1 + `implicit`), B = 1.5 c f_H, with v the
/// approach speed; zero when negative (a surface never pulls). `implicit` is h·w·B_foot, the
/// backward-Euler factor of the damping over a step h (w: the foot's inverse apparent mass
/// along the normal, B_foot: the damping of all its touching spheres); 0 gives the law itself,
/// f = f_H (1 + 1.5 c v) (Sherman, Seth & Delp 2011, eq. 6).
pub fn normal_force(p: &HuntCrossley, hertz_n: f64, approach_mps: f64, implicit: f64) -> f64 {
    let damping = 1.5 * p.dissipation_s_per_m * hertz_n;
    (hertz_n + damping * approach_mps / (1.0 + implicit)).max(0.0)
}

/// Friction per unit slip speed C \[N·s/m\] under normal force `f` at slip speed `slip_mps`:
/// the friction force is −C · slip. Its magnitude is f (min(v/v_t, 1) (μd + 2 (μs − μd) /
/// (1 + (v/v_t)²)) + μv v) (Simbody `HuntCrossleyForce::calcForce`), so C is finite at zero
/// slip (the law is linear there, with slope f ((2μs − μd)/v_t + μv)).
pub fn friction_coefficient(p: &HuntCrossley, f: f64, slip_mps: f64) -> f64 {
    let vt = p.transition_velocity_mps;
    let r = slip_mps / vt;
    let stribeck =
        p.dynamic_friction + 2.0 * (p.static_friction - p.dynamic_friction) / (1.0 + r * r);
    let per_speed = if r < 1.0 {
        stribeck / vt
    } else {
        stribeck / slip_mps
    };
    f * (per_speed + p.viscous_friction_s_per_m)
}

/// The Hunt-Crossley force on a sphere of radius `radius_m` whose centre is at `centre_m`,
/// whose material point at the contact moves at `velocity_mps`, against a plane through the
/// origin with unit normal `normal` moving at `plane_velocity_mps` (all world frame), as the law
/// gives it (no step: [`hertz_force`], [`normal_force`] and [`friction_coefficient`] with no
/// implicit factor). `None` when the sphere does not press on the plane.
pub fn sphere_load(
    p: &HuntCrossley,
    radius_m: f64,
    centre_m: DVec3,
    velocity_mps: DVec3,
    normal: DVec3,
    plane_velocity_mps: DVec3,
) -> Option<SphereLoad> {
    let depth = radius_m - centre_m.dot(normal);
    let hertz = hertz_force(p, radius_m, depth);
    let relative = velocity_mps - plane_velocity_mps;
    let f = normal_force(p, hertz, -relative.dot(normal), 0.0);
    if f <= 0.0 {
        return None;
    }
    let slip = relative - normal * relative.dot(normal);
    Some(SphereLoad {
        normal_n: normal * f,
        friction_n: -slip * friction_coefficient(p, f, slip.length()),
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
    /// The pressed spheres of the foot being computed (reused every step).
    pressed: Vec<Pressed>,
    /// Per sphere, its slip velocity and friction force in the last step, if it touched
    /// (the friction's predictor, see [`CompliantFeet::contacts`]); and the same being filled
    /// for this step.
    last: Vec<Option<(DVec3, DVec3)>>,
    next: Vec<Option<(DVec3, DVec3)>>,
}

/// A sphere pressing on the belt, before the implicit factors are known.
#[derive(Debug, Clone, Copy)]
struct Pressed {
    /// Index in [`CompliantFeet::spheres`].
    index: usize,
    heel: bool,
    point: DVec3,
    hertz: f64,
    approach: f64,
    slip: DVec3,
    /// Inverse apparent mass of the foot at the point along the normal \[1/kg\].
    w_normal: f64,
    /// Normal force, once known \[N\].
    normal_n: f64,
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
        let spheres: Vec<Sphere> = Side::BOTH
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
        let n = spheres.len();
        Some(Self {
            params,
            feet,
            spheres,
            pressed: Vec::new(),
            last: vec![None; n],
            next: vec![None; n],
        })
    }

    /// The contacts of the coming step of `dt_s` on `belt` from the segments' states, written
    /// into `out`
    /// (feet and spheres; `out.body` is left alone), with the load on each sphere pushed onto
    /// `loads`. `mobility(segment, point, direction)` is the segment's inverse apparent mass
    /// for a force along `direction` at `point`. A sphere touches when the belt presses on it.
    ///
    /// The damping and the friction are integrated by backward Euler for each alone, against
    /// the foot's apparent mass w along their direction and the coefficients of all the foot's
    /// touching spheres (they move one body): damping B v / (1 + h w ΣB) and friction
    /// −C v_free / (1 + h w ΣC). Friction also feels the other forces on the foot (the leg
    /// pushing it), which backward Euler must see or a standing foot creeps (1 + h w ΣC) times
    /// faster than the law lets it; their effect over the step is predicted from the last one:
    /// v_free = v + (v − v_last) − h w F_last, exact when the motion is steady, so that the
    /// friction then equals the law's −C v. It is kept within the law's largest friction.
    pub fn contacts(
        &mut self,
        segments: &[SegmentState],
        belt: &BeltState,
        dt_s: f64,
        mobility: &mut dyn FnMut(SegmentId, DVec3, DVec3) -> f64,
        out: &mut Contacts,
        loads: &mut Vec<FootLoad>,
    ) {
        let p = self.params;
        let (normal, belt_velocity_mps) = (belt.normal, belt.velocity);
        out.spheres.clear();
        out.feet = Sides::new(FootContact::default(), FootContact::default());
        loads.clear();
        self.next.fill(None);
        for side in Side::BOTH {
            let segment = self.feet[side];
            let state = &segments[segment.index()];
            self.pressed.clear();
            for (index, s) in self
                .spheres
                .iter()
                .enumerate()
                .filter(|(_, s)| s.side == side)
            {
                let centre = state.origin + state.rotation * s.centre;
                let depth = s.radius - centre.dot(normal);
                if depth <= 0.0 {
                    continue;
                }
                let point = centre - normal * (s.radius - 0.5 * depth);
                let velocity = state.com_velocity + state.angular_velocity.cross(point - state.com);
                let relative = velocity - belt_velocity_mps;
                self.pressed.push(Pressed {
                    index,
                    heel: s.heel,
                    point,
                    hertz: hertz_force(&p, s.radius, depth),
                    approach: -relative.dot(normal),
                    slip: relative - normal * relative.dot(normal),
                    w_normal: mobility(segment, point, normal),
                    normal_n: 0.0,
                });
            }
            let damping: f64 = self
                .pressed
                .iter()
                .map(|c| 1.5 * p.dissipation_s_per_m * c.hertz)
                .sum();
            let mut friction_total = 0.0;
            for c in &mut self.pressed {
                c.normal_n = normal_force(&p, c.hertz, c.approach, dt_s * c.w_normal * damping);
                if c.normal_n > 0.0 {
                    friction_total += friction_coefficient(&p, c.normal_n, c.slip.length());
                }
            }
            for c in self.pressed.iter().filter(|c| c.normal_n > 0.0) {
                let v = c.slip.length();
                let friction = if v > 0.0 {
                    let w = mobility(segment, c.point, c.slip / v);
                    let free = match self.last[c.index] {
                        Some((slip, force)) => 2.0 * c.slip - slip - force * (dt_s * w),
                        None => c.slip,
                    };
                    let f = -free * friction_coefficient(&p, c.normal_n, v)
                        / (1.0 + dt_s * w * friction_total);
                    let largest = c.normal_n
                        * (p.static_friction.max(p.dynamic_friction)
                            + p.viscous_friction_s_per_m * v);
                    f.clamp_length_max(largest)
                } else {
                    DVec3::ZERO
                };
                self.next[c.index] = Some((c.slip, friction));
                out.spheres.push(SphereContact {
                    side,
                    point_m: c.point,
                    normal_force_n: normal * c.normal_n,
                    friction_estimate_n: friction,
                });
                loads.push(FootLoad {
                    segment,
                    force_n: normal * c.normal_n + friction,
                    point_m: c.point,
                });
                let foot = &mut out.feet[side];
                foot.touching = true;
                if c.heel {
                    foot.heel = true;
                } else {
                    foot.toe = true;
                }
            }
        }
        std::mem::swap(&mut self.last, &mut self.next);
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

    /// The step's implicit factor only tames the damping: without it the force is the law's,
    /// at rest it changes nothing, and a large factor leaves the Hertz force alone.
    #[test]
    fn the_implicit_factor_divides_the_damping_only() {
        let p = params();
        let hertz = 100.0;
        let law = normal_force(&p, hertz, 0.5, 0.0);
        assert!((law - hertz * 2.5).abs() < 1e-12);
        assert!((normal_force(&p, hertz, 0.5, 1.0) - hertz * (1.0 + 1.5 / 2.0)).abs() < 1e-12);
        assert_eq!(normal_force(&p, hertz, 0.0, 7.0), hertz);
        assert!((normal_force(&p, hertz, 0.5, 1e12) - hertz).abs() < 1e-6);
        // Separating fast: never a pull.
        assert_eq!(normal_force(&p, hertz, -5.0, 0.0), 0.0);
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
