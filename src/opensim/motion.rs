//! OpenSim coordinates (inverse-kinematics `.mot`/`.sto`) → [`MeasuredMotion`].

use std::f64::consts::PI;
use std::path::Path;

use gait::measured::MeasuredMotion;
use glam::{DMat3, DVec3};
use musculo::Model;

use super::error::InputError;
use super::map::CoordinateMap;
use super::{checked_column, checked_time, read_storage, require_columns};
use crate::sto::Storage;

/// The model coordinates every coordinates file must feed: both legs' hip flexion, knee and
/// ankle, the sagittal joints the inverse dynamics and the knee loads rest on.
pub const REQUIRED_MODEL_COORDINATES: [&str; 6] = [
    "hip_flexion_r",
    "knee_flexion_r",
    "ankle_dorsiflexion_r",
    "hip_flexion_l",
    "knee_flexion_l",
    "ankle_dorsiflexion_l",
];

/// Recordings longer than this \[s\] are checked for radians labelled as degrees.
pub const RADIANS_CHECK_MIN_DURATION_S: f64 = 0.5;

/// Below this peak-to-peak motion \[deg\] in every moving angle column, a recording labelled
/// `inDegrees=yes` is taken for radians (walking moves the knee through about 60°, Winter
/// 2009, Biomechanics and Motor Control of Human Movement, 4th ed., ch. 4; 3 rad would be 172°).
pub const RADIANS_CHECK_MAX_PEAK_TO_PEAK_DEG: f64 = 3.0;

/// A file column the motion does not use, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoredColumn {
    /// The column label.
    pub column: String,
    /// Why it is not used.
    pub reason: String,
}

/// A coordinates file read into the model's coordinates, with what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedMotion {
    /// The motion in retrogait's conventions.
    pub motion: MeasuredMotion,
    /// File columns not used (the map ignores them, does not know them, or the model lacks
    /// their coordinate).
    pub ignored_columns: Vec<IgnoredColumn>,
    /// Pelvis columns of the map the file lacks (held at zero), e.g. `pelvis_list` in a
    /// planar recording.
    pub missing_pelvis_columns: Vec<String>,
    /// Whether the file's angles were in degrees (its `inDegrees` header).
    pub in_degrees: bool,
}

/// Reads an OpenSim coordinates file and maps it onto `model` through `map`.
///
/// Angles are converted to radians per the `inDegrees` header (required); the pelvis
/// translations are metres in either case. The pelvis origin becomes the mid-hip point
/// `p + R · (hx, hy, 0)`, with `R = Rz(tilt) · Rx(list) · Ry(rotation)` (OpenSim's
/// `ground_pelvis` sequence) and `(hx, hy)` the map's generic hip centre — the subject's scaled
/// pelvis is not known here, so the point is off by the scaling of that 0.1 m offset.
///
/// Required columns: `time`, the map's `pelvis_tx` and `pelvis_ty` (`pelvis_tz` and the pelvis
/// angles are zero when absent, listed in [`LoadedMotion::missing_pelvis_columns`]), and the
/// columns feeding [`REQUIRED_MODEL_COORDINATES`]. Other model coordinates the file lacks are
/// zero and listed in `missing_coordinates`.
///
/// Unit check (a heuristic, since the header can be wrong): with `inDegrees=no`, any angle
/// beyond 2π in magnitude is taken for degrees; with `inDegrees=yes`, a recording longer than
/// [`RADIANS_CHECK_MIN_DURATION_S`] whose every moving angle column (non-constant) has a
/// peak-to-peak value below [`RADIANS_CHECK_MAX_PEAK_TO_PEAK_DEG`] is taken for radians. Both
/// are errors naming the column; a standing trial held within 3° would be misjudged, and is
/// not a walking recording.
pub fn load_motion(
    path: impl AsRef<Path>,
    model: &Model,
    map: &CoordinateMap,
) -> Result<LoadedMotion, InputError> {
    let path = path.as_ref();
    let st = read_storage(path)?;
    check_required(path, &st, map)?;
    let time_s = checked_time(path, &st)?;
    let n = time_s.len();

    let (mapped, ignored_columns) = map_columns(path, &st, model, map)?;
    let mut missing_pelvis_columns = Vec::new();
    let mut pelvis = |label: &String| -> Result<Option<Vec<f64>>, InputError> {
        if st.column_index(label).is_some() {
            checked_column(path, &st, label).map(Some)
        } else {
            missing_pelvis_columns.push(label.clone());
            Ok(None)
        }
    };
    let pelvis_angles: Vec<Option<Vec<f64>>> = map
        .pelvis_angles
        .iter()
        .map(&mut pelvis)
        .collect::<Result<_, _>>()?;
    let pelvis_translation: Vec<Option<Vec<f64>>> = map
        .pelvis_translation
        .iter()
        .map(&mut pelvis)
        .collect::<Result<_, _>>()?;

    let angle_columns: Vec<(&str, &[f64])> = map
        .pelvis_angles
        .iter()
        .zip(&pelvis_angles)
        .filter_map(|(l, v)| v.as_deref().map(|v| (l.as_str(), v)))
        .chain(mapped.iter().map(|m| (m.label, m.values.as_slice())))
        .collect();
    let in_degrees = st.in_degrees.ok_or_else(|| InputError::MissingInDegrees {
        file: path.to_path_buf(),
        column: angle_columns.first().map_or("time", |c| c.0).to_string(),
    })?;
    check_units(path, in_degrees, &time_s, &angle_columns)?;
    let to_rad = if in_degrees { PI / 180.0 } else { 1.0 };

    let value = |col: &Option<Vec<f64>>, i: usize| col.as_ref().map_or(0.0, |v| v[i]);
    let hip = DVec3::new(
        map.hip_centre_in_pelvis_m[0],
        map.hip_centre_in_pelvis_m[1],
        0.0,
    );
    let mut pelvis_angles_rad = Vec::with_capacity(n);
    let mut mid_hip_m = Vec::with_capacity(n);
    let mut q_rad = vec![vec![0.0; model.coordinate_count()]; n];
    for (i, q) in q_rad.iter_mut().enumerate() {
        let a = [0, 1, 2].map(|k| value(&pelvis_angles[k], i) * to_rad);
        let p = DVec3::new(
            value(&pelvis_translation[0], i),
            value(&pelvis_translation[1], i),
            value(&pelvis_translation[2], i),
        );
        let r = DMat3::from_rotation_z(a[0])
            * DMat3::from_rotation_x(a[1])
            * DMat3::from_rotation_y(a[2]);
        pelvis_angles_rad.push(a);
        mid_hip_m.push(p + r * hip);
        for m in &mapped {
            q[m.index] = m.sign * m.values[i] * to_rad;
        }
    }
    let missing_coordinates = model
        .coordinates
        .iter()
        .enumerate()
        .filter(|(id, _)| !mapped.iter().any(|m| m.index == *id))
        .map(|(_, c)| c.name.clone())
        .collect();
    Ok(LoadedMotion {
        motion: MeasuredMotion {
            time_s,
            pelvis_angles_rad,
            mid_hip_m,
            q_rad,
            missing_coordinates,
        },
        ignored_columns,
        missing_pelvis_columns,
        in_degrees,
    })
}

/// A file column that feeds a model coordinate.
struct MappedColumn<'a> {
    /// The model coordinate's index.
    index: usize,
    /// Sign from the file's convention to the model's.
    sign: f64,
    /// The column's values, in the file's unit.
    values: Vec<f64>,
    /// The column's label.
    label: &'a str,
}

/// The file's coordinate columns that feed model coordinates, and the columns left out with
/// the reason (the pelvis columns are read separately).
fn map_columns<'a>(
    path: &Path,
    st: &'a Storage,
    model: &Model,
    map: &CoordinateMap,
) -> Result<(Vec<MappedColumn<'a>>, Vec<IgnoredColumn>), InputError> {
    let mut ignored_columns = Vec::new();
    let mut mapped = Vec::new();
    for label in st.labels.iter().skip(1) {
        let is_pelvis = map.pelvis_angles.contains(label) || map.pelvis_translation.contains(label);
        if label == "time" || is_pelvis {
            continue;
        }
        let reason = match map.coordinates.iter().find(|c| &c.opensim == label) {
            Some(entry) => match model.coordinate_id(&entry.model) {
                Some(id) => {
                    let values = checked_column(path, st, label)?;
                    mapped.push(MappedColumn {
                        index: id.index(),
                        sign: entry.sign,
                        values,
                        label,
                    });
                    continue;
                }
                None => format!(
                    "map `{}` sends it to `{}`, which model `{}` does not have",
                    map.name, entry.model, model.name
                ),
            },
            None if map.ignored.contains(label) => {
                format!(
                    "map `{}` ignores it (no counterpart in retrogait's model)",
                    map.name
                )
            }
            None => format!("map `{}` does not know it", map.name),
        };
        ignored_columns.push(IgnoredColumn {
            column: label.clone(),
            reason,
        });
    }
    Ok((mapped, ignored_columns))
}

/// Errors naming every required column the file lacks.
fn check_required(path: &Path, st: &Storage, map: &CoordinateMap) -> Result<(), InputError> {
    let mut required = vec![
        "time".to_string(),
        map.pelvis_translation[0].clone(),
        map.pelvis_translation[1].clone(),
    ];
    for model_name in REQUIRED_MODEL_COORDINATES {
        let entry = map
            .entry_for_model(model_name)
            .ok_or_else(|| InputError::Map {
                origin: map.name.clone(),
                field: "coordinates".into(),
                reason: format!("no OpenSim coordinate feeds the required `{model_name}`"),
            })?;
        required.push(entry.opensim.clone());
    }
    require_columns(path, st, &required)
}

/// The degrees/radians heuristic of [`load_motion`].
fn check_units(
    path: &Path,
    in_degrees: bool,
    time_s: &[f64],
    angles: &[(&str, &[f64])],
) -> Result<(), InputError> {
    if !in_degrees {
        for (label, values) in angles {
            if let Some(v) = values.iter().find(|v| v.abs() > 2.0 * PI) {
                return Err(InputError::LooksLikeDegrees {
                    file: path.to_path_buf(),
                    column: label.to_string(),
                    value: *v,
                });
            }
        }
        return Ok(());
    }
    let duration_s = time_s[time_s.len() - 1] - time_s[0];
    if duration_s <= RADIANS_CHECK_MIN_DURATION_S {
        return Ok(());
    }
    let peak_to_peak = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                (lo.min(*x), hi.max(*x))
            });
        hi - lo
    };
    let largest = angles
        .iter()
        .map(|(l, v)| (*l, peak_to_peak(v)))
        .filter(|(_, p)| *p > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match largest {
        Some((column, p)) if p < RADIANS_CHECK_MAX_PEAK_TO_PEAK_DEG => {
            Err(InputError::LooksLikeRadians {
                file: path.to_path_buf(),
                column: column.to_string(),
                peak_to_peak: p,
                duration_s,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{data, temp_file};
    use super::*;

    fn model() -> Model {
        Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult.ron", None).unwrap()
    }

    fn gait2392() -> CoordinateMap {
        CoordinateMap::builtin("gait2392").unwrap()
    }

    const LABELS: &str = "time\tpelvis_tilt\tpelvis_tx\tpelvis_ty\thip_flexion_r\tknee_angle_r\tankle_angle_r\thip_flexion_l\tknee_angle_l\tankle_angle_l";

    /// A coordinates file with the given header lines, labels and rows.
    fn mot(header: &str, labels: &str, rows: &[&str]) -> String {
        format!(
            "Coordinates\nversion=1\n{header}endheader\n{labels}\n{}\n",
            rows.join("\n")
        )
    }

    /// Rows of a plausible walk in degrees, `n` samples 0.1 s apart.
    fn walk_rows(n: usize, scale: f64) -> Vec<String> {
        (0..n)
            .map(|i| {
                let s = (i as f64 * 0.7).sin();
                format!(
                    "{}\t{}\t{}\t0.95\t{}\t{}\t{}\t{}\t{}\t{}",
                    i as f64 * 0.1,
                    5.0 * s * scale,
                    0.1 * i as f64,
                    20.0 * s * scale,
                    -30.0 * (1.0 + s) * scale,
                    10.0 * s * scale,
                    -20.0 * s * scale,
                    -30.0 * (1.0 - s) * scale,
                    -10.0 * s * scale
                )
            })
            .collect()
    }

    fn load_text(name: &str, text: &str) -> Result<LoadedMotion, InputError> {
        load_motion(temp_file(name, text), &model(), &gait2392())
    }

    fn assert_names(e: &InputError, parts: &[&str]) {
        let msg = e.to_string();
        for p in parts {
            assert!(msg.contains(p), "`{p}` not in: {msg}");
        }
    }

    #[test]
    fn subject01_ik_loads_in_model_coordinates() {
        let m = model();
        let loaded = load_motion(data("subject01_walk_IK.mot"), &m, &gait2392()).unwrap();
        let motion = &loaded.motion;
        assert!(loaded.in_degrees);
        assert_eq!(motion.time_s.len(), 151);
        let knee = m.coordinate_id("knee_flexion_r").unwrap().index();
        let max_knee = motion
            .q_rad
            .iter()
            .map(|q| q[knee])
            .fold(f64::MIN, f64::max);
        let min_knee = motion
            .q_rad
            .iter()
            .map(|q| q[knee])
            .fold(f64::MAX, f64::min);
        assert!(max_knee > 50f64.to_radians(), "knee max {max_knee} rad");
        assert!(min_knee > -10f64.to_radians(), "knee min {min_knee} rad");
        // First row: knee_angle_r = -5.12860733 deg, flexion positive in retrogait.
        assert!((motion.q_rad[0][knee] - 5.12860733f64.to_radians()).abs() < 1e-12);
        assert!(
            motion
                .missing_coordinates
                .iter()
                .any(|c| c == "hip_adduction_r")
        );
        assert!(
            !motion
                .missing_coordinates
                .iter()
                .any(|c| c == "knee_flexion_l")
        );
        for p in &motion.mid_hip_m {
            assert!((0.8..1.0).contains(&p.y), "mid-hip height {}", p.y);
        }
        // The mid-hip point is below and behind the pelvis origin for a small tilt.
        assert!(motion.mid_hip_m[0].y < 1.0179025);
        assert_eq!(motion.pelvis_angles_rad[0][0], 10.32995988f64.to_radians());
        assert_eq!(
            loaded.missing_pelvis_columns,
            ["pelvis_list", "pelvis_rotation", "pelvis_tz"]
        );
        assert!(
            loaded.ignored_columns.is_empty(),
            "{:?}",
            loaded.ignored_columns
        );
    }

    #[test]
    fn unknown_and_ignored_columns_are_recorded_not_errors() {
        let labels = format!("{LABELS}\tmtp_angle_r\tmarker_x");
        let rows: Vec<String> = walk_rows(8, 1.0)
            .into_iter()
            .map(|r| r + "\t1\t2")
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let loaded = load_text("extra.mot", &mot("inDegrees=yes\n", &labels, &rows)).unwrap();
        let cols: Vec<&str> = loaded
            .ignored_columns
            .iter()
            .map(|c| c.column.as_str())
            .collect();
        assert_eq!(cols, ["mtp_angle_r", "marker_x"]);
        assert!(loaded.ignored_columns[0].reason.contains("ignores"));
        assert!(loaded.ignored_columns[1].reason.contains("does not know"));
    }

    #[test]
    fn missing_knee_column_is_named_with_a_suggestion() {
        let labels = LABELS.replace("knee_angle_r", "knee_angl_r");
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("misnamed.mot", &mot("inDegrees=yes\n", &labels, &rows)).unwrap_err();
        assert!(matches!(e, InputError::MissingColumns { .. }));
        assert_names(
            &e,
            &[
                "misnamed.mot",
                "`knee_angle_r`",
                "did you mean `knee_angl_r`",
                "`pelvis_tilt`",
            ],
        );
    }

    #[test]
    fn missing_pelvis_translation_and_time_are_named_together() {
        let labels = LABELS.replace("pelvis_ty", "height").replace("time", "t");
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("nopelvis.mot", &mot("inDegrees=yes\n", &labels, &rows)).unwrap_err();
        assert_names(
            &e,
            &["nopelvis.mot", "`time`", "`pelvis_ty`", "missing column"],
        );
    }

    #[test]
    fn nan_value_names_column_and_row() {
        let mut rows = walk_rows(8, 1.0);
        rows[4] = rows[4].replacen("\t0.95\t", "\t0.95\tNaN\t", 1);
        // Drop the value NaN displaced so the row keeps its length.
        let mut cells: Vec<&str> = rows[4].split('\t').collect();
        cells.remove(5);
        rows[4] = cells.join("\t");
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("nan.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::NonFinite { row: 5, .. }), "{e}");
        assert_names(
            &e,
            &[
                "nan.mot",
                "`hip_flexion_r`",
                "data row 5",
                "time 0.4",
                "not finite",
            ],
        );
    }

    #[test]
    fn infinite_value_is_an_error() {
        let mut rows = walk_rows(8, 1.0);
        rows[2] = rows[2].replacen("\t0.95\t", "\t-inf\t", 1);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("inf.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert_names(&e, &["inf.mot", "`pelvis_ty`", "data row 3", "not finite"]);
    }

    #[test]
    fn repeated_time_names_the_row() {
        let mut rows = walk_rows(8, 1.0);
        rows[3] = rows[3].replacen("0.30000000000000004", "0.2", 1);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("repeat.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::Time { row: 4, .. }), "{e}");
        assert_names(
            &e,
            &[
                "repeat.mot",
                "`time`",
                "data row 4",
                "equal to",
                "strictly increase",
            ],
        );
    }

    #[test]
    fn time_going_back_names_the_row() {
        let mut rows = walk_rows(8, 1.0);
        rows[6] = rows[6].replacen("0.6000000000000001", "0.1", 1);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("back.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert_names(&e, &["back.mot", "`time`", "data row 7", "before"]);
    }

    #[test]
    fn two_rows_are_too_few() {
        let rows = walk_rows(2, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("short.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::TooFewRows { rows: 2, .. }), "{e}");
        assert_names(&e, &["short.mot", "`time`", "2 data row", "at least 3"]);
    }

    #[test]
    fn missing_in_degrees_says_how_to_fix_it() {
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("nounit.mot", &mot("", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::MissingInDegrees { .. }), "{e}");
        assert_names(
            &e,
            &[
                "nounit.mot",
                "`pelvis_tilt`",
                "inDegrees=yes",
                "inDegrees=no",
            ],
        );
    }

    #[test]
    fn degrees_labelled_radians_is_caught() {
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("deg.mot", &mot("inDegrees=no\n", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::LooksLikeDegrees { .. }), "{e}");
        assert_names(&e, &["deg.mot", "column `", "look like degrees"]);
    }

    #[test]
    fn radians_labelled_degrees_is_caught() {
        let rows = walk_rows(8, PI / 180.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let e = load_text("rad.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap_err();
        assert!(matches!(e, InputError::LooksLikeRadians { .. }), "{e}");
        // The knee moves most: 60 deg peak-to-peak in the synthetic walk, i.e. ~1.05 rad.
        assert_names(
            &e,
            &["rad.mot", "`knee_angle_", "look like radians", "over 0.7"],
        );
    }

    #[test]
    fn the_same_radians_with_the_right_header_load() {
        let rows = walk_rows(8, PI / 180.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let loaded = load_text("radok.mot", &mot("inDegrees=no\n", LABELS, &rows)).unwrap();
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let degrees = load_text("degok.mot", &mot("inDegrees=yes\n", LABELS, &rows)).unwrap();
        for (a, b) in loaded.motion.q_rad.iter().zip(&degrees.motion.q_rad) {
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-9, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn rajagopal_knee_keeps_its_sign() {
        let rows = walk_rows(8, 1.0);
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let text = mot("inDegrees=yes\n", LABELS, &rows);
        let m = model();
        let p = temp_file("raj.mot", &text);
        let g = load_motion(&p, &m, &gait2392()).unwrap();
        let r = load_motion(&p, &m, &CoordinateMap::builtin("rajagopal").unwrap()).unwrap();
        let knee = m.coordinate_id("knee_flexion_r").unwrap().index();
        assert_eq!(g.motion.q_rad[3][knee], -r.motion.q_rad[3][knee]);
        assert_ne!(g.motion.q_rad[3][knee], 0.0);
        // Different hip centres give different mid-hip points.
        assert_ne!(g.motion.mid_hip_m[0], r.motion.mid_hip_m[0]);
    }

    #[test]
    fn pelvis_rotation_order_is_z_then_x_then_y() {
        // Tilt 90 deg about z turns the hip offset (-0.0707, -0.0661, 0) to (0.0661, -0.0707, 0).
        let labels = "time\tpelvis_tilt\tpelvis_tx\tpelvis_ty\thip_flexion_r\tknee_angle_r\tankle_angle_r\thip_flexion_l\tknee_angle_l\tankle_angle_l";
        let rows = [
            "0\t90\t0\t1\t0\t-10\t0\t0\t-10\t0",
            "0.1\t90\t0\t1\t0\t-20\t0\t0\t-10\t0",
            "0.2\t90\t0\t1\t0\t-30\t0\t0\t-10\t0",
        ];
        let loaded = load_text("tilt.mot", &mot("inDegrees=yes\n", labels, &rows)).unwrap();
        let p = loaded.motion.mid_hip_m[0];
        assert!(
            (p - DVec3::new(0.0661, 1.0 - 0.0707, 0.0)).length() < 1e-12,
            "{p}"
        );
    }
}
