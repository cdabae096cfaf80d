//! Static optimisation shares joint moments among muscles: equilibrium holds, analytic cases
//! (one muscle, two identical muscles) come out exactly, moments the muscles cannot produce
//! appear as reported residuals, random valid frames always give bounded activations, and the
//! default dual Newton solver agrees with Clarabel whatever its warm start.

use std::path::Path;

use glam::DVec3;
use musculo::spec::{ModelSpec, MuscleGroup, MuscleSpec, PathSpec, TermSpec};
use musculo::{
    ADULT_MODEL_RON, ForceSharingSolver, Model, SolveError, SolveMethod,
    StaticOptimizationSettings, StaticOptimizer, curves, knee_loads,
};
use proptest::prelude::*;

fn adult() -> Model {
    Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).unwrap()
}

/// A knee extensor with a constant 5 cm moment arm whose fibres are optimal at full extension.
fn knee_extensor(name: &str) -> MuscleSpec {
    MuscleSpec {
        name: name.into(),
        source: "test".into(),
        group: MuscleGroup::Quadriceps,
        max_isometric_force_n: 1000.0,
        optimal_fiber_length_m: 0.1,
        tendon_slack_length_m: 0.2,
        pennation_at_optimal_rad: 0.0,
        max_contraction_velocity_lopt_per_s: 10.0,
        reference_subject: Some(musculo::spec::SubjectSpec {
            height_m: 1.75,
            mass_kg: 70.0,
        }),
        volume: vec![],
        path: PathSpec {
            coordinates: vec!["knee_flexion".into()],
            // l = 0.3 + 0.05 q: lengthens with flexion, moment arm -0.05 m (extensor).
            terms: vec![
                TermSpec {
                    coefficient: 0.3,
                    exponents: vec![0],
                },
                TermSpec {
                    coefficient: 0.05,
                    exponents: vec![1],
                },
            ],
            fit_rms_error_m: None,
            fit_max_error_m: None,
            moment_arm_rms_error_m: None,
        },
        display_points: vec![],
    }
}

fn model_with(muscles: Vec<MuscleSpec>) -> Model {
    let mut spec: ModelSpec = ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").unwrap();
    spec.leg.muscles = muscles;
    Model::compile(spec, Path::new("test.ron"), None).unwrap()
}

fn knee_moment(model: &Model, moment: f64) -> Vec<f64> {
    let mut m = vec![0.0; model.coordinate_count()];
    m[model.coordinate_id("knee_flexion_r").unwrap().index()] = moment;
    m
}

#[test]
fn one_muscle_matches_the_closed_form_solution() {
    let model = model_with(vec![knee_extensor("ext")]);
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let q = model.neutral_pose();
    let moment = -20.0;
    let sol = so
        .solve(&model, &q, &q, &knee_moment(&model, moment))
        .unwrap();
    // min a² + ρ² s.t. c a + ρ = M with c = r F_max f_L(1): a = M c / (c² + 1), ρ = M / (c² + 1).
    let c = -0.05 * 1000.0 * curves::active_force_length(1.0);
    let a = moment * c / (c * c + 1.0);
    let rho = moment / (c * c + 1.0);
    let right = model.muscle_id("ext_r").unwrap().index();
    let left = model.muscle_id("ext_l").unwrap().index();
    assert!(
        (sol.activations[right] - a).abs() < 1e-6,
        "{} vs {a}",
        sol.activations[right]
    );
    assert!(sol.activations[left].abs() < 1e-6, "unloaded left knee");
    let knee = model.coordinate_id("knee_flexion_r").unwrap().index();
    assert!((sol.residual_moments_nm[knee] - rho).abs() < 1e-6);
    assert!((sol.forces_n[right] - a * 1000.0 * curves::active_force_length(1.0)).abs() < 1e-3);
}

#[test]
fn two_identical_muscles_share_equally() {
    let model = model_with(vec![knee_extensor("a"), knee_extensor("b")]);
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let q = model.neutral_pose();
    let sol = so
        .solve(&model, &q, &q, &knee_moment(&model, -30.0))
        .unwrap();
    let a = sol.activations[model.muscle_id("a_r").unwrap().index()];
    let b = sol.activations[model.muscle_id("b_r").unwrap().index()];
    assert!((a - b).abs() < 1e-7, "{a} vs {b}");
    let c = -50.0 * curves::active_force_length(1.0);
    assert!((a - (-30.0 * c / (2.0 * c * c + 1.0))).abs() < 1e-6);
}

#[test]
fn infeasible_moment_is_reported_as_residual_never_hidden() {
    let model = model_with(vec![knee_extensor("ext")]);
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let q = model.neutral_pose();
    let sol = so
        .solve(&model, &q, &q, &knee_moment(&model, -200.0))
        .unwrap();
    let knee = model.coordinate_id("knee_flexion_r").unwrap().index();
    let max_muscle = -50.0 * curves::active_force_length(1.0);
    assert!((sol.activations[model.muscle_id("ext_r").unwrap().index()] - 1.0).abs() < 1e-6);
    assert!(
        (sol.residual_moments_nm[knee] - (-200.0 - max_muscle)).abs() < 1e-4,
        "{}",
        sol.residual_moments_nm[knee]
    );
    // A flexion moment cannot be produced by an extensor at all.
    let sol = so
        .solve(&model, &q, &q, &knee_moment(&model, 40.0))
        .unwrap();
    assert!(sol.activations[model.muscle_id("ext_r").unwrap().index()] < 1e-6);
    assert!((sol.residual_moments_nm[knee] - 40.0).abs() < 1e-4);
}

#[test]
fn coordinates_without_muscles_report_their_whole_moment_as_residual() {
    let model = adult();
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let lumbar = model.coordinate_id("lumbar_extension").unwrap();
    assert!(!so.actuated_coordinates().contains(&lumbar));
    let q = model.neutral_pose();
    let mut moments = vec![0.0; q.len()];
    moments[lumbar.index()] = 12.5;
    let sol = so.solve(&model, &q, &q, &moments).unwrap();
    assert_eq!(sol.residual_moments_nm[lumbar.index()], 12.5);
}

#[test]
fn cubic_cost_keeps_equilibrium_and_spreads_activation_more_evenly() {
    let model = adult();
    let q = {
        let mut q = model.neutral_pose();
        q[model.coordinate_id("knee_flexion_r").unwrap().index()] = 0.4;
        q
    };
    let moments = knee_moment(&model, -60.0);
    let solve = |p: f64| {
        let mut so = StaticOptimizer::new(
            &model,
            StaticOptimizationSettings {
                activation_exponent: p,
                ..Default::default()
            },
        )
        .unwrap();
        so.solve(&model, &q, &vec![0.0; q.len()], &moments).unwrap()
    };
    let (sq, cu) = (solve(2.0), solve(3.0));
    let knee = model.coordinate_id("knee_flexion_r").unwrap().index();
    for s in [&sq, &cu] {
        assert!((s.muscle_moments_nm[knee] + s.residual_moments_nm[knee] + 60.0).abs() < 1e-4);
    }
    let peak = |s: &musculo::MuscleSolution| s.activations.iter().cloned().fold(0.0, f64::max);
    assert!(
        peak(&cu) <= peak(&sq) + 1e-6,
        "cubic {} vs square {}",
        peak(&cu),
        peak(&sq)
    );
}

#[test]
fn bad_inputs_and_settings_are_errors_not_panics() {
    let model = adult();
    assert!(matches!(
        StaticOptimizer::new(
            &model,
            StaticOptimizationSettings {
                activation_exponent: 0.5,
                ..Default::default()
            }
        ),
        Err(SolveError::Settings {
            field: "activation_exponent",
            ..
        })
    ));
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let q = model.neutral_pose();
    let mut moments = vec![0.0; q.len()];
    moments[3] = f64::NAN;
    let err = so.solve(&model, &q, &q, &moments).unwrap_err();
    assert!(
        matches!(
            &err,
            SolveError::NonFinite {
                input: "moments_nm",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&model.coordinates[3].name));
    assert!(matches!(
        so.solve(&model, &q[..3], &q, &q),
        Err(SolveError::Length { .. })
    ));
    // A model without muscles has nothing to share; Clarabel panicked on the empty problem.
    let mut spec = ModelSpec::parse(ADULT_MODEL_RON, "adult.ron").unwrap();
    spec.leg.muscles.clear();
    let bare = Model::compile(spec, Path::new("bare.ron"), None).unwrap();
    for solver in [ForceSharingSolver::Auto, ForceSharingSolver::Clarabel] {
        let settings = StaticOptimizationSettings {
            solver,
            ..Default::default()
        };
        assert!(matches!(
            StaticOptimizer::new(&bare, settings),
            Err(SolveError::NoMuscles)
        ));
    }
}

#[test]
fn knee_loads_add_muscle_forces_to_the_axial_intersegmental_force() {
    let model = adult();
    let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let mut q = model.neutral_pose();
    let knee = model.coordinate_id("knee_flexion_r").unwrap().index();
    q[knee] = 20f64.to_radians();
    let sol = so
        .solve(&model, &q, &vec![0.0; q.len()], &knee_moment(&model, -50.0))
        .unwrap();
    // The thigh pushes down on the shank with 700 N.
    let loads = knee_loads(
        &model,
        model.joint_id("knee_r").unwrap(),
        &sol.forces_n,
        q[knee],
        DVec3::new(30.0, -700.0, 0.0),
    );
    let quads: f64 = ["vasti_r", "rect_fem_r"]
        .iter()
        .map(|n| sol.forces_n[model.muscle_id(n).unwrap().index()])
        .sum();
    assert!(
        quads > 50.0 / 0.06,
        "quadriceps must carry the extension moment: {quads} N"
    );
    assert!((loads.quadriceps_force_n - quads).abs() < 1e-9);
    assert!(loads.tibiofemoral_n >= 700.0 + quads - 1e-9);
    assert!(
        (loads.patellofemoral_n - musculo::knee::patellofemoral_ratio(q[knee]) * quads).abs()
            < 1e-9
    );
    let knee_l = model.joint_id("knee_l").unwrap();
    let left = knee_loads(&model, knee_l, &sol.forces_n, 0.0, DVec3::ZERO);
    assert!(left.quadriceps_force_n < 0.05 * quads);
}

fn random_frame() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>)> {
    let model = adult();
    let n = model.coordinate_count();
    let ranges: Vec<(f64, f64)> = model.coordinates.iter().map(|c| c.range_rad).collect();
    (
        proptest::collection::vec(0.0f64..1.0, n),
        proptest::collection::vec(-6.0f64..6.0, n),
        proptest::collection::vec(-150.0f64..150.0, n),
    )
        .prop_map(move |(u, qd, m)| {
            let q = u
                .iter()
                .zip(&ranges)
                .map(|(u, (lo, hi))| lo + u * (hi - lo))
                .collect();
            (q, qd, m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_frames_satisfy_equilibrium_and_bounds((q, qdot, moments) in random_frame()) {
        let model = adult();
        let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
        let sol = so.solve(&model, &q, &qdot, &moments).unwrap();
        for (i, a) in sol.activations.iter().enumerate() {
            prop_assert!((0.0..=1.0).contains(a), "activation {i} = {a}");
            prop_assert!(sol.forces_n[i] >= 0.0 && sol.forces_n[i].is_finite());
        }
        for c in so.actuated_coordinates() {
            let i = c.index();
            let total = sol.muscle_moments_nm[i] + sol.residual_moments_nm[i];
            prop_assert!((total - moments[i]).abs() < 1e-4 * moments[i].abs().max(1.0),
                "{}: {} + {} != {}", model.coordinates[i].name, sol.muscle_moments_nm[i], sol.residual_moments_nm[i], moments[i]);
        }
        // Fibre power is force times shortening speed, within the numerical noise of the solve.
        for (i, p) in sol.fiber_power_w.iter().enumerate() {
            let expect = -sol.forces_n[i] * sol.fibers[i].mtu_velocity_mps;
            prop_assert!((p - expect).abs() < 1e-9);
        }
    }
}

#[test]
fn the_solver_setting_picks_the_method_and_both_agree() {
    let model = adult();
    let mut q = model.neutral_pose();
    q[model.coordinate_id("knee_flexion_r").unwrap().index()] = 0.3;
    let mut moments = knee_moment(&model, -45.0);
    moments[model.coordinate_id("hip_flexion_r").unwrap().index()] = 30.0;
    let solve = |solver, p| {
        let settings = StaticOptimizationSettings {
            activation_exponent: p,
            solver,
            ..Default::default()
        };
        let mut so = StaticOptimizer::new(&model, settings).unwrap();
        so.solve(&model, &q, &vec![0.0; q.len()], &moments).unwrap()
    };
    let fast = solve(ForceSharingSolver::Auto, 2.0);
    let ipm = solve(ForceSharingSolver::Clarabel, 2.0);
    assert_eq!(fast.method, SolveMethod::DualNewton);
    assert_eq!(ipm.method, SolveMethod::Clarabel);
    assert_eq!(
        solve(ForceSharingSolver::Auto, 3.0).method,
        SolveMethod::Clarabel
    );
    // Clarabel leaves degenerate zero activations (at the bound with a zero bound multiplier)
    // a few 1e-6 inside; the dual Newton method puts them exactly at 0.
    for (a, b) in fast.activations.iter().zip(&ipm.activations) {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
    for (a, b) in fast
        .residual_moments_nm
        .iter()
        .zip(&ipm.residual_moments_nm)
    {
        assert!((a - b).abs() < 1e-6, "{a} vs {b} N·m");
    }
    // Settings written before the solver setting existed still read, as the default solver.
    let old: StaticOptimizationSettings = ron::from_str("(activation_exponent: 2.0)").unwrap();
    assert_eq!(old.solver, ForceSharingSolver::Auto);
    let new: StaticOptimizationSettings = ron::from_str("(solver: Clarabel)").unwrap();
    assert_eq!(new.solver, ForceSharingSolver::Clarabel);
}

#[test]
fn a_warm_start_does_not_change_the_solution() {
    let model = adult();
    let q = model.neutral_pose();
    let mut warm = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
    let zero = vec![0.0; q.len()];
    warm.solve(&model, &q, &zero, &knee_moment(&model, 35.0))
        .unwrap();
    let moments = knee_moment(&model, -70.0);
    let from_warm = warm.solve(&model, &q, &zero, &moments).unwrap();
    warm.reset_warm_start();
    let from_cold = warm.solve(&model, &q, &zero, &moments).unwrap();
    assert!(from_cold.iterations > 0);
    for (a, b) in from_warm.activations.iter().zip(&from_cold.activations) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
    assert_eq!(warm.fallbacks(), 0);
}
