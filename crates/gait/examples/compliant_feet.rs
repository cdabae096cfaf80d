//! How does the walking controller fare on compliant (Hunt-Crossley) feet, and at which step
//! is the explicit contact force stable? Runs one 1.0 m/s level trial with the model's
//! Hunt-Crossley spheres at a chosen physics step and prints whether and when it fell, the
//! highest single-frame vertical ground reaction and the gait summary, then the vertical and
//! lateral ground reaction of each foot and the pelvis's height and sideways position every
//! 0.1 s of the first 4 s (the step choice of
//! `PhysicsParams::COMPLIANT_DT_S` was measured with it).
//!
//! `cargo run --release -p retrogait-gait --example compliant_feet -- DT_MS DURATION_S [key=value ...]`
//!
//! Keys override the model's values: `stiffness`, `dissipation`, `vt` (transition velocity),
//! `mu` (static and dynamic friction), `muv` (viscous friction); and the trial's: `dir`
//! (`forward` or `backward`), `substeps`, `controller` (a walking controller's RON file; the
//! built-in one by default), `integration` (`coupled`, the default, or `predicted`: how the
//! contact's damping and friction are integrated, `hunt_crossley::FrictionIntegration`).

use gait::controller::walking::{WalkingController, WalkingParams};
use gait::hunt_crossley::FrictionIntegration;
use gait::trial::PhysicsParams;
use gait::{Direction, Trial, TrialSettings, TrialSpec, summarise};
use musculo::spec::ContactLaw;
use musculo::{ADULT_MODEL_RON, Model, ModelSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dt_ms: f64 = args.first().map_or(Ok(1.0), |s| s.parse())?;
    let duration_s: f64 = args.get(1).map_or(Ok(10.0), |s| s.parse())?;
    let mut spec = ModelSpec::parse(ADULT_MODEL_RON, "adult.ron")?;
    spec.ground_contact.law = ContactLaw::HuntCrossley;
    let hc = spec
        .ground_contact
        .hunt_crossley
        .as_mut()
        .ok_or("the built-in model has no Hunt-Crossley spheres")?;
    let mut direction = Direction::Forward;
    let mut substeps = 2;
    let mut params = WalkingParams::default();
    let mut integration = FrictionIntegration::Coupled;
    for kv in args.iter().skip(2) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("`{kv}` is not key=value"))?;
        match k {
            "stiffness" => hc.stiffness = v.parse()?,
            "dissipation" => hc.dissipation_s_per_m = v.parse()?,
            "vt" => hc.transition_velocity_mps = v.parse()?,
            "mu" => {
                hc.static_friction = v.parse()?;
                hc.dynamic_friction = v.parse()?;
            }
            "muv" => hc.viscous_friction_s_per_m = v.parse()?,
            "dir" => {
                direction = if v == "backward" {
                    Direction::Backward
                } else {
                    Direction::Forward
                }
            }
            "substeps" => substeps = v.parse()?,
            "integration" => {
                integration = match v {
                    "coupled" => FrictionIntegration::Coupled,
                    "predicted" => FrictionIntegration::Predicted,
                    _ => return Err(format!("integration `{v}`: coupled or predicted").into()),
                }
            }
            "controller" => params = WalkingParams::from_ron_str(&std::fs::read_to_string(v)?, v)?,
            _ => return Err(format!("unknown key {k}").into()),
        }
    }
    let model = Model::compile(spec, "adult.ron".as_ref(), None)?;
    let trial_spec = TrialSpec {
        direction,
        speed_mps: 1.0,
        duration_s,
        ..Default::default()
    };
    let settings = TrialSettings {
        physics: PhysicsParams {
            dt_s: dt_ms * 1e-3,
            solver_iterations: substeps,
            inertia_refresh_steps: ((10.0 / dt_ms).round() as usize).max(1),
            friction_integration: integration,
            ..PhysicsParams::default()
        },
        ..TrialSettings::default()
    };
    let mut trial = Trial::with_controller(model.clone(), trial_spec, settings, |m, s| {
        Box::new(WalkingController::new(m, s, params.clone()))
    })?;
    let result = trial.run(|_| {})?;
    let weight = model.segments.iter().map(|s| s.mass_kg).sum::<f64>() * 9.81;
    let max_grf = result
        .frames
        .iter()
        .map(|f| (f.grf_n[musculo::Side::Right].y + f.grf_n[musculo::Side::Left].y) / weight)
        .fold(0.0f64, f64::max);
    let s = summarise(&model, &result);
    println!(
        "fell {:?} ({:?}) strides {} cadence {:?} max frame vGRF {:.2} BW, summary peak vGRF {:?}, knee ext {:?}",
        s.fall_time_s,
        result.fall.as_ref().map(|f| f.reason.clone()),
        s.strides,
        s.cadence_steps_per_min,
        max_grf,
        s.peak_vertical_grf_bw,
        s.peak_knee_ext_moment_nm_per_kg
    );
    for f in result.frames.iter().step_by(20).take(40) {
        println!(
            "t {:.3} grf_r {:7.1} grf_l {:7.1} lateral_r {:+7.1} lateral_l {:+7.1} pelvis_y {:.3} pelvis_z {:+.3}",
            f.time_s,
            f.grf_n[musculo::Side::Right].y,
            f.grf_n[musculo::Side::Left].y,
            f.grf_n[musculo::Side::Right].z,
            f.grf_n[musculo::Side::Left].z,
            f.pelvis_position_m.y,
            f.pelvis_position_m.z
        );
    }
    Ok(())
}
