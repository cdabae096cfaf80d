//! What a trial is: direction, belt speed, incline, duration, seed and perturbations.

use serde::{Deserialize, Serialize};

/// Walking direction relative to the way the walker faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Walking the way one faces.
    Forward,
    /// Walking backwards ("retro" walking).
    Backward,
}

impl Direction {
    /// +1 forwards, −1 backwards.
    pub fn sign(self) -> f64 {
        match self {
            Direction::Forward => 1.0,
            Direction::Backward => -1.0,
        }
    }

    /// `forward` or `backward`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Backward => "backward",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, SpecError> {
        match s {
            "forward" => Ok(Direction::Forward),
            "backward" => Ok(Direction::Backward),
            other => Err(SpecError {
                field: "direction",
                reason: format!("`{other}` is not a direction; use `forward` or `backward`"),
            }),
        }
    }
}

/// Random pushes on the pelvis (robustness tests).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushSpec {
    /// Force magnitude \[N\]. Default 0 (no pushes).
    pub force_n: f64,
    /// Duration of each push \[s\]. Default 0.2.
    pub duration_s: f64,
    /// Shortest interval between push onsets \[s\]. Default 3.
    pub min_interval_s: f64,
    /// Longest interval between push onsets \[s\]. Default 5.
    pub max_interval_s: f64,
    /// No push before this time \[s\] (let the gait settle). Default 5.
    pub start_s: f64,
}

impl Default for PushSpec {
    fn default() -> Self {
        Self {
            force_n: 0.0,
            duration_s: 0.2,
            min_interval_s: 3.0,
            max_interval_s: 5.0,
            start_s: 5.0,
        }
    }
}

/// One trial on the treadmill.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialSpec {
    /// Walking direction.
    pub direction: Direction,
    /// Belt speed [m/s].
    pub speed_mps: f64,
    /// Belt grade [%], positive uphill in the direction of travel.
    pub incline_pct: f64,
    /// Simulated time \[s\].
    pub duration_s: f64,
    /// Seed of every random choice in the trial.
    pub seed: u64,
    /// Recording rate \[Hz\].
    #[serde(default = "default_sample_rate")]
    pub sample_rate_hz: f64,
    /// Pelvis pushes.
    #[serde(default)]
    pub pushes: PushSpec,
}

fn default_sample_rate() -> f64 {
    200.0
}

impl Default for TrialSpec {
    fn default() -> Self {
        Self {
            direction: Direction::Forward,
            speed_mps: 1.0,
            incline_pct: 0.0,
            duration_s: 60.0,
            seed: 1,
            sample_rate_hz: default_sample_rate(),
            pushes: PushSpec::default(),
        }
    }
}

/// An invalid trial specification: the field and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("trial spec: {field}: {reason}")]
pub struct SpecError {
    /// Offending field.
    pub field: &'static str,
    /// Why, with the value and the accepted range.
    pub reason: String,
}

impl TrialSpec {
    /// Belt speeds the simulator supports [m/s]: slow to brisk walking.
    pub const SPEED_RANGE_MPS: (f64, f64) = (0.3, 2.0);
    /// Inclines the simulator supports [%].
    pub const INCLINE_RANGE_PCT: (f64, f64) = (-15.0, 15.0);
    /// Longest trial \[s\].
    pub const MAX_DURATION_S: f64 = 3600.0;

    /// Checks every field.
    pub fn validate(&self) -> Result<(), SpecError> {
        let within = |field: &'static str, v: f64, (lo, hi): (f64, f64), unit: &str| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(SpecError {
                    field,
                    reason: format!("{v} {unit} is outside the supported range {lo}..={hi} {unit}"),
                })
            }
        };
        within("speed_mps", self.speed_mps, Self::SPEED_RANGE_MPS, "m/s")?;
        within(
            "incline_pct",
            self.incline_pct,
            Self::INCLINE_RANGE_PCT,
            "%",
        )?;
        within(
            "duration_s",
            self.duration_s,
            (0.1, Self::MAX_DURATION_S),
            "s",
        )?;
        within("sample_rate_hz", self.sample_rate_hz, (1.0, 1000.0), "Hz")?;
        let p = &self.pushes;
        within("pushes.force_n", p.force_n, (0.0, 500.0), "N")?;
        within("pushes.duration_s", p.duration_s, (0.001, 2.0), "s")?;
        within("pushes.min_interval_s", p.min_interval_s, (0.1, 600.0), "s")?;
        within(
            "pushes.max_interval_s",
            p.max_interval_s,
            (p.min_interval_s, 600.0),
            "s",
        )?;
        within(
            "pushes.start_s",
            p.start_s,
            (0.0, Self::MAX_DURATION_S),
            "s",
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_is_valid_and_bad_values_name_their_field() {
        assert!(TrialSpec::default().validate().is_ok());
        for (spec, field) in [
            (
                TrialSpec {
                    speed_mps: 40.0,
                    ..Default::default()
                },
                "speed_mps",
            ),
            (
                TrialSpec {
                    speed_mps: f64::NAN,
                    ..Default::default()
                },
                "speed_mps",
            ),
            (
                TrialSpec {
                    incline_pct: -20.0,
                    ..Default::default()
                },
                "incline_pct",
            ),
            (
                TrialSpec {
                    duration_s: 0.0,
                    ..Default::default()
                },
                "duration_s",
            ),
            (
                TrialSpec {
                    duration_s: f64::INFINITY,
                    ..Default::default()
                },
                "duration_s",
            ),
        ] {
            let e = spec.validate().unwrap_err();
            assert_eq!(e.field, field);
            assert!(e.to_string().contains(field));
        }
    }

    #[test]
    fn unknown_direction_is_rejected() {
        assert_eq!(
            "backward".parse::<Direction>().unwrap(),
            Direction::Backward
        );
        let e = "sideways".parse::<Direction>().unwrap_err();
        assert!(e.reason.contains("sideways"));
    }
}
