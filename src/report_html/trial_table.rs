//! The report's table of every trial: status (falls and failures highlighted by a row class
//! and the status text, so they stand out in print too) and the key numbers.

use musculo::MuscleGroup;

use super::data::TrialData;
use super::escape;
use crate::results::TrialStatus;

fn cell(v: Option<f64>, digits: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "–".to_owned(), |x| format!("{x:.digits$}"))
}

/// `<table>` of the trials.
pub fn table(trials: &[TrialData]) -> String {
    let mut s = String::from(
        "<table class=\"trials\">\n<thead><tr>\
         <th>trial</th><th>status</th><th>direction</th><th>speed<br>[m/s]</th>\
         <th>incline<br>[%]</th><th>subject</th><th>seed</th><th>strides<br>(both legs)</th>\
         <th>cadence<br>[steps/min]</th><th>stride<br>[m]</th><th>peak TF<br>[BW]</th>\
         <th>peak PF<br>[BW]</th><th>metabolic<br>[W/kg]</th><th>CoT<br>[J/(kg·m)]</th>\
         <th>quadriceps conc. / ecc.<br>[J/stride]</th>\
         <th>hamstrings conc. / ecc.<br>[J/stride]</th><th>error</th></tr></thead>\n<tbody>\n",
    );
    for t in trials {
        let (class, status, note) = match t.status {
            TrialStatus::Ok => ("ok", "ok".to_owned(), String::new()),
            TrialStatus::Fell => (
                "fell",
                t.fall_time_s
                    .filter(|f| f.is_finite())
                    .map_or("FELL".to_owned(), |f| format!("FELL at {f:.1}&nbsp;s")),
                String::new(),
            ),
            TrialStatus::Error => (
                "error",
                "ERROR".to_owned(),
                t.error.clone().unwrap_or_default(),
            ),
        };
        let work = |g: MuscleGroup| {
            t.work.get(&g).map_or("–".to_owned(), |w| {
                format!(
                    "{} / {}",
                    cell(Some(w.concentric_j), 1),
                    cell(Some(w.eccentric_j), 1)
                )
            })
        };
        let cells = [
            // Break opportunities after underscores keep the long folder names narrow.
            escape(&t.name).replace('_', "_<wbr>"),
            status,
            t.direction.as_str().to_owned(),
            format!("{:.2}", t.speed_mps),
            format!("{:+.1}", t.incline_pct),
            escape(&t.subject),
            t.seed.to_string(),
            cell(t.strides, 0),
            cell(t.cadence_steps_per_min, 1),
            cell(t.stride_length_m, 3),
            cell(t.peak_knee_tf_force_bw, 2),
            cell(t.peak_knee_pf_force_bw, 2),
            cell(t.metabolic_power_w_per_kg, 2),
            cell(t.cost_of_transport, 2),
            work(MuscleGroup::Quadriceps),
            work(MuscleGroup::Hamstrings),
            escape(&note),
        ];
        s.push_str(&format!("<tr class=\"{class}\">"));
        for c in cells {
            s.push_str(&format!("<td>{c}</td>"));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}
