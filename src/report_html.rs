//! `report.html`: one self-contained page (inline CSS and SVG, no external resource) that
//! shows a finished sweep — knee loads, muscle work, activations, gait and metabolic cost
//! against speed and incline, every trial in a table, and what the numbers say about the
//! retro-walking claims.
//!
//! Written by `retrogait sweep` when it writes `results.csv`, and by `retrogait report`. The
//! page is a function of the trial folders (like `results.csv`), and building it never fails
//! on the data: missing files, `null` fields and fallen or failed trials become gaps and
//! sentences, not errors; only writing the file can fail.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::output::{PROGRAM, write_atomic};
use crate::results::{TrialRecord, TrialStatus};
use crate::scenario::{PlannedTrial, Scenario};
use crate::sweep_dir::{SweepDir, TrialState};

pub mod data;
pub mod figures;
pub mod findings;
pub mod plots;
pub mod trial_table;

pub use data::{ReportData, TrialData};

/// Name of the report in a sweep folder.
pub const REPORT_FILE: &str = "report.html";

/// Builds the report of a sweep from its trial records and writes it into `out`; `dirs` are
/// the folders holding the trials (the first that has a trial finished is read, as
/// `results.csv` does). Returns the report's path.
pub fn write_report(
    dirs: &[PathBuf],
    out: &Path,
    scenario: &Scenario,
    trials: &[PlannedTrial],
    records: &[TrialRecord],
) -> Result<PathBuf> {
    let folders: Vec<SweepDir> = dirs.iter().map(SweepDir::new).collect();
    let data = ReportData {
        source: dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        duration_s: scenario.duration_s,
        trials: trials
            .iter()
            .zip(records)
            .map(|(t, r)| {
                let dir = folders
                    .iter()
                    .find(|d| d.state(&t.name) == TrialState::Complete)
                    .map(|d| d.trial_dir(&t.name));
                data::trial_data(scenario, t, r, dir.as_deref())
            })
            .collect(),
    };
    let path = out.join(REPORT_FILE);
    write_atomic(&path, render(&data).as_bytes())?;
    Ok(path)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0 auto;
       max-width: 1340px; padding: 1rem 1.5rem 3rem; color: #1d1d1f; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
.meta { color: #555; margin-top: 0; }
nav a { margin-right: 1rem; }
figure { margin: 0.5rem 0 1.5rem; }
figure svg { max-width: 100%; height: auto; display: block; border: 1px solid #e4e4e4; }
figcaption { color: #333; font-size: 0.95rem; margin-top: 0.4rem; max-width: 1300px; }
.error { color: #a00; }
.findings p { max-width: 1100px; }
.caveat { background: #fff7e0; border-left: 4px solid #e6a700; padding: 0.5rem 0.8rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table.trials { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table.trials td:first-child { font-size: 0.75rem; min-width: 10rem; }
table.trials th, table.trials td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; }
table.trials td { text-align: right; }
table.trials td:first-child, table.trials td:nth-child(3), table.trials td:last-child
  { text-align: left; }
table.trials th { background: #f0f0f0; position: sticky; top: 0; }
tr.fell td { background: #fde0dc; }
tr.fell td:nth-child(2) { color: #b00; font-weight: bold; }
tr.error td { background: #e8e8e8; color: #555; }
tr.error td:nth-child(2) { color: #600; font-weight: bold; }
.legend-fell { background: #fde0dc; padding: 0 0.3rem; }
.legend-error { background: #e8e8e8; padding: 0 0.3rem; }
";

/// The whole page.
pub fn render(data: &ReportData) -> String {
    let trials = &data.trials;
    let n = |s: TrialStatus| trials.iter().filter(|t| t.status == s).count();
    let (ok, fell, failed) = (
        n(TrialStatus::Ok),
        n(TrialStatus::Fell),
        n(TrialStatus::Error),
    );
    let figures = [
        figures::knee(trials),
        figures::work(trials),
        figures::activation(trials),
        figures::gait(trials),
        figures::metabolic(trials),
    ];
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>retrogait sweep report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Forward vs backward treadmill walking: sweep report</h1>\n\
         <p class=\"meta\">{} trials of {} s from {}: {ok} ran to the end, {fell} fell, \
         {failed} failed. Speeds {}; inclines {}. Made by {PROGRAM}.</p>\n",
        trials.len(),
        data.duration_s,
        escape(&data.source),
        list(trials.iter().map(|t| format!("{:.2}", t.speed_mps)), " m/s"),
        list(trials.iter().map(|t| format!("{:+}", t.incline_pct)), " %"),
    ));
    h.push_str("<nav><a href=\"#findings\">Findings</a>");
    for f in &figures {
        h.push_str(&format!("<a href=\"#{}\">{}</a>", f.id, escape(&f.heading)));
    }
    h.push_str("<a href=\"#trials\">Trials</a></nav>\n");
    h.push_str(
        "<section id=\"findings\" class=\"findings\">\n\
         <h2>What this sweep says about the retro-walking claims</h2>\n",
    );
    let paragraphs = findings::findings(trials);
    let last = paragraphs.len().saturating_sub(1);
    for (i, p) in paragraphs.iter().enumerate() {
        let class = if i == last { " class=\"caveat\"" } else { "" };
        h.push_str(&format!("<p{class}>{}</p>\n", escape(p)));
    }
    h.push_str(
        "<p><small>Every sentence above is computed from this sweep's results when the report \
         is built; rerun <code>retrogait report</code> after adding trials.</small></p>\n\
         </section>\n",
    );
    for f in &figures {
        h.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n<figure>\n",
            f.id,
            escape(&f.heading)
        ));
        match &f.svg {
            Ok(svg) => h.push_str(svg),
            Err(e) => h.push_str(&format!("<p class=\"error\">{}</p>", escape(e))),
        }
        h.push_str(&format!(
            "\n<figcaption>{}</figcaption>\n</figure>\n</section>\n",
            escape(&f.caption)
        ));
    }
    h.push_str(&format!(
        "<section id=\"trials\">\n<h2>Every trial</h2>\n<p>{} trials in scenario order. Rows \
         of trials that <span class=\"legend-fell\">fell</span> (the measures cover the time \
         before the fall) and that <span class=\"legend-error\">failed</span> are highlighted; \
         neither counts in the figures or the findings. Work columns are concentric / \
         eccentric fibre work per stride; – marks a value the trial does not have.</p>\n",
        trials.len()
    ));
    h.push_str("<div class=\"scroll\">\n");
    h.push_str(&trial_table::table(trials));
    h.push_str("</div>\n</section>\n</body>\n</html>\n");
    h
}

/// Distinct values in first-seen order, joined: `0.60, 0.80 m/s`.
fn list(values: impl Iterator<Item = String>, unit: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    if seen.is_empty() {
        "none".to_owned()
    } else {
        format!("{}{unit}", seen.join(", "))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use gait::Direction;

    use super::data::Work;
    use super::*;

    /// A trial with plausible numbers, for the report's unit tests.
    pub(crate) fn trial(d: Direction, speed: f64, status: TrialStatus) -> TrialData {
        let mut work = BTreeMap::new();
        work.insert(
            musculo::MuscleGroup::Quadriceps,
            Work {
                concentric_j: 30.0,
                eccentric_j: 10.0,
            },
        );
        let mut activation = BTreeMap::new();
        activation.insert(
            musculo::MuscleGroup::Soleus,
            (0..=100).map(|k| k as f64 / 200.0).collect(),
        );
        TrialData {
            name: format!("{}_{speed:.2}mps", d.as_str()),
            direction: d,
            speed_mps: speed,
            incline_pct: 0.0,
            subject: "adult".into(),
            seed: 1,
            status,
            error: None,
            fall_time_s: (status == TrialStatus::Fell).then_some(3.5),
            strides: Some(10.0),
            cadence_steps_per_min: Some(120.0),
            stride_length_m: Some(1.0),
            peak_knee_tf_force_bw: Some(7.0),
            peak_knee_pf_force_bw: Some(4.0),
            metabolic_power_w_per_kg: Some(10.0),
            cost_of_transport: Some(10.0),
            work,
            activation,
        }
    }

    fn sweep(trials: Vec<TrialData>) -> ReportData {
        ReportData {
            source: "runs/<x>".into(),
            duration_s: 20.0,
            trials,
        }
    }

    /// Checks that every `<svg>` closes and tags balance roughly: enough for a browser to lay
    /// the page out as intended.
    fn assert_well_formed(html: &str) {
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        for tag in ["section", "figure", "table", "tr", "p", "figcaption"] {
            assert_eq!(
                html.matches(&format!("<{tag}>")).count()
                    + html.matches(&format!("<{tag} ")).count(),
                html.matches(&format!("</{tag}>")).count(),
                "<{tag}> does not balance"
            );
        }
        assert!(!html.contains("NaN"), "NaN in the report");
        assert!(!html.contains("inf "), "infinity in the report");
        assert!(
            !html.contains("http://")
                || html.matches("http://").count()
                    == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
            "an external resource"
        );
    }

    #[test]
    fn a_normal_sweep_renders_every_section_with_inline_svg() {
        let mut trials = Vec::new();
        for d in [Direction::Forward, Direction::Backward] {
            for s in [0.8, 1.0, 1.2] {
                trials.push(trial(d, s, TrialStatus::Ok));
            }
        }
        trials[5].status = TrialStatus::Fell;
        trials[5].fall_time_s = Some(4.2);
        trials[4].peak_knee_pf_force_bw = Some(f64::NAN);
        let html = render(&sweep(trials));
        assert_well_formed(&html);
        assert_eq!(html.matches("<svg").count(), 5);
        for id in [
            "findings",
            "knee",
            "work",
            "activation",
            "gait",
            "metabolic",
            "trials",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
        }
        assert!(html.contains("<tr class=\"fell\">") && html.contains("FELL at 4.2&nbsp;s"));
        assert!(html.contains("at the reference condition, 1.0 m/s"));
        assert!(html.contains("runs/&lt;x&gt;"), "text is escaped");
    }

    #[test]
    fn the_findings_change_with_the_numbers() {
        let base = vec![
            trial(Direction::Forward, 1.0, TrialStatus::Ok),
            trial(Direction::Backward, 1.0, TrialStatus::Ok),
        ];
        let mut lower = base.clone();
        lower[1].peak_knee_tf_force_bw = Some(3.0);
        lower[1].peak_knee_pf_force_bw = Some(2.0);
        let mut higher = base.clone();
        higher[1].peak_knee_tf_force_bw = Some(9.0);
        higher[1].peak_knee_pf_force_bw = Some(6.0);
        let (a, b) = (render(&sweep(lower)), render(&sweep(higher)));
        assert!(a.contains("both peaks are lower backward"));
        assert!(b.contains("both peaks are higher backward"));
        assert_ne!(a, b);
    }

    #[test]
    fn empty_and_all_fallen_sweeps_still_render() {
        let html = render(&sweep(Vec::new()));
        assert_well_formed(&html);
        let mut trials = vec![
            trial(Direction::Forward, 1.0, TrialStatus::Fell),
            trial(Direction::Backward, 1.0, TrialStatus::Error),
        ];
        trials[1].error = Some("solver <failed> & stopped".into());
        trials[1].work.clear();
        let html = render(&sweep(trials));
        assert_well_formed(&html);
        assert!(html.contains("None of the 2 trials ran to its end"));
        assert!(html.contains("solver &lt;failed&gt; &amp; stopped"));
        assert!(html.contains("<tr class=\"error\">"));
        assert!(html.contains("averaged over every condition"));
    }
}
