//! Why a trial cannot start or continue: one error type for the gait crate, carrying the
//! time, step and body where the simulation failed.

use crate::skeleton::SkeletonError;
use crate::spec::SpecError;

/// Why a trial cannot start or continue.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimError {
    /// The trial specification is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The model lacks a part the walker needs.
    #[error("model: {0}")]
    Model(#[from] SkeletonError),
    /// The muscle analysis of a frame failed.
    #[error("muscle analysis failed at t = {time_s:.4} s: {source}")]
    Analysis {
        /// Simulation time.
        time_s: f64,
        /// The solver's error.
        source: musculo::SolveError,
    },
    /// The physics produced a non-finite state.
    #[error("the simulation became non-finite at t = {time_s:.4} s (step {step}) in body `{body}`")]
    NonFinite {
        /// Simulation time.
        time_s: f64,
        /// Step index.
        step: u64,
        /// The segment whose state is not finite.
        body: String,
    },
}
