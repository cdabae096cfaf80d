//! Writers of a trial's folder: `summary.json`, `frames.csv` and the exact inputs that produced
//! them (model, trial, controller, program version), so each run describes itself.
//!
//! Every file is written to a temporary name and renamed into place, so a reader (or a crash)
//! never sees half a file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gait::measures::{CycleCurve, MuscleSummary};
use gait::{GaitSummary, TrialResult};
use musculo::Model;
use serde::Serialize;

/// Program name and version recorded in every output folder.
pub const PROGRAM: &str = concat!("retrogait ", env!("CARGO_PKG_VERSION"));

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    ));
    {
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
    }
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

/// The run's self-description written beside the results.
#[derive(Debug, Serialize)]
struct RunInfo<'a> {
    program: &'a str,
    model: &'a str,
    subject_height_m: f64,
    subject_mass_kg: f64,
    trial: &'a gait::TrialSpec,
}

/// Column names of `frames.csv` for a model.
pub fn frame_header(model: &Model) -> Vec<String> {
    let mut h = vec!["time_s".to_owned()];
    for (prefix, unit) in [
        ("q", "rad"),
        ("qdot", "rad_s"),
        ("torque", "nm"),
        ("moment", "nm"),
    ] {
        for c in &model.coordinates {
            h.push(format!("{prefix}_{}_{unit}", c.name));
        }
    }
    for side in ["r", "l"] {
        for (what, unit) in [("grf", "n"), ("cop", "m")] {
            for axis in ["x", "y", "z"] {
                h.push(format!("{what}_{side}_{axis}_{unit}"));
            }
        }
        h.push(format!("heel_contact_{side}"));
        h.push(format!("toe_contact_{side}"));
        for axis in ["x", "y", "z"] {
            h.push(format!("knee_force_on_shank_{side}_{axis}_n"));
        }
    }
    for (what, unit) in [
        ("pelvis", "m"),
        ("pelvis_velocity", "mps"),
        ("com", "m"),
        ("com_velocity", "mps"),
        ("belt_velocity", "mps"),
        ("push_force", "n"),
        ("id_residual_force", "n"),
        ("id_residual_moment", "nm"),
    ] {
        for axis in ["x", "y", "z"] {
            h.push(format!("{what}_{axis}_{unit}"));
        }
    }
    h.push("stance_side".to_owned());
    h
}

/// Extra columns of `frames.csv` when the muscle analysis ran.
pub fn muscle_header(model: &Model) -> Vec<String> {
    let mut h = Vec::new();
    for (prefix, unit) in [
        ("activation", ""),
        ("force", "_n"),
        ("fiber_length", "_m"),
        ("fiber_velocity", "_mps"),
        ("fiber_power", "_w"),
    ] {
        for m in &model.muscles {
            h.push(format!("{prefix}_{}{unit}", m.name));
        }
    }
    for c in &model.coordinates {
        h.push(format!("residual_{}_nm", c.name));
    }
    for side in ["r", "l"] {
        h.push(format!("knee_tf_{side}_n"));
        h.push(format!("knee_pf_{side}_n"));
        h.push(format!("quadriceps_force_{side}_n"));
    }
    h
}

fn frames_csv(model: &Model, result: &TrialResult) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let with_muscles = result.frames.iter().any(|f| f.muscles.is_some());
    let mut header = frame_header(model);
    if with_muscles {
        header.extend(muscle_header(model));
    }
    w.write_record(header)?;
    let mut row: Vec<String> = Vec::new();
    for f in &result.frames {
        row.clear();
        row.push(f.time_s.to_string());
        for v in [
            &f.q_rad,
            &f.qdot_rad_s,
            &f.applied_torques_nm,
            &f.net_moments_nm,
        ] {
            row.extend(v.iter().map(f64::to_string));
        }
        for side in 0..2 {
            for v in [f.grf_n[side], f.cop_m[side]] {
                row.extend(v.to_array().iter().map(f64::to_string));
            }
            row.push(u8::from(f.heel_contact[side]).to_string());
            row.push(u8::from(f.toe_contact[side]).to_string());
            row.extend(
                f.knee_force_on_shank_n[side]
                    .to_array()
                    .iter()
                    .map(f64::to_string),
            );
        }
        for v in [
            f.pelvis_position_m,
            f.pelvis_velocity_mps,
            f.com_m,
            f.com_velocity_mps,
            f.belt_velocity_mps,
            f.push_force_n,
            f.residual_force_n,
            f.residual_moment_nm,
        ] {
            row.extend(v.to_array().iter().map(f64::to_string));
        }
        row.push(f.stance_side.map_or(
            String::new(),
            |s| if s == 0 { "r".into() } else { "l".into() },
        ));
        if with_muscles {
            match &f.muscles {
                Some(m) => {
                    for v in [
                        &m.activations,
                        &m.forces_n,
                        &m.fiber_length_m,
                        &m.fiber_velocity_mps,
                        &m.fiber_power_w,
                        &m.residual_moments_nm,
                    ] {
                        row.extend(v.iter().map(f64::to_string));
                    }
                    for k in &m.knee {
                        row.extend(
                            [k.tibiofemoral_n, k.patellofemoral_n, k.quadriceps_force_n]
                                .iter()
                                .map(f64::to_string),
                        );
                    }
                }
                None => row.extend(std::iter::repeat_n(
                    String::new(),
                    muscle_header(model).len(),
                )),
            }
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The full `summary.json`: the gait fields and, when the muscle analysis ran, the muscle and
/// joint fields, in one flat object.
pub fn summary_json(
    summary: &GaitSummary,
    muscles: Option<&MuscleSummary>,
) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(summary)?;
    if let (Some(m), Some(obj)) = (muscles, v.as_object_mut())
        && let serde_json::Value::Object(extra) = serde_json::to_value(m)?
    {
        obj.extend(extra);
    }
    Ok(v)
}

/// `cycles.csv`: one row per variable, leg and percent of the gait cycle.
fn cycles_csv(curves: &[CycleCurve]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["variable", "side", "strides", "percent_cycle", "mean", "sd"])?;
    for c in curves {
        for (k, (m, s)) in c.mean.iter().zip(&c.sd).enumerate() {
            let pct = 100.0 * k as f64 / (c.mean.len() - 1) as f64;
            w.write_record([
                c.variable.clone(),
                c.side.clone(),
                c.strides.to_string(),
                pct.to_string(),
                m.to_string(),
                s.to_string(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// OpenSim storage files of the coordinates (degrees) and, if analysed, muscle activations.
fn sto_files(model: &Model, result: &TrialResult) -> Vec<(String, String)> {
    let labels: Vec<String> = model.coordinates.iter().map(|c| c.name.clone()).collect();
    let rows: Vec<Vec<f64>> = result
        .frames
        .iter()
        .map(|f| {
            std::iter::once(f.time_s)
                .chain(f.q_rad.iter().map(|q| q.to_degrees()))
                .collect()
        })
        .collect();
    let mut out = vec![(
        "coordinates.sto".to_owned(),
        crate::sto::write_sto("coordinates", &labels, &rows, true),
    )];
    if result.frames.iter().all(|f| f.muscles.is_some()) && !result.frames.is_empty() {
        let labels: Vec<String> = model
            .muscles
            .iter()
            .map(|m| format!("{}/activation", m.name))
            .collect();
        let rows: Vec<Vec<f64>> = result
            .frames
            .iter()
            .filter_map(|f| {
                f.muscles.as_ref().map(|m| {
                    std::iter::once(f.time_s)
                        .chain(m.activations.iter().copied())
                        .collect()
                })
            })
            .collect();
        out.push((
            "activations.sto".to_owned(),
            crate::sto::write_sto("activations", &labels, &rows, false),
        ));
    }
    out
}

/// Writes a finished trial's folder. Returns the files written.
pub fn write_trial(
    dir: &Path,
    model: &Model,
    controller_ron: &str,
    result: &TrialResult,
    summary: &GaitSummary,
    muscles: Option<&(MuscleSummary, Vec<CycleCurve>)>,
) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = dir.join(name);
        write_atomic(&p, bytes)?;
        written.push(p);
        Ok(())
    };
    put("frames.csv", &frames_csv(model, result)?)?;
    for (name, text) in sto_files(model, result) {
        put(&name, text.as_bytes())?;
    }
    if let Some((_, curves)) = muscles {
        put("cycles.csv", &cycles_csv(curves)?)?;
    }
    let events = serde_json::to_vec_pretty(&result.events)?;
    put("events.json", &events)?;
    let info = RunInfo {
        program: PROGRAM,
        model: &model.name,
        subject_height_m: model.subject.height_m,
        subject_mass_kg: model.subject.mass_kg,
        trial: &result.spec,
    };
    put("run.json", &serde_json::to_vec_pretty(&info)?)?;
    put(
        "model.ron",
        ron::ser::to_string_pretty(&model.spec, Default::default())?.as_bytes(),
    )?;
    put("controller.ron", controller_ron.as_bytes())?;
    // The summary last: its presence marks a complete folder.
    put(
        "summary.json",
        &serde_json::to_vec_pretty(&summary_json(summary, muscles.map(|m| &m.0))?)?,
    )?;
    Ok(written)
}
