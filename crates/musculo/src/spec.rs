//! The model description as written in RON (`assets/models/*.ron`).
//!
//! These types mirror the file one-to-one and are checked by nothing but the parser;
//! [`crate::Model::compile`] validates them and turns names into typed ids. Every field name
//! carries its unit. Lengths of segments and joint locations are fractions of stature, because
//! anthropometric tables give them that way (de Leva 1996); muscle data are in metres and newtons
//! for the `muscle_reference_subject`, because that is how musculoskeletal models publish them.
//!
//! Frames: x anterior, y superior, z to the subject's right (as in OpenSim). The `leg` section
//! describes the right leg; the compiler mirrors it through the sagittal plane for the left leg.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// RON options for model files: `Option` fields are written without `Some(..)`.
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// A point or direction `(x, y, z)`.
pub type Vec3Spec = [f64; 3];

/// A whole model description: one RON file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Short name of the model, e.g. `adult`.
    pub name: String,
    /// What the model is and where its numbers come from.
    pub description: String,
    /// Subject used when the caller does not give one.
    pub default_subject: SubjectSpec,
    /// Subject whose size the muscle parameters (metres, newtons) describe; they are scaled
    /// from it to the simulated subject.
    pub muscle_reference_subject: SubjectSpec,
    /// Segments and joints of the head-arms-trunk and pelvis; the pelvis is the root.
    pub axial: AxialSpec,
    /// The right leg, mirrored for the left.
    pub leg: LegSpec,
    /// First-order activation dynamics shared by all muscles.
    pub activation_dynamics: ActivationDynamicsSpec,
    /// How the feet meet the ground. Absent: rigid contact spheres (the segments' `contacts`).
    #[serde(default)]
    pub ground_contact: GroundContactSpec,
    /// Total muscle volume of one leg as a function of the subject's size, for the muscles'
    /// [`MuscleSpec::volume`]. Absent: no muscle may give a volume, and the energy model takes
    /// each muscle's mass from its force and fibre length (`musculo::metabolics`).
    #[serde(default)]
    pub muscle_volumes: Option<MuscleVolumeRegressionSpec>,
}

/// Total muscle volume of one leg from the subject's stature and mass:
/// `V = per_height_mass_cm3 × height × mass + offset_cm3` (Handsfield et al. 2014 fit this
/// form to MRI of 24 adults, and each muscle's volume linearly to it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuscleVolumeRegressionSpec {
    /// Where the regression comes from.
    pub source: String,
    /// Slope [cm³ per m·kg].
    pub per_height_mass_cm3: f64,
    /// Intercept \[cm³\].
    pub offset_cm3: f64,
}

/// One anatomical muscle of a model muscle that lumps several: its volume is
/// `fraction × V + offset_cm3`, with `V` the leg's total muscle volume
/// ([`MuscleVolumeRegressionSpec`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumePartSpec {
    /// The anatomical muscle (documentation: the name in the regression's source).
    pub name: String,
    /// Slope on the leg's total muscle volume.
    pub fraction: f64,
    /// Intercept \[cm³\].
    pub offset_cm3: f64,
    /// Fraction of slow-twitch (type I) fibres, if known (the energy model's fibre type).
    #[serde(default)]
    pub slow_twitch_fraction: Option<f64>,
}

impl ModelSpec {
    /// Parses a model description; `file` names the source in errors (with line and column).
    pub fn parse(text: &str, file: impl AsRef<Path>) -> Result<Self, ModelError> {
        ron_options()
            .from_str(text)
            .map_err(|e| ModelError::from_ron(file.as_ref().to_owned(), e))
    }
}

/// Body height and mass of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSpec {
    /// Stature \[m\].
    pub height_m: f64,
    /// Body mass \[kg\].
    pub mass_kg: f64,
}

/// Segments and joints on the body's midline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxialSpec {
    /// Name of the root segment (floating base of the multibody).
    pub root: String,
    /// Midline segments.
    pub segments: Vec<SegmentSpec>,
    /// Joints between midline segments.
    pub joints: Vec<JointSpec>,
}

/// One leg, described for the right side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegSpec {
    /// Leg segments (thigh, shank, foot).
    pub segments: Vec<SegmentSpec>,
    /// Leg joints; a parent may be a midline segment (the hip's parent is the pelvis).
    pub joints: Vec<JointSpec>,
    /// Muscles of the leg.
    pub muscles: Vec<MuscleSpec>,
}

/// A rigid segment, possibly composed of several tabulated parts (the head-arms-trunk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// Segment name (leg segments get `_r`/`_l` appended).
    pub name: String,
    /// Tabulated parts whose masses and inertias are combined (parallel-axis theorem).
    pub parts: Vec<PartSpec>,
    /// Geometry used for contact detection and drawing, in the segment frame.
    #[serde(default)]
    pub shapes: Vec<ShapeSpec>,
    /// Contact spheres that may touch the ground (the feet's heel and toe points).
    #[serde(default)]
    pub contacts: Vec<ContactSpec>,
}

/// Which law the feet's contact spheres follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ContactLaw {
    /// Rigid, frictional non-penetration solved by the physics engine (the segments'
    /// `contacts`).
    #[default]
    Rigid,
    /// Compliant spheres pressed into the ground with the Hunt-Crossley force law
    /// ([`GroundContactSpec::hunt_crossley`]).
    HuntCrossley,
}

/// How the feet meet the ground: the law in use, and the compliant law's data (kept in the
/// file even while the rigid law is used, so a run can switch law without another file).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundContactSpec {
    /// The law in use. Default `Rigid`.
    #[serde(default)]
    pub law: ContactLaw,
    /// Parameters and spheres of the Hunt-Crossley law; required when `law` is
    /// `HuntCrossley`.
    #[serde(default)]
    pub hunt_crossley: Option<HuntCrossleySpec>,
}

/// A compliant foot: Hunt-Crossley spheres with regularised Coulomb-viscous friction, the
/// contact model of Simbody's `HuntCrossleyForce` (Sherman, Seth & Delp 2011, Procedia IUTAM
/// 2:241-261) and of OpenSim's `SmoothSphereHalfSpaceForce` (Falisse et al. 2019, J R Soc
/// Interface 16:20190402). Units and conventions are OpenSim's, so published values can be
/// copied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuntCrossleySpec {
    /// Where the values come from.
    pub source: String,
    /// Material stiffness E \[N/m²\] in OpenSim's convention: each surface's Hertz constant is
    /// E^(2/3), and two surfaces of equal E in series give k = E^(2/3) / 2.
    pub stiffness: f64,
    /// Hunt-Crossley dissipation c \[s/m\]: the force is scaled by (1 + 1.5 c v) with v the
    /// approach speed.
    pub dissipation_s_per_m: f64,
    /// Static friction coefficient μs.
    pub static_friction: f64,
    /// Dynamic friction coefficient μd.
    pub dynamic_friction: f64,
    /// Viscous friction coefficient μv \[s/m\].
    pub viscous_friction_s_per_m: f64,
    /// Slip speed below which friction is regularised (grows linearly from zero) \[m/s\].
    pub transition_velocity_mps: f64,
    /// The leg segment that carries the spheres (the foot); its rigid `contacts` are replaced.
    pub segment: String,
    /// The spheres, in the segment's frame, in fractions of stature as the rigid contacts.
    pub spheres: Vec<ContactSpec>,
}

/// One row of an anthropometric table placed in a segment frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    /// Table and row this part comes from.
    pub source: String,
    /// Fraction of body mass.
    pub mass_fraction: f64,
    /// First endpoint of the tabulated segment [fraction of stature], in the segment frame.
    pub origin: Vec3Spec,
    /// Second endpoint [fraction of stature].
    pub end: Vec3Spec,
    /// Centre of mass as a fraction of the origin-to-end distance, from the origin.
    pub com_fraction: f64,
    /// Radii of gyration about the part's centre of mass, as fractions of its length, about axes
    /// parallel to the segment frame's x, y and z axes.
    pub radii_of_gyration: RadiiSpec,
}

/// Radii of gyration about axes parallel to the segment frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadiiSpec {
    /// About the anterior (x) axis.
    pub about_x: f64,
    /// About the superior (y) axis.
    pub about_y: f64,
    /// About the right (z) axis.
    pub about_z: f64,
}

/// A primitive shape [fractions of stature].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ShapeSpec {
    /// Capsule between two points.
    Capsule {
        /// One end of the axis.
        from: Vec3Spec,
        /// Other end of the axis.
        to: Vec3Spec,
        /// Radius.
        radius: f64,
    },
    /// Axis-aligned box.
    Box {
        /// Centre.
        centre: Vec3Spec,
        /// Half extents along x, y, z.
        half_extents: Vec3Spec,
    },
    /// Sphere.
    Sphere {
        /// Centre.
        centre: Vec3Spec,
        /// Radius.
        radius: f64,
    },
}

/// A contact sphere [fractions of stature].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSpec {
    /// Name, e.g. `heel_medial`.
    pub name: String,
    /// Centre in the segment frame.
    pub centre: Vec3Spec,
    /// Radius.
    pub radius: f64,
}

/// A joint: the child's frame origin sits at `location_in_parent`; its rotation relative to the
/// parent is the product of rotations about the listed coordinate axes, in order (intrinsic,
/// as an OpenSim `CustomJoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JointSpec {
    /// Joint name.
    pub name: String,
    /// Parent segment.
    pub parent: String,
    /// Child segment.
    pub child: String,
    /// Joint centre in the parent frame [fraction of stature].
    pub location_in_parent: Vec3Spec,
    /// One to three rotational degrees of freedom.
    pub coordinates: Vec<CoordinateSpec>,
}

/// A rotational degree of freedom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinateSpec {
    /// Name, e.g. `knee_flexion` (the name says which way is positive).
    pub name: String,
    /// Rotation axis in the parent frame at the neutral pose; positive rotation about it is the
    /// positive direction of the coordinate.
    pub axis: Vec3Spec,
    /// Anatomical range of motion `(min, max)` \[deg\].
    pub range_deg: (f64, f64),
}

/// Functional group a muscle is reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MuscleGroup {
    /// Iliopsoas.
    HipFlexors,
    /// Gluteus maximus.
    Gluteals,
    /// Biarticular hamstrings and biceps femoris short head.
    Hamstrings,
    /// Rectus femoris and vasti.
    Quadriceps,
    /// Gastrocnemius.
    Gastrocnemius,
    /// Soleus.
    Soleus,
    /// Tibialis anterior.
    TibialisAnterior,
    /// Hip abductors (gluteus medius and minimus).
    HipAbductors,
    /// Hip adductors.
    HipAdductors,
}

impl MuscleGroup {
    /// All groups in reporting order.
    pub const ALL: [MuscleGroup; 9] = [
        MuscleGroup::HipFlexors,
        MuscleGroup::Gluteals,
        MuscleGroup::Hamstrings,
        MuscleGroup::Quadriceps,
        MuscleGroup::Gastrocnemius,
        MuscleGroup::Soleus,
        MuscleGroup::TibialisAnterior,
        MuscleGroup::HipAbductors,
        MuscleGroup::HipAdductors,
    ];

    /// The sagittal-plane groups the forward-versus-backward question is about, in the order
    /// the gait-cycle curves (`cycles.csv`), the report's panels and the viewer show them:
    /// knee extensors and flexors, hip extensors, ankle plantarflexors and dorsiflexor, hip
    /// flexors. (The hip abductors and adductors act in the frontal plane.)
    pub const SAGITTAL: [MuscleGroup; 7] = [
        MuscleGroup::Quadriceps,
        MuscleGroup::Hamstrings,
        MuscleGroup::Gluteals,
        MuscleGroup::Gastrocnemius,
        MuscleGroup::Soleus,
        MuscleGroup::TibialisAnterior,
        MuscleGroup::HipFlexors,
    ];

    /// The snake_case name used in files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MuscleGroup::HipFlexors => "hip_flexors",
            MuscleGroup::Gluteals => "gluteals",
            MuscleGroup::Hamstrings => "hamstrings",
            MuscleGroup::Quadriceps => "quadriceps",
            MuscleGroup::Gastrocnemius => "gastrocnemius",
            MuscleGroup::Soleus => "soleus",
            MuscleGroup::TibialisAnterior => "tibialis_anterior",
            MuscleGroup::HipAbductors => "hip_abductors",
            MuscleGroup::HipAdductors => "hip_adductors",
        }
    }
}

/// A Hill-type muscle-tendon unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuscleSpec {
    /// Muscle name (gets `_r`/`_l`).
    pub name: String,
    /// Where the muscle's source data come from.
    pub source: String,
    /// Reporting group.
    pub group: MuscleGroup,
    /// Maximum isometric force F_max \[N\].
    pub max_isometric_force_n: f64,
    /// Optimal fibre length l_opt \[m\].
    pub optimal_fiber_length_m: f64,
    /// Tendon slack length \[m\].
    pub tendon_slack_length_m: f64,
    /// Pennation angle at optimal fibre length \[rad\].
    pub pennation_at_optimal_rad: f64,
    /// Maximum contraction velocity [optimal fibre lengths per second].
    pub max_contraction_velocity_lopt_per_s: f64,
    /// Subject whose size this muscle's numbers describe, when it differs from the model's
    /// `muscle_reference_subject` (muscles taken from another published model).
    #[serde(default)]
    pub reference_subject: Option<SubjectSpec>,
    /// The anatomical muscles this one stands for, whose volumes add up to its volume (the
    /// energy model's muscle mass). Empty: the mass follows from force and fibre length.
    #[serde(default)]
    pub volume: Vec<VolumePartSpec>,
    /// Musculotendon length as a function of joint coordinates.
    pub path: PathSpec,
    /// Origin, via and insertion points for drawing [m, reference subject].
    #[serde(default)]
    pub display_points: Vec<DisplayPointSpec>,
}

/// Musculotendon length as a polynomial of joint coordinates (van den Bogert et al. 2013):
/// `l(q) = Σ_k c_k Π_i q_i^{e_ki}`, q in radians, l in metres at the reference subject's size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathSpec {
    /// The coordinates the muscle crosses, by name.
    pub coordinates: Vec<String>,
    /// Polynomial terms.
    pub terms: Vec<TermSpec>,
    /// RMS error of the fit to the source geometry \[m\] (documentation).
    #[serde(default)]
    pub fit_rms_error_m: Option<f64>,
    /// Largest error of the fit \[m\] (documentation).
    #[serde(default)]
    pub fit_max_error_m: Option<f64>,
    /// RMS error of each moment arm against the source geometry \[m\] (documentation).
    #[serde(default)]
    pub moment_arm_rms_error_m: Option<Vec<f64>>,
}

/// One polynomial term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    /// Coefficient [m / rad^degree].
    pub coefficient: f64,
    /// Exponent of each path coordinate, in the order of `coordinates`.
    pub exponents: Vec<u32>,
}

/// A point of a muscle's drawn path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayPointSpec {
    /// Segment the point is fixed in.
    pub segment: String,
    /// Position in the segment frame [m, reference subject].
    pub position_m: Vec3Spec,
}

/// Excitation-to-activation dynamics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationDynamicsSpec {
    /// Where the time constants come from.
    pub source: String,
    /// Activation time constant \[s\].
    pub activation_time_constant_s: f64,
    /// Deactivation time constant \[s\].
    pub deactivation_time_constant_s: f64,
    /// Lowest activation a muscle reaches in the forward dynamics [-].
    pub minimum_activation: f64,
}
