//! The simulation thread: steps one or two lanes at the physics' own fixed step, paced by the
//! wall clock (times the slow-motion rate), independent of the frame rate.
//!
//! The renderer never steps physics. It sends [`Command`]s and reads the latest
//! [`Published`] views, so a slow frame (software rendering) costs smoothness, never accuracy,
//! and a slow simulation never blocks the UI (the classic fixed-timestep loop, Fiedler 2004,
//! "Fix your timestep!", here on its own thread).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gait::Direction;
use musculo::Subject;
use musculo::model::Shape;

use crate::lane::{Lane, LaneConfig, LaneView};

/// What the user asks of the simulation.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run or pause.
    SetPlaying(bool),
    /// Advance exactly one recorded frame (while paused).
    SingleStep,
    /// Simulated seconds per wall-clock second, 0.1..=1.
    SetRate(f64),
    /// Belt speed [m/s] and incline [%], followed live by every lane.
    SetBelt { speed_mps: f64, incline_pct: f64 },
    /// Restart with these settings.
    Reset(Settings),
    /// Push every walker's pelvis with this force \[N\] towards this heading \[rad\].
    Push { force_n: f64, heading_rad: f64 },
    /// Run as fast as possible until this simulated time, then pause (screenshot mode).
    RunTo(f64),
    /// End the thread.
    Quit,
}

/// The settings of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Forward and backward side by side, or one walker.
    pub side_by_side: bool,
    /// Direction of the single walker (ignored side by side).
    pub direction: Direction,
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Belt incline [%].
    pub incline_pct: f64,
    /// The subject.
    pub subject: Subject,
    /// Seed of the trials.
    pub seed: u64,
}

impl Default for Settings {
    /// One forward walker at 1.0 m/s on a level belt, a 1.75 m, 75 kg subject, seed 1 (the
    /// defaults of `retrogait simulate`).
    fn default() -> Self {
        Self {
            side_by_side: false,
            direction: Direction::Forward,
            speed_mps: 1.0,
            incline_pct: 0.0,
            subject: Subject {
                height_m: 1.75,
                mass_kg: 75.0,
            },
            seed: 1,
        }
    }
}

impl Settings {
    /// The lanes these settings run: forward then backward side by side.
    pub fn lanes(&self) -> Vec<LaneConfig> {
        let directions = if self.side_by_side {
            vec![Direction::Forward, Direction::Backward]
        } else {
            vec![self.direction]
        };
        directions
            .into_iter()
            .map(|direction| LaneConfig {
                direction,
                speed_mps: self.speed_mps,
                incline_pct: self.incline_pct,
                subject: self.subject,
                seed: self.seed,
            })
            .collect()
    }
}

/// What the simulation thread publishes for the renderer.
#[derive(Debug, Clone, Default)]
pub struct Published {
    /// One view per lane.
    pub lanes: Vec<LaneView>,
    /// Whether the simulation is running.
    pub playing: bool,
    /// Simulated seconds per wall second asked for.
    pub rate: f64,
    /// Simulated seconds per wall second achieved over the last second.
    pub achieved_rate: f64,
    /// The last error (bad settings, a failed step), for the UI to show.
    pub error: Option<String>,
    /// Set when a [`Command::RunTo`] target has been reached.
    pub reached: Option<f64>,
    /// Bumped on every reset, so the renderer rebuilds its meshes.
    pub generation: u64,
    /// Drawing shapes of each lane's segments (they change with the subject's size).
    pub shapes: Vec<Vec<Vec<Shape>>>,
}

/// The renderer's handle on the simulation thread.
pub struct SimHandle {
    commands: Sender<Command>,
    published: Arc<Mutex<Published>>,
    thread: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// Starts the thread with `settings`; fails if the first lanes cannot be built.
    pub fn start(settings: Settings, playing: bool) -> anyhow::Result<Self> {
        let lanes = build_lanes(&settings)?;
        let published = Arc::new(Mutex::new(Published {
            lanes: lanes.iter().map(|l| l.view().clone()).collect(),
            shapes: shapes(&lanes),
            playing,
            rate: 1.0,
            ..Published::default()
        }));
        let (tx, rx) = channel();
        let shared = Arc::clone(&published);
        let thread = std::thread::Builder::new()
            .name("retrogait-sim".into())
            .spawn(move || Runner::new(lanes, settings, playing, rx, shared).run())?;
        Ok(Self {
            commands: tx,
            published,
            thread: Some(thread),
        })
    }

    /// Sends a command (ignored if the thread has ended).
    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// A copy of the latest published state.
    pub fn latest(&self) -> Published {
        self.published.lock().expect("sim state lock").clone()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.send(Command::Quit);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn shapes(lanes: &[Lane]) -> Vec<Vec<Vec<Shape>>> {
    lanes
        .iter()
        .map(|l| {
            l.model()
                .segments
                .iter()
                .map(|s| s.shapes.clone())
                .collect()
        })
        .collect()
}

fn build_lanes(settings: &Settings) -> anyhow::Result<Vec<Lane>> {
    settings.lanes().into_iter().map(Lane::new).collect()
}

/// Longest the simulation may fall behind the wall clock before it drops the backlog [s]:
/// beyond this it runs slower than asked and says so, rather than racing to catch up.
const MAX_BACKLOG_S: f64 = 0.1;
/// Wall-clock period of the loop when it has nothing to do [s].
const IDLE: Duration = Duration::from_millis(4);

struct Runner {
    lanes: Vec<Lane>,
    settings: Settings,
    playing: bool,
    rate: f64,
    run_to: Option<f64>,
    single_steps: usize,
    rx: Receiver<Command>,
    shared: Arc<Mutex<Published>>,
    /// Wall time and simulation time at which pacing was last anchored.
    anchor: (Instant, f64),
    /// Simulation time and wall time one second ago, for the achieved rate.
    rate_window: (Instant, f64),
    achieved_rate: f64,
    error: Option<String>,
    generation: u64,
}

impl Runner {
    fn new(
        lanes: Vec<Lane>,
        settings: Settings,
        playing: bool,
        rx: Receiver<Command>,
        shared: Arc<Mutex<Published>>,
    ) -> Self {
        let now = Instant::now();
        Self {
            lanes,
            settings,
            playing,
            rate: 1.0,
            run_to: None,
            single_steps: 0,
            rx,
            shared,
            anchor: (now, 0.0),
            rate_window: (now, 0.0),
            achieved_rate: 0.0,
            error: None,
            generation: 0,
        }
    }

    fn time_s(&self) -> f64 {
        self.lanes.first().map_or(0.0, Lane::time_s)
    }

    fn reanchor(&mut self) {
        self.anchor = (Instant::now(), self.time_s());
    }

    fn run(mut self) {
        loop {
            // Commands first; a paused simulation waits for one instead of spinning.
            let first = if self.playing || self.run_to.is_some() || self.single_steps > 0 {
                self.rx.try_recv().ok()
            } else {
                self.rx.recv_timeout(IDLE * 25).ok()
            };
            let commands: Vec<Command> = first
                .into_iter()
                .chain(std::iter::from_fn(|| self.rx.try_recv().ok()))
                .collect();
            let mut quit = false;
            for c in commands {
                quit |= self.apply(c);
            }
            if quit {
                return;
            }
            let stepped = self.step_due();
            self.publish();
            if !stepped {
                std::thread::sleep(IDLE);
            }
        }
    }

    /// Applies a command; returns true on quit.
    fn apply(&mut self, c: Command) -> bool {
        match c {
            Command::SetPlaying(p) => {
                self.playing = p;
                self.reanchor();
            }
            Command::SingleStep => self.single_steps += 1,
            Command::SetRate(r) => {
                self.rate = r.clamp(0.1, 1.0);
                self.reanchor();
            }
            Command::SetBelt {
                speed_mps,
                incline_pct,
            } => {
                let results: Vec<_> = self
                    .lanes
                    .iter_mut()
                    .map(|l| l.set_belt(speed_mps, incline_pct))
                    .collect();
                match results.into_iter().find_map(Result::err) {
                    Some(e) => self.error = Some(format!("{e:#}")),
                    None => {
                        self.settings.speed_mps = speed_mps;
                        self.settings.incline_pct = incline_pct;
                        self.error = None;
                    }
                }
            }
            Command::Reset(settings) => match build_lanes(&settings) {
                Ok(lanes) => {
                    self.lanes = lanes;
                    self.settings = settings;
                    self.error = None;
                    self.generation += 1;
                    self.run_to = None;
                    self.reanchor();
                    self.rate_window = (Instant::now(), 0.0);
                }
                Err(e) => self.error = Some(format!("{e:#}")),
            },
            Command::Push {
                force_n,
                heading_rad,
            } => {
                for l in &mut self.lanes {
                    l.push(force_n, heading_rad);
                }
            }
            Command::RunTo(t) => self.run_to = Some(t),
            Command::Quit => return true,
        }
        false
    }

    /// Steps what the clock says is due (or the run-to target, or single steps); returns
    /// whether it stepped.
    fn step_due(&mut self) -> bool {
        let budget = Instant::now() + Duration::from_millis(30);
        let mut stepped = false;
        if let Some(target) = self.run_to {
            while self.time_s() < target - 1e-9 && Instant::now() < budget {
                if !self.advance_all() {
                    break;
                }
                stepped = true;
            }
            if self.time_s() >= target - 1e-9 || self.all_fell() {
                self.run_to = None;
                self.playing = false;
                self.shared.lock().expect("sim state lock").reached = Some(self.time_s());
            }
            return stepped;
        }
        if self.single_steps > 0 {
            self.single_steps -= 1;
            return self.advance_all();
        }
        if !self.playing {
            return false;
        }
        let (wall0, sim0) = self.anchor;
        let due = sim0 + wall0.elapsed().as_secs_f64() * self.rate;
        if due - self.time_s() > MAX_BACKLOG_S {
            self.anchor = (Instant::now(), self.time_s());
        }
        while self.time_s() < due.min(self.anchor.1 + MAX_BACKLOG_S + 1e-3)
            && Instant::now() < budget
        {
            if !self.advance_all() {
                break;
            }
            stepped = true;
        }
        stepped
    }

    fn all_fell(&self) -> bool {
        self.lanes.iter().all(|l| l.view().fell.is_some())
    }

    /// One recorded frame of every lane, in parallel; false if nothing can advance.
    fn advance_all(&mut self) -> bool {
        if self.all_fell() {
            return false;
        }
        let results: Vec<anyhow::Result<()>> = match self.lanes.as_mut_slice() {
            [a, b] => {
                let (ra, rb) = rayon::join(|| a.advance_frame(), || b.advance_frame());
                vec![ra, rb]
            }
            lanes => lanes.iter_mut().map(Lane::advance_frame).collect(),
        };
        if let Some(e) = results.into_iter().find_map(Result::err) {
            self.error = Some(format!("simulation stopped: {e:#}"));
            self.playing = false;
            self.run_to = None;
            return false;
        }
        true
    }

    fn publish(&mut self) {
        let elapsed = self.rate_window.0.elapsed().as_secs_f64();
        if elapsed >= 1.0 {
            self.achieved_rate = (self.time_s() - self.rate_window.1) / elapsed;
            self.rate_window = (Instant::now(), self.time_s());
        }
        let mut p = self.shared.lock().expect("sim state lock");
        p.lanes.clear();
        p.lanes.extend(self.lanes.iter().map(|l| l.view().clone()));
        p.playing = self.playing;
        p.rate = self.rate;
        p.achieved_rate = self.achieved_rate;
        p.error.clone_from(&self.error);
        if p.generation != self.generation {
            p.shapes = shapes(&self.lanes);
            p.reached = None;
            p.generation = self.generation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(side_by_side: bool) -> Settings {
        Settings {
            side_by_side,
            ..Settings::default()
        }
    }

    fn wait_for(sim: &SimHandle, what: impl Fn(&Published) -> bool) -> Published {
        let start = Instant::now();
        loop {
            let p = sim.latest();
            if what(&p) {
                return p;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "timed out");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn side_by_side_lanes_stay_in_sync_and_run_to_stops_at_the_target() {
        let sim = SimHandle::start(settings(true), false).unwrap();
        sim.send(Command::RunTo(0.5));
        let p = wait_for(&sim, |p| p.reached.is_some());
        assert_eq!(p.lanes.len(), 2);
        assert_eq!(p.lanes[0].config.direction, Direction::Forward);
        assert_eq!(p.lanes[1].config.direction, Direction::Backward);
        let p = wait_for(&sim, |p| !p.playing && p.lanes[0].time_s >= 0.5 - 1e-9);
        assert!(
            (p.lanes[0].time_s - 0.5).abs() < 1e-9,
            "{}",
            p.lanes[0].time_s
        );
        assert_eq!(p.lanes[0].time_s, p.lanes[1].time_s);
        // Paused: single steps advance exactly one 5 ms frame.
        sim.send(Command::SingleStep);
        let p = wait_for(&sim, |p| p.lanes[0].time_s > 0.5 + 1e-9);
        assert!((p.lanes[0].time_s - 0.505).abs() < 1e-9);
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            (sim.latest().lanes[1].time_s - 0.505).abs() < 1e-9,
            "paused stays put"
        );
    }

    #[test]
    fn bad_live_settings_are_reported_and_leave_the_lanes_running() {
        let sim = SimHandle::start(settings(false), false).unwrap();
        sim.send(Command::SetBelt {
            speed_mps: 40.0,
            incline_pct: 0.0,
        });
        let p = wait_for(&sim, |p| p.error.is_some());
        assert!(p.error.unwrap().contains("speed_mps"));
        assert_eq!(p.lanes.len(), 1);
        let mut bad = settings(false);
        bad.subject.mass_kg = -3.0;
        sim.send(Command::Reset(bad));
        let p = wait_for(&sim, |p| {
            p.error.as_deref().is_some_and(|e| e.contains("mass_kg"))
        });
        assert_eq!(p.generation, 0, "the old lanes are kept");
        sim.send(Command::Reset(settings(true)));
        let p = wait_for(&sim, |p| p.generation == 1);
        assert_eq!(p.lanes.len(), 2);
        assert!(p.error.is_none());
    }

    #[test]
    fn playing_follows_the_wall_clock_at_the_slow_motion_rate() {
        let sim = SimHandle::start(settings(false), true).unwrap();
        sim.send(Command::SetRate(0.1));
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(1500));
        let t = sim.latest().lanes[0].time_s;
        let wall = start.elapsed().as_secs_f64();
        // At 0.1x the simulation can never run ahead of a tenth of the wall clock (plus the
        // frames before the rate command arrived); it may lag on a loaded machine.
        assert!(t <= 0.1 * wall + 0.05, "sim {t} s after {wall} s wall");
        assert!(t > 0.0, "it ran");
    }
}
