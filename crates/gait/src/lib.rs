//! The treadmill and the torque-driven walker: a rapier world with a moving, tiltable belt and
//! a multibody built from a `musculo::Model`, driven by a [`controller::Controller`], stepped
//! by [`Trial`] through a fixed pipeline (observe → control → actuate → physics → sense →
//! kinetics → frame → muscle analysis), and the measures of what it did ([`summary`],
//! [`measures`]). `ARCHITECTURE.md` at the workspace root maps the modules.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod analysis;
pub mod contact;
pub mod controller;
pub mod cycle_curves;
pub mod cycles;
pub mod dynamics;
pub mod error;
pub mod hunt_crossley;
pub mod kinematics;
pub mod measured;
pub mod measures;
mod nullable_f64;
pub mod record;
pub mod signal;
pub mod skeleton;
pub mod spec;
pub mod spool;
pub mod stride_buffer;
pub mod stride_work;
pub mod summary;
pub mod treadmill;
pub mod trial;
pub mod walker;

pub use error::SimError;
pub use record::{EventKind, Fall, Frame, GaitEvent};
pub use skeleton::Skeleton;
pub use spec::{Direction, PushSpec, SpecError, TrialSpec};
pub use summary::{GaitSummary, TrialMeasures, TrialSummary, summarise};
pub use trial::{Advance, Trial, TrialRecord, TrialResult, TrialSettings};
