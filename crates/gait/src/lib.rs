//! The treadmill and the torque-driven walker.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod analysis;
pub mod controller;
pub mod cycles;
pub mod dynamics;
pub mod measures;
pub mod record;
pub mod spec;
pub mod stride_work;
pub mod summary;
pub mod treadmill;
pub mod trial;
pub mod walker;

pub use record::{EventKind, Fall, Frame, GaitEvent};
pub use spec::{Direction, PushSpec, SpecError, TrialSpec};
pub use summary::{GaitSummary, summarise};
pub use trial::{Advance, SimError, Trial, TrialResult};
