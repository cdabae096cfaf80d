//! The model loader never panics, and neither does a trial of a model it accepts: 100 000
//! random and mutated RON documents (seeded, so a failure reproduces) are each either rejected
//! with a typed error naming the source, or accepted as a model whose every number is finite
//! and physical and which then walks a few physics steps with the muscle analysis on, or
//! stops with a clear error.
//!
//! It lives in the gait crate, not beside the loader in musculo, because the trial is here.

use std::panic::{AssertUnwindSafe, catch_unwind};

use gait::analysis::AnalysisSettings;
use gait::controller::walking::WalkingParams;
use gait::{Trial, TrialSpec};
use musculo::{ADULT_MODEL_RON, ForceSharingSolver, Model, ModelError, StaticOptimizationSettings};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DOCUMENTS: usize = 100_000;

/// Physics steps each accepted model is simulated for: two frames of the muscle analysis at
/// the default 200 Hz recording rate and 1 ms step.
const STEPS: usize = 10;

const WEIRD_NUMBERS: &[&str] = &[
    "NaN",
    "inf",
    "-inf",
    "-1.0",
    "0",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "42",
    "3",
    "99999999999999999999",
    "0x10",
    "1_000",
    ".5",
    "5.",
    "+2",
    "--1",
    "1e",
    "Some(1.0)",
    "()",
];

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "Some(",
    "None",
    "true",
    "#![enable(implicit_some)]",
    "name",
    "//",
    "/*",
    "*/",
    "\\",
    "\u{0}",
    "é",
    "🦵",
    "r#\"",
    "\n",
    "Capsule(",
    "knee_flexion",
    "pelvis",
    "hat",
    "foot",
    "thigh",
    "hamstrings",
    "-",
    "e",
    "0",
    "(0.0, 0.0)",
    "[]",
    "()",
];

fn random_number_span(doc: &str, rng: &mut impl Rng) -> Option<(usize, usize)> {
    let bytes = doc.as_bytes();
    for _ in 0..20 {
        let i = rng.random_range(0..bytes.len());
        if bytes[i].is_ascii_digit() {
            let mut s = i;
            while s > 0
                && (bytes[s - 1].is_ascii_digit() || bytes[s - 1] == b'.' || bytes[s - 1] == b'-')
            {
                s -= 1;
            }
            let mut e = i;
            while e < bytes.len()
                && (bytes[e].is_ascii_digit()
                    || bytes[e] == b'.'
                    || bytes[e] == b'e'
                    || bytes[e] == b'-')
            {
                e += 1;
            }
            return Some((s, e));
        }
    }
    None
}

fn char_boundary(doc: &str, mut i: usize) -> usize {
    while !doc.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One random edit of `doc`.
fn mutate(doc: &mut String, rng: &mut impl Rng) {
    if doc.is_empty() {
        doc.push_str(TOKENS[rng.random_range(0..TOKENS.len())]);
        return;
    }
    let len = doc.len();
    let at = char_boundary(doc, rng.random_range(0..len));
    match rng.random_range(0..7) {
        0 => {
            if let Some((s, e)) = random_number_span(doc, rng) {
                let w = WEIRD_NUMBERS[rng.random_range(0..WEIRD_NUMBERS.len())];
                doc.replace_range(s..e, w);
            }
        }
        1 => {
            let end = char_boundary(doc, (at + rng.random_range(1..64)).min(len));
            doc.replace_range(at..end, "");
        }
        2 => {
            let end = char_boundary(doc, (at + rng.random_range(1..200)).min(len));
            let copy = doc[at..end].to_owned();
            let to = char_boundary(doc, rng.random_range(0..len));
            doc.insert_str(to, &copy);
        }
        3 => doc.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
        4 => {
            let c = char::from_u32(rng.random_range(0..0x800)).unwrap_or('?');
            let end = char_boundary(doc, (at + 1).min(len));
            let end = if end == at {
                (at + doc[at..].chars().next().map_or(0, char::len_utf8)).min(len)
            } else {
                end
            };
            doc.replace_range(at..end, &c.to_string());
        }
        5 => doc.truncate(at),
        _ => {
            // Swap a quoted name for another name that exists elsewhere in the model.
            let names = [
                "\"pelvis\"",
                "\"foot\"",
                "\"knee_flexion\"",
                "\"hip_adduction\"",
                "\"\"",
                "\"thigh\"",
                "\"vasti\"",
            ];
            let from = names[rng.random_range(0..names.len())];
            let to = names[rng.random_range(0..names.len())];
            if let Some(p) = doc[at..].find(from) {
                doc.replace_range(at + p..at + p + from.len(), to);
            }
        }
    }
}

/// `doc` (a valid model) with its muscle list emptied.
fn without_muscles(doc: &str) -> String {
    let mut spec = musculo::ModelSpec::parse(doc, "adult.ron").expect("a valid model");
    spec.leg.muscles.clear();
    ron::ser::to_string_pretty(&spec, Default::default()).expect("a model spec serialises")
}

/// A random document built from RON-ish tokens.
fn random_document(rng: &mut impl Rng) -> String {
    let n = rng.random_range(0..80);
    (0..n)
        .map(|_| {
            if rng.random_bool(0.3) {
                WEIRD_NUMBERS[rng.random_range(0..WEIRD_NUMBERS.len())]
            } else {
                TOKENS[rng.random_range(0..TOKENS.len())]
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_accepted(model: &Model) {
    for s in &model.segments {
        assert!(s.mass_kg > 0.0 && s.mass_kg.is_finite(), "{}", s.name);
        assert!(
            s.com_m.is_finite() && s.inertia_kg_m2.is_finite(),
            "{}",
            s.name
        );
    }
    for c in &model.coordinates {
        assert!((c.axis.length() - 1.0).abs() < 1e-9);
        assert!(c.range_rad.0 < c.range_rad.1);
    }
    for m in &model.muscles {
        for v in [
            m.max_isometric_force_n,
            m.optimal_fiber_length_m,
            m.tendon_slack_length_m,
            m.max_contraction_velocity_lopt_per_s,
        ] {
            assert!(v > 0.0 && v.is_finite(), "{}", m.name);
        }
        let l = m.path.evaluate(&model.neutral_pose()).length_m;
        assert!(l > 0.0 && l.is_finite(), "{}: {l}", m.name);
    }
}

/// A few steps of a walking trial of `model` with the muscle analysis: `Ok`, or the trial's
/// error as text (which must say something).
fn simulate_a_few_steps(model: Model, params: &WalkingParams) -> Result<(), String> {
    let mut trial =
        Trial::new(model, TrialSpec::default(), params.clone()).map_err(|e| e.to_string())?;
    trial
        .set_analysis(Some(AnalysisSettings::default()))
        .map_err(|e| e.to_string())?;
    for _ in 0..STEPS {
        trial.advance().map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[test]
fn hundred_thousand_random_and_mutated_documents_never_panic() {
    let params = WalkingParams::default();
    let muscle_free = without_muscles(ADULT_MODEL_RON);
    let mut simulation_errors = 0usize;
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_2026);
    let (mut accepted, mut rejected) = (0usize, [0usize; 7]);
    for i in 0..DOCUMENTS {
        let doc = if i % 10 == 9 {
            random_document(&mut rng)
        } else {
            let mut d = ADULT_MODEL_RON.to_owned();
            if i % 100 == 50 {
                // A model without muscles (issue 25: it passed the loader and then panicked
                // in the solver).
                d = muscle_free.clone();
            }
            for _ in 0..rng.random_range(1..=4) {
                mutate(&mut d, &mut rng);
            }
            d
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            Model::from_ron_str(&doc, "fuzz.ron", None)
        }));
        match outcome {
            Err(_) => panic!("document {i} made the loader panic:\n{doc}"),
            Ok(Ok(model)) => {
                check_accepted(&model);
                // An accepted model must also simulate, or fail with a clear error.
                match catch_unwind(AssertUnwindSafe(|| simulate_a_few_steps(model, &params))) {
                    Err(_) => panic!("document {i} was accepted, then its trial panicked:\n{doc}"),
                    Ok(Err(e)) => {
                        assert!(!e.is_empty(), "document {i}: an empty error");
                        simulation_errors += 1;
                    }
                    Ok(Ok(())) => {}
                }
                accepted += 1;
            }
            Ok(Err(e)) => {
                assert_eq!(e.file(), std::path::Path::new("fuzz.ron"));
                assert!(!e.to_string().is_empty());
                let k = match e {
                    ModelError::Io { .. } => 0,
                    ModelError::Syntax { .. } => 1,
                    ModelError::UnknownField { .. } => 2,
                    ModelError::MissingField { .. } => 3,
                    ModelError::UnknownReference { .. } => 4,
                    ModelError::Duplicate { .. } => 5,
                    ModelError::Invalid { ref field, .. } => {
                        assert!(!field.is_empty());
                        6
                    }
                };
                rejected[k] += 1;
            }
        }
    }
    eprintln!(
        "accepted {accepted} ({simulation_errors} of them stopped by a simulation error), rejected by kind [io, syntax, unknown field, missing field, unknown reference, duplicate, invalid] = {rejected:?}"
    );
    assert_eq!(accepted + rejected.iter().sum::<usize>(), DOCUMENTS);
    // The mutations must exercise validation, not only the parser.
    assert!(
        rejected[6] > 1000 && rejected[4] > 100 && accepted > 1000,
        "{accepted} {rejected:?}"
    );
}

#[test]
fn a_model_without_muscles_walks_and_only_its_muscle_analysis_is_refused() {
    let model = Model::from_ron_str(&without_muscles(ADULT_MODEL_RON), "no-muscles.ron", None)
        .expect("a skeleton without muscles is a model");
    assert!(model.muscles.is_empty());
    let mut trial = Trial::new(model, TrialSpec::default(), WalkingParams::default()).unwrap();
    for _ in 0..STEPS {
        trial
            .advance()
            .expect("the physics and inverse dynamics need no muscles");
    }
    // Either solver: a clear error, not a panic (Clarabel's was an index out of bounds).
    for solver in [ForceSharingSolver::Auto, ForceSharingSolver::Clarabel] {
        let settings = AnalysisSettings {
            static_optimization: StaticOptimizationSettings {
                solver,
                ..Default::default()
            },
            ..Default::default()
        };
        let e = trial.set_analysis(Some(settings)).unwrap_err();
        assert!(e.to_string().contains("no muscles"), "{e}");
    }
}
