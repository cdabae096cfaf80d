//! From a measured motion and ground reactions to recorded frames: filtered, splined
//! kinematics, inverse dynamics with the measured loads, contacts from the force threshold,
//! and the muscle analysis of every trial.

use glam::{DMat3, DVec3};
use musculo::{Model, STANDARD_GRAVITY_MPS2, Side, Sides};

use super::{MeasuredError, MeasuredLoad, MeasuredLoads, MeasuredMotion, MeasuredSettings};
use crate::analysis::Analyzer;
use crate::dynamics::{ExternalForce, inverse_dynamics};
use crate::kinematics::{Pose, central_motion, centre_of_mass, pose};
use crate::record::{EventDetector, Frame};
use crate::signal::{CubicSpline, lowpass_zero_phase};
use crate::skeleton::Skeleton;
use crate::spec::{Direction, PushSpec, TrialSpec};
use crate::trial::{TrialRecord, TrialResult};

/// Step of the central differences on the splined trajectory \[s\]: small against the motion's
/// time scales (the splines are smooth), large enough that rounding stays below 1e-7 m/s².
const DIFFERENCE_STEP_S: f64 = 1e-4;

/// The recorded motion as smooth functions of time (filtered, then splined).
struct Trajectory {
    q: Vec<CubicSpline>,
    pelvis_angles: [CubicSpline; 3],
    mid_hip: [CubicSpline; 3],
    /// Midpoint of the hip centres in the model's pelvis frame \[m\].
    mid_hip_in_pelvis: DVec3,
}

impl Trajectory {
    fn new(
        model: &Model,
        motion: &MeasuredMotion,
        skeleton: &Skeleton,
        settings: &MeasuredSettings,
        dt_s: f64,
    ) -> Result<Self, MeasuredError> {
        let t = &motion.time_s;
        let smooth = |name: &str, values: Vec<f64>| -> Result<CubicSpline, MeasuredError> {
            let filtered = match settings.cutoff_hz {
                Some(c) => {
                    lowpass_zero_phase(&values, dt_s, c).map_err(|e| MeasuredError::Signal {
                        channel: name.to_owned(),
                        reason: e.to_string(),
                    })?
                }
                None => values,
            };
            CubicSpline::new(t, &filtered).map_err(|e| MeasuredError::Signal {
                channel: name.to_owned(),
                reason: e.to_string(),
            })
        };
        let q = model
            .coordinates
            .iter()
            .enumerate()
            .map(|(c, coordinate)| {
                smooth(
                    &coordinate.name,
                    motion.q_rad.iter().map(|q| q[c]).collect(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let angle = |k: usize, name: &str| {
            smooth(
                name,
                motion.pelvis_angles_rad.iter().map(|a| a[k]).collect(),
            )
        };
        let hip =
            |k: usize, name: &str| smooth(name, motion.mid_hip_m.iter().map(|p| p[k]).collect());
        let legs = &skeleton.legs;
        Ok(Self {
            q,
            pelvis_angles: [
                angle(0, "pelvis tilt")?,
                angle(1, "pelvis list")?,
                angle(2, "pelvis rotation")?,
            ],
            mid_hip: [
                hip(0, "mid-hip x")?,
                hip(1, "mid-hip y")?,
                hip(2, "mid-hip z")?,
            ],
            mid_hip_in_pelvis: 0.5
                * (legs[Side::Right].hip_in_pelvis + legs[Side::Left].hip_in_pelvis),
        })
    }

    fn pelvis_rotation(&self, t: f64) -> DMat3 {
        let [tilt, list, rot] = self.pelvis_angles.each_ref().map(|s| s.value(t));
        DMat3::from_rotation_z(tilt) * DMat3::from_rotation_x(list) * DMat3::from_rotation_y(rot)
    }

    fn mid_hip(&self, t: f64) -> DVec3 {
        let [x, y, z] = self.mid_hip.each_ref().map(|s| s.value(t));
        DVec3::new(x, y, z)
    }

    fn q(&self, t: f64) -> Vec<f64> {
        self.q.iter().map(|s| s.value(t)).collect()
    }

    /// The model posed at `t`, with the coordinates `q` (the trajectory's at `t`).
    fn pose_with(&self, model: &Model, t: f64, q: &[f64]) -> Pose {
        let r = self.pelvis_rotation(t);
        pose(model, r, self.mid_hip(t) - r * self.mid_hip_in_pelvis, q)
    }

    fn pose(&self, model: &Model, t: f64) -> Pose {
        self.pose_with(model, t, &self.q(t))
    }
}

/// The ground's load on one foot at one instant.
#[derive(Debug, Clone, Copy, Default)]
struct FootLoad {
    force: DVec3,
    point: DVec3,
    torque: DVec3,
}

/// The load of one foot at `t` by linear interpolation (the loads are sampled much faster
/// than the kinematics, as force plates are); within one sample beyond either end, the end
/// sample (as the command line's coverage check allows).
fn load_at(load: &MeasuredLoad, t: f64) -> Option<FootLoad> {
    let ts = &load.time_s;
    let (first, last) = (*ts.first()?, *ts.last()?);
    let step = if ts.len() > 1 {
        (last - first) / (ts.len() - 1) as f64
    } else {
        0.0
    };
    let tolerance = step + 1e-9;
    let sample = |i: usize| FootLoad {
        force: load.force_n[i],
        point: load.point_m[i],
        torque: load.torque_nm[i],
    };
    let i = ts.partition_point(|&x| x <= t);
    if i == 0 {
        return (first - t <= tolerance).then(|| sample(0));
    }
    if i == ts.len() {
        return (t - last <= tolerance).then(|| sample(ts.len() - 1));
    }
    let w = (t - ts[i - 1]) / (ts[i] - ts[i - 1]);
    let mix = |v: &[DVec3]| v[i - 1].lerp(v[i], w);
    Some(FootLoad {
        force: mix(&load.force_n),
        point: mix(&load.point_m),
        torque: mix(&load.torque_nm),
    })
}

/// What one sample of the recording gives: its frame (without the muscle analysis, and with
/// the belt velocity still unknown), the contacts, and the horizontal velocities of the feet
/// that carry more than half the body weight.
struct Sample {
    frame: Frame,
    touching: Sides<bool>,
    heel: Sides<bool>,
    loaded_feet_velocity: Vec<DVec3>,
}

/// A recording ready to be sampled: the model, its layout, the smooth trajectory and the loads.
struct Recording<'a> {
    model: &'a Model,
    skeleton: &'a Skeleton,
    trajectory: Trajectory,
    loads: &'a MeasuredLoads,
    contact_threshold_n: f64,
    /// Time of the first sample \[s\].
    t0: f64,
    /// Mean horizontal velocity of the mid-hip point over the recording [m/s]: the frames'
    /// positions and velocities are taken in the frame moving with it.
    mean_velocity: DVec3,
    /// Body weight \[N\].
    weight_n: f64,
    /// Middle of each foot's contact spheres along the foot (x, foot frame) \[m\]: the centre
    /// of pressure behind it is under the heel.
    mid_foot_x: Sides<f64>,
}

impl Recording<'_> {
    /// The sample at `t`: kinematics by central differences on the trajectory, the loads,
    /// inverse dynamics, contacts (vertical force above the threshold; heel when the centre of
    /// pressure is behind the middle of the foot's contact spheres).
    fn sample(&self, t: f64) -> Result<Sample, MeasuredError> {
        let (model, skeleton) = (self.model, self.skeleton);
        let h = DIFFERENCE_STEP_S;
        let q = self.trajectory.q(t);
        let at = self.trajectory.pose_with(model, t, &q);
        let motion = central_motion(
            model,
            [
                &self.trajectory.pose(model, t - h),
                &at,
                &self.trajectory.pose(model, t + h),
            ],
            h,
        );
        let mut load = Sides::new(FootLoad::default(), FootLoad::default());
        for side in Side::BOTH {
            load[side] = load_at(&self.loads[side], t)
                .ok_or(MeasuredError::LoadsDoNotCover { side, time_s: t })?;
        }
        let external: Vec<ExternalForce> = Side::BOTH
            .iter()
            .map(|&side| ExternalForce {
                segment: skeleton.legs[side].foot,
                force: load[side].force,
                point: load[side].point,
                torque: load[side].torque,
            })
            .collect();
        let gravity = DVec3::new(0.0, -STANDARD_GRAVITY_MPS2, 0.0);
        let id = inverse_dynamics(model, &motion, &at.axes, gravity, &external);
        let loaded_feet_velocity = Side::BOTH
            .iter()
            .filter(|&&side| load[side].force.y > 0.5 * self.weight_n)
            .map(|&side| {
                let v = motion[skeleton.legs[side].foot.index()].state.com_velocity;
                DVec3::new(v.x, 0.0, v.z)
            })
            .collect();
        let touching = load.map(|l| l.force.y > self.contact_threshold_n);
        let heel = Sides::from_fn(|side| {
            let foot = skeleton.legs[side].foot.index();
            let local = at.rotation[foot].transpose() * (load[side].point - at.origin[foot]);
            touching[side] && local.x < self.mid_foot_x[side]
        });
        let shift = self.mean_velocity * (t - self.t0);
        let (com, com_velocity) = centre_of_mass(model, motion.iter().map(|m| &m.state));
        let pelvis = &motion[skeleton.pelvis.index()].state;
        let frame = Frame {
            time_s: t,
            q_rad: q,
            qdot_rad_s: self.trajectory.q.iter().map(|s| s.derivative(t)).collect(),
            // No controller: nothing was applied.
            applied_torques_nm: vec![f64::NAN; model.coordinates.len()],
            net_moments_nm: id.moments_nm,
            grf_n: load.map(|l| l.force),
            cop_m: Sides::from_fn(|s| {
                if touching[s] {
                    load[s].point - shift
                } else {
                    DVec3::ZERO
                }
            }),
            heel_contact: heel,
            toe_contact: Sides::from_fn(|s| touching[s] && !heel[s]),
            pelvis_position_m: pelvis.origin - shift,
            pelvis_velocity_mps: pelvis.com_velocity - self.mean_velocity,
            com_m: com - shift,
            com_velocity_mps: com_velocity - self.mean_velocity,
            belt_velocity_mps: DVec3::ZERO,
            push_force_n: DVec3::ZERO,
            knee_force_on_shank_n: Sides::from_fn(|side| {
                let leg = &skeleton.legs[side];
                at.rotation[leg.shank.index()].transpose()
                    * id.joint_forces_n[leg.knee_joint.index()]
            }),
            residual_force_n: id.residual_force_n,
            residual_moment_nm: id.residual_moment_nm,
            stance_side: None,
            muscles: None,
        };
        Ok(Sample {
            frame,
            touching,
            heel,
            loaded_feet_velocity,
        })
    }
}

/// Analyses a measured recording; see [`super::analyse`].
pub(super) fn analyse(
    model: &Model,
    motion: &MeasuredMotion,
    loads: &MeasuredLoads,
    settings: &MeasuredSettings,
) -> Result<TrialResult, MeasuredError> {
    let started = std::time::Instant::now();
    let skeleton = Skeleton::resolve(model)?;
    let times = &motion.time_s;
    let n = times.len();
    let (t0, t_end) = (times[0], times[n - 1]);
    let dt = (t_end - t0) / (n - 1) as f64;
    let trajectory = Trajectory::new(model, motion, &skeleton, settings, dt)?;
    // Measures are taken in the frame moving with the body's mean velocity (a Galilean change
    // of frame: accelerations, forces and moments are unchanged), where the ground moves as a
    // treadmill's belt does, whether the recording was overground or on a treadmill.
    let mut travel = trajectory.mid_hip(t_end) - trajectory.mid_hip(t0);
    travel.y = 0.0;
    let facing: DVec3 = times
        .iter()
        .map(|&t| trajectory.pelvis_rotation(t).x_axis)
        .sum();
    let recording = Recording {
        model,
        skeleton: &skeleton,
        trajectory,
        loads,
        contact_threshold_n: settings.contact_threshold_n,
        t0,
        mean_velocity: travel / (t_end - t0),
        weight_n: model.total_mass_kg() * STANDARD_GRAVITY_MPS2,
        mid_foot_x: skeleton.legs.map(|leg| {
            let contacts = &model.segments[leg.foot.index()].contacts;
            contacts.iter().map(|c| c.centre.x).sum::<f64>() / contacts.len().max(1) as f64
        }),
    };
    let mut analyzer = settings
        .muscles
        .map(|s| Analyzer::new(model, &skeleton, s, 1.0 / dt))
        .transpose()
        .map_err(|e| MeasuredError::Muscles {
            time_s: t0,
            reason: e.to_string(),
        })?;
    let mut detector: Option<EventDetector> = None;
    let mut frames = Vec::with_capacity(n);
    let mut events = Vec::new();
    // The feet that bear more than half the body weight rest on the ground, so their mean
    // horizontal velocity is the ground's in the recording's frame (zero overground, the belt's
    // on an instrumented treadmill).
    let mut loaded_feet_velocity = Vec::new();
    for &t in times {
        let mut sample = recording.sample(t)?;
        if let Some(a) = analyzer.as_mut() {
            let muscles = a
                .analyse(model, &sample.frame)
                .map_err(|e| MeasuredError::Muscles {
                    time_s: t,
                    reason: e.to_string(),
                })?;
            sample.frame.muscles = Some(muscles);
        }
        let detector =
            detector.get_or_insert_with(|| EventDetector::starting_with(sample.touching));
        events.extend(detector.update(t, sample.touching, sample.heel));
        loaded_feet_velocity.extend(sample.loaded_feet_velocity);
        frames.push(sample.frame);
    }
    // The ground seen from the frame moving with the body: the belt of a treadmill trial.
    let ground = if loaded_feet_velocity.is_empty() {
        DVec3::ZERO
    } else {
        loaded_feet_velocity.iter().sum::<DVec3>() / loaded_feet_velocity.len() as f64
    };
    let belt = ground - recording.mean_velocity;
    for f in &mut frames {
        f.belt_velocity_mps = belt;
    }
    let spec = TrialSpec {
        direction: if belt.dot(facing) <= 0.0 {
            Direction::Forward
        } else {
            Direction::Backward
        },
        speed_mps: belt.length(),
        incline_pct: 0.0,
        duration_s: t_end - t0,
        seed: 0,
        sample_rate_hz: 1.0 / dt,
        pushes: PushSpec {
            force_n: 0.0,
            ..PushSpec::default()
        },
    };
    Ok(TrialResult {
        record: TrialRecord {
            spec,
            skeleton,
            events,
            fall: None,
            wall_time_s: started.elapsed().as_secs_f64(),
            // One "step" per sample interval, so that steps × dt is the time analysed.
            steps: (n - 1) as u64,
            dt_s: dt,
            start_ramp_s: t0,
            settle_s: 0.0,
        },
        frames,
    })
}
