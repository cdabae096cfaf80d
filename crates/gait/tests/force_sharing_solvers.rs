//! The fast force-sharing solver (dual semismooth Newton, warm-started from frame to frame) gives
//! Clarabel's solution on every frame of real walking, forward and backward, without ever falling
//! back to Clarabel: activations and reserve (residual) moments within 1e-6 (N·m), or, where
//! Clarabel's cost-relative tolerance is looser than that, a solution provably closer to the
//! optimum than Clarabel's.

use gait::Direction;
mod common;

use musculo::{
    CoordinateId, ForceSharingSolver, MuscleSolution, SolveMethod, StaticOptimizationSettings,
    StaticOptimizer,
};

/// Σ a² + Σ ρ² with the default reserve (1 N·m, so ρ is the residual moment).
fn cost(actuated: &[CoordinateId], s: &MuscleSolution) -> f64 {
    let a: f64 = s.activations.iter().map(|a| a * a).sum();
    a + actuated
        .iter()
        .map(|c| s.residual_moments_nm[c.index()].powi(2))
        .sum::<f64>()
}

/// Largest |muscle moment + reserve − required moment| \[N·m\].
fn equilibrium(actuated: &[CoordinateId], s: &MuscleSolution, moments: &[f64]) -> f64 {
    actuated
        .iter()
        .map(|c| {
            let i = c.index();
            (s.muscle_moments_nm[i] + s.residual_moments_nm[i] - moments[i]).abs()
        })
        .fold(0.0, f64::max)
}

#[test]
fn dual_newton_matches_clarabel_on_every_frame_of_walking() {
    for direction in [Direction::Forward, Direction::Backward] {
        let (model, result) = common::walk_with_muscles(direction, 4.0);

        // The same frames, solved again in order (so with the analyser's warm starts) and by
        // the reference.
        let mut fast = StaticOptimizer::new(&model, StaticOptimizationSettings::default()).unwrap();
        let mut reference = StaticOptimizer::new(
            &model,
            StaticOptimizationSettings {
                solver: ForceSharingSolver::Clarabel,
                ..Default::default()
            },
        )
        .unwrap();
        let actuated = model.muscle_actuated_coordinates();
        let (mut frames, mut steps, mut worst_a, mut worst_r) = (0, 0, 0.0_f64, 0.0_f64);
        let mut close = 0;
        for f in &result.frames {
            let m = f.muscles.as_ref().expect("analysis was on");
            let moments = &m.filtered_moments_nm;
            let sol = fast
                .solve(&model, &f.q_rad, &f.qdot_rad_s, moments)
                .unwrap();
            assert_eq!(sol.method, SolveMethod::DualNewton, "t={}", f.time_s);
            assert_eq!(
                sol.activations, m.activations,
                "the analyser's result, t={}",
                f.time_s
            );
            let ipm = reference
                .solve(&model, &f.q_rad, &f.qdot_rad_s, moments)
                .unwrap();
            assert_eq!(ipm.method, SolveMethod::Clarabel);
            // Clarabel's tolerances are relative to the cost (thousands in the first frames,
            // where the reserves carry the start-up transient), so where the two differ by more
            // than 1e-6 the dual Newton solution must be the better one: equilibrium as exact,
            // a cost no higher, and (the cost being strongly convex with modulus 2, so
            // ‖x − x*‖² ≤ f(x) − f(x*) for feasible x) a distance within √(f_ipm − f_fast).
            let (f_fast, f_ipm) = (cost(&actuated, &sol), cost(&actuated, &ipm));
            assert!(
                equilibrium(&actuated, &sol, moments) <= 1e-8,
                "t={}",
                f.time_s
            );
            assert!(
                f_fast <= f_ipm + 1e-9 * (1.0 + f_ipm),
                "{direction:?} t={}: cost {f_fast} > Clarabel's {f_ipm}",
                f.time_s
            );
            let allowance = 1e-6 + (f_ipm - f_fast).max(0.0).sqrt();
            let mut within = true;
            for (k, (a, b)) in sol.activations.iter().zip(&ipm.activations).enumerate() {
                worst_a = worst_a.max((a - b).abs());
                within &= (a - b).abs() <= 1e-6;
                assert!(
                    (a - b).abs() <= allowance,
                    "{direction:?} t={} muscle {k}: {a} vs Clarabel {b}",
                    f.time_s
                );
            }
            for &c in &actuated {
                let (r, s) = (
                    sol.residual_moments_nm[c.index()],
                    ipm.residual_moments_nm[c.index()],
                );
                worst_r = worst_r.max((r - s).abs());
                within &= (r - s).abs() <= 1e-6;
                assert!(
                    (r - s).abs() <= allowance,
                    "{direction:?} t={} {}: reserve {r} vs Clarabel {s} N·m",
                    f.time_s,
                    model.coordinates[c.index()].name
                );
            }
            close += usize::from(within);
            steps += sol.iterations;
            frames += 1;
        }
        assert!(frames >= 700, "{frames} frames");
        assert_eq!(fast.fallbacks(), 0);
        // Past the start-up transient every frame agrees within 1e-6.
        assert!(
            close * 10 >= frames * 9,
            "{close} of {frames} frames within 1e-6"
        );
        eprintln!(
            "{direction:?}: {frames} frames ({close} within 1e-6 of Clarabel), {:.2} Newton steps \
             a frame, max |Δa| {worst_a:.1e}, max |Δreserve| {worst_r:.1e} N·m",
            steps as f64 / frames as f64
        );
    }
}
