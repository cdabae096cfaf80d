use super::multibody_link::{MultibodyLink, MultibodyLinkVec};
use super::multibody_workspace::MultibodyWorkspace;
use crate::alloc_prelude::*;
use crate::dynamics::integration_parameters::SpringCoefficients;
use crate::dynamics::solver::{GenericJointConstraint, WritebackId};
use crate::dynamics::{
    IntegrationParameters, RigidBodyHandle, RigidBodySet, RigidBodyType, RigidBodyVelocity,
};
use crate::math::{
    ANG_DIM, AngDim, AngVector, DIM, DVector, Dim, Jacobian, Pose, Real, SPATIAL_DIM,
    SimdAngVector, Vector,
};
use crate::prelude::MultibodyJoint;
#[cfg(feature = "dim3")]
use crate::utils::mat_to_na;
use crate::utils::{AngularInertiaOps, CrossProduct, CrossProductMatrix, IndexMut2, vect_to_na};
use na::{
    self, DMatrix, DVectorView, DVectorViewMut, Dyn, LU, OMatrix, SMatrix, SVector, StorageMut,
};

#[cfg(doc)]
use crate::prelude::{GenericJoint, RigidBody};

#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
struct Force {
    linear: Vector,
    angular: AngVector,
}

impl Force {
    fn new(linear: Vector, angular: AngVector) -> Self {
        Self { linear, angular }
    }

    fn as_vector(&self) -> &SVector<Real, SPATIAL_DIM> {
        unsafe { core::mem::transmute(self) }
    }
}

#[cfg(feature = "dim2")]
fn concat_rb_mass_matrix(mass: Vector, inertia: Real) -> SMatrix<Real, SPATIAL_DIM, SPATIAL_DIM> {
    let mut result = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
    result[(0, 0)] = mass.x;
    result[(1, 1)] = mass.y;
    result[(2, 2)] = inertia;
    result
}

#[cfg(feature = "dim3")]
fn concat_rb_mass_matrix(
    mass: Vector,
    inertia: na::Matrix3<Real>,
) -> SMatrix<Real, SPATIAL_DIM, SPATIAL_DIM> {
    let mut result = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
    result[(0, 0)] = mass.x;
    result[(1, 1)] = mass.y;
    result[(2, 2)] = mass.z;
    result
        .fixed_view_mut::<ANG_DIM, ANG_DIM>(DIM, DIM)
        .copy_from(&inertia);
    result
}

/// A holonomic coupling between two generalized coordinates of a single
/// [`Multibody`], `q2 = coeff · q1 + offset`, enforced as a velocity-level
/// equality constraint. This is how MuJoCo's `<equality><joint>` (a polynomial
/// joint-to-joint coupling) is represented for the linear (first-order) case —
/// e.g. the robotiq gripper's two driver joints moving together.
#[cfg_attr(feature = "serde-serialize", derive(Serialize, Deserialize))]
#[derive(Copy, Clone, Debug)]
pub struct MultibodyDofCoupling {
    /// Internal id of the link owning the first joint.
    pub link1: usize,
    /// Local free-DoF index of the coupled DoF within `link1` (its position in
    /// that link's slice of the generalized vectors).
    pub dof1: usize,
    /// Spatial-coordinate axis (`0..6`) of `link1`'s coupled DoF, used to read
    /// its generalized position from the joint coords.
    pub axis1: usize,
    /// Internal id of the link owning the second joint.
    pub link2: usize,
    /// Local free-DoF index of the coupled DoF within `link2`.
    pub dof2: usize,
    /// Spatial-coordinate axis (`0..6`) of `link2`'s coupled DoF.
    pub axis2: usize,
    /// Linear coupling coefficient: the constraint is `q2 − coeff·q1 − offset = 0`.
    pub coeff: Real,
    /// Constant offset of the coupling.
    pub offset: Real,
}

/// An articulated body simulated using the reduced-coordinates approach.
#[cfg_attr(feature = "serde-serialize", derive(Serialize, Deserialize))]
#[derive(Clone, Debug)]
pub struct Multibody {
    // TODO: serialization: skip the workspace fields.
    pub(crate) links: MultibodyLinkVec,
    pub(crate) velocities: DVector,
    pub(crate) damping: DVector,
    /// Per-DoF reflected rotor inertia (matches MuJoCo’s concept of `armature`).
    pub(crate) armature: DVector,
    /// Per-DoF dry joint friction (matches MuJoCo’s `frictionloss`).
    pub(crate) frictions: DVector,
    pub(crate) accelerations: DVector,

    body_jacobians: Vec<Jacobian<Real>>,
    // NOTE: the mass matrices are dimensioned based on the non-kinematic degrees of
    //       freedoms only. The `Self::augmented_mass_permutation` sequence can be used to
    //       move dofs from/to a format that matches the augmented mass.
    // TODO: use sparse matrices?
    augmented_mass: DMatrix<Real>,
    inv_augmented_mass: MultibodyMassSolver,
    // The indexing sequence for moving all kinematics degrees of
    // freedoms to the end of the generalized coordinates vector.
    augmented_mass_indices: IndexSequence,

    acc_augmented_mass: DMatrix<Real>,
    acc_inv_augmented_mass: MultibodyMassSolver,
    // retrogait patch: the tree-sparse (composite-rigid-body) mass matrix and its workspaces,
    // and the switch to rapier's dense path (the reference of the equality tests).
    tree: TreeWorkspace,
    force_dense_mass_matrix: bool,

    ndofs: usize,
    pub(crate) root_is_dynamic: bool,
    pub(crate) solver_id: u32,
    self_contacts_enabled: bool,
    /// Holonomic couplings between two of this multibody's generalized
    /// coordinates (`q2 = coeff·q1 + offset`), e.g. MuJoCo's
    /// `<equality><joint>`. Resolved as velocity constraints each step.
    couplings: Vec<MultibodyDofCoupling>,

    /*
     * Workspaces.
     */
    workspace: MultibodyWorkspace,
    coriolis_v: Vec<OMatrix<Real, Dim, Dyn>>,
    coriolis_w: Vec<OMatrix<Real, AngDim, Dyn>>,
    i_coriolis_dt: Jacobian<Real>,
    nonzero_dofs_workspace: Vec<usize>,
}
impl Default for Multibody {
    fn default() -> Self {
        Multibody::new()
    }
}

impl Multibody {
    /// Creates a new multibody with no link.
    pub fn new() -> Self {
        Self::with_self_contacts(true)
    }

    pub(crate) fn with_self_contacts(self_contacts_enabled: bool) -> Self {
        Multibody {
            links: MultibodyLinkVec(Vec::new()),
            velocities: DVector::zeros(0),
            damping: DVector::zeros(0),
            armature: DVector::zeros(0),
            frictions: DVector::zeros(0),
            accelerations: DVector::zeros(0),
            body_jacobians: Vec::new(),
            augmented_mass: DMatrix::zeros(0, 0),
            inv_augmented_mass: MultibodyMassSolver::new(true),
            acc_augmented_mass: DMatrix::zeros(0, 0),
            acc_inv_augmented_mass: MultibodyMassSolver::new(false),
            tree: TreeWorkspace::default(),
            force_dense_mass_matrix: false,
            augmented_mass_indices: IndexSequence::new(),
            ndofs: 0,
            solver_id: 0,
            workspace: MultibodyWorkspace::new(),
            coriolis_v: Vec::new(),
            coriolis_w: Vec::new(),
            i_coriolis_dt: Jacobian::zeros(0),
            nonzero_dofs_workspace: Vec::new(),
            root_is_dynamic: false,
            self_contacts_enabled,
            couplings: Vec::new(),
            // solver_workspace: Some(SolverWorkspace::new()),
        }
    }

    pub(crate) fn with_root(handle: RigidBodyHandle, self_contacts_enabled: bool) -> Self {
        let mut mb = Multibody::with_self_contacts(self_contacts_enabled);
        // NOTE: we have no way of knowing if the root in fixed at this point, so
        //       we mark it as dynamic and will fix later with `Self::update_root_type`.
        mb.root_is_dynamic = true;
        let joint = MultibodyJoint::free(Pose::IDENTITY);
        mb.add_link(None, joint, handle);
        mb
    }

    pub(crate) fn remove_link(self, to_remove: usize, joint_only: bool) -> Vec<Multibody> {
        let mut result = vec![];
        let mut link2mb = vec![usize::MAX; self.links.len()];
        let mut link_id2new_id = vec![usize::MAX; self.links.len()];
        // Links whose joint is replaced by a fixed one: their DoFs no longer exist.
        let mut joint_replaced = vec![false; self.links.len()];

        // Split multibody and update the set of links and ndofs.
        for (i, mut link) in self.links.0.into_iter().enumerate() {
            let is_new_root = i == 0
                || !joint_only && link.parent_internal_id == to_remove
                || joint_only && i == to_remove;

            if !joint_only && i == to_remove {
                continue;
            } else if is_new_root {
                link2mb[i] = result.len();
                result.push(Multibody::with_self_contacts(self.self_contacts_enabled));
            } else {
                link2mb[i] = link2mb[link.parent_internal_id]
            }

            let curr_mb = &mut result[link2mb[i]];
            link_id2new_id[i] = curr_mb.links.len();

            if is_new_root {
                let joint = MultibodyJoint::fixed(*link.local_to_world());
                link.joint = joint;
                joint_replaced[i] = true;
            }

            curr_mb.ndofs += link.joint().ndofs();
            curr_mb.links.push(link);
        }

        // Adjust all the internal ids, and copy the data from the
        // previous multibody to the new one.
        for mb in &mut result {
            mb.grow_buffers(mb.ndofs, mb.links.len());
            mb.workspace.resize(mb.links.len(), mb.ndofs);

            let mut assembly_id = 0;
            for (i, link) in mb.links.iter_mut().enumerate() {
                let link_ndofs = link.joint().ndofs();
                mb.velocities
                    .rows_mut(assembly_id, link_ndofs)
                    .copy_from(&self.velocities.rows(link.assembly_id, link_ndofs));
                mb.damping
                    .rows_mut(assembly_id, link_ndofs)
                    .copy_from(&self.damping.rows(link.assembly_id, link_ndofs));
                mb.armature
                    .rows_mut(assembly_id, link_ndofs)
                    .copy_from(&self.armature.rows(link.assembly_id, link_ndofs));
                mb.frictions
                    .rows_mut(assembly_id, link_ndofs)
                    .copy_from(&self.frictions.rows(link.assembly_id, link_ndofs));
                mb.accelerations
                    .rows_mut(assembly_id, link_ndofs)
                    .copy_from(&self.accelerations.rows(link.assembly_id, link_ndofs));

                link.internal_id = i;
                link.assembly_id = assembly_id;

                // NOTE: for the root, the current`link.parent_internal_id` is invalid since that
                //       parent lies in a different multibody now.
                link.parent_internal_id = if i != 0 {
                    link_id2new_id[link.parent_internal_id]
                } else {
                    0
                };
                assembly_id += link_ndofs;
            }
        }

        // Keep the couplings whose DoFs still exist and ended up in the same multibody.
        for coupling in &self.couplings {
            let (l1, l2) = (coupling.link1, coupling.link2);
            let kept = |l: usize| link_id2new_id[l] != usize::MAX && !joint_replaced[l];
            if kept(l1) && kept(l2) && link2mb[l1] == link2mb[l2] {
                result[link2mb[l1]].couplings.push(MultibodyDofCoupling {
                    link1: link_id2new_id[l1],
                    link2: link_id2new_id[l2],
                    ..*coupling
                });
            }
        }

        result
    }

    pub(crate) fn append(&mut self, mut rhs: Multibody, parent: usize, joint: MultibodyJoint) {
        let joint_ndofs = joint.ndofs();
        let rhs_root_ndofs = rhs.links[0].joint.ndofs();
        let ndofs_before_append = self.velocities.len();
        let base_internal_id = self.links.len();
        // Values for rhs will be copied into the buffers of `self` starting at this index.
        let rhs_copy_shift = ndofs_before_append + joint_ndofs;
        // Number of dofs to copy from rhs. The root’s dofs isn’t included because it will be
        // replaced by `joint`.
        let rhs_copy_ndofs = rhs.ndofs - rhs_root_ndofs;

        // Adjust the ids of all the rhs links except the first one.
        for link in &mut rhs.links.0[1..] {
            link.assembly_id =
                (link.assembly_id + ndofs_before_append + joint_ndofs) - rhs_root_ndofs;
            link.internal_id += base_internal_id;
            link.parent_internal_id += base_internal_id;
        }

        // Adjust the first link.
        {
            rhs.links[0].joint = joint;
            rhs.links[0].assembly_id = ndofs_before_append;
            rhs.links[0].internal_id = base_internal_id;
            rhs.links[0].parent_internal_id = parent;
        }

        // Grow buffers then append data from rhs.
        self.grow_buffers(rhs_copy_ndofs + joint_ndofs, rhs.links.len());

        if rhs_copy_ndofs > 0 {
            self.velocities
                .rows_mut(rhs_copy_shift, rhs_copy_ndofs)
                .copy_from(&rhs.velocities.rows(rhs_root_ndofs, rhs_copy_ndofs));
            self.damping
                .rows_mut(rhs_copy_shift, rhs_copy_ndofs)
                .copy_from(&rhs.damping.rows(rhs_root_ndofs, rhs_copy_ndofs));
            self.armature
                .rows_mut(rhs_copy_shift, rhs_copy_ndofs)
                .copy_from(&rhs.armature.rows(rhs_root_ndofs, rhs_copy_ndofs));
            self.frictions
                .rows_mut(rhs_copy_shift, rhs_copy_ndofs)
                .copy_from(&rhs.frictions.rows(rhs_root_ndofs, rhs_copy_ndofs));
            self.accelerations
                .rows_mut(rhs_copy_shift, rhs_copy_ndofs)
                .copy_from(&rhs.accelerations.rows(rhs_root_ndofs, rhs_copy_ndofs));
        }

        // Set the default damping for the new joint.
        rhs.links[0]
            .joint
            .default_damping(&mut self.damping.rows_mut(ndofs_before_append, joint_ndofs));

        self.links.append(&mut rhs.links);
        self.ndofs = self.velocities.len();
        self.workspace.resize(self.links.len(), self.ndofs);

        // The rhs couplings follow its links, except the ones on its root whose joint was replaced.
        self.couplings.extend(
            rhs.couplings
                .iter()
                .filter(|c| c.link1 != 0 && c.link2 != 0)
                .map(|c| MultibodyDofCoupling {
                    link1: c.link1 + base_internal_id,
                    link2: c.link2 + base_internal_id,
                    ..*c
                }),
        );
        // Self-contacts stay disabled for the links of a multibody that had them disabled.
        self.self_contacts_enabled &= rhs.self_contacts_enabled;
    }

    /// Whether self-contacts are enabled on this multibody.
    ///
    /// If set to `false` no two link from this multibody can generate contacts, even
    /// if the contact is enabled on the individual joint with [`GenericJoint::contacts_enabled`].
    pub fn self_contacts_enabled(&self) -> bool {
        self.self_contacts_enabled
    }

    /// Sets whether self-contacts are enabled on this multibody.
    ///
    /// If set to `false` no two link from this multibody can generate contacts, even
    /// if the contact is enabled on the individual joint with [`GenericJoint::contacts_enabled`].
    pub fn set_self_contacts_enabled(&mut self, enabled: bool) {
        self.self_contacts_enabled = enabled;
    }

    /// The inverse augmented mass matrix of this multibody: the factorisation of the mass
    /// matrix (with armature, and `dt·damping` and `dt²·stiffness` on its diagonal) of the last
    /// step, whose [`MultibodyMassSolver::solve_mut`] applies `M⁻¹`.
    ///
    /// retrogait patch: this used to return nalgebra's dense `LU`; it is now a tree-sparse
    /// `LᵀDL` factorisation (Featherstone 2008, ch. 6.2–6.3), with the dense `LU` kept for the
    /// cases the sparse path does not support ([`MultibodyMassSolver::lu`]).
    pub fn inv_augmented_mass(&self) -> &MultibodyMassSolver {
        &self.inv_augmented_mass
    }

    /// The factorisation of the mass matrix with the semi-implicit gyroscopic and Coriolis
    /// terms (`acc_augmented_mass`), used for the free accelerations.
    #[doc(hidden)]
    pub fn acc_inv_augmented_mass(&self) -> &MultibodyMassSolver {
        &self.acc_inv_augmented_mass
    }

    /// The mass matrix assembled in the last step (armature, `dt·damping` and `dt²·stiffness`
    /// on the diagonal; no gyroscopic term). Symmetric; with the tree-sparse path only the
    /// entries of DoFs on one root-to-leaf path are non-zero, as the dense sum also gives them.
    #[doc(hidden)]
    pub fn augmented_mass(&self) -> &DMatrix<Real> {
        &self.augmented_mass
    }

    /// The mass matrix with the semi-implicit gyroscopic and Coriolis terms (not symmetric).
    #[doc(hidden)]
    pub fn acc_augmented_mass(&self) -> &DMatrix<Real> {
        &self.acc_augmented_mass
    }

    /// Selects rapier's dense path (`Σ JᵀMJ` per link, nalgebra's `LU`) instead of the
    /// composite-rigid-body assembly and tree-sparse factorisations: the reference against which
    /// the sparse path is tested. Off by default.
    #[doc(hidden)]
    pub fn set_dense_mass_matrix(&mut self, dense: bool) {
        self.force_dense_mass_matrix = dense;
    }

    /// Whether the last mass-matrix update used the tree-sparse path.
    #[doc(hidden)]
    pub fn uses_tree_sparse_mass_matrix(&self) -> bool {
        self.inv_augmented_mass.is_tree_sparse()
    }

    /// Re-runs, at the current state of `bodies`, what a solver substep does before the
    /// constraints: forward kinematics, link velocities, mass matrices, their factorisations and
    /// the free accelerations. For tests comparing the sparse and the dense path.
    #[doc(hidden)]
    pub fn recompute_dynamics(&mut self, dt: Real, bodies: &mut RigidBodySet) {
        self.forward_kinematics(bodies, false);
        self.update_rigid_bodies_internal(bodies, true, false, false);
        self.update_velocities(bodies);
        self.update_mass_matrix(dt, bodies);
        self.update_acceleration(dt, bodies);
    }

    /// The first link of this multibody.
    #[inline]
    pub fn root(&self) -> &MultibodyLink {
        &self.links[0]
    }

    /// Mutable reference to the first link of this multibody.
    #[inline]
    pub fn root_mut(&mut self) -> &mut MultibodyLink {
        &mut self.links[0]
    }

    /// Reference `i`-th multibody link of this multibody.
    ///
    /// Return `None` if there is less than `i + 1` multibody links.
    #[inline]
    pub fn link(&self, id: usize) -> Option<&MultibodyLink> {
        self.links.get(id)
    }

    /// Mutable reference to the multibody link with the given id.
    ///
    /// Return `None` if the given id does not identifies a multibody link part of `self`.
    #[inline]
    pub fn link_mut(&mut self, id: usize) -> Option<&mut MultibodyLink> {
        self.links.get_mut(id)
    }

    /// The number of links on this multibody.
    pub fn num_links(&self) -> usize {
        self.links.len()
    }

    /// Iterator through all the links of this multibody.
    ///
    /// All link are guaranteed to be yielded before its descendant.
    pub fn links(&self) -> impl Iterator<Item = &MultibodyLink> {
        self.links.iter()
    }

    /// Mutable iterator through all the links of this multibody.
    ///
    /// All link are guaranteed to be yielded before its descendant.
    pub fn links_mut(&mut self) -> impl Iterator<Item = &mut MultibodyLink> {
        self.links.iter_mut()
    }

    /// The vector of damping applied to this multibody.
    #[inline]
    pub fn damping(&self) -> &DVector {
        &self.damping
    }

    /// Mutable vector of damping applied to this multibody.
    #[inline]
    pub fn damping_mut(&mut self) -> &mut DVector {
        &mut self.damping
    }

    /// The vector of per-DoF armature (reflected rotor inertia) of this multibody: additional
    /// inertia added directly to the mass matrix, simulating the joint's own weight distribution.
    #[inline]
    pub fn armature(&self) -> &DVector {
        &self.armature
    }

    /// Mutable vector of per-DoF armature (reflected rotor inertia) of this
    /// multibody.
    #[inline]
    pub fn armature_mut(&mut self) -> &mut DVector {
        &mut self.armature
    }

    /// The vector of per-DoF dry joint friction (MuJoCo's `frictionloss`, in N
    /// or N·m): the largest force friction may generate on that DoF.
    #[inline]
    pub fn frictions(&self) -> &DVector {
        &self.frictions
    }

    /// Mutable vector of per-DoF dry joint friction of this multibody.
    #[inline]
    pub fn frictions_mut(&mut self) -> &mut DVector {
        &mut self.frictions
    }

    pub(crate) fn add_link(
        &mut self,
        parent: Option<usize>, // TODO: should be a RigidBodyHandle?
        dof: MultibodyJoint,
        body: RigidBodyHandle,
    ) -> &mut MultibodyLink {
        assert!(
            parent.is_none() || !self.links.is_empty(),
            "Multibody::build_body: invalid parent id."
        );

        /*
         * Compute the indices.
         */
        let assembly_id = self.velocities.len();
        let internal_id = self.links.len();

        /*
         * Grow the buffers.
         */
        let ndofs = dof.ndofs();
        self.grow_buffers(ndofs, 1);
        self.ndofs += ndofs;

        /*
         * Setup default damping.
         */
        dof.default_damping(&mut self.damping.rows_mut(assembly_id, ndofs));

        /*
         * Create the multibody.
         */
        let local_to_parent = dof.body_to_parent();
        let local_to_world;

        let parent_internal_id;
        if let Some(parent) = parent {
            parent_internal_id = parent;
            let parent_link = &mut self.links[parent_internal_id];
            local_to_world = parent_link.local_to_world * local_to_parent;
        } else {
            parent_internal_id = 0;
            local_to_world = local_to_parent;
        }

        let rb = MultibodyLink::new(
            body,
            internal_id,
            assembly_id,
            parent_internal_id,
            dof,
            local_to_world,
            local_to_parent,
        );

        self.links.push(rb);
        self.workspace.resize(self.links.len(), self.ndofs);

        &mut self.links[internal_id]
    }

    fn grow_buffers(&mut self, ndofs: usize, num_jacobians: usize) {
        let len = self.velocities.len();
        self.velocities.resize_vertically_mut(len + ndofs, 0.0);
        self.damping.resize_vertically_mut(len + ndofs, 0.0);
        self.armature.resize_vertically_mut(len + ndofs, 0.0);
        self.frictions.resize_vertically_mut(len + ndofs, 0.0);
        self.accelerations.resize_vertically_mut(len + ndofs, 0.0);
        self.body_jacobians
            .extend((0..num_jacobians).map(|_| Jacobian::zeros(0)));
    }

    pub(crate) fn update_acceleration(&mut self, dt: Real, bodies: &RigidBodySet) {
        if self.ndofs == 0 {
            return; // Nothing to do.
        }

        self.accelerations.fill(0.0);

        // If there is significant movement, the semi-implicit coriolis term
        // occasionally cause instabilities due to the matrix being near singular.
        // To prevent that, we enable a check that verifies the result and fallbacks
        // to the explicit term if needed
        let check_implicit_coriolis_divergence = dt * self.velocities.amax() >= 1.0e-3;
        // Generalized forces that derive from positions or external inputs
        // (gravity, user forces, spring position terms).
        // retrogait patch: a workspace of the multibody instead of a new vector in every step.
        let mut pos_forces = core::mem::take(&mut self.tree.pos_forces);
        if check_implicit_coriolis_divergence {
            if pos_forces.len() != self.ndofs {
                pos_forces = DVector::zeros(self.ndofs);
            } else {
                pos_forces.fill(0.0);
            }
        }

        #[allow(unused_mut)] // Used in 3D only.
        let mut segments = core::mem::take(&mut self.tree.segments);
        // Eqn 42 to 45
        for i in 0..self.links.len() {
            let link = &self.links[i];
            let rb = &bodies[link.rigid_body];

            let mut acc = RigidBodyVelocity::zero();

            if i != 0 {
                let parent_id = link.parent_internal_id;
                let parent_link = &self.links[parent_id];
                let parent_rb = &bodies[parent_link.rigid_body];

                acc += self.workspace.accs[parent_id];
                // The 2.0 originates from the two identical terms of Jdot (the terms become
                // identical once they are multiplied by the generalized velocities).
                acc.linvel += 2.0 * parent_rb.vels.angvel.gcross(link.joint_velocity.linvel);
                #[cfg(feature = "dim3")]
                {
                    acc.angvel += parent_rb.vels.angvel.cross(link.joint_velocity.angvel);
                }

                acc.linvel += parent_rb
                    .vels
                    .angvel
                    .gcross(parent_rb.vels.angvel.gcross(link.shift02));
                acc.linvel += self.workspace.accs[parent_id].angvel.gcross(link.shift02);
            }

            acc.linvel += rb.vels.angvel.gcross(rb.vels.angvel.gcross(link.shift23));
            acc.linvel += acc.angvel.gcross(link.shift23);

            self.workspace.accs[i] = acc;

            // TODO: should gyroscopic forces already be computed by the rigid-body itself
            //       (at the same time that we add the gravity force)?
            let gyroscopic;
            let rb_inertia = rb.mprops.effective_angular_inertia();
            let rb_mass = rb.mprops.effective_mass();

            #[cfg(feature = "dim3")]
            {
                let angvel = rb.vels.angvel;
                let inertia_times_angvel = rb_inertia * angvel;
                gyroscopic = angvel.cross(inertia_times_angvel);
            }
            #[cfg(feature = "dim2")]
            {
                gyroscopic = 0.0;
            }

            let external_forces = Force::new(
                rb.forces.force - rb_mass * acc.linvel,
                rb.forces.torque - gyroscopic - rb_inertia * acc.angvel,
            );
            // retrogait patch (vendor/rapier3d.patch): `accelerations += Jᵀ·f` over the columns
            // of the link's path only, each as nalgebra's `gemv_tr` forms it (`1·dot + 1·y`);
            // the other columns of `J` are zero, and adding their `±0` left `y` unchanged.
            #[cfg(feature = "dim3")]
            {
                let jac = &self.body_jacobians[i];
                segments.clear();
                self.path_segments(i, &mut segments);
                let applied_forces = Force::new(rb.forces.force, rb.forces.torque);
                for &(start, len) in &segments {
                    for j in start..start + len {
                        let col = jac.column(j);
                        let y = &mut self.accelerations[j];
                        *y = 1.0 * col.dot(external_forces.as_vector()) + 1.0 * *y;
                        if check_implicit_coriolis_divergence {
                            let y = &mut pos_forces[j];
                            *y = 1.0 * col.dot(applied_forces.as_vector()) + 1.0 * *y;
                        }
                    }
                }
            }
            #[cfg(not(feature = "dim3"))]
            {
                self.accelerations.gemv_tr(
                    1.0,
                    &self.body_jacobians[i],
                    external_forces.as_vector(),
                    1.0,
                );

                if check_implicit_coriolis_divergence {
                    let applied_forces = Force::new(rb.forces.force, rb.forces.torque);
                    pos_forces.gemv_tr(
                        1.0,
                        &self.body_jacobians[i],
                        applied_forces.as_vector(),
                        1.0,
                    );
                }
            }
        }
        self.tree.segments = segments;

        self.accelerations
            .cmpy(-1.0, &self.damping, &self.velocities, 1.0);

        // Implicit joint springs: backward-Euler at `q⁺ = q + dt·v⁺` gives `-k·(q − rest) − k·dt·v⁺`,
        // with the `v⁺` part implicit via the `dt²·k` mass-matrix diagonal (see `update_mass_matrix`).
        // Consistency requires BOTH `-k·(q − rest)` and `-k·dt·v` here, else the spring is only semi-implicit.
        for li in 0..self.links.len() {
            let mut idx = self.links[li].assembly_id;
            let locked = self.links[li].joint.data.locked_axes.bits();
            for a in 0..SPATIAL_DIM {
                if (locked >> a) & 1 == 0 {
                    let k = self.links[li].joint.spring_stiffness[a];
                    if k != 0.0 {
                        let q = self.links[li].joint.coords[a];
                        let rest = self.links[li].joint.spring_ref[a];
                        let spring_pos_force = -k * (q - rest);
                        self.accelerations[idx] += spring_pos_force - k * dt * self.velocities[idx];
                        if check_implicit_coriolis_divergence {
                            pos_forces[idx] += spring_pos_force;
                        }
                    }
                    idx += 1;
                }
            }
        }

        // Snapshot the full generalized forces: the energy guard may need them
        // for a re-solve with the plain mass matrix.
        let mut gen_forces = core::mem::take(&mut self.tree.gen_forces);
        if check_implicit_coriolis_divergence {
            if gen_forces.len() != self.ndofs {
                gen_forces = self.accelerations.clone();
            } else {
                gen_forces.copy_from(&self.accelerations);
            }
        }

        self.augmented_mass_indices
            .with_rearranged_rows_mut(&mut self.accelerations, |accs| {
                self.acc_inv_augmented_mass.solve_mut(accs);
            });

        if check_implicit_coriolis_divergence {
            if self.inv_augmented_mass.is_tree_sparse() {
                self.free_velocity_energy_guard_tree(dt, &gen_forces, &pos_forces);
            } else {
                self.free_velocity_energy_guard(dt, &gen_forces, &pos_forces);
            }
        }
        self.tree.pos_forces = pos_forces;
        self.tree.gen_forces = gen_forces;
    }

    /// [`Self::free_velocity_energy_guard`] for the tree-sparse path (no kinematic DoF, so no
    /// reordering): the same test, with `M·a` and `M·v` as tree-sparse products (O(n·depth)
    /// instead of O(n²)) and no allocation.
    fn free_velocity_energy_guard_tree(
        &mut self,
        dt: Real,
        gen_forces: &DVector,
        pos_forces: &DVector,
    ) {
        let n = self.ndofs;
        if n == 0 {
            return;
        }
        let mut m_a = core::mem::take(&mut self.tree.guard_m_a);
        let mut m_v = core::mem::take(&mut self.tree.guard_m_v);
        // Sized separately: `dof_inverse_inertia` borrows `guard_m_a` as its workspace too.
        if m_a.len() != n {
            m_a = DVector::zeros(n);
        }
        if m_v.len() != n {
            m_v = DVector::zeros(n);
        }
        let excess = if self.accelerations.iter().all(|x| x.is_finite()) {
            let parent = &self.tree.dof_parent;
            tree_sym_mul(&self.augmented_mass, parent, &self.accelerations, &mut m_a);
            tree_sym_mul(&self.augmented_mass, parent, &self.velocities, &mut m_v);
            let a = &self.accelerations;
            let v = &self.velocities;
            let energy_delta = dt * v.dot(&m_a) + 0.5 * dt * dt * a.dot(&m_a);
            let work = dt * v.dot(gen_forces) + 0.5 * dt * dt * a.dot(pos_forces);
            let kinetic_energy = 0.5 * v.dot(&m_v);
            let energy_margin = 1.0e-2 * kinetic_energy + 1.0e-8;
            Some(energy_delta - work - energy_margin)
        } else {
            None
        };
        self.tree.guard_m_a = m_a;
        self.tree.guard_m_v = m_v;

        match excess {
            Some(excess) if excess <= 0.0 => (),
            _ => {
                self.accelerations.copy_from(gen_forces);
                self.inv_augmented_mass
                    .solve_mut(&mut self.accelerations.rows_mut(0, n));
                if !self.accelerations.iter().all(|x| x.is_finite()) {
                    self.accelerations.fill(0.0);
                }
            }
        }
    }

    // If the semi-implicit coriolis solve introduces more energy than the external
    // forces’ work, we recalculate without the coriolis term in the mass matrix.
    //
    // This operates by calculating the effective kinematic energy added by the
    // external forces after the solve with the semi-implicit mass matrix, and
    // compare it with the force’s work. If the energy delta exceeds a threshold
    // (indicating undesired/unrealistic energy injection), we fall back to re-solving
    // the forces effect but using only the mass matrix without the implicit coriolis
    // terms.
    fn free_velocity_energy_guard(&mut self, dt: Real, gen_forces: &DVector, pos_forces: &DVector) {
        let eff_dim = self.augmented_mass_indices.dim_after_removal(self.ndofs);
        if eff_dim == 0 {
            return;
        }

        // Move all quantities to the kinematic-reduced ordering of the
        // factorized matrices (no-op when there is no kinematic dof).
        let mut v = self.velocities.clone();
        let mut f = gen_forces.clone();
        let mut f_pos = pos_forces.clone();
        self.augmented_mass_indices.rearrange_rows(&mut v, true);
        self.augmented_mass_indices.rearrange_rows(&mut f, true);
        self.augmented_mass_indices.rearrange_rows(&mut f_pos, true);

        let m = self.augmented_mass.view((0, 0), (eff_dim, eff_dim));
        let v = v.rows(0, eff_dim);
        let f = f.rows(0, eff_dim);
        let f_pos = f_pos.rows(0, eff_dim);

        let energy_delta_minus_work = |accelerations: &DVector| -> Option<Real> {
            let mut a = accelerations.clone();
            self.augmented_mass_indices.rearrange_rows(&mut a, true);
            let a = a.rows(0, eff_dim).into_owned();
            if !a.iter().all(|x| x.is_finite()) {
                return None;
            }
            let m_a = m * &a;
            let energy_delta = dt * v.dot(&m_a) + 0.5 * dt * dt * a.dot(&m_a);
            let work = dt * v.dot(&f) + 0.5 * dt * dt * a.dot(&f_pos);
            // Margin: a small fraction of the current kinetic energy to absorb
            // discretization error on healthy steps.
            let kinetic_energy = 0.5 * v.dot(&(m * v));
            let energy_margin = 1.0e-2 * kinetic_energy + 1.0e-8;
            Some(energy_delta - work - energy_margin)
        };

        match energy_delta_minus_work(&self.accelerations) {
            Some(excess) if excess <= 0.0 => (), // Implicit update didn’t introduce too much extra energy.
            _ => {
                // The implicit solve injected energy (or produced non-finite
                // values): fall back to the plain mass matrix.
                self.accelerations.copy_from(gen_forces);
                self.augmented_mass_indices.with_rearranged_rows_mut(
                    &mut self.accelerations,
                    |accs| {
                        self.inv_augmented_mass.solve_mut(accs);
                    },
                );

                // Last-chance check: if all else fails, just clear the accelerations vector
                // instead of breaking the simulation. Hopefully it will get back to a
                // sane result in a close timestep.
                if !self.accelerations.iter().all(|x| x.is_finite()) {
                    self.accelerations.fill(0.0);
                }
            }
        }
    }

    /// Computes the constant terms of the dynamics.
    #[profiling::function]
    pub(crate) fn update_velocities(&mut self, bodies: &mut RigidBodySet) {
        /*
         * Compute velocities.
         * NOTE: this is needed for kinematic bodies too.
         */
        let link = &mut self.links[0];
        let joint_velocity = link
            .joint
            .jacobian_mul_coordinates(&self.velocities.as_slice()[link.assembly_id..]);

        link.joint_velocity = joint_velocity;
        bodies.index_mut_internal(link.rigid_body).vels = link.joint_velocity;

        for i in 1..self.links.len() {
            let (link, parent_link) = self.links.get_mut_with_parent(i);
            let rb = &bodies[link.rigid_body];
            let parent_rb = &bodies[parent_link.rigid_body];

            let joint_velocity = link
                .joint
                .jacobian_mul_coordinates(&self.velocities.as_slice()[link.assembly_id..]);
            link.joint_velocity = joint_velocity.transformed(
                &(parent_link.local_to_world.rotation * link.joint.data.local_frame1.rotation),
            );
            let mut new_rb_vels = parent_rb.vels + link.joint_velocity;
            let shift = rb.mprops.world_com - parent_rb.mprops.world_com;
            new_rb_vels.linvel += parent_rb.vels.angvel.gcross(shift);
            new_rb_vels.linvel += link.joint_velocity.angvel.gcross(link.shift23);

            bodies.index_mut_internal(link.rigid_body).vels = new_rb_vels;
        }
    }

    /// Appends to `out` the column ranges `(first DoF, count)` of link `i`'s DoFs and its
    /// ancestors' — the only columns in which `i`'s body Jacobian (and its Coriolis matrices)
    /// can be non-zero — from `i` to the root.
    fn path_segments(&self, i: usize, out: &mut Vec<(usize, usize)>) {
        let mut a = i;
        loop {
            let la = &self.links[a];
            if la.joint.ndofs() > 0 {
                out.push((la.assembly_id, la.joint.ndofs()));
            }
            if a == 0 {
                break;
            }
            a = la.parent_internal_id;
        }
    }

    #[cfg(feature = "dim3")]
    fn update_body_jacobians(&mut self) {
        // retrogait patch (vendor/rapier3d.patch): a link's Jacobian is non-zero only in the
        // columns of its own DoFs and its ancestors'; the others are exact zeros copied from the
        // parent (`+0`, which the shifts below would leave `+0`). So the two shifts run on those
        // columns only, with nalgebra's `gemm` arithmetic written out per column (`gemv3_acc`):
        // the values are rapier's, bit for bit.
        let mut segments = core::mem::take(&mut self.tree.segments);
        for i in 0..self.links.len() {
            let link = &self.links[i];

            if self.body_jacobians[i].ncols() != self.ndofs {
                // TODO: use a resize instead.
                self.body_jacobians[i] = Jacobian::zeros(self.ndofs);
            }

            let parent_to_world;
            segments.clear();

            if i != 0 {
                let parent_id = link.parent_internal_id;
                let parent_link = &self.links[parent_id];
                parent_to_world = parent_link.local_to_world;
                self.path_segments(parent_id, &mut segments);

                let (link_j, parent_j) = self.body_jacobians.index_mut_const(i, parent_id);
                link_j.copy_from(parent_j);

                let shift_tr = vect_to_na(link.shift02).gcross_matrix_tr();
                let (j_all, pj_all) = (link_j.as_mut_slice(), parent_j.as_slice());
                for &(start, len) in &segments {
                    for col in start..start + len {
                        let at = SPATIAL_DIM * col;
                        let mut v = column3(j_all, at);
                        gemv3_acc(&mut v, 1.0, &shift_tr, &column3(pj_all, at + DIM));
                        j_all[at..at + DIM].copy_from_slice(&v);
                    }
                }
            } else {
                self.body_jacobians[i].fill(0.0);
                parent_to_world = Pose::IDENTITY;
            }

            let ndofs = link.joint.ndofs();
            let mut tmp = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
            let mut link_joint_j = tmp.columns_mut(0, ndofs);
            let mut link_j_part = self.body_jacobians[i].columns_mut(link.assembly_id, ndofs);
            link.joint.jacobian(
                &(parent_to_world.rotation * link.joint.data.local_frame1.rotation),
                &mut link_joint_j,
            );
            link_j_part += link_joint_j;
            if ndofs > 0 {
                segments.push((link.assembly_id, ndofs));
            }

            let shift_tr = vect_to_na(link.shift23).gcross_matrix_tr();
            let j_all = self.body_jacobians[i].as_mut_slice();
            for &(start, len) in &segments {
                for col in start..start + len {
                    let at = SPATIAL_DIM * col;
                    let mut v = column3(j_all, at);
                    gemv3_acc(&mut v, 1.0, &shift_tr, &column3(j_all, at + DIM));
                    j_all[at..at + DIM].copy_from_slice(&v);
                }
            }
        }
        self.tree.segments = segments;
    }

    #[cfg(not(feature = "dim3"))]
    fn update_body_jacobians(&mut self) {
        for i in 0..self.links.len() {
            let link = &self.links[i];

            if self.body_jacobians[i].ncols() != self.ndofs {
                // TODO: use a resize instead.
                self.body_jacobians[i] = Jacobian::zeros(self.ndofs);
            }

            let parent_to_world;

            if i != 0 {
                let parent_id = link.parent_internal_id;
                let parent_link = &self.links[parent_id];
                parent_to_world = parent_link.local_to_world;

                let (link_j, parent_j) = self.body_jacobians.index_mut_const(i, parent_id);
                link_j.copy_from(parent_j);

                {
                    let mut link_j_v = link_j.fixed_rows_mut::<DIM>(0);
                    let parent_j_w = parent_j.fixed_rows::<ANG_DIM>(DIM);

                    let shift_tr = vect_to_na(link.shift02).gcross_matrix_tr();
                    link_j_v.gemm(1.0, &shift_tr, &parent_j_w, 1.0);
                }
            } else {
                self.body_jacobians[i].fill(0.0);
                parent_to_world = Pose::IDENTITY;
            }

            let ndofs = link.joint.ndofs();
            let mut tmp = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
            let mut link_joint_j = tmp.columns_mut(0, ndofs);
            let mut link_j_part = self.body_jacobians[i].columns_mut(link.assembly_id, ndofs);
            link.joint.jacobian(
                &(parent_to_world.rotation * link.joint.data.local_frame1.rotation),
                &mut link_joint_j,
            );
            link_j_part += link_joint_j;

            {
                let link_j = &mut self.body_jacobians[i];
                let (mut link_j_v, link_j_w) =
                    link_j.rows_range_pair_mut(0..DIM, DIM..DIM + ANG_DIM);
                let shift_tr = vect_to_na(link.shift23).gcross_matrix_tr();
                link_j_v.gemm(1.0, &shift_tr, &link_j_w, 1.0);
            }
        }
    }

    pub(crate) fn update_mass_matrix(&mut self, dt: Real, bodies: &RigidBodySet) {
        self.update_mass_matrix_with(dt, bodies, true);
    }

    /// Whether the tree-sparse path applies: 3D, no kinematic DoF (they are moved out of the
    /// factorised system by `augmented_mass_indices`, which the sparse path does not implement),
    /// and not switched off by [`Self::set_dense_mass_matrix`].
    fn tree_sparse_applies(&self) -> bool {
        cfg!(feature = "dim3")
            && !self.force_dense_mass_matrix
            && self.links.iter().all(|l| !l.joint.kinematic)
    }

    /// Assembles the mass matrices and factorises them. `with_acc = false` skips the matrix with
    /// the gyroscopic and Coriolis terms (and its factorisation) on the tree-sparse path, for
    /// [`Self::dof_inverse_inertia`], which needs only `M`.
    fn update_mass_matrix_with(&mut self, dt: Real, bodies: &RigidBodySet, with_acc: bool) {
        if self.ndofs == 0 {
            return; // Nothing to do.
        }
        let sparse = self.tree_sparse_applies();
        if sparse {
            self.update_dof_parents();
        }
        // The path-restricted Coriolis recursion below needs no DoF moved out of the system (the
        // dense recursion skips kinematic DoFs' own columns).
        let path_coriolis = cfg!(feature = "dim3") && self.links.iter().all(|l| !l.joint.kinematic);

        if self.augmented_mass.ncols() != self.ndofs {
            // TODO: do a resize instead of a full reallocation.
            self.augmented_mass = DMatrix::zeros(self.ndofs, self.ndofs);
            self.acc_augmented_mass = DMatrix::zeros(self.ndofs, self.ndofs);
        } else {
            self.augmented_mass.fill(0.0);
            self.acc_augmented_mass.fill(0.0);
        }

        self.augmented_mass_indices.clear();

        // Resize coriolis workspaces if the link count or number of DOFs change.
        let coriolis_ndofs = self.coriolis_v.first().map(|m| m.ncols());
        if self.coriolis_v.len() != self.links.len() || coriolis_ndofs != Some(self.ndofs) {
            self.coriolis_v = vec![OMatrix::<Real, Dim, Dyn>::zeros(self.ndofs); self.links.len()];
            self.coriolis_w =
                vec![OMatrix::<Real, AngDim, Dyn>::zeros(self.ndofs); self.links.len()];
            self.i_coriolis_dt = Jacobian::zeros(self.ndofs);
        }

        let mut curr_assembly_id = 0;

        for i in 0..self.links.len() {
            let link = &self.links[i];
            let rb = &bodies[link.rigid_body];
            let rb_mass = rb.mprops.effective_mass();
            let rb_inertia = rb.mprops.effective_angular_inertia().into_matrix();
            let body_jacobian = &self.body_jacobians[i];

            // NOTE: the mass matrix index reordering operates on the assumption that the assembly
            //       ids are traversed in order. This assert is here to ensure the assumption always
            //       hold.
            assert_eq!(
                curr_assembly_id, link.assembly_id,
                "Internal error: contiguity assumption on assembly_id does not hold."
            );
            curr_assembly_id += link.joint.ndofs();

            if link.joint.kinematic {
                for k in link.assembly_id..link.assembly_id + link.joint.ndofs() {
                    self.augmented_mass_indices.remove(k);
                }
            } else {
                for k in link.assembly_id..link.assembly_id + link.joint.ndofs() {
                    self.augmented_mass_indices.keep(k);
                }
            }

            #[allow(unused_mut)] // mut is needed for 3D but not for 2D.
            let mut augmented_inertia = rb_inertia;

            #[cfg(feature = "dim3")]
            {
                // Derivative of gyroscopic forces.
                let gyroscopic_matrix = rb.vels.angvel.gcross_matrix() * rb_inertia
                    - (rb_inertia * rb.vels.angvel).gcross_matrix();

                augmented_inertia += gyroscopic_matrix * dt;
            }

            // TODO: optimize that (knowing the structure of the augmented inertia matrix).
            // TODO: this could be better optimized in 2D.
            #[allow(clippy::useless_conversion)] // Needed in 3D, no-op in 2D
            let rb_mass_matrix_wo_gyro = concat_rb_mass_matrix(rb_mass, rb_inertia.into());
            #[allow(clippy::useless_conversion)] // Needed in 3D, no-op in 2D
            let rb_mass_matrix = concat_rb_mass_matrix(rb_mass, augmented_inertia.into());
            // retrogait patch (vendor/rapier3d.patch): a link without mass and inertia (e.g. an
            // intermediate frame of a multi-axis joint) adds exact zeros to both mass matrices,
            // and so do the columns of a body Jacobian outside the DoFs of the link and its
            // ancestors; both are skipped. The remaining sums are formed as nalgebra's
            // `quadform`/`gemm_tr` form them (`1 * dot + 1 * m`), so results are bit-identical.
            let massless = rb_mass == Vector::ZERO && rb_inertia == crate::math::Matrix::ZERO;
            let mut nonzero = std::mem::take(&mut self.nonzero_dofs_workspace);
            nonzero.clear();
            if !massless && sparse {
                // The DoFs of the link and its ancestors, from the DoF tree (the others' columns
                // of the body Jacobian and of the Coriolis matrices are zero).
                let mut k = self.tree.link_last_dof[i];
                while k != NO_DOF {
                    nonzero.push(k);
                    k = self.tree.dof_parent[k];
                }
            } else if !massless {
                nonzero.extend(
                    (0..self.ndofs).filter(|&j| body_jacobian.column(j).iter().any(|x| *x != 0.0)),
                );
            }
            // On the tree-sparse path, `JᵀMJ` is assembled by `crb_mass_matrices` below.
            if !massless && !sparse {
                let mut work = nalgebra::SVector::<Real, SPATIAL_DIM>::zeros();
                for (mat, mid) in [
                    (&mut self.augmented_mass, &rb_mass_matrix_wo_gyro),
                    (&mut self.acc_augmented_mass, &rb_mass_matrix),
                ] {
                    for &j in &nonzero {
                        work.gemv(1.0, mid, &body_jacobian.column(j), 0.0);
                        for &i in &nonzero {
                            let val = body_jacobian.column(i).dotc(&work);
                            mat[(i, j)] = 1.0 * val + 1.0 * mat[(i, j)];
                        }
                    }
                }
            }

            /*
             *
             * Coriolis matrix.
             *
             */
            let rb_j = &self.body_jacobians[i];
            let rb_j_w = rb_j.fixed_rows::<ANG_DIM>(DIM);

            let ndofs = link.joint.ndofs();

            if sparse && !with_acc {
                self.nonzero_dofs_workspace = nonzero;
                continue;
            }

            #[cfg(feature = "dim3")]
            if path_coriolis {
                // The same Coriolis recursion as below, on the columns of the DoFs on the link's
                // path only (the others are zero in every matrix involved, and adding their `±0`
                // products leaves every sum unchanged): the values computed are the dense
                // recursion's, operation for operation, so both mass-matrix paths use it.
                let mut segments = core::mem::take(&mut self.tree.segments);
                segments.clear();
                self.path_segments(i, &mut segments);
                let is_own = |start: usize| start == link.assembly_id && ndofs > 0;

                if i != 0 {
                    let parent_id = link.parent_internal_id;
                    let parent_link = &self.links[parent_id];
                    let parent_rb = &bodies[parent_link.rigid_body];
                    let parent_w =
                        SimdAngVector::<Real>::from(parent_rb.vels.angvel).gcross_matrix();
                    let shift_cross_tr = vect_to_na(link.shift02).gcross_matrix_tr();
                    let dvel_cross = vect_to_na(
                        rb.vels.angvel.gcross(link.shift02) + 2.0 * link.joint_velocity.linvel,
                    )
                    .gcross_matrix_tr();
                    let lin_cross = vect_to_na(link.joint_velocity.linvel).gcross_matrix_tr();
                    let parent_w_shift = parent_w * shift_cross_tr;
                    let vel_wrt_joint_w = vect_to_na(link.joint_velocity.angvel).gcross_matrix();

                    let (coriolis_v, parent_coriolis_v) = self.coriolis_v.index_mut2(i, parent_id);
                    let (coriolis_w, parent_coriolis_w) = self.coriolis_w.index_mut2(i, parent_id);
                    let (cv_all, pcv_all) = (coriolis_v.as_mut_slice(), parent_coriolis_v.as_slice());
                    let (cw_all, pcw_all) = (coriolis_w.as_mut_slice(), parent_coriolis_w.as_slice());
                    let pj_all = self.body_jacobians[parent_id].as_slice();
                    for &(start, len) in &segments {
                        let own = is_own(start);
                        for col in start..start + len {
                            if own {
                                cv_all[3 * col..3 * col + 3].fill(0.0);
                                cw_all[3 * col..3 * col + 3].fill(0.0);
                                continue;
                            }
                            let pcw = column3(pcw_all, 3 * col);
                            let pjw = column3(pj_all, SPATIAL_DIM * col + DIM);
                            let mut cv = column3(pcv_all, 3 * col);
                            let mut cw = pcw;
                            gemv3_acc(&mut cv, 1.0, &shift_cross_tr, &pcw);
                            gemv3_acc(&mut cv, 1.0, &dvel_cross, &pjw);
                            gemv3_acc(&mut cv, 1.0, &lin_cross, &pjw);
                            gemv3_acc(&mut cv, 1.0, &parent_w_shift, &pjw);
                            gemv3_acc(&mut cw, -1.0, &vel_wrt_joint_w, &pjw);
                            cv_all[3 * col..3 * col + 3].copy_from_slice(&cv);
                            cw_all[3 * col..3 * col + 3].copy_from_slice(&cw);
                        }
                    }
                    if ndofs > 0 {
                        let mut tmp1 = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
                        let mut rb_joint_j = tmp1.columns_mut(0, ndofs);
                        link.joint.jacobian(
                            &(parent_link.local_to_world.rotation
                                * link.joint.data.local_frame1.rotation),
                            &mut rb_joint_j,
                        );
                        let rb_joint_j_v = rb_joint_j.fixed_rows::<DIM>(0);
                        let rb_joint_j_w = rb_joint_j.fixed_rows::<ANG_DIM>(DIM);
                        coriolis_v.columns_mut(link.assembly_id, ndofs).gemm(
                            2.0,
                            &parent_w,
                            &rb_joint_j_v,
                            1.0,
                        );
                        coriolis_w.columns_mut(link.assembly_id, ndofs).gemm(
                            1.0,
                            &parent_w,
                            &rb_joint_j_w,
                            1.0,
                        );
                    }
                } else {
                    for &(start, len) in &segments {
                        self.coriolis_v[i].columns_mut(start, len).fill(0.0);
                        self.coriolis_w[i].columns_mut(start, len).fill(0.0);
                    }
                }

                let cv_all = self.coriolis_v[i].as_mut_slice();
                let cw_all = self.coriolis_w[i].as_slice();
                let j_all = rb_j.as_slice();
                let icd_all = self.i_coriolis_dt.as_mut_slice();
                let shift_cross_tr = vect_to_na(link.shift23).gcross_matrix_tr();
                let dvel_cross = vect_to_na(rb.vels.angvel.gcross(link.shift23)).gcross_matrix_tr();
                let w_shift =
                    SimdAngVector::<Real>::from(rb.vels.angvel).gcross_matrix() * shift_cross_tr;
                let rb_mass_dt = vect_to_na(rb_mass * dt);
                let inertia = mat_to_na(rb_inertia);
                for &(start, len) in &segments {
                    for col in start..start + len {
                        let cw = column3(cw_all, 3 * col);
                        let jw = column3(j_all, SPATIAL_DIM * col + DIM);
                        let mut cv = column3(cv_all, 3 * col);
                        gemv3_acc(&mut cv, 1.0, &shift_cross_tr, &cw);
                        gemv3_acc(&mut cv, 1.0, &dvel_cross, &jw);
                        gemv3_acc(&mut cv, 1.0, &w_shift, &jw);
                        cv_all[3 * col..3 * col + 3].copy_from_slice(&cv);
                        if !massless {
                            let icd = &mut icd_all[SPATIAL_DIM * col..SPATIAL_DIM * (col + 1)];
                            for r in 0..DIM {
                                icd[r] = cv[r] * rb_mass_dt[r];
                            }
                            let icw = gemv3(dt, &inertia, &cw);
                            icd[DIM..].copy_from_slice(&icw);
                        }
                    }
                }
                self.tree.segments = segments;

                if !massless {
                    // `J[:, i]ᵀ·(dt·M·C)[:, j]` on contiguous columns, summed in the order of
                    // nalgebra's `dot` for six entries (so the values are `dotc`'s).
                    let n = self.ndofs;
                    let jac = rb_j.as_slice();
                    let icd = self.i_coriolis_dt.as_slice();
                    let acc = self.acc_augmented_mass.as_mut_slice();
                    let six = |data: &[Real], col: usize| -> [Real; SPATIAL_DIM] {
                        let mut out = [0.0; SPATIAL_DIM];
                        out.copy_from_slice(&data[SPATIAL_DIM * col..SPATIAL_DIM * (col + 1)]);
                        out
                    };
                    for &j in &nonzero {
                        let c_j = six(icd, j);
                        let acc_j = &mut acc[j * n..(j + 1) * n];
                        for &i in &nonzero {
                            let j_i = six(jac, i);
                            let mut val = 0.0;
                            for r in 0..SPATIAL_DIM {
                                val += j_i[r] * c_j[r];
                            }
                            acc_j[i] += val;
                        }
                    }
                }
                self.nonzero_dofs_workspace = nonzero;
                continue;
            }

            if i != 0 {
                let parent_id = link.parent_internal_id;
                let parent_link = &self.links[parent_id];
                let parent_rb = &bodies[parent_link.rigid_body];
                let parent_j = &self.body_jacobians[parent_id];
                let parent_j_w = parent_j.fixed_rows::<ANG_DIM>(DIM);
                let parent_w = SimdAngVector::<Real>::from(parent_rb.vels.angvel).gcross_matrix();

                let (coriolis_v, parent_coriolis_v) = self.coriolis_v.index_mut2(i, parent_id);
                let (coriolis_w, parent_coriolis_w) = self.coriolis_w.index_mut2(i, parent_id);

                coriolis_v.copy_from(parent_coriolis_v);
                coriolis_w.copy_from(parent_coriolis_w);

                // [c1 - c0].gcross() * (JDot + JDot/u * qdot)"
                let shift_cross_tr = vect_to_na(link.shift02).gcross_matrix_tr();
                coriolis_v.gemm(1.0, &shift_cross_tr, parent_coriolis_w, 1.0);

                // JDot (but the 2.0 originates from the sum of two identical terms in JDot and JDot/u * gdot)
                let dvel_cross = vect_to_na(
                    rb.vels.angvel.gcross(link.shift02) + 2.0 * link.joint_velocity.linvel,
                )
                .gcross_matrix_tr();
                coriolis_v.gemm(1.0, &dvel_cross, &parent_j_w, 1.0);

                // JDot/u * qdot
                coriolis_v.gemm(
                    1.0,
                    &vect_to_na(link.joint_velocity.linvel).gcross_matrix_tr(),
                    &parent_j_w,
                    1.0,
                );
                coriolis_v.gemm(1.0, &(parent_w * shift_cross_tr), &parent_j_w, 1.0);

                #[cfg(feature = "dim3")]
                {
                    let vel_wrt_joint_w = vect_to_na(link.joint_velocity.angvel).gcross_matrix();
                    coriolis_w.gemm(-1.0, &vel_wrt_joint_w, &parent_j_w, 1.0);
                }

                // JDot (but the 2.0 originates from the sum of two identical terms in JDot and JDot/u * gdot)
                if !link.joint.kinematic {
                    let mut coriolis_v_part = coriolis_v.columns_mut(link.assembly_id, ndofs);

                    let mut tmp1 = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
                    let mut rb_joint_j = tmp1.columns_mut(0, ndofs);
                    link.joint.jacobian(
                        &(parent_link.local_to_world.rotation
                            * link.joint.data.local_frame1.rotation),
                        &mut rb_joint_j,
                    );

                    let rb_joint_j_v = rb_joint_j.fixed_rows::<DIM>(0);
                    coriolis_v_part.gemm(2.0, &parent_w, &rb_joint_j_v, 1.0);

                    #[cfg(feature = "dim3")]
                    {
                        let rb_joint_j_w = rb_joint_j.fixed_rows::<ANG_DIM>(DIM);
                        let mut coriolis_w_part = coriolis_w.columns_mut(link.assembly_id, ndofs);
                        coriolis_w_part.gemm(1.0, &parent_w, &rb_joint_j_w, 1.0);
                    }
                }
            } else {
                self.coriolis_v[i].fill(0.0);
                self.coriolis_w[i].fill(0.0);
            }

            let coriolis_v = &mut self.coriolis_v[i];
            let coriolis_w = &mut self.coriolis_w[i];

            {
                // [c3 - c2].gcross() * (JDot + JDot/u * qdot)
                let shift_cross_tr = vect_to_na(link.shift23).gcross_matrix_tr();
                coriolis_v.gemm(1.0, &shift_cross_tr, coriolis_w, 1.0);

                // JDot
                let dvel_cross = vect_to_na(rb.vels.angvel.gcross(link.shift23)).gcross_matrix_tr();
                coriolis_v.gemm(1.0, &dvel_cross, &rb_j_w, 1.0);

                // JDot/u * qdot
                coriolis_v.gemm(
                    1.0,
                    &(SimdAngVector::<Real>::from(rb.vels.angvel).gcross_matrix() * shift_cross_tr),
                    &rb_j_w,
                    1.0,
                );
            }

            let coriolis_v = &mut self.coriolis_v[i];
            let coriolis_w = &mut self.coriolis_w[i];

            /*
             * Meld with the mass matrix.
             */
            if !massless {
                let mut i_coriolis_dt_v = self.i_coriolis_dt.fixed_rows_mut::<DIM>(0);
                i_coriolis_dt_v.copy_from(coriolis_v);
                let rb_mass_dt = vect_to_na(rb_mass * dt);
                i_coriolis_dt_v
                    .column_iter_mut()
                    .for_each(|mut c| c.component_mul_assign(&rb_mass_dt));
            }

            #[cfg(feature = "dim2")]
            {
                let mut i_coriolis_dt_w = self.i_coriolis_dt.fixed_rows_mut::<ANG_DIM>(DIM);
                // NOTE: this is just an axpy, but on row columns.
                i_coriolis_dt_w.zip_apply(coriolis_w, |o, x| *o = x * dt * rb_inertia);
            }
            #[cfg(feature = "dim3")]
            {
                let mut i_coriolis_dt_w = self.i_coriolis_dt.fixed_rows_mut::<ANG_DIM>(DIM);
                i_coriolis_dt_w.gemm(dt, &mat_to_na(rb_inertia), coriolis_w, 0.0);
            }

            if !massless && sparse {
                // Columns of the Coriolis matrices outside the link's DoF path are zero too.
                for &j in &nonzero {
                    for &i in &nonzero {
                        let val = rb_j.column(i).dotc(&self.i_coriolis_dt.column(j));
                        self.acc_augmented_mass[(i, j)] += val;
                    }
                }
            } else if !massless {
                for j in 0..self.ndofs {
                    for &i in &nonzero {
                        let val = rb_j.column(i).dotc(&self.i_coriolis_dt.column(j));
                        self.acc_augmented_mass[(i, j)] =
                            1.0 * val + 1.0 * self.acc_augmented_mass[(i, j)];
                    }
                }
            }
            self.nonzero_dofs_workspace = nonzero;
        }

        #[cfg(feature = "dim3")]
        if sparse {
            self.crb_mass_matrices(dt, bodies, with_acc);
        }

        /*
         * Damping and armature.
         *
         * Damping is a velocity-proportional force made implicit, so it adds
         * `dt · d` to the mass-matrix diagonal. Armature is a "reflected
         * rotor inertia" (additional inertia to account for the joint’s
         * mass and geometry itself): it adds to the diagonal directly.
         */
        for i in 0..self.ndofs {
            let diag = self.damping[i] * dt + self.armature[i];
            self.acc_augmented_mass[(i, i)] += diag;
            self.augmented_mass[(i, i)] += diag;
        }

        // Implicit joint springs: `dt²·k` on the mass-matrix diagonal (force term in `update_acceleration`)
        // keeps a stiff spring on a low-inertia link stable where an explicit position motor injects energy.
        // The spring lives on the link's `MultibodyJoint` so it travels with the link through topology changes.
        let dt2 = dt * dt;
        for li in 0..self.links.len() {
            let mut idx = self.links[li].assembly_id;
            let locked = self.links[li].joint.data.locked_axes.bits();
            for a in 0..SPATIAL_DIM {
                if (locked >> a) & 1 == 0 {
                    let k = self.links[li].joint.spring_stiffness[a];
                    if k != 0.0 {
                        let d = k * dt2;
                        self.acc_augmented_mass[(idx, idx)] += d;
                        self.augmented_mass[(idx, idx)] += d;
                    }
                    idx += 1;
                }
            }
        }

        if sparse {
            let parent = &self.tree.dof_parent;
            if !self
                .inv_augmented_mass
                .factorize_tree(&self.augmented_mass, parent)
            {
                self.inv_augmented_mass
                    .factorize_dense(&self.augmented_mass);
            }
            if with_acc
                && !self
                    .acc_inv_augmented_mass
                    .factorize_tree(&self.acc_augmented_mass, parent)
            {
                self.acc_inv_augmented_mass
                    .factorize_dense(&self.acc_augmented_mass);
            }
            return;
        }

        let effective_dim = self
            .augmented_mass_indices
            .dim_after_removal(self.acc_augmented_mass.nrows());

        // PERF: since we clone the matrix anyway for LU, should be directly output
        //       a new matrix instead of applying permutations?
        self.augmented_mass_indices
            .rearrange_columns(&mut self.acc_augmented_mass, true);
        self.augmented_mass_indices
            .rearrange_columns(&mut self.augmented_mass, true);

        self.augmented_mass_indices
            .rearrange_rows(&mut self.acc_augmented_mass, true);
        self.augmented_mass_indices
            .rearrange_rows(&mut self.augmented_mass, true);

        // TODO: avoid allocation inside LU at each timestep.
        self.acc_inv_augmented_mass.factorize_dense(
            &self
                .acc_augmented_mass
                .view((0, 0), (effective_dim, effective_dim)),
        );
        self.inv_augmented_mass.factorize_dense(
            &self
                .augmented_mass
                .view((0, 0), (effective_dim, effective_dim)),
        );
    }

    /// The parent of each DoF in the kinematic tree (`NO_DOF` for the first DoF of the root):
    /// the previous DoF of the same link, or the last DoF of the nearest ancestor link with
    /// DoFs — MuJoCo's `dof_parentid`. Parents come before children (`dof_parent[k] < k`)
    /// because links are stored parents first and their DoFs are contiguous.
    fn update_dof_parents(&mut self) {
        let ws = &mut self.tree;
        ws.dof_parent.clear();
        ws.dof_parent.resize(self.ndofs, NO_DOF);
        ws.link_last_dof.clear();
        ws.link_last_dof.resize(self.links.len(), NO_DOF);
        for (l, link) in self.links.iter().enumerate() {
            let above = if l == 0 {
                NO_DOF
            } else {
                ws.link_last_dof[link.parent_internal_id]
            };
            let ndofs = link.joint.ndofs();
            for m in 0..ndofs {
                ws.dof_parent[link.assembly_id + m] = if m == 0 {
                    above
                } else {
                    link.assembly_id + m - 1
                };
            }
            ws.link_last_dof[l] = if ndofs > 0 {
                link.assembly_id + ndofs - 1
            } else {
                above
            };
        }
    }

    /// The composite-rigid-body algorithm (Featherstone 2008, "Rigid Body Dynamics Algorithms",
    /// §6.2, Table 6.2; MuJoCo's `mj_crb`): adds `Σ_links JᵀMJ` to `augmented_mass` and
    /// `Σ_links Jᵀ(M + dt·gyroscopic)J` to `acc_augmented_mass` (which holds the Coriolis terms
    /// already), touching only the entries of DoF pairs on one root-to-leaf path.
    ///
    /// `Ic_a` is the composite spatial inertia of link `a`'s subtree, in world axes about `a`'s
    /// centre of mass, in rapier's order (linear, angular). Column `j` of `a`'s body Jacobian is
    /// the motion of DoF `j` at that point, so for DoF `j` of link `a` and `i` on the path from
    /// `j` to the root, `M[i, j] = J_a[:, i]ᵀ·Ic_a·J_a[:, j]`: the same sum as rapier's
    /// `Σ_l J_lᵀ·M_l·J_l` (each `J_l` is `J_a` moved to `l`'s centre of mass), formed in another
    /// order, so the two agree to rounding. Composite inertias are moved from child to parent by
    /// the child's offset `shift02 + shift23`, exactly as the body Jacobians are, and every
    /// product is taken about a nearby point: a single reference point for all links (the usual
    /// textbook form) loses about two digits in `f32` for the feet of a 1 m tall walker.
    ///
    /// The gyroscopic term `dt·(ω×I − (Iω)×)` of a link sits in the angular block of its inertia
    /// at its centre of mass; moving the reference point leaves that block unchanged, so the
    /// subtree's sum `Gc` is added to the angular block of `Ic` (it makes the matrix
    /// non-symmetric: `acc[i, j] = J_iᵀ(Ic + Gc)J_j`, `acc[j, i] = J_iᵀ(Ic + Gcᵀ)J_j`).
    #[cfg(feature = "dim3")]
    fn crb_mass_matrices(&mut self, dt: Real, bodies: &RigidBodySet, with_acc: bool) {
        type Mat6 = SMatrix<Real, SPATIAL_DIM, SPATIAL_DIM>;
        let nlinks = self.links.len();
        let ws = &mut self.tree;
        if ws.composite.len() != nlinks {
            ws.composite.resize(nlinks, Mat6::zeros());
            ws.composite_gyro.resize(nlinks, na::Matrix3::zeros());
        }

        // Each link's own spatial inertia about its centre of mass.
        for (l, link) in self.links.iter().enumerate() {
            let rb = &bodies[link.rigid_body];
            let m = vect_to_na(rb.mprops.effective_mass());
            let inertia_glam = rb.mprops.effective_angular_inertia().into_matrix();
            let ic = &mut ws.composite[l];
            ic.fill(0.0);
            ic.fixed_view_mut::<3, 3>(0, 0)
                .copy_from(&na::Matrix3::from_diagonal(&m));
            ic.fixed_view_mut::<3, 3>(3, 3)
                .copy_from(&mat_to_na(inertia_glam));
            if with_acc {
                let gyro = rb.vels.angvel.gcross_matrix() * inertia_glam
                    - (inertia_glam * rb.vels.angvel).gcross_matrix();
                ws.composite_gyro[l] = mat_to_na(gyro) * dt;
            }
        }

        // Composite inertias, leaves first (Featherstone Table 6.2, first loop). With `d` the
        // child's centre of mass relative to the parent's, the child's points move as
        // `v_child = v_parent − [d]ₓ·ω`, i.e. by `T = [[1, −[d]ₓ], [0, 1]]`, so the child's
        // inertia about the parent's centre of mass is `Tᵀ·Ic·T`.
        for l in (1..nlinks).rev() {
            let link = &self.links[l];
            let d = vect_to_na(link.shift02 + link.shift23);
            let px = d.cross_matrix();
            let x = ws.composite[l];
            let a = x.fixed_view::<3, 3>(0, 0);
            let b = x.fixed_view::<3, 3>(0, 3);
            let c = x.fixed_view::<3, 3>(3, 0);
            let dd = x.fixed_view::<3, 3>(3, 3);
            let b2 = b - a * px; // upper right of X·T
            let d2 = dd - c * px; // lower right of X·T
            let c2 = px * a + c;
            let dd2 = px * b2 + d2;
            let parent = &mut ws.composite[link.parent_internal_id];
            let mut block = parent.fixed_view_mut::<3, 3>(0, 0);
            block += a;
            let mut block = parent.fixed_view_mut::<3, 3>(0, 3);
            block += b2;
            let mut block = parent.fixed_view_mut::<3, 3>(3, 0);
            block += c2;
            let mut block = parent.fixed_view_mut::<3, 3>(3, 3);
            block += dd2;
            if with_acc {
                let child = ws.composite_gyro[l];
                ws.composite_gyro[link.parent_internal_id] += child;
            }
        }

        // M[i, j] = J_a[:, i]ᵀ·Ic_a·J_a[:, j] along the path from j to the root (second loop).
        for (l, link) in self.links.iter().enumerate() {
            let ic = &ws.composite[l];
            let gc = &ws.composite_gyro[l];
            let jac = &self.body_jacobians[l];
            for j in link.assembly_id..link.assembly_id + link.joint.ndofs() {
                let s_j: SVector<Real, SPATIAL_DIM> = jac.column(j).into_owned();
                let f = ic * s_j;
                let w_j = s_j.fixed_rows::<3>(3).into_owned();
                let (g, g_tr) = if with_acc {
                    (gc * w_j, gc.tr_mul(&w_j))
                } else {
                    (na::Vector3::zeros(), na::Vector3::zeros())
                };
                let mut i = j;
                while i != NO_DOF {
                    let s_i = jac.column(i);
                    let m_ij = s_i.dot(&f);
                    self.augmented_mass[(i, j)] = m_ij;
                    self.augmented_mass[(j, i)] = m_ij;
                    if with_acc {
                        let s_i_w = s_i.fixed_rows::<3>(3);
                        self.acc_augmented_mass[(i, j)] += m_ij + s_i_w.dot(&g);
                        if i != j {
                            self.acc_augmented_mass[(j, i)] += m_ij + s_i_w.dot(&g_tr);
                        }
                    }
                    i = ws.dof_parent[i];
                }
            }
        }
    }

    /// Per-DoF inverse joint-space inertia `diag(M⁻¹)` at the current configuration, where `M`
    /// includes armature but excludes joint damping and springs — MuJoCo's `dof_invweight0`: the
    /// apparent inverse inertia at each DoF with all other DoFs free, including the articulated
    /// coupling. Re-runs forward kinematics and reassembles the mass matrix, so intended for
    /// occasional use (e.g. sizing `<joint springdamper>` springs at load time), not every step.
    pub fn dof_inverse_inertia(&mut self, bodies: &RigidBodySet) -> DVector {
        // Resolve the root joint type (a fixed base may still be a 6-DoF free root pre-collapse)
        // so `ndofs` is final, then assemble `M`. `dt = 0` drops the `dt·damping` and
        // `dt²·stiffness` diagonal terms, leaving exactly `M + armature`.
        self.forward_kinematics(bodies, false);
        self.update_mass_matrix_with(0.0, bodies, false);

        let n = self.ndofs;
        let mut out = DVector::zeros(n);
        if n == 0 {
            return out;
        }
        // retrogait patch: from the tree-sparse `M = LᵀDL`, `M⁻¹ = L⁻¹D⁻¹L⁻ᵀ`, so
        // `(M⁻¹)[i, i] = Σ_k y_k² / D_k` with `y = L⁻ᵀ·e_i`, which is non-zero only on the path
        // from `i` to the root (Featherstone 2008, §6.3): O(n·depth²) instead of n dense solves.
        if self.inv_augmented_mass.is_tree_sparse() {
            let mut y = core::mem::take(&mut self.tree.guard_m_a);
            if y.len() != n {
                y = DVector::zeros(n);
            }
            self.inv_augmented_mass
                .diagonal_of_inverse(&mut y, out.as_mut_slice());
            self.tree.guard_m_a = y;
            return out;
        }
        // `(M⁻¹)[i, i]` for each DoF: solve `M x = e_i` and read `x[i]`. The `inv_augmented_mass`
        // factorization lives in the kinematic-reduced ordering, so route the unit vector through
        // the same rearrangement the solver uses.
        let mut e = DVector::zeros(n);
        for i in 0..n {
            e.fill(0.0);
            e[i] = 1.0;
            self.augmented_mass_indices
                .with_rearranged_rows_mut(&mut e, |b| {
                    self.inv_augmented_mass.solve_mut(b);
                });
            out[i] = e[i];
        }
        out
    }

    /// Adds a holonomic coupling between two of this multibody's generalized
    /// coordinates (`q2 = coeff·q1 + offset`), enforced as a velocity-level
    /// equality constraint each step. See [`MultibodyDofCoupling`].
    pub fn add_dof_coupling(&mut self, coupling: MultibodyDofCoupling) {
        self.couplings.push(coupling);
    }

    /// The DoF couplings declared on this multibody.
    ///
    /// Couplings follow the multibody's topology changes (link insertions, merges and splits);
    /// a coupling is dropped once one of its DoFs no longer exists, or when its two DoFs end up
    /// in different multibodies.
    pub fn couplings(&self) -> &[MultibodyDofCoupling] {
        &self.couplings
    }

    /// Removes the `i`-th DoF coupling (in the order of [`Self::couplings`]) and returns it.
    ///
    /// Returns `None` if there is no such coupling. The couplings after it shift down by one.
    pub fn remove_dof_coupling(&mut self, i: usize) -> Option<MultibodyDofCoupling> {
        (i < self.couplings.len()).then(|| self.couplings.remove(i))
    }

    /// Keeps only the DoF couplings for which `f` returns `true`.
    pub fn retain_dof_couplings(&mut self, f: impl FnMut(&MultibodyDofCoupling) -> bool) {
        self.couplings.retain(f);
    }

    /// Removes all the DoF couplings of this multibody.
    pub fn clear_dof_couplings(&mut self) {
        self.couplings.clear();
    }

    /// The number of dry-friction rows `link_id`'s joint will emit: one per
    /// free DoF whose `frictionloss` entry is non-zero.
    pub(crate) fn num_friction_constraints(&self, link_id: usize) -> usize {
        let Some(link) = self.link(link_id) else {
            return 0;
        };
        let ndofs = link.joint().ndofs();
        (0..ndofs)
            .filter(|i| self.frictions[link.assembly_id + i] > 0.0)
            .count()
    }

    /// Number of coupling constraints "owned" by `owner_link` — couplings whose first joint
    /// (`link1`) is that link. Each coupling is generated once, by `link1` (which always has a
    /// free DoF and so is an active link in the solver island, unlike a possibly-fixed root).
    pub(crate) fn num_couplings_owned_by(&self, owner_link: usize) -> usize {
        self.couplings
            .iter()
            .filter(|c| c.link1 == owner_link)
            .count()
    }

    /// Generates the velocity constraints for the DoF couplings owned by `owner_link` into
    /// `out[..]`: each coupling `q2 = coeff·q1 + offset` is one bilateral constraint with jacobian
    /// `J = e_{q2} − coeff·e_{q1}` and a rhs pulling the position drift back to zero.
    pub(crate) fn coupling_velocity_constraints(
        &self,
        owner_link: usize,
        params: &IntegrationParameters,
        mut j_id: usize,
        jacobians: &mut DVector,
        out: &mut [GenericJointConstraint],
    ) -> usize {
        let ndofs = self.ndofs;
        let erp_inv_dt = SpringCoefficients::<Real>::joint_defaults().erp_inv_dt(params.dt);

        let mut i = 0;
        for c in self.couplings.iter().filter(|c| c.link1 == owner_link) {
            let g1 = self.links[c.link1].assembly_id + c.dof1;
            let g2 = self.links[c.link2].assembly_id + c.dof2;
            let q1 = self.links[c.link1].joint().coords()[c.axis1];
            let q2 = self.links[c.link2].joint().coords()[c.axis2];

            // Jacobian J = e_{g2} − coeff·e_{g1}, then WJ = M⁻¹ J.
            jacobians.rows_mut(j_id, ndofs * 2).fill(0.0);
            jacobians[j_id + g2] += 1.0;
            jacobians[j_id + g1] -= c.coeff;
            for k in 0..ndofs {
                jacobians[j_id + ndofs + k] = jacobians[j_id + k];
            }
            self.inv_augmented_mass
                .solve_mut(&mut jacobians.rows_mut(j_id + ndofs, ndofs));

            // lhs = Jᵀ M⁻¹ J = Σ J[k]·WJ[k]; only g1/g2 entries of J are nonzero.
            let lhs = jacobians[j_id + ndofs + g2] - c.coeff * jacobians[j_id + ndofs + g1];

            let drift = q2 - c.coeff * q1 - c.offset;

            out[i] = GenericJointConstraint {
                is_rigid_body1: false,
                solver_vel1: u32::MAX,
                ndofs1: 0,
                j_id1: 0,
                is_rigid_body2: false,
                solver_vel2: self.solver_id,
                ndofs2: ndofs,
                j_id2: j_id,
                joint_id: usize::MAX, // internal: no impulse writeback.
                impulse: 0.0,
                impulse_bounds: [-Real::MAX, Real::MAX],
                inv_lhs: crate::utils::inv(lhs),
                rhs: drift * erp_inv_dt,
                rhs_wo_bias: 0.0,
                cfm_coeff: 0.0,
                cfm_gain: 0.0,
                writeback_id: WritebackId::Dof(0),
            };

            j_id += 2 * ndofs;
            i += 1;
        }

        i
    }

    /// The generalized velocity at the multibody_joint of the given link.
    #[inline]
    pub fn joint_velocity(&self, link: &MultibodyLink) -> DVectorView<'_, Real> {
        let ndofs = link.joint().ndofs();
        DVectorView::from_slice(
            &self.velocities.as_slice()[link.assembly_id..link.assembly_id + ndofs],
            ndofs,
        )
    }

    /// The generalized accelerations of this multibodies.
    #[inline]
    pub fn generalized_acceleration(&self) -> DVectorView<'_, Real> {
        self.accelerations.rows(0, self.ndofs)
    }

    /// The generalized velocities of this multibodies.
    #[inline]
    pub fn generalized_velocity(&self) -> DVectorView<'_, Real> {
        self.velocities.rows(0, self.ndofs)
    }

    /// The body jacobian for link `link_id` calculated by the last call to [`Multibody::forward_kinematics`].
    #[inline]
    pub fn body_jacobian(&self, link_id: usize) -> &Jacobian<Real> {
        &self.body_jacobians[link_id]
    }

    /// The mutable generalized velocities of this multibodies.
    #[inline]
    pub fn generalized_velocity_mut(&mut self) -> DVectorViewMut<'_, Real> {
        self.velocities.rows_mut(0, self.ndofs)
    }

    #[inline]
    pub(crate) fn integrate(&mut self, dt: Real) {
        for rb in self.links.iter_mut() {
            rb.joint
                .integrate(dt, &self.velocities.as_slice()[rb.assembly_id..])
        }
    }

    /// Apply displacements, in generalized coordinates, to this multibody.
    ///
    /// Note this does **not** updates the link poses, only their generalized coordinates.
    /// To update the link poses and associated rigid-bodies, call [`Self::forward_kinematics`].
    pub fn apply_displacements(&mut self, disp: &[Real]) {
        for link in self.links.iter_mut() {
            link.joint.apply_displacement(&disp[link.assembly_id..])
        }
    }

    pub(crate) fn update_root_type(&mut self, bodies: &RigidBodySet, take_body_pose: bool) {
        if let Some(rb) = bodies.get(self.links[0].rigid_body) {
            if rb.is_dynamic() != self.root_is_dynamic {
                let root_pose = if take_body_pose {
                    *rb.position()
                } else {
                    self.links[0].local_to_world
                };

                if rb.is_dynamic() {
                    let free_joint = MultibodyJoint::free(root_pose);
                    let prev_root_ndofs = self.links[0].joint().ndofs();
                    self.links[0].joint = free_joint;
                    self.links[0].assembly_id = 0;
                    self.ndofs += SPATIAL_DIM;

                    self.velocities = self.velocities.clone().insert_rows(0, SPATIAL_DIM, 0.0);
                    self.damping = self.damping.clone().insert_rows(0, SPATIAL_DIM, 0.0);
                    self.armature = self.armature.clone().insert_rows(0, SPATIAL_DIM, 0.0);
                    self.frictions = self.frictions.clone().insert_rows(0, SPATIAL_DIM, 0.0);
                    self.accelerations =
                        self.accelerations.clone().insert_rows(0, SPATIAL_DIM, 0.0);

                    for link in &mut self.links[1..] {
                        link.assembly_id += SPATIAL_DIM - prev_root_ndofs;
                    }
                } else {
                    assert!(self.velocities.len() >= SPATIAL_DIM);
                    assert!(self.damping.len() >= SPATIAL_DIM);
                    assert!(self.armature.len() >= SPATIAL_DIM);
                    assert!(self.frictions.len() >= SPATIAL_DIM);
                    assert!(self.accelerations.len() >= SPATIAL_DIM);

                    let fixed_joint = MultibodyJoint::fixed(root_pose);
                    let prev_root_ndofs = self.links[0].joint().ndofs();
                    self.links[0].joint = fixed_joint;
                    self.links[0].assembly_id = 0;
                    self.ndofs -= prev_root_ndofs;

                    if self.ndofs == 0 {
                        self.velocities = DVector::zeros(0);
                        self.damping = DVector::zeros(0);
                        self.armature = DVector::zeros(0);
                        self.frictions = DVector::zeros(0);
                        self.accelerations = DVector::zeros(0);
                    } else {
                        self.velocities =
                            self.velocities.index((prev_root_ndofs.., 0)).into_owned();
                        self.damping = self.damping.index((prev_root_ndofs.., 0)).into_owned();
                        self.armature = self.armature.index((prev_root_ndofs.., 0)).into_owned();
                        self.frictions = self.frictions.index((prev_root_ndofs.., 0)).into_owned();
                        self.accelerations = self
                            .accelerations
                            .index((prev_root_ndofs.., 0))
                            .into_owned();
                    }

                    for link in &mut self.links[1..] {
                        link.assembly_id -= prev_root_ndofs;
                    }
                }

                self.root_is_dynamic = rb.is_dynamic();
            }

            // Make sure the positions are properly set to match the rigid-body’s.
            if take_body_pose {
                if self.links[0].joint.data.locked_axes.is_empty() {
                    self.links[0].joint.set_free_pos(*rb.position());
                } else {
                    self.links[0].joint.data.local_frame1 = *rb.position();
                }
            }
        }
    }

    /// Update the rigid-body poses based on this multibody joint poses.
    ///
    /// This is typically called after [`Self::forward_kinematics`] to apply the new joint poses
    /// to the rigid-bodies.
    pub fn update_rigid_bodies(&self, bodies: &mut RigidBodySet, update_mass_properties: bool) {
        self.update_rigid_bodies_internal(bodies, update_mass_properties, false, true)
    }

    pub(crate) fn update_rigid_bodies_internal(
        &self,
        bodies: &mut RigidBodySet,
        update_mass_properties: bool,
        update_next_positions_only: bool,
        change_tracking: bool,
    ) {
        // Handle the children. They all have a parent within this multibody.
        for link in self.links.iter() {
            let rb = if change_tracking {
                bodies.get_mut_internal_with_modification_tracking(link.rigid_body)
            } else {
                bodies.get_mut_internal(link.rigid_body)
            };

            if let Some(rb) = rb {
                rb.pos.next_position = link.local_to_world;

                if !update_next_positions_only {
                    rb.pos.position = link.local_to_world;
                }

                if update_mass_properties {
                    rb.mprops
                        .update_world_mass_properties(rb.body_type, &link.local_to_world);
                }
            }
        }
    }

    // TODO: make a version that doesn’t write back to bodies and doesn’t update the jacobians
    //       (i.e. just something used by the velocity solver’s small steps).
    /// Apply forward-kinematics to this multibody.
    ///
    /// This will update the [`MultibodyLink`] pose information as wall as the body jacobians.
    /// This will also ensure that the multibody has the proper number of degrees of freedom if
    /// its root node changed between dynamic and non-dynamic.
    ///
    /// Note that this does **not** update the poses of the [`RigidBody`] attached to the joints.
    /// Run [`Self::update_rigid_bodies`] to trigger that update.
    ///
    /// This method updates `self` with the result of the forward-kinematics operation.
    /// For a non-mutable version running forward kinematics on a single link, see
    /// [`Self::forward_kinematics_single_link`].
    ///
    /// ## Parameters
    /// - `bodies`: the set of rigid-bodies.
    /// - `read_root_pose_from_rigid_body`: if set to `true`, the root joint (either a fixed joint,
    ///   or a free joint) will have its pose set to its associated-rigid-body pose. Set this to `true`
    ///   when the root rigid-body pose has been modified and needs to affect the multibody.
    pub fn forward_kinematics(
        &mut self,
        bodies: &RigidBodySet,
        read_root_pose_from_rigid_body: bool,
    ) {
        // Be sure the degrees of freedom match and take the root position if needed.
        self.update_root_type(bodies, read_root_pose_from_rigid_body);

        // Special case for the root, which has no parent.
        {
            let link = &mut self.links[0];
            link.local_to_parent = link.joint.body_to_parent();
            link.local_to_world = link.local_to_parent;
        }

        // Handle the children. They all have a parent within this multibody.
        for i in 1..self.links.len() {
            let (link, parent_link) = self.links.get_mut_with_parent(i);

            link.local_to_parent = link.joint.body_to_parent();
            link.local_to_world = parent_link.local_to_world * link.local_to_parent;

            {
                let parent_rb = &bodies[parent_link.rigid_body];
                let link_rb = &bodies[link.rigid_body];
                let c0 = parent_link.local_to_world * parent_rb.mprops.local_mprops.local_com;
                let c2 = link.local_to_world * link.joint.data.local_frame2.translation;
                let c3 = link.local_to_world * link_rb.mprops.local_mprops.local_com;

                link.shift02 = c2 - c0;
                link.shift23 = c3 - c2;
            }

            assert_eq!(
                bodies[link.rigid_body].body_type,
                RigidBodyType::Dynamic,
                "A rigid-body that is not at the root of a multibody must be dynamic."
            );
        }

        /*
         * Compute body jacobians.
         */
        self.update_body_jacobians();
    }

    /// Computes the ids of all the links between the root and the link identified by `link_id`.
    pub fn kinematic_branch(&self, link_id: usize) -> Vec<usize> {
        let mut branch = vec![]; // Perf: avoid allocation.
        let mut curr_id = Some(link_id);

        while let Some(id) = curr_id {
            branch.push(id);
            curr_id = self.links[id].parent_id();
        }

        branch.reverse();
        branch
    }

    /// Apply forward-kinematics to compute the position of a single link of this multibody.
    ///
    /// If `out_jacobian` is `Some`, this will simultaneously compute the new jacobian of this link.
    /// If `displacement` is `Some`, the generalized position considered during transform propagation
    /// is the sum of the current position of `self` and this `displacement`.
    // TODO: this shares a lot of code with `forward_kinematics` and `update_body_jacobians`, except
    //       that we are only traversing a single kinematic chain. Could this be refactored?
    pub fn forward_kinematics_single_link(
        &self,
        bodies: &RigidBodySet,
        link_id: usize,
        displacement: Option<&[Real]>,
        out_jacobian: Option<&mut Jacobian<Real>>,
    ) -> Pose {
        let branch = self.kinematic_branch(link_id);
        self.forward_kinematics_single_branch(bodies, &branch, displacement, out_jacobian)
    }

    /// Apply forward-kinematics to compute the position of a single sorted branch of this multibody.
    ///
    /// The given `branch` must have the following properties:
    /// - It must be sorted, i.e., `branch[i] < branch[i + 1]`.
    /// - All the indices must be part of the same kinematic branch.
    /// - If a link is `branch[i]`, then `branch[i - 1]` must be its parent.
    ///
    /// In general, this method shouldn’t be used directly and [`Self::forward_kinematics_single_link`]
    /// should be preferred since it computes the branch indices automatically.
    ///
    /// If you want to calculate the branch indices manually, see [`Self::kinematic_branch`].
    ///
    /// If `out_jacobian` is `Some`, this will simultaneously compute the new jacobian of this branch.
    /// This represents the body jacobian for the last link in the branch.
    ///
    /// If `displacement` is `Some`, the generalized position considered during transform propagation
    /// is the sum of the current position of `self` and this `displacement`.
    // TODO: this shares a lot of code with `forward_kinematics` and `update_body_jacobians`, except
    //       that we are only traversing a single kinematic chain. Could this be refactored?
    #[profiling::function]
    pub fn forward_kinematics_single_branch(
        &self,
        bodies: &RigidBodySet,
        branch: &[usize],
        displacement: Option<&[Real]>,
        mut out_jacobian: Option<&mut Jacobian<Real>>,
    ) -> Pose {
        if let Some(out_jacobian) = out_jacobian.as_deref_mut() {
            if out_jacobian.ncols() != self.ndofs {
                *out_jacobian = Jacobian::zeros(self.ndofs);
            } else {
                out_jacobian.fill(0.0);
            }
        }

        let mut parent_link: Option<MultibodyLink> = None;

        for i in branch {
            let mut link = self.links[*i];

            if let Some(displacement) = displacement {
                link.joint
                    .apply_displacement(&displacement[link.assembly_id..]);
            }

            let parent_to_world;

            if let Some(parent_link) = parent_link {
                link.local_to_parent = link.joint.body_to_parent();
                link.local_to_world = parent_link.local_to_world * link.local_to_parent;

                {
                    let parent_rb = &bodies[parent_link.rigid_body];
                    let link_rb = &bodies[link.rigid_body];
                    let c0 = parent_link.local_to_world * parent_rb.mprops.local_mprops.local_com;
                    let c2 = link.local_to_world
                        * Vector::from(link.joint.data.local_frame2.translation);
                    let c3 = link.local_to_world * link_rb.mprops.local_mprops.local_com;

                    link.shift02 = c2 - c0;
                    link.shift23 = c3 - c2;
                }

                parent_to_world = parent_link.local_to_world;

                if let Some(out_jacobian) = out_jacobian.as_deref_mut() {
                    let (mut link_j_v, parent_j_w) =
                        out_jacobian.rows_range_pair_mut(0..DIM, DIM..DIM + ANG_DIM);
                    let shift_tr = vect_to_na(link.shift02).gcross_matrix_tr();
                    link_j_v.gemm(1.0, &shift_tr, &parent_j_w, 1.0);
                }
            } else {
                link.local_to_parent = link.joint.body_to_parent();
                link.local_to_world = link.local_to_parent;
                parent_to_world = Pose::IDENTITY;
            }

            if let Some(out_jacobian) = out_jacobian.as_deref_mut() {
                let ndofs = link.joint.ndofs();
                let mut tmp = SMatrix::<Real, SPATIAL_DIM, SPATIAL_DIM>::zeros();
                let mut link_joint_j = tmp.columns_mut(0, ndofs);
                let mut link_j_part = out_jacobian.columns_mut(link.assembly_id, ndofs);
                link.joint.jacobian(
                    &(parent_to_world.rotation * link.joint.data.local_frame1.rotation),
                    &mut link_joint_j,
                );
                link_j_part += link_joint_j;

                {
                    let (mut link_j_v, link_j_w) =
                        out_jacobian.rows_range_pair_mut(0..DIM, DIM..DIM + ANG_DIM);
                    let shift_tr = vect_to_na(link.shift23).gcross_matrix_tr();
                    link_j_v.gemm(1.0, &shift_tr, &link_j_w, 1.0);
                }
            }

            parent_link = Some(link);
        }

        parent_link
            .map(|link| link.local_to_world)
            .unwrap_or(Pose::IDENTITY)
    }

    /// The total number of freedoms of this multibody.
    #[inline]
    pub fn ndofs(&self) -> usize {
        self.ndofs
    }

    /// The inverse apparent mass `J·M⁻¹·Jᵀ` that a unit wrench (`unit_force`, and its moment
    /// `unit_torque` about the link's centre of mass) on link `link_id` meets, from the mass
    /// matrix factorised in the last step: what a force element that is stiff along one
    /// direction (a compliant contact, a damper) needs to integrate that direction implicitly.
    /// `scratch` is resized to `2 × ndofs` if shorter, so callers can reuse it; afterwards its
    /// first `ndofs` entries hold the wrench's generalised force `Jᵀ` and the next `ndofs` the
    /// generalised acceleration `M⁻¹·Jᵀ` it gives, so that several wrenches' couplings
    /// `J_a·M⁻¹·J_bᵀ` can be formed from their scratches.
    pub fn inverse_mass_along(
        &self,
        link_id: usize,
        unit_force: Vector,
        unit_torque: AngVector,
        scratch: &mut DVector,
    ) -> Real {
        if scratch.len() < 2 * self.ndofs {
            *scratch = DVector::zeros(2 * self.ndofs);
        }
        let mut j_id = 0;
        self.fill_jacobians(link_id, unit_force, unit_torque, &mut j_id, scratch)
            .0
    }

    /// retrogait patch: the generalised accelerations that the forces applied to the links
    /// now (their user forces and torques, and gravity) give with the mass matrix factorised in
    /// the last substep, as the coming step starts from them before any constraint: what a force
    /// element integrated implicitly needs to know of everything else acting over the step.
    /// Computes each link's effective force (as the step will again) and overwrites the
    /// multibody's accelerations, which the next step recomputes.
    pub fn applied_force_accelerations(
        &mut self,
        dt: Real,
        bodies: &mut RigidBodySet,
        gravity: Vector,
    ) -> DVectorView<'_, Real> {
        for link in self.links.iter() {
            let rb = bodies.index_mut_internal(link.rigid_body);
            let mass = rb.mprops.effective_mass();
            rb.forces.compute_effective_force_and_torque(gravity, mass);
        }
        self.update_acceleration(dt, bodies);
        self.accelerations.rows(0, self.ndofs)
    }

    pub(crate) fn fill_jacobians(
        &self,
        link_id: usize,
        unit_force: Vector,
        unit_torque: AngVector,
        j_id: &mut usize,
        jacobians: &mut DVector,
    ) -> (Real, Real) {
        if self.ndofs == 0 {
            return (0.0, 0.0);
        }

        let wj_id = *j_id + self.ndofs;
        let force = Force {
            linear: unit_force,
            #[cfg(feature = "dim2")]
            angular: unit_torque,
            #[cfg(feature = "dim3")]
            angular: unit_torque,
        };

        let link = &self.links[link_id];
        let mut out_j = jacobians.rows_mut(*j_id, self.ndofs);
        self.body_jacobians[link.internal_id].tr_mul_to(force.as_vector(), &mut out_j);

        // TODO: Optimize with a copy_nonoverlapping?
        for i in 0..self.ndofs {
            jacobians[wj_id + i] = jacobians[*j_id + i];
        }

        {
            let mut out_invm_j = jacobians.rows_mut(wj_id, self.ndofs);
            self.augmented_mass_indices
                .with_rearranged_rows_mut(&mut out_invm_j, |out_invm_j| {
                    self.inv_augmented_mass.solve_mut(out_invm_j);
                });
        }

        let j = jacobians.rows(*j_id, self.ndofs);
        let invm_j = jacobians.rows(wj_id, self.ndofs);
        *j_id += self.ndofs * 2;

        (j.dot(&invm_j), j.dot(&self.generalized_velocity()))
    }

    /// Fills `jacobians` with the relative jacobian `J = J2ᵀ·f2 − J1ᵀ·f1` of two links of `self`, then `M⁻¹·J`
    /// (e.g. a loop closure). The difference must be explicit: per-link blocks lose the `J1ᵀ·W·J2` effective-mass
    /// coupling since both act on the same generalized velocities. Cancellation-vanished rows are zeroed so the solver skips them.
    pub(crate) fn fill_relative_jacobians(
        &self,
        link_id1: usize,
        unit_force1: Vector,
        unit_torque1: AngVector,
        link_id2: usize,
        unit_force2: Vector,
        unit_torque2: AngVector,
        j_id: &mut usize,
        jacobians: &mut DVector,
    ) {
        if self.ndofs == 0 {
            return;
        }

        let wj_id = *j_id + self.ndofs;
        let force1 = Force {
            linear: unit_force1,
            angular: unit_torque1,
        };
        let force2 = Force {
            linear: unit_force2,
            angular: unit_torque2,
        };

        let link1 = &self.links[link_id1];
        let link2 = &self.links[link_id2];

        {
            let jb1 = &self.body_jacobians[link1.internal_id];
            let jb2 = &self.body_jacobians[link2.internal_id];

            // Use the (overwritten below) W·J slot as workspace for J1ᵀ·f1.
            let (mut out_j, mut workspace) =
                jacobians.rows_range_pair_mut(*j_id..*j_id + self.ndofs, wj_id..wj_id + self.ndofs);
            jb2.tr_mul_to(force2.as_vector(), &mut out_j);
            jb1.tr_mul_to(force1.as_vector(), &mut workspace);
            out_j.axpy(-1.0, &workspace, 1.0);

            // Cancellation guard: the reference scale is the magnitude of the dot-product operands,
            // not their results (which may be pure cancellation noise when the direction isn’t
            // expressible by the dofs). Rows below ~1000·ε times that scale are noise, not a constraint.
            let scale_sq = jb1.norm_squared() * force1.as_vector().norm_squared()
                + jb2.norm_squared() * force2.as_vector().norm_squared();
            let eps = Real::EPSILON * 1.0e3;
            if out_j.norm_squared() <= eps * eps * scale_sq {
                out_j.fill(0.0);
            }
        }

        // TODO: Optimize with a copy_nonoverlapping?
        for i in 0..self.ndofs {
            jacobians[wj_id + i] = jacobians[*j_id + i];
        }

        {
            let mut out_invm_j = jacobians.rows_mut(wj_id, self.ndofs);
            self.augmented_mass_indices
                .with_rearranged_rows_mut(&mut out_invm_j, |out_invm_j| {
                    self.inv_augmented_mass.solve_mut(out_invm_j);
                });
        }

        *j_id += self.ndofs * 2;
    }
}

/// No DoF: the parent of a root DoF in [`Multibody`]'s DoF tree.
const NO_DOF: usize = usize::MAX;

/// retrogait patch: workspaces of the tree-sparse mass matrix, sized on topology changes so that
/// a step allocates nothing.
#[cfg_attr(feature = "serde-serialize", derive(Serialize, Deserialize))]
#[derive(Clone, Debug, Default)]
struct TreeWorkspace {
    /// Parent of each DoF (`NO_DOF` for none); see `Multibody::update_dof_parents`.
    dof_parent: Vec<usize>,
    /// Last DoF of each link or, if it has none, of its nearest ancestor with DoFs.
    link_last_dof: Vec<usize>,
    /// Composite spatial inertia of each link's subtree, about the link's centre of mass.
    composite: Vec<SMatrix<Real, SPATIAL_DIM, SPATIAL_DIM>>,
    /// Column ranges `(first DoF, count)` of the links on one link's path to the root.
    segments: Vec<(usize, usize)>,
    /// Sum over each link's subtree of `dt ×` the gyroscopic linearisation.
    composite_gyro: Vec<na::Matrix3<Real>>,
    /// Generalised forces kept for the energy guard.
    gen_forces: DVector,
    pos_forces: DVector,
    guard_m_a: DVector,
    guard_m_v: DVector,
}

/// Column `at..at + 3` of a column-major slice.
#[cfg(feature = "dim3")]
#[inline(always)]
fn column3(data: &[Real], at: usize) -> [Real; 3] {
    // One bounds check for the three entries (three indexings check three times).
    let c = &data[at..at + 3];
    [c[0], c[1], c[2]]
}

/// `y = alpha·A·x + y` for one column, with the arithmetic of nalgebra 0.35's `gemm` (through
/// `gemv`/`axcpy`, for `beta = 1`): `y_i ← (alpha·A_ik)·x_k + y_i` for k = 0, 1, 2 in turn. The
/// tree-sparse Coriolis recursion applies it column by column instead of calling `gemm` on
/// column views, which cost more in views and dimension checks than in arithmetic; the values
/// are the same, bit for bit.
#[cfg(feature = "dim3")]
#[inline(always)]
fn gemv3_acc(y: &mut [Real; 3], alpha: Real, a: &na::Matrix3<Real>, x: &[Real; 3]) {
    for k in 0..3 {
        for r in 0..3 {
            y[r] = (alpha * a[(r, k)]) * x[k] + y[r];
        }
    }
}

/// `alpha·A·x`, with the arithmetic of nalgebra 0.35's `gemm` for `beta = 0` (the first column
/// of `A` initialises the result).
#[cfg(feature = "dim3")]
#[inline(always)]
fn gemv3(alpha: Real, a: &na::Matrix3<Real>, x: &[Real; 3]) -> [Real; 3] {
    let mut y = [0.0; 3];
    for r in 0..3 {
        y[r] = (alpha * a[(r, 0)]) * x[0];
    }
    for k in 1..3 {
        for r in 0..3 {
            y[r] = (alpha * a[(r, k)]) * x[k] + y[r];
        }
    }
    y
}

/// `out = M·x` for a symmetric `M` with the tree sparsity of `parent` (entries `(i, j)` non-zero
/// only if one DoF is on the other's path to the root), in O(Σ depth) operations.
fn tree_sym_mul(m: &DMatrix<Real>, parent: &[usize], x: &DVector, out: &mut DVector) {
    for k in 0..parent.len() {
        out[k] = m[(k, k)] * x[k];
    }
    for k in 0..parent.len() {
        let mut i = parent[k];
        while i != NO_DOF {
            let m_ik = m[(i, k)];
            out[i] += m_ik * x[k];
            out[k] += m_ik * x[i];
            i = parent[i];
        }
    }
}

/// The factorisation of a multibody's mass matrix, through which the constraint solver and the
/// free accelerations apply its inverse.
///
/// retrogait patch (`vendor/rapier3d.patch`). A multibody's mass matrix has the sparsity of its
/// kinematic tree: entry `(i, j)` can be non-zero only if DoF `i` lies on the path from DoF `j`
/// to the root or vice versa. Eliminating the DoFs leaves first then creates no fill-in, since
/// the DoFs on a path are pairwise related (Featherstone 2008, "Rigid Body Dynamics Algorithms",
/// §6.3 "Sparse factorization", Table 6.3 `LTDL`; MuJoCo's `mj_factorM`/`mj_solveM`):
///
/// - symmetric (the mass matrix `M`, positive definite): `M = LᵀDL`, `L` unit lower triangular
///   with the same sparsity;
/// - non-symmetric (`M` with the semi-implicit gyroscopic and Coriolis terms, which have the same
///   sparsity: every link's Jacobian and Coriolis matrix are zero outside its path): `A = U·D·L`,
///   `U` unit upper, `L` unit lower, by the same elimination without pivoting. That matrix is `M`
///   plus `dt ×` terms of the velocities, so for the small steps it is used with its pivots stay
///   close to `M`'s, which are positive; a zero or non-finite pivot falls back to nalgebra's
///   dense `LU` with partial pivoting for that step (as do kinematic DoFs and 2D, always).
///
/// Factorising and solving cost O(Σ depth²) and O(Σ depth) instead of O(n³) and O(n²).
#[cfg_attr(feature = "serde-serialize", derive(Serialize, Deserialize))]
#[derive(Clone, Debug)]
pub struct MultibodyMassSolver {
    symmetric: bool,
    tree_sparse: bool,
    /// Parent of each DoF, as in the last tree-sparse factorisation.
    parent: Vec<usize>,
    /// Row `k`'s ancestors, nearest first, are `ancestors[row_start[k]..row_start[k + 1]]`: the
    /// only off-diagonal entries of `L`'s row `k` (and of `U`'s column `k`). Stored by row so
    /// that factorisation and solves run over contiguous memory instead of chasing the parent
    /// chain through a dense matrix (MuJoCo's `rowadr`/`rownnz`/`colind`).
    row_start: Vec<usize>,
    ancestors: Vec<usize>,
    /// `D`.
    diagonal: Vec<Real>,
    /// `L[k, ancestors[p]]` at `p`, in the layout of `ancestors`.
    lower: Vec<Real>,
    /// `U[ancestors[p], k]` at `p` (non-symmetric only).
    upper: Vec<Real>,
    lu: LU<Real, Dyn, Dyn>,
}

impl MultibodyMassSolver {
    fn new(symmetric: bool) -> Self {
        Self {
            symmetric,
            tree_sparse: false,
            parent: Vec::new(),
            row_start: Vec::new(),
            ancestors: Vec::new(),
            diagonal: Vec::new(),
            lower: Vec::new(),
            upper: Vec::new(),
            lu: LU::new(DMatrix::zeros(0, 0)),
        }
    }

    /// Whether the last factorisation was the tree-sparse one (otherwise nalgebra's `LU`).
    pub fn is_tree_sparse(&self) -> bool {
        self.tree_sparse
    }

    /// The dense `LU` factorisation, if the last factorisation was dense.
    pub fn lu(&self) -> Option<&LU<Real, Dyn, Dyn>> {
        (!self.tree_sparse).then_some(&self.lu)
    }

    fn factorize_dense<S: na::Storage<Real, Dyn, Dyn>>(
        &mut self,
        m: &na::Matrix<Real, Dyn, Dyn, S>,
    ) {
        self.tree_sparse = false;
        self.lu = LU::new(m.clone_owned());
    }

    /// Rebuilds the row structure (`row_start`, `ancestors`) when the tree changed.
    fn set_structure(&mut self, parent: &[usize]) {
        assert!(
            parent
                .iter()
                .enumerate()
                .all(|(k, &p)| p == NO_DOF || p < k),
            "a DoF's parent must come before it"
        );
        if self.parent == parent && self.row_start.len() == parent.len() + 1 {
            return;
        }
        self.parent.clear();
        self.parent.extend_from_slice(parent);
        self.row_start.clear();
        self.ancestors.clear();
        self.row_start.push(0);
        for k in 0..parent.len() {
            let mut i = parent[k];
            while i != NO_DOF {
                self.ancestors.push(i);
                i = parent[i];
            }
            self.row_start.push(self.ancestors.len());
        }
        let nnz = self.ancestors.len();
        self.diagonal.resize(parent.len(), 0.0);
        self.lower.resize(nnz, 0.0);
        self.upper.resize(if self.symmetric { 0 } else { nnz }, 0.0);
    }

    /// Factorises `m` (tree sparsity `parent`) in place of the previous factors; `false` if a
    /// pivot is zero, not finite, or (symmetric) not positive, leaving the factors unusable.
    ///
    /// The elimination is Featherstone's Table 6.3 with the entries held by row (see the
    /// fields): for each DoF `k`, leaves first, and each ancestor `i` of `k`, nearest first,
    /// `i`'s row and column receive `k`'s. Row `i`'s ancestors are the tail of row `k`'s after
    /// `i`, which is what lets both be walked as slices.
    fn factorize_tree(&mut self, m: &DMatrix<Real>, parent: &[usize]) -> bool {
        self.set_structure(parent);
        let n = parent.len();
        let rs = &self.row_start;
        let anc = &self.ancestors;
        for k in 0..n {
            self.diagonal[k] = m[(k, k)];
            for p in rs[k]..rs[k + 1] {
                self.lower[p] = m[(k, anc[p])];
                if !self.symmetric {
                    self.upper[p] = m[(anc[p], k)];
                }
            }
        }
        // SAFETY (every `get_unchecked` below): `set_structure` made `row_start` n + 1
        // non-decreasing offsets ending at `ancestors.len()` = `lower.len()` (= `upper.len()`
        // when non-symmetric), and `ancestors` DoF indices < n = `diagonal.len()`; the row of an
        // ancestor `i` of `k` at position `t` holds the `len_k - t - 1` ancestors after it.
        let lower = &mut self.lower[..];
        let upper = &mut self.upper[..];
        let diagonal = &mut self.diagonal[..];
        for k in (0..n).rev() {
            let d = diagonal[k];
            let usable = if self.symmetric { d > 0.0 } else { d != 0.0 };
            if !usable || !d.is_finite() {
                self.tree_sparse = false;
                return false;
            }
            let (start, len) = (rs[k], rs[k + 1] - rs[k]);
            unsafe {
                if self.symmetric {
                    // `L[k, i]` is still `M[k, i]` (unscaled) until `i`'s turn ends.
                    for t in 0..len {
                        let i = *anc.get_unchecked(start + t);
                        let f_ki = *lower.get_unchecked(start + t);
                        let l_ki = f_ki / d;
                        *diagonal.get_unchecked_mut(i) -= l_ki * f_ki;
                        let row_i = *rs.get_unchecked(i);
                        for s in t + 1..len {
                            let f_kj = *lower.get_unchecked(start + s);
                            *lower.get_unchecked_mut(row_i + (s - t - 1)) -= l_ki * f_kj;
                        }
                        *lower.get_unchecked_mut(start + t) = l_ki;
                    }
                } else {
                    // Row k of L, then the Schur complement on k's path, then column k of U.
                    for s in 0..len {
                        *lower.get_unchecked_mut(start + s) /= d;
                    }
                    for t in 0..len {
                        let i = *anc.get_unchecked(start + t);
                        let a_ik = *upper.get_unchecked(start + t);
                        // Ancestors j of k below i (descendants of i): `U[i, j]`, in column j
                        // at the position of i among j's ancestors.
                        for s in 0..t {
                            let j = *anc.get_unchecked(start + s);
                            let l_kj = *lower.get_unchecked(start + s);
                            *upper.get_unchecked_mut(*rs.get_unchecked(j) + (t - s - 1)) -=
                                a_ik * l_kj;
                        }
                        *diagonal.get_unchecked_mut(i) -= a_ik * *lower.get_unchecked(start + t);
                        // Ancestors j of i: `L[i, j]`, row i.
                        let row_i = *rs.get_unchecked(i);
                        for s in t + 1..len {
                            let l_kj = *lower.get_unchecked(start + s);
                            *lower.get_unchecked_mut(row_i + (s - t - 1)) -= a_ik * l_kj;
                        }
                        *upper.get_unchecked_mut(start + t) = a_ik / d;
                    }
                }
            }
        }
        self.tree_sparse = true;
        true
    }

    /// Solves `M·x = b` in place (each column of `b`); `false` if the (dense) factorisation is
    /// singular, as nalgebra's `LU::solve_mut`.
    pub fn solve_mut<C: na::Dim, S: StorageMut<Real, Dyn, C>>(
        &self,
        b: &mut na::Matrix<Real, Dyn, C, S>,
    ) -> bool {
        if !self.tree_sparse {
            return self.lu.solve_mut(b);
        }
        let n = self.parent.len();
        assert_eq!(
            b.nrows(),
            n,
            "MultibodyMassSolver::solve_mut: dimension mismatch"
        );
        let rs = &self.row_start[..];
        let anc = &self.ancestors[..];
        // U·y = b (U = Lᵀ if symmetric) is a pass over U's columns, which are stored like L's
        // rows.
        let u = if self.symmetric {
            &self.lower[..]
        } else {
            &self.upper[..]
        };
        // SAFETY (the `get_unchecked` below): `ancestors` holds DoF indices < n = b.nrows(),
        // `row_start` n + 1 offsets into it and into `lower`/`upper` (`set_structure`), and
        // c < b.ncols().
        for c in 0..b.ncols() {
            unsafe {
                // Leaves first.
                for k in (0..n).rev() {
                    let b_k = *b.get_unchecked((k, c));
                    if b_k != 0.0 {
                        for p in *rs.get_unchecked(k)..*rs.get_unchecked(k + 1) {
                            *b.get_unchecked_mut((*anc.get_unchecked(p), c)) -=
                                *u.get_unchecked(p) * b_k;
                        }
                    }
                }
                // D·z = y, then L·x = z, root first.
                for k in 0..n {
                    let mut x_k = *b.get_unchecked((k, c)) / *self.diagonal.get_unchecked(k);
                    for p in *rs.get_unchecked(k)..*rs.get_unchecked(k + 1) {
                        x_k -= *self.lower.get_unchecked(p)
                            * *b.get_unchecked((*anc.get_unchecked(p), c));
                    }
                    *b.get_unchecked_mut((k, c)) = x_k;
                }
            }
        }
        true
    }

    /// `diag(M⁻¹)` into `out` from a symmetric tree-sparse factorisation; `y` is a zeroed
    /// workspace of `n` entries and is left zeroed.
    fn diagonal_of_inverse(&self, y: &mut DVector, out: &mut [Real]) {
        let rs = &self.row_start;
        let anc = &self.ancestors;
        let parent = &self.parent;
        for (i, out_i) in out.iter_mut().enumerate() {
            // y = L⁻ᵀ·e_i: Lᵀ·y = e_i, solved leaves first; only i's path is touched.
            y[i] = 1.0;
            let mut sum = 0.0;
            let mut k = i;
            while k != NO_DOF {
                let y_k = y[k];
                for p in rs[k]..rs[k + 1] {
                    y[anc[p]] -= self.lower[p] * y_k;
                }
                sum += y_k * y_k / self.diagonal[k];
                y[k] = 0.0;
                k = parent[k];
            }
            *out_i = sum;
        }
    }
}

#[cfg_attr(feature = "serde-serialize", derive(Serialize, Deserialize))]
#[derive(Clone, Debug)]
struct IndexSequence {
    first_to_remove: u32,
    index_map: Vec<usize>,
}

impl IndexSequence {
    const NONE: u32 = u32::MAX;

    fn new() -> Self {
        Self {
            first_to_remove: Self::NONE,
            index_map: vec![],
        }
    }

    /// Index of the first removed dof, assuming there is one.
    fn start(&self) -> usize {
        self.first_to_remove as usize
    }

    fn clear(&mut self) {
        self.first_to_remove = Self::NONE;
        self.index_map.clear();
    }

    fn keep(&mut self, i: usize) {
        if self.first_to_remove == Self::NONE {
            // Nothing got removed yet. No need to register any
            // special indexing.
            return;
        }

        self.index_map.push(i);
    }

    fn remove(&mut self, i: usize) {
        if self.first_to_remove == Self::NONE {
            self.first_to_remove = i as u32;
        }
    }

    fn dim_after_removal(&self, original_dim: usize) -> usize {
        if self.first_to_remove == Self::NONE {
            original_dim
        } else {
            self.start() + self.index_map.len()
        }
    }

    fn rearrange_columns<R: na::Dim, C: na::Dim, S: StorageMut<Real, R, C>>(
        &self,
        mat: &mut na::Matrix<Real, R, C, S>,
        clear_removed: bool,
    ) {
        if self.first_to_remove == Self::NONE {
            // Nothing to rearrange.
            return;
        }

        for (target_shift, source) in self.index_map.iter().enumerate() {
            let target = self.start() + target_shift;
            let (mut target_col, source_col) = mat.columns_range_pair_mut(target, *source);
            target_col.copy_from(&source_col);
        }

        if clear_removed {
            mat.columns_range_mut(self.start() + self.index_map.len()..)
                .fill(0.0);
        }
    }

    fn rearrange_rows<R: na::Dim, C: na::Dim, S: StorageMut<Real, R, C>>(
        &self,
        mat: &mut na::Matrix<Real, R, C, S>,
        clear_removed: bool,
    ) {
        if self.first_to_remove == Self::NONE {
            // Nothing to rearrange.
            return;
        }

        for mut col in mat.column_iter_mut() {
            for (target_shift, source) in self.index_map.iter().enumerate() {
                let target = self.start() + target_shift;
                col[target] = col[*source];
            }

            if clear_removed {
                col.rows_range_mut(self.start() + self.index_map.len()..)
                    .fill(0.0);
            }
        }
    }

    fn inv_rearrange_rows<R: na::Dim, C: na::Dim, S: StorageMut<Real, R, C>>(
        &self,
        mat: &mut na::Matrix<Real, R, C, S>,
    ) {
        if self.first_to_remove == Self::NONE {
            // Nothing to rearrange.
            return;
        }

        for mut col in mat.column_iter_mut() {
            for (target_shift, source) in self.index_map.iter().enumerate().rev() {
                let target = self.start() + target_shift;
                col[*source] = col[target];
                col[target] = 0.0;
            }
        }
    }

    fn with_rearranged_rows_mut<C: na::Dim, S: StorageMut<Real, Dyn, C>>(
        &self,
        mat: &mut na::Matrix<Real, Dyn, C, S>,
        mut f: impl FnMut(&mut na::MatrixViewMut<Real, Dyn, C, S::RStride, S::CStride>),
    ) {
        self.rearrange_rows(mat, true);
        let effective_dim = self.dim_after_removal(mat.nrows());
        if effective_dim > 0 {
            f(&mut mat.rows_mut(0, effective_dim));
        }
        self.inv_rearrange_rows(mat);
    }
}

#[cfg(test)]
mod test {
    use super::IndexSequence;
    use crate::alloc_prelude::*;
    use crate::dynamics::{ImpulseJointSet, IslandManager};
    #[cfg(feature = "dim3")]
    use crate::math::Vector;
    use crate::math::{Real, SPATIAL_DIM};
    use crate::prelude::{
        ColliderSet, MultibodyJointHandle, MultibodyJointSet, RevoluteJoint, RigidBodyBuilder,
        RigidBodySet, SoftBodySet,
    };
    use na::{DVector, RowDVector};

    #[test]
    fn test_multibody_append() {
        let mut bodies = RigidBodySet::new();
        let mut joints = MultibodyJointSet::new();

        let a = bodies.insert(RigidBodyBuilder::dynamic());
        let b = bodies.insert(RigidBodyBuilder::dynamic());
        let c = bodies.insert(RigidBodyBuilder::dynamic());
        let d = bodies.insert(RigidBodyBuilder::dynamic());

        #[cfg(feature = "dim2")]
        let joint = RevoluteJoint::new();
        #[cfg(feature = "dim3")]
        let joint = RevoluteJoint::new(Vector::X);

        let mb_handle = joints.insert(a, b, joint, true).unwrap();
        joints.insert(c, d, joint, true).unwrap();
        joints.insert(b, c, joint, true).unwrap();

        assert_eq!(joints.get(mb_handle).unwrap().0.ndofs, SPATIAL_DIM + 3);
    }

    #[test]
    fn test_multibody_insert() {
        let mut rnd = oorandom::Rand32::new(1234);

        for k in 0..10 {
            let mut bodies = RigidBodySet::new();
            let mut multibody_joints = MultibodyJointSet::new();

            let num_links = 100;
            let mut handles = vec![];

            for _ in 0..num_links {
                handles.push(bodies.insert(RigidBodyBuilder::dynamic()));
            }

            let mut insertion_id: Vec<_> = (0..num_links - 1).collect();

            #[cfg(feature = "dim2")]
            let joint = RevoluteJoint::new();
            #[cfg(feature = "dim3")]
            let joint = RevoluteJoint::new(Vector::X);

            match k {
                0 => {} // Remove in insertion order.
                1 => {
                    // Remove from leaf to root.
                    insertion_id.reverse();
                }
                _ => {
                    // Shuffle the vector a bit.
                    // (This test checks multiple shuffle arrangements due to k > 2).
                    for l in 0..num_links - 1 {
                        insertion_id.swap(l, rnd.rand_range(0..num_links as u32 - 1) as usize);
                    }
                }
            }

            let mut mb_handle = MultibodyJointHandle::invalid();
            for i in insertion_id {
                mb_handle = multibody_joints
                    .insert(handles[i], handles[i + 1], joint, true)
                    .unwrap();
            }

            assert_eq!(
                multibody_joints.get(mb_handle).unwrap().0.ndofs,
                SPATIAL_DIM + num_links - 1
            );
        }
    }

    #[test]
    fn test_multibody_remove() {
        let mut rnd = oorandom::Rand32::new(1234);

        for k in 0..10 {
            let mut bodies = RigidBodySet::new();
            let mut multibody_joints = MultibodyJointSet::new();
            let mut colliders = ColliderSet::new();
            let mut impulse_joints = ImpulseJointSet::new();
            let mut islands = IslandManager::new();
            let mut soft_bodies = SoftBodySet::new();

            let num_links = 100;
            let mut handles = vec![];

            for _ in 0..num_links {
                handles.push(bodies.insert(RigidBodyBuilder::dynamic()));
            }

            #[cfg(feature = "dim2")]
            let joint = RevoluteJoint::new();
            #[cfg(feature = "dim3")]
            let joint = RevoluteJoint::new(Vector::X);

            for i in 0..num_links - 1 {
                multibody_joints
                    .insert(handles[i], handles[i + 1], joint, true)
                    .unwrap();
            }

            match k {
                0 => {} // Remove in insertion order.
                1 => {
                    // Remove from leaf to root.
                    handles.reverse();
                }
                _ => {
                    // Shuffle the vector a bit.
                    // (This test checks multiple shuffle arrangements due to k > 2).
                    for l in 0..num_links {
                        handles.swap(l, rnd.rand_range(0..num_links as u32) as usize);
                    }
                }
            }

            for handle in handles {
                bodies.remove(
                    handle,
                    &mut islands,
                    &mut colliders,
                    &mut impulse_joints,
                    &mut multibody_joints,
                    &mut soft_bodies,
                    true,
                );
            }
        }
    }

    fn test_sequence() -> IndexSequence {
        let mut seq = IndexSequence::new();
        seq.remove(2);
        seq.remove(3);
        seq.remove(4);
        seq.keep(5);
        seq.keep(6);
        seq.remove(7);
        seq.keep(8);
        seq
    }

    #[test]
    fn index_sequence_rearrange_columns() {
        let seq = test_sequence();
        let mut vec = RowDVector::from_fn(10, |_, c| c as Real);
        seq.rearrange_columns(&mut vec, true);
        assert_eq!(
            vec,
            RowDVector::from(vec![0.0, 1.0, 5.0, 6.0, 8.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        );
    }

    #[test]
    fn index_sequence_rearrange_rows() {
        let seq = test_sequence();
        let mut vec = DVector::from_fn(10, |r, _| r as Real);
        seq.rearrange_rows(&mut vec, true);
        assert_eq!(
            vec,
            DVector::from(vec![0.0, 1.0, 5.0, 6.0, 8.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        );
        seq.inv_rearrange_rows(&mut vec);
        assert_eq!(
            vec,
            DVector::from(vec![0.0, 1.0, 0.0, 0.0, 0.0, 5.0, 6.0, 0.0, 8.0, 0.0])
        );
    }

    #[test]
    fn index_sequence_with_rearranged_rows_mut() {
        let seq = test_sequence();
        let mut vec = DVector::from_fn(10, |r, _| r as Real);
        seq.with_rearranged_rows_mut(&mut vec, |v| {
            assert_eq!(v.len(), 5);
            assert_eq!(*v, DVector::from(vec![0.0, 1.0, 5.0, 6.0, 8.0]));
            *v *= 10.0;
        });
        assert_eq!(
            vec,
            DVector::from(vec![0.0, 10.0, 0.0, 0.0, 0.0, 50.0, 60.0, 0.0, 80.0, 0.0])
        );
    }
}
