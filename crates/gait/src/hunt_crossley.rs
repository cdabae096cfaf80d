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
//! integrated implicitly, as stable PD integrates the joints' dampers (Tan, Liu & Turk 2011):
//! explicitly they diverge unless the step is a few tenths of a millisecond. With
//! [`FrictionIntegration::Coupled`], compliant feet's default, the velocities at the end of the step of all touching
//! spheres of both feet are solved for at once by backward Euler, with the multibody's
//! couplings between the spheres (`J_a M⁻¹ J_bᵀ`) and the accelerations every other force
//! gives them over the step (joint torques, gravity, pushes), first along the belt's normal
//! (the damping) and then along it (the friction, with the normal forces known) — the
//! linearly implicit treatment of stiff contact forces in MuJoCo's soft constraints (Todorov,
//! Erez & Tassa 2012, IROS) and Drake's semi-implicit integration of regularised friction
//! (TAMSI: Castro, Qu, Kuppuswamy, Alspach & Sherman 2020, IEEE RA-L 5:1859), here for a
//! regularised law that needs no complementarity. The earlier integration ([`FrictionIntegration::Predicted`]) took
//! each foot and each sphere alone against the foot's apparent mass along the normal or the
//! slip, with the other forces on the foot extrapolated from the last step's slip change. As
//! the step shrinks the forces tend to the law's. The belt's surface velocity enters through the
//! slip velocity, so friction drags a foot along with the belt as rigid contact's surface
//! velocity does.

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

/// What the compliant feet need of the walker's dynamics over the coming step: implemented by
/// the trial on its rapier multibody.
pub(crate) trait FootDynamics {
    /// The segment's inverse apparent mass \[1/kg\] for a force along the unit `direction` at
    /// the world `point`, from the mass matrix of the last step.
    fn inverse_mass(&mut self, segment: SegmentId, point: DVec3, direction: DVec3) -> f64;
    /// Applies `force_n` at the world `point_m` of `segment` for the coming step.
    fn apply(&mut self, segment: SegmentId, force_n: DVec3, point_m: DVec3);
    /// For each row (segment, world point, unit direction): the acceleration of the point
    /// along its direction that the forces applied so far give over the coming step
    /// (`free_mps2`), and the couplings `W[a·n + b] = J_a M⁻¹ J_bᵀ` \[1/kg\] (`coupling`).
    fn response(
        &mut self,
        rows: &[(SegmentId, DVec3, DVec3)],
        free_mps2: &mut Vec<f64>,
        coupling: &mut Vec<f64>,
    );
}

/// How the compliant spheres' damping and friction are integrated over a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum FrictionIntegration {
    /// Backward Euler for each foot and each sphere alone, against the foot's apparent mass
    /// along the normal or the slip, with the other forces on the foot predicted from the last
    /// step (see the module documentation). Stable at 1 ms, but its friction rings at 1 ms
    /// (lateral forces of ±0.5 body weight) and walkers fall: it needed 0.25 ms steps. Kept to
    /// reproduce results before 5 December 2026.
    #[default]
    Predicted,
    /// Backward Euler on all touching spheres of both feet at once, against the multibody's
    /// couplings between them and with the other forces (joint torques, gravity, pushes) taken
    /// from the multibody's own dynamics over the step (see the module documentation).
    Coupled,
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
    integration: FrictionIntegration,
    /// The pressed spheres of the foot being computed (reused every step).
    pressed: Vec<Pressed>,
    /// The touching spheres of both feet ([`FrictionIntegration::Coupled`]; reused).
    touching: Vec<(Side, Pressed)>,
    /// Rows, free accelerations and couplings of the coupled friction (reused).
    rows: Vec<(SegmentId, DVec3, DVec3)>,
    free: Vec<f64>,
    coupling: Vec<f64>,
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

impl CompliantFeet {
    /// The compliant feet of `model` (`feet`: the foot segment of each side), if its ground
    /// contact law is Hunt-Crossley. A sphere whose name begins with `heel` is a heel sphere.
    pub fn new(
        model: &Model,
        feet: Sides<SegmentId>,
        integration: FrictionIntegration,
    ) -> Option<Self> {
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
        Some(Self::with_spheres(params, feet, spheres, integration))
    }

    /// The feet with these spheres and nothing remembered yet.
    fn with_spheres(
        params: HuntCrossley,
        feet: Sides<SegmentId>,
        spheres: Vec<Sphere>,
        integration: FrictionIntegration,
    ) -> Self {
        let n = spheres.len();
        Self {
            params,
            feet,
            spheres,
            integration,
            pressed: Vec::new(),
            touching: Vec::new(),
            rows: Vec::new(),
            free: Vec::new(),
            coupling: Vec::new(),
            last: vec![None; n],
            next: vec![None; n],
        }
    }

    /// The contacts of the coming step of `dt_s` on `belt` from the segments' states, written
    /// into `out` (feet and spheres; `out.body` is left alone), their forces applied through
    /// `dynamics`. A sphere touches when the belt presses on it.
    ///
    /// By [`FrictionIntegration`]:
    /// - `Predicted`: the damping by backward Euler against the foot's apparent mass w along the
    ///   normal and the coefficients of all the foot's touching spheres (they move one body),
    ///   B v / (1 + h w ΣB); the friction −C v_free / (1 + h w ΣC) for each sphere alone.
    ///   Friction also feels the other forces on the foot (the leg pushing it), which backward
    ///   Euler must see or a standing foot creeps (1 + h w ΣC) times faster than the law lets
    ///   it; their effect over the step is predicted from the last one: v_free = v + (v −
    ///   v_last) − h w F_last, exact when the motion is steady.
    /// - `Coupled`: with W the multibody's couplings between the touching spheres' normal and
    ///   tangential directions (`J_a M⁻¹ J_bᵀ`, both feet) and a the accelerations along them
    ///   that every other force applied over the step gives (joint torques, pushes, gravity),
    ///   first the normal velocities at the end of the step, v⁺ = v + h a + h W f with
    ///   f = f_H − B v⁺ (the Hertz force explicit, the damping implicit), i.e.
    ///   (I + h W B) v⁺ = v + h a + h W f_H, a sphere whose force would pull taken out; then
    ///   the tangential slips, (I + h W C) v⁺ = v + h a + h W f_n, and the friction −C v⁺ (C,
    ///   the law's coefficient at the slip at the start of the step). A standing foot pushed
    ///   sideways then creeps at the law's slip, F/C, whatever the step.
    ///
    /// Either is kept within the law's largest friction.
    pub fn contacts(
        &mut self,
        segments: &[SegmentState],
        belt: &BeltState,
        dt_s: f64,
        dynamics: &mut dyn FootDynamics,
        out: &mut Contacts,
    ) {
        let normal = belt.normal;
        out.spheres.clear();
        out.feet = Sides::new(FootContact::default(), FootContact::default());
        self.next.fill(None);
        self.touching.clear();
        for side in Side::BOTH {
            let segment = self.feet[side];
            self.press(side, &segments[segment.index()], belt, dynamics);
            match self.integration {
                FrictionIntegration::Predicted => {
                    self.predicted_friction(side, normal, dt_s, dynamics, out);
                }
                FrictionIntegration::Coupled => {
                    self.touching
                        .extend(self.pressed.iter().map(|c| (side, *c)));
                }
            }
        }
        if self.integration == FrictionIntegration::Coupled {
            self.coupled_forces(belt, dt_s, dynamics, out);
        }
        std::mem::swap(&mut self.last, &mut self.next);
    }

    /// Finds the spheres of `side`'s foot that press on the belt (into [`Self::pressed`]).
    fn press(
        &mut self,
        side: Side,
        state: &SegmentState,
        belt: &BeltState,
        dynamics: &mut dyn FootDynamics,
    ) {
        let p = self.params;
        let (normal, belt_velocity_mps) = (belt.normal, belt.velocity);
        let segment = self.feet[side];
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
                w_normal: match self.integration {
                    FrictionIntegration::Predicted => dynamics.inverse_mass(segment, point, normal),
                    FrictionIntegration::Coupled => 0.0,
                },
                normal_n: 0.0,
            });
        }
    }

    /// [`FrictionIntegration::Predicted`] on the pressed spheres of `side`'s foot: their normal
    /// forces, then their friction; applies the forces and records the contacts.
    fn predicted_friction(
        &mut self,
        side: Side,
        normal: DVec3,
        dt_s: f64,
        dynamics: &mut dyn FootDynamics,
        out: &mut Contacts,
    ) {
        let p = self.params;
        let segment = self.feet[side];
        let damping: f64 = self
            .pressed
            .iter()
            .map(|c| 1.5 * p.dissipation_s_per_m * c.hertz)
            .sum();
        for c in &mut self.pressed {
            c.normal_n = normal_force(&p, c.hertz, c.approach, dt_s * c.w_normal * damping);
        }
        let friction_total: f64 = self
            .pressed
            .iter()
            .filter(|c| c.normal_n > 0.0)
            .map(|c| friction_coefficient(&p, c.normal_n, c.slip.length()))
            .sum();
        for i in 0..self.pressed.len() {
            let c = self.pressed[i];
            if c.normal_n <= 0.0 {
                continue;
            }
            let v = c.slip.length();
            let friction = if v > 0.0 {
                let w = dynamics.inverse_mass(segment, c.point, c.slip / v);
                let free = match self.last[c.index] {
                    Some((slip, force)) => 2.0 * c.slip - slip - force * (dt_s * w),
                    None => c.slip,
                };
                let f = -free * friction_coefficient(&p, c.normal_n, v)
                    / (1.0 + dt_s * w * friction_total);
                f.clamp_length_max(largest_friction(&p, c.normal_n, v))
            } else {
                DVec3::ZERO
            };
            let normal_force = normal * c.normal_n;
            self.record(side, &c, normal_force, friction, out);
            dynamics.apply(segment, normal_force + friction, c.point);
        }
    }

    /// [`FrictionIntegration::Coupled`] on the pressed spheres of both feet
    /// ([`Self::touching`]): their normal forces, then their friction, each by backward Euler
    /// on all spheres at once; applies the forces and records the contacts.
    fn coupled_forces(
        &mut self,
        belt: &BeltState,
        dt_s: f64,
        dynamics: &mut dyn FootDynamics,
        out: &mut Contacts,
    ) {
        let p = self.params;
        let normal = belt.normal;
        // Two tangential directions of the belt's plane.
        let t1 = (belt.travel_axis - normal * belt.travel_axis.dot(normal)).normalize();
        let t2 = normal.cross(t1);
        let k = self.touching.len();
        if k == 0 {
            return;
        }
        // Rows 3i, 3i+1, 3i+2: sphere i's normal and two tangential directions.
        self.rows.clear();
        for (side, c) in &self.touching {
            let segment = self.feet[*side];
            self.rows.extend([
                (segment, c.point, normal),
                (segment, c.point, t1),
                (segment, c.point, t2),
            ]);
        }
        let n = self.rows.len();
        dynamics.response(&self.rows, &mut self.free, &mut self.coupling);
        let w = |a: usize, b: usize| self.coupling[a * n + b];
        // The normal velocity after the step, v⁺ = v + h a + h W f, with the normal forces
        // f = f_H − B v⁺ (B = 1.5 c f_H): (I + h W B) v⁺ = v + h a + h W f_H. A sphere whose
        // force comes out negative (a surface never pulls) is taken out and the rest solved
        // again.
        // A sphere takes part while its normal force is positive: all of them at first (each
        // presses, so its Hertz force is), until the solve makes one pull.
        let damping = |c: &Pressed| 1.5 * p.dissipation_s_per_m * c.hertz;
        for (_, c) in &mut self.touching {
            c.normal_n = c.hertz;
        }
        for _ in 0..k {
            let idx = pressing(&self.touching);
            let m = idx.len();
            if m == 0 {
                break;
            }
            let sphere = |r: usize| &self.touching[idx[r]].1;
            let a = rapier3d::na::DMatrix::<f64>::from_fn(m, m, |r, s| {
                f64::from(u8::from(r == s)) + dt_s * w(3 * idx[r], 3 * idx[s]) * damping(sphere(s))
            });
            let rhs = rapier3d::na::DVector::<f64>::from_fn(m, |r, _| {
                let i = idx[r];
                -sphere(r).approach
                    + dt_s * self.free[3 * i]
                    + dt_s
                        * (0..m)
                            .map(|s| w(3 * i, 3 * idx[s]) * sphere(s).hertz)
                            .sum::<f64>()
            });
            let v_after = a.lu().solve(&rhs).unwrap_or(rhs);
            let mut changed = false;
            for (r, &i) in idx.iter().enumerate() {
                let c = &mut self.touching[i].1;
                let f = c.hertz - damping(c) * v_after[r];
                if f <= 0.0 {
                    changed = true;
                }
                c.normal_n = f.max(0.0);
            }
            if !changed {
                break;
            }
        }
        // Friction of the spheres that press, with their normal forces known:
        // (I + h W C) v⁺ = v + h a + h W_tn f_n, friction −C v⁺.
        let idx = pressing(&self.touching);
        let m = idx.len();
        if m == 0 {
            return;
        }
        let coefficient: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let c = &self.touching[i].1;
                friction_coefficient(&p, c.normal_n, c.slip.length())
            })
            .collect();
        let row = |r: usize| 3 * idx[r / 2] + 1 + r % 2;
        let a = rapier3d::na::DMatrix::<f64>::from_fn(2 * m, 2 * m, |r, s| {
            f64::from(u8::from(r == s)) + dt_s * w(row(r), row(s)) * coefficient[s / 2]
        });
        let rhs = rapier3d::na::DVector::<f64>::from_fn(2 * m, |r, _| {
            let c = &self.touching[idx[r / 2]].1;
            let t = if r % 2 == 0 { t1 } else { t2 };
            c.slip.dot(t)
                + dt_s * self.free[row(r)]
                + dt_s
                    * (0..k)
                        .map(|j| w(row(r), 3 * j) * self.touching[j].1.normal_n)
                        .sum::<f64>()
        });
        let slip_after = a.lu().solve(&rhs).unwrap_or(rhs);
        for (r, &i) in idx.iter().enumerate() {
            let (side, c) = self.touching[i];
            let friction = -(t1 * slip_after[2 * r] + t2 * slip_after[2 * r + 1]) * coefficient[r];
            let friction =
                friction.clamp_length_max(largest_friction(&p, c.normal_n, c.slip.length()));
            let normal_force = normal * c.normal_n;
            self.record(side, &c, normal_force, friction, out);
            dynamics.apply(self.feet[side], normal_force + friction, c.point);
        }
    }

    /// Records a touching sphere's contact and its friction for the next step's predictor.
    fn record(
        &mut self,
        side: Side,
        c: &Pressed,
        normal_force_n: DVec3,
        friction: DVec3,
        out: &mut Contacts,
    ) {
        self.next[c.index] = Some((c.slip, friction));
        out.spheres.push(SphereContact {
            side,
            point_m: c.point,
            normal_force_n,
            friction_estimate_n: friction,
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

/// Indices of the spheres whose normal force is positive.
fn pressing(touching: &[(Side, Pressed)]) -> Vec<usize> {
    (0..touching.len())
        .filter(|&i| touching[i].1.normal_n > 0.0)
        .collect()
}

/// The largest friction the law gives under normal force `f` at slip speed `v`.
fn largest_friction(p: &HuntCrossley, f: f64, v: f64) -> f64 {
    f * (p.static_friction.max(p.dynamic_friction) + p.viscous_friction_s_per_m * v)
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

    /// A point-mass foot on the belt (one sphere), loaded by the body above it and pushed
    /// sideways: the dynamics the coupled integration asks about.
    struct PointFoot {
        mass_kg: f64,
        position: DVec3,
        velocity: DVec3,
        /// Force of everything but the contact: the body's weight on the foot and a push \[N\].
        other_n: DVec3,
        contact_n: DVec3,
    }

    impl FootDynamics for PointFoot {
        fn inverse_mass(&mut self, _: SegmentId, _: DVec3, _: DVec3) -> f64 {
            1.0 / self.mass_kg
        }
        fn apply(&mut self, _: SegmentId, force_n: DVec3, _: DVec3) {
            self.contact_n += force_n;
        }
        fn response(
            &mut self,
            rows: &[(SegmentId, DVec3, DVec3)],
            free_mps2: &mut Vec<f64>,
            coupling: &mut Vec<f64>,
        ) {
            free_mps2.clear();
            coupling.clear();
            for &(_, _, a) in rows {
                free_mps2.push((self.other_n + self.contact_n).dot(a) / self.mass_kg);
                coupling.extend(rows.iter().map(|&(_, _, b)| a.dot(b) / self.mass_kg));
            }
        }
    }

    /// Steps a 1 kg foot carrying 700 N and pushed sideways by 200 N for 0.3 s of 1 ms steps,
    /// returning the sideways slip speed and the contact force of every step.
    fn pushed_foot(integration: FrictionIntegration) -> Vec<(f64, DVec3)> {
        let r = 0.032;
        let segment = SegmentId(0);
        let sphere = Sphere {
            side: Side::Right,
            heel: true,
            centre: DVec3::ZERO,
            radius: r,
        };
        let feet = Sides::new(segment, SegmentId(1));
        let mut feet = CompliantFeet::with_spheres(params(), feet, vec![sphere], integration);
        let belt = BeltState {
            velocity: DVec3::ZERO,
            normal: DVec3::Y,
            travel_axis: DVec3::X,
        };
        // Start at the depth where Hertz carries the load, at rest.
        let mut depth = 0.01;
        for _ in 0..60 {
            depth *= (700.0 / hertz_force(&params(), r, depth)).powf(2.0 / 3.0);
        }
        let mut foot = PointFoot {
            mass_kg: 1.0,
            position: DVec3::Y * (r - depth),
            velocity: DVec3::ZERO,
            other_n: DVec3::new(200.0, -700.0, 0.0),
            contact_n: DVec3::ZERO,
        };
        let h = 1e-3;
        let mut out = Contacts::default();
        let mut trace = Vec::new();
        for _ in 0..300 {
            let state = SegmentState {
                rotation: glam::DMat3::IDENTITY,
                origin: foot.position,
                com: foot.position,
                com_velocity: foot.velocity,
                angular_velocity: DVec3::ZERO,
            };
            let segments = [state, state];
            foot.contact_n = DVec3::ZERO;
            feet.contacts(&segments, &belt, h, &mut foot, &mut out);
            let force = foot.contact_n;
            foot.velocity += h * (force + foot.other_n) / foot.mass_kg;
            foot.position += h * foot.velocity;
            trace.push((foot.velocity.x, force));
        }
        trace
    }

    /// The coupled integration at 1 ms, where h C / m is about 3 (explicit friction would
    /// diverge): the pushed foot creeps at the law's slip speed, F / C, with the law's friction
    /// and without ringing, and the contact carries the load.
    #[test]
    fn a_pushed_foot_creeps_at_the_laws_slip_with_the_coupled_integration() {
        let trace = pushed_foot(FrictionIntegration::Coupled);
        let (slip, force) = trace[trace.len() - 1];
        // At 700 N and slips below v_t: C = 700 ((2 μs − μd) / v_t + μv) = 3150 N·s/m.
        let c = 700.0 * (0.8 / 0.2 + 0.5);
        assert!((slip - 200.0 / c).abs() < 1e-3 * 200.0 / c, "slip {slip}");
        assert!((force.x + 200.0).abs() < 0.5, "{force}");
        assert!((force.y - 700.0).abs() < 0.5, "{force}");
        // Monotone: the slip speed never overshoots its final value.
        assert!(trace.iter().all(|&(v, _)| v <= slip + 1e-9), "{trace:?}");
        assert!(trace.windows(2).all(|w| w[1].0 >= w[0].0 - 1e-12));
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
