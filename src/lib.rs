//! retrogait: physics-based simulation of forward and backward (retro) treadmill walking, and
//! of what each does to the muscles and the knee.
//!
//! This root package holds the command-line interface and the writers; the musculoskeletal
//! model lives in [`musculo`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod cli;
pub mod model_report;

pub use musculo;
