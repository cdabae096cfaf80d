//! Offline search for walking-controller parameters: a (1+1) evolution strategy with the
//! one-fifth success rule (Rechenberg 1973) over bounded parameters in the unit box, minimising
//! falls, speed error and drift over a grid of directions, speeds and inclines. The objective
//! contains no biomechanical outcome (no joint angle, moment, force, muscle quantity or
//! cadence): only "stays up, keeps pace, stays centred".
//!
//! `cargo run --release -p retrogait-gait --example tune -- OUT.ron [evaluations] [trial_s]`
//!
//! Environment: `START` (parameter file to start from; the built-in parameters otherwise),
//! `SEED` (of the search), `TUNE` (comma-separated prefixes of the fields to search, e.g.
//! `forward.`; all fields otherwise — the others keep their start values), `DIRECTIONS`
//! (`forward`, `backward` or both), `SPEEDS` and `INCLINES` (comma-separated grid; 0.6,1.0,1.4
//! and −10,0,10 otherwise).

use std::sync::Mutex;

use gait::controller::walking::WalkingParams;
use gait::{Direction, Trial, TrialSpec};
use musculo::Model;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A tunable field: (name, lower bound, upper bound).
const FIELDS: &[(&str, f64, f64)] = &[
    ("step_time_at_1mps_s", 0.40, 0.70),
    ("step_time_speed_exponent", 0.0, 0.8),
    ("double_support_fraction", 0.0, 0.2),
    ("touchdown_speed_mps", 0.05, 0.8),
    ("swing_clearance", 0.015, 0.06),
    ("step_width", 0.0, 0.08),
    ("velocity_offset_s", 0.05, 0.35),
    ("velocity_offset_speed_exponent", 0.0, 1.0),
    ("lateral_placement_scale", 0.6, 1.5),
    ("ankle_velocity_gain", 0.0, 1.0),
    ("position_gain_per_s", 0.1, 0.8),
    // Searched only when the start file sets them (optional per-direction step times).
    ("forward.step_time_at_1mps_s", 0.40, 0.70),
    ("forward.trunk_lean_rad", -0.05, 0.2),
    ("forward.landing_foot_pitch_rad", -0.1, 0.3),
    ("forward.stance_knee_flexion_rad", 0.05, 0.26),
    ("forward.swing_knee_flexion_rad", 0.6, 1.3),
    ("forward.push_off_rad", 0.0, 0.5),
    ("forward.pre_swing_knee_flexion_rad", 0.1, 0.8),
    ("forward.stance_ankle_rad", -0.1, 0.25),
    ("backward.step_time_at_1mps_s", 0.40, 0.70),
    ("backward.trunk_lean_rad", -0.05, 0.25),
    ("backward.landing_foot_pitch_rad", -0.3, 0.1),
    ("backward.stance_knee_flexion_rad", 0.05, 0.26),
    ("backward.swing_knee_flexion_rad", 0.6, 1.3),
    ("backward.push_off_rad", -0.2, 0.3),
    ("backward.pre_swing_knee_flexion_rad", 0.1, 0.8),
    ("backward.stance_ankle_rad", -0.1, 0.25),
    ("gains.hip.kp", 8.0, 25.0),
    ("gains.knee.kp", 3.0, 12.0),
    ("gains.ankle.kp", 2.0, 8.0),
    ("gains.stance_ankle.kp", 0.0, 6.0),
    ("gains.ankle_posture.kp", 0.0, 8.0),
    ("gains.trunk.kp", 8.0, 25.0),
    ("gains.pelvis.kp", 4.0, 25.0),
    ("gains.pelvis_roll.kp", 2.0, 20.0),
    ("gains.pelvis_roll.kd", 0.2, 3.0),
    ("gains.heading.kp", 0.2, 4.0),
    ("gains.heading.kd", 0.2, 3.0),
    ("gains.hip_adduction.kp", 6.0, 25.0),
    ("gains.hip_rotation.kp", 1.0, 8.0),
    // The stance-knee law and the timed push-off (crates/gait/src/controller/walking/).
    ("gains.stance_knee.kp", 4.0, 30.0),
    ("stance_knee_gravity_compensation", 0.0, 1.2),
    ("stance_knee_loading_s", 0.0, 0.25),
    ("forward.push_off_torque_per_kg", 0.0, 2.0),
    ("forward.push_off_start_fraction", 0.2, 0.95),
    ("forward.push_off_speed_exponent", 0.0, 6.0),
    ("backward.push_off_torque_per_kg", 0.0, 2.0),
    ("backward.push_off_start_fraction", 0.2, 0.95),
    ("backward.push_off_speed_exponent", 0.0, 6.0),
    ("forward.stance_vertical_damping_per_s", 0.0, 40.0),
    ("backward.stance_vertical_damping_per_s", 0.0, 40.0),
    // Searched only when the start file sets them (per-direction weight feed-forward).
    ("forward.stance_knee_gravity_compensation", 0.0, 1.2),
    ("backward.stance_knee_gravity_compensation", 0.0, 1.2),
];

/// The value at `part` of a RON map, looking through `Some(…)`; `None` if absent.
fn field<'a>(cur: &'a ron::Value, part: &str) -> Option<&'a ron::Value> {
    let ron::Value::Map(m) = cur else {
        return None;
    };
    match m.get(&ron::Value::String(part.to_owned()))? {
        ron::Value::Option(Some(inner)) => Some(inner),
        v => Some(v),
    }
}

/// Mutable [`field`].
fn field_mut<'a>(cur: &'a mut ron::Value, name: &str, part: &str) -> &'a mut ron::Value {
    let ron::Value::Map(m) = cur else {
        panic!("{name}")
    };
    let v = m
        .get_mut(&ron::Value::String(part.to_owned()))
        .unwrap_or_else(|| panic!("{name}"));
    match v {
        ron::Value::Option(Some(inner)) => inner,
        v => v,
    }
}

/// The number at the dotted path `name` of the parameters, if they have one there.
fn get(p: &WalkingParams, name: &str) -> Option<f64> {
    let v = ron::to_string(p).unwrap();
    let value: ron::Value = ron::from_str(&v).unwrap();
    let mut cur = &value;
    for part in name.split('.') {
        cur = field(cur, part)?;
    }
    match cur {
        ron::Value::Number(n) => Some(n.into_f64()),
        _ => None,
    }
}

fn set(p: &WalkingParams, name: &str, x: f64) -> WalkingParams {
    let text = ron::to_string(p).unwrap();
    let mut value: ron::Value = ron::from_str(&text).unwrap();
    let mut cur = &mut value;
    for part in name.split('.') {
        cur = field_mut(cur, name, part);
    }
    *cur = ron::Value::Number(ron::value::Number::F64(x.into()));
    let mut out: WalkingParams = value.into_rust().unwrap();
    // Keep damping at a tenth of stiffness for tuned gains.
    for g in [
        &mut out.gains.hip,
        &mut out.gains.hip_adduction,
        &mut out.gains.hip_rotation,
        &mut out.gains.knee,
        &mut out.gains.ankle,
        &mut out.gains.stance_ankle,
        &mut out.gains.ankle_posture,
        &mut out.gains.trunk,
        &mut out.gains.pelvis,
    ] {
        g.kd = 0.1 * g.kp;
    }
    if let Some(g) = &mut out.gains.stance_knee {
        g.kd = 0.1 * g.kp;
    }
    out
}

/// The searched fields: those named by the prefixes in `TUNE`, or all.
fn tuned_fields() -> Vec<(&'static str, f64, f64)> {
    let prefixes: Vec<String> = std::env::var("TUNE")
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    FIELDS
        .iter()
        .filter(|(name, ..)| prefixes.is_empty() || prefixes.iter().any(|p| name.starts_with(p)))
        .copied()
        .collect()
}

/// A comma-separated list of numbers from the environment, or `default`.
fn env_list(name: &str, default: &[f64]) -> Vec<f64> {
    std::env::var(name).map_or_else(
        |_| default.to_vec(),
        |v| v.split(',').map(|s| s.trim().parse().unwrap()).collect(),
    )
}

fn decode(base: &WalkingParams, fields: &[(&str, f64, f64)], x: &[f64]) -> WalkingParams {
    let mut p = base.clone();
    for (k, &(name, lo, hi)) in fields.iter().enumerate() {
        p = set(&p, name, lo + (hi - lo) * x[k].clamp(0.0, 1.0));
    }
    p
}

fn cost(params: &WalkingParams, trial_s: f64) -> f64 {
    let directions = match std::env::var("DIRECTIONS").as_deref() {
        Ok("forward") => vec![Direction::Forward],
        Ok("backward") => vec![Direction::Backward],
        _ => vec![Direction::Forward, Direction::Backward],
    };
    let mut jobs = vec![];
    for &d in &directions {
        for s in env_list("SPEEDS", &[0.6, 1.0, 1.4]) {
            for i in env_list("INCLINES", &[-10.0, 0.0, 10.0]) {
                jobs.push((d, s, i));
            }
        }
    }
    let jobs = Mutex::new(jobs);
    let total = Mutex::new(0.0);
    std::thread::scope(|sc| {
        for _ in 0..2 {
            sc.spawn(|| {
                loop {
                    let Some((d, s, i)) = jobs.lock().unwrap().pop() else {
                        break;
                    };
                    let model =
                        Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap();
                    let spec = TrialSpec {
                        direction: d,
                        speed_mps: s,
                        incline_pct: i,
                        duration_s: trial_s,
                        ..Default::default()
                    };
                    let mut t = Trial::new(model, spec, params.clone()).unwrap();
                    let (mut sum_v, mut n, mut xmax) = (0.0, 0.0, 0.0f64);
                    let mut c = 0.0;
                    while t.time_s() < trial_s {
                        let failed = t.step().is_err();
                        let (com, v) = t.centre_of_mass();
                        if failed || com.y < 0.6 || t.contacts().body.is_some() {
                            c = 100.0 * (1.0 - t.time_s() / trial_s);
                            break;
                        }
                        if t.time_s() > 5.0 {
                            sum_v += (v - t.belt_velocity()).dot(t.treadmill().travel_axis);
                            n += 1.0;
                            xmax = xmax.max(t.treadmill().along(com).abs()).max(com.z.abs());
                        }
                    }
                    if c == 0.0 && n > 0.0 {
                        c = 20.0 * ((sum_v / n) / s - 1.0).abs() + 10.0 * (xmax - 0.2).max(0.0);
                    }
                    *total.lock().unwrap() += c;
                }
            });
        }
    });
    total.into_inner().unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().cloned().unwrap_or_else(|| "tuned.ron".into());
    let evaluations: usize = args.get(1).map_or(200, |s| s.parse().unwrap());
    let trial_s: f64 = args.get(2).map_or(15.0, |s| s.parse().unwrap());
    let base: WalkingParams = match std::env::var("START") {
        Ok(p) => std::fs::read_to_string(&p)
            .map_err(|e| format!("{p}: {e}"))
            .and_then(|text| WalkingParams::from_ron_str(&text, &p))
            .unwrap_or_else(|e| {
                eprintln!("START: {e}");
                std::process::exit(2)
            }),
        Err(_) => WalkingParams::default(),
    };
    let mut fields = tuned_fields();
    fields.retain(|(name, ..)| get(&base, name).is_some());
    println!("searching {} fields", fields.len());
    // (1+1)-ES with the one-fifth success rule (Rechenberg 1973) in the unit box.
    let mut x: Vec<f64> = fields
        .iter()
        .map(|&(name, lo, hi)| ((get(&base, name).unwrap() - lo) / (hi - lo)).clamp(0.0, 1.0))
        .collect();
    let mut sigma = 0.06;
    let mut rng =
        ChaCha8Rng::seed_from_u64(std::env::var("SEED").map_or(7, |s| s.parse().unwrap()));
    let mut best = cost(&decode(&base, &fields, &x), trial_s);
    println!("start cost {best:.2}");
    for e in 0..evaluations {
        // Perturb a random subset of about a third of the coordinates.
        let y: Vec<f64> = x
            .iter()
            .map(|&xi| {
                if rng.random_range(0.0..1.0) < 0.35 {
                    let (u1, u2): (f64, f64) =
                        (rng.random_range(1e-12..1.0), rng.random_range(0.0..1.0));
                    (xi + sigma * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos())
                        .clamp(0.0, 1.0)
                } else {
                    xi
                }
            })
            .collect();
        let c = cost(&decode(&base, &fields, &y), trial_s);
        if c < best {
            best = c;
            x = y;
            sigma = (sigma * 1.3).min(0.25);
            std::fs::write(
                &out,
                ron::ser::to_string_pretty(&decode(&base, &fields, &x), Default::default())
                    .unwrap(),
            )
            .unwrap();
        } else {
            sigma = (sigma * 0.96).max(0.02);
        }
        println!("eval {e}: cost {c:.2} best {best:.2} sigma {sigma:.3}");
    }
    println!("best cost {best:.2} written to {out}");
}
