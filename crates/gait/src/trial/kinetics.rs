//! The kinetics of a physics step — the ground reaction (exact total from momentum balance,
//! shared among the touching spheres), the torques applied and the inverse dynamics — and the
//! recorded [`Frame`], which carries their mean over the steps since the last frame.

use glam::DVec3;
use musculo::{STANDARD_GRAVITY_MPS2, Side, Sides};

use super::Trial;
use crate::contact::{SphereForce, split_ground_reaction};
use crate::dynamics::{ExternalForce, inverse_dynamics};
use crate::record::Frame;

/// Forces and moments of one physics step (or, summed and scaled, their mean over several).
#[derive(Debug, Clone, PartialEq)]
pub struct StepKinetics {
    /// Ground reaction force per foot \[N\].
    pub grf_n: Sides<DVec3>,
    /// Σ contact point × normal force per foot (centre of pressure numerator) [N m].
    pub cop_weighted_m: Sides<DVec3>,
    /// Σ normal force per foot (centre of pressure denominator) \[N\].
    pub cop_weight_n: Sides<f64>,
    /// Applied joint torques [N·m].
    pub applied_torques_nm: Vec<f64>,
    /// Net joint moments from inverse dynamics [N·m].
    pub net_moments_nm: Vec<f64>,
    /// Knee intersegmental force on each shank, shank frame \[N\].
    pub knee_force_on_shank_n: Sides<DVec3>,
    /// Inverse-dynamics residual force at the root \[N\].
    pub residual_force_n: DVec3,
    /// Inverse-dynamics residual moment at the root [N·m].
    pub residual_moment_nm: DVec3,
}

impl StepKinetics {
    /// Adds another step's kinetics (for the mean over a frame interval).
    pub(super) fn add(&mut self, o: &StepKinetics) {
        for s in Side::BOTH {
            self.grf_n[s] += o.grf_n[s];
            self.cop_weighted_m[s] += o.cop_weighted_m[s];
            self.cop_weight_n[s] += o.cop_weight_n[s];
            self.knee_force_on_shank_n[s] += o.knee_force_on_shank_n[s];
        }
        for (a, b) in self
            .applied_torques_nm
            .iter_mut()
            .zip(&o.applied_torques_nm)
        {
            *a += b;
        }
        for (a, b) in self.net_moments_nm.iter_mut().zip(&o.net_moments_nm) {
            *a += b;
        }
        self.residual_force_n += o.residual_force_n;
        self.residual_moment_nm += o.residual_moment_nm;
    }

    /// Scales the forces and moments by `f` (the centre-of-pressure sums need no scaling: the
    /// centre of pressure is their ratio).
    pub(super) fn scale(&mut self, f: f64) {
        for s in Side::BOTH {
            self.grf_n[s] *= f;
            self.knee_force_on_shank_n[s] *= f;
        }
        for a in self
            .applied_torques_nm
            .iter_mut()
            .chain(self.net_moments_nm.iter_mut())
        {
            *a *= f;
        }
        self.residual_force_n *= f;
        self.residual_moment_nm *= f;
    }

    /// Centre of pressure of a foot [m] (zero when it bore no load).
    fn centre_of_pressure(&self, side: Side) -> DVec3 {
        if self.cop_weight_n[side] > 0.0 {
            self.cop_weighted_m[side] / self.cop_weight_n[side]
        } else {
            DVec3::ZERO
        }
    }
}

impl Trial {
    /// Total ground reaction force over the last step from whole-body momentum balance,
    /// `F = ΔP/Δt − M g − F_push` \[N\] (rapier reports normal impulses only per contact; the
    /// momentum balance is exact for the total).
    pub fn total_ground_reaction_n(&self) -> DVec3 {
        let dp = self.momentum() - self.momentum_before;
        dp / self.settings.physics.dt_s
            - DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0) * self.total_mass_kg
            - self.push_force()
    }

    /// Ground reaction force on every touching contact sphere in the last step, split from
    /// the whole-body momentum balance's total by [`split_ground_reaction`], and their sum per
    /// foot.
    /// With compliant feet the forces are those the spheres applied, exactly.
    pub fn ground_forces(&self) -> (Vec<SphereForce>, Sides<DVec3>) {
        if self.compliant.is_some() {
            let mut per_foot = Sides::new(DVec3::ZERO, DVec3::ZERO);
            let forces = self
                .contacts
                .spheres
                .iter()
                .map(|c| {
                    let force_n = c.normal_force_n + c.friction_estimate_n;
                    per_foot[c.side] += force_n;
                    SphereForce {
                        side: c.side,
                        point_m: c.point_m,
                        force_n,
                    }
                })
                .collect();
            return (forces, per_foot);
        }
        split_ground_reaction(
            self.total_ground_reaction_n(),
            self.treadmill.normal,
            &self.contacts.spheres,
        )
    }

    /// Kinetics of the last step: ground reaction, applied torques and inverse dynamics.
    pub fn step_kinetics(&self) -> StepKinetics {
        let (sphere_forces, grf) = self.ground_forces();
        let mut cop_moment = Sides::new(DVec3::ZERO, DVec3::ZERO);
        let mut cop_weight = Sides::new(0.0, 0.0);
        let n = self.treadmill.normal;
        let mut external: Vec<ExternalForce> = Vec::with_capacity(sphere_forces.len() + 1);
        for f in &sphere_forces {
            let w = f.force_n.dot(n).max(0.0);
            cop_moment[f.side] += f.point_m * w;
            cop_weight[f.side] += w;
            external.push(ExternalForce {
                segment: self.skeleton.legs[f.side].foot,
                force: f.force_n,
                point: f.point_m,
                torque: DVec3::ZERO,
            });
        }
        if let Some(f) = self.pushes.force() {
            let pelvis = self.skeleton.pelvis;
            external.push(ExternalForce {
                segment: pelvis,
                force: f,
                point: self.segments_before[pelvis.index()].com,
                torque: DVec3::ZERO,
            });
        }
        let mut k = StepKinetics {
            grf_n: grf,
            cop_weighted_m: cop_moment,
            cop_weight_n: cop_weight,
            applied_torques_nm: self.torques.clone(),
            net_moments_nm: vec![0.0; self.q.len()],
            knee_force_on_shank_n: Sides::new(DVec3::ZERO, DVec3::ZERO),
            residual_force_n: DVec3::ZERO,
            residual_moment_nm: DVec3::ZERO,
        };
        if self.segments_before.is_empty() {
            return k;
        }
        let id = inverse_dynamics(
            &self.model,
            &self.motion,
            &self.axes_before,
            DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0),
            &external,
        );
        for leg in &self.skeleton.legs {
            k.knee_force_on_shank_n[leg.side] =
                self.segments[leg.shank.index()].rotation.transpose()
                    * id.joint_forces_n[leg.knee_joint.index()];
        }
        k.net_moments_nm = id.moments_nm;
        k.residual_force_n = id.residual_force_n;
        k.residual_moment_nm = id.residual_moment_nm;
        k
    }

    /// A frame from the current kinematics and the mean kinetics of the steps since the last
    /// frame (`kinetics`): forces are impulse means over the frame interval, as a force plate
    /// integrates, so a single-step contact transient is not sampled as if it lasted a frame.
    pub fn frame(&self, kinetics: &StepKinetics) -> Frame {
        let (com, com_velocity) = self.centre_of_mass();
        let pelvis = &self.segments[self.skeleton.pelvis.index()];
        let feet = &self.contacts.feet;
        Frame {
            time_s: self.time_s,
            q_rad: self.q.clone(),
            qdot_rad_s: self.qdot.clone(),
            applied_torques_nm: kinetics.applied_torques_nm.clone(),
            net_moments_nm: kinetics.net_moments_nm.clone(),
            grf_n: kinetics.grf_n,
            cop_m: Sides::from_fn(|s| kinetics.centre_of_pressure(s)),
            heel_contact: feet.map(|f| f.heel),
            toe_contact: feet.map(|f| f.toe),
            pelvis_position_m: pelvis.origin,
            pelvis_velocity_mps: pelvis.com_velocity,
            com_m: com,
            com_velocity_mps: com_velocity,
            belt_velocity_mps: self.belt_velocity(),
            push_force_n: self.push_force(),
            knee_force_on_shank_n: kinetics.knee_force_on_shank_n,
            residual_force_n: kinetics.residual_force_n,
            residual_moment_nm: kinetics.residual_moment_nm,
            stance_side: self.controller.stance_side(),
            muscles: None,
        }
    }
}
