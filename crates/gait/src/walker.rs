//! The walker: a rapier multibody (reduced coordinates) built from a `musculo::Model`.
//!
//! Every model coordinate becomes one revolute multibody joint, so the physics' generalised
//! coordinates are exactly the model's (hip flexion, adduction, rotation, ...). A joint with
//! several coordinates is a chain of revolute joints through massless intermediate frames at the
//! joint centre, rotating in the model's order about axes fixed in the parent at the neutral
//! pose (an intrinsic Euler sequence, as OpenSim's `CustomJoint`); rapier's own spherical
//! multibody joint would parametrise rotations differently and cannot carry per-axis
//! anatomical limits, and its two-axis joint is not implemented. The pelvis is the floating
//! root. Multibody joints (rather than impulse joints) keep the segments exactly connected
//! (rapier documentation of `MultibodyJointSet`).

use glam::{DMat3, DQuat, DVec3, Mat3, Vec3};
use musculo::{CoordinateId, Model, SegmentId, Side, Sides};
use rapier3d::prelude::*;

use crate::controller::SegmentState;
use crate::treadmill::{BELT_GROUP, Treadmill, WALKER_GROUP};

/// The multibody link that realises one model coordinate.
#[derive(Debug, Clone, Copy)]
struct CoordinateLink {
    /// The revolute multibody joint.
    joint: MultibodyJointHandle,
    /// Body rotated by this coordinate (a segment or an intermediate frame).
    body: RigidBodyHandle,
    /// Body it rotates relative to.
    parent_body: RigidBodyHandle,
    /// Rotation axis, fixed in the parent body's frame.
    local_axis: Vec3,
}

/// The walker inside a rapier world: the handles of its bodies, joints and colliders (private
/// to the gait crate: the rest of the workspace sees segments and coordinates, not rapier).
#[derive(Debug, Clone)]
pub struct Walker {
    /// Rigid body of each model segment, indexed by [`SegmentId`].
    segment_bodies: Vec<RigidBodyHandle>,
    /// Link of each model coordinate, indexed by [`CoordinateId`].
    coordinate_links: Vec<CoordinateLink>,
    /// Intermediate frame bodies (massless) of multi-axis joints.
    frame_bodies: Vec<RigidBodyHandle>,
    /// Contact sphere colliders of each foot, in the order of the foot segment's contacts.
    foot_colliders: Sides<Vec<ColliderHandle>>,
    /// Every other collider with the segment it belongs to (touching the belt = fall).
    body_colliders: Vec<(ColliderHandle, SegmentId)>,
    /// The foot segment of each side.
    feet: Sides<SegmentId>,
    /// Index of each coordinate's degree of freedom in the multibody's generalized
    /// coordinates, indexed by [`CoordinateId`] (fixed once the tree is built; kept so the
    /// step never looks it up again).
    assembly_ids: Vec<usize>,
}

fn v3(v: DVec3) -> Vec3 {
    v.as_vec3()
}

impl Walker {
    /// Builds the walker with its root (pelvis) frame at `root_position`, facing +x, all
    /// coordinates at zero.
    pub fn build(
        world: &mut PhysicsWorld,
        model: &Model,
        root_position: DVec3,
        friction: f64,
    ) -> Self {
        let groups = InteractionGroups::new(WALKER_GROUP, BELT_GROUP, InteractionTestMode::And);
        let mut segment_bodies = Vec::with_capacity(model.segments.len());
        let mut foot_colliders: Sides<Vec<ColliderHandle>> = Sides::default();
        let mut body_colliders = Vec::new();
        let mut feet = Sides::new(model.root, model.root);
        for (i, seg) in model.segments.iter().enumerate() {
            let id = SegmentId(i as u32);
            let inertia = seg.inertia_kg_m2;
            let mprops = MassProperties::with_inertia_matrix(
                v3(seg.com_m),
                seg.mass_kg as f32,
                Mat3::from_cols(v3(inertia.x_axis), v3(inertia.y_axis), v3(inertia.z_axis)),
            );
            let body = world.bodies.insert(
                RigidBodyBuilder::dynamic()
                    .can_sleep(false)
                    .translation(v3(root_position))
                    .additional_mass_properties(mprops),
            );
            let is_foot = !seg.contacts.is_empty();
            if is_foot {
                let side = seg.side.unwrap_or(Side::Right);
                feet[side] = id;
                // Compliant spheres are force elements (`hunt_crossley`), not colliders: rapier
                // must not also stop them rigidly at the belt.
                let rigid = model.ground_contact == musculo::GroundContact::Rigid;
                for c in seg.contacts.iter().filter(|_| rigid) {
                    let h = world.colliders.insert_with_parent(
                        ColliderBuilder::ball(c.radius as f32)
                            .translation(v3(c.centre))
                            .density(0.0)
                            .friction(friction as f32)
                            .friction_combine_rule(CoefficientCombineRule::Min)
                            .collision_groups(groups),
                        body,
                        &mut world.bodies,
                    );
                    foot_colliders[side].push(h);
                }
            } else {
                for shape in &seg.shapes {
                    let builder = match *shape {
                        musculo::model::Shape::Capsule { from, to, radius } => {
                            ColliderBuilder::capsule_from_endpoints(v3(from), v3(to), radius as f32)
                        }
                        musculo::model::Shape::Box {
                            centre,
                            half_extents,
                        } => ColliderBuilder::cuboid(
                            half_extents.x as f32,
                            half_extents.y as f32,
                            half_extents.z as f32,
                        )
                        .translation(v3(centre)),
                        musculo::model::Shape::Sphere { centre, radius } => {
                            ColliderBuilder::ball(radius as f32).translation(v3(centre))
                        }
                    };
                    let h = world.colliders.insert_with_parent(
                        builder.density(0.0).collision_groups(groups),
                        body,
                        &mut world.bodies,
                    );
                    body_colliders.push((h, id));
                }
            }
            segment_bodies.push(body);
        }

        let mut coordinate_links: Vec<Option<CoordinateLink>> = vec![None; model.coordinates.len()];
        let mut frame_bodies = Vec::new();
        // Parents before children: walk the tree from the root.
        let mut order = Vec::new();
        let mut frontier = vec![model.root];
        while let Some(s) = frontier.pop() {
            for (j, joint) in model.joints.iter().enumerate() {
                if joint.parent == s {
                    order.push(j);
                    frontier.push(joint.child);
                }
            }
        }
        for j in order {
            let joint = &model.joints[j];
            let n = joint.coordinates.len();
            let mut parent = segment_bodies[joint.parent.index()];
            for (k, &c) in joint.coordinates.iter().enumerate() {
                let coordinate = &model.coordinates[c.index()];
                let body = if k + 1 == n {
                    segment_bodies[joint.child.index()]
                } else {
                    let b = world.bodies.insert(
                        RigidBodyBuilder::dynamic()
                            .can_sleep(false)
                            .translation(v3(root_position)),
                    );
                    frame_bodies.push(b);
                    b
                };
                let anchor1 = if k == 0 {
                    joint.location_in_parent_m
                } else {
                    DVec3::ZERO
                };
                let axis = v3(coordinate.axis);
                let (lo, hi) = coordinate.range_rad;
                let revolute = RevoluteJointBuilder::new(axis)
                    .local_anchor1(v3(anchor1))
                    .local_anchor2(Vec3::ZERO)
                    .limits([lo as f32, hi as f32])
                    .contacts_enabled(false)
                    .build();
                let handle = world
                    .multibody_joints
                    .insert(parent, body, revolute, true)
                    .expect("the model is a tree, so no joint closes a loop");
                coordinate_links[c.index()] = Some(CoordinateLink {
                    joint: handle,
                    body,
                    parent_body: parent,
                    local_axis: axis,
                });
                parent = body;
            }
        }
        // rapier gives every angular degree of freedom a default damping of 0.1 N·m·s/rad for
        // numerical comfort; the walker's joints (and its floating root) have no passive damping
        // in the model, so the only joint torques are the controller's.
        if let Some(link) = world
            .multibody_joints
            .rigid_body_link(segment_bodies[model.root.index()])
            .copied()
            && let Some(mb) = world.multibody_joints.get_multibody_mut(link.multibody)
        {
            mb.damping_mut().fill(0.0);
        }
        let coordinate_links: Vec<CoordinateLink> = coordinate_links
            .into_iter()
            .map(|l| l.expect("every coordinate belongs to a joint of the tree"))
            .collect();
        let assembly_ids = assembly_ids(&coordinate_links, &world.multibody_joints);
        Self {
            segment_bodies,
            coordinate_links,
            frame_bodies,
            foot_colliders,
            body_colliders,
            feet,
            assembly_ids,
        }
    }

    /// Number of rigid bodies (segments and the massless frames of multi-axis joints).
    pub fn link_count(&self) -> usize {
        self.segment_bodies.len() + self.frame_bodies.len()
    }

    /// The foot segment of each side.
    pub fn feet(&self) -> Sides<SegmentId> {
        self.feet
    }

    /// The rigid body of a segment.
    pub(crate) fn segment_body(&self, s: SegmentId) -> RigidBodyHandle {
        self.segment_bodies[s.index()]
    }

    /// Contact sphere colliders of a foot, in the order of the foot segment's contacts.
    pub(crate) fn foot_colliders(&self, side: Side) -> &[ColliderHandle] {
        &self.foot_colliders[side]
    }

    /// The walker's other colliders with their segments.
    pub(crate) fn body_colliders(&self) -> &[(ColliderHandle, SegmentId)] {
        &self.body_colliders
    }

    /// Whether any contact sphere of a foot touches the belt.
    pub fn foot_touches(&self, world: &PhysicsWorld, side: Side, treadmill: &Treadmill) -> bool {
        self.foot_colliders[side].iter().any(|&c| {
            world
                .narrow_phase
                .contact_pair(c, treadmill.collider())
                .is_some_and(|p| p.has_any_active_contact())
        })
    }

    /// Every rigid body of the walker (segments and intermediate frames).
    pub(crate) fn all_bodies(&self) -> impl Iterator<Item = RigidBodyHandle> + '_ {
        self.segment_bodies
            .iter()
            .chain(&self.frame_bodies)
            .copied()
    }

    /// Coordinate values \[rad\] and speeds [rad/s], indexed by [`CoordinateId`].
    pub fn coordinates(&self, joints: &MultibodyJointSet, q: &mut [f64], qdot: &mut [f64]) {
        for (i, link) in self.coordinate_links.iter().enumerate() {
            let (mb, link_id) = joints.get(link.joint).expect("walker joint exists");
            let l = mb.link(link_id).expect("walker link exists");
            q[i] = f64::from(l.joint().coords()[3]);
            qdot[i] = f64::from(mb.joint_velocity(l)[0]);
        }
    }

    /// Selects how rapier assembles and factorises the walker's mass matrix: the tree-sparse
    /// path of the vendored rapier (`sparse`) or rapier's dense one
    /// ([`crate::trial::PhysicsParams::tree_sparse_multibody`]).
    pub fn select_mass_matrix(&self, world: &mut PhysicsWorld, sparse: bool) {
        // Every segment is a link of the walker's one multibody.
        let body = self.segment_bodies[0];
        if let Some(link) = world.multibody_joints.rigid_body_link(body).copied()
            && let Some(mb) = world.multibody_joints.get_multibody_mut(link.multibody)
        {
            mb.set_dense_mass_matrix(!sparse);
        }
    }

    /// Apparent inverse inertia of each coordinate with all others free, `diag(M⁻¹)` [1/(kg m²)],
    /// written into `out`, indexed by [`CoordinateId`] (used to make stiff PD control stable,
    /// see `controller::pd`).
    pub fn inverse_inertia(&self, world: &mut PhysicsWorld, out: &mut [f64]) {
        let root = *world
            .multibody_joints
            .rigid_body_link(self.segment_bodies[0])
            .expect("root is in the multibody");
        let mb = world
            .multibody_joints
            .get_multibody_mut(root.multibody)
            .expect("multibody exists");
        let w = mb.dof_inverse_inertia(&world.bodies);
        for (o, &a) in out.iter_mut().zip(&self.assembly_ids) {
            *o = f64::from(w[a]);
        }
    }

    /// Inverse apparent mass \[1/kg\] that a force along the unit `direction` at the world
    /// `point` of segment `s` meets (`J M⁻¹ Jᵀ` of the multibody, from the mass matrix of the
    /// last step). `scratch` is reused between calls; afterwards it holds the force's `Jᵀ` and
    /// `M⁻¹ Jᵀ` (`Multibody::inverse_mass_along`).
    pub(crate) fn point_inverse_mass(
        &self,
        world: &PhysicsWorld,
        s: SegmentId,
        point: DVec3,
        direction: DVec3,
        scratch: &mut rapier3d::math::DVector,
    ) -> f64 {
        let body = self.segment_bodies[s.index()];
        let Some(link) = world.multibody_joints.rigid_body_link(body) else {
            return 0.0;
        };
        let Some(mb) = world.multibody_joints.get_multibody(link.multibody) else {
            return 0.0;
        };
        let com = world.bodies[body].center_of_mass().as_dvec3();
        let torque = (point - com).cross(direction);
        f64::from(mb.inverse_mass_along(link.id, v3(direction), v3(torque), scratch))
    }

    /// What an implicit force element on the walker needs of its dynamics over the coming step
    /// of `dt_s`, for the force directions `rows` (segment, world point, unit direction): the
    /// acceleration of each point along its direction that the forces applied now give
    /// (joint torques, pushes, gravity; `free_mps2`, without the velocity-product terms), and
    /// the couplings `W[a·n + b] = J_a M⁻¹ J_bᵀ` [1/kg] (`coupling`; how a force along row b
    /// accelerates row a). From the mass matrix of the last step. `scratch` is reused.
    pub(crate) fn contact_response(
        &self,
        world: &mut PhysicsWorld,
        dt_s: f64,
        rows: &[(SegmentId, DVec3, DVec3)],
        scratch: &mut Vec<DVector>,
        free_mps2: &mut Vec<f64>,
        coupling: &mut Vec<f64>,
    ) {
        let n = rows.len();
        free_mps2.clear();
        coupling.clear();
        let root = self.segment_bodies[0];
        let Some(link) = world.multibody_joints.rigid_body_link(root).copied() else {
            free_mps2.resize(n, 0.0);
            coupling.resize(n * n, 0.0);
            return;
        };
        let gravity = world.gravity;
        let Some(mb) = world.multibody_joints.get_multibody_mut(link.multibody) else {
            free_mps2.resize(n, 0.0);
            coupling.resize(n * n, 0.0);
            return;
        };
        let ndofs = mb.ndofs();
        if scratch.len() < n + 1 {
            scratch.resize(n + 1, DVector::zeros(2 * ndofs));
        }
        let (acc, rows_scratch) = scratch.split_first_mut().expect("at least one");
        acc.resize_vertically_mut(ndofs, 0.0);
        acc.copy_from(&mb.applied_force_accelerations(dt_s as f32, &mut world.bodies, gravity));
        for (&(segment, point, direction), s) in rows.iter().zip(rows_scratch.iter_mut()) {
            // Leaves the row's Jᵀ and M⁻¹Jᵀ in `s`.
            self.point_inverse_mass(world, segment, point, direction, s);
            let j = s.rows(0, ndofs);
            free_mps2.push(f64::from(j.dot(&acc.rows(0, ndofs))));
        }
        let rows_scratch = &rows_scratch[..n];
        for a in rows_scratch {
            let ja = a.rows(0, ndofs);
            coupling.extend(
                rows_scratch
                    .iter()
                    .map(|b| f64::from(ja.dot(&b.rows(ndofs, ndofs)))),
            );
        }
    }

    /// World-frame rotation axis of a coordinate.
    pub fn world_axis(&self, bodies: &RigidBodySet, c: CoordinateId) -> DVec3 {
        let link = &self.coordinate_links[c.index()];
        (bodies[link.parent_body].rotation() * link.local_axis).as_dvec3()
    }

    /// Applies joint torques [N·m], one per coordinate, as equal and opposite torques about the
    /// coordinate's axis on the two bodies it connects; forces from earlier steps are cleared
    /// first (rapier keeps user forces until reset).
    pub fn apply_torques(&self, bodies: &mut RigidBodySet, torques: &[f64]) {
        for b in self.all_bodies() {
            bodies[b].reset_torques(false);
            bodies[b].reset_forces(false);
        }
        for (i, link) in self.coordinate_links.iter().enumerate() {
            let axis = bodies[link.parent_body].rotation() * link.local_axis;
            let t = axis * torques[i] as f32;
            bodies[link.body].add_torque(t, false);
            bodies[link.parent_body].add_torque(-t, false);
        }
    }

    /// Sets the joint coordinates (from neutral) and the root's position and linear velocity:
    /// initial conditions, before the first step.
    pub fn set_initial_state(
        &self,
        world: &mut PhysicsWorld,
        q: &[f64],
        root_position: DVec3,
        root_velocity: DVec3,
    ) {
        let root = self.segment_bodies[0];
        world.bodies[root].set_translation(v3(root_position), true);
        let link_id = *world
            .multibody_joints
            .rigid_body_link(root)
            .expect("root is in the multibody");
        let assembly = &self.assembly_ids;
        let mb = world
            .multibody_joints
            .get_multibody_mut(link_id.multibody)
            .expect("multibody exists");
        let mut disp = vec![0.0f32; mb.ndofs()];
        for (i, &a) in assembly.iter().enumerate() {
            disp[a] = q[i] as f32;
        }
        mb.apply_displacements(&disp);
        {
            let mut v = mb.generalized_velocity_mut();
            v.fill(0.0);
            v[0] = root_velocity.x as f32;
            v[1] = root_velocity.y as f32;
            v[2] = root_velocity.z as f32;
        }
        mb.forward_kinematics(&world.bodies, true);
        mb.update_rigid_bodies(&mut world.bodies, true);
    }

    /// Height of the lowest foot contact sphere's surface above the belt \[m\] (negative when a
    /// sphere sinks into it): how far the walker must be lowered to stand on the belt.
    pub fn sole_clearance(
        &self,
        bodies: &RigidBodySet,
        model: &Model,
        treadmill: &Treadmill,
    ) -> f64 {
        self.feet
            .iter()
            .flat_map(|&foot| {
                let (rot, origin) = self.segment_pose(bodies, foot);
                model.segments[foot.index()]
                    .contacts
                    .iter()
                    .map(move |c| treadmill.height_above(origin + rot * c.centre) - c.radius)
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Segment world pose (rotation, origin) \[m\].
    pub fn segment_pose(&self, bodies: &RigidBodySet, s: SegmentId) -> (DQuat, DVec3) {
        let b = &bodies[self.segment_bodies[s.index()]];
        (b.rotation().as_dquat(), b.translation().as_dvec3())
    }

    /// World-frame state of a segment: pose, centre of mass and velocities.
    pub fn segment_state(&self, bodies: &RigidBodySet, s: SegmentId) -> SegmentState {
        let b = &bodies[self.segment_bodies[s.index()]];
        SegmentState {
            rotation: DMat3::from_quat(b.rotation().as_dquat()),
            origin: b.translation().as_dvec3(),
            com: b.center_of_mass().as_dvec3(),
            com_velocity: b.linvel().as_dvec3(),
            angular_velocity: b.angvel().as_dvec3(),
        }
    }
}

/// Index of each coordinate's degree of freedom in the multibody's generalized coordinates,
/// indexed by [`CoordinateId`].
fn assembly_ids(links: &[CoordinateLink], joints: &MultibodyJointSet) -> Vec<usize> {
    links
        .iter()
        .map(|link| {
            let (mb, id) = joints.get(link.joint).expect("walker joint exists");
            mb.link(id).expect("walker link exists").assembly_id()
        })
        .collect()
}
