//! What the report reads from a finished sweep: one [`TrialData`] per trial, taken from its
//! record (`summary.json` or `error.json`) and its `cycles.csv`.
//!
//! Every number is checked once here: a missing field, a `null` or a non-finite value becomes
//! `None`, so the plots and the findings never see a NaN. Muscle work counts only when the
//! trial has whole strides (a trial too short for one stride writes zero work, which is not a
//! measurement).

use std::collections::BTreeMap;
use std::path::Path;

use gait::Direction;
use musculo::MuscleGroup;

use crate::results::{TrialRecord, TrialStatus};
use crate::scenario::{PlannedTrial, Scenario};

/// Concentric and eccentric fibre work of one muscle group, both positive [J per stride].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    /// Work done while shortening.
    pub concentric_j: f64,
    /// Work absorbed while lengthening (magnitude).
    pub eccentric_j: f64,
}

/// One trial as the report sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialData {
    /// Folder name.
    pub name: String,
    /// Walking direction.
    pub direction: Direction,
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Belt grade [%].
    pub incline_pct: f64,
    /// Subject name.
    pub subject: String,
    /// Seed.
    pub seed: u64,
    /// How the trial ended.
    pub status: TrialStatus,
    /// The error of a failed trial.
    pub error: Option<String>,
    /// When a fallen trial fell \[s\].
    pub fall_time_s: Option<f64>,
    /// Whole strides measured (both legs).
    pub strides: Option<f64>,
    /// Steps per minute.
    pub cadence_steps_per_min: Option<f64>,
    /// Stride length \[m\].
    pub stride_length_m: Option<f64>,
    /// Peak knee tibiofemoral contact force \[BW\].
    pub peak_knee_tf_force_bw: Option<f64>,
    /// Peak knee patellofemoral contact force \[BW\].
    pub peak_knee_pf_force_bw: Option<f64>,
    /// Mean metabolic power [W/kg].
    pub metabolic_power_w_per_kg: Option<f64>,
    /// Metabolic cost of transport [J/(kg·m)].
    pub cost_of_transport: Option<f64>,
    /// Work per muscle group, when the trial has whole strides.
    pub work: BTreeMap<MuscleGroup, Work>,
    /// Mean activation of each key muscle group over the gait cycle (0..=100 %, both legs
    /// averaged), from `cycles.csv`.
    pub activation: BTreeMap<MuscleGroup, Vec<f64>>,
}

impl TrialData {
    /// Whether the trial counts in the comparisons: it ran to its end.
    pub fn usable(&self) -> bool {
        self.status == TrialStatus::Ok
    }
}

/// The sweep the report describes.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    /// Where the results came from (folders), for the header.
    pub source: String,
    /// Simulated time of every trial \[s\].
    pub duration_s: f64,
    /// Every trial, in scenario order.
    pub trials: Vec<TrialData>,
}

/// A finite number, or `None`.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Builds the report's view of one trial from its plan, record and (optional) folder.
pub fn trial_data(
    scenario: &Scenario,
    trial: &PlannedTrial,
    record: &TrialRecord,
    dir: Option<&Path>,
) -> TrialData {
    let gait = record.summary.as_ref().map(|s| &s.gait);
    let muscle = record
        .summary
        .as_ref()
        .and_then(|s| s.muscle_analysis.as_ref());
    let num = |v: Option<f64>| v.and_then(finite);
    // Strides of the muscle analysis (both legs) when it ran, else the gait summary's count.
    let strides = muscle
        .map(|m| m.strides_per_leg.iter().map(|&n| n as f64).sum::<f64>())
        .or_else(|| gait.map(|g| g.strides as f64));
    let mut work = BTreeMap::new();
    if strides.is_some_and(|n| n > 0.0)
        && let Some(m) = muscle
    {
        for (&group, g) in &m.muscles {
            let c = finite(g.concentric_work_j_per_stride);
            let e = finite(g.eccentric_work_j_per_stride);
            if let (Some(c), Some(e)) = (c, e) {
                work.insert(
                    group,
                    Work {
                        concentric_j: c.abs(),
                        eccentric_j: e.abs(),
                    },
                );
            }
        }
    }
    let activation = dir.map(read_activation).unwrap_or_default();
    TrialData {
        name: trial.name.clone(),
        direction: trial.spec.direction,
        speed_mps: trial.spec.speed_mps,
        incline_pct: trial.spec.incline_pct,
        subject: scenario
            .subjects
            .get(trial.subject)
            .map_or_else(String::new, |s| s.name.clone()),
        seed: trial.spec.seed,
        status: record.status,
        error: record.error.clone(),
        fall_time_s: num(gait.and_then(|g| g.fall_time_s)),
        strides,
        cadence_steps_per_min: num(gait.and_then(|g| g.cadence_steps_per_min)),
        stride_length_m: num(gait.and_then(|g| g.stride_length_m)),
        peak_knee_tf_force_bw: num(muscle.and_then(|m| m.peak_knee_tf_force_bw)),
        peak_knee_pf_force_bw: num(muscle.and_then(|m| m.peak_knee_pf_force_bw)),
        metabolic_power_w_per_kg: num(muscle.and_then(|m| m.metabolic_power_w_per_kg)),
        cost_of_transport: num(muscle.and_then(|m| m.cost_of_transport)),
        work,
        activation,
    }
}

/// The key muscles' activation curves in a trial folder's `cycles.csv`, both legs averaged;
/// empty when the file is missing or unreadable (the report then says the curves are absent).
fn read_activation(dir: &Path) -> BTreeMap<MuscleGroup, Vec<f64>> {
    let Ok(text) = std::fs::read_to_string(dir.join("cycles.csv")) else {
        return BTreeMap::new();
    };
    parse_activation(&text)
}

/// Parses `cycles.csv` (`variable, side, strides, percent_cycle, mean, sd`) into the key
/// muscles' mean activation at 0..=100 %; a curve with a non-finite or missing point is
/// dropped rather than drawn wrong.
pub fn parse_activation(text: &str) -> BTreeMap<MuscleGroup, Vec<f64>> {
    // (group, side) -> points in file order.
    let mut curves: BTreeMap<(MuscleGroup, String), Vec<Option<f64>>> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().cloned().unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(var), Some(side), Some(mean)) = (col("variable"), col("side"), col("mean")) else {
        return BTreeMap::new();
    };
    for row in reader.records().flatten() {
        let Some(group) = row
            .get(var)
            .and_then(|v| v.strip_suffix("_activation"))
            .and_then(|name| {
                MuscleGroup::SAGITTAL
                    .into_iter()
                    .find(|g| g.as_str() == name)
            })
        else {
            continue;
        };
        let value = row
            .get(mean)
            .and_then(|m| m.parse::<f64>().ok())
            .and_then(finite);
        curves
            .entry((group, row.get(side).unwrap_or("").to_owned()))
            .or_default()
            .push(value);
    }
    let mut by_group: BTreeMap<MuscleGroup, Vec<Vec<f64>>> = BTreeMap::new();
    for ((group, _), points) in curves {
        if let Some(points) = points.into_iter().collect::<Option<Vec<f64>>>()
            && points.len() >= 2
        {
            by_group.entry(group).or_default().push(points);
        }
    }
    by_group
        .into_iter()
        .filter_map(|(group, legs)| mean_curve(&legs).map(|c| (group, c)))
        .collect()
}

/// Point-wise mean of curves of equal length (`None` if there are none or lengths differ).
pub fn mean_curve(curves: &[Vec<f64>]) -> Option<Vec<f64>> {
    let n = curves.first()?.len();
    if n == 0 || curves.iter().any(|c| c.len() != n) {
        return None;
    }
    Some(
        (0..n)
            .map(|k| curves.iter().map(|c| c[k]).sum::<f64>() / curves.len() as f64)
            .collect(),
    )
}

/// Mean of the finite values, `None` if there are none (a stray NaN must not blank a whole
/// condition, nor reach the page).
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (s, n) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| s / n as f64).and_then(finite)
}

/// A speed or incline as an integer key (0.001 steps), so equal conditions group together.
pub fn key(v: f64) -> i64 {
    (v * 1000.0).round() as i64
}

/// The condition the single-condition figures show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reference {
    /// 1.0 m/s on a level belt, which ran (and did not fall) in both directions.
    Standard,
    /// No such condition: every usable trial of each direction, averaged.
    Averaged,
}

/// Reference belt speed [m/s] and grade [%]: the usual comparison in the retro-walking
/// literature and the condition `docs/validation.md` checks.
pub const REFERENCE_SPEED_MPS: f64 = 1.0;
/// See [`REFERENCE_SPEED_MPS`].
pub const REFERENCE_INCLINE_PCT: f64 = 0.0;

impl Reference {
    /// Chooses the reference for `trials`: [`Reference::Standard`] when both directions have a
    /// usable trial at 1.0 m/s level that satisfies `has` (the data the figure needs).
    pub fn choose(trials: &[TrialData], has: impl Fn(&TrialData) -> bool) -> Self {
        let at = |d: Direction| {
            trials
                .iter()
                .any(|t| t.direction == d && t.usable() && Self::Standard.includes(t) && has(t))
        };
        if at(Direction::Forward) && at(Direction::Backward) {
            Self::Standard
        } else {
            Self::Averaged
        }
    }

    /// Whether a trial is at this reference condition.
    pub fn includes(self, t: &TrialData) -> bool {
        match self {
            Self::Standard => {
                key(t.speed_mps) == key(REFERENCE_SPEED_MPS)
                    && key(t.incline_pct) == key(REFERENCE_INCLINE_PCT)
            }
            Self::Averaged => true,
        }
    }

    /// The usable trials of `direction` at this reference that satisfy `has`.
    pub fn select(
        self,
        trials: &[TrialData],
        direction: Direction,
        has: impl Fn(&TrialData) -> bool,
    ) -> Vec<&TrialData> {
        trials
            .iter()
            .filter(|t| t.direction == direction && t.usable() && self.includes(t) && has(t))
            .collect()
    }

    /// Words for a caption: which condition, and how many trials per direction.
    pub fn describe(self, forward: usize, backward: usize) -> String {
        match self {
            Self::Standard => format!(
                "at the reference condition, {REFERENCE_SPEED_MPS:.1} m/s on a level belt \
                 (mean of {})",
                trials_of(forward, backward)
            ),
            Self::Averaged => format!(
                "averaged over every condition (no trial at {REFERENCE_SPEED_MPS:.1} m/s level \
                 has these data in both directions): mean of {}",
                trials_of(forward, backward)
            ),
        }
    }
}

/// `1 forward and 2 backward trials`, `2 forward and 1 backward trial`.
fn trials_of(forward: usize, backward: usize) -> String {
    // The noun goes with the last number: "1 forward and 0 backward trials".
    let s = if backward == 1 { "" } else { "s" };
    format!("{forward} forward and {backward} backward trial{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_curves_average_the_legs_and_drop_bad_ones() {
        let text = "variable,side,strides,percent_cycle,mean,sd\n\
                    quadriceps_activation,r,2,0,0.2,0\n\
                    quadriceps_activation,r,2,100,0.4,0\n\
                    quadriceps_activation,l,2,0,0.4,0\n\
                    quadriceps_activation,l,2,100,0.6,0\n\
                    soleus_activation,r,2,0,NaN,0\n\
                    soleus_activation,r,2,100,0.1,0\n\
                    knee_flexion_deg,r,2,0,20,0\n\
                    knee_flexion_deg,r,2,100,30,0\n";
        let c = parse_activation(text);
        assert_eq!(c.len(), 1, "{c:?}");
        let q = &c[&MuscleGroup::Quadriceps];
        assert!((q[0] - 0.3).abs() < 1e-12 && (q[1] - 0.5).abs() < 1e-12);
        assert!(parse_activation("").is_empty());
        assert!(parse_activation("not,a,cycles,file\n1,2,3,4\n").is_empty());
    }

    #[test]
    fn means_of_nothing_are_none() {
        assert_eq!(mean([]), None);
        assert_eq!(mean([f64::INFINITY, 1.0]), Some(1.0));
        assert_eq!(mean([f64::NAN]), None);
        assert_eq!(mean([1.0, 3.0]), Some(2.0));
        assert_eq!(mean_curve(&[]), None);
        assert_eq!(mean_curve(&[vec![1.0], vec![1.0, 2.0]]), None);
    }
}
