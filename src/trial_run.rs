//! One trial from its inputs to its measures, shared by `simulate`, `gait-grid` and `sweep`,
//! so every command computes a trial the same way.

use gait::controller::walking::WalkingParams;
use gait::measures::{CycleCurve, MuscleSummary};
use gait::{GaitSummary, SimError, Trial, TrialResult, TrialSpec};
use musculo::Model;

/// A trial that ran to its end or to a fall, with its measures.
#[derive(Debug, Clone)]
pub struct FinishedTrial {
    /// Frames, events, the fall.
    pub result: TrialResult,
    /// The gait part of `summary.json`.
    pub summary: GaitSummary,
    /// The muscle and joint part of `summary.json` and the gait-cycle curves, when the muscle
    /// analysis ran and the trial lasted past the settling time.
    pub muscles: Option<(MuscleSummary, Vec<CycleCurve>)>,
}

/// Runs `spec` on `model` with the walking controller, with the muscle analysis when
/// `muscles`; `progress` gets the simulated time about every simulated second.
pub fn run_trial(
    model: &Model,
    params: &WalkingParams,
    spec: TrialSpec,
    muscles: bool,
    progress: impl FnMut(f64),
) -> Result<FinishedTrial, SimError> {
    let mut trial = Trial::new(model.clone(), spec, params.clone())?;
    if muscles {
        trial.set_analysis(Some(gait::analysis::AnalysisSettings::default()))?;
    }
    let result = trial.run(progress)?;
    let summary = gait::summarise(model, &result);
    let muscles = gait::measures::muscle_measures(model, &result);
    Ok(FinishedTrial {
        result,
        summary,
        muscles,
    })
}
