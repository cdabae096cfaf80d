//! Exact solver of the quadratic (p = 2) force-sharing problem: semismooth Newton on its dual.
//!
//! The problem, with `x = (a, ρ)` and `C = [A  R·I]` (`A_jm` the moment of muscle `m` about row
//! `j` per unit activation):
//!
//! ```text
//! minimise  Σ_m a_m² + Σ_j ρ_j²   subject to  A a + R ρ = b,   0 ≤ a_m ≤ 1,   ρ free.
//! ```
//!
//! It is strictly convex and separable with a diagonal Hessian, so its Lagrangian
//! `xᵀx − μᵀ(C x − b)` is minimised over the box in closed form for given multipliers `μ`:
//! `a_m(μ) = clamp((Aᵀμ)_m / 2, 0, 1)` and `ρ_j(μ) = R μ_j / 2`. The dual function
//! `g(μ) = min_{x in box} xᵀx − μᵀ(C x − b)` is concave and continuously differentiable with
//! `∇g(μ) = b − C x(μ)` (Danskin's theorem; Bertsekas 1999, *Nonlinear Programming*, 2nd ed.,
//! prop. B.25), and `μ*` maximises `g` exactly when `C x(μ*) = b`; then `x(μ*)` is the unique
//! primal solution (strong duality holds: the constraints are linear and the problem feasible,
//! since `ρ` is free).
//!
//! `C x(μ) = b` is piecewise linear in `μ`. It is solved by the semismooth Newton method
//! (Qi & Sun 1993, "A nonsmooth version of Newton's method", Math Program 58:353-367,
//! doi:10.1007/BF01581275) with the generalised Jacobian `½ (A_F A_Fᵀ + R² I)` over the set `F`
//! of muscles inside their bounds (one exactly at a bound counts as inside, a valid element of
//! the generalised Jacobian at the kink); the `R² I` of the always-free reserves keeps it
//! positive definite, so each step is one Cholesky factorisation of a rows × rows matrix. On
//! such box-constrained quadratic problems this Newton method is the primal–dual active set
//! method (Hintermüller, Ito & Kunisch 2002, "The primal-dual active set strategy as a
//! semismooth Newton method", SIAM J Optim 13:865-888, doi:10.1137/S1052623401383558): each step
//! solves the equality-constrained problem with the current active set fixed, and it terminates
//! once the active set repeats.
//!
//! Departures, for convergence from any start: the Newton step is backtracked (halved) until it
//! increases `g` by Armijo's test (Nocedal & Wright 2006, *Numerical Optimization*, 2nd ed.,
//! §3.1, `c₁ = 10⁻⁴`). If 40 halvings do not suffice (far from the solution, where muscles deep
//! in their bounds make the Newton matrix too small and its step far too long), the step uses
//! the matrix of all muscles, `M̄ = ½ (A Aᵀ + R² I)`: since `−∇²g ⪯ M̄` wherever `g` is twice
//! differentiable, `g(μ + d) ≥ g(μ) + ∇gᵀd − ½ dᵀ M̄ d`, so `d = M̄⁻¹ ∇g` increases `g` by at
//! least half its slope (a majorise–minimise step; Lange 2016, *MM Optimization Algorithms*,
//! SIAM, ch. 1). Armijo's test allows rounding-level changes of `g`, which stops changing in
//! floating point near the solution. A warm start that still fails within the step cap is
//! retried from `μ = 0`; if that fails too, the caller falls back to Clarabel.
//!
//! Termination: the last step was a full Newton step that kept the active set (so it solved
//! the current piece's linear equations exactly: the active set repeated), and
//! `‖C x(μ) − b‖∞ ≤ 10⁻¹⁰ max(1, ‖b‖∞)` (in the rows' unit, N·m). Since `x(μ)` minimises the
//! Lagrangian exactly, the residual is an optimality certificate: `x(μ)` is the exact solution
//! for a right-hand side within that tolerance of `b` (a point meeting the tolerance is also
//! accepted if no further step makes progress). Cold starts converge in a few steps; warm starts
//! from the previous frame's `μ` (and so its active set) take 1.4 on average on walking frames.

/// Newton steps before giving up (the caller then falls back to the interior-point solver).
const MAX_ITERATIONS: u32 = 100;
/// Halvings of a step before it is given up (the Newton step's backtracking; for the safeguard
/// step, against rounding only: in exact arithmetic its full step passes Armijo's test).
const MAX_HALVINGS: u32 = 40;
/// Armijo's sufficient-increase constant `c₁` (Nocedal & Wright 2006, §3.1).
const ARMIJO: f64 = 1e-4;
/// Relative tolerance on the equality residual.
const RESIDUAL_TOL: f64 = 1e-10;

/// The problem's structure, its per-frame coefficients and the work buffers, so that a solve
/// allocates nothing; the multipliers of the last solution are kept as the next warm start.
#[derive(Debug, Clone)]
pub(crate) struct DualNewton {
    rows: usize,
    /// Row of each nonzero of `A`, muscle by muscle: muscle `m` owns `start[m]..start[m + 1]`.
    row_of: Vec<usize>,
    start: Vec<usize>,
    /// `A`'s nonzeros in the layout of `row_of` [N·m per unit activation], set each frame.
    coef: Vec<f64>,
    /// Reserve optimal torque `R` [N·m].
    reserve: f64,
    /// Multipliers at the current iterate, and whether they hold a previous frame's solution.
    mu: Vec<f64>,
    warm: bool,
    /// Activations, `Aᵀμ` and the residual `C x − b` at the current iterate and at the trial
    /// point of the line search.
    a: Vec<f64>,
    s: Vec<f64>,
    residual: Vec<f64>,
    trial_mu: Vec<f64>,
    trial_a: Vec<f64>,
    trial_s: Vec<f64>,
    trial_residual: Vec<f64>,
    /// Newton direction, and the Newton matrix (rows × rows, row-major) and its Cholesky factor.
    direction: Vec<f64>,
    matrix: Vec<f64>,
    /// Whether the last line search accepted the full step.
    step_was_full: bool,
}

impl DualNewton {
    /// Sets up the structure: `muscle_rows[m]` lists the rows muscle `m` acts on.
    pub(crate) fn new(rows: usize, muscle_rows: &[Vec<usize>], reserve: f64) -> Self {
        let mut start = Vec::with_capacity(muscle_rows.len() + 1);
        let mut row_of = Vec::new();
        start.push(0);
        for r in muscle_rows {
            row_of.extend_from_slice(r);
            start.push(row_of.len());
        }
        let n_m = muscle_rows.len();
        Self {
            rows,
            coef: vec![0.0; row_of.len()],
            row_of,
            start,
            reserve,
            mu: vec![0.0; rows],
            warm: false,
            a: vec![0.0; n_m],
            s: vec![0.0; n_m],
            residual: vec![0.0; rows],
            trial_mu: vec![0.0; rows],
            trial_a: vec![0.0; n_m],
            trial_s: vec![0.0; n_m],
            trial_residual: vec![0.0; rows],
            direction: vec![0.0; rows],
            matrix: vec![0.0; rows * rows],
            step_was_full: false,
        }
    }

    /// `A`'s nonzeros, muscle by muscle in the order of the rows given to [`Self::new`]; the
    /// caller writes them before each [`Self::solve`].
    pub(crate) fn coefficients_mut(&mut self) -> &mut [f64] {
        &mut self.coef
    }

    /// `A`'s nonzeros as last written.
    pub(crate) fn coefficients(&self) -> &[f64] {
        &self.coef
    }

    /// Number of muscles (columns of `A`).
    pub(crate) fn muscle_count(&self) -> usize {
        self.start.len() - 1
    }

    /// Rows muscle `m` acts on, in the order of its entries.
    pub(crate) fn rows_of(&self, m: usize) -> &[usize] {
        &self.row_of[self.entries(m)]
    }

    /// Range of muscle `m`'s entries in [`Self::coefficients_mut`].
    pub(crate) fn entries(&self, m: usize) -> std::ops::Range<usize> {
        self.start[m]..self.start[m + 1]
    }

    /// Forgets the warm start: the next solve starts from `μ = 0`.
    pub(crate) fn reset(&mut self) {
        self.warm = false;
    }

    /// Activations of the last successful solve.
    pub(crate) fn activations(&self) -> &[f64] {
        &self.a
    }

    /// Reserve `j`'s control `ρ_j` [-] of the last successful solve.
    pub(crate) fn reserve_control(&self, j: usize) -> f64 {
        0.5 * self.reserve * self.mu[j]
    }

    /// Solves for right-hand side `b` (one value per row, N·m); returns the number of Newton
    /// steps, or `None` if it did not converge (then the warm start is forgotten).
    ///
    /// A warm start that fails (the previous frame's multipliers can be a poor start after a
    /// jump in the moments) is retried from a cold start before giving up; the count includes
    /// the steps of both.
    pub(crate) fn solve(&mut self, b: &[f64]) -> Option<u32> {
        debug_assert_eq!(b.len(), self.rows);
        let mut warm_steps = 0;
        if self.warm && self.mu.iter().all(|m| m.is_finite()) {
            match self.iterate(b) {
                Ok(steps) => return Some(steps),
                Err(steps) => warm_steps = steps,
            }
        }
        self.mu.fill(0.0);
        self.iterate(b).ok().map(|steps| steps + warm_steps)
    }

    /// Iterates from the current `μ`; the number of steps taken, as `Err` if it did not
    /// converge.
    fn iterate(&mut self, b: &[f64]) -> Result<u32, u32> {
        let tol = RESIDUAL_TOL * b.iter().fold(1.0_f64, |acc, v| acc.max(v.abs()));
        let mut g = self.evaluate(b, false);
        // Whether the last step was a full Newton step that kept the active set, so solved the
        // equations of the current piece exactly (true before the first step: a warm start
        // that already satisfies them needs no step).
        let mut kept_active_set = true;
        let mut iteration = 0;
        while iteration < MAX_ITERATIONS {
            if kept_active_set && max_abs(&self.residual) <= tol {
                self.warm = true;
                return Ok(iteration);
            }
            // The Newton step, backtracked until it increases g enough (or converges); if even
            // tiny steps do not, the safeguard step, backtracked only against rounding.
            let mut newton = true;
            let mut accepted = None;
            if self.direction(false) {
                accepted = self.line_search(b, g, tol, MAX_HALVINGS);
            }
            if accepted.is_none() {
                newton = false;
                if self.direction(true) {
                    accepted = self.line_search(b, g, tol, MAX_HALVINGS);
                }
            }
            let Some(g_trial) = accepted else { break };
            kept_active_set = newton
                && self.step_was_full
                && self
                    .s
                    .iter()
                    .zip(&self.trial_s)
                    .all(|(&s, &s_trial)| bound_of(s) == bound_of(s_trial));
            g = g_trial;
            std::mem::swap(&mut self.mu, &mut self.trial_mu);
            std::mem::swap(&mut self.a, &mut self.trial_a);
            std::mem::swap(&mut self.s, &mut self.trial_s);
            std::mem::swap(&mut self.residual, &mut self.trial_residual);
            iteration += 1;
        }
        // No further progress (or the step cap): the residual is still a certificate.
        if max_abs(&self.residual) <= tol {
            self.warm = true;
            return Ok(iteration);
        }
        self.warm = false;
        Err(iteration)
    }

    /// Tries `μ + t d` for `t = 1, ½, ¼, …` (at most `halvings` halvings); returns `g` at the
    /// first point that converged or passes Armijo's test (its values are in the trial buffers).
    fn line_search(&mut self, b: &[f64], g: f64, tol: f64, halvings: u32) -> Option<f64> {
        // ∇g·d = −r·d = rᵀ M⁻¹ r > 0.
        let slope = -dot(&self.residual, &self.direction);
        if !(slope > 0.0 && slope.is_finite()) {
            return None;
        }
        let mut t = 1.0;
        self.step_was_full = true;
        for _ in 0..=halvings {
            for j in 0..self.rows {
                self.trial_mu[j] = self.mu[j] + t * self.direction[j];
            }
            let g_trial = self.evaluate(b, true);
            let rounding = 1e-14 * (1.0 + g.abs());
            if max_abs(&self.trial_residual) <= tol || g_trial >= g + ARMIJO * t * slope - rounding
            {
                return Some(g_trial);
            }
            t *= 0.5;
            self.step_was_full = false;
        }
        None
    }

    /// Evaluates the primal minimiser `x(μ)`, the residual `C x(μ) − b` and the dual function
    /// `g(μ)` at `μ` (the trial point's buffers if `trial`).
    fn evaluate(&mut self, b: &[f64], trial: bool) -> f64 {
        let (mu, a, s, residual) = if trial {
            (
                &self.trial_mu,
                &mut self.trial_a,
                &mut self.trial_s,
                &mut self.trial_residual,
            )
        } else {
            (&self.mu, &mut self.a, &mut self.s, &mut self.residual)
        };
        let r = self.reserve;
        // Reserves: ρ = R μ / 2, contributing ρ² − μ R ρ = −R² μ² / 4 to g.
        let mut g = 0.0;
        for j in 0..self.rows {
            residual[j] = 0.5 * r * r * mu[j] - b[j];
            g += mu[j] * b[j] - 0.25 * r * r * mu[j] * mu[j];
        }
        for m in 0..a.len() {
            let range = self.start[m]..self.start[m + 1];
            let sm: f64 = self.row_of[range.clone()]
                .iter()
                .zip(&self.coef[range.clone()])
                .map(|(&j, &c)| c * mu[j])
                .sum();
            let am = (0.5 * sm).clamp(0.0, 1.0);
            for (&j, &c) in self.row_of[range.clone()].iter().zip(&self.coef[range]) {
                residual[j] += c * am;
            }
            s[m] = sm;
            a[m] = am;
            g += am * am - sm * am;
        }
        g
    }

    /// Solves `M d = −r` at the current iterate, with the Newton matrix `M = ½ (A_F A_Fᵀ + R² I)`
    /// or, if `all`, the safeguard's `M = ½ (A Aᵀ + R² I)`; false if the factorisation fails (it
    /// cannot in exact arithmetic: `M ⪰ ½ R² I`).
    fn direction(&mut self, all: bool) -> bool {
        let n = self.rows;
        let m_mat = &mut self.matrix;
        m_mat.fill(0.0);
        for j in 0..n {
            m_mat[j * n + j] = 0.5 * self.reserve * self.reserve;
        }
        for m in 0..self.a.len() {
            // At a kink (a bound reached exactly) either one-sided slope is a valid element of
            // the generalised Jacobian; counting the muscle as free makes the first step of a
            // cold start (μ = 0, every muscle at the kink a = 0) the unconstrained one, of the
            // right scale, instead of a reserves-only step that backtracking must shrink.
            let half_s = 0.5 * self.s[m];
            if !all && !(0.0..=1.0).contains(&half_s) {
                continue;
            }
            let range = self.start[m]..self.start[m + 1];
            for (&i, &ci) in self.row_of[range.clone()]
                .iter()
                .zip(&self.coef[range.clone()])
            {
                for (&j, &cj) in self.row_of[range.clone()]
                    .iter()
                    .zip(&self.coef[range.clone()])
                {
                    m_mat[i * n + j] += 0.5 * ci * cj;
                }
            }
        }
        if !cholesky_in_place(m_mat, n) {
            return false;
        }
        for j in 0..n {
            self.direction[j] = -self.residual[j];
        }
        cholesky_solve(m_mat, n, &mut self.direction);
        true
    }
}

/// Where `a = clamp(s / 2, 0, 1)` lies: at the lower bound (−1), free (0) or at the upper (1).
fn bound_of(s: f64) -> i8 {
    let half = 0.5 * s;
    if half <= 0.0 {
        -1
    } else if half >= 1.0 {
        1
    } else {
        0
    }
}

/// Cholesky factorisation `M = L Lᵀ` of a symmetric positive definite row-major `n × n` matrix,
/// `L` overwriting the lower triangle (Golub & Van Loan 2013, *Matrix Computations*, 4th ed.,
/// alg. 4.2.1); false if a pivot is not positive.
fn cholesky_in_place(m: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = m[j * n + j];
        for k in 0..j {
            d -= m[j * n + k] * m[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        m[j * n + j] = d;
        for i in j + 1..n {
            let mut v = m[i * n + j];
            for k in 0..j {
                v -= m[i * n + k] * m[j * n + k];
            }
            m[i * n + j] = v / d;
        }
    }
    true
}

/// Solves `L Lᵀ x = y` in place, `L` from [`cholesky_in_place`].
fn cholesky_solve(l: &[f64], n: usize, y: &mut [f64]) {
    for i in 0..n {
        let mut v = y[i];
        for k in 0..i {
            v -= l[i * n + k] * y[k];
        }
        y[i] = v / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut v = y[i];
        for k in i + 1..n {
            v -= l[k * n + i] * y[k];
        }
        y[i] = v / l[i * n + i];
    }
}

/// Largest magnitude; infinite if any value is NaN (so a NaN residual never passes a test).
fn max_abs(v: &[f64]) -> f64 {
    let mut max = 0.0_f64;
    for x in v {
        if x.is_nan() {
            return f64::INFINITY;
        }
        max = max.max(x.abs());
    }
    max
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::static_opt::interior_point;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A problem from explicit columns: `columns[m]` lists `(row, coefficient)`.
    fn problem(rows: usize, columns: &[Vec<(usize, f64)>], reserve: f64) -> DualNewton {
        let structure: Vec<Vec<usize>> = columns
            .iter()
            .map(|c| c.iter().map(|&(r, _)| r).collect())
            .collect();
        let mut dn = DualNewton::new(rows, &structure, reserve);
        let coef: Vec<f64> = columns.iter().flatten().map(|&(_, v)| v).collect();
        dn.coefficients_mut().copy_from_slice(&coef);
        dn
    }

    #[test]
    fn bounds_at_zero_and_one_are_exact_and_reserves_take_the_rest() {
        // Row 0: an agonist that can give 100 N·m, an antagonist; 150 N·m are asked.
        // Row 1: one muscle of 10 N·m per unit activation, 5 N·m asked.
        let mut dn = problem(
            2,
            &[vec![(0, 100.0)], vec![(0, -100.0)], vec![(1, 10.0)]],
            1.0,
        );
        let it = dn.solve(&[150.0, 5.0]).expect("converges");
        assert!(it > 0);
        let a = dn.activations();
        assert_eq!(a[0], 1.0, "agonist saturates");
        assert_eq!(a[1], 0.0, "antagonist is off");
        assert!((dn.reserve_control(0) - 50.0).abs() < 1e-9);
        // Free: a = 5μ, ρ = μ/2 with 10 a + ρ = 5, so μ = 5/50.5.
        let mu = 5.0 / 50.5;
        assert!((a[2] - 5.0 * mu).abs() < 1e-12, "{}", a[2]);
        assert!((dn.reserve_control(1) - 0.5 * mu).abs() < 1e-12);
    }

    #[test]
    fn a_moment_no_muscle_can_produce_goes_to_the_reserve() {
        // Both muscles pull row 0 positive; −30 N·m are asked. Reserve of 2 N·m: ρ = −15.
        let mut dn = problem(2, &[vec![(0, 40.0), (1, 5.0)], vec![(0, 20.0)]], 2.0);
        dn.solve(&[-30.0, 0.0]).expect("converges");
        assert_eq!(dn.activations(), &[0.0, 0.0]);
        assert!((2.0 * dn.reserve_control(0) + 30.0).abs() < 1e-9);
        assert!(dn.reserve_control(1).abs() < 1e-12);
    }

    #[test]
    fn random_problems_match_clarabel_from_cold_and_warm_starts() {
        let mut rng = ChaCha8Rng::seed_from_u64(24);
        let (mut worst, mut loose) = (0.0_f64, 0.0_f64);
        let (mut solved, mut failed) = (0, 0);
        for case in 0..300 {
            let rows = rng.random_range(1..=8);
            let muscles = rng.random_range(1..=30);
            let reserve = [0.5, 1.0, 5.0][rng.random_range(0..3)];
            let columns: Vec<Vec<(usize, f64)>> = (0..muscles)
                .map(|_| {
                    let first = rng.random_range(0..rows);
                    let mut col = vec![(first, 0.0)];
                    if rows > 1 && rng.random_range(0..2) == 1 {
                        col.push(((first + 1) % rows, 0.0));
                    }
                    for e in &mut col {
                        let sign = if rng.random_range(0..4) == 0 {
                            -1.0
                        } else {
                            1.0
                        };
                        e.1 = sign * rng.random_range(1.0..300.0);
                    }
                    col
                })
                .collect();
            let mut dn = problem(rows, &columns, reserve);
            // A sequence of right-hand sides, each solved warm from the previous one and cold.
            for step in 0..3 {
                // Moments mostly within the muscles' reach (some activations beyond the bounds,
                // plus noise for the reserves): Clarabel's relative tolerance then still means
                // activations within 1e-6 (with reserves of hundreds of N·m it does not).
                let mut b: Vec<f64> = (0..rows).map(|_| rng.random_range(-20.0..20.0)).collect();
                for col in &columns {
                    let u = rng.random_range(-0.3..1.3);
                    for &(j, c) in col {
                        b[j] += c * u;
                    }
                }
                let mut cold = dn.clone();
                cold.reset();
                let Some(it) = dn.solve(&b) else {
                    failed += 1;
                    continue;
                };
                if cold.solve(&b).is_none() {
                    failed += 1;
                    continue;
                }
                solved += 1;
                // Clarabel's default tolerances are relative to the cost, so its activations can
                // be 1e-5 off where reserves are large; the reference is solved more tightly.
                let (x, _) =
                    interior_point(&dn, &b, reserve, 2.0, Some(1e-11)).expect("Clarabel solves");
                // The strongly convex cost (modulus 2) bounds the distance to the optimum:
                // ‖x − x*‖² ≤ f(x) − f(x*) for feasible x. So the dual Newton solution must cost no
                // more than Clarabel's (up to what their residuals r are worth, μᵀr to first
                // order), and Clarabel's can be off by at most √(f_ipm − f_dn).
                let control: Vec<f64> = (0..rows).map(|j| dn.reserve_control(j)).collect();
                let cost = |a: &[f64], r: &[f64]| a.iter().chain(r).map(|v| v * v).sum::<f64>();
                let residual = |a: &[f64], r: &[f64]| {
                    let mut res: Vec<f64> = b.iter().map(|v| -v).collect();
                    for (m, col) in columns.iter().enumerate() {
                        for &(j, c) in col {
                            res[j] += c * a[m];
                        }
                    }
                    for j in 0..rows {
                        res[j] += reserve * r[j];
                    }
                    res
                };
                let r_dn = residual(dn.activations(), &control);
                let r_ipm = residual(&x[..muscles], &x[muscles..]);
                let mut worth = 0.0;
                for j in 0..rows {
                    assert!(
                        r_dn[j].abs() <= 1e-10 * (1.0 + b[j].abs()),
                        "case {case}: residual {r_dn:?}"
                    );
                    worth += dn.mu[j].abs() * (r_dn[j].abs() + r_ipm[j].abs());
                }
                let (f_dn, f_ipm) = (
                    cost(dn.activations(), &control),
                    cost(&x[..muscles], &x[muscles..]),
                );
                assert!(
                    f_dn <= f_ipm + worth + 1e-12 * (1.0 + f_ipm),
                    "case {case}: cost {f_dn} > Clarabel's {f_ipm} + {worth}"
                );
                let allowance = 1e-6 + (f_ipm - f_dn).max(0.0).sqrt();
                loose = loose.max(allowance);
                for (m, (&a, &a_ref)) in dn.activations().iter().zip(&x).enumerate() {
                    assert!((0.0..=1.0).contains(&a));
                    assert!(
                        (a - cold.activations()[m]).abs() <= 1e-9,
                        "case {case}: warm≠cold"
                    );
                    worst = worst.max((a - a_ref).abs());
                    assert!(
                        (a - a_ref).abs() <= allowance,
                        "case {case} step {step} ({it} steps) muscle {m}: {a} vs Clarabel {a_ref}"
                    );
                }
                for j in 0..rows {
                    let (rho, rho_ref) = (dn.reserve_control(j), x[muscles + j]);
                    assert!(
                        (rho - rho_ref).abs() <= allowance,
                        "case {case} reserve {j}: {rho} vs Clarabel {rho_ref}"
                    );
                }
            }
        }
        assert!(worst > 0.0, "compared something");
        // Each problem converged warm (or, after a failed warm start, cold) and cold.
        assert_eq!(failed, 0, "{failed} failures in {} solves", solved + failed);
        // Clarabel's tolerance, not the dual Newton solution, is what needs the allowance.
        assert!(loose < 1e-3, "allowance {loose}");
    }

    #[test]
    fn a_warm_start_at_the_solution_takes_no_step() {
        let mut dn = problem(1, &[vec![(0, 50.0)], vec![(0, 30.0)]], 1.0);
        assert!(dn.solve(&[20.0]).expect("converges") > 0);
        assert_eq!(dn.solve(&[20.0]), Some(0));
    }

    #[test]
    fn cholesky_solves_a_known_system() {
        // M = [[4, 2], [2, 3]], M x = [2, 1] → x = [0.5, 0].
        let mut m = vec![4.0, 2.0, 2.0, 3.0];
        assert!(cholesky_in_place(&mut m, 2));
        let mut y = vec![2.0, 1.0];
        cholesky_solve(&m, 2, &mut y);
        assert!((y[0] - 0.5).abs() < 1e-15 && y[1].abs() < 1e-15, "{y:?}");
        let mut singular = vec![1.0, 1.0, 1.0, 1.0];
        assert!(!cholesky_in_place(&mut singular, 2));
    }
}
