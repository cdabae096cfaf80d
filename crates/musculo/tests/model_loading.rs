//! Loading, scaling and validating model files: the built-in model compiles to the documented
//! structure, and each class of invalid input is rejected with a typed error naming the file,
//! the field and the reason.

use std::path::Path;

use musculo::spec::ModelSpec;
use musculo::{ADULT_MODEL_RON, Model, ModelError, Side, Subject};

fn adult() -> Model {
    Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).expect("built-in model compiles")
}

fn adult_spec() -> ModelSpec {
    ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").unwrap()
}

/// Compiles a modified copy of the built-in description.
fn compile_modified(edit: impl FnOnce(&mut ModelSpec)) -> Result<Model, ModelError> {
    let mut spec = adult_spec();
    edit(&mut spec);
    Model::compile(spec, Path::new("edited.ron"), None)
}

/// Replaces the first occurrence of `from` in the built-in text and compiles it.
fn compile_text_with(from: &str, to: &str) -> Result<Model, ModelError> {
    assert!(
        ADULT_MODEL_RON.contains(from),
        "test edit `{from}` not found"
    );
    Model::from_ron_str(&ADULT_MODEL_RON.replacen(from, to, 1), "edited.ron", None)
}

#[test]
fn built_in_model_has_eight_segments_seven_joints_fifteen_coordinates_twenty_two_muscles() {
    let m = adult();
    assert_eq!(m.segments.len(), 8);
    assert_eq!(m.joints.len(), 7);
    assert_eq!(m.coordinates.len(), 15);
    assert_eq!(m.muscles.len(), 22);
    for side in Side::BOTH {
        for base in [
            "iliopsoas",
            "glut_max",
            "hamstrings",
            "bifemsh",
            "rect_fem",
            "vasti",
            "gastroc",
            "soleus",
            "tib_ant",
            "hip_abductors",
            "hip_adductors",
        ] {
            assert!(
                m.muscle_id(&format!("{base}{}", side.suffix())).is_some(),
                "{base} {side:?}"
            );
        }
    }
    assert_eq!(m.segments[m.root.index()].name, "pelvis");
}

#[test]
fn segment_masses_add_up_to_the_subject_and_follow_de_leva() {
    let m = adult();
    assert!(
        (m.total_mass_kg() - 70.0).abs() < 1e-9,
        "{}",
        m.total_mass_kg()
    );
    let thigh = &m.segments[m.segment_id("thigh_r").unwrap().index()];
    assert!((thigh.mass_kg - 0.1416 * 70.0).abs() < 1e-12);
    // de Leva: thigh CoM 40.95 % of HJC-KJC below the hip.
    assert!((thigh.com_m.y + 0.4095 * 0.242504 * 1.75).abs() < 1e-9);
    // The composite head-arms-trunk has its centre of mass above the lumbar joint and
    // positive-definite inertia.
    let hat = &m.segments[m.segment_id("hat").unwrap().index()];
    assert!(hat.com_m.y > 0.1 && hat.com_m.y < 0.4, "{}", hat.com_m);
    assert!(hat.com_m.z.abs() < 1e-12, "arms are symmetric");
    let i = hat.inertia_kg_m2;
    assert!(i.determinant() > 0.0 && i.x_axis.x > 0.0);
}

#[test]
fn left_leg_mirrors_right_leg() {
    let m = adult();
    let r = &m.segments[m.segment_id("foot_r").unwrap().index()];
    let l = &m.segments[m.segment_id("foot_l").unwrap().index()];
    assert_eq!(r.com_m.z, -l.com_m.z);
    for (a, b) in r.contacts.iter().zip(&l.contacts) {
        assert_eq!(a.centre.z, -b.centre.z);
    }
    let hip_r = &m.joints[m.joint_id("hip_r").unwrap().index()];
    let hip_l = &m.joints[m.joint_id("hip_l").unwrap().index()];
    assert!(hip_r.location_in_parent_m.z > 0.0);
    assert_eq!(hip_r.location_in_parent_m.z, -hip_l.location_in_parent_m.z);
    // Flexion keeps its axis, adduction flips (a pseudovector under reflection).
    let axis = |n: &str| m.coordinates[m.coordinate_id(n).unwrap().index()].axis;
    assert_eq!(axis("hip_flexion_r"), axis("hip_flexion_l"));
    assert_eq!(axis("hip_adduction_r"), -axis("hip_adduction_l"));
    // Mirrored muscles have identical length functions of the (sign-symmetric) coordinates.
    let q = {
        let mut q = m.neutral_pose();
        for c in [
            "hip_flexion",
            "knee_flexion",
            "ankle_dorsiflexion",
            "hip_adduction",
        ] {
            for s in Side::BOTH {
                q[m.side_coordinate(c, Some(s)).unwrap().index()] = 0.3;
            }
        }
        q
    };
    for mr in m.muscles.iter().filter(|x| x.side == Side::Right) {
        let ml = &m.muscles[m.muscle_id(&format!("{}_l", mr.base_name)).unwrap().index()];
        assert_eq!(mr.path.evaluate(&q).length_m, ml.path.evaluate(&q).length_m);
    }
}

#[test]
fn scaling_to_a_taller_heavier_subject_scales_lengths_masses_and_strength() {
    let base = adult();
    let big = base
        .rescaled(Subject {
            height_m: 1.90,
            mass_kg: 95.0,
        })
        .unwrap();
    assert!((big.total_mass_kg() - 95.0).abs() < 1e-9);
    let k = |m: &Model| {
        m.joints[m.joint_id("knee_r").unwrap().index()]
            .location_in_parent_m
            .y
    };
    assert!((k(&big) / k(&base) - 1.90 / 1.75).abs() < 1e-12);
    let v = |m: &Model| m.muscles[m.muscle_id("vasti_r").unwrap().index()].clone();
    assert!(
        (v(&big).max_isometric_force_n / v(&base).max_isometric_force_n - 95.0 / 70.0).abs()
            < 1e-12
    );
    assert!(
        (v(&big).optimal_fiber_length_m / v(&base).optimal_fiber_length_m - 1.90 / 1.75).abs()
            < 1e-12
    );
}

#[test]
fn load_reads_a_file_and_reports_a_missing_one() {
    let dir = std::env::temp_dir().join(format!("musculo-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("adult.ron");
    std::fs::write(&file, ADULT_MODEL_RON).unwrap();
    assert_eq!(Model::load(&file, None).unwrap().muscles.len(), 22);
    let missing = dir.join("nope.ron");
    let err = Model::load(&missing, None).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }));
    assert_eq!(err.file(), missing);
    assert!(err.to_string().contains("nope.ron"));
}

#[test]
fn malformed_ron_reports_line_and_column() {
    let err = Model::from_ron_str("(\n  name: \"x\",\n  description: oops\n)", "bad.ron", None)
        .unwrap_err();
    match &err {
        ModelError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, Path::new("bad.ron"));
            assert_eq!(*line, 3);
            assert!(*column > 1);
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("bad.ron:3:"), "{err}");
}

#[test]
fn unknown_field_is_named_with_its_position() {
    let err = compile_text_with("optimal_fiber_length_m:", "optimal_fibre_length_m:").unwrap_err();
    match &err {
        ModelError::UnknownField {
            field,
            within,
            line,
            ..
        } => {
            assert_eq!(field, "optimal_fibre_length_m");
            assert!(within.contains("MuscleSpec"), "{within}");
            assert!(*line > 1);
        }
        other => panic!("expected an unknown-field error, got {other:?}"),
    }
}

#[test]
fn missing_field_is_named() {
    let err = compile_text_with("tendon_slack_length_m: 0.07,", "").unwrap_err();
    assert!(
        matches!(&err, ModelError::MissingField { field, .. } if field == "tendon_slack_length_m"),
        "{err:?}"
    );
}

#[test]
fn missing_muscle_reference_names_the_path_coordinate() {
    let err = compile_modified(|s| s.leg.muscles[0].path.coordinates[0] = "knee_flex".into())
        .unwrap_err();
    match &err {
        ModelError::UnknownReference {
            field,
            name,
            kind,
            known,
            ..
        } => {
            assert!(
                field.starts_with("leg.muscles[") && field.ends_with("].path.coordinates[0]"),
                "{field}"
            );
            assert_eq!(name, "knee_flex");
            assert_eq!(*kind, "coordinate");
            assert!(known.contains("knee_flexion"));
        }
        other => panic!("{other:?}"),
    }
    let err = compile_modified(|s| s.leg.joints[0].parent = "pelvsi".into()).unwrap_err();
    assert!(
        matches!(&err, ModelError::UnknownReference { field, .. } if field == "leg.joints[hip].parent"),
        "{err:?}"
    );
}

#[test]
fn negative_or_zero_mass_is_rejected_with_the_field_path() {
    for bad in [-0.1, 0.0, f64::NAN] {
        let err = compile_modified(|s| s.leg.segments[0].parts[0].mass_fraction = bad).unwrap_err();
        assert_eq!(
            err.field(),
            Some("leg.segments[thigh].parts[0].mass_fraction"),
            "{err}"
        );
        assert_eq!(err.file(), Path::new("edited.ron"));
    }
    let err = Model::from_ron_str(
        ADULT_MODEL_RON,
        "adult.ron",
        Some(Subject {
            height_m: 1.7,
            mass_kg: -70.0,
        }),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("subject.mass_kg"));
    assert!(err.to_string().contains("-70"), "{err}");
}

#[test]
fn lengths_out_of_physical_range_are_rejected() {
    let err = compile_modified(|s| s.leg.muscles[0].optimal_fiber_length_m = 3.0).unwrap_err();
    assert!(
        err.field().unwrap().ends_with(".optimal_fiber_length_m"),
        "{err}"
    );
    let err =
        compile_modified(|s| s.leg.joints[1].location_in_parent = [0.0, -4.0, 0.0]).unwrap_err();
    assert_eq!(err.field(), Some("leg.joints[knee].location_in_parent.y"));
    let err = Model::from_ron_str(
        ADULT_MODEL_RON,
        "adult.ron",
        Some(Subject {
            height_m: 17.5,
            mass_kg: 70.0,
        }),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("subject.height_m"));
    // A path whose length would turn negative somewhere in the range of motion.
    let err = compile_modified(|s| {
        let m = s
            .leg
            .muscles
            .iter_mut()
            .find(|m| m.name == "hip_adductors")
            .unwrap();
        m.path.terms[1].coefficient = -1.0;
    })
    .unwrap_err();
    assert!(err.field().unwrap().ends_with("path.terms"), "{err}");
    assert!(err.to_string().contains("hip_adduction"), "{err}");
}

#[test]
fn joint_axis_of_zero_length_or_not_orthogonal_is_rejected() {
    let err =
        compile_modified(|s| s.leg.joints[1].coordinates[0].axis = [0.0, 0.0, 0.0]).unwrap_err();
    assert_eq!(
        err.field(),
        Some("leg.joints[knee].coordinates[knee_flexion].axis")
    );
    assert!(err.to_string().contains("zero length"));
    let err =
        compile_modified(|s| s.leg.joints[0].coordinates[1].axis = [1.0, 0.0, 0.5]).unwrap_err();
    assert!(err.to_string().contains("orthogonal"), "{err}");
}

#[test]
fn duplicates_and_broken_trees_are_rejected() {
    let err = compile_modified(|s| {
        let dup = s.leg.muscles[0].clone();
        s.leg.muscles.push(dup);
    })
    .unwrap_err();
    assert!(
        matches!(err, ModelError::Duplicate { kind: "muscle", .. }),
        "{err:?}"
    );
    let err = compile_modified(|s| s.leg.joints[1].parent = "foot".into()).unwrap_err();
    assert!(
        err.to_string().contains("not connected") || err.to_string().contains("tree"),
        "{err}"
    );
}

#[test]
fn mass_fractions_must_sum_to_one() {
    let err = compile_modified(|s| s.leg.segments[0].parts[0].mass_fraction = 0.3).unwrap_err();
    assert!(err.to_string().contains("sum to"), "{err}");
}

#[test]
fn error_messages_are_one_sentence_naming_file_field_and_reason() {
    let err = compile_modified(|s| s.leg.muscles[0].max_isometric_force_n = -5.0).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("edited.ron: leg.muscles["), "{text}");
    assert!(
        text.contains("max_isometric_force_n") && text.contains("-5"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}

#[test]
fn muscle_volumes_follow_the_handsfield_regressions_at_the_subjects_size() {
    // Handsfield et al. 2014: a leg's muscle volume is 47 h m + 1285 cm³; the hamstrings here
    // are semimembranosus, biceps femoris long head and semitendinosus.
    let subject = Subject {
        height_m: 1.8,
        mass_kg: 72.6,
    };
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", Some(subject)).unwrap();
    let total = 47.0 * 1.8 * 72.6 + 1285.0;
    let hamstrings = (0.0319 + 0.0256 + 0.0285) * total + 18.2 + 24.3 - 16.8;
    let volume = |name: &str| {
        let m = model.muscles.iter().find(|m| m.name == name).unwrap();
        m.volume_m3.expect("every built-in muscle has a volume") * 1e6
    };
    assert!((volume("hamstrings_r") - hamstrings).abs() < 1e-9);
    assert_eq!(volume("hamstrings_l"), volume("hamstrings_r"));
    // The eleven muscles stand for 86 % of the leg's volume (the model lacks the rest).
    let legs: f64 = model
        .muscles
        .iter()
        .map(|m| m.volume_m3.unwrap())
        .sum::<f64>()
        * 1e6;
    assert!(
        (legs / (2.0 * total) - 0.86).abs() < 0.01,
        "{legs} of {total}"
    );
    // A heavier subject has more muscle.
    let heavier = Model::from_ron_str(
        ADULT_MODEL_RON,
        "adult.ron",
        Some(Subject {
            mass_kg: 90.0,
            ..subject
        }),
    )
    .unwrap();
    let m = heavier.muscles.iter().find(|m| m.name == "hamstrings_r");
    assert!(m.unwrap().volume_m3.unwrap() * 1e6 > hamstrings + 50.0);
}

#[test]
fn fibre_types_are_the_parts_weighted_by_volume() {
    let model = adult();
    let total = 47.0 * 1.75 * 70.0 + 1285.0;
    // Vastus lateralis, medialis and intermedius (Uchida et al. 2016's 0.455, 0.503, 0.543).
    let parts = [
        (0.125 * total - 55.7, 0.455),
        (0.0631 * total - 16.3, 0.503),
        (0.0273 * total + 76.5, 0.543),
    ];
    let expected =
        parts.iter().map(|(v, r)| v * r).sum::<f64>() / parts.iter().map(|p| p.0).sum::<f64>();
    let vasti = model.muscles.iter().find(|m| m.name == "vasti_l").unwrap();
    assert!((vasti.slow_twitch_fraction.unwrap() - expected).abs() < 1e-12);
    let soleus = model.muscles.iter().find(|m| m.name == "soleus_r").unwrap();
    assert_eq!(soleus.slow_twitch_fraction, Some(0.803));
    // All parts or none.
    let err =
        compile_modified(|s| s.leg.muscles[0].volume[1].slow_twitch_fraction = None).unwrap_err();
    assert_eq!(
        err.field(),
        Some("leg.muscles[hamstrings].volume[biceps femoris long head].slow_twitch_fraction"),
        "{err}"
    );
    let err = compile_modified(|s| s.leg.muscles[0].volume[0].slow_twitch_fraction = Some(1.5))
        .unwrap_err();
    assert_eq!(
        err.field(),
        Some("leg.muscles[hamstrings].volume[semimembranosus].slow_twitch_fraction"),
        "{err}"
    );
    // None at all: the energy model's setting applies.
    let model = compile_modified(|s| {
        for part in &mut s.leg.muscles[0].volume {
            part.slow_twitch_fraction = None;
        }
    })
    .unwrap();
    assert_eq!(model.muscles[0].slow_twitch_fraction, None);
}

#[test]
fn bad_muscle_volumes_are_rejected_with_the_field_path() {
    for bad in [-0.01, 1.5, f64::NAN] {
        let err = compile_modified(|s| s.leg.muscles[0].volume[0].fraction = bad).unwrap_err();
        assert_eq!(
            err.field(),
            Some("leg.muscles[hamstrings].volume[semimembranosus].fraction"),
            "{err}"
        );
    }
    // Parts that add up to no volume at all.
    let err = compile_modified(|s| s.leg.muscles[1].volume[0].offset_cm3 = -900.0).unwrap_err();
    assert_eq!(err.field(), Some("leg.muscles[bifemsh].volume"), "{err}");
    assert!(err.to_string().contains("positive"), "{err}");
    // Parts without the regression they refer to.
    let err = compile_modified(|s| s.muscle_volumes = None).unwrap_err();
    assert_eq!(err.field(), Some("leg.muscles[hamstrings].volume"), "{err}");
    assert!(err.to_string().contains("muscle_volumes"), "{err}");
    let err = compile_modified(|s| {
        if let Some(r) = s.muscle_volumes.as_mut() {
            r.per_height_mass_cm3 = -47.0;
        }
    })
    .unwrap_err();
    assert_eq!(
        err.field(),
        Some("muscle_volumes.per_height_mass_cm3"),
        "{err}"
    );
    // Without volumes anywhere the model still compiles, and the energy model falls back.
    let model = compile_modified(|s| {
        s.muscle_volumes = None;
        for m in &mut s.leg.muscles {
            m.volume.clear();
        }
    })
    .unwrap();
    assert!(model.muscles.iter().all(|m| m.volume_m3.is_none()));
}
