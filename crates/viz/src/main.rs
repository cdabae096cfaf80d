//! `retrogait-viz`: the desktop visualizer. Forward and backward treadmill walking, simulated
//! live (physics, controller and muscle analysis as in `retrogait simulate`), drawn with
//! muscles coloured by activation, ground reaction forces, knee loads and live plots.
//!
//! `--screenshot FILE --after SECONDS` renders the scene after that much simulated time, saves
//! a PNG and exits (for tests and the README).

use std::path::PathBuf;

use anyhow::{Context, bail};
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::{EguiPlugin, EguiPrimaryContextPass};
use clap::Parser;
use gait::Direction;
use musculo::Subject;

use retrogait_viz::camera::{self, Orbit, Preset};
use retrogait_viz::scene::{ScenePlugin, Sim};
use retrogait_viz::sim::{Settings, SimHandle};
use retrogait_viz::{screenshot, ui};

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "retrogait-viz",
    version,
    about = "See forward and backward treadmill walking side by side: muscles, forces, knee loads"
)]
struct Args {
    /// Forward and backward walkers side by side (otherwise one walker, see --direction).
    #[arg(long)]
    side_by_side: bool,
    /// Direction of the single walker.
    #[arg(long, value_parser = ["forward", "backward"], default_value = "forward")]
    direction: String,
    /// Belt speed [m/s], 0.3-2.0.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Belt incline [% grade], -15 to +15; positive is uphill in the direction of travel.
    #[arg(long, default_value_t = 0.0)]
    incline: f64,
    /// Subject stature [m].
    #[arg(long, default_value_t = 1.75)]
    height: f64,
    /// Subject mass [kg].
    #[arg(long, default_value_t = 75.0)]
    mass: f64,
    /// Seed of the trials.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Render once after --after simulated seconds, save this PNG and exit.
    #[arg(long, value_name = "FILE", requires = "after")]
    screenshot: Option<PathBuf>,
    /// Simulated seconds before the screenshot (0-600).
    #[arg(long, value_name = "SECONDS", requires = "screenshot")]
    after: Option<f64>,
    /// Camera preset for the first view: side, front or knee.
    #[arg(long, value_parser = ["side", "front", "knee"], default_value = "side")]
    view: String,
    /// Window size in logical pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x800")]
    window: String,
}

fn parse_window(s: &str) -> anyhow::Result<(u32, u32)> {
    let (w, h) = s
        .split_once('x')
        .with_context(|| format!("--window {s}: expected WIDTHxHEIGHT, e.g. 1280x800"))?;
    let (w, h): (u32, u32) = (
        w.trim()
            .parse()
            .with_context(|| format!("--window {s}: bad width"))?,
        h.trim()
            .parse()
            .with_context(|| format!("--window {s}: bad height"))?,
    );
    if !(320..=7680).contains(&w) || !(240..=4320).contains(&h) {
        bail!("--window {s}: width must be 320-7680 and height 240-4320 pixels");
    }
    Ok((w, h))
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let settings = Settings {
        side_by_side: args.side_by_side,
        direction: if args.direction == "backward" {
            Direction::Backward
        } else {
            Direction::Forward
        },
        speed_mps: args.speed,
        incline_pct: args.incline,
        subject: Subject {
            height_m: args.height,
            mass_kg: args.mass,
        },
        seed: args.seed,
    };
    let (width, height) = parse_window(&args.window)?;
    if let Some(after) = args.after
        && !(after.is_finite() && (0.0..=600.0).contains(&after))
    {
        bail!("--after {after}: must be 0-600 simulated seconds");
    }
    let screenshot = args.screenshot.zip(args.after);
    if let Some((path, _)) = &screenshot {
        screenshot::check_target(path)?;
    }
    // Bad settings (speed 40 m/s, a negative mass) fail here, with the field named, before a
    // window opens.
    let sim =
        SimHandle::start(settings, screenshot.is_none()).context("cannot start the simulation")?;
    let preset = match args.view.as_str() {
        "front" => Preset::Front,
        "knee" => Preset::Knee,
        _ => Preset::Side,
    };

    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "retrogait: forward vs backward treadmill walking".into(),
            resolution: WindowResolution::new(width, height),
            present_mode: PresentMode::AutoNoVsync,
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .add_plugins(ScenePlugin)
    .insert_resource(Sim(sim))
    .insert_resource(ui::Controls::new(settings))
    .insert_resource(Orbit::preset(Preset::Side, 0.0, Vec3::ZERO))
    .insert_resource(camera::InitialPreset(preset))
    .add_systems(Startup, spawn_camera)
    .add_systems(Update, (camera::control, camera::apply).chain())
    .add_systems(EguiPrimaryContextPass, ui::panels);
    if let Some((path, after)) = screenshot {
        app.add_plugins(screenshot::ScreenshotPlugin { path, after });
    }
    let exit = app.run();
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => std::process::exit(i32::from(code.get())),
    }
}

/// The 3D camera, whose viewport is the space the panels leave, and a second camera that only
/// draws the egui panels over the whole window (bevy_egui's side_panel example).
fn spawn_camera(
    mut commands: Commands,
    orbit: Res<Orbit>,
    mut egui_settings: ResMut<bevy_egui::EguiGlobalSettings>,
) {
    egui_settings.auto_create_primary_context = false;
    commands.spawn((Camera3d::default(), orbit.transform()));
    commands.spawn((
        bevy_egui::PrimaryEguiContext,
        Camera2d,
        bevy::camera::visibility::RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: bevy::camera::CameraOutputMode::Write {
                blend_state: Some(bevy::render::render_resource::BlendState::ALPHA_BLENDING),
                clear_color: bevy::camera::ClearColorConfig::None,
            },
            clear_color: bevy::camera::ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}
