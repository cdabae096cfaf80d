//! Validation of the walking controller's parameters: every number finite, times, lengths,
//! gains and strengths not negative (step times positive), fractions in range, with the field
//! named in the error.

use super::{Gain, MIN_SCHEDULED_SPEED_MPS, Posture, WalkingParams};

/// `Ok` if `v` is finite and `ok`; else `field: v is not what`.
fn check(field: &str, v: f64, ok: bool, what: &str) -> Result<(), String> {
    if v.is_finite() && ok {
        Ok(())
    } else {
        Err(format!("{field}: {v} is not {what}"))
    }
}

fn finite(field: &str, v: f64) -> Result<(), String> {
    check(field, v, true, "a finite number")
}

/// A gain's stiffness and damping, named `field.kp` and `field.kd`.
fn non_negative_gain(field: &str, gain: Gain) -> Result<(), String> {
    non_negative(&format!("{field}.kp"), gain.kp)?;
    non_negative(&format!("{field}.kd"), gain.kd)
}

fn positive(field: &str, v: f64) -> Result<(), String> {
    check(field, v, v > 0.0, "a positive number")
}

fn non_negative(field: &str, v: f64) -> Result<(), String> {
    check(field, v, v >= 0.0, "zero or positive")
}

impl WalkingParams {
    /// Checks what the types cannot: every number finite, times, lengths, gains and strengths
    /// not negative (step times positive), fractions in range. The error is `field: reason`
    /// for the first problem found, so a caller can prefix the file's name.
    pub fn validate(&self) -> Result<(), String> {
        self.validate_timing()?;
        self.validate_shared_laws()?;
        validate_posture("forward", &self.forward)?;
        validate_posture("backward", &self.backward)?;
        self.validate_gains()?;
        let st = &self.strength;
        for (name, (a, b)) in [
            ("hip_rotation", st.hip_rotation),
            ("ankle_inversion", st.ankle_inversion),
            ("lumbar", st.lumbar),
        ] {
            non_negative(&format!("strength.{name}.0"), a)?;
            non_negative(&format!("strength.{name}.1"), b)?;
        }
        Ok(())
    }

    /// The step cycle's times and fractions.
    fn validate_timing(&self) -> Result<(), String> {
        positive("step_time_at_1mps_s", self.step_time_at_1mps_s)?;
        non_negative("step_time_speed_exponent", self.step_time_speed_exponent)?;
        let ds = self.double_support_fraction;
        check(
            "double_support_fraction",
            ds,
            (0.0..1.0).contains(&ds),
            "in [0, 1)",
        )?;
        positive("min_swing_fraction", self.min_swing_fraction)?;
        let max = self.max_swing_fraction;
        let at_least_min = max >= self.min_swing_fraction;
        check(
            "max_swing_fraction",
            max,
            at_least_min,
            "at least min_swing_fraction",
        )
    }

    /// The laws both directions share: foot placement, outer loop, stance ankle and knee.
    fn validate_shared_laws(&self) -> Result<(), String> {
        for (f, v) in [
            ("touchdown_speed_mps", self.touchdown_speed_mps),
            ("swing_clearance", self.swing_clearance),
            ("step_width", self.step_width),
            ("lateral_placement_scale", self.lateral_placement_scale),
            ("ankle_velocity_gain", self.ankle_velocity_gain),
            ("plantarflexor_stiffness", self.plantarflexor_stiffness),
            ("position_gain_per_s", self.position_gain_per_s),
            (
                "max_position_correction_mps",
                self.max_position_correction_mps,
            ),
            (
                "position_integral_gain_per_s2",
                self.position_integral_gain_per_s2,
            ),
            (
                "stance_knee_gravity_compensation",
                self.stance_knee_gravity_compensation,
            ),
            ("stance_knee_loading_s", self.stance_knee_loading_s),
            (
                "velocity_offset_speed_exponent",
                self.velocity_offset_speed_exponent,
            ),
            ("downhill_cadence_gain", self.downhill_cadence_gain),
            (
                "downhill_cadence_speed_exponent",
                self.downhill_cadence_speed_exponent,
            ),
        ] {
            non_negative(f, v)?;
        }
        finite("velocity_offset_s", self.velocity_offset_s)?;
        finite("heel_off_dorsiflexion_rad", self.heel_off_dorsiflexion_rad)
    }

    /// Every gain's stiffness and damping.
    fn validate_gains(&self) -> Result<(), String> {
        let g = &self.gains;
        for (name, gain) in [
            ("hip", Some(g.hip)),
            ("hip_adduction", Some(g.hip_adduction)),
            ("hip_rotation", Some(g.hip_rotation)),
            ("knee", Some(g.knee)),
            ("stance_knee", g.stance_knee),
            ("ankle", Some(g.ankle)),
            ("stance_ankle", Some(g.stance_ankle)),
            ("ankle_posture", Some(g.ankle_posture)),
            ("ankle_inversion", Some(g.ankle_inversion)),
            ("trunk", Some(g.trunk)),
            ("pelvis", Some(g.pelvis)),
            ("pelvis_roll", Some(g.pelvis_roll)),
            ("heading", Some(g.heading)),
        ] {
            if let Some(gain) = gain {
                non_negative_gain(&format!("gains.{name}"), gain)?;
            }
        }
        Ok(())
    }
}

/// One direction's posture, its fields named `direction.field`.
fn validate_posture(direction: &str, p: &Posture) -> Result<(), String> {
    let f = |name: &str| format!("{direction}.{name}");
    for (name, v) in [
        ("trunk_lean_rad", p.trunk_lean_rad),
        ("landing_foot_pitch_rad", p.landing_foot_pitch_rad),
        ("stance_knee_flexion_rad", p.stance_knee_flexion_rad),
        ("swing_knee_flexion_rad", p.swing_knee_flexion_rad),
        ("push_off_rad", p.push_off_rad),
        ("pre_swing_knee_flexion_rad", p.pre_swing_knee_flexion_rad),
        ("stance_ankle_rad", p.stance_ankle_rad),
        ("uphill_trunk_lean_per_rad", p.uphill_trunk_lean_per_rad),
        ("downhill_trunk_lean_per_rad", p.downhill_trunk_lean_per_rad),
    ] {
        finite(&f(name), v)?;
    }
    non_negative(&f("push_off_torque_per_kg"), p.push_off_torque_per_kg)?;
    non_negative(&f("push_off_start_fraction"), p.push_off_start_fraction)?;
    non_negative(&f("push_off_speed_exponent"), p.push_off_speed_exponent)?;
    non_negative(
        &f("stance_vertical_damping_per_s"),
        p.stance_vertical_damping_per_s,
    )?;
    if let Some(t) = p.step_time_at_1mps_s {
        positive(&f("step_time_at_1mps_s"), t)?;
    }
    for (name, v) in [
        ("step_time_speed_exponent", p.step_time_speed_exponent),
        (
            "velocity_offset_speed_exponent",
            p.velocity_offset_speed_exponent,
        ),
        ("downhill_cadence_gain", p.downhill_cadence_gain),
        (
            "downhill_cadence_speed_exponent",
            p.downhill_cadence_speed_exponent,
        ),
        (
            "velocity_offset_fast_speed_exponent",
            p.velocity_offset_fast_speed_exponent,
        ),
        ("position_gain_per_s", p.position_gain_per_s),
    ] {
        if let Some(v) = v {
            non_negative(&f(name), v)?;
        }
    }
    if let Some(a) = p.stance_knee_gravity_compensation {
        non_negative(&f("stance_knee_gravity_compensation"), a)?;
    }
    if let Some(k) = p.landing_knee_flexion_rad {
        // 0.05 rad is the leg IK's smallest knee flexion (its reach is clamped there).
        let ok = (0.05..=1.0).contains(&k);
        check(
            &f("landing_knee_flexion_rad"),
            k,
            ok,
            "between 0.05 and 1 rad",
        )?;
    }
    if let Some(r) = &p.ankle_reflexes {
        r.validate(&f("ankle_reflexes"))?;
    }
    if let Some(r) = &p.knee_reflexes {
        r.validate(&f("knee_reflexes"))?;
    }
    if let Some(k) = p.loading_knee_flexion_rad {
        let ok = (0.0..=1.0).contains(&k);
        check(&f("loading_knee_flexion_rad"), k, ok, "between 0 and 1 rad")?;
    }
    if let Some(d) = p.push_off_progress_m {
        let ok = (-0.5..=0.5).contains(&d);
        check(&f("push_off_progress_m"), d, ok, "between -0.5 and 0.5 m")?;
    }
    if let Some(alpha) = p.velocity_offset_s {
        finite(&f("velocity_offset_s"), alpha)?;
    }
    let gain = p.push_off_work_speed_gain;
    check(
        &f("push_off_work_speed_gain"),
        gain,
        (0.0..=10.0).contains(&gain),
        "in [0, 10]",
    )?;
    let climb = p.push_off_work_climb_share;
    check(
        &f("push_off_work_climb_share"),
        climb,
        (0.0..=2.0).contains(&climb),
        "in [0, 2]",
    )?;
    let rise = p.landing_belt_rise_share;
    check(
        &f("landing_belt_rise_share"),
        rise,
        (0.0..=2.0).contains(&rise),
        "in [0, 2]",
    )?;
    if let Some(w) = p.push_off_work_per_kg {
        let ok = w.is_finite() && w > 0.0 && w <= 2.0;
        check(&f("push_off_work_per_kg"), w, ok, "in (0, 2] J/kg")?;
    }
    let span = p.push_off_progress_span_m;
    let ok = span > 0.0 && span <= 1.0;
    check(&f("push_off_progress_span_m"), span, ok, "in (0, 1] m")?;
    if let Some(a) = p.swing_ankle_rad {
        finite(&f("swing_ankle_rad"), a)?;
    }
    let start = p.knee_extension_start_fraction;
    let ok = (0.0..1.0).contains(&start);
    check(
        &f("knee_extension_start_fraction"),
        start,
        ok,
        "a fraction in [0, 1)",
    )?;
    if let Some(fraction) = p.swing_placement_fraction {
        let ok = fraction > 0.0 && fraction <= 1.0;
        check(
            &f("swing_placement_fraction"),
            fraction,
            ok,
            "a fraction in (0, 1]",
        )?;
    }
    if let Some(fraction) = p.swing_clearance_peak_fraction {
        // At most half way: above 1 m/s the fast-speed law moves the peak up to mid-swing, and
        // a later peak would jump back to it there.
        let ok = (0.1..=0.5).contains(&fraction);
        check(
            &f("swing_clearance_peak_fraction"),
            fraction,
            ok,
            "a fraction in [0.1, 0.5]",
        )?;
    }
    if let Some(exponent) = p.swing_clearance_peak_fast_speed_exponent {
        let ok = (0.0..=5.0).contains(&exponent);
        check(
            &f("swing_clearance_peak_fast_speed_exponent"),
            exponent,
            ok,
            "within [0, 5]",
        )?;
    }
    if let Some(width) = p.step_width {
        let ok = (0.0..=0.15).contains(&width);
        check(
            &f("step_width"),
            width,
            ok,
            "a fraction of stature in [0, 0.15]",
        )?;
    }
    if let Some(drive) = p.swing_hip_drive_per_kg {
        let ok = drive.abs() <= 3.0;
        check(&f("swing_hip_drive_per_kg"), drive, ok, "within ±3 N·m/kg")?;
    }
    if let Some(gain) = p.heading_gain {
        non_negative_gain(&f("heading_gain"), gain)?;
    }
    if let Some(v) = p.step_time_plateau_speed_mps {
        let ok = (MIN_SCHEDULED_SPEED_MPS..=2.0).contains(&v);
        let range = format!("between {MIN_SCHEDULED_SPEED_MPS} and 2 m/s");
        check(&f("step_time_plateau_speed_mps"), v, ok, &range)?;
    }
    for (name, gain) in [
        ("uphill_cadence_gain", p.uphill_cadence_gain),
        ("uphill_velocity_offset_gain", p.uphill_velocity_offset_gain),
    ] {
        if let Some(gain) = gain {
            check(&f(name), gain, (0.0..=20.0).contains(&gain), "in [0, 20]")?;
        }
    }
    // Speed exponents that may be negative (a law that falls with speed).
    for (name, k) in [
        (
            "push_off_progress_fast_speed_exponent",
            p.push_off_progress_fast_speed_exponent,
        ),
        (
            "lateral_velocity_offset_speed_exponent",
            p.lateral_velocity_offset_speed_exponent,
        ),
        (
            "step_width_fast_speed_exponent",
            p.step_width_fast_speed_exponent,
        ),
    ] {
        if let Some(k) = k {
            check(&f(name), k, (-5.0..=5.0).contains(&k), "in [-5, 5]")?;
        }
    }
    if let Some(n) = p.push_off_work_fast_speed_exponent {
        let ok = (0.0..=5.0).contains(&n);
        check(&f("push_off_work_fast_speed_exponent"), n, ok, "in [0, 5]")?;
    }
    for (name, v) in [
        ("lateral_placement_scale", p.lateral_placement_scale),
        (
            "lateral_velocity_offset_share",
            p.lateral_velocity_offset_share,
        ),
    ] {
        if let Some(v) = v {
            check(&f(name), v, (0.0..=3.0).contains(&v), "in [0, 3]")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_out_of_range_are_named() {
        assert_eq!(WalkingParams::default().validate(), Ok(()));
        let mut p = WalkingParams::default();
        p.backward.step_time_at_1mps_s = Some(-0.5);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("backward.step_time_at_1mps_s"), "{err}");
        let mut p = WalkingParams::default();
        p.forward.stance_knee_gravity_compensation = Some(-0.1);
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("forward.stance_knee_gravity_compensation"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.gains.knee.kd = f64::NAN;
        assert!(p.validate().unwrap_err().starts_with("gains.knee.kd"));
        let mut p = WalkingParams::default();
        p.max_swing_fraction = 0.5 * p.min_swing_fraction;
        assert!(p.validate().unwrap_err().starts_with("max_swing_fraction"));
        let mut p = WalkingParams::default();
        p.backward.stance_vertical_damping_per_s = -1.0;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.stance_vertical_damping_per_s"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.uphill_trunk_lean_per_rad = f64::INFINITY;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("forward.uphill_trunk_lean_per_rad"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.push_off_work_climb_share = -1.0;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("forward.push_off_work_climb_share"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.landing_belt_rise_share = f64::NAN;
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("forward.landing_belt_rise_share"), "{err}");
        let mut p = WalkingParams::default();
        p.backward.downhill_trunk_lean_per_rad = f64::NAN;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.downhill_trunk_lean_per_rad"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.landing_knee_flexion_rad = Some(0.0);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("forward.landing_knee_flexion_rad"), "{err}");
        let mut p = WalkingParams::default();
        p.forward.swing_ankle_rad = Some(f64::NAN);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("forward.swing_ankle_rad"), "{err}");
        let mut p = WalkingParams::default();
        p.backward.loading_knee_flexion_rad = Some(-0.1);
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.loading_knee_flexion_rad"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.forward.push_off_progress_m = Some(f64::NAN);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("forward.push_off_progress_m"), "{err}");
        let mut p = WalkingParams::default();
        p.forward.push_off_work_per_kg = Some(-0.2);
        let err = p.validate().unwrap_err();
        assert!(err.starts_with("forward.push_off_work_per_kg"), "{err}");
        let mut p = WalkingParams::default();
        p.backward.push_off_work_speed_gain = f64::NAN;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.push_off_work_speed_gain"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.backward.push_off_progress_span_m = 0.0;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.push_off_progress_span_m"),
            "{err}"
        );
        let mut p = WalkingParams::default();
        p.backward.knee_extension_start_fraction = 1.0;
        let err = p.validate().unwrap_err();
        assert!(
            err.starts_with("backward.knee_extension_start_fraction"),
            "{err}"
        );
        for bad in [0.0, 1.5, f64::NAN] {
            let mut p = WalkingParams::default();
            p.forward.swing_placement_fraction = Some(bad);
            let err = p.validate().unwrap_err();
            assert!(err.starts_with("forward.swing_placement_fraction"), "{err}");
        }
        let mut p = WalkingParams::default();
        p.forward.swing_placement_fraction = Some(1.0);
        assert_eq!(p.validate(), Ok(()));
        for bad in [0.05, 0.95, f64::NAN] {
            let mut p = WalkingParams::default();
            p.backward.swing_clearance_peak_fraction = Some(bad);
            let err = p.validate().unwrap_err();
            assert!(
                err.starts_with("backward.swing_clearance_peak_fraction"),
                "{err}"
            );
        }
        let mut p = WalkingParams::default();
        p.forward.swing_clearance_peak_fraction = Some(0.1);
        assert_eq!(p.validate(), Ok(()));
        for bad in [-0.5, 6.0, f64::NAN] {
            let mut p = WalkingParams::default();
            p.forward.swing_clearance_peak_fast_speed_exponent = Some(bad);
            let err = p.validate().unwrap_err();
            assert!(
                err.starts_with("forward.swing_clearance_peak_fast_speed_exponent"),
                "{err}"
            );
        }
        for bad in [3.5, -4.0, f64::NAN, f64::INFINITY] {
            let mut p = WalkingParams::default();
            p.backward.swing_hip_drive_per_kg = Some(bad);
            let err = p.validate().unwrap_err();
            assert!(err.starts_with("backward.swing_hip_drive_per_kg"), "{err}");
        }
        let mut p = WalkingParams::default();
        p.forward.swing_hip_drive_per_kg = Some(-3.0);
        assert_eq!(p.validate(), Ok(()));
        // α's speed and grade laws: negative, not finite, or (the gain) past 20 are refused.
        let fast: fn(&mut Posture, f64) = |p, v| p.velocity_offset_fast_speed_exponent = Some(v);
        let uphill: fn(&mut Posture, f64) = |p, v| p.uphill_velocity_offset_gain = Some(v);
        for (set, field, bads) in [
            (
                fast,
                "velocity_offset_fast_speed_exponent",
                &[-0.1, f64::NAN, f64::INFINITY][..],
            ),
            (
                uphill,
                "uphill_velocity_offset_gain",
                &[-0.1, 21.0, f64::NAN, f64::INFINITY],
            ),
        ] {
            for &bad in bads {
                let mut p = WalkingParams::default();
                set(&mut p.forward, bad);
                let err = p.validate().unwrap_err();
                assert!(err.starts_with(&format!("forward.{field}")), "{err}");
            }
        }
        for (kp, kd, field) in [(-1.0, 1.0, "kp"), (1.0, f64::NAN, "kd")] {
            let mut p = WalkingParams::default();
            p.backward.heading_gain = Some(Gain { kp, kd });
            let err = p.validate().unwrap_err();
            assert!(
                err.starts_with(&format!("backward.heading_gain.{field}")),
                "{err}"
            );
        }
    }
}
