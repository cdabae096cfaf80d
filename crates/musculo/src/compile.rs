//! Validation of a [`ModelSpec`] and its compilation into a [`Model`] scaled to a subject.
//!
//! Every check names the field it rejects. Scaling (as in OpenSim's scale tool, with the
//! muscle-strength rule of Handsfield et al. 2014): segment lengths and positions are fractions
//! of stature; muscle lengths scale with stature relative to the muscle reference subject;
//! segment masses are fractions of body mass; maximum isometric forces scale with body mass,
//! because muscle volume grows with mass × height (Handsfield, Meyer, Hart, Abel & Blemker 2014,
//! "Relationships of 35 lower limb muscles to height and body mass quantified using MRI",
//! J Biomech 47:631-638) and optimal fibre length with height, so physiological cross-section
//! (volume / fibre length) grows with mass.

use std::collections::HashMap;
use std::path::Path as FsPath;

use glam::{DMat3, DVec3};

use crate::error::ModelError;
use crate::mass::MassProperties;
use crate::model::{
    ActivationDynamics, Contact, Coordinate, CoordinateId, GroundContact, HuntCrossley, Joint,
    JointId, Model, Segment, SegmentId, Shape, Side, Subject,
};
use crate::muscle::Muscle;
use crate::path::Path;
use crate::spec::{
    ContactLaw, ContactSpec, JointSpec, ModelSpec, MuscleSpec, SegmentSpec, ShapeSpec, Vec3Spec,
};

/// Largest accepted coordinate of a landmark or joint centre [fraction of stature].
const MAX_POSITION_FRACTION: f64 = 1.0;
/// Sum of all segment mass fractions must be within this of 1.
const MASS_FRACTION_TOLERANCE: f64 = 0.02;
/// Highest polynomial exponent accepted in a muscle path.
const MAX_EXPONENT: u32 = 8;
/// Samples per coordinate when checking a muscle path over the range of motion.
const RANGE_SAMPLES: usize = 7;

struct Ctx<'a> {
    file: &'a FsPath,
}

impl Ctx<'_> {
    fn invalid(&self, field: impl Into<String>, reason: impl Into<String>) -> ModelError {
        ModelError::Invalid {
            file: self.file.to_owned(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// `value` must be finite and in `lo..=hi`; `lo_open` excludes `lo` itself.
    fn range(
        &self,
        field: &str,
        value: f64,
        lo: f64,
        hi: f64,
        lo_open: bool,
        unit: &str,
    ) -> Result<f64, ModelError> {
        let ok = value.is_finite() && value <= hi && if lo_open { value > lo } else { value >= lo };
        if ok {
            Ok(value)
        } else {
            let bracket = if lo_open { "(" } else { "[" };
            Err(self.invalid(
                field,
                format!("{value}{unit} is not a finite value in {bracket}{lo}, {hi}]{unit}"),
            ))
        }
    }

    fn vec3(&self, field: &str, v: Vec3Spec) -> Result<DVec3, ModelError> {
        for (i, c) in v.iter().enumerate() {
            let axis = ["x", "y", "z"][i];
            self.range(
                &format!("{field}.{axis}"),
                *c,
                -MAX_POSITION_FRACTION,
                MAX_POSITION_FRACTION,
                false,
                "",
            )?;
        }
        Ok(DVec3::from_array(v))
    }

    fn unknown(
        &self,
        field: String,
        kind: &'static str,
        name: &str,
        known: impl Iterator<Item = String>,
    ) -> ModelError {
        let mut known: Vec<String> = known.collect();
        known.sort();
        ModelError::UnknownReference {
            file: self.file.to_owned(),
            field,
            kind,
            name: name.to_owned(),
            known: known.join(", "),
        }
    }

    fn duplicate(&self, field: String, kind: &'static str, name: &str) -> ModelError {
        ModelError::Duplicate {
            file: self.file.to_owned(),
            field,
            kind,
            name: name.to_owned(),
        }
    }
}

/// Field-path label of a list element: its name if it has one, else its index.
fn item(list: &str, index: usize, name: &str) -> String {
    if name.is_empty() {
        format!("{list}[{index}]")
    } else {
        format!("{list}[{name}]")
    }
}

/// Mirror image through the sagittal plane (z → -z) of points, axial vectors and tensors.
#[derive(Clone, Copy)]
struct Mirror(bool);

impl Mirror {
    fn point(self, p: DVec3) -> DVec3 {
        if self.0 {
            DVec3::new(p.x, p.y, -p.z)
        } else {
            p
        }
    }
    /// Rotation axes are pseudovectors: under a reflection R they map to -R·ω (so flexion
    /// about z keeps its axis and adduction about x flips, as anatomy requires).
    fn axis(self, a: DVec3) -> DVec3 {
        if self.0 {
            DVec3::new(-a.x, -a.y, a.z)
        } else {
            a
        }
    }
    fn tensor(self, t: DMat3) -> DMat3 {
        if self.0 {
            let r = DMat3::from_diagonal(DVec3::new(1.0, 1.0, -1.0));
            r * t * r
        } else {
            t
        }
    }
}

/// Names visible from one side of the body: that side's leg objects (by base name) and the
/// axial ones.
struct Scope<'a, T: Copy> {
    local: &'a HashMap<String, T>,
    axial: &'a HashMap<String, T>,
}

impl<T: Copy> Scope<'_, T> {
    fn get(&self, name: &str) -> Option<T> {
        self.local
            .get(name)
            .or_else(|| self.axial.get(name))
            .copied()
    }
    fn names(&self) -> impl Iterator<Item = String> + '_ {
        self.local.keys().chain(self.axial.keys()).cloned()
    }
}

pub(crate) fn compile(
    spec: ModelSpec,
    file: &FsPath,
    subject: Option<Subject>,
) -> Result<Model, ModelError> {
    let cx = Ctx { file };
    Subject::from(spec.default_subject).validate(file, "default_subject")?;
    Subject::from(spec.muscle_reference_subject).validate(file, "muscle_reference_subject")?;
    let subject = subject.unwrap_or_else(|| spec.default_subject.into());
    subject.validate(file, "subject")?;
    let activation = compile_activation(&cx, &spec)?;
    let ground_contact = compile_ground_contact(&cx, &spec)?;

    let mut segments: Vec<Segment> = Vec::new();
    let mut axial_segments = HashMap::new();
    let mut side_segments: [HashMap<String, SegmentId>; 2] = Default::default();
    let mut mass_fraction_sum = 0.0;
    for (i, s) in spec.axial.segments.iter().enumerate() {
        let field = item("axial.segments", i, &s.name);
        let seg = compile_segment(&cx, &field, s, None, &subject, &mut mass_fraction_sum)?;
        if axial_segments
            .insert(s.name.clone(), SegmentId(segments.len() as u32))
            .is_some()
        {
            return Err(cx.duplicate(format!("{field}.name"), "segment", &s.name));
        }
        segments.push(seg);
    }
    for (k, side) in Side::BOTH.into_iter().enumerate() {
        for (i, s) in spec.leg.segments.iter().enumerate() {
            let field = item("leg.segments", i, &s.name);
            let mut seg =
                compile_segment(&cx, &field, s, Some(side), &subject, &mut mass_fraction_sum)?;
            if let (GroundContact::HuntCrossley(_), Some(hc)) =
                (ground_contact, &spec.ground_contact.hunt_crossley)
                && hc.segment == s.name
            {
                seg.contacts = compile_contacts(
                    &cx,
                    "ground_contact.hunt_crossley.spheres",
                    &hc.spheres,
                    Some(side),
                    subject.height_m,
                )?;
            }
            if axial_segments.contains_key(&s.name)
                || side_segments[k]
                    .insert(s.name.clone(), SegmentId(segments.len() as u32))
                    .is_some()
            {
                return Err(cx.duplicate(format!("{field}.name"), "segment", &s.name));
            }
            segments.push(seg);
        }
    }
    if (mass_fraction_sum - 1.0).abs() > MASS_FRACTION_TOLERANCE {
        return Err(cx.invalid(
            "segments[*].parts[*].mass_fraction",
            format!(
                "the mass fractions of all segments (legs counted twice) sum to {mass_fraction_sum:.4}, \
                 not 1 ± {MASS_FRACTION_TOLERANCE}"
            ),
        ));
    }
    let root = *axial_segments.get(&spec.axial.root).ok_or_else(|| {
        cx.unknown(
            "axial.root".into(),
            "axial segment",
            &spec.axial.root,
            axial_segments.keys().cloned(),
        )
    })?;

    let mut joints: Vec<Joint> = Vec::new();
    let mut coordinates: Vec<Coordinate> = Vec::new();
    let mut axial_coordinates = HashMap::new();
    let mut side_coordinates: [HashMap<String, CoordinateId>; 2] = Default::default();
    let empty_segments = HashMap::new();
    for (i, j) in spec.axial.joints.iter().enumerate() {
        let scope = Scope {
            local: &empty_segments,
            axial: &axial_segments,
        };
        let field = item("axial.joints", i, &j.name);
        compile_joint(
            &cx,
            &field,
            j,
            None,
            &scope,
            &subject,
            &mut joints,
            &mut coordinates,
            &mut segments,
        )?;
    }
    for (c, coordinate) in coordinates.iter().enumerate() {
        axial_coordinates.insert(coordinate.base_name.clone(), CoordinateId(c as u32));
    }
    for (k, side) in Side::BOTH.into_iter().enumerate() {
        let first = coordinates.len();
        for (i, j) in spec.leg.joints.iter().enumerate() {
            let scope = Scope {
                local: &side_segments[k],
                axial: &axial_segments,
            };
            let field = item("leg.joints", i, &j.name);
            compile_joint(
                &cx,
                &field,
                j,
                Some(side),
                &scope,
                &subject,
                &mut joints,
                &mut coordinates,
                &mut segments,
            )?;
        }
        for (c, coordinate) in coordinates.iter().enumerate().skip(first) {
            side_coordinates[k].insert(coordinate.base_name.clone(), CoordinateId(c as u32));
        }
    }
    check_coordinate_names(&cx, &coordinates)?;
    check_tree(&cx, &spec, root, &segments, &joints)?;

    let leg_volume_cm3 = compile_muscle_volumes(&cx, &spec, &subject)?;
    let mut muscles: Vec<Muscle> = Vec::new();
    let mut muscle_names = HashMap::new();
    let scale = MuscleScale {
        length: subject.height_m / spec.muscle_reference_subject.height_m,
        force: subject.mass_kg / spec.muscle_reference_subject.mass_kg,
    };
    for (k, side) in Side::BOTH.into_iter().enumerate() {
        let coords = Scope {
            local: &side_coordinates[k],
            axial: &axial_coordinates,
        };
        let segs = Scope {
            local: &side_segments[k],
            axial: &axial_segments,
        };
        for (i, m) in spec.leg.muscles.iter().enumerate() {
            let field = item("leg.muscles", i, &m.name);
            if side == Side::Right && muscle_names.insert(m.name.clone(), ()).is_some() {
                return Err(cx.duplicate(format!("{field}.name"), "muscle", &m.name));
            }
            let scale = match m.reference_subject {
                Some(r) => {
                    Subject::from(r).validate(file, &format!("{field}.reference_subject"))?;
                    MuscleScale {
                        length: subject.height_m / r.height_m,
                        force: subject.mass_kg / r.mass_kg,
                    }
                }
                None => scale,
            };
            muscles.push(compile_muscle(
                &cx,
                &field,
                m,
                side,
                &coords,
                &segs,
                &coordinates,
                scale,
                leg_volume_cm3,
            )?);
        }
    }

    Ok(Model {
        name: spec.name.clone(),
        subject,
        root,
        segments,
        joints,
        coordinates,
        muscles,
        activation,
        ground_contact,
        spec,
    })
}

fn compile_activation(cx: &Ctx, spec: &ModelSpec) -> Result<ActivationDynamics, ModelError> {
    let a = &spec.activation_dynamics;
    let f = "activation_dynamics";
    Ok(ActivationDynamics {
        activation_time_constant_s: cx.range(
            &format!("{f}.activation_time_constant_s"),
            a.activation_time_constant_s,
            0.001,
            0.2,
            false,
            " s",
        )?,
        deactivation_time_constant_s: cx.range(
            &format!("{f}.deactivation_time_constant_s"),
            a.deactivation_time_constant_s,
            0.001,
            0.5,
            false,
            " s",
        )?,
        minimum_activation: cx.range(
            &format!("{f}.minimum_activation"),
            a.minimum_activation,
            0.0,
            0.2,
            false,
            "",
        )?,
    })
}

/// Contact spheres given in fractions of stature, scaled to `height_m` and mirrored for the
/// left side.
fn compile_contacts(
    cx: &Ctx,
    field: &str,
    specs: &[ContactSpec],
    side: Option<Side>,
    height_m: f64,
) -> Result<Vec<Contact>, ModelError> {
    let mirror = Mirror(side == Some(Side::Left));
    let mut contacts: Vec<Contact> = Vec::with_capacity(specs.len());
    for (i, c) in specs.iter().enumerate() {
        let cf = item(field, i, &c.name);
        if contacts.iter().any(|o| o.name == c.name) {
            return Err(cx.duplicate(format!("{cf}.name"), "contact", &c.name));
        }
        contacts.push(Contact {
            name: c.name.clone(),
            centre: mirror.point(cx.vec3(&format!("{cf}.centre"), c.centre)? * height_m),
            radius: cx.range(&format!("{cf}.radius"), c.radius, 0.0, 0.1, true, "")? * height_m,
        });
    }
    Ok(contacts)
}

/// The ground contact law, with the Hunt-Crossley parameters validated whenever the file gives
/// them (so a file is checked whole, whichever law a run selects).
fn compile_ground_contact(cx: &Ctx, spec: &ModelSpec) -> Result<GroundContact, ModelError> {
    let g = &spec.ground_contact;
    let f = "ground_contact.hunt_crossley";
    let params = match &g.hunt_crossley {
        Some(hc) => {
            if !spec.leg.segments.iter().any(|s| s.name == hc.segment) {
                return Err(cx.unknown(
                    format!("{f}.segment"),
                    "leg segment",
                    &hc.segment,
                    spec.leg.segments.iter().map(|s| s.name.clone()),
                ));
            }
            if hc.spheres.is_empty() {
                return Err(cx.invalid(format!("{f}.spheres"), "at least one sphere is needed"));
            }
            Some(HuntCrossley {
                stiffness: cx.range(
                    &format!("{f}.stiffness"),
                    hc.stiffness,
                    0.0,
                    1e9,
                    true,
                    " N/m²",
                )?,
                dissipation_s_per_m: cx.range(
                    &format!("{f}.dissipation_s_per_m"),
                    hc.dissipation_s_per_m,
                    0.0,
                    100.0,
                    false,
                    " s/m",
                )?,
                static_friction: cx.range(
                    &format!("{f}.static_friction"),
                    hc.static_friction,
                    0.0,
                    5.0,
                    false,
                    "",
                )?,
                dynamic_friction: cx.range(
                    &format!("{f}.dynamic_friction"),
                    hc.dynamic_friction,
                    0.0,
                    5.0,
                    false,
                    "",
                )?,
                viscous_friction_s_per_m: cx.range(
                    &format!("{f}.viscous_friction_s_per_m"),
                    hc.viscous_friction_s_per_m,
                    0.0,
                    100.0,
                    false,
                    " s/m",
                )?,
                transition_velocity_mps: cx.range(
                    &format!("{f}.transition_velocity_mps"),
                    hc.transition_velocity_mps,
                    0.0,
                    10.0,
                    true,
                    " m/s",
                )?,
            })
        }
        None => None,
    };
    match (g.law, params) {
        (ContactLaw::Rigid, _) => Ok(GroundContact::Rigid),
        (ContactLaw::HuntCrossley, Some(p)) => Ok(GroundContact::HuntCrossley(p)),
        (ContactLaw::HuntCrossley, None) => Err(cx.invalid(
            f,
            "the HuntCrossley law needs its parameters and spheres here",
        )),
    }
}

fn compile_segment(
    cx: &Ctx,
    field: &str,
    s: &SegmentSpec,
    side: Option<Side>,
    subject: &Subject,
    mass_fraction_sum: &mut f64,
) -> Result<Segment, ModelError> {
    if s.name.trim().is_empty() {
        return Err(cx.invalid(format!("{field}.name"), "a segment needs a non-empty name"));
    }
    if s.parts.is_empty() {
        return Err(cx.invalid(
            format!("{field}.parts"),
            "a segment needs at least one anthropometric part",
        ));
    }
    let mirror = Mirror(side == Some(Side::Left));
    let h = subject.height_m;
    let mut parts = Vec::with_capacity(s.parts.len());
    for (i, p) in s.parts.iter().enumerate() {
        let pf = format!("{field}.parts[{i}]");
        let fraction = cx.range(
            &format!("{pf}.mass_fraction"),
            p.mass_fraction,
            0.0,
            1.0,
            true,
            "",
        )?;
        let origin = cx.vec3(&format!("{pf}.origin"), p.origin)?;
        let end = cx.vec3(&format!("{pf}.end"), p.end)?;
        let length = (end - origin).length();
        if length < 1e-3 {
            return Err(cx.invalid(
                format!("{pf}.end"),
                format!("origin and end are {length} statures apart; a tabulated segment needs a length of at least 0.001 stature"),
            ));
        }
        let com = cx.range(
            &format!("{pf}.com_fraction"),
            p.com_fraction,
            0.0,
            1.0,
            false,
            "",
        )?;
        let r = &p.radii_of_gyration;
        let rf = format!("{pf}.radii_of_gyration");
        let radii = DVec3::new(
            cx.range(&format!("{rf}.about_x"), r.about_x, 0.0, 1.0, true, "")?,
            cx.range(&format!("{rf}.about_y"), r.about_y, 0.0, 1.0, true, "")?,
            cx.range(&format!("{rf}.about_z"), r.about_z, 0.0, 1.0, true, "")?,
        );
        *mass_fraction_sum += fraction;
        parts.push(MassProperties::part(
            fraction * subject.mass_kg,
            (origin + (end - origin) * com) * h,
            radii * length * h,
        ));
    }
    let mp = MassProperties::combine(&parts);
    let mut shapes = Vec::with_capacity(s.shapes.len());
    for (i, shape) in s.shapes.iter().enumerate() {
        let sf = format!("{field}.shapes[{i}]");
        shapes.push(match shape {
            ShapeSpec::Capsule { from, to, radius } => Shape::Capsule {
                from: mirror.point(cx.vec3(&format!("{sf}.from"), *from)? * h),
                to: mirror.point(cx.vec3(&format!("{sf}.to"), *to)? * h),
                radius: cx.range(&format!("{sf}.radius"), *radius, 0.0, 0.3, true, "")? * h,
            },
            ShapeSpec::Box {
                centre,
                half_extents,
            } => {
                let he = cx.vec3(&format!("{sf}.half_extents"), *half_extents)?;
                if he.min_element() <= 0.0 {
                    return Err(cx.invalid(
                        format!("{sf}.half_extents"),
                        "box half extents must be positive",
                    ));
                }
                Shape::Box {
                    centre: mirror.point(cx.vec3(&format!("{sf}.centre"), *centre)? * h),
                    half_extents: he * h,
                }
            }
            ShapeSpec::Sphere { centre, radius } => Shape::Sphere {
                centre: mirror.point(cx.vec3(&format!("{sf}.centre"), *centre)? * h),
                radius: cx.range(&format!("{sf}.radius"), *radius, 0.0, 0.3, true, "")? * h,
            },
        });
    }
    let contacts = compile_contacts(cx, &format!("{field}.contacts"), &s.contacts, side, h)?;
    Ok(Segment {
        name: format!("{}{}", s.name, side.map_or("", Side::suffix)),
        side,
        mass_kg: mp.mass_kg,
        com_m: mirror.point(mp.com_m),
        inertia_kg_m2: mirror.tensor(mp.inertia_kg_m2),
        parent_joint: None,
        shapes,
        contacts,
    })
}

#[allow(clippy::too_many_arguments)]
fn compile_joint(
    cx: &Ctx,
    field: &str,
    j: &JointSpec,
    side: Option<Side>,
    segs: &Scope<SegmentId>,
    subject: &Subject,
    joints: &mut Vec<Joint>,
    coordinates: &mut Vec<Coordinate>,
    segments: &mut [Segment],
) -> Result<(), ModelError> {
    let suffix = side.map_or("", Side::suffix);
    let name = format!("{}{suffix}", j.name);
    if j.name.trim().is_empty() {
        return Err(cx.invalid(format!("{field}.name"), "a joint needs a non-empty name"));
    }
    if joints.iter().any(|o| o.name == name) {
        return Err(cx.duplicate(format!("{field}.name"), "joint", &j.name));
    }
    let parent = segs.get(&j.parent).ok_or_else(|| {
        cx.unknown(
            format!("{field}.parent"),
            "segment",
            &j.parent,
            segs.names(),
        )
    })?;
    let child = segs
        .get(&j.child)
        .ok_or_else(|| cx.unknown(format!("{field}.child"), "segment", &j.child, segs.names()))?;
    if parent == child {
        return Err(cx.invalid(
            format!("{field}.child"),
            "a joint cannot connect a segment to itself",
        ));
    }
    if segments[child.index()].parent_joint.is_some() {
        return Err(cx.invalid(
            format!("{field}.child"),
            format!(
                "segment `{}` already has a parent joint; the skeleton must be a tree",
                j.child
            ),
        ));
    }
    let mirror = Mirror(side == Some(Side::Left));
    let location = mirror.point(
        cx.vec3(&format!("{field}.location_in_parent"), j.location_in_parent)? * subject.height_m,
    );
    if j.coordinates.is_empty() || j.coordinates.len() > 3 {
        return Err(cx.invalid(
            format!("{field}.coordinates"),
            format!(
                "a joint has 1 to 3 rotational coordinates, not {}",
                j.coordinates.len()
            ),
        ));
    }
    let id = JointId(joints.len() as u32);
    let mut ids = Vec::new();
    let mut axes: Vec<DVec3> = Vec::new();
    for (i, c) in j.coordinates.iter().enumerate() {
        let cf = item(&format!("{field}.coordinates"), i, &c.name);
        if c.name.trim().is_empty() {
            return Err(cx.invalid(format!("{cf}.name"), "a coordinate needs a non-empty name"));
        }
        let raw = DVec3::from_array(c.axis);
        if !raw.is_finite() {
            return Err(cx.invalid(
                format!("{cf}.axis"),
                format!("axis {:?} is not finite", c.axis),
            ));
        }
        // Divide by the largest component first so that huge or tiny axes normalise exactly.
        let largest = raw.abs().max_element();
        if largest < 1e-9 {
            return Err(cx.invalid(format!("{cf}.axis"), "the rotation axis has zero length"));
        }
        let axis = (raw / largest).normalize();
        if let Some(k) = axes.iter().position(|a| a.dot(axis).abs() > 1e-6) {
            return Err(cx.invalid(
                format!("{cf}.axis"),
                format!("the axis is not perpendicular to the joint's coordinate {k}; joint axes must be orthogonal"),
            ));
        }
        axes.push(axis);
        let (lo, hi) = c.range_deg;
        cx.range(&format!("{cf}.range_deg.0"), lo, -180.0, 180.0, false, "°")?;
        cx.range(&format!("{cf}.range_deg.1"), hi, -180.0, 180.0, false, "°")?;
        if lo >= hi || !(lo..=hi).contains(&0.0) {
            return Err(cx.invalid(
                format!("{cf}.range_deg"),
                format!("range ({lo}, {hi})° must have min < max and include the neutral pose 0°"),
            ));
        }
        ids.push(CoordinateId(coordinates.len() as u32));
        coordinates.push(Coordinate {
            name: format!("{}{suffix}", c.name),
            base_name: c.name.clone(),
            side,
            joint: id,
            axis: mirror.axis(axis),
            range_rad: (lo.to_radians(), hi.to_radians()),
        });
    }
    segments[child.index()].parent_joint = Some(id);
    joints.push(Joint {
        name,
        side,
        parent,
        child,
        location_in_parent_m: location,
        coordinates: ids,
    });
    Ok(())
}

fn check_coordinate_names(cx: &Ctx, coordinates: &[Coordinate]) -> Result<(), ModelError> {
    let mut seen = HashMap::new();
    for c in coordinates {
        if seen.insert(c.name.as_str(), ()).is_some() {
            return Err(cx.duplicate(
                format!("joints[*].coordinates[{}].name", c.base_name),
                "coordinate",
                &c.base_name,
            ));
        }
    }
    Ok(())
}

fn check_tree(
    cx: &Ctx,
    spec: &ModelSpec,
    root: SegmentId,
    segments: &[Segment],
    joints: &[Joint],
) -> Result<(), ModelError> {
    if segments[root.index()].parent_joint.is_some() {
        return Err(cx.invalid(
            "axial.root",
            format!(
                "the root segment `{}` must not be the child of a joint",
                spec.axial.root
            ),
        ));
    }
    for (i, s) in segments.iter().enumerate() {
        if i == root.index() {
            continue;
        }
        // Walk towards the root; more steps than segments means a cycle.
        let mut at = SegmentId(i as u32);
        for _ in 0..=segments.len() {
            match segments[at.index()].parent_joint {
                Some(j) => at = joints[j.index()].parent,
                None => break,
            }
        }
        if at != root {
            return Err(cx.invalid(
                "joints",
                format!(
                    "segment `{}` is not connected to the root `{}` through joints",
                    s.name, spec.axial.root
                ),
            ));
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct MuscleScale {
    length: f64,
    force: f64,
}

#[allow(clippy::too_many_arguments)]
fn compile_muscle(
    cx: &Ctx,
    field: &str,
    m: &MuscleSpec,
    side: Side,
    coords: &Scope<CoordinateId>,
    segs: &Scope<SegmentId>,
    coordinates: &[Coordinate],
    scale: MuscleScale,
    leg_volume_cm3: Option<f64>,
) -> Result<Muscle, ModelError> {
    if m.name.trim().is_empty() {
        return Err(cx.invalid(format!("{field}.name"), "a muscle needs a non-empty name"));
    }
    let f_max = cx.range(
        &format!("{field}.max_isometric_force_n"),
        m.max_isometric_force_n,
        0.0,
        20_000.0,
        true,
        " N",
    )?;
    let l_opt = cx.range(
        &format!("{field}.optimal_fiber_length_m"),
        m.optimal_fiber_length_m,
        0.005,
        0.5,
        false,
        " m",
    )?;
    let l_s = cx.range(
        &format!("{field}.tendon_slack_length_m"),
        m.tendon_slack_length_m,
        0.0,
        1.0,
        true,
        " m",
    )?;
    let penn = cx.range(
        &format!("{field}.pennation_at_optimal_rad"),
        m.pennation_at_optimal_rad,
        0.0,
        1.0,
        false,
        " rad",
    )?;
    let v_max = cx.range(
        &format!("{field}.max_contraction_velocity_lopt_per_s"),
        m.max_contraction_velocity_lopt_per_s,
        0.0,
        30.0,
        true,
        " l_opt/s",
    )?;

    let pf = format!("{field}.path");
    let p = &m.path;
    if p.coordinates.is_empty() || p.coordinates.len() > Path::MAX_COORDINATES {
        return Err(cx.invalid(
            format!("{pf}.coordinates"),
            format!(
                "a path crosses 1 to {} coordinates, not {}",
                Path::MAX_COORDINATES,
                p.coordinates.len()
            ),
        ));
    }
    let mut ids = Vec::with_capacity(p.coordinates.len());
    for (i, name) in p.coordinates.iter().enumerate() {
        let id = coords.get(name).ok_or_else(|| {
            cx.unknown(
                format!("{pf}.coordinates[{i}]"),
                "coordinate",
                name,
                coords.names(),
            )
        })?;
        if ids.contains(&id) {
            return Err(cx.duplicate(format!("{pf}.coordinates[{i}]"), "path coordinate", name));
        }
        ids.push(id);
    }
    if p.terms.is_empty() {
        return Err(cx.invalid(
            format!("{pf}.terms"),
            "a path needs at least one polynomial term",
        ));
    }
    let mut terms = Vec::with_capacity(p.terms.len());
    for (k, t) in p.terms.iter().enumerate() {
        let tf = format!("{pf}.terms[{k}]");
        if !t.coefficient.is_finite() || t.coefficient.abs() > 100.0 {
            return Err(cx.invalid(
                format!("{tf}.coefficient"),
                format!(
                    "{} is not a finite coefficient of at most 100 m/rad^n",
                    t.coefficient
                ),
            ));
        }
        if t.exponents.len() != ids.len() {
            return Err(cx.invalid(
                format!("{tf}.exponents"),
                format!(
                    "{} exponents given for {} path coordinates",
                    t.exponents.len(),
                    ids.len()
                ),
            ));
        }
        if let Some(e) = t.exponents.iter().find(|&&e| e > MAX_EXPONENT) {
            return Err(cx.invalid(
                format!("{tf}.exponents"),
                format!("exponent {e} exceeds {MAX_EXPONENT}"),
            ));
        }
        terms.push((t.coefficient, t.exponents.clone()));
    }
    let path = Path::new(ids.clone(), terms).scaled(scale.length);
    check_path_over_range(cx, &pf, &path, coordinates, l_s * scale.length)?;

    let mut display_points = Vec::with_capacity(m.display_points.len());
    for (i, d) in m.display_points.iter().enumerate() {
        let df = format!("{field}.display_points[{i}]");
        let seg = segs.get(&d.segment).ok_or_else(|| {
            cx.unknown(format!("{df}.segment"), "segment", &d.segment, segs.names())
        })?;
        let position = cx.vec3(&format!("{df}.position_m"), d.position_m)?;
        display_points.push((
            seg,
            Mirror(side == Side::Left).point(position * scale.length),
        ));
    }
    let volume = compile_muscle_volume(cx, field, m, leg_volume_cm3)?;
    Ok(Muscle {
        name: format!("{}{}", m.name, side.suffix()),
        base_name: m.name.clone(),
        side,
        group: m.group,
        max_isometric_force_n: f_max * scale.force,
        optimal_fiber_length_m: l_opt * scale.length,
        tendon_slack_length_m: l_s * scale.length,
        pennation_at_optimal_rad: penn,
        max_contraction_velocity_lopt_per_s: v_max,
        volume_m3: volume.map(|(v, _)| v),
        slow_twitch_fraction: volume.and_then(|(_, r)| r),
        path,
        display_points,
    })
}

/// The leg's total muscle volume for `subject` \[cm³\], from the model's regression
/// ([`crate::spec::MuscleVolumeRegressionSpec`]), if it has one.
fn compile_muscle_volumes(
    cx: &Ctx,
    spec: &ModelSpec,
    subject: &Subject,
) -> Result<Option<f64>, ModelError> {
    let Some(r) = &spec.muscle_volumes else {
        return Ok(None);
    };
    let f = "muscle_volumes";
    let slope = cx.range(
        &format!("{f}.per_height_mass_cm3"),
        r.per_height_mass_cm3,
        0.0,
        1000.0,
        true,
        " cm³/(m·kg)",
    )?;
    let offset = cx.range(
        &format!("{f}.offset_cm3"),
        r.offset_cm3,
        -10_000.0,
        10_000.0,
        false,
        " cm³",
    )?;
    let total = slope * subject.height_m * subject.mass_kg + offset;
    if total <= 0.0 {
        return Err(cx.invalid(
            f,
            format!(
                "gives a leg muscle volume of {total} cm³ for a {} m, {} kg subject; it must be \
                 positive",
                subject.height_m, subject.mass_kg
            ),
        ));
    }
    Ok(Some(total))
}

/// A muscle's volume \[m³\]: the sum of its parts' `fraction × V + offset` over the leg's
/// total muscle volume `V` ([`crate::spec::VolumePartSpec`]); and its slow-twitch fraction,
/// the parts' weighted by their volumes, if they give one (all or none of them). `None`
/// without parts.
fn compile_muscle_volume(
    cx: &Ctx,
    field: &str,
    m: &MuscleSpec,
    leg_volume_cm3: Option<f64>,
) -> Result<Option<(f64, Option<f64>)>, ModelError> {
    if m.volume.is_empty() {
        return Ok(None);
    }
    let vf = format!("{field}.volume");
    let Some(total) = leg_volume_cm3 else {
        return Err(cx.invalid(
            vf,
            "a muscle's volume parts need the model's `muscle_volumes` regression",
        ));
    };
    let mut sum = 0.0;
    let mut slow = Some(0.0);
    let with_fibre_types = m.volume[0].slow_twitch_fraction.is_some();
    for (i, part) in m.volume.iter().enumerate() {
        let pf = item(&vf, i, &part.name);
        let fraction = cx.range(&format!("{pf}.fraction"), part.fraction, 0.0, 1.0, true, "")?;
        let offset = cx.range(
            &format!("{pf}.offset_cm3"),
            part.offset_cm3,
            -1000.0,
            1000.0,
            false,
            " cm³",
        )?;
        let part_volume = fraction * total + offset;
        sum += part_volume;
        let sf = format!("{pf}.slow_twitch_fraction");
        match (part.slow_twitch_fraction, with_fibre_types) {
            (Some(r), true) => {
                let r = cx.range(&sf, r, 0.0, 1.0, false, "")?;
                slow = slow.map(|s| s + r * part_volume);
            }
            (None, false) => slow = None,
            _ => {
                return Err(cx.invalid(
                    sf,
                    "give every part of a muscle a slow-twitch fraction, or none",
                ));
            }
        }
    }
    if sum <= 0.0 {
        return Err(cx.invalid(
            vf,
            format!(
                "adds up to {sum} cm³ at a leg muscle volume of {total} cm³; a muscle's volume \
                 must be positive"
            ),
        ));
    }
    Ok(Some((sum * 1e-6, slow.map(|s| s / sum))))
}

/// The musculotendon length must stay positive and physical (at most 2 m, at least 20 % of
/// the tendon slack length) over the whole range of motion of the coordinates it crosses.
fn check_path_over_range(
    cx: &Ctx,
    field: &str,
    path: &Path,
    coordinates: &[Coordinate],
    slack: f64,
) -> Result<(), ModelError> {
    let ids = path.coordinates();
    let n = ids.len();
    let mut q = vec![0.0; coordinates.len()];
    let total = RANGE_SAMPLES.pow(n as u32);
    for sample in 0..total {
        let mut rest = sample;
        for id in ids {
            let (lo, hi) = coordinates[id.index()].range_rad;
            let k = rest % RANGE_SAMPLES;
            rest /= RANGE_SAMPLES;
            q[id.index()] = lo + (hi - lo) * k as f64 / (RANGE_SAMPLES - 1) as f64;
        }
        let state = path.evaluate(&q);
        let l = state.length_m;
        if !l.is_finite() || l < 0.2 * slack || l > 2.0 {
            let pose: Vec<String> = ids
                .iter()
                .map(|id| {
                    format!(
                        "{} = {:.1}°",
                        coordinates[id.index()].name,
                        q[id.index()].to_degrees()
                    )
                })
                .collect();
            return Err(cx.invalid(
                format!("{field}.terms"),
                format!(
                    "musculotendon length {l:.4} m at {} is outside {:.4}..=2 m (positive, at least 20 % of tendon slack length)",
                    pose.join(", "),
                    0.2 * slack
                ),
            ));
        }
    }
    Ok(())
}
