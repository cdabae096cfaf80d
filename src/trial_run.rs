//! One trial from its inputs to its measures, shared by `simulate`, `gait-grid`, `sweep` and
//! (the measures) `analyze`, so every command computes a trial the same way.

use gait::controller::walking::WalkingParams;
use gait::measures::CycleCurve;
use gait::{SimError, Trial, TrialResult, TrialSpec, TrialSummary};
use musculo::Model;

/// A trial that ran to its end or to a fall, with its measures.
#[derive(Debug, Clone)]
pub struct FinishedTrial {
    /// Frames, events, the fall.
    pub result: TrialResult,
    /// `summary.json`.
    pub summary: TrialSummary,
    /// The gait-cycle curves (`cycles.csv`); there exactly when the summary has its muscle
    /// part (the muscle analysis ran and the trial lasted past the settling time).
    pub cycle_curves: Option<Vec<CycleCurve>>,
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
    Ok(measure(model, trial.run(progress)?))
}

/// The measures of a finished trial, simulated or measured (`retrogait analyze`): the one
/// place a trial's summary and cycle curves are computed.
pub fn measure(model: &Model, result: TrialResult) -> FinishedTrial {
    let (muscle_analysis, cycle_curves) = gait::measures::muscle_measures(model, &result).unzip();
    let summary = TrialSummary {
        gait: gait::summarise(model, &result),
        muscle_analysis,
    };
    FinishedTrial {
        result,
        summary,
        cycle_curves,
    }
}
