//! Musculotendon length and moment arms as a polynomial of joint coordinates.
//!
//! Van den Bogert, Geijtenbeek, Even-Zohar, Steenbrink & Hardin (2013), "A real-time system for
//! biomechanical analysis of human movement and muscle function", Med Biol Eng Comput
//! 51:1069-1077, doi:10.1007/s11517-013-1076-z: the length of each muscle-tendon unit is a
//! polynomial `l(q) = Σ_k c_k Π_i q_i^{e_ki}` fitted to an anatomical model's path geometry, and
//! its moment arm about coordinate `q_i` is `r_i = -∂l/∂q_i` (principle of virtual work,
//! An, Takahashi, Harrigan & Chao 1984), evaluated analytically. Length and moment arm are
//! therefore consistent by construction; a positive moment arm means the muscle's tension
//! drives the coordinate in its positive direction.

use serde::Serialize;

use crate::model::CoordinateId;

/// A polynomial musculotendon path over a few coordinates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Path {
    coordinates: Vec<CoordinateId>,
    /// Coefficients [m / rad^degree].
    coefficients: Vec<f64>,
    /// Exponents, `coordinates.len()` per term, row-major.
    exponents: Vec<u32>,
}

/// Length and moment arms of a path at one pose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathState {
    /// Musculotendon length \[m\].
    pub length_m: f64,
    /// Moment arms about the path's coordinates, in the order of [`Path::coordinates`] \[m\].
    pub moment_arms_m: [f64; Path::MAX_COORDINATES],
}

impl Path {
    /// Most coordinates a path may cross (two joints with at most two coordinates each, or a
    /// three-coordinate hip).
    pub const MAX_COORDINATES: usize = 4;

    /// Builds a path. The caller (the model compiler) has checked the shapes.
    pub(crate) fn new(coordinates: Vec<CoordinateId>, terms: Vec<(f64, Vec<u32>)>) -> Self {
        let mut coefficients = Vec::with_capacity(terms.len());
        let mut exponents = Vec::with_capacity(terms.len() * coordinates.len());
        for (c, e) in terms {
            coefficients.push(c);
            exponents.extend(e);
        }
        Self {
            coordinates,
            coefficients,
            exponents,
        }
    }

    /// Multiplies every coefficient by `factor` (scaling a path to a taller or shorter subject).
    pub(crate) fn scaled(mut self, factor: f64) -> Self {
        for c in &mut self.coefficients {
            *c *= factor;
        }
        self
    }

    /// The coordinates the path crosses.
    pub fn coordinates(&self) -> &[CoordinateId] {
        &self.coordinates
    }

    /// Whether the path crosses `coordinate`.
    pub fn crosses(&self, coordinate: CoordinateId) -> bool {
        self.coordinates.contains(&coordinate)
    }

    /// Evaluates length and moment arms. `q` holds every coordinate of the model \[rad\],
    /// indexed by [`CoordinateId`].
    pub fn evaluate(&self, q: &[f64]) -> PathState {
        let n = self.coordinates.len();
        let mut x = [0.0; Self::MAX_COORDINATES];
        for (xi, id) in x.iter_mut().zip(&self.coordinates) {
            *xi = q[id.index()];
        }
        let mut length = 0.0;
        let mut gradient = [0.0; Self::MAX_COORDINATES];
        for (k, &c) in self.coefficients.iter().enumerate() {
            let e = &self.exponents[k * n..(k + 1) * n];
            let mut powers = [1.0; Self::MAX_COORDINATES];
            for i in 0..n {
                powers[i] = x[i].powi(e[i] as i32);
            }
            let product: f64 = powers[..n].iter().product();
            length += c * product;
            for i in 0..n {
                if e[i] == 0 {
                    continue;
                }
                // ∂/∂x_i of x_i^e = e x_i^(e-1); the other factors are unchanged.
                let mut d = c * f64::from(e[i]) * x[i].powi(e[i] as i32 - 1);
                for (j, p) in powers[..n].iter().enumerate() {
                    if j != i {
                        d *= p;
                    }
                }
                gradient[i] += d;
            }
        }
        let mut moment_arms_m = [0.0; Self::MAX_COORDINATES];
        for i in 0..n {
            moment_arms_m[i] = -gradient[i];
        }
        PathState {
            length_m: length,
            moment_arms_m,
        }
    }

    /// Moment arm about `coordinate` at `q` \[m\]; zero if the path does not cross it.
    pub fn moment_arm(&self, q: &[f64], coordinate: CoordinateId) -> f64 {
        match self.coordinates.iter().position(|&c| c == coordinate) {
            Some(i) => self.evaluate(q).moment_arms_m[i],
            None => 0.0,
        }
    }

    /// Rate of change of length [m/s] given coordinate speeds `qdot` [rad/s]:
    /// `dl/dt = Σ_i (∂l/∂q_i) q̇_i = -Σ_i r_i q̇_i`.
    pub fn lengthening_speed(&self, state: &PathState, qdot: &[f64]) -> f64 {
        -self
            .coordinates
            .iter()
            .enumerate()
            .map(|(i, id)| state.moment_arms_m[i] * qdot[id.index()])
            .sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u32) -> Vec<CoordinateId> {
        (0..n).map(CoordinateId).collect()
    }

    #[test]
    fn linear_path_has_constant_moment_arm_of_opposite_sign() {
        // l = 0.3 - 0.05 q0: shortening as q0 grows, so a positive moment arm of 5 cm.
        let p = Path::new(ids(1), vec![(0.3, vec![0]), (-0.05, vec![1])]);
        for q in [-1.0, 0.0, 0.7] {
            let s = p.evaluate(&[q]);
            assert!((s.length_m - (0.3 - 0.05 * q)).abs() < 1e-15);
            assert!((s.moment_arms_m[0] - 0.05).abs() < 1e-15);
        }
    }

    #[test]
    fn cross_term_derivatives_match_finite_differences() {
        let p = Path::new(
            ids(2),
            vec![
                (0.4, vec![0, 0]),
                (0.02, vec![1, 0]),
                (-0.03, vec![0, 2]),
                (0.011, vec![2, 1]),
                (0.004, vec![3, 3]),
            ],
        );
        let q = [0.3, -0.8];
        let s = p.evaluate(&q);
        let h = 1e-6;
        for i in 0..2 {
            let mut qp = q;
            let mut qm = q;
            qp[i] += h;
            qm[i] -= h;
            let fd = -(p.evaluate(&qp).length_m - p.evaluate(&qm).length_m) / (2.0 * h);
            assert!(
                (fd - s.moment_arms_m[i]).abs() < 1e-8,
                "coordinate {i}: {fd} vs {}",
                s.moment_arms_m[i]
            );
        }
    }

    #[test]
    fn lengthening_speed_is_minus_moment_arm_times_speed() {
        let p = Path::new(
            ids(2),
            vec![(0.3, vec![0, 0]), (-0.04, vec![1, 0]), (0.02, vec![0, 1])],
        );
        let s = p.evaluate(&[0.0, 0.0]);
        // r = (0.04, -0.02); dl/dt = -(0.04*2 + -0.02*3) = -0.02
        assert!((p.lengthening_speed(&s, &[2.0, 3.0]) + 0.02).abs() < 1e-15);
    }
}
