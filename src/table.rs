//! Plain-text tables for the terminal.

use gait::measures::MuscleSummary;
use gait::summary::MAX_DISTANCE_FROM_CENTRE_M;
use gait::{Direction, GaitSummary};
use musculo::MuscleGroup;

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".to_owned(), |x| format!("{x:.digits$}"))
}

/// One line per trial: the gait measures of `summary.json`.
pub fn gait_table<'a>(rows: impl IntoIterator<Item = &'a GaitSummary>) -> String {
    let mut s = String::from(
        "direction  speed  incline  fell      strides  cadence  stride   v_rel   max_off  knee_ext  vGRF   RTF\n\
         .          m/s    %        s                 /min     m        m/s     m        N m/kg    BW\n",
    );
    for r in rows {
        s.push_str(&format!(
            "{:<9}  {:>5.2}  {:>+7.1}  {:<8}  {:>7}  {:>7}  {:>6}  {:>6}  {:>7}  {:>8}  {:>5}  {:>4.1}\n",
            r.direction.as_str(),
            r.speed_mps,
            r.incline_pct,
            r.fall_time_s.map_or_else(|| "no".to_owned(), |t| format!("{t:.1}")),
            r.strides,
            opt(r.cadence_steps_per_min, 1),
            opt(r.stride_length_m, 3),
            opt(r.mean_speed_rel_belt_mps, 3),
            opt(r.max_distance_from_centre_m, 2),
            opt(r.peak_knee_ext_moment_nm_per_kg, 2),
            opt(r.peak_vertical_grf_bw, 2),
            r.realtime_factor,
        ));
    }
    s
}

/// The grid's verdicts at a glance: for each direction, a row per belt speed and a column per
/// incline (in the order the trials came). A cell is `pass`; for one failed trial, why: the
/// time of the fall (`fell 17.4`), the largest distance from the belt's centre (`off 0.56`),
/// `pace` (mean speed off the belt's by more than the tolerance), or `no data` (too short a walk
/// to measure, which fails the criteria too); with several seeds, how many passed (`3/5`). Fine grids of speed and incline show where a controller stops walking, which
/// the verdicts of single conditions hide.
pub fn pass_map(rows: &[GaitSummary]) -> String {
    fn push_unique(v: &mut Vec<f64>, x: f64) {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    let mut s = String::new();
    for direction in [Direction::Forward, Direction::Backward] {
        let trials: Vec<&GaitSummary> = rows.iter().filter(|r| r.direction == direction).collect();
        if trials.is_empty() {
            continue;
        }
        let (mut speeds, mut inclines) = (Vec::new(), Vec::new());
        for r in &trials {
            push_unique(&mut speeds, r.speed_mps);
            push_unique(&mut inclines, r.incline_pct);
        }
        let passed = trials.iter().filter(|r| r.meets_walking_criteria()).count();
        s.push_str(&format!(
            "{} ({passed}/{} pass)\n{:<7}",
            direction.as_str(),
            trials.len(),
            "m/s | %"
        ));
        for i in &inclines {
            s.push_str(&format!("  {:>9}", format!("{i:+.1}")));
        }
        s.push('\n');
        for &speed in &speeds {
            s.push_str(&format!("{speed:<7.2}"));
            for &incline in &inclines {
                let cell: Vec<&GaitSummary> = trials
                    .iter()
                    .copied()
                    .filter(|r| r.speed_mps == speed && r.incline_pct == incline)
                    .collect();
                s.push_str(&format!("  {:>9}", map_cell(&cell)));
            }
            s.push('\n');
        }
    }
    s
}

/// One cell of [`pass_map`]: the verdict on the trials of one condition.
fn map_cell(trials: &[&GaitSummary]) -> String {
    match trials {
        [] => "-".to_owned(),
        [t] if t.meets_walking_criteria() => "pass".to_owned(),
        [t] if t.fell => t
            .fall_time_s
            .map_or_else(|| "fell".to_owned(), |time| format!("fell {time:.1}")),
        [t] => match t.max_distance_from_centre_m {
            Some(d) if d > MAX_DISTANCE_FROM_CENTRE_M => format!("off {d:.2}"),
            Some(_) => "pace".to_owned(),
            // Too short a walk to measure: a missing measure fails the criteria.
            None => "no data".to_owned(),
        },
        _ => {
            let passed = trials.iter().filter(|t| t.meets_walking_criteria()).count();
            format!("{passed}/{}", trials.len())
        }
    }
}

/// Muscle and knee comparison of trials (one column per trial): knee loads, concentric and
/// eccentric work per muscle group, activations and metabolic cost.
pub fn muscle_table(trials: &[(Direction, &MuscleSummary)]) -> String {
    let mut s = String::new();
    let head: Vec<String> = trials
        .iter()
        .map(|(d, _)| format!("{:>20}", d.as_str()))
        .collect();
    s.push_str(&format!("{:<34}{}\n", "", head.join("")));
    let row = |s: &mut String, label: &str, f: &dyn Fn(&MuscleSummary) -> String| {
        let cells: Vec<String> = trials
            .iter()
            .map(|(_, m)| format!("{:>20}", f(m)))
            .collect();
        s.push_str(&format!("{label:<34}{}\n", cells.join("")));
    };
    row(&mut s, "peak knee tibiofemoral [BW]", &|m| {
        opt(m.peak_knee_tf_force_bw, 2)
    });
    row(&mut s, "peak knee patellofemoral [BW]", &|m| {
        opt(m.peak_knee_pf_force_bw, 2)
    });
    row(&mut s, "metabolic power [W/kg]", &|m| {
        opt(m.metabolic_power_w_per_kg, 2)
    });
    row(&mut s, "cost of transport [J/(kg m)]", &|m| {
        opt(m.cost_of_transport, 2)
    });
    row(&mut s, "reserve RMS [N m]", &|m| opt(m.reserve_rms_nm, 2));
    // By name, as this table has always listed them.
    let mut groups: Vec<MuscleGroup> = trials
        .first()
        .map(|(_, m)| m.muscles.keys().copied().collect())
        .unwrap_or_default();
    groups.sort_by_key(|g| g.as_str());
    s.push_str(&format!(
        "{:<34}{}\n",
        "per leg per stride:",
        trials
            .iter()
            .map(|_| format!("{:>20}", "conc/ecc J  act"))
            .collect::<String>()
    ));
    for g in groups {
        row(&mut s, &format!("  {}", g.as_str()), &|m| {
            m.muscles.get(&g).map_or_else(
                || "-".to_owned(),
                |x| {
                    format!(
                        "{:+.1}/{:+.1} {:.2}",
                        x.concentric_work_j_per_stride,
                        x.eccentric_work_j_per_stride,
                        x.mean_activation
                    )
                },
            )
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trial at `speed` and `incline` that walked at the belt's pace `max_off` from its
    /// centre, or fell at `fell`.
    fn trial(speed: f64, incline: f64, fell: Option<f64>, max_off: f64) -> GaitSummary {
        GaitSummary {
            direction: Direction::Forward,
            speed_mps: speed,
            incline_pct: incline,
            duration_s: 60.0,
            seed: 1,
            fell: fell.is_some(),
            fall_time_s: fell,
            fall_reason: None,
            analysis_start_s: 10.0,
            strides: 30,
            cadence_steps_per_min: Some(120.0),
            stride_length_m: Some(1.0),
            mean_speed_rel_belt_mps: Some(speed),
            max_distance_from_centre_m: Some(max_off),
            peak_knee_ext_moment_nm_per_kg: None,
            peak_vertical_grf_bw: None,
            realtime_factor: 10.0,
        }
    }

    /// The cells of a map line, split at the map's two-space column gaps.
    fn cells(line: &str) -> Vec<&str> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }

    #[test]
    fn the_map_has_a_row_per_speed_a_column_per_incline_and_says_why_a_trial_failed() {
        let mut slow = trial(1.0, 0.0, None, 0.1);
        slow.mean_speed_rel_belt_mps = Some(0.9);
        let rows = [
            trial(1.0, -5.0, None, 0.2),
            slow,
            trial(1.4, -5.0, Some(17.44), 1.76),
            trial(1.4, 0.0, None, 0.56),
        ];
        let map = pass_map(&rows);
        let lines: Vec<&str> = map.lines().collect();
        assert_eq!(lines.len(), 4, "{map}");
        assert_eq!(lines[0], "forward (1/4 pass)");
        assert!(
            lines[1].contains("-5.0") && lines[1].contains("+0.0"),
            "{map}"
        );

        assert_eq!(cells(lines[2]), ["1.00", "pass", "pace"], "{map}");
        assert_eq!(cells(lines[3]), ["1.40", "fell 17.4", "off 0.56"], "{map}");
    }

    #[test]
    fn several_seeds_of_a_condition_count_their_passes_and_directions_get_their_own_maps() {
        let mut backward = trial(1.0, 0.0, None, 0.1);
        backward.direction = Direction::Backward;
        let rows = [
            trial(1.0, 0.0, None, 0.1),
            trial(1.0, 0.0, Some(3.0), 0.3),
            trial(1.0, 0.0, None, 0.2),
            backward,
        ];
        let map = pass_map(&rows);
        assert!(map.contains("forward (2/3 pass)"), "{map}");
        assert!(map.contains("2/3"), "{map}");
        assert!(map.contains("backward (1/1 pass)"), "{map}");
        let backward_rows = map.split("backward").nth(1).unwrap();
        assert!(backward_rows.contains("pass"), "{map}");
    }

    #[test]
    fn a_trial_too_short_to_measure_says_so_and_a_fall_without_a_time_is_still_a_fall() {
        let mut short = trial(1.0, 0.0, None, 0.1);
        short.max_distance_from_centre_m = None;
        assert_eq!(map_cell(&[&short]), "no data");
        let mut fell = trial(1.0, 0.0, None, 0.1);
        fell.fell = true;
        assert_eq!(map_cell(&[&fell]), "fell");
        assert_eq!(map_cell(&[]), "-");
    }
}
