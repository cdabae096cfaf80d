//! The compiled, validated, immutable model (cf. MuJoCo's `mjModel`).
//!
//! Names are resolved to typed ids once, at load; every vector is indexed by its id type.
//! Everything is in SI units and scaled to one subject.

use std::path::Path as FsPath;

use glam::{DMat3, DVec3};
use serde::Serialize;

use crate::error::ModelError;
use crate::muscle::Muscle;
use crate::spec::{ModelSpec, SubjectSpec};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub u32);

        impl $name {
            /// Position in the model's vector of this kind.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index into [`Model::segments`].
    SegmentId
);
id_type!(
    /// Index into [`Model::joints`].
    JointId
);
id_type!(
    /// Index into [`Model::coordinates`] and into every pose vector `q`, `q̇`, moment vector.
    CoordinateId
);
id_type!(
    /// Index into [`Model::muscles`].
    MuscleId
);

/// Body side of a bilateral object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Side {
    /// Right (+z).
    Right,
    /// Left (-z).
    Left,
}

impl Side {
    /// Both sides, right first.
    pub const BOTH: [Side; 2] = [Side::Right, Side::Left];

    /// Name suffix: `_r` or `_l`.
    pub fn suffix(self) -> &'static str {
        match self {
            Side::Right => "_r",
            Side::Left => "_l",
        }
    }

    /// The other side.
    pub fn opposite(self) -> Side {
        match self {
            Side::Right => Side::Left,
            Side::Left => Side::Right,
        }
    }

    /// Position in per-side data ([`Sides`]): right 0, left 1.
    pub fn index(self) -> usize {
        match self {
            Side::Right => 0,
            Side::Left => 1,
        }
    }

    /// `r` or `l`, as in column names and cycle files.
    pub fn tag(self) -> &'static str {
        match self {
            Side::Right => "r",
            Side::Left => "l",
        }
    }
}

/// One value per body side, indexed by [`Side`] rather than a bare 0/1, so right and left
/// cannot be swapped by an off-by-one. Serialised as `[right, left]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Sides<T>(pub [T; 2]);

impl<T> Sides<T> {
    /// Right and left values.
    pub const fn new(right: T, left: T) -> Self {
        Self([right, left])
    }

    /// The values of `f(side)` for both sides.
    pub fn from_fn(mut f: impl FnMut(Side) -> T) -> Self {
        Self([f(Side::Right), f(Side::Left)])
    }

    /// Each value mapped by `f`.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Sides<U> {
        Sides(self.0.map(f))
    }

    /// The values, right first.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// The values, right first, mutably.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.0.iter_mut()
    }
}

impl<T> std::ops::Index<Side> for Sides<T> {
    type Output = T;
    fn index(&self, side: Side) -> &T {
        &self.0[side.index()]
    }
}

impl<T> std::ops::IndexMut<Side> for Sides<T> {
    fn index_mut(&mut self, side: Side) -> &mut T {
        &mut self.0[side.index()]
    }
}

impl<'a, T> IntoIterator for &'a Sides<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The person being simulated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Subject {
    /// Stature \[m\].
    pub height_m: f64,
    /// Body mass \[kg\].
    pub mass_kg: f64,
}

impl Subject {
    /// Accepted stature range \[m\]: adults and adolescents; anthropometric proportions of
    /// young children differ from the adult tables used here.
    pub const HEIGHT_RANGE_M: (f64, f64) = (1.2, 2.3);
    /// Accepted body mass range \[kg\].
    pub const MASS_RANGE_KG: (f64, f64) = (25.0, 250.0);

    /// Checks the subject; `file` and `field` name where it came from in error messages.
    pub fn validate(&self, file: &FsPath, field: &str) -> Result<(), ModelError> {
        let check = |value: f64, name: &str, unit: &str, (lo, hi): (f64, f64)| {
            if value.is_finite() && value >= lo && value <= hi {
                Ok(())
            } else {
                Err(ModelError::Invalid {
                    file: file.to_owned(),
                    field: format!("{field}.{name}"),
                    reason: format!(
                        "{value} {unit} is outside the supported range {lo}..={hi} {unit}"
                    ),
                })
            }
        };
        check(self.height_m, "height_m", "m", Self::HEIGHT_RANGE_M)?;
        check(self.mass_kg, "mass_kg", "kg", Self::MASS_RANGE_KG)
    }

    /// Body weight \[N\] with standard gravity.
    pub fn weight_n(&self) -> f64 {
        self.mass_kg * STANDARD_GRAVITY_MPS2
    }
}

impl From<SubjectSpec> for Subject {
    fn from(s: SubjectSpec) -> Self {
        Self {
            height_m: s.height_m,
            mass_kg: s.mass_kg,
        }
    }
}

/// Standard acceleration of gravity [m/s²] (CGPM 1901).
pub const STANDARD_GRAVITY_MPS2: f64 = 9.806_65;

/// A drawing and collision primitive in a segment frame \[m\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Shape {
    /// Capsule between two points.
    Capsule {
        /// One end of the axis.
        from: DVec3,
        /// Other end of the axis.
        to: DVec3,
        /// Radius.
        radius: f64,
    },
    /// Axis-aligned box.
    Box {
        /// Centre.
        centre: DVec3,
        /// Half extents.
        half_extents: DVec3,
    },
    /// Sphere.
    Sphere {
        /// Centre.
        centre: DVec3,
        /// Radius.
        radius: f64,
    },
}

/// A contact sphere in a segment frame \[m\].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    /// Name, e.g. `heel_medial`.
    pub name: String,
    /// Centre.
    pub centre: DVec3,
    /// Radius.
    pub radius: f64,
}

/// A rigid body of the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Unique name (`thigh_r`).
    pub name: String,
    /// Side, for leg segments.
    pub side: Option<Side>,
    /// Mass \[kg\].
    pub mass_kg: f64,
    /// Centre of mass in the segment frame \[m\].
    pub com_m: DVec3,
    /// Inertia tensor about the centre of mass, segment-frame axes [kg m²].
    pub inertia_kg_m2: DMat3,
    /// The joint that connects the segment to its parent; `None` for the root.
    pub parent_joint: Option<JointId>,
    /// Drawing and collision shapes.
    pub shapes: Vec<Shape>,
    /// Ground contact spheres.
    pub contacts: Vec<Contact>,
}

/// A joint between two segments with one to three rotational coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joint {
    /// Unique name (`knee_r`).
    pub name: String,
    /// Side, for leg joints.
    pub side: Option<Side>,
    /// Parent segment.
    pub parent: SegmentId,
    /// Child segment; its frame origin is the joint centre.
    pub child: SegmentId,
    /// Joint centre in the parent frame \[m\].
    pub location_in_parent_m: DVec3,
    /// The joint's coordinates, in rotation order.
    pub coordinates: Vec<CoordinateId>,
}

/// A rotational degree of freedom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coordinate {
    /// Unique name (`knee_flexion_r`).
    pub name: String,
    /// Name without the side suffix (`knee_flexion`).
    pub base_name: String,
    /// Side, for leg coordinates.
    pub side: Option<Side>,
    /// The joint it belongs to.
    pub joint: JointId,
    /// Unit rotation axis in the parent frame at the neutral pose.
    pub axis: DVec3,
    /// Range of motion `(min, max)` \[rad\].
    pub range_rad: (f64, f64),
}

/// Excitation-to-activation dynamics constants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ActivationDynamics {
    /// Activation time constant \[s\].
    pub activation_time_constant_s: f64,
    /// Deactivation time constant \[s\].
    pub deactivation_time_constant_s: f64,
    /// Lowest activation [-].
    pub minimum_activation: f64,
}

/// The law the feet's contact spheres follow (validated [`crate::spec::GroundContactSpec`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum GroundContact {
    /// Rigid frictional non-penetration, solved by the physics engine.
    Rigid,
    /// Compliant Hunt-Crossley spheres.
    HuntCrossley(HuntCrossley),
}

/// Validated Hunt-Crossley parameters (see [`crate::spec::HuntCrossleySpec`] for the
/// conventions and sources).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HuntCrossley {
    /// Material stiffness E \[N/m²\] (OpenSim's convention).
    pub stiffness: f64,
    /// Dissipation \[s/m\].
    pub dissipation_s_per_m: f64,
    /// Static friction coefficient.
    pub static_friction: f64,
    /// Dynamic friction coefficient.
    pub dynamic_friction: f64,
    /// Viscous friction coefficient \[s/m\].
    pub viscous_friction_s_per_m: f64,
    /// Friction regularisation speed \[m/s\].
    pub transition_velocity_mps: f64,
}

/// A validated musculoskeletal model scaled to one subject.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// Model name from the file.
    pub name: String,
    /// The subject the model is scaled to.
    pub subject: Subject,
    /// The root segment (the pelvis): the floating base.
    pub root: SegmentId,
    /// All segments; the root first, parents before children.
    pub segments: Vec<Segment>,
    /// All joints; parents before children.
    pub joints: Vec<Joint>,
    /// All coordinates, in joint order.
    pub coordinates: Vec<Coordinate>,
    /// All muscles, right leg first.
    pub muscles: Vec<Muscle>,
    /// Activation dynamics shared by all muscles.
    pub activation: ActivationDynamics,
    /// How the feet's contact spheres meet the ground.
    pub ground_contact: GroundContact,
    /// The description the model was compiled from (kept so runs can record it).
    pub spec: ModelSpec,
}

impl Model {
    /// Loads, validates and scales a model file (a regular file of at most
    /// [`crate::MAX_RON_BYTES`]). `subject` defaults to the file's `default_subject`.
    pub fn load(path: impl AsRef<FsPath>, subject: Option<Subject>) -> Result<Self, ModelError> {
        let path = path.as_ref();
        let text = crate::input_file::read_text(path, crate::MAX_RON_BYTES).map_err(|cause| {
            ModelError::Io {
                file: path.to_owned(),
                cause,
            }
        })?;
        Self::from_ron_str(&text, path, subject)
    }

    /// Parses and compiles a model from RON text; `source_name` appears in error messages.
    pub fn from_ron_str(
        text: &str,
        source_name: impl AsRef<FsPath>,
        subject: Option<Subject>,
    ) -> Result<Self, ModelError> {
        let file = source_name.as_ref();
        Self::compile(ModelSpec::parse(text, file)?, file, subject)
    }

    /// Validates a parsed description and scales it to `subject`.
    pub fn compile(
        spec: ModelSpec,
        file: &FsPath,
        subject: Option<Subject>,
    ) -> Result<Self, ModelError> {
        crate::compile::compile(spec, file, subject)
    }

    /// The same model scaled to another subject.
    pub fn rescaled(&self, subject: Subject) -> Result<Self, ModelError> {
        Self::compile(self.spec.clone(), FsPath::new(&self.name), Some(subject))
    }

    /// Number of coordinates (length of pose vectors).
    pub fn coordinate_count(&self) -> usize {
        self.coordinates.len()
    }

    /// Total mass \[kg\] (equals the subject's mass up to rounding of the tables).
    pub fn total_mass_kg(&self) -> f64 {
        self.segments.iter().map(|s| s.mass_kg).sum()
    }

    /// Finds a segment by its full name.
    pub fn segment_id(&self, name: &str) -> Option<SegmentId> {
        self.segments
            .iter()
            .position(|s| s.name == name)
            .map(|i| SegmentId(i as u32))
    }

    /// Finds a joint by its full name.
    pub fn joint_id(&self, name: &str) -> Option<JointId> {
        self.joints
            .iter()
            .position(|j| j.name == name)
            .map(|i| JointId(i as u32))
    }

    /// Finds a coordinate by its full name (`knee_flexion_r`).
    pub fn coordinate_id(&self, name: &str) -> Option<CoordinateId> {
        self.coordinates
            .iter()
            .position(|c| c.name == name)
            .map(|i| CoordinateId(i as u32))
    }

    /// Finds a coordinate by base name and side (`knee_flexion`, right).
    pub fn side_coordinate(&self, base_name: &str, side: Option<Side>) -> Option<CoordinateId> {
        self.coordinates
            .iter()
            .position(|c| c.base_name == base_name && c.side == side)
            .map(|i| CoordinateId(i as u32))
    }

    /// Finds a muscle by its full name (`vasti_r`).
    pub fn muscle_id(&self, name: &str) -> Option<MuscleId> {
        self.muscles
            .iter()
            .position(|m| m.name == name)
            .map(|i| MuscleId(i as u32))
    }

    /// Coordinates crossed by at least one muscle, in id order: the ones static optimisation
    /// balances. The others (lumbar, hip rotation, ankle inversion) are driven by ideal
    /// joint torques only.
    pub fn muscle_actuated_coordinates(&self) -> Vec<CoordinateId> {
        (0..self.coordinates.len() as u32)
            .map(CoordinateId)
            .filter(|&c| self.muscles.iter().any(|m| m.path.crosses(c)))
            .collect()
    }

    /// A pose vector with every coordinate at zero (anatomical neutral).
    pub fn neutral_pose(&self) -> Vec<f64> {
        vec![0.0; self.coordinates.len()]
    }
}
