//! Dimensionless Hill-type muscle curves.
//!
//! De Groote, Kinney, Rao & Fregly (2016), "Evaluation of direct collocation optimal control
//! problem formulations for solving the muscle redundancy problem", Ann Biomed Eng
//! 44:2922-2936, doi:10.1007/s10439-016-1591-9, Supplementary Material eqs. S1-S4, with the
//! constants as implemented in OpenSim's `DeGrooteFregly2016Muscle` (which refits d1 and d4 so
//! that f_V(0) = 1 to six digits).
//!
//! Departures from the paper, all to keep forces physical outside the fitted range:
//! the passive curve and the tendon curve are clamped at zero (the paper's forms dip slightly
//! below zero for slack fibres and tendons), and the force-velocity curve is clamped at zero for
//! shortening faster than the maximum contraction velocity.

/// Active force-length multiplier f_L(l̃), l̃ = fibre length / optimal fibre length.
/// De Groote et al. 2016, eq. S2: a sum of three Gaussian-like terms, f_L(1) ≈ 1.
pub fn active_force_length(norm_fiber_length: f64) -> f64 {
    const B: [[f64; 4]; 3] = [
        [
            0.815_067_113_4,
            1.055_033_429_0,
            0.162_384_573_6,
            0.063_303_448_5,
        ],
        [
            0.433_004_984_4,
            0.716_775_413_4,
            -0.029_947_117_0,
            0.200_356_847_3,
        ],
        [0.1, 1.0, 0.353_553_390_6, 0.0],
    ];
    let l = norm_fiber_length;
    B.iter()
        .map(|b| {
            let width = b[2] + b[3] * l;
            b[0] * (-0.5 * (l - b[1]).powi(2) / (width * width)).exp()
        })
        .sum()
}

/// Passive fibre force-length multiplier. De Groote et al. 2016, eq. S3 with k_PE = 4 and
/// e_0 = 0.6 (f_PE(1) = 0, f_PE(1.6) = 1); clamped at zero for slack fibres.
pub fn passive_force_length(norm_fiber_length: f64) -> f64 {
    const K_PE: f64 = 4.0;
    const E0: f64 = 0.6;
    let f = ((K_PE * (norm_fiber_length - 1.0) / E0).exp() - 1.0) / (K_PE.exp() - 1.0);
    f.max(0.0)
}

/// Force-velocity multiplier f_V(ṽ), ṽ = fibre lengthening speed / (v_max · l_opt):
/// ṽ < 0 shortening (concentric, f_V < 1, ≈0 at ṽ = -1), ṽ > 0 lengthening (eccentric,
/// f_V → 1.79 at ṽ = 1). De Groote et al. 2016, eq. S4, OpenSim constants.
pub fn force_velocity(norm_fiber_velocity: f64) -> f64 {
    const D1: f64 = -0.321_134_612_798_980_8;
    const D2: f64 = -8.149;
    const D3: f64 = -0.374;
    const D4: f64 = 0.882_532_773_324_991_2;
    let x = D2 * norm_fiber_velocity + D3;
    (D1 * x.asinh() + D4).max(0.0)
}

/// Tendon force multiplier f_T(l̃_T), l̃_T = tendon length / tendon slack length.
/// De Groote et al. 2016, eq. S1 with k_T = 35 (4.9 % strain at F_max); clamped at zero.
pub fn tendon_force_length(norm_tendon_length: f64) -> f64 {
    const C1: f64 = 0.200;
    const C2: f64 = 0.995;
    const C3: f64 = 0.250;
    const K_T: f64 = 35.0;
    (C1 * (K_T * (norm_tendon_length - C2)).exp() - C3).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn active_force_length_peaks_near_optimal_length() {
        assert!((active_force_length(1.0) - 1.0).abs() < 0.01);
        let peak = (500..1500)
            .map(|i| f64::from(i) / 1000.0)
            .max_by(|a, b| active_force_length(*a).total_cmp(&active_force_length(*b)))
            .unwrap();
        assert!((peak - 1.0).abs() < 0.05, "peak at {peak}");
        assert!(active_force_length(0.4) < 0.15);
        assert!(active_force_length(1.8) < 0.15);
    }

    #[test]
    fn passive_force_is_zero_when_slack_and_one_at_sixty_percent_strain() {
        assert_eq!(passive_force_length(0.7), 0.0);
        assert!(passive_force_length(1.0).abs() < 1e-12);
        assert!((passive_force_length(1.6) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn force_velocity_is_one_when_isometric_and_spans_concentric_and_eccentric_branches() {
        assert!((force_velocity(0.0) - 1.0).abs() < 1e-4);
        assert!(force_velocity(-1.0) < 0.01);
        assert_eq!(force_velocity(-1.5), 0.0);
        assert!((force_velocity(1.0) - 1.79).abs() < 0.02);
        assert!(force_velocity(-0.2) < 1.0 && force_velocity(0.2) > 1.0);
    }

    #[test]
    fn tendon_reaches_max_isometric_force_near_five_percent_strain() {
        assert_eq!(tendon_force_length(0.98), 0.0);
        let strain_at_fmax = (1000..1100)
            .map(|i| f64::from(i) / 1000.0)
            .find(|&l| tendon_force_length(l) >= 1.0)
            .unwrap();
        assert!((strain_at_fmax - 1.048).abs() < 0.002, "{strain_at_fmax}");
    }

    proptest! {
        #[test]
        fn curves_are_finite_and_non_negative(l in 0.0f64..3.0, v in -3.0f64..3.0) {
            for f in [active_force_length(l), passive_force_length(l), force_velocity(v), tendon_force_length(l)] {
                prop_assert!(f.is_finite() && f >= 0.0);
            }
        }

        #[test]
        fn force_velocity_increases_with_lengthening_speed(v in -0.99f64..0.99, dv in 1e-3f64..0.5) {
            prop_assert!(force_velocity(v + dv) > force_velocity(v));
        }

        #[test]
        fn passive_force_never_decreases_with_stretch(l in 0.5f64..2.0, dl in 1e-3f64..0.5) {
            prop_assert!(passive_force_length(l + dl) >= passive_force_length(l));
        }
    }
}
