//! Moment arms of every muscle are consistent with its musculotendon length
//! (r = -∂l/∂q, checked by central differences across the whole range of motion) and have the
//! anatomical sign and size.

use musculo::{ADULT_MODEL_RON, Model, Side};

fn adult() -> Model {
    Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None).unwrap()
}

#[test]
fn moment_arm_equals_minus_length_derivative_for_every_muscle_and_coordinate() {
    let m = adult();
    let h = 1e-6;
    let samples = 9;
    let mut checked = 0;
    for muscle in &m.muscles {
        let coords = muscle.path.coordinates();
        let total = samples_pow(samples, coords.len());
        for sample in 0..total {
            let mut q = m.neutral_pose();
            let mut rest = sample;
            for c in coords {
                let (lo, hi) = m.coordinates[c.index()].range_rad;
                q[c.index()] = lo + (hi - lo) * (rest % samples) as f64 / (samples - 1) as f64;
                rest /= samples;
            }
            let state = muscle.path.evaluate(&q);
            for (k, c) in coords.iter().enumerate() {
                let mut qp = q.clone();
                let mut qm = q.clone();
                qp[c.index()] += h;
                qm[c.index()] -= h;
                let fd = -(muscle.path.evaluate(&qp).length_m - muscle.path.evaluate(&qm).length_m)
                    / (2.0 * h);
                let r = state.moment_arms_m[k];
                assert!(
                    (fd - r).abs() < 1e-7,
                    "{} about {} at {:?}: analytic {r} vs finite difference {fd}",
                    muscle.name,
                    m.coordinates[c.index()].name,
                    q
                );
                assert_eq!(muscle.path.moment_arm(&q, *c), r);
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

fn samples_pow(samples: usize, n: usize) -> usize {
    samples.pow(n as u32)
}

/// Moment arm of a right-leg muscle about a right-leg coordinate at a pose given in degrees.
fn arm(m: &Model, muscle: &str, coordinate: &str, pose_deg: &[(&str, f64)]) -> f64 {
    let mut q = m.neutral_pose();
    for (c, deg) in pose_deg {
        q[m.side_coordinate(c, Some(Side::Right)).unwrap().index()] = deg.to_radians();
    }
    let id = m.side_coordinate(coordinate, Some(Side::Right)).unwrap();
    m.muscles[m.muscle_id(&format!("{muscle}_r")).unwrap().index()]
        .path
        .moment_arm(&q, id)
}

#[test]
fn moment_arms_have_anatomical_signs_and_magnitudes() {
    let m = adult();
    let walking = [
        ("hip_flexion", 10.0),
        ("knee_flexion", 20.0),
        ("ankle_dorsiflexion", 0.0),
    ];
    // (muscle, coordinate, min, max) in metres, sign = action (flexion/dorsiflexion/adduction +).
    // Ranges from Delp 1990 / Arnold et al. 2010 moment-arm curves near a walking pose.
    let expected = [
        ("iliopsoas", "hip_flexion", 0.01, 0.07),
        ("glut_max", "hip_flexion", -0.10, -0.03),
        ("hamstrings", "hip_flexion", -0.10, -0.03),
        ("hamstrings", "knee_flexion", 0.01, 0.06),
        ("bifemsh", "knee_flexion", 0.01, 0.05),
        ("rect_fem", "hip_flexion", 0.02, 0.06),
        ("rect_fem", "knee_flexion", -0.06, -0.02),
        ("vasti", "knee_flexion", -0.06, -0.02),
        ("gastroc", "knee_flexion", 0.005, 0.04),
        ("gastroc", "ankle_dorsiflexion", -0.07, -0.03),
        ("soleus", "ankle_dorsiflexion", -0.07, -0.03),
        ("tib_ant", "ankle_dorsiflexion", 0.02, 0.06),
        ("hip_abductors", "hip_adduction", -0.07, -0.05),
        ("hip_adductors", "hip_adduction", 0.02, 0.04),
    ];
    for (muscle, coordinate, lo, hi) in expected {
        let r = arm(&m, muscle, coordinate, &walking);
        assert!(
            (lo..=hi).contains(&r),
            "{muscle} about {coordinate}: {r} m not in [{lo}, {hi}]"
        );
    }
}

#[test]
fn uniarticular_muscles_do_not_cross_other_joints() {
    let m = adult();
    for (muscle, coordinate) in [
        ("vasti", "hip_flexion"),
        ("soleus", "knee_flexion"),
        ("glut_max", "knee_flexion"),
        ("iliopsoas", "ankle_dorsiflexion"),
    ] {
        assert_eq!(
            arm(&m, muscle, coordinate, &[]),
            0.0,
            "{muscle} {coordinate}"
        );
    }
}
