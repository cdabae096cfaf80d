//! The walker's body layout: which of the model's coordinates, joints and segments are the
//! pelvis, the trunk and each leg's hip, knee and ankle, and the leg's lengths.
//!
//! The model names its parts freely (`thigh_r`, `knee_flexion_r`); the walking controller, the
//! trial, the measures and the viewer need to know which part is which. [`Skeleton::resolve`]
//! looks the names up once, when a trial is built, checks that they fit together (the knee
//! coordinate belongs to the joint between thigh and shank, ...) and returns typed ids, so no
//! code after that looks anything up by name (as MuJoCo compiles names to ids once).

use glam::DVec3;
use musculo::{CoordinateId, JointId, Model, SegmentId, Side, Sides};
use serde::Serialize;

/// Why a model cannot be walked: a part the walker needs is missing or misplaced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the walker needs {what} `{name}` in the model: {reason}")]
pub struct SkeletonError {
    /// Kind of part: `segment`, `coordinate` or `muscle`.
    pub what: &'static str,
    /// The name it is looked up by.
    pub name: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// Coordinates, joints and segments of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Leg {
    /// Which leg.
    pub side: Side,
    /// Hip flexion, adduction and rotation, in the joint's rotation order.
    pub hip: [CoordinateId; 3],
    /// Knee flexion.
    pub knee: CoordinateId,
    /// Ankle dorsiflexion.
    pub ankle: CoordinateId,
    /// Ankle inversion.
    pub inversion: CoordinateId,
    /// Hip joint (pelvis to thigh).
    pub hip_joint: JointId,
    /// Knee joint (thigh to shank).
    pub knee_joint: JointId,
    /// Ankle joint (shank to foot).
    pub ankle_joint: JointId,
    /// Thigh.
    pub thigh: SegmentId,
    /// Shank.
    pub shank: SegmentId,
    /// Foot.
    pub foot: SegmentId,
    /// Hip centre in the pelvis frame \[m\].
    pub hip_in_pelvis: DVec3,
    /// Mirror of the lateral (z) axis: +1 right, −1 left.
    pub mirror: f64,
}

/// Lengths of a leg (the right one; the model's legs are mirror images) \[m\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LegGeometry {
    /// Hip centre to knee centre.
    pub thigh_m: f64,
    /// Knee centre to ankle centre.
    pub shank_m: f64,
    /// Ankle centre above the lowest point of the foot's contact spheres, foot flat.
    pub ankle_height_m: f64,
}

impl LegGeometry {
    /// Hip above the sole with the leg straight \[m\].
    pub fn length_m(&self) -> f64 {
        self.thigh_m + self.shank_m + self.ankle_height_m
    }
}

/// The body layout of a walkable model, resolved once from its names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skeleton {
    /// The pelvis (the model's root segment).
    pub pelvis: SegmentId,
    /// Head, arms and trunk.
    pub trunk: SegmentId,
    /// Lumbar extension, bending and rotation.
    pub lumbar: [CoordinateId; 3],
    /// The legs.
    pub legs: Sides<Leg>,
    /// Leg lengths.
    pub geometry: LegGeometry,
}

impl Skeleton {
    /// Segment of the trunk.
    pub const TRUNK: &'static str = "hat";

    /// Finds the pelvis (the root), the trunk ([`Self::TRUNK`]), the lumbar coordinates and
    /// each leg's `thigh`/`shank`/`foot` segments and `hip_flexion`, `hip_adduction`,
    /// `hip_rotation`, `knee_flexion`, `ankle_dorsiflexion`, `ankle_inversion` coordinates
    /// (with the side's suffix), and checks that each leg coordinate belongs to the joint
    /// into its segment.
    pub fn resolve(model: &Model) -> Result<Self, SkeletonError> {
        let lumbar = [
            coordinate(model, "lumbar_extension", None)?,
            coordinate(model, "lumbar_bending", None)?,
            coordinate(model, "lumbar_rotation", None)?,
        ];
        let trunk = segment(model, Self::TRUNK.to_owned())?;
        let legs = Sides::new(
            resolve_leg(model, Side::Right)?,
            resolve_leg(model, Side::Left)?,
        );
        let right = &legs[Side::Right];
        let foot = &model.segments[right.foot.index()];
        if foot.contacts.is_empty() {
            return Err(SkeletonError {
                what: "segment",
                name: foot.name.clone(),
                reason: "the foot needs contact spheres to stand on",
            });
        }
        let geometry = LegGeometry {
            thigh_m: -model.joints[right.knee_joint.index()]
                .location_in_parent_m
                .y,
            shank_m: -model.joints[right.ankle_joint.index()]
                .location_in_parent_m
                .y,
            ankle_height_m: -foot
                .contacts
                .iter()
                .map(|c| c.centre.y - c.radius)
                .fold(0.0, f64::min),
        };
        Ok(Self {
            pelvis: model.root,
            trunk,
            lumbar,
            legs,
            geometry,
        })
    }

    /// Pelvis height above the sole when standing in pose `q` on level ground, with the right
    /// leg's hip and knee angles: hip to ankle along the leg plus the ankle's height.
    pub fn standing_pelvis_height_m(&self, q: &[f64]) -> f64 {
        let leg = &self.legs[Side::Right];
        let g = &self.geometry;
        let hip = q[leg.hip[0].index()];
        let knee = q[leg.knee.index()];
        g.thigh_m * hip.cos() + g.shank_m * (hip - knee).cos() + g.ankle_height_m
    }
}

/// The segment called `name`.
fn segment(model: &Model, name: String) -> Result<SegmentId, SkeletonError> {
    model.segment_id(&name).ok_or(SkeletonError {
        what: "segment",
        name,
        reason: "there is no segment of that name",
    })
}

/// The coordinate with base name `base` on `side` (none: an axial coordinate).
fn coordinate(
    model: &Model,
    base: &str,
    side: Option<Side>,
) -> Result<CoordinateId, SkeletonError> {
    model
        .side_coordinate(base, side)
        .ok_or_else(|| SkeletonError {
            what: "coordinate",
            name: format!("{base}{}", side.map_or("", Side::suffix)),
            reason: "there is no coordinate of that name",
        })
}

/// The joint of coordinate `c`, which must be the joint into segment `child`.
fn joint_into(model: &Model, c: CoordinateId, child: SegmentId) -> Result<JointId, SkeletonError> {
    let joint = model.coordinates[c.index()].joint;
    if model.joints[joint.index()].child == child {
        Ok(joint)
    } else {
        Err(SkeletonError {
            what: "coordinate",
            name: model.coordinates[c.index()].name.clone(),
            reason: "it must belong to the joint into the matching leg segment",
        })
    }
}

/// The segments, coordinates and joints of the leg of `side`.
fn resolve_leg(model: &Model, side: Side) -> Result<Leg, SkeletonError> {
    let s = Some(side);
    let suffix = side.suffix();
    let thigh = segment(model, format!("thigh{suffix}"))?;
    let shank = segment(model, format!("shank{suffix}"))?;
    let foot = segment(model, format!("foot{suffix}"))?;
    let hip = [
        coordinate(model, "hip_flexion", s)?,
        coordinate(model, "hip_adduction", s)?,
        coordinate(model, "hip_rotation", s)?,
    ];
    let knee = coordinate(model, "knee_flexion", s)?;
    let ankle = coordinate(model, "ankle_dorsiflexion", s)?;
    let hip_joint = joint_into(model, hip[0], thigh)?;
    Ok(Leg {
        side,
        hip,
        knee,
        ankle,
        inversion: coordinate(model, "ankle_inversion", s)?,
        hip_joint,
        knee_joint: joint_into(model, knee, shank)?,
        ankle_joint: joint_into(model, ankle, foot)?,
        thigh,
        shank,
        foot,
        hip_in_pelvis: model.joints[hip_joint.index()].location_in_parent_m,
        mirror: if side == Side::Right { 1.0 } else { -1.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adult() -> Model {
        Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap()
    }

    #[test]
    fn the_adult_model_resolves_to_mirrored_legs() {
        let model = adult();
        let s = Skeleton::resolve(&model).unwrap();
        let (r, l) = (&s.legs[Side::Right], &s.legs[Side::Left]);
        assert_eq!(model.coordinates[r.knee.index()].name, "knee_flexion_r");
        assert_eq!(
            model.coordinates[l.ankle.index()].name,
            "ankle_dorsiflexion_l"
        );
        assert_eq!(model.segments[l.foot.index()].name, "foot_l");
        assert_eq!(model.joints[r.knee_joint.index()].child, r.shank);
        assert_eq!(r.hip_in_pelvis.z, -l.hip_in_pelvis.z);
        assert_eq!((r.mirror, l.mirror), (1.0, -1.0));
        let g = s.geometry;
        // de Leva (1996) proportions of a 1.75 m adult: thigh and shank about 0.4 m each.
        assert!((0.35..0.5).contains(&g.thigh_m), "{g:?}");
        assert!((0.35..0.5).contains(&g.shank_m), "{g:?}");
        assert!((0.03..0.12).contains(&g.ankle_height_m), "{g:?}");
        let straight = s.standing_pelvis_height_m(&model.neutral_pose());
        assert!((straight - g.length_m()).abs() < 1e-12);
    }

    #[test]
    fn a_missing_or_misplaced_part_is_named() {
        let text = musculo::ADULT_MODEL_RON.replace("\"hat\"", "\"torso\"");
        let model = Model::from_ron_str(&text, "renamed", None).unwrap();
        let e = Skeleton::resolve(&model).unwrap_err();
        assert_eq!((e.what, e.name.as_str()), ("segment", "hat"), "{e}");
        let text = musculo::ADULT_MODEL_RON.replacen("\"lumbar_rotation\"", "\"twist\"", 1);
        let model = Model::from_ron_str(&text, "renamed", None).unwrap();
        let e = Skeleton::resolve(&model).unwrap_err();
        assert_eq!(
            (e.what, e.name.as_str()),
            ("coordinate", "lumbar_rotation"),
            "{e}"
        );
        assert!(e.to_string().contains("`lumbar_rotation`"), "{e}");
    }
}
