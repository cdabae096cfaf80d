//! One trial from its inputs to its measures, shared by `simulate`, `gait-grid`, `sweep` and
//! (the measures) `analyze`, so every command computes a trial the same way.
//!
//! A simulated trial keeps none of its frames: each is written to the frame files and fed to
//! the measures as it is recorded ([`gait::TrialMeasures`]), so memory does not grow with the
//! trial's length.

use std::path::Path;

use anyhow::{Context, Result};
use gait::controller::walking::WalkingParams;
use gait::measures::CycleCurve;
use gait::{
    Frame, SimError, Trial, TrialMeasures, TrialRecord, TrialResult, TrialSettings, TrialSpec,
    TrialSummary,
};
use musculo::Model;

use crate::frame_files::FrameFiles;
use crate::output::TrialFiles;

/// A trial that ran to its end or to a fall, with its measures.
#[derive(Debug, Clone)]
pub struct FinishedTrial {
    /// Events, the fall, the spec (everything but the frames).
    pub record: TrialRecord,
    /// The treadmill and physics it ran on; none for a measured recording.
    pub settings: Option<TrialSettings>,
    /// `summary.json`.
    pub summary: TrialSummary,
    /// The gait-cycle curves (`cycles.csv`); there exactly when the summary has its muscle
    /// part (the muscle analysis ran and the trial lasted past the settling time).
    pub cycle_curves: Option<Vec<CycleCurve>>,
}

/// The folder a trial writes into while it runs.
#[derive(Debug, Clone, Copy)]
pub struct TrialOutput<'a> {
    /// The trial's folder (created if missing); the frame files are written into it as the
    /// trial runs, and the measures keep their records for the end there.
    pub dir: &'a Path,
    /// Which files to write.
    pub files: TrialFiles,
}

/// Runs `spec` on `model` with the walking controller and `settings` (the model's defaults:
/// [`TrialSettings::for_model`]), with the muscle analysis when `muscles`, writing the frame
/// files into `output` (if any) as it goes; `progress` gets the simulated time about every
/// simulated second.
///
/// The outer error means the folder could not be written; the inner one that the trial
/// itself failed (a sweep records that in the trial's folder).
pub fn run_trial(
    model: &Model,
    params: &WalkingParams,
    spec: TrialSpec,
    settings: TrialSettings,
    muscles: bool,
    output: Option<TrialOutput<'_>>,
    progress: impl FnMut(f64),
) -> Result<Result<FinishedTrial, SimError>> {
    let mut trial = match Trial::with_settings(model.clone(), spec, settings, params.clone()) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    if muscles && let Err(e) = trial.set_analysis(Some(gait::analysis::AnalysisSettings::default()))
    {
        return Ok(Err(e));
    }
    let dir = output.map(|o| o.dir);
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    }
    let mut files = match output {
        Some(o) if o.files.frames => Some(FrameFiles::create(o.dir, model)?),
        _ => None,
    };
    let spool_error = |e| {
        anyhow::Error::new(e).context(match dir {
            Some(dir) => format!(
                "cannot write the measures' temporary files in {}",
                dir.display()
            ),
            None => "cannot keep the measures' records".to_owned(),
        })
    };
    let mut measures = TrialMeasures::new(
        model,
        trial.skeleton(),
        trial.analysis_start_s(),
        muscles,
        dir,
    )
    .map_err(spool_error)?;
    let ran = trial.run_streaming(progress, |events, frame| -> Result<(), Stop> {
        for e in events {
            measures.event(e).map_err(|e| Stop::Write(spool_error(e)))?;
        }
        if let Some(f) = frame {
            if let Some(files) = &mut files {
                files.write(&f).map_err(Stop::Write)?;
            }
            measures
                .frame(&f)
                .map_err(|e| Stop::Write(spool_error(e)))?;
        }
        Ok(())
    });
    let record = match ran {
        Ok(record) => record,
        Err(Stop::Trial(e)) => return Ok(Err(e)),
        Err(Stop::Write(e)) => return Err(e),
    };
    if let Some(files) = files {
        files.finish()?;
    }
    let (summary, cycle_curves) = measures.finish(&record).map_err(spool_error)?;
    Ok(Ok(FinishedTrial {
        record,
        settings: Some(settings),
        summary,
        cycle_curves,
    }))
}

/// Why a streamed trial stopped early.
enum Stop {
    /// The simulation failed.
    Trial(SimError),
    /// A file could not be written.
    Write(anyhow::Error),
}

impl From<SimError> for Stop {
    fn from(e: SimError) -> Self {
        Self::Trial(e)
    }
}

/// The measures of a recording held in memory (`retrogait analyze`): the one place a
/// trial's summary and cycle curves are computed, as [`run_trial`] computes them while a
/// trial runs. Returns them with the recording's frames.
pub fn measure(model: &Model, result: TrialResult) -> (FinishedTrial, Vec<Frame>) {
    let (muscle_analysis, cycle_curves) = gait::measures::muscle_measures(model, &result).unzip();
    let summary = TrialSummary {
        gait: gait::summarise(model, &result),
        muscle_analysis,
    };
    (
        FinishedTrial {
            record: result.record,
            settings: None,
            summary,
            cycle_curves,
        },
        result.frames,
    )
}
