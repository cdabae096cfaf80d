//! Plain-text tables for the terminal.

use gait::measures::MuscleSummary;
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
