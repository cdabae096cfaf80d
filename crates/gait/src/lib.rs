//! The treadmill and the torque-driven walker.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod analysis;
pub mod contact;
pub mod controller;
pub mod cycles;
pub mod dynamics;
pub mod error;
pub mod measures;
mod nullable_f64;
pub mod record;
pub mod skeleton;
pub mod spec;
pub mod summary;
pub mod treadmill;
pub mod trial;
pub mod walker;

pub use error::SimError;
pub use record::{EventKind, Fall, Frame, GaitEvent};
pub use skeleton::Skeleton;
pub use spec::{Direction, PushSpec, SpecError, TrialSpec};
pub use summary::{GaitSummary, TrialSummary, summarise};
pub use trial::{Advance, Trial, TrialResult, TrialSettings};
