//! Screenshot mode: run the simulation to a given time as fast as it goes, let the renderer
//! catch up with the final state, capture the window to a PNG and exit. The exit status says
//! whether the file was written.

use std::num::NonZeroU8;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use crate::scene::{Latest, Sim};
use crate::sim::Command;

/// Frames rendered after the simulation reached its time before the capture, so the meshes,
/// the egui panels and the plots all show the final state.
const SETTLE_FRAMES: u32 = 8;
/// Longest the whole run may take before giving up [s of wall time].
const TIMEOUT_S: f64 = 600.0;

/// Checks that `path` can be written as a PNG, before any simulation is run.
pub fn check_target(path: &Path) -> anyhow::Result<()> {
    if path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        != Some("png".into())
    {
        bail!("--screenshot {}: the file must end in .png", path.display());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "--screenshot {}: folder {} does not exist",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Adds screenshot mode.
pub struct ScreenshotPlugin {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// Simulated time of the capture \[s\].
    pub after: f64,
}

#[derive(Resource)]
struct Job {
    path: PathBuf,
    after: f64,
    stage: Stage,
    started: Instant,
    /// Set by the capture observer: Ok once the file is written.
    result: Arc<Mutex<Option<Result<(), String>>>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    Start,
    Running,
    Settling(u32),
    Capturing,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(Job {
            path: self.path.clone(),
            after: self.after,
            stage: Stage::Start,
            started: Instant::now(),
            result: Arc::new(Mutex::new(None)),
        })
        .add_systems(Last, drive);
    }
}

fn drive(
    mut commands: Commands,
    mut job: ResMut<Job>,
    sim: Res<Sim>,
    latest: Res<Latest>,
    mut exit: MessageWriter<AppExit>,
) {
    if job.started.elapsed().as_secs_f64() > TIMEOUT_S {
        error!("screenshot: gave up after {TIMEOUT_S} s");
        exit.write(AppExit::Error(NonZeroU8::new(3).expect("non-zero")));
        return;
    }
    match job.stage {
        Stage::Start => {
            sim.0.send(Command::RunTo(job.after));
            job.stage = Stage::Running;
        }
        Stage::Running => {
            if let Some(e) = &latest.0.error {
                error!("screenshot: the simulation failed: {e}");
                exit.write(AppExit::Error(NonZeroU8::new(2).expect("non-zero")));
            } else if latest.0.reached.is_some() {
                job.stage = Stage::Settling(0);
            }
        }
        Stage::Settling(n) if n < SETTLE_FRAMES => job.stage = Stage::Settling(n + 1),
        Stage::Settling(_) => {
            let path = job.path.clone();
            let result = Arc::clone(&job.result);
            commands.spawn(Screenshot::primary_window()).observe(
                move |captured: On<ScreenshotCaptured>| {
                    let outcome = save_png(&captured.image, &path);
                    *result.lock().expect("screenshot result lock") = Some(outcome);
                },
            );
            job.stage = Stage::Capturing;
        }
        Stage::Capturing => {
            let outcome = job.result.lock().expect("screenshot result lock").clone();
            match outcome {
                Some(Ok(())) => {
                    info!("screenshot saved to {}", job.path.display());
                    exit.write(AppExit::Success);
                }
                Some(Err(e)) => {
                    error!("screenshot: {e}");
                    exit.write(AppExit::Error(NonZeroU8::new(4).expect("non-zero")));
                }
                None => {}
            }
        }
    }
}

fn save_png(image: &Image, path: &Path) -> Result<(), String> {
    let rgba = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("cannot convert the captured image: {e}"))?;
    // Drop alpha: with HDR it holds brightness, not coverage (as bevy's own save_to_disk).
    // Written under a temporary name and renamed, so a reader never sees half a file.
    let tmp = path.with_extension("partial.png");
    rgba.to_rgb8()
        .save(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
        .map_err(|e| format!("{e:#}"))
}
