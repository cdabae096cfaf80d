//! Static optimisation: sharing net joint moments among muscles, one frame at a time.
//!
//! Crowninshield & Brand 1981 ("A physiologically based criterion of muscle force prediction
//! in locomotion", J Biomech 14:793-801) and Anderson & Pandy 2001 (J Biomech Eng 123:381-390):
//!
//! ```text
//! minimise   Σ_m a_m^p + Σ_j |ρ_j|^p
//! subject to Σ_m r_jm(q) (a_m F̂_m + F^P_m) + R ρ_j = M_j     for every muscle-actuated coordinate j
//!            0 ≤ a_m ≤ 1
//! ```
//!
//! with `F̂_m = F_max f_L f_V cos α` and `F^P_m = F_max f_PE cos α` from the rigid-tendon fibre
//! state ([`crate::muscle`]), `r_jm` from the path polynomial and `p` the activation exponent
//! (2 by default; Crowninshield & Brand used 3). `ρ_j` are reserve actuators of optimal
//! torque `R` (1 N·m by default, as OpenSim's reserve actuators), penalised like muscles so that
//! they work only where the muscles cannot; their torque `R ρ_j` is returned as the residual.
//!
//! For `p = 2` (the default) the problem is a strictly convex, separable QP, solved exactly by a
//! semismooth Newton method on its dual (the primal–dual active set method; Hintermüller, Ito &
//! Kunisch 2002, SIAM J Optim 13:865-888; the method, its safeguards and sources are documented
//! in `static_opt/dual_newton.rs`), warm-started from the previous frame's multipliers and so
//! its active set. This takes a few microseconds a frame (`benches/static_optimisation.rs`); if
//! it ever fails to converge the frame falls back to Clarabel, and [`MuscleSolution::method`]
//! and [`StaticOptimizer::fallbacks`] say so.
//!
//! Clarabel (Goulart & Chen 2024, interior point, pure Rust, cold-started every frame) solves
//! the other cases and is the reference ([`ForceSharingSolver::Clarabel`]): the QP for `p = 2`
//! (with tolerances tightened to 10⁻¹⁰, see `CLARABEL_QP_TOLERANCE`),
//! and for other `p > 1` a conic program with one power cone per variable (`t ≥ |x|^p` ⟺
//! `(t, 1, x) ∈ K_pow(1/p)`). Coordinates crossed by no muscle are not part of the problem; their
//! whole moment is reported as residual (it comes from an ideal actuator).
//!
//! The solution is unique (the cost is strictly convex), so the warm start changes the result
//! only within the solvers' tolerances; the optimiser's state is that warm start and its work
//! buffers, which is why [`StaticOptimizer::solve`] takes `&mut self`.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, PowerConeT, SolverStatus,
    SupportedConeT, ZeroConeT,
};
use serde::{Deserialize, Serialize};

use crate::model::{CoordinateId, Model};
use crate::muscle::FiberState;

mod dual_newton;
use dual_newton::DualNewton;

/// Options of the force-sharing problem, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StaticOptimizationSettings {
    /// Exponent p of the activation cost Σ a^p, in (1, 10]. Default 2.
    pub activation_exponent: f64,
    /// Optimal torque R of each reserve actuator [N·m]. Default 1.
    pub reserve_optimal_torque_nm: f64,
    /// Include the force-velocity multiplier (true) or treat fibres as isometric. Default true.
    pub use_force_velocity: bool,
    /// Algorithm. Default [`ForceSharingSolver::Auto`] (the dual Newton method for `p = 2`,
    /// Clarabel otherwise); files written before this setting existed read as `Auto`.
    pub solver: ForceSharingSolver,
}

/// Which algorithm solves the force-sharing problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ForceSharingSolver {
    /// For `p = 2`, the semismooth Newton method on the dual (Hintermüller, Ito & Kunisch 2002),
    /// warm-started, with Clarabel as fallback if it fails; Clarabel for other `p`.
    #[default]
    Auto,
    /// Clarabel's interior point method for every `p`, cold-started each frame (the reference).
    Clarabel,
}

/// Which algorithm produced a [`MuscleSolution`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SolveMethod {
    /// The dual semismooth Newton (active-set) method.
    DualNewton,
    /// Clarabel, as chosen by the settings or because `p ≠ 2`.
    Clarabel,
    /// Clarabel, because the dual Newton method did not converge on this frame.
    ClarabelFallback,
}

impl Default for StaticOptimizationSettings {
    fn default() -> Self {
        Self {
            activation_exponent: 2.0,
            reserve_optimal_torque_nm: 1.0,
            use_force_velocity: true,
            solver: ForceSharingSolver::Auto,
        }
    }
}

/// Why a frame could not be solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// Settings out of range.
    #[error("static optimisation settings: {field}: {reason}")]
    Settings {
        /// Offending field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The model has no muscles: there is nothing to share the moments among, and an
    /// analysis of reserves alone would report zero muscle work and a resting metabolic rate
    /// as if they were results.
    #[error(
        "the model has no muscles, so there is no muscle force sharing to compute (the joint \
         moments of inverse dynamics need no muscles)"
    )]
    NoMuscles,
    /// An input vector has the wrong length.
    #[error(
        "static optimisation input `{input}` has {got} values; the model has {expected} coordinates"
    )]
    Length {
        /// Which input.
        input: &'static str,
        /// Its length.
        got: usize,
        /// The model's coordinate count.
        expected: usize,
    },
    /// An input is NaN or infinite.
    #[error(
        "static optimisation input `{input}` is not finite at coordinate `{coordinate}`: {value}"
    )]
    NonFinite {
        /// Which input.
        input: &'static str,
        /// Coordinate name.
        coordinate: String,
        /// The value.
        value: f64,
    },
    /// The solver did not converge.
    #[error("static optimisation did not converge: solver status {status}")]
    NotSolved {
        /// Clarabel's status.
        status: String,
    },
}

/// Muscle states that balance one frame's joint moments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MuscleSolution {
    /// Activation per muscle (indexed by [`crate::MuscleId`]) [-].
    pub activations: Vec<f64>,
    /// Tendon force per muscle \[N\].
    pub forces_n: Vec<f64>,
    /// Fibre state per muscle.
    pub fibers: Vec<FiberState>,
    /// Fibre power per muscle \[W\]: positive concentric, negative eccentric.
    pub fiber_power_w: Vec<f64>,
    /// Moment the muscles produce about each coordinate [N·m].
    pub muscle_moments_nm: Vec<f64>,
    /// Moment not produced by muscles about each coordinate [N·m]: the reserve actuator's torque
    /// for muscle-actuated coordinates, the whole required moment for the others.
    pub residual_moments_nm: Vec<f64>,
    /// Iterations used: Newton steps of the dual Newton method (0 when the warm start was
    /// already optimal), interior-point iterations of Clarabel.
    pub iterations: u32,
    /// Which algorithm produced this solution.
    pub method: SolveMethod,
}

/// A static-optimisation problem set up once for a model, with the warm start and the work
/// buffers of its solver (cloning it clones them).
#[derive(Debug, Clone)]
pub struct StaticOptimizer {
    settings: StaticOptimizationSettings,
    actuated: Vec<CoordinateId>,
    /// For each muscle, the positions in `actuated` of the coordinates its path crosses.
    muscle_rows: Vec<Vec<(usize, usize)>>,
    /// For each muscle, the start of its moment arms in `arms_m` (one per path coordinate).
    arm_start: Vec<usize>,
    /// This frame's moment arms \[m\] and right-hand side \[N·m\].
    arms_m: Vec<f64>,
    rhs: Vec<f64>,
    newton: DualNewton,
    fallbacks: u64,
}

impl StaticOptimizer {
    /// Prepares the problem structure for `model`, which must have muscles.
    pub fn new(model: &Model, settings: StaticOptimizationSettings) -> Result<Self, SolveError> {
        let p = settings.activation_exponent;
        if !(p.is_finite() && p > 1.0 && p <= 10.0) {
            return Err(SolveError::Settings {
                field: "activation_exponent",
                reason: format!("{p} is not in (1, 10]"),
            });
        }
        let r = settings.reserve_optimal_torque_nm;
        if !(r.is_finite() && r > 0.0 && r <= 1000.0) {
            return Err(SolveError::Settings {
                field: "reserve_optimal_torque_nm",
                reason: format!("{r} is not in (0, 1000] N·m"),
            });
        }
        if model.muscles.is_empty() {
            return Err(SolveError::NoMuscles);
        }
        let actuated = model.muscle_actuated_coordinates();
        let muscle_rows: Vec<Vec<(usize, usize)>> = model
            .muscles
            .iter()
            .map(|m| {
                m.path
                    .coordinates()
                    .iter()
                    .enumerate()
                    .filter_map(|(k, c)| actuated.iter().position(|a| a == c).map(|row| (k, row)))
                    .collect()
            })
            .collect();
        let mut arm_start = Vec::with_capacity(model.muscles.len() + 1);
        arm_start.push(0);
        for m in &model.muscles {
            arm_start.push(arm_start[arm_start.len() - 1] + m.path.coordinates().len());
        }
        let rows_only: Vec<Vec<usize>> = muscle_rows
            .iter()
            .map(|r| r.iter().map(|&(_, row)| row).collect())
            .collect();
        Ok(Self {
            settings,
            newton: DualNewton::new(actuated.len(), &rows_only, r),
            rhs: vec![0.0; actuated.len()],
            arms_m: vec![0.0; arm_start[arm_start.len() - 1]],
            arm_start,
            actuated,
            muscle_rows,
            fallbacks: 0,
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &StaticOptimizationSettings {
        &self.settings
    }

    /// Coordinates whose moments the muscles must balance, in row order.
    pub fn actuated_coordinates(&self) -> &[CoordinateId] {
        &self.actuated
    }

    /// How many frames the dual Newton method failed on and Clarabel solved instead, since this
    /// optimiser was made.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks
    }

    /// Forgets the warm start: the next frame is solved from a cold start, as the first one.
    pub fn reset_warm_start(&mut self) {
        self.newton.reset();
    }

    /// Solves one frame. `q` \[rad\], `qdot` [rad/s] and `moments_nm` (net joint moments from
    /// inverse dynamics, the moment the actuators must supply about each coordinate) are indexed
    /// by [`CoordinateId`].
    ///
    /// The dual Newton method starts from the previous frame's solution (see the module docs);
    /// the result does not depend on it beyond the solver tolerance.
    pub fn solve(
        &mut self,
        model: &Model,
        q: &[f64],
        qdot: &[f64],
        moments_nm: &[f64],
    ) -> Result<MuscleSolution, SolveError> {
        check_input(model, "q", q)?;
        check_input(model, "qdot", qdot)?;
        check_input(model, "moments_nm", moments_nm)?;
        let n_muscles = model.muscles.len();
        let reserve_nm = self.settings.reserve_optimal_torque_nm;

        // Fibre states and the moment-arm × force coefficients of every muscle.
        let mut fibers = Vec::with_capacity(n_muscles);
        for (row, c) in self.actuated.iter().enumerate() {
            self.rhs[row] = moments_nm[c.index()];
        }
        for (m, muscle) in model.muscles.iter().enumerate() {
            let path = muscle.path.evaluate(q);
            let mut fiber = muscle.rigid_tendon_state(&path, qdot);
            if !self.settings.use_force_velocity {
                fiber.force_velocity = 1.0;
            }
            let (active, passive) = fiber.force_per_activation(muscle.max_isometric_force_n);
            let entries = self.newton.entries(m);
            let coef = &mut self.newton.coefficients_mut()[entries];
            for (e, &(k, row)) in self.muscle_rows[m].iter().enumerate() {
                let r = path.moment_arms_m[k];
                self.rhs[row] -= r * passive;
                coef[e] = r * active;
            }
            let arms = &mut self.arms_m[self.arm_start[m]..self.arm_start[m + 1]];
            arms.copy_from_slice(&path.moment_arms_m[..arms.len()]);
            fibers.push(fiber);
        }

        let quadratic = self.settings.activation_exponent == 2.0;
        let newton = if quadratic && self.settings.solver == ForceSharingSolver::Auto {
            Some(self.newton.solve(&self.rhs))
        } else {
            None
        };
        let (activations, reserves, iterations, method) = match newton {
            Some(Some(iterations)) => (
                self.newton.activations().to_vec(),
                (0..self.actuated.len())
                    .map(|j| self.newton.reserve_control(j))
                    .collect(),
                iterations,
                SolveMethod::DualNewton,
            ),
            fell_back => {
                let method = if fell_back.is_some() {
                    self.fallbacks += 1;
                    SolveMethod::ClarabelFallback
                } else {
                    SolveMethod::Clarabel
                };
                let (mut x, iterations) = interior_point(
                    &self.newton,
                    &self.rhs,
                    reserve_nm,
                    self.settings.activation_exponent,
                    quadratic.then_some(CLARABEL_QP_TOLERANCE),
                )?;
                let reserves = x.split_off(n_muscles);
                (x, reserves, iterations, method)
            }
        };

        let mut forces_n = Vec::with_capacity(n_muscles);
        let mut fiber_power_w = Vec::with_capacity(n_muscles);
        let mut muscle_moments_nm = vec![0.0; model.coordinates.len()];
        for (m, muscle) in model.muscles.iter().enumerate() {
            let f = fibers[m].mtu_force_n(muscle.max_isometric_force_n, activations[m]);
            let arms = &self.arms_m[self.arm_start[m]..self.arm_start[m + 1]];
            for (c, arm) in muscle.path.coordinates().iter().zip(arms) {
                muscle_moments_nm[c.index()] += arm * f;
            }
            forces_n.push(f);
            fiber_power_w.push(fibers[m].fiber_power_w(f));
        }
        let mut residual_moments_nm = moments_nm.to_vec();
        for (row, c) in self.actuated.iter().enumerate() {
            residual_moments_nm[c.index()] = reserves[row] * reserve_nm;
        }
        Ok(MuscleSolution {
            activations,
            forces_n,
            fibers,
            fiber_power_w,
            muscle_moments_nm,
            residual_moments_nm,
            iterations,
            method,
        })
    }
}

/// Builds and solves the conic program with Clarabel for the coefficients held by `problem`
/// (its structure and this frame's `A`) and right-hand side `rhs` \[N·m\], reserve optimal
/// torque `reserve_nm` and cost exponent `p`, with Clarabel's default tolerances (10⁻⁸) unless
/// `tolerance` is given; returns `[a..., ρ...]` and the iteration count.
fn interior_point(
    problem: &DualNewton,
    rhs: &[f64],
    reserve_nm: f64,
    p: f64,
    tolerance: Option<f64>,
) -> Result<(Vec<f64>, u32), SolveError> {
    let n_m = problem.muscle_count();
    let n_r = rhs.len();
    let n = n_m + n_r;
    let quadratic = p == 2.0;
    let n_vars = if quadratic { n } else { 2 * n };

    let (mut rows, mut cols, mut vals) = (Vec::new(), Vec::new(), Vec::new());
    let mut b = Vec::new();
    // Moment equilibrium (zero cone).
    let coef = problem.coefficients();
    for m in 0..n_m {
        let entries = problem.entries(m);
        for (&row, &v) in problem.rows_of(m).iter().zip(&coef[entries]) {
            rows.push(row);
            cols.push(m);
            vals.push(v);
        }
    }
    for j in 0..n_r {
        rows.push(j);
        cols.push(n_m + j);
        vals.push(reserve_nm);
    }
    b.extend_from_slice(rhs);
    // Activation bounds (non-negative cone): a ≤ 1 and -a ≤ 0.
    let mut r = n_r;
    for m in 0..n_m {
        rows.extend([r, r + 1]);
        cols.extend([m, m]);
        vals.extend([1.0, -1.0]);
        b.extend([1.0, 0.0]);
        r += 2;
    }
    let mut cones: Vec<SupportedConeT<f64>> = vec![ZeroConeT(n_r), NonnegativeConeT(2 * n_m)];
    let (p_matrix, q) = if quadratic {
        // ½ xᵀ (2I) x = Σ x².
        (diagonal(n_vars, 2.0), vec![0.0; n_vars])
    } else {
        // Epigraph variables t_i ≥ |x_i|^p via (t_i, 1, x_i) ∈ K_pow(1/p); minimise Σ t_i.
        for i in 0..n {
            rows.extend([r, r + 2]);
            cols.extend([n + i, i]);
            vals.extend([-1.0, -1.0]);
            b.extend([0.0, 1.0, 0.0]);
            cones.push(PowerConeT(1.0 / p));
            r += 3;
        }
        let mut q = vec![0.0; n_vars];
        q[n..].fill(1.0);
        (CscMatrix::zeros((n_vars, n_vars)), q)
    };
    let a = CscMatrix::new_from_triplets(r, n_vars, rows, cols, vals);
    let mut settings = DefaultSettings {
        verbose: false,
        ..DefaultSettings::default()
    };
    if let Some(tol) = tolerance {
        settings.tol_gap_abs = tol;
        settings.tol_gap_rel = tol;
        settings.tol_feas = tol;
    }
    let mut solver = DefaultSolver::new(&p_matrix, &q, &a, &b, &cones, settings).map_err(|e| {
        SolveError::NotSolved {
            status: format!("setup failed: {e:?}"),
        }
    })?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => {
            let mut x = solver.solution.x;
            x.truncate(n);
            // Interior-point iterates sit strictly inside the bounds up to the tolerance.
            for a in &mut x[..n_m] {
                *a = a.clamp(0.0, 1.0);
            }
            Ok((x, solver.solution.iterations))
        }
        status => Err(SolveError::NotSolved {
            status: format!("{status:?}"),
        }),
    }
}

/// Clarabel's gap and feasibility tolerances for the QP (`p = 2`). Its defaults (10⁻⁸) are
/// relative to the cost, which leaves activations near a bound and reserves up to ~10⁻⁵ off;
/// as the reference of the dual Newton method it is asked for 10⁻¹⁰.
const CLARABEL_QP_TOLERANCE: f64 = 1e-10;

fn diagonal(n: usize, value: f64) -> CscMatrix<f64> {
    CscMatrix::new(n, n, (0..=n).collect(), (0..n).collect(), vec![value; n])
}

fn check_input(model: &Model, input: &'static str, values: &[f64]) -> Result<(), SolveError> {
    if values.len() != model.coordinates.len() {
        return Err(SolveError::Length {
            input,
            got: values.len(),
            expected: model.coordinates.len(),
        });
    }
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SolveError::NonFinite {
            input,
            coordinate: model.coordinates[i].name.clone(),
            value: *v,
        });
    }
    Ok(())
}
