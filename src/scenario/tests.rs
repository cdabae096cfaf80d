//! Scenario parsing, expansion and every class of error, each naming file, field and reason.

use super::*;

const FILE: &str = "study.ron";

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(text, Path::new(FILE))
}

fn expand(text: &str) -> Result<Vec<PlannedTrial>, ScenarioError> {
    parse(text)?.expand(Path::new(FILE))
}

/// A valid scenario with one field replaced.
fn with(field: &str, value: &str) -> String {
    let mut fields = vec![
        ("directions", "[forward, backward]".to_owned()),
        ("speeds_mps", "[0.6, 1.0]".to_owned()),
        ("inclines_pct", "[-5, 0, 5]".to_owned()),
        (
            "subjects",
            "[(name: \"adult\", height_m: 1.75, mass_kg: 70.0)]".to_owned(),
        ),
        ("seeds", "[1]".to_owned()),
        ("duration_s", "10.0".to_owned()),
    ];
    match fields.iter_mut().find(|(f, _)| *f == field) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((field, value.to_owned())),
    }
    let body: Vec<String> = fields
        .iter()
        .map(|(f, v)| format!("    {f}: {v},"))
        .collect();
    format!("(\n{}\n)\n", body.join("\n"))
}

fn invalid(text: &str) -> (String, String) {
    match expand(text).unwrap_err() {
        ScenarioError::Invalid {
            file,
            field,
            reason,
        } => {
            assert_eq!(file, Path::new(FILE));
            (field, reason)
        }
        other => panic!("expected an invalid value, got {other}"),
    }
}

fn syntax(text: &str) -> (usize, usize, String) {
    match parse(text).unwrap_err() {
        e @ ScenarioError::Syntax { .. } => {
            let msg = e.to_string();
            assert!(msg.starts_with(FILE), "{msg}");
            let ScenarioError::Syntax {
                line,
                column,
                message,
                ..
            } = e
            else {
                unreachable!()
            };
            (line, column, message)
        }
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn the_shipped_scenarios_parse_expand_and_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let (s, _) = Scenario::read(&path).unwrap();
        let trials = s.expand(&path).unwrap();
        assert!(!trials.is_empty());
        s.load_inputs(&path, &trials).unwrap();
        n += 1;
    }
    assert!(n >= 2);
    let path = dir.join("retro-vs-forward.ron");
    let (s, _) = Scenario::read(&path).unwrap();
    let trials = s.expand(&path).unwrap();
    assert_eq!(trials.len(), 2 * 5 * 5);
    assert_eq!(s.duration_s, 60.0);
    assert_eq!(trials[0].name, "forward_0.60mps_-10.0pct_adult_seed1");
    assert_eq!(trials[49].name, "backward_1.40mps_+10.0pct_adult_seed1");
}

#[test]
fn trials_expand_in_order_with_indices_and_unique_names() {
    let trials = expand(&with("seeds", "[1, 2]")).unwrap();
    assert_eq!(trials.len(), 2 * 2 * 3 * 2);
    assert!(trials.iter().enumerate().all(|(k, t)| t.index == k));
    assert_eq!(trials[0].name, "forward_0.60mps_-5.0pct_adult_seed1");
    assert_eq!(trials[1].name, "forward_0.60mps_-5.0pct_adult_seed2");
    assert_eq!(trials[2].spec.incline_pct, 0.0);
    assert_eq!(trials[12].spec.direction, Direction::Backward);
    assert!(trials.iter().all(|t| t.spec.duration_s == 10.0));
}

#[test]
fn ranges_include_their_stop_and_give_round_values() {
    let s = parse(&with("speeds_mps", "(start: 0.6, stop: 1.4, step: 0.2)")).unwrap();
    assert_eq!(
        s.speeds_mps.expand("speeds_mps").unwrap(),
        vec![0.6, 0.8, 1.0, 1.2, 1.4]
    );
    let s = parse(&with("inclines_pct", "(start: -1, stop: 1, step: 0.1)")).unwrap();
    let v = s.inclines_pct.expand("inclines_pct").unwrap();
    assert_eq!(v.len(), 21);
    assert!(v[10].is_sign_positive() && v[10] == 0.0);
    let s = parse(&with("seeds", "(start: 1, stop: 9, step: 4)")).unwrap();
    assert_eq!(s.seeds.expand("seeds").unwrap(), vec![1, 5, 9]);
}

#[test]
fn optional_fields_have_documented_defaults() {
    let s = parse(&with("output", "(frames: false)")).unwrap();
    assert!(!s.output.frames && s.output.muscles);
    assert_eq!(s.sample_rate_hz, 200.0);
    assert_eq!(s.pushes, PushSpec::default());
    assert_eq!(s.controller, None);
}

#[test]
fn syntax_errors_give_line_and_column() {
    let (line, column, _) = syntax("(\n    directions: [forward,\n    speeds_mps: [1.0],\n");
    assert!(line >= 3, "line {line}");
    assert!(column >= 1);
}

#[test]
fn unknown_and_missing_fields_are_syntax_errors_naming_the_field() {
    let (line, _, msg) = syntax(&with("speed_mps", "[1.0]"));
    assert_eq!(line, 8, "{msg}");
    assert!(msg.contains("speed_mps"), "{msg}");
    let (_, _, msg) = syntax("(directions: [forward])");
    assert!(msg.contains("speeds_mps"), "{msg}");
    let (_, _, msg) = syntax(&with("speeds_mps", "(start: 0.6, stop: 1.4, stp: 0.2)"));
    assert!(msg.contains("stp"), "{msg}");
    let (_, _, msg) = syntax(&with("speeds_mps", "(start: 0.6, stop: 1.4)"));
    assert!(msg.contains("step"), "{msg}");
    let (_, _, msg) = syntax(&with("output", "(frame: true)"));
    assert!(msg.contains("frame"), "{msg}");
}

#[test]
fn wrong_types_are_syntax_errors() {
    let (_, _, msg) = syntax(&with("directions", "[sideways]"));
    assert!(msg.contains("sideways"), "{msg}");
    let (_, _, msg) = syntax(&with("speeds_mps", "\"fast\""));
    assert!(msg.contains("list of numbers"), "{msg}");
    let (_, _, msg) = syntax(&with("seeds", "[1.5]"));
    assert!(msg.contains("non-negative integers"), "{msg}");
    let (_, _, msg) = syntax(&with("seeds", "[-1]"));
    assert!(msg.contains("non-negative integers"), "{msg}");
}

#[test]
fn out_of_range_trials_name_the_axis_value() {
    let (field, reason) = invalid(&with("speeds_mps", "[1.0, 2.5]"));
    assert_eq!(field, "speeds_mps[1]");
    assert!(
        reason.contains("2.5") && reason.contains("0.3..=2"),
        "{reason}"
    );
    let (field, _) = invalid(&with("inclines_pct", "[0, -20]"));
    assert_eq!(field, "inclines_pct[1]");
    let (field, _) = invalid(&with("duration_s", "0"));
    assert_eq!(field, "duration_s");
    let (field, _) = invalid(&with("sample_rate_hz", "5000"));
    assert_eq!(field, "sample_rate_hz");
    let (field, _) = invalid(&with("pushes", "(force_n: -1)"));
    assert_eq!(field, "pushes.force_n");
    let (field, reason) = invalid(&with("speeds_mps", "(start: 1.0, stop: 3.0, step: 0.5)"));
    assert_eq!(field, "speeds_mps[3]", "{reason}");
}

#[test]
fn bad_ranges_and_empty_lists_are_rejected() {
    for (value, needle) in [
        ("(start: 1.0, stop: 0.5, step: 0.1)", "below its start"),
        ("(start: 0.5, stop: 1.0, step: 0)", "not a positive"),
        ("(start: 0.5, stop: 1.0, step: -0.1)", "not a positive"),
        ("(start: 0.5, stop: 1.0, step: 0.0000001)", "more than 1000"),
        ("[]", "empty"),
    ] {
        let (field, reason) = invalid(&with("speeds_mps", value));
        assert_eq!(field, "speeds_mps", "{value}");
        assert!(reason.contains(needle), "{value}: {reason}");
    }
    let (field, _) = invalid(&with("directions", "[]"));
    assert_eq!(field, "directions");
    let (field, _) = invalid(&with("subjects", "[]"));
    assert_eq!(field, "subjects");
    let (field, reason) = invalid(&with("seeds", "(start: 3, stop: 1, step: 1)"));
    assert_eq!(field, "seeds", "{reason}");
}

#[test]
fn values_that_would_share_a_folder_are_rejected() {
    let (field, reason) = invalid(&with("speeds_mps", "[1.0, 1.001]"));
    assert_eq!(field, "speeds_mps[1]");
    assert!(reason.contains("speeds_mps[0]"), "{reason}");
    let (field, _) = invalid(&with("directions", "[forward, forward]"));
    assert_eq!(field, "directions[1]");
    let (field, _) = invalid(&with("seeds", "[2, 2]"));
    assert_eq!(field, "seeds[1]");
    let (field, _) = invalid(&with(
        "subjects",
        "[(name: \"a\", height_m: 1.7, mass_kg: 60), (name: \"a\", height_m: 1.8, mass_kg: 80)]",
    ));
    assert_eq!(field, "subjects[1].name");
}

#[test]
fn subject_names_must_be_folder_safe() {
    for name in ["", "a b", "../x", "é"] {
        let (field, reason) = invalid(&with(
            "subjects",
            &format!("[(name: {name:?}, height_m: 1.7, mass_kg: 60)]"),
        ));
        assert_eq!(field, "subjects[0].name", "{name}");
        assert!(reason.contains("subject name"), "{reason}");
    }
}

#[test]
fn subjects_and_models_are_checked_when_inputs_load() {
    let s = parse(&with(
        "subjects",
        "[(name: \"a\", height_m: 1.7, mass_kg: 60), (name: \"giant\", height_m: 4.0, mass_kg: 60)]",
    ))
    .unwrap();
    let trials = s.expand(Path::new(FILE)).unwrap();
    let e = s.load_inputs(Path::new(FILE), &trials).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ScenarioError::Model { .. }), "{msg}");
    assert!(
        msg.starts_with("study.ron: subjects[1]") && msg.contains("height_m"),
        "{msg}"
    );
    let s = parse(&with(
        "subjects",
        "[(name: \"a\", height_m: 1.7, mass_kg: 60, model: \"no/such/model.ron\")]",
    ))
    .unwrap();
    let msg = s.load_inputs(Path::new(FILE), &[]).unwrap_err().to_string();
    assert!(
        msg.contains("subjects[0].model") && msg.contains("no/such/model.ron"),
        "{msg}"
    );
    let s = parse(&with("controller", "\"no/such/controller.ron\"")).unwrap();
    let msg = s.load_inputs(Path::new(FILE), &[]).unwrap_err().to_string();
    assert!(
        msg.contains("controller") && msg.contains("no/such/controller.ron"),
        "{msg}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let e = Scenario::read(Path::new("no/such/scenario.ron")).unwrap_err();
    assert!(matches!(e, ScenarioError::Io { .. }));
    assert!(e.to_string().contains("no/such/scenario.ron"));
}

#[test]
fn first_difference_names_the_field() {
    let a = parse(&with("seeds", "[1]")).unwrap();
    let b = parse(&with("seeds", "[2]")).unwrap();
    assert_eq!(a.first_difference(&a.clone()), None);
    assert_eq!(a.first_difference(&b), Some("seeds"));
}

#[test]
fn physics_is_applied_to_every_subject_and_checked_against_every_trial() {
    let text = with("physics", "(dt_s: 0.0005, solver_iterations: 1)");
    let s = parse(&text).unwrap();
    let trials = s.expand(Path::new(FILE)).unwrap();
    let inputs = s.load_inputs(Path::new(FILE), &trials).unwrap();
    let physics = inputs.settings[0].physics;
    assert_eq!(physics.dt_s, 0.0005);
    assert_eq!(physics.solver_iterations, 1);
    // The inertia refresh keeps its interval in time (10 ms).
    assert_eq!(physics.inertia_refresh_steps, 20);
    // Left out: the model's defaults.
    let s = parse(&with("seeds", "[1]")).unwrap();
    let inputs = s.load_inputs(Path::new(FILE), &trials).unwrap();
    assert_eq!(
        inputs.settings[0],
        gait::TrialSettings::for_model(&inputs.models[0])
    );
    // A step that does not divide the 200 Hz recording interval is refused before any trial,
    // naming the file and the field.
    let s = parse(&with("physics", "(dt_s: 0.0003)")).unwrap();
    let trials = s.expand(Path::new(FILE)).unwrap();
    let msg = s
        .load_inputs(Path::new(FILE), &trials)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("study.ron: physics.dt_s") && msg.contains("whole number"),
        "{msg}"
    );
    let s = parse(&with("physics", "(solver_iterations: 0)")).unwrap();
    let msg = s
        .load_inputs(Path::new(FILE), &trials)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("study.ron: physics.solver_iterations"),
        "{msg}"
    );
    // Two scenarios that differ only in their physics are not the same sweep.
    let a = parse(&with("physics", "(dt_s: 0.0005)")).unwrap();
    let b = parse(&with("seeds", "[1]")).unwrap();
    assert_eq!(a.first_difference(&b), Some("physics"));
}
