//! Ground reactions: the OpenSim ExternalLoads XML that names the columns, the `.mot` file that
//! holds them, and the check that they cover the motion.

use std::path::{Path, PathBuf};

use gait::measured::{MeasuredLoad, MeasuredLoads, MeasuredMotion};
use glam::DVec3;
use musculo::{Side, Sides};

use super::error::InputError;
use super::{checked_column, checked_time, missing, read_storage, read_text};

pub use gait::measured::CONTACT_THRESHOLD_N;

/// The column-name prefixes of one foot's ground reaction: `<force>x`, `<force>y`, `<force>z`
/// and likewise for the point and the torque (OpenSim's `force_identifier`,
/// `point_identifier`, `torque_identifier`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnPrefixes {
    /// Force prefix, e.g. `ground_force_v`.
    pub force: String,
    /// Point-of-application prefix, e.g. `ground_force_p`.
    pub point: String,
    /// Free-torque prefix, e.g. `ground_torque_`.
    pub torque: String,
}

/// Which columns of a ground-reaction file belong to which foot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExternalLoadsSpec {
    /// Column prefixes per foot.
    pub prefixes: Sides<ColumnPrefixes>,
    /// Body each force is applied to (`calcn_r`), from the XML; empty for explicit prefixes.
    pub bodies: Sides<String>,
    /// The XML's `datafile`, resolved against the XML's folder, if it names one.
    pub datafile: Option<PathBuf>,
    /// Names of `ExternalForce`s skipped because they are disabled.
    pub disabled: Vec<String>,
}

impl ExternalLoadsSpec {
    /// Explicit prefixes `(force, point, torque)` per foot, for a command line without XML.
    pub fn from_prefixes(right: (&str, &str, &str), left: (&str, &str, &str)) -> Self {
        let p = |(force, point, torque): (&str, &str, &str)| ColumnPrefixes {
            force: force.into(),
            point: point.into(),
            torque: torque.into(),
        };
        Self {
            prefixes: Sides::new(p(right), p(left)),
            ..Self::default()
        }
    }

    /// OpenSim's default naming, as in its example `subject01_walk_grf.mot` and the files its
    /// C3D import writes: `ground_force_v`/`ground_force_p`/`ground_torque_` on the right,
    /// the same with a `1_` prefix on the left.
    pub fn opensim_default() -> Self {
        Self::from_prefixes(
            ("ground_force_v", "ground_force_p", "ground_torque_"),
            ("1_ground_force_v", "1_ground_force_p", "1_ground_torque_"),
        )
    }
}

/// Reads an OpenSim ExternalLoads XML: one enabled `ExternalForce` per foot, the foot given by
/// the `_r`/`_l` suffix of `applied_to_body`, force and point expressed in `ground` (the only
/// frame supported: the analysis works in the world frame).
pub fn load_external_loads(xml_path: impl AsRef<Path>) -> Result<ExternalLoadsSpec, InputError> {
    let path = xml_path.as_ref();
    let text = read_text(path)?;
    let xml_err = |element: String, reason: String| InputError::Xml {
        file: path.to_path_buf(),
        element,
        reason,
    };
    let doc = roxmltree::Document::parse(&text).map_err(|e| {
        xml_err(
            format!("line {}, column {}", e.pos().row, e.pos().col),
            e.to_string(),
        )
    })?;
    let loads = doc
        .descendants()
        .find(|n| n.has_tag_name("ExternalLoads"))
        .ok_or_else(|| xml_err("ExternalLoads".into(), "no such element".into()))?;
    let child_text = |node: roxmltree::Node, tag: &str| -> Option<String> {
        node.children()
            .find(|c| c.has_tag_name(tag))
            .map(|c| c.text().unwrap_or("").trim().to_string())
    };
    let mut spec = ExternalLoadsSpec::default();
    let mut seen: [Option<String>; 2] = [None, None];
    for force in loads
        .descendants()
        .filter(|n| n.has_tag_name("ExternalForce"))
    {
        let name = force.attribute("name").unwrap_or("(unnamed)").to_string();
        let here = |tag: &str| format!("ExternalForce `{name}`/{tag}");
        let disabled = child_text(force, "isDisabled").is_some_and(|v| v == "true")
            || child_text(force, "appliesForce").is_some_and(|v| v == "false");
        if disabled {
            spec.disabled.push(name);
            continue;
        }
        let required = |tag: &str| -> Result<String, InputError> {
            match child_text(force, tag) {
                Some(v) if !v.is_empty() => Ok(v),
                _ => Err(xml_err(here(tag), "missing or empty".into())),
            }
        };
        let body = required("applied_to_body")?;
        let side = if body.ends_with("_r") {
            Side::Right
        } else if body.ends_with("_l") {
            Side::Left
        } else {
            return Err(xml_err(
                here("applied_to_body"),
                format!("body `{body}` ends in neither `_r` nor `_l`, so its foot is unknown"),
            ));
        };
        for tag in ["force_expressed_in_body", "point_expressed_in_body"] {
            let frame = child_text(force, tag).unwrap_or_else(|| "ground".into());
            if frame != "ground" {
                return Err(xml_err(
                    here(tag),
                    format!("`{frame}` is not supported; only `ground` (the world frame) is"),
                ));
            }
        }
        if let Some(other) = &seen[side.index()] {
            return Err(xml_err(
                here("applied_to_body"),
                format!(
                    "a second enabled force on the {} foot (`{other}` is the first)",
                    side_name(side)
                ),
            ));
        }
        spec.prefixes[side] = ColumnPrefixes {
            force: required("force_identifier")?,
            point: required("point_identifier")?,
            torque: child_text(force, "torque_identifier").unwrap_or_default(),
        };
        spec.bodies[side] = body;
        seen[side.index()] = Some(name);
    }
    for side in Side::BOTH {
        if seen[side.index()].is_none() {
            return Err(xml_err(
                "ExternalLoads/objects".into(),
                format!(
                    "no enabled ExternalForce applied to a {} body (`*{}`)",
                    side_name(side),
                    side.suffix()
                ),
            ));
        }
    }
    spec.datafile = child_text(loads, "datafile")
        .filter(|d| !d.is_empty())
        .map(|d| path.parent().unwrap_or(Path::new("")).join(d));
    Ok(spec)
}

/// A ground-reaction file read per foot, with what was absent.
#[derive(Debug, Clone, PartialEq)]
pub struct GrfRecording {
    /// The ground reactions in the world frame.
    pub loads: MeasuredLoads,
    /// Torque columns the file lacks (the torque is zero there), e.g. `ground_torque_x`.
    pub missing_torque_columns: Vec<String>,
}

/// Reads a ground-reaction `.mot` file with the columns `spec` names: `<force>x|y|z` \[N\],
/// `<point>x|y|z` \[m\] and optionally `<torque>x|y|z` \[N·m\] (all three or none), in the
/// OpenSim ground frame (x forward, y up, z right, as retrogait's world).
pub fn load_grf(
    path: impl AsRef<Path>,
    spec: &ExternalLoadsSpec,
) -> Result<GrfRecording, InputError> {
    let path = path.as_ref();
    let st = read_storage(path)?;
    let labels = |prefix: &str| ["x", "y", "z"].map(|a| format!("{prefix}{a}"));
    let required: Vec<String> = spec
        .prefixes
        .iter()
        .flat_map(|p| labels(&p.force).into_iter().chain(labels(&p.point)))
        .chain(std::iter::once("time".to_string()))
        .filter(|l| st.column_index(l).is_none())
        .collect();
    if !required.is_empty() {
        let absent: Vec<&str> = required.iter().map(String::as_str).collect();
        return Err(missing(path, &st, &absent));
    }
    let time_s = checked_time(path, &st)?;
    let vectors = |prefix: &str| -> Result<Vec<DVec3>, InputError> {
        let [x, y, z] = labels(prefix).map(|l| checked_column(path, &st, &l));
        let (x, y, z) = (x?, y?, z?);
        Ok((0..x.len()).map(|i| DVec3::new(x[i], y[i], z[i])).collect())
    };
    let mut missing_torque_columns = Vec::new();
    let mut sides = Vec::new();
    for p in spec.prefixes.iter() {
        let torque_labels = labels(&p.torque);
        let (present, absent): (Vec<&String>, Vec<&String>) = torque_labels
            .iter()
            .partition(|l| st.column_index(l).is_some());
        let torque_nm = if absent.is_empty() {
            vectors(&p.torque)?
        } else if present.is_empty() {
            missing_torque_columns.extend(absent.into_iter().cloned());
            vec![DVec3::ZERO; time_s.len()]
        } else {
            let quote = |v: Vec<&String>| {
                v.iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(InputError::PartialVector {
                file: path.to_path_buf(),
                present: quote(present),
                missing: quote(absent),
            });
        };
        sides.push(MeasuredLoad {
            time_s: time_s.clone(),
            force_n: vectors(&p.force)?,
            point_m: vectors(&p.point)?,
            torque_nm,
        });
    }
    let left = sides.pop().unwrap_or_default();
    let right = sides.pop().unwrap_or_default();
    Ok(GrfRecording {
        loads: Sides::new(right, left),
        missing_torque_columns,
    })
}

/// Checks that the ground reactions can drive the motion: their time range covers the
/// motion's (to within one ground-reaction sample at either end), and each foot's vertical
/// force exceeds [`CONTACT_THRESHOLD_N`] at least once.
pub fn check_overlap(
    motion: &MeasuredMotion,
    loads: &MeasuredLoads,
    spec: &ExternalLoadsSpec,
    motion_file: &Path,
    grf_file: &Path,
) -> Result<(), InputError> {
    let (Some(m0), Some(m1)) = (motion.time_s.first(), motion.time_s.last()) else {
        return Ok(());
    };
    for side in Side::BOTH {
        let load = &loads[side];
        let t = &load.time_s;
        let (Some(g0), Some(g1)) = (t.first(), t.last()) else {
            return Err(InputError::NoOverlap {
                grf_file: grf_file.to_path_buf(),
                motion_file: motion_file.to_path_buf(),
                grf_start: f64::NAN,
                grf_end: f64::NAN,
                motion_start: *m0,
                motion_end: *m1,
            });
        };
        let dt = if t.len() > 1 {
            (g1 - g0) / (t.len() - 1) as f64
        } else {
            0.0
        };
        if *g0 > m0 + dt || *g1 < m1 - dt {
            return Err(InputError::NoOverlap {
                grf_file: grf_file.to_path_buf(),
                motion_file: motion_file.to_path_buf(),
                grf_start: *g0,
                grf_end: *g1,
                motion_start: *m0,
                motion_end: *m1,
            });
        }
        let peak_n = load
            .force_n
            .iter()
            .map(|f| f.y)
            .fold(f64::NEG_INFINITY, f64::max);
        if peak_n <= CONTACT_THRESHOLD_N {
            return Err(InputError::NoContact {
                file: grf_file.to_path_buf(),
                column: format!("{}y", spec.prefixes[side].force),
                side: side_name(side),
                peak_n,
                threshold_n: CONTACT_THRESHOLD_N,
            });
        }
    }
    Ok(())
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Right => "right",
        Side::Left => "left",
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{data, temp_file};
    use super::*;

    fn assert_names(e: &InputError, parts: &[&str]) {
        let msg = e.to_string();
        for p in parts {
            assert!(msg.contains(p), "`{p}` not in: {msg}");
        }
    }

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="30000">
  <ExternalLoads name="x">
    <objects>
      <ExternalForce name="right">
        <isDisabled>false</isDisabled>
        <applied_to_body>calcn_r</applied_to_body>
        <force_expressed_in_body>ground</force_expressed_in_body>
        <point_expressed_in_body>ground</point_expressed_in_body>
        <force_identifier>R_v</force_identifier>
        <point_identifier>R_p</point_identifier>
        <torque_identifier>R_t</torque_identifier>
      </ExternalForce>
      <ExternalForce name="left">
        <applied_to_body>calcn_l</applied_to_body>
        <force_identifier>L_v</force_identifier>
        <point_identifier>L_p</point_identifier>
        <torque_identifier>L_t</torque_identifier>
      </ExternalForce>
    </objects>
    <datafile>walk_grf.mot</datafile>
  </ExternalLoads>
</OpenSimDocument>"#;

    const GRF_LABELS: &str =
        "time\tR_vx\tR_vy\tR_vz\tR_px\tR_py\tR_pz\tL_vx\tL_vy\tL_vz\tL_px\tL_py\tL_pz";

    fn grf_text(labels: &str, rows: &[String]) -> String {
        format!("grf\nversion=1\nendheader\n{labels}\n{}\n", rows.join("\n"))
    }

    /// Rows with the right foot loaded (700 N) and the left light (`left_n`).
    fn grf_rows(n: usize, extra: &str, left_n: f64) -> Vec<String> {
        (0..n)
            .map(|i| {
                format!(
                    "{}\t10\t700\t1\t0.3\t0\t0.1\t0\t{left_n}\t0\t0.8\t0\t-0.1{extra}",
                    i as f64 * 0.01
                )
            })
            .collect()
    }

    fn xml_spec() -> ExternalLoadsSpec {
        load_external_loads(temp_file("loads.xml", XML)).unwrap()
    }

    #[test]
    fn subject01_external_loads_name_the_opensim_columns() {
        let spec = load_external_loads(data("subject01_walk_grf.xml")).unwrap();
        assert_eq!(spec.prefixes[Side::Right].force, "ground_force_v");
        assert_eq!(spec.bodies[Side::Right], "calcn_r");
        assert_eq!(spec.prefixes[Side::Left].torque, "1_ground_torque_");
        assert_eq!(spec.prefixes, ExternalLoadsSpec::opensim_default().prefixes);
        assert_eq!(spec.datafile, Some(data("subject01_walk_grf.mot")));
    }

    #[test]
    fn subject01_grf_loads_with_a_heel_strike_sized_peak() {
        let spec = load_external_loads(data("subject01_walk_grf.xml")).unwrap();
        let grf = load_grf(data("subject01_walk_grf.mot"), &spec).unwrap();
        let right = &grf.loads[Side::Right];
        assert_eq!(right.time_s.len(), 1501);
        let peak = right.force_n.iter().map(|f| f.y).fold(f64::MIN, f64::max);
        assert!(peak > 600.0, "right vertical peak {peak} N");
        assert!((right.force_n[0].x - 101.5119767).abs() < 1e-12);
        assert!((grf.loads[Side::Left].torque_nm[0].z - 6.88030347).abs() < 1e-12);
        assert!(grf.missing_torque_columns.is_empty());
    }

    #[test]
    fn subject01_grf_covers_subject01_ik() {
        let model =
            musculo::Model::from_ron_str(musculo::ADULT_MODEL_RON, "adult.ron", None).unwrap();
        let map = super::super::CoordinateMap::builtin("gait10dof18musc").unwrap();
        let ik = data("subject01_walk_IK.mot");
        let motion = super::super::load_motion(&ik, &model, &map).unwrap().motion;
        let spec = ExternalLoadsSpec::opensim_default();
        let grf = load_grf(data("subject01_walk_grf.mot"), &spec).unwrap();
        check_overlap(
            &motion,
            &grf.loads,
            &spec,
            &ik,
            &data("subject01_walk_grf.mot"),
        )
        .unwrap();
        // A motion reaching past the GRF's 2.5 s is refused, naming both ranges.
        let mut late = motion.clone();
        late.time_s.iter_mut().for_each(|t| *t += 1.0);
        let e = check_overlap(&late, &grf.loads, &spec, &ik, Path::new("grf.mot")).unwrap_err();
        assert_names(
            &e,
            &[
                "grf.mot",
                "`time`",
                "0 to 2.5 s",
                "subject01_walk_IK.mot",
                "does not cover",
            ],
        );
    }

    #[test]
    fn xml_prefixes_select_the_columns_and_absent_torques_are_recorded() {
        let p = temp_file("grf.mot", &grf_text(GRF_LABELS, &grf_rows(5, "", 300.0)));
        let grf = load_grf(&p, &xml_spec()).unwrap();
        assert_eq!(
            grf.loads[Side::Left].force_n[2],
            DVec3::new(0.0, 300.0, 0.0)
        );
        assert_eq!(grf.loads[Side::Right].point_m[0], DVec3::new(0.3, 0.0, 0.1));
        assert_eq!(grf.missing_torque_columns.len(), 6);
        assert!(grf.missing_torque_columns.contains(&"L_tz".to_string()));
        assert_eq!(grf.loads[Side::Right].torque_nm[4], DVec3::ZERO);
    }

    #[test]
    fn partial_torque_columns_are_an_error() {
        let labels = format!("{GRF_LABELS}\tR_tx\tR_ty");
        let p = temp_file(
            "partial.mot",
            &grf_text(&labels, &grf_rows(5, "\t0\t1", 300.0)),
        );
        let e = load_grf(&p, &xml_spec()).unwrap_err();
        assert!(matches!(e, InputError::PartialVector { .. }), "{e}");
        assert_names(
            &e,
            &["partial.mot", "`R_tx`", "`R_tz` missing", "x, y and z"],
        );
    }

    #[test]
    fn missing_force_column_is_named_with_suggestion() {
        let labels = GRF_LABELS.replace("L_vy", "L_Vy");
        let p = temp_file("nolv.mot", &grf_text(&labels, &grf_rows(5, "", 300.0)));
        let e = load_grf(&p, &xml_spec()).unwrap_err();
        assert_names(&e, &["nolv.mot", "`L_vy`", "did you mean `L_Vy`"]);
    }

    #[test]
    fn nan_force_names_column_and_time() {
        let mut rows = grf_rows(5, "", 300.0);
        rows[2] = rows[2].replacen("\t700\t", "\tnan\t", 1);
        let p = temp_file("nanf.mot", &grf_text(GRF_LABELS, &rows));
        let e = load_grf(&p, &xml_spec()).unwrap_err();
        assert_names(
            &e,
            &[
                "nanf.mot",
                "`R_vy`",
                "data row 3",
                "time 0.02",
                "not finite",
            ],
        );
    }

    #[test]
    fn grf_time_must_increase() {
        let mut rows = grf_rows(5, "", 300.0);
        rows.swap(1, 2);
        let p = temp_file("order.mot", &grf_text(GRF_LABELS, &rows));
        let e = load_grf(&p, &xml_spec()).unwrap_err();
        assert_names(&e, &["order.mot", "`time`", "data row 3", "before"]);
    }

    #[test]
    fn grf_with_two_rows_is_too_short() {
        let p = temp_file("two.mot", &grf_text(GRF_LABELS, &grf_rows(2, "", 300.0)));
        let e = load_grf(&p, &xml_spec()).unwrap_err();
        assert_names(&e, &["two.mot", "`time`", "at least 3"]);
    }

    #[test]
    fn a_foot_that_never_touches_the_ground_is_an_error() {
        let p = temp_file("air.mot", &grf_text(GRF_LABELS, &grf_rows(5, "", 5.0)));
        let spec = xml_spec();
        let grf = load_grf(&p, &spec).unwrap();
        let motion = MeasuredMotion {
            time_s: vec![0.0, 0.01, 0.02],
            pelvis_angles_rad: vec![[0.0; 3]; 3],
            mid_hip_m: vec![DVec3::ZERO; 3],
            q_rad: vec![vec![]; 3],
            missing_coordinates: vec![],
        };
        let e = check_overlap(&motion, &grf.loads, &spec, Path::new("m.mot"), &p).unwrap_err();
        assert!(matches!(e, InputError::NoContact { .. }), "{e}");
        assert_names(
            &e,
            &[
                "air.mot",
                "`L_vy`",
                "left foot",
                "never exceeds 20 N",
                "peak 5 N",
            ],
        );
    }

    #[test]
    fn grf_ending_one_sample_early_is_tolerated_two_is_not() {
        let p = temp_file("cover.mot", &grf_text(GRF_LABELS, &grf_rows(5, "", 300.0)));
        let spec = xml_spec();
        let grf = load_grf(&p, &spec).unwrap();
        let motion = |end: f64| MeasuredMotion {
            time_s: vec![0.0, end / 2.0, end],
            pelvis_angles_rad: vec![[0.0; 3]; 3],
            mid_hip_m: vec![DVec3::ZERO; 3],
            q_rad: vec![vec![]; 3],
            missing_coordinates: vec![],
        };
        // GRF spans 0 to 0.04 s at 0.01 s.
        check_overlap(&motion(0.05), &grf.loads, &spec, Path::new("m.mot"), &p).unwrap();
        let e =
            check_overlap(&motion(0.06), &grf.loads, &spec, Path::new("m.mot"), &p).unwrap_err();
        assert_names(&e, &["cover.mot", "0 to 0.04 s", "0 to 0.06 s", "m.mot"]);
    }

    #[test]
    fn a_force_in_a_body_frame_is_refused() {
        let xml = XML.replacen(
            "<force_expressed_in_body>ground</force_expressed_in_body>",
            "<force_expressed_in_body>calcn_r</force_expressed_in_body>",
            1,
        );
        let e = load_external_loads(temp_file("frame.xml", &xml)).unwrap_err();
        assert_names(
            &e,
            &[
                "frame.xml",
                "ExternalForce `right`/force_expressed_in_body",
                "`calcn_r` is not supported",
                "ground",
            ],
        );
    }

    #[test]
    fn a_body_without_side_suffix_is_refused() {
        let xml = XML.replacen("calcn_l", "platform", 1);
        let e = load_external_loads(temp_file("side.xml", &xml)).unwrap_err();
        assert_names(
            &e,
            &[
                "side.xml",
                "ExternalForce `left`/applied_to_body",
                "`platform`",
                "neither `_r` nor `_l`",
            ],
        );
    }

    #[test]
    fn a_disabled_foot_leaves_that_side_without_force() {
        let xml = XML.replacen(
            "<isDisabled>false</isDisabled>",
            "<isDisabled>true</isDisabled>",
            1,
        );
        let e = load_external_loads(temp_file("off.xml", &xml)).unwrap_err();
        assert_names(
            &e,
            &[
                "off.xml",
                "ExternalLoads/objects",
                "no enabled ExternalForce",
                "right",
            ],
        );
    }

    #[test]
    fn a_missing_force_identifier_is_named() {
        let xml = XML.replacen("<force_identifier>L_v</force_identifier>", "", 1);
        let e = load_external_loads(temp_file("noid.xml", &xml)).unwrap_err();
        assert_names(
            &e,
            &[
                "noid.xml",
                "ExternalForce `left`/force_identifier",
                "missing",
            ],
        );
    }

    #[test]
    fn malformed_xml_names_the_position() {
        let e = load_external_loads(temp_file("broken.xml", "<OpenSimDocument><ExternalLoads>"))
            .unwrap_err();
        assert_names(&e, &["broken.xml", "line 1"]);
    }

    #[test]
    fn from_prefixes_sets_both_sides() {
        let s = ExternalLoadsSpec::from_prefixes(("a", "b", "c"), ("d", "e", "f"));
        assert_eq!(s.prefixes[Side::Left].point, "e");
        assert_eq!(s.prefixes[Side::Right].torque, "c");
    }
}
