//! Muscles in the loop: each recorded frame's net joint moments (inverse dynamics) are shared
//! among the model's muscles by static optimisation, and the knee's contact loads follow from
//! the muscle forces and the intersegmental force.
//!
//! The analysis runs online (frame by frame, as the trial goes) so the visualizer can show it
//! live; it reads only the frame, never the physics.

use musculo::{
    CoordinateId, JointId, KneeLoads, MetabolicsSettings, Model, MuscleSolution, Sides, SolveError,
    StaticOptimizationSettings, StaticOptimizer, UmbergerMetabolics,
};
use serde::Serialize;

use crate::record::Frame;
use crate::skeleton::Skeleton;

/// Options of the muscle analysis, with documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisSettings {
    /// Force sharing.
    pub static_optimization: StaticOptimizationSettings,
    /// Cut-off of the kinetics low-pass filter \[Hz\]. Default 15 Hz (within the 10-20 Hz used
    /// for gait kinetics; Kristianslund, Krosshaug & van den Bogert 2012, J Biomech 45:666).
    /// Infinite: no filter (measured data filtered before inverse dynamics).
    pub kinetics_cutoff_hz: f64,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            static_optimization: StaticOptimizationSettings::default(),
            kinetics_cutoff_hz: 15.0,
        }
    }
}

/// Muscle states and knee loads of one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MuscleFrame {
    /// Activation per muscle (indexed by `MuscleId`).
    pub activations: Vec<f64>,
    /// Tendon force per muscle \[N\].
    pub forces_n: Vec<f64>,
    /// Fibre length per muscle \[m\].
    pub fiber_length_m: Vec<f64>,
    /// Fibre lengthening speed per muscle [m/s] (negative = shortening).
    pub fiber_velocity_mps: Vec<f64>,
    /// Fibre power per muscle \[W\] (positive = concentric, negative = eccentric).
    pub fiber_power_w: Vec<f64>,
    /// Active fibre force per muscle, along the fibres \[N\] (for muscle energetics).
    pub active_fiber_force_n: Vec<f64>,
    /// Active force-length multiplier per muscle.
    pub active_force_length: Vec<f64>,
    /// Net moments after the kinetics filter, per coordinate [N·m] (what the muscles balanced).
    pub filtered_moments_nm: Vec<f64>,
    /// Moment the muscles did not produce, per coordinate [N·m] (reserve actuator torque for
    /// muscle-actuated coordinates, the whole moment for the others).
    pub residual_moments_nm: Vec<f64>,
    /// Knee loads.
    pub knee: Sides<KneeLoads>,
    /// Metabolic power of each muscle \[W\] (Umberger 2010 energetics, `musculo::metabolics`).
    pub metabolic_power_w: Vec<f64>,
    /// Whole-body metabolic power: muscles plus basal rate \[W\].
    pub whole_body_metabolic_w: f64,
}

/// Second-order Butterworth low-pass filter, one channel, causal (bilinear transform with
/// frequency prewarping; Winter 2009, *Biomechanics and Motor Control of Human Movement*, 4th
/// ed., §3.4, on filtering kinetic data).
#[derive(Debug, Clone, Copy)]
struct LowPass {
    b: [f64; 3],
    a: [f64; 2],
    x: [f64; 2],
    y: [f64; 2],
    primed: bool,
}

impl LowPass {
    /// The filter; an infinite cut-off passes the signal through unchanged.
    fn new(cutoff_hz: f64, sample_hz: f64) -> Self {
        if cutoff_hz == f64::INFINITY {
            return Self {
                b: [1.0, 0.0, 0.0],
                a: [0.0; 2],
                x: [0.0; 2],
                y: [0.0; 2],
                primed: false,
            };
        }
        let k = (std::f64::consts::PI * cutoff_hz / sample_hz).tan();
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let norm = 1.0 / (1.0 + k / q + k * k);
        let b0 = k * k * norm;
        Self {
            b: [b0, 2.0 * b0, b0],
            a: [2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm],
            x: [0.0; 2],
            y: [0.0; 2],
            primed: false,
        }
    }

    fn step(&mut self, x: f64) -> f64 {
        if !self.primed {
            // Start at steady state on the first sample (no start-up transient).
            self.x = [x; 2];
            self.y = [x; 2];
            self.primed = true;
        }
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// Runs static optimisation and knee loads on frames.
///
/// The net moments and the knee's intersegmental forces are low-pass filtered (second-order
/// Butterworth, causal, [`AnalysisSettings::kinetics_cutoff_hz`]) before the muscles see them,
/// as gait laboratories filter kinetic data before muscle analysis. The rigid contacts of the
/// simulation produce millisecond-long impact transients at each foot strike that no muscle
/// activation dynamics could follow; the frames keep the unfiltered values.
#[derive(Debug, Clone)]
pub struct Analyzer {
    filters: Vec<LowPass>,
    optimizer: StaticOptimizer,
    energetics: UmbergerMetabolics,
    /// Each knee's flexion coordinate and joint.
    knees: Sides<(CoordinateId, JointId)>,
}

impl Analyzer {
    /// Prepares the analysis of the frames of `model` (body layout `skeleton`) recorded at
    /// `sample_hz`.
    pub fn new(
        model: &Model,
        skeleton: &Skeleton,
        settings: AnalysisSettings,
        sample_hz: f64,
    ) -> Result<Self, SolveError> {
        let cutoff = match settings.kinetics_cutoff_hz {
            f64::INFINITY => f64::INFINITY,
            c => c.min(0.45 * sample_hz),
        };
        let channels = model.coordinates.len() + 6;
        let settings = settings.static_optimization;
        Ok(Self {
            filters: vec![LowPass::new(cutoff, sample_hz); channels],
            optimizer: StaticOptimizer::new(model, settings)?,
            energetics: UmbergerMetabolics::new(MetabolicsSettings::default())
                .expect("default metabolics settings are valid"),
            knees: skeleton.legs.map(|leg| (leg.knee, leg.knee_joint)),
        })
    }

    /// The static optimiser.
    pub fn optimizer(&self) -> &StaticOptimizer {
        &self.optimizer
    }

    /// Analyses the next frame (frames must come in order: the kinetics filter has memory).
    pub fn analyse(&mut self, model: &Model, frame: &Frame) -> Result<MuscleFrame, SolveError> {
        let n = frame.net_moments_nm.len();
        let moments: Vec<f64> = frame
            .net_moments_nm
            .iter()
            .zip(&mut self.filters[..n])
            .map(|(m, f)| f.step(*m))
            .collect();
        let mut knee_force = frame.knee_force_on_shank_n;
        for (k, v) in knee_force.iter_mut().enumerate() {
            for axis in 0..3 {
                v[axis] = self.filters[n + 3 * k + axis].step(v[axis]);
            }
        }
        let sol: MuscleSolution =
            self.optimizer
                .solve(model, &frame.q_rad, &frame.qdot_rad_s, &moments)?;
        let knee = Sides::from_fn(|side| {
            let (flexion, joint) = self.knees[side];
            let flexion = frame.q_rad[flexion.index()];
            musculo::knee_loads(model, joint, &sol.forces_n, flexion, knee_force[side])
        });
        // Inputs are finite and bounded (the solver checked them), so the energetics cannot fail
        // on them; a failure would be a bug worth reporting as a solve error.
        let energy =
            self.energetics
                .from_solution(model, &sol)
                .map_err(|e| SolveError::NotSolved {
                    status: format!("muscle energetics: {e}"),
                })?;
        let active_fiber_force_n = model
            .muscles
            .iter()
            .zip(&sol.fibers)
            .zip(&sol.activations)
            .map(|((m, f), a)| {
                m.max_isometric_force_n * a * f.active_force_length * f.force_velocity
            })
            .collect();
        Ok(MuscleFrame {
            fiber_length_m: sol.fibers.iter().map(|f| f.fiber_length_m).collect(),
            fiber_velocity_mps: sol.fibers.iter().map(|f| f.fiber_velocity_mps).collect(),
            active_force_length: sol.fibers.iter().map(|f| f.active_force_length).collect(),
            active_fiber_force_n,
            activations: sol.activations,
            forces_n: sol.forces_n,
            fiber_power_w: sol.fiber_power_w,
            residual_moments_nm: sol.residual_moments_nm,
            filtered_moments_nm: moments,
            knee,
            metabolic_power_w: energy.muscles.iter().map(|m| m.total_w).collect(),
            whole_body_metabolic_w: energy.total_w,
        })
    }
}
