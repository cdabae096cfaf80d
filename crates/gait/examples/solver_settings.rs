//! Does a cheaper physics setting change the walking? Runs the same trials with the default
//! physics (1 ms steps, 2 rapier substeps) and with cheaper or dearer settings, and prints the
//! gait summaries side by side with the real-time factor of each (physics and controller, no
//! muscle analysis), so a speed-up is only taken where the summaries show the accuracy does not
//! suffer (issue 7); the tree-sparse multibody alone and with the cheaper settings (issue 24,
//! item 4).
//!
//! `cargo run --release -p retrogait-gait --example solver_settings -- [DURATION_S]`
//!
//! Trials: forward and backward at 0.6, 1.0 and 1.4 m/s on the level, seed 1.

use std::time::Instant;

use gait::controller::walking::{WalkingController, WalkingParams};
use gait::trial::PhysicsParams;
use gait::{Direction, Trial, TrialSettings, TrialSpec, summarise};
use musculo::{ADULT_MODEL_RON, Model};

/// A physics setting to compare: label and parameters.
fn settings() -> Vec<(&'static str, PhysicsParams)> {
    let default = PhysicsParams::default();
    vec![
        ("default (1 ms, 2 substeps)", default),
        (
            "1 substep",
            PhysicsParams {
                solver_iterations: 1,
                ..default
            },
        ),
        (
            "2 ms steps",
            PhysicsParams {
                dt_s: 2e-3,
                // The same refresh interval in time (10 ms).
                inertia_refresh_steps: 5,
                ..default
            },
        ),
        (
            "4 substeps",
            PhysicsParams {
                solver_iterations: 4,
                ..default
            },
        ),
        // The tree-sparse multibody (issue 24), alone and with the cheaper settings above: how
        // far each lever goes on top of it, and what it changes.
        (
            "tree-sparse",
            PhysicsParams {
                tree_sparse_multibody: true,
                ..default
            },
        ),
        (
            "tree-sparse, 1 substep",
            PhysicsParams {
                tree_sparse_multibody: true,
                solver_iterations: 1,
                ..default
            },
        ),
        (
            "tree-sparse, 2 ms steps",
            PhysicsParams {
                tree_sparse_multibody: true,
                dt_s: 2e-3,
                inertia_refresh_steps: 5,
                ..default
            },
        ),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let duration_s: f64 = match std::env::args().nth(1) {
        Some(s) => s
            .parse()
            .map_err(|e| format!("DURATION_S `{s}` is not a number: {e}"))?,
        None => 60.0,
    };
    let model = Model::from_ron_str(ADULT_MODEL_RON, "adult.ron", None)?;
    let conditions: Vec<(Direction, f64)> = [Direction::Forward, Direction::Backward]
        .into_iter()
        .flat_map(|d| [0.6, 1.0, 1.4].map(|s| (d, s)))
        .collect();
    println!(
        "| setting | trial | fell at [s] | cadence [steps/min] | stride [m] | speed rel. belt [m/s] | max off centre [m] | peak knee ext. moment [N·m/kg] | peak vGRF [BW] | real-time factor |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (label, physics) in settings() {
        for &(direction, speed_mps) in &conditions {
            // A frame every 5 ms (200 Hz), whole steps of 1 ms; at 2 ms steps every third step
            // (6 ms), as these trials recorded before a trial required the recording interval
            // to be whole steps.
            let steps_per_frame = (5e-3 / physics.dt_s).round();
            let spec = TrialSpec {
                direction,
                speed_mps,
                duration_s,
                sample_rate_hz: 1.0 / (steps_per_frame * physics.dt_s),
                ..Default::default()
            };
            let settings = TrialSettings {
                physics,
                ..TrialSettings::default()
            };
            let mut trial = Trial::with_controller(model.clone(), spec, settings, |m, s| {
                Box::new(WalkingController::new(m, s, WalkingParams::default()))
            })?;
            let start = Instant::now();
            let result = trial.run(|_| {})?;
            let wall_s = start.elapsed().as_secs_f64();
            let s = summarise(&model, &result);
            let opt = |v: Option<f64>, digits: usize| {
                v.map_or("–".to_owned(), |v| format!("{v:.digits$}"))
            };
            println!(
                "| {label} | {} {speed_mps:.1} m/s | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
                direction.as_str(),
                opt(s.fall_time_s, 1),
                opt(s.cadence_steps_per_min, 1),
                opt(s.stride_length_m, 3),
                opt(s.mean_speed_rel_belt_mps, 3),
                opt(s.max_distance_from_centre_m, 2),
                opt(s.peak_knee_ext_moment_nm_per_kg, 2),
                opt(s.peak_vertical_grf_bw, 2),
                result.steps as f64 * result.dt_s / wall_s,
            );
        }
    }
    Ok(())
}
