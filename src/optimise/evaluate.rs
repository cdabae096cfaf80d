//! One evaluation of the objective: a candidate controller walks every trial condition of the
//! search, and each trial's measures become the objective's terms.
//!
//! The trials keep no frame: each is fed, as it is recorded, to the gait criteria's own
//! measures ([`GaitMeasures`]: pace and distance from the belt's centre) and to the effort
//! measures ([`EffortMeasures`]). The conditions of one evaluation run in parallel on the
//! current rayon pool, so the evaluations of a generation and their trials share its threads.

use anyhow::Result;
use gait::analysis::AnalysisSettings;
use gait::controller::walking::WalkingParams;
use gait::summary::GaitMeasures;
use gait::{SimError, Trial, TrialSettings, TrialSpec};
use musculo::Model;
use rayon::prelude::*;

use super::objective::{ConditionMeasures, EffortMeasures, Terms, Weights, condition_terms};

/// What the trials of one evaluation share.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The model.
    pub model: &'a Model,
    /// The trials' treadmill and physics.
    pub settings: TrialSettings,
    /// The trial conditions.
    pub conditions: &'a [TrialSpec],
    /// Start of the objective's window \[s\].
    pub window_start_s: f64,
    /// The objective's weights.
    pub weights: &'a Weights,
}

impl Setup<'_> {
    /// Whether the muscle analysis runs: only when the cost of transport counts (it costs
    /// about twice the physics).
    pub fn muscles(&self) -> bool {
        self.weights.cost_of_transport > 0.0
    }

    /// Runs every condition with `params`: their measures and their summed terms (without the
    /// bounds term, which belongs to the sample). An error is an input the walker cannot run
    /// at all (a model without a leg), not a fall.
    pub fn evaluate(&self, params: &WalkingParams) -> Result<(Vec<ConditionMeasures>, Terms)> {
        let measures: Vec<ConditionMeasures> = self
            .conditions
            .par_iter()
            .map(|&spec| self.run_condition(params, spec))
            .collect::<Result<_>>()?;
        let terms = self
            .conditions
            .iter()
            .zip(&measures)
            .map(|(spec, m)| condition_terms(m, self.weights, spec.duration_s))
            .fold(Terms::default(), Terms::plus);
        Ok((measures, terms))
    }

    /// One trial and its measures. A fall, or a simulation that fails on the way (a muscle
    /// analysis without a solution, a non-finite state), ends it at that time.
    pub fn run_condition(
        &self,
        params: &WalkingParams,
        spec: TrialSpec,
    ) -> Result<ConditionMeasures> {
        let mut trial =
            Trial::with_settings(self.model.clone(), spec, self.settings, params.clone())?;
        if self.muscles() {
            trial.set_analysis(Some(AnalysisSettings::default()))?;
        }
        let start = self.window_start_s;
        let mut gait = GaitMeasures::new(self.model, trial.skeleton(), start);
        let mut effort =
            EffortMeasures::new(start, self.model.subject.mass_kg, self.weights.grf_limit_bw);
        let ran = trial.run_streaming(
            |_| {},
            |_, frame| {
                if let Some(f) = frame {
                    gait.frame(&f);
                    effort.frame(&f);
                }
                Ok::<_, SimError>(())
            },
        );
        let record = match ran {
            Ok(record) => record,
            Err(e @ (SimError::Analysis { .. } | SimError::NonFinite { .. })) => {
                return Ok(ConditionMeasures {
                    fall_time_s: Some(trial.time_s()),
                    failure: Some(e.to_string()),
                    pace_error: None,
                    max_distance_m: None,
                    cost_of_transport_j_per_kg_m: None,
                    grf_excess_bw2: None,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let g = gait.finish(&record);
        Ok(ConditionMeasures {
            fall_time_s: record.fall.as_ref().map(|f| f.time_s),
            failure: record.fall.as_ref().map(|f| f.reason.clone()),
            pace_error: g
                .mean_speed_rel_belt_mps
                .map(|v| (v / spec.speed_mps - 1.0).abs()),
            max_distance_m: g.max_distance_from_centre_m,
            cost_of_transport_j_per_kg_m: effort.cost_of_transport(spec.speed_mps),
            grf_excess_bw2: effort.grf_excess_bw2(),
        })
    }
}
