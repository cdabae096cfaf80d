//! `frames.csv`, `coordinates.sto` and `activations.sto`, written frame by frame while a
//! trial runs, so that a trial's memory does not grow with its length: each file goes to a
//! temporary name in the trial's folder and is moved into place by [`FrameFiles::finish`]
//! (dropped unfinished, after an error, the temporary files are removed).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gait::Frame;
use musculo::{Model, Side};

use crate::output::AtomicFile;
use crate::sto::StoWriter;

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

/// The frame files of one trial folder, being written.
pub struct FrameFiles<'a> {
    model: &'a Model,
    dir: PathBuf,
    frames: csv::Writer<AtomicFile>,
    /// Whether `frames.csv` has the muscle columns; decided by the first frame (a trial's
    /// frames all carry the muscle analysis or none does).
    with_muscles: Option<bool>,
    coordinates: StoWriter,
    /// `activations.sto` while every frame so far carries the muscle analysis.
    activations: Option<StoWriter>,
    /// Scratch: one row of `frames.csv`.
    row: RowCells,
}

impl<'a> FrameFiles<'a> {
    /// Starts the frame files of a trial of `model` in `dir` (created if missing), so that a
    /// folder that cannot be written is an error before the trial runs.
    pub fn create(dir: &Path, model: &'a Model) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        let coordinates = dir.join("coordinates.sto");
        let labels = model.coordinates.iter().map(|c| c.name.clone()).collect();
        Ok(Self {
            model,
            dir: dir.to_path_buf(),
            frames: csv::Writer::from_writer(AtomicFile::create(&dir.join("frames.csv"))?),
            with_muscles: None,
            coordinates: StoWriter::create(&coordinates, "coordinates", labels, true)
                .with_context(|| format!("cannot write {}", coordinates.display()))?,
            activations: None,
            row: RowCells::default(),
        })
    }

    /// Appends a frame to every file.
    pub fn write(&mut self, f: &Frame) -> Result<()> {
        let first = self.with_muscles.is_none();
        let with_muscles = *self.with_muscles.get_or_insert(f.muscles.is_some());
        if first {
            self.write_header(with_muscles)?;
            if with_muscles {
                let path = self.dir.join("activations.sto");
                let labels = (self.model.muscles.iter())
                    .map(|m| format!("{}/activation", m.name))
                    .collect();
                self.activations = Some(
                    StoWriter::create(&path, "activations", labels, false)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                );
            }
        }
        self.write_csv_row(f, with_muscles)?;
        let degrees = f.q_rad.iter().map(|q| q.to_degrees());
        self.coordinates
            .write_row(std::iter::once(f.time_s).chain(degrees))
            .with_context(|| {
                format!(
                    "cannot write {}",
                    self.dir.join("coordinates.sto").display()
                )
            })?;
        match (&f.muscles, &mut self.activations) {
            (Some(m), Some(a)) => {
                let row = std::iter::once(f.time_s).chain(m.activations.iter().copied());
                a.write_row(row).with_context(|| {
                    format!(
                        "cannot write {}",
                        self.dir.join("activations.sto").display()
                    )
                })?;
            }
            // A frame without the analysis: no activations file.
            (None, _) => self.activations = None,
            (Some(_), None) => {}
        }
        Ok(())
    }

    /// Moves the files into place; returns them. `activations.sto` is written only when every
    /// frame, and at least one, carried the muscle analysis.
    pub fn finish(mut self) -> Result<Vec<PathBuf>> {
        if self.with_muscles.is_none() {
            self.write_header(false)?;
        }
        let frames = self.frames.into_inner().map_err(|e| {
            anyhow::Error::new(e.into_error()).context(format!(
                "cannot write {}",
                self.dir.join("frames.csv").display()
            ))
        })?;
        let mut written = vec![frames.commit()?];
        for (name, sto) in [
            ("coordinates.sto", Some(self.coordinates)),
            ("activations.sto", self.activations),
        ] {
            let Some(sto) = sto else { continue };
            let path = self.dir.join(name);
            let mut file = AtomicFile::create(&path)?;
            sto.finish(&mut file)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(file.commit()?);
        }
        Ok(written)
    }

    fn write_header(&mut self, with_muscles: bool) -> Result<()> {
        let mut header = frame_header(self.model);
        if with_muscles {
            header.extend(muscle_header(self.model));
        }
        self.frames
            .write_record(header)
            .with_context(|| format!("cannot write {}", self.dir.join("frames.csv").display()))
    }

    /// One row of `frames.csv`: numbers as Rust's `{}` prints them (shortest round trip).
    fn write_csv_row(&mut self, f: &Frame, with_muscles: bool) -> Result<()> {
        let row = &mut self.row;
        row.clear();
        row.push(f.time_s);
        for v in [
            &f.q_rad,
            &f.qdot_rad_s,
            &f.applied_torques_nm,
            &f.net_moments_nm,
        ] {
            row.extend(v.iter().copied());
        }
        for side in Side::BOTH {
            for v in [f.grf_n[side], f.cop_m[side]] {
                row.extend(v.to_array());
            }
            row.push_text(if f.heel_contact[side] { "1" } else { "0" });
            row.push_text(if f.toe_contact[side] { "1" } else { "0" });
            row.extend(f.knee_force_on_shank_n[side].to_array());
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
            row.extend(v.to_array());
        }
        row.push_text(f.stance_side.map_or("", |s| s.tag()));
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
                        row.extend(v.iter().copied());
                    }
                    for k in &m.knee {
                        row.extend([k.tibiofemoral_n, k.patellofemoral_n, k.quadriceps_force_n]);
                    }
                }
                None => {
                    for _ in 0..muscle_header(self.model).len() {
                        row.push_text("");
                    }
                }
            }
        }
        self.frames
            .write_record(row.cells())
            .with_context(|| format!("cannot write {}", self.dir.join("frames.csv").display()))
    }
}

/// The cells of one CSV row, kept from row to row so that a row allocates nothing once the
/// first has sized the cells (a `String` per cell per frame was ~5 % of a trial's
/// instructions, `docs/performance.md`).
#[derive(Debug, Default)]
struct RowCells {
    cells: Vec<String>,
    len: usize,
}

impl RowCells {
    fn clear(&mut self) {
        self.len = 0;
    }

    /// The next cell, emptied.
    fn next_cell(&mut self) -> &mut String {
        if self.len == self.cells.len() {
            self.cells.push(String::new());
        }
        let cell = &mut self.cells[self.len];
        self.len += 1;
        cell.clear();
        cell
    }

    /// Appends `v` as `{}` prints it.
    fn push(&mut self, v: f64) {
        crate::float_text::push_display(self.next_cell(), v);
    }

    fn push_text(&mut self, text: &str) {
        self.next_cell().push_str(text);
    }

    fn extend(&mut self, values: impl IntoIterator<Item = f64>) {
        for v in values {
            self.push(v);
        }
    }

    fn cells(&self) -> &[String] {
        &self.cells[..self.len]
    }
}

/// Writes the frame files of a recording held in memory (`retrogait analyze`).
pub fn write_frame_files(dir: &Path, model: &Model, frames: &[Frame]) -> Result<Vec<PathBuf>> {
    let mut files = FrameFiles::create(dir, model)?;
    for f in frames {
        files.write(f)?;
    }
    files.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult", None).unwrap()
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("retrogait-ff-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn unfinished_files_leave_nothing_behind() {
        let (model, dir) = (model(), temp_dir("dropped"));
        let files = FrameFiles::create(&dir, &model).unwrap();
        assert_eq!(listing(&dir).len(), 1, "the temporary frames.csv");
        drop(files);
        assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn a_recording_without_frames_has_headers_only_and_no_activations() {
        let (model, dir) = (model(), temp_dir("empty"));
        let written = FrameFiles::create(&dir, &model).unwrap().finish().unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(listing(&dir), ["coordinates.sto", "frames.csv"]);
        let csv = std::fs::read_to_string(dir.join("frames.csv")).unwrap();
        assert_eq!(csv, frame_header(&model).join(",") + "\n");
        let sto = std::fs::read_to_string(dir.join("coordinates.sto")).unwrap();
        assert!(
            sto.starts_with("coordinates\nversion=1\nnRows=0\n"),
            "{sto}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
