//! The feet on the belt: which contact spheres touched it in the last physics step, with what
//! normal force and friction (read from rapier's solver contacts), and the ground reaction
//! force shared among them.

use glam::DVec3;
use musculo::{Model, SegmentId, Side, Sides};
use rapier3d::prelude::PhysicsWorld;
use serde::Serialize;

use crate::treadmill::Treadmill;
use crate::walker::Walker;

/// One foot's contact with the belt over one physics step.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct FootContact {
    /// Whether any contact sphere of the foot is touching the belt.
    pub touching: bool,
    /// Heel spheres touching.
    pub heel: bool,
    /// Toe spheres touching.
    pub toe: bool,
}

/// One touching contact sphere in one physics step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SphereContact {
    /// Whose foot.
    pub side: Side,
    /// Where the sphere touches the belt [m, world].
    pub point_m: DVec3,
    /// Normal force of the belt on the sphere [N, world]: from the solver's normal impulses
    /// (rigid feet), or the force the sphere applied (compliant feet).
    pub normal_force_n: DVec3,
    /// Friction force [N, world]: with rigid feet an estimate from the solver's last substep,
    /// used to split the exact total shear between the feet ([`split_ground_reaction`]); with
    /// compliant feet the friction the sphere applied, exactly.
    pub friction_estimate_n: DVec3,
}

/// The ground reaction force on one contact sphere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SphereForce {
    /// Whose foot.
    pub side: Side,
    /// Where it acts [m, world].
    pub point_m: DVec3,
    /// The force of the belt on the foot [N, world].
    pub force_n: DVec3,
}

/// What touched the belt in the last physics step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contacts {
    /// Each foot.
    pub feet: Sides<FootContact>,
    /// Each touching contact sphere.
    pub spheres: Vec<SphereContact>,
    /// A segment other than a foot that touched the belt (a fall), if any.
    pub body: Option<SegmentId>,
}

impl Contacts {
    /// Load of the belt on each foot: its spheres' normal forces along the belt's unit
    /// `normal` \[N\].
    pub fn foot_loads(&self, normal: DVec3) -> Sides<f64> {
        let mut load = Sides([0.0, 0.0]);
        for s in &self.spheres {
            load[s.side] += s.normal_force_n.dot(normal);
        }
        load
    }
}

/// Reads [`Contacts`] from the rapier world after a step.
#[derive(Debug, Clone)]
pub(crate) struct ContactReader {
    /// Per foot and contact sphere: whether it is a heel sphere (else a toe sphere), and its
    /// radius [m].
    spheres: Sides<Vec<(bool, f64)>>,
    dt_s: f64,
    solver_iterations: usize,
}

impl ContactReader {
    /// A reader for `walker` (built from `model`) stepped at `dt_s` with `solver_iterations`
    /// substeps. A foot sphere whose name begins with `heel` is a heel sphere.
    pub fn new(model: &Model, walker: &Walker, dt_s: f64, solver_iterations: usize) -> Self {
        let spheres = walker.feet().map(|foot| {
            model.segments[foot.index()]
                .contacts
                .iter()
                .map(|c| (c.name.starts_with("heel"), c.radius))
                .collect()
        });
        Self {
            spheres,
            dt_s,
            solver_iterations,
        }
    }

    /// Reads the contacts of the last step into `out`. rapier reports, per contact manifold,
    /// the normal impulses applied to collider 1 along the normal from collider 1 to collider
    /// 2, and the tangent impulses of the last substep (warm-start values).
    pub fn read(
        &self,
        world: &PhysicsWorld,
        walker: &Walker,
        treadmill: &Treadmill,
        out: &mut Contacts,
    ) {
        let dt = self.dt_s;
        let belt = treadmill.collider();
        out.spheres.clear();
        for side in Side::BOTH {
            let mut fc = FootContact::default();
            for (k, &collider) in walker.foot_colliders(side).iter().enumerate() {
                let Some(pair) = world.narrow_phase.contact_pair(collider, belt) else {
                    continue;
                };
                if !pair.has_any_active_contact() {
                    continue;
                }
                let sign = if pair.collider1 == collider {
                    1.0
                } else {
                    -1.0
                };
                let mut impulse = 0.0;
                let mut friction = DVec3::ZERO;
                let mut normal_force = DVec3::ZERO;
                for m in pair.solver_manifolds() {
                    for p in &m.points {
                        impulse += f64::from(p.data.impulse);
                        friction += p.data.warmstart_tangent_world.as_dvec3();
                    }
                    // Force on the foot: the normal points from collider 1 to collider 2, and the
                    // impulses are those applied to collider 1.
                    normal_force += -m.data.normal.as_dvec3()
                        * f64::from(m.points.iter().map(|p| p.data.impulse).sum::<f32>())
                        * sign
                        / dt;
                }
                if impulse <= 0.0 {
                    continue;
                }
                let (heel, radius) = self.spheres[side][k];
                fc.touching = true;
                if heel {
                    fc.heel = true;
                } else {
                    fc.toe = true;
                }
                let friction_estimate = friction * sign * self.solver_iterations as f64 / dt;
                let centre = world.colliders[collider].position().translation.as_dvec3();
                out.spheres.push(SphereContact {
                    side,
                    point_m: centre - treadmill.normal * radius,
                    normal_force_n: normal_force,
                    friction_estimate_n: friction_estimate,
                });
            }
            out.feet[side] = fc;
        }
        out.body = walker
            .body_colliders()
            .iter()
            .find(|(c, _)| {
                world
                    .narrow_phase
                    .contact_pair(*c, belt)
                    .is_some_and(|p| p.has_any_active_contact())
            })
            .map(|&(_, s)| s);
    }
}

/// Splits the total ground reaction force of a step among the touching contact spheres. The
/// total is the whole-body momentum balance's (exact: rapier's contact impulses also contain
/// position-stabilisation impulses that change no momentum, and it reports no per-contact
/// friction total). The normal part is shared in proportion to the spheres' normal impulses.
/// The shear part is the solver's friction estimates plus the smallest correction, weighted by
/// normal force, that makes them sum to the exact total shear (a weighted least-squares
/// adjustment with one linear constraint): the correction is shared in proportion to normal
/// force. Scaling the estimates onto the total instead is ill-conditioned when the feet push
/// in opposite directions and their estimates nearly cancel (double support): it blew single
/// frames up to ±10 kN per foot with a total of a few hundred newtons. Returns the forces and
/// their sum per foot.
pub fn split_ground_reaction(
    total: DVec3,
    normal: DVec3,
    contacts: &[SphereContact],
) -> (Vec<SphereForce>, Sides<DVec3>) {
    let shear = total - normal * total.dot(normal);
    let impulse_normal: f64 = contacts.iter().map(|c| c.normal_force_n.dot(normal)).sum();
    let normal_scale = if impulse_normal > 1e-6 {
        total.dot(normal).max(0.0) / impulse_normal
    } else {
        0.0
    };
    let estimate: DVec3 = contacts.iter().map(|c| c.friction_estimate_n).sum();
    let correction = shear - estimate;
    let normal_sum: f64 = contacts.iter().map(|c| c.normal_force_n.length()).sum();
    let mut forces = Vec::with_capacity(contacts.len());
    let mut per_foot = Sides::new(DVec3::ZERO, DVec3::ZERO);
    for c in contacts {
        let share = if normal_sum > 0.0 {
            c.friction_estimate_n + correction * (c.normal_force_n.length() / normal_sum)
        } else {
            shear / contacts.len() as f64
        };
        let f = c.normal_force_n * normal_scale + share;
        per_foot[c.side] += f;
        forces.push(SphereForce {
            side: c.side,
            point_m: c.point_m,
            force_n: f,
        });
    }
    (forces, per_foot)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sphere(side: Side, normal_n: f64, friction_x: f64) -> SphereContact {
        SphereContact {
            side,
            point_m: DVec3::ZERO,
            normal_force_n: DVec3::Y * normal_n,
            friction_estimate_n: DVec3::X * friction_x,
        }
    }

    #[test]
    fn the_split_sums_to_the_exact_total() {
        let total = DVec3::new(120.0, 700.0, -15.0);
        let contacts = [
            sphere(Side::Right, 300.0, 80.0),
            sphere(Side::Left, 500.0, 10.0),
        ];
        let (forces, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        let sum: DVec3 = forces.iter().map(|f| f.force_n).sum();
        assert!((sum - total).length() < 1e-9, "{sum}");
        assert!((per_foot[Side::Right] + per_foot[Side::Left] - total).length() < 1e-9);
    }

    /// Double support with the feet pushing against each other: the estimates nearly cancel
    /// while the total shear is small. Each foot keeps about its own estimate.
    #[test]
    fn opposing_feet_are_not_blown_up() {
        let total = DVec3::new(-140.0, 1400.0, 0.0);
        let contacts = [
            sphere(Side::Right, 700.0, -600.0),
            sphere(Side::Left, 700.0, 590.0),
        ];
        let (_, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        let (r, l) = (per_foot[Side::Right], per_foot[Side::Left]);
        assert!((r.x + 665.0).abs() < 1e-9, "{r}");
        assert!((l.x - 525.0).abs() < 1e-9, "{l}");
        assert!((r.y - 700.0).abs() < 1e-9);
    }

    #[test]
    fn without_friction_estimates_the_shear_follows_the_normal_forces() {
        let total = DVec3::new(100.0, 800.0, 0.0);
        let contacts = [
            sphere(Side::Right, 200.0, 0.0),
            sphere(Side::Left, 600.0, 0.0),
        ];
        let (_, per_foot) = split_ground_reaction(total, DVec3::Y, &contacts);
        assert!((per_foot[Side::Right].x - 25.0).abs() < 1e-9);
        assert!((per_foot[Side::Left].x - 75.0).abs() < 1e-9);
    }
}
