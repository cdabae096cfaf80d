//! Musculoskeletal model of the human body for gait analysis: segments scaled to a subject,
//! joints, Hill-type muscle-tendon units, activation dynamics, muscle force sharing by static
//! optimisation, and knee joint contact loads.
//!
//! The crate knows nothing of physics engines or rendering. Its data flow:
//!
//! ```text
//! assets/models/*.ron --Model::load--> Model (validated, scaled, immutable)
//! (q, q̇, net joint moments) --StaticOptimizer::solve--> MuscleSolution
//!      (activations, forces, fibre states and power, residual moments)
//! (muscle forces, knee angle, intersegmental force) --knee_loads--> KneeLoads
//! ```
//!
//! Conventions: frames x anterior, y superior, z right; coordinates in radians with clinical
//! signs (hip flexion, hip adduction, knee flexion, ankle dorsiflexion positive), identical for
//! both legs; a positive moment arm means tension drives the coordinate positive.
//!
//! ```
//! use musculo::{Model, StaticOptimizer, StaticOptimizationSettings};
//! let model = Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult.ron", None)?;
//! let mut so = StaticOptimizer::new(&model, StaticOptimizationSettings::default())?;
//! let q = model.neutral_pose();
//! let mut moments = vec![0.0; model.coordinate_count()];
//! moments[model.coordinate_id("knee_flexion_r").unwrap().index()] = -50.0; // extension
//! let solution = so.solve(&model, &q, &vec![0.0; q.len()], &moments)?;
//! assert!(solution.activations.iter().all(|a| (0.0..=1.0).contains(a)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod activation;
mod compile;
pub mod curves;
pub mod error;
pub mod input_file;
pub mod knee;
pub mod mass;
pub mod metabolics;
pub mod model;
pub mod muscle;
pub mod path;
pub mod spec;
pub mod static_opt;

pub use activation::MuscleState;
pub use error::ModelError;
pub use input_file::{MAX_RON_BYTES, ReadError};
pub use knee::{KneeLoads, knee_loads};
pub use metabolics::{MetabolicsError, MetabolicsSettings, UmbergerMetabolics};
pub use model::{
    Coordinate, CoordinateId, GroundContact, HuntCrossley, Joint, JointId, Model, MuscleId,
    STANDARD_GRAVITY_MPS2, Segment, SegmentId, Side, Sides, Subject,
};
pub use muscle::{FiberState, Muscle};
pub use spec::{ModelSpec, MuscleGroup};
pub use static_opt::{
    ForceSharingSolver, MuscleSolution, SolveError, SolveMethod, StaticOptimizationSettings,
    StaticOptimizer,
};

/// The built-in adult model (`assets/models/adult.ron`), embedded so the library and the CLI
/// work without the assets folder.
pub const ADULT_MODEL_RON: &str = include_str!("../../../assets/models/adult.ron");
