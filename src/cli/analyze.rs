//! `retrogait analyze`: measured walking (OpenSim inverse-kinematics coordinates and ground
//! reactions) through the same inverse dynamics, muscle analysis, knee loads and measures as a
//! simulated trial, written to the same files. With `--reverse`, the recording played
//! backwards is analysed beside it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gait::measured::{MeasuredLoads, MeasuredMotion, MeasuredSettings, analyse};
use musculo::{Model, Side, Sides};
use serde::Serialize;

use super::loaders::{SubjectModelOptions, check_muscles, load_subject_model, new_run_dir};
use crate::opensim::{
    ColumnPrefixes, CoordinateMap, ExternalLoadsSpec, LoadedMotion, check_overlap,
    load_external_loads, load_grf, load_motion,
};
use crate::trial_run::{FinishedTrial, measure};

/// Options of `retrogait analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// OpenSim coordinates file (`.mot`/`.sto`, inverse kinematics), degrees or radians as its
    /// `inDegrees` header says.
    #[arg(long, value_name = "FILE")]
    pub coordinates: PathBuf,
    /// OpenSim ground-reaction file (`.mot`): force, point and free moment per foot.
    #[arg(long, value_name = "FILE")]
    pub grf: PathBuf,
    /// OpenSim ExternalLoads file (`.xml`) naming each foot's columns; without it the
    /// OpenSim convention is assumed (right `ground_force_v*`, `ground_force_p*`,
    /// `ground_torque_*`; left the same with the prefix `1_`), or the `--right-*`/`--left-*`
    /// prefixes.
    #[arg(long, value_name = "FILE")]
    pub external_loads: Option<PathBuf>,
    /// Column prefixes of the right foot: force, point, torque (e.g.
    /// `ground_force_v,ground_force_p,ground_torque_`).
    #[arg(long, value_name = "F,P,T", conflicts_with = "external_loads")]
    pub right_columns: Option<String>,
    /// Column prefixes of the left foot: force, point, torque.
    #[arg(long, value_name = "F,P,T", conflicts_with = "external_loads")]
    pub left_columns: Option<String>,
    /// Coordinate map: `gait2392` (also gait2354 and gait10dof18musc), `rajagopal`, or a RON
    /// file (see `assets/opensim/`).
    #[arg(long, default_value = "gait2392", value_name = "NAME|FILE")]
    pub coordinate_map: String,
    /// Low-pass cut-off of the coordinates \[Hz\] (zero-phase Butterworth as OpenSim's tools);
    /// 0 = unfiltered.
    #[arg(long, default_value_t = 6.0, allow_negative_numbers = true)]
    pub cutoff: f64,
    /// Also analyse the recording played backwards in time, beside it.
    #[arg(long)]
    pub reverse: bool,
    /// Skip the muscle analysis (inverse dynamics only).
    #[arg(long)]
    pub no_muscles: bool,
    /// Model and subject.
    #[command(flatten)]
    pub model: SubjectModelOptions,
    /// Output folder (must not exist or be empty); a new folder under `runs/` if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// What `analysis.json` records: the inputs of the analysis and what was left out.
#[derive(Debug, Serialize)]
struct AnalysisRecord<'a> {
    program: &'a str,
    coordinates_file: &'a Path,
    grf_file: &'a Path,
    /// Columns of each foot's ground reaction (right, left).
    grf_columns: &'a Sides<String>,
    coordinate_map: &'a str,
    cutoff_hz: Option<f64>,
    contact_threshold_n: f64,
    reversed: bool,
    in_degrees: bool,
    /// Model coordinates the recording lacks (held at zero).
    missing_coordinates: &'a [String],
    /// Pelvis columns the recording lacks (held at zero).
    missing_pelvis_columns: &'a [String],
    /// File columns not used, and why.
    ignored_columns: &'a [(String, String)],
    subject_height_m: f64,
    subject_mass_kg: f64,
}

/// Runs `retrogait analyze`.
pub fn run(args: AnalyzeArgs) -> Result<()> {
    // Everything is read and checked before anything is written.
    let out = args.out.clone().unwrap_or_else(new_run_dir);
    check_output_folder(&out)?;
    let model = load_subject_model(&args.model)?;
    check_muscles(&model, &args.model, !args.no_muscles)?;
    let map = coordinate_map(&args.coordinate_map)?;
    let loads_spec = external_loads_spec(&args)?;
    let grf_columns = Sides::from_fn(|side| {
        let p = &loads_spec.prefixes[side];
        format!(
            "force {}x/y/z, point {}x/y/z, torque {}x/y/z",
            p.force, p.point, p.torque
        )
    });
    let loaded: LoadedMotion = load_motion(&args.coordinates, &model, &map)?;
    let grf = load_grf(&args.grf, &loads_spec)?;
    check_overlap(
        &loaded.motion,
        &grf.loads,
        &loads_spec,
        &args.coordinates,
        &args.grf,
    )?;
    let settings = settings(&args, &loaded.motion)?;
    let mut runs = vec![(
        "as-recorded",
        analyse_one(&model, &loaded.motion, &grf.loads, &settings)?,
    )];
    if args.reverse {
        let (motion, loads) = reversed(&loaded.motion, &grf.loads);
        runs.push(("reversed", analyse_one(&model, &motion, &loads, &settings)?));
    }
    let ignored_columns: Vec<(String, String)> = loaded
        .ignored_columns
        .iter()
        .map(|c| (c.column.clone(), c.reason.clone()))
        .collect();
    let record = |reversed: bool| AnalysisRecord {
        program: concat!("retrogait ", env!("CARGO_PKG_VERSION")),
        coordinates_file: &args.coordinates,
        grf_file: &args.grf,
        grf_columns: &grf_columns,
        coordinate_map: &map.name,
        cutoff_hz: settings.cutoff_hz,
        contact_threshold_n: settings.contact_threshold_n,
        reversed,
        in_degrees: loaded.in_degrees,
        missing_coordinates: &loaded.motion.missing_coordinates,
        missing_pelvis_columns: &loaded.missing_pelvis_columns,
        ignored_columns: &ignored_columns,
        subject_height_m: model.subject.height_m,
        subject_mass_kg: model.subject.mass_kg,
    };
    let nested = runs.len() > 1;
    for (label, done) in &runs {
        let dir = if nested { out.join(label) } else { out.clone() };
        write_analysis(&dir, &model, &record(*label == "reversed"), done)?;
    }
    print_tables(&runs, &loaded.motion, &args.coordinates)?;
    crate::outln!("wrote {}", out.display())?;
    Ok(())
}

/// The coordinate map named on the command line: a RON file, or a built-in map's name.
fn coordinate_map(name: &str) -> Result<CoordinateMap> {
    // Anything but a folder at that path is read as a file (a FIFO or device is then refused
    // by name, not mistaken for a map name).
    let path = Path::new(name);
    if path.exists() && !path.is_dir() {
        return Ok(CoordinateMap::load(name)?);
    }
    CoordinateMap::builtin(name)
        .with_context(|| format!("--coordinate-map {name}: no such file either"))
}

/// Which columns of the ground-reaction file belong to which foot: the ExternalLoads XML, or
/// OpenSim's default naming with the `--right-columns`/`--left-columns` prefixes.
fn external_loads_spec(args: &AnalyzeArgs) -> Result<ExternalLoadsSpec> {
    if let Some(xml) = &args.external_loads {
        return Ok(load_external_loads(xml)?);
    }
    let mut spec = ExternalLoadsSpec::opensim_default();
    for (side, text, flag) in [
        (Side::Right, &args.right_columns, "--right-columns"),
        (Side::Left, &args.left_columns, "--left-columns"),
    ] {
        if let Some(p) = parse_prefixes(text.as_deref(), flag)? {
            spec.prefixes[side] = p;
        }
    }
    Ok(spec)
}

/// The analysis settings of the command line; the cut-off must lie below half the
/// coordinates' sampling rate.
fn settings(args: &AnalyzeArgs, motion: &MeasuredMotion) -> Result<MeasuredSettings> {
    let times = &motion.time_s;
    let sample_hz = (times.len() - 1) as f64 / (times[times.len() - 1] - times[0]);
    if !(args.cutoff.is_finite() && args.cutoff >= 0.0 && args.cutoff < 0.5 * sample_hz) {
        bail!(
            "--cutoff: {} Hz is not a cut-off for {} (0 = unfiltered; below half its \
             {sample_hz:.1} Hz sampling rate)",
            args.cutoff,
            args.coordinates.display()
        );
    }
    Ok(MeasuredSettings {
        cutoff_hz: (args.cutoff > 0.0).then_some(args.cutoff),
        muscles: if args.no_muscles {
            None
        } else {
            MeasuredSettings::default().muscles
        },
        ..MeasuredSettings::default()
    })
}

/// The gait and muscle tables of the analyses, side by side, and what the recording lacked.
fn print_tables(
    runs: &[(&str, Analysed)],
    motion: &MeasuredMotion,
    coordinates: &Path,
) -> Result<()> {
    crate::outln!(
        "{}",
        crate::table::gait_table(runs.iter().map(|(_, a)| &a.done.summary.gait))
    )?;
    let analysed: Vec<_> = runs
        .iter()
        .filter_map(|(_, a)| {
            let s = &a.done.summary;
            Some((s.gait.direction, s.muscle_analysis.as_ref()?))
        })
        .collect();
    if !analysed.is_empty() {
        crate::outln!("{}", crate::table::muscle_table(&analysed))?;
    }
    if !motion.missing_coordinates.is_empty() {
        crate::outln!(
            "held at zero (not in {}): {}",
            coordinates.display(),
            motion.missing_coordinates.join(", ")
        )?;
    }
    Ok(())
}

/// Refuses an output folder that holds anything (earlier results are never overwritten) or
/// cannot be created.
fn check_output_folder(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out)
            .with_context(|| format!("--out {}: not a readable folder", out.display()))?;
        if entries.next().is_some() {
            bail!(
                "--out {}: the folder is not empty; choose another",
                out.display()
            );
        }
    }
    Ok(())
}

/// Parses `F,P,T` column prefixes.
fn parse_prefixes(text: Option<&str>, flag: &str) -> Result<Option<ColumnPrefixes>> {
    let Some(text) = text else { return Ok(None) };
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [f, p, t] if !f.is_empty() && !p.is_empty() => Ok(Some(ColumnPrefixes {
            force: (*f).to_owned(),
            point: (*p).to_owned(),
            torque: (*t).to_owned(),
        })),
        _ => bail!(
            "{flag} {text:?}: expected three comma-separated column prefixes FORCE,POINT,TORQUE"
        ),
    }
}

/// The recording and its loads played backwards about the motion's time span.
fn reversed(motion: &MeasuredMotion, loads: &MeasuredLoads) -> (MeasuredMotion, MeasuredLoads) {
    let span = (motion.time_s[0], motion.time_s[motion.time_s.len() - 1]);
    (motion.reversed(), loads.clone().map(|l| l.reversed(span)))
}

fn analyse_one(
    model: &Model,
    motion: &MeasuredMotion,
    loads: &MeasuredLoads,
    settings: &MeasuredSettings,
) -> Result<Analysed> {
    let result = analyse(model, motion, loads, settings)?;
    let (mut done, frames) = measure(model, result);
    // A recording has no belt centre to drift from (the walking criterion of the simulator).
    done.summary.gait.max_distance_from_centre_m = None;
    Ok(Analysed { done, frames })
}

/// One analysis of a recording and its frames (in memory: a recording is as long as its file).
struct Analysed {
    done: FinishedTrial,
    frames: Vec<gait::Frame>,
}

/// Writes one analysis folder: `analysis.json`, `model.ron`, then the trial files.
fn write_analysis(
    dir: &Path,
    model: &Model,
    record: &AnalysisRecord<'_>,
    analysed: &Analysed,
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    crate::output::write_atomic(
        &dir.join("analysis.json"),
        &serde_json::to_vec_pretty(record)?,
    )?;
    crate::output::write_atomic(
        &dir.join("model.ron"),
        ron::ser::to_string_pretty(&model.spec, Default::default())?.as_bytes(),
    )?;
    crate::frame_files::write_frame_files(dir, model, &analysed.frames)?;
    crate::output::write_trial_results(dir, &analysed.done)?;
    Ok(())
}
