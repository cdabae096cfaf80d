//! One walker on one treadmill, turned into plain data the scene and the plots draw.
//!
//! No bevy here: a [`Lane`] steps a `gait::Trial` (physics, controller and the online muscle
//! analysis, exactly as `retrogait simulate` runs them) and, at every recorded frame, refreshes
//! a [`LaneView`] in world coordinates. The renderer only ever reads views.

use std::collections::VecDeque;

use gait::analysis::AnalysisSettings;
use gait::controller::walking::WalkingParams;
use gait::stride_work::{LegStride, StrideWork, mean_work};
use gait::{Direction, Frame, GaitEvent, Trial, TrialSpec};
use glam::{DQuat, DVec3};
use musculo::{Model, MuscleGroup, Side, Sides, Subject};

/// What a lane simulates; changing anything but speed and incline restarts it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneConfig {
    /// Walking direction.
    pub direction: Direction,
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Belt incline [% grade].
    pub incline_pct: f64,
    /// The subject the model is scaled to.
    pub subject: Subject,
    /// Seed of the trial.
    pub seed: u64,
}

/// The groups the labels and the work chart show, in display order: the sagittal groups, in
/// the order of the report and `cycles.csv`.
pub const SHOWN_GROUPS: [MuscleGroup; 7] = MuscleGroup::SAGITTAL;

/// Groups in the activation plot (the calf is gastrocnemius and soleus together).
pub const PLOTTED_ACTIVATIONS: [&str; 4] = ["quadriceps", "hamstrings", "gluteals", "calf"];

/// Seconds of history kept for the live plots (about three strides at 1 m/s).
pub const HISTORY_S: f64 = 4.0;
/// Strides of each leg averaged in the work chart.
const WORK_STRIDES: usize = 5;
/// Fibre power beyond which a group counts as working concentrically or eccentrically [W];
/// below it, or below [`ACTIVE_THRESHOLD`], the label says "quiet".
const POWER_THRESHOLD_W: f64 = 2.0;
/// Activation below which a group is "quiet" whatever its fibres do.
const ACTIVE_THRESHOLD: f64 = 0.05;

/// A rigid pose in the simulation's world frame (y up, the walker faces +x).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pose {
    /// Orientation.
    pub rotation: DQuat,
    /// Origin of the segment frame \[m\].
    pub translation: DVec3,
}

/// One muscle as drawn: its path through the world and its state.
#[derive(Debug, Clone, PartialEq)]
pub struct MuscleView {
    /// Origin, via points and insertion [m, world].
    pub points: Vec<DVec3>,
    /// Activation 0..1.
    pub activation: f64,
}

/// What a muscle group's fibres are doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Shortening under load: positive fibre power.
    Concentric,
    /// Lengthening under load: negative fibre power.
    Eccentric,
    /// Barely active or barely moving.
    Quiet,
}

impl Work {
    /// Classifies a group from its summed fibre power and mean activation.
    pub fn classify(power_w: f64, activation: f64) -> Self {
        if activation < ACTIVE_THRESHOLD || power_w.abs() < POWER_THRESHOLD_W {
            Work::Quiet
        } else if power_w > 0.0 {
            Work::Concentric
        } else {
            Work::Eccentric
        }
    }

    /// The word the labels use.
    pub fn as_str(self) -> &'static str {
        match self {
            Work::Concentric => "concentric",
            Work::Eccentric => "eccentric",
            Work::Quiet => "quiet",
        }
    }
}

/// A muscle group of the leg nearer the side camera (right), for the teaching labels.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupView {
    /// The group.
    pub group: MuscleGroup,
    /// Where its label points to: the middle of its first muscle [m, world].
    pub anchor: DVec3,
    /// Mean activation of its muscles.
    pub activation: f64,
    /// Summed fibre power \[W\].
    pub power_w: f64,
    /// Concentric, eccentric or quiet.
    pub work: Work,
}

/// Ground reaction force of one foot.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ForceView {
    /// Centre of pressure [m, world].
    pub point: DVec3,
    /// Force on the foot \[N\].
    pub force: DVec3,
}

/// Knee loads of one leg.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KneeView {
    /// Knee joint centre [m, world].
    pub centre: DVec3,
    /// Tibiofemoral compressive force [body weights].
    pub tibiofemoral_bw: f64,
    /// Patellofemoral compressive force [body weights].
    pub patellofemoral_bw: f64,
}

/// One sample of the live plots (right leg).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    /// Simulation time \[s\].
    pub time_s: f64,
    /// Tibiofemoral force \[BW\].
    pub tibiofemoral_bw: f64,
    /// Patellofemoral force \[BW\].
    pub patellofemoral_bw: f64,
    /// Activations in the order of [`PLOTTED_ACTIVATIONS`].
    pub activations: [f64; 4],
}

/// Concentric and eccentric fibre work of one group, per leg and stride \[J\], as
/// `summary.json` defines it (`gait::stride_work`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupWork {
    /// Positive work (shortening).
    pub concentric_j: f64,
    /// Negative work (lengthening), as a negative number.
    pub eccentric_j: f64,
}

/// Everything the renderer needs of one lane at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneView {
    /// What runs.
    pub config: LaneConfig,
    /// Simulation time \[s\].
    pub time_s: f64,
    /// Belt speed now [m/s] (follows the requested speed gradually).
    pub speed_mps: f64,
    /// Incline now [%].
    pub incline_pct: f64,
    /// Belt rotation about the world z axis \[rad\].
    pub belt_tilt_rad: f64,
    /// How far the belt surface has moved along its own length \[m\] (for its stripes).
    pub belt_travel_m: f64,
    /// Belt length and width \[m\].
    pub belt_size_m: (f64, f64),
    /// Segment poses, indexed like the model's segments.
    pub segments: Vec<Pose>,
    /// Muscles, indexed like the model's muscles.
    pub muscles: Vec<MuscleView>,
    /// Ground reaction force per foot.
    pub grf: Sides<ForceView>,
    /// Knee loads.
    pub knees: Sides<KneeView>,
    /// Groups of the right leg.
    pub groups: Vec<GroupView>,
    /// Recent samples, oldest first, covering [`HISTORY_S`].
    pub history: VecDeque<Sample>,
    /// Work per group (order of [`SHOWN_GROUPS`]): the mean per leg per stride over the last
    /// five (`WORK_STRIDES`) completed strides of each leg, computed as `summary.json`'s.
    pub work_per_stride: Vec<GroupWork>,
    /// Strides completed (right foot strikes after the first).
    pub strides: usize,
    /// Why and when the walker fell, if it did.
    pub fell: Option<String>,
    /// Body weight \[N\].
    pub weight_n: f64,
}

/// A walker on a treadmill, stepping.
pub struct Lane {
    trial: Trial,
    view: LaneView,
    /// Fibre work per stride of each leg, per group of [`SHOWN_GROUPS`].
    stride_work: StrideWork,
    /// The last completed strides of each leg (right, left), oldest first.
    recent_strides: Sides<VecDeque<LegStride>>,
    right_strikes: usize,
    /// Right-leg muscles of each shown group (the labels point at the right leg).
    group_muscles: Vec<Vec<usize>>,
    /// Muscles whose activations the plot shows, right leg, per [`PLOTTED_ACTIVATIONS`].
    plotted_muscles: [Vec<usize>; 4],
}

impl Lane {
    /// Builds the model for the subject and starts a trial standing on the still belt.
    pub fn new(config: LaneConfig) -> anyhow::Result<Self> {
        let model =
            Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult.ron", Some(config.subject))?;
        let spec = TrialSpec {
            direction: config.direction,
            speed_mps: config.speed_mps,
            incline_pct: config.incline_pct,
            duration_s: TrialSpec::MAX_DURATION_S,
            seed: config.seed,
            ..TrialSpec::default()
        };
        let mut trial = Trial::new(model, spec, WalkingParams::default())?;
        trial.set_analysis(Some(AnalysisSettings::default()))?;
        let model = trial.model();
        let right = |groups: &[MuscleGroup]| -> Vec<usize> {
            model
                .muscles
                .iter()
                .enumerate()
                .filter(|(_, m)| m.side == Side::Right && groups.contains(&m.group))
                .map(|(i, _)| i)
                .collect()
        };
        let group_muscles = SHOWN_GROUPS.iter().map(|&g| right(&[g])).collect();
        let plotted_muscles = [
            right(&[MuscleGroup::Quadriceps]),
            right(&[MuscleGroup::Hamstrings]),
            right(&[MuscleGroup::Gluteals]),
            right(&[MuscleGroup::Gastrocnemius, MuscleGroup::Soleus]),
        ];
        let view = LaneView {
            config,
            time_s: 0.0,
            speed_mps: config.speed_mps,
            incline_pct: config.incline_pct,
            belt_tilt_rad: 0.0,
            belt_travel_m: 0.0,
            belt_size_m: (2.0, 0.8),
            segments: vec![Pose::default(); model.segments.len()],
            muscles: model
                .muscles
                .iter()
                .map(|m| MuscleView {
                    points: vec![DVec3::ZERO; m.display_points.len()],
                    activation: 0.0,
                })
                .collect(),
            grf: Sides::default(),
            knees: Sides::default(),
            groups: Vec::new(),
            history: VecDeque::new(),
            work_per_stride: vec![GroupWork::default(); SHOWN_GROUPS.len()],
            strides: 0,
            fell: None,
            weight_n: model.subject.weight_n(),
        };
        let mut lane = Self {
            view,
            stride_work: StrideWork::muscle_groups(model, &SHOWN_GROUPS),
            recent_strides: Sides::default(),
            right_strikes: 0,
            group_muscles,
            plotted_muscles,
            trial,
        };
        lane.refresh_kinematics();
        Ok(lane)
    }

    /// The model the lane simulates.
    pub fn model(&self) -> &Model {
        self.trial.model()
    }

    /// The view after the last recorded frame.
    pub fn view(&self) -> &LaneView {
        &self.view
    }

    /// Simulation time \[s\].
    pub fn time_s(&self) -> f64 {
        self.trial.time_s()
    }

    /// Physics step \[s\].
    pub fn dt_s(&self) -> f64 {
        self.trial.dt_s()
    }

    /// Requests a belt speed and incline; the treadmill's motor follows gradually.
    /// Out-of-range values are rejected with the trial spec's message.
    pub fn set_belt(&mut self, speed_mps: f64, incline_pct: f64) -> anyhow::Result<()> {
        self.trial.set_belt(speed_mps, incline_pct)?;
        self.view.config.speed_mps = speed_mps;
        self.view.config.incline_pct = incline_pct;
        Ok(())
    }

    /// Pushes the pelvis horizontally with `force_n` towards `heading_rad` (0 = +x, the way
    /// the walker faces; π/2 = its left) for 0.2 s.
    pub fn push(&mut self, force_n: f64, heading_rad: f64) {
        let f = DVec3::new(heading_rad.cos(), 0.0, -heading_rad.sin()) * force_n;
        self.trial.push_now(f, 0.2);
    }

    /// Advances to the next recorded frame (5 ms at the default 200 Hz) and refreshes the
    /// view. Does nothing once the walker has fallen.
    pub fn advance_frame(&mut self) -> anyhow::Result<()> {
        if self.view.fell.is_some() {
            return Ok(());
        }
        loop {
            let a = self.trial.advance()?;
            let v = self.trial.belt_velocity();
            let along = DVec3::new(
                self.view.belt_tilt_rad.cos(),
                self.view.belt_tilt_rad.sin(),
                0.0,
            );
            self.view.belt_travel_m += v.dot(along) * self.dt_s();
            for e in &a.events {
                self.on_event(e);
            }
            if let Some(f) = &a.fall {
                self.view.fell = Some(format!("fell at {:.1} s ({})", f.time_s, f.reason));
            }
            if let Some(frame) = &a.frame {
                self.on_frame(frame);
                return Ok(());
            }
            if a.fall.is_some() {
                self.refresh_kinematics();
                return Ok(());
            }
        }
    }

    fn on_event(&mut self, e: &GaitEvent) {
        if e.kind != gait::EventKind::FootStrike {
            return;
        }
        // Strikes are confirmed after their time; the accumulator integrates from it.
        self.stride_work.foot_strike(e.side, e.time_s);
        self.update_work();
        if e.side == Side::Right {
            self.right_strikes += 1;
            if self.right_strikes >= 2 {
                self.view.strides += 1;
            }
        }
    }

    /// Takes the strides just completed and refreshes the work bars.
    fn update_work(&mut self) {
        let mut changed = false;
        for stride in self.stride_work.drain_completed() {
            let recent = &mut self.recent_strides[stride.side];
            recent.push_back(stride);
            if recent.len() > WORK_STRIDES {
                recent.pop_front();
            }
            changed = true;
        }
        if changed {
            for (g, out) in self.view.work_per_stride.iter_mut().enumerate() {
                let w = mean_work(self.recent_strides.iter().flatten(), g);
                *out = GroupWork {
                    concentric_j: w.positive,
                    eccentric_j: w.negative,
                };
            }
        }
    }

    fn refresh_kinematics(&mut self) {
        let t = &self.trial;
        let model = t.model();
        self.view.time_s = t.time_s();
        let belt = t.belt();
        self.view.speed_mps = belt.speed_mps;
        self.view.incline_pct = belt.incline_pct;
        let tread = t.treadmill();
        self.view.belt_tilt_rad =
            tread.normal.y.atan2(tread.normal.x) - std::f64::consts::FRAC_PI_2;
        for (pose, s) in self.view.segments.iter_mut().zip(t.segments()) {
            *pose = Pose {
                rotation: DQuat::from_mat3(&s.rotation),
                translation: s.origin,
            };
        }
        let world = |seg: usize, p: DVec3| {
            let s = &t.segments()[seg];
            s.origin + s.rotation * p
        };
        for (view, m) in self.view.muscles.iter_mut().zip(&model.muscles) {
            for (out, &(seg, p)) in view.points.iter_mut().zip(&m.display_points) {
                *out = world(seg.index(), p);
            }
        }
        for leg in &t.skeleton().legs {
            let knee = model.joints[leg.knee_joint.index()].location_in_parent_m;
            self.view.knees[leg.side].centre = world(leg.thigh.index(), knee);
        }
    }

    fn on_frame(&mut self, frame: &Frame) {
        self.refresh_kinematics();
        let weight = self.view.weight_n;
        for side in Side::BOTH {
            self.view.grf[side] = ForceView {
                point: frame.cop_m[side],
                force: frame.grf_n[side],
            };
        }
        let Some(m) = &frame.muscles else {
            return;
        };
        for (view, &a) in self.view.muscles.iter_mut().zip(&m.activations) {
            view.activation = a;
        }
        for side in Side::BOTH {
            self.view.knees[side].tibiofemoral_bw = m.knee[side].tibiofemoral_n / weight;
            self.view.knees[side].patellofemoral_bw = m.knee[side].patellofemoral_n / weight;
        }
        self.stride_work.push_frame(frame.time_s, &m.fiber_power_w);
        self.update_work();
        self.view.groups = SHOWN_GROUPS
            .iter()
            .zip(&self.group_muscles)
            .filter(|(_, right)| !right.is_empty())
            .map(|(&group, right)| {
                let activation =
                    right.iter().map(|&i| m.activations[i]).sum::<f64>() / right.len() as f64;
                let power_w = right.iter().map(|&i| m.fiber_power_w[i]).sum();
                let points = &self.view.muscles[right[0]].points;
                let anchor = (points[0] + points[points.len() - 1]) / 2.0;
                GroupView {
                    group,
                    anchor,
                    activation,
                    power_w,
                    work: Work::classify(power_w, activation),
                }
            })
            .collect();
        let mean = |idx: &[usize]| {
            idx.iter().map(|&i| m.activations[i]).sum::<f64>() / idx.len().max(1) as f64
        };
        self.view.history.push_back(Sample {
            time_s: frame.time_s,
            tibiofemoral_bw: self.view.knees[Side::Right].tibiofemoral_bw,
            patellofemoral_bw: self.view.knees[Side::Right].patellofemoral_bw,
            activations: [
                mean(&self.plotted_muscles[0]),
                mean(&self.plotted_muscles[1]),
                mean(&self.plotted_muscles[2]),
                mean(&self.plotted_muscles[3]),
            ],
        });
        while self
            .view
            .history
            .front()
            .is_some_and(|s| s.time_s < frame.time_s - HISTORY_S)
        {
            self.view.history.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(direction: Direction) -> LaneConfig {
        crate::sim::Settings {
            direction,
            ..Default::default()
        }
        .lanes()[0]
    }

    #[test]
    fn work_classification_follows_the_sign_of_fibre_power() {
        assert_eq!(Work::classify(30.0, 0.3), Work::Concentric);
        assert_eq!(Work::classify(-30.0, 0.3), Work::Eccentric);
        assert_eq!(Work::classify(-30.0, 0.01), Work::Quiet);
        assert_eq!(Work::classify(0.5, 0.5), Work::Quiet);
    }

    #[test]
    fn a_lane_walks_and_its_view_follows_the_walker() {
        let mut lane = Lane::new(config(Direction::Backward)).unwrap();
        let pelvis0 = lane.view().segments[lane.model().root.index()].translation;
        for _ in 0..(4.0 * 200.0) as usize {
            lane.advance_frame().unwrap();
        }
        let v = lane.view();
        assert!((v.time_s - 4.0).abs() < 1e-9, "time {}", v.time_s);
        assert!(v.fell.is_none());
        // The belt ran backwards under a backward walker: its surface moved towards +x... at
        // the ramped speed, about 2.5 m in 4 s.
        assert!(
            v.belt_travel_m.abs() > 2.0,
            "belt travel {}",
            v.belt_travel_m
        );
        let pelvis = v.segments[lane.model().root.index()].translation;
        assert!(pelvis.distance(pelvis0) > 0.01, "the pelvis moved");
        assert!((v.history.back().unwrap().time_s - 4.0).abs() < 1e-9);
        assert!(v.history.front().unwrap().time_s >= 4.0 - HISTORY_S - 1e-9);
        assert!(
            v.muscles.iter().any(|m| m.activation > 0.05),
            "some muscle is active"
        );
        assert!(v.knees.iter().any(|k| k.tibiofemoral_bw > 0.0));
        // Muscle paths start on their segments: the first point of each muscle lies within a
        // leg's length of the pelvis.
        for m in &v.muscles {
            assert!(m.points[0].distance(pelvis) < 1.2);
        }
    }

    #[test]
    fn the_work_bars_are_what_summary_json_reports_for_the_same_strides() {
        let mut lane = Lane::new(config(Direction::Forward)).unwrap();
        // Steps as `advance_frame` does, keeping what the trial recorded.
        let (mut frames, mut events) = (Vec::new(), Vec::new());
        while lane.time_s() < 4.0 {
            let a = lane.trial.advance().unwrap();
            assert!(a.fall.is_none(), "{:?}", a.fall);
            for e in &a.events {
                lane.on_event(e);
            }
            events.extend(a.events);
            if let Some(f) = a.frame {
                lane.on_frame(&f);
                frames.push(f);
            }
        }
        let result = gait::TrialResult {
            record: gait::TrialRecord {
                spec: *lane.trial.spec(),
                skeleton: lane.trial.skeleton().clone(),
                events,
                fall: None,
                wall_time_s: 0.0,
                steps: lane.trial.steps(),
                dt_s: lane.dt_s(),
                // The summary's window from 0 s, as the lane counts strides from the start.
                start_ramp_s: 0.0,
                settle_s: 0.0,
            },
            frames,
        };
        let (summary, _) = gait::measures::muscle_measures(lane.model(), &result).unwrap();
        // Few enough strides that the bars average all of them.
        let counts = lane.recent_strides.0.each_ref().map(VecDeque::len);
        assert!(
            counts.iter().all(|n| (1..=WORK_STRIDES).contains(n)),
            "{counts:?}"
        );
        assert_eq!(summary.strides_per_leg.0, counts);
        for (g, group) in SHOWN_GROUPS.iter().enumerate() {
            let s = &summary.muscles[group];
            let bar = lane.view().work_per_stride[g];
            assert_eq!(
                bar.concentric_j, s.concentric_work_j_per_stride,
                "{group:?}"
            );
            assert_eq!(bar.eccentric_j, s.eccentric_work_j_per_stride, "{group:?}");
            assert!(
                bar.concentric_j > 0.0 && bar.eccentric_j < 0.0,
                "{group:?} {bar:?}"
            );
        }
    }

    #[test]
    fn live_speed_changes_ramp_and_bad_values_are_rejected() {
        let mut lane = Lane::new(config(Direction::Forward)).unwrap();
        assert!(lane.set_belt(40.0, 0.0).is_err());
        assert!(lane.set_belt(1.0, f64::NAN).is_err());
        lane.set_belt(1.2, 2.0).unwrap();
        for _ in 0..100 {
            lane.advance_frame().unwrap();
        }
        // 0.5 s at 0.4 m/s² and 1 %/s.
        let v = lane.view();
        assert!((v.speed_mps - 1.2).abs() < 1e-9, "speed {}", v.speed_mps);
        assert!(
            (v.incline_pct - 0.5).abs() < 1e-6,
            "incline {}",
            v.incline_pct
        );
        assert!((v.belt_tilt_rad - (0.005f64).atan()).abs() < 1e-6);
    }
}
