//! `retrogait analyze` on OpenSim's example subject01: it writes a trial's files, its inverse
//! dynamics agrees with OpenSim's own, `--reverse` writes the reversed recording beside it,
//! and bad inputs are clear errors that write nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/opensim");
/// Subject01's mass: the body masses of OpenSim's scaled `subject01.osim` add up to 72.6 kg.
const MASS_KG: f64 = 72.6;

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-analyze-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn analyze(extra: &[&str], out: &Path, coordinates: &str, grf: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
        .args(["analyze", "--coordinates", coordinates, "--grf", grf])
        .args(["--external-loads", &data("subject01_walk_grf.xml")])
        .args(["--height", "1.8", "--mass", "72.6", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A column of a CSV file by header name.
fn csv_column(path: &Path, name: &str) -> Vec<f64> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name}"));
    r.records()
        .map(|rec| rec.unwrap()[i].parse().unwrap())
        .collect()
}

fn interp(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let i = xs.partition_point(|&v| v <= x).clamp(1, xs.len() - 1);
    let w = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    ys[i - 1] + w * (ys[i] - ys[i - 1])
}

#[test]
fn subject01_inverse_dynamics_agrees_with_opensim_and_reverse_writes_both() {
    let out = temp_dir("subject01");
    let o = analyze(
        &["--reverse"],
        &out,
        &data("subject01_walk_IK.mot"),
        &data("subject01_walk_grf.mot"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("hip_adduction_r"),
        "missing coordinates are listed: {stdout}"
    );
    for run in ["as-recorded", "reversed"] {
        for f in [
            "frames.csv",
            "cycles.csv",
            "events.json",
            "summary.json",
            "analysis.json",
            "model.ron",
            "activations.sto",
        ] {
            assert!(out.join(run).join(f).is_file(), "{run}/{f}");
        }
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("as-recorded/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["direction"], "forward");
    let reversed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("reversed/summary.json")).unwrap()).unwrap();
    assert_eq!(reversed["direction"], "backward");
    let tf = summary["peak_knee_tf_force_bw"].as_f64().unwrap();
    assert!((1.5..6.0).contains(&tf), "knee TF peak {tf} BW");

    // Inverse dynamics against OpenSim's ID of the same data (subject01_walk_ID.sto).
    let text = std::fs::read_to_string(data("subject01_walk_ID.sto")).unwrap();
    let reference = retrogait::sto::parse_sto(&text).unwrap();
    let t_ref = reference.column("time").unwrap();
    let frames = out.join("as-recorded/frames.csv");
    let t = csv_column(&frames, "time_s");
    for side in ["r", "l"] {
        for (ours, theirs, sign) in [
            ("hip_flexion", "hip_flexion", 1.0),
            ("knee_flexion", "knee_angle", -1.0),
            ("ankle_dorsiflexion", "ankle_angle", 1.0),
        ] {
            let m: Vec<f64> = csv_column(&frames, &format!("moment_{ours}_{side}_nm"))
                .iter()
                .map(|v| sign * v)
                .collect();
            let r_ref = reference
                .column(&format!("{theirs}_{side}_moment"))
                .unwrap();
            let o: Vec<f64> = t.iter().map(|&x| interp(x, &t_ref, &r_ref)).collect();
            let n = m.len() as f64;
            let (mm, mo) = (m.iter().sum::<f64>() / n, o.iter().sum::<f64>() / n);
            let cov: f64 = m.iter().zip(&o).map(|(a, b)| (a - mm) * (b - mo)).sum();
            let (vm, vo): (f64, f64) = (
                m.iter().map(|a| (a - mm).powi(2)).sum(),
                o.iter().map(|b| (b - mo).powi(2)).sum(),
            );
            let r = cov / (vm * vo).sqrt();
            let rms =
                (m.iter().zip(&o).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n).sqrt() / MASS_KG;
            eprintln!("{theirs}_{side}: r {r:.3}, RMS {rms:.3} N m/kg");
            assert!(
                r >= 0.95 && rms <= 0.15,
                "{theirs}_{side}: r {r}, RMS {rms} N m/kg"
            );
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// Writes a copy of a data file with `edit` applied to its text.
fn edited(name: &str, dir: &Path, edit: impl Fn(String) -> String) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, edit(std::fs::read_to_string(data(name)).unwrap())).unwrap();
    p.display().to_string()
}

#[test]
fn bad_inputs_are_clear_errors_and_write_nothing() {
    let scratch = temp_dir("bad-inputs");
    let ik = data("subject01_walk_IK.mot");
    let grf = data("subject01_walk_grf.mot");
    let misnamed = edited("subject01_walk_IK.mot", &scratch.join("misnamed"), |t| {
        t.replacen("knee_angle_r", "knee_angel_r", 1)
    });
    let nan = edited("subject01_walk_IK.mot", &scratch.join("nan"), |t| {
        // The second value (pelvis_tilt) of a late row becomes NaN.
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        let k = lines.len() - 5;
        let mut fields: Vec<&str> = lines[k].split('\t').collect();
        fields[1] = "NaN";
        lines[k] = fields.join("\t");
        lines.join("\n")
    });
    let radians = edited("subject01_walk_IK.mot", &scratch.join("units"), |t| {
        t.replacen("inDegrees=yes", "inDegrees=no", 1)
    });
    let later_grf = edited("subject01_walk_grf.mot", &scratch.join("shifted"), |t| {
        t.lines()
            .map(|l| match l.split_once('\t') {
                Some((time, rest)) if time.parse::<f64>().is_ok() => {
                    format!("{}\t{rest}", time.parse::<f64>().unwrap() + 10.0)
                }
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let airborne = edited("subject01_walk_grf.mot", &scratch.join("airborne"), |t| {
        let mut lines: Vec<String> = Vec::new();
        let mut header = true;
        for l in t.lines() {
            if header {
                header = !l.starts_with("time");
                lines.push(l.to_owned());
                continue;
            }
            // Every force column zeroed (the first 3 of each foot, by position).
            let mut f: Vec<String> = l.split('\t').map(str::to_owned).collect();
            for i in [1, 2, 3, 7, 8, 9] {
                f[i] = "0".into();
            }
            lines.push(f.join("\t"));
        }
        lines.join("\n")
    });
    let cases: [(&str, String, String, &[&str]); 5] = [
        (
            "misnamed column",
            misnamed,
            grf.clone(),
            &["knee_angle_r", "knee_angel_r"],
        ),
        (
            "NaN",
            nan,
            grf.clone(),
            &["not finite", "subject01_walk_IK.mot"],
        ),
        (
            "degrees/radians",
            radians,
            grf.clone(),
            &["degrees", "inDegrees"],
        ),
        (
            "time ranges",
            ik.clone(),
            later_grf,
            &["subject01_walk_grf.mot"],
        ),
        ("never touches", ik.clone(), airborne, &["20 N"]),
    ];
    for (what, coordinates, grf, expect) in cases {
        let out = scratch.join(format!("out-{}", what.replace(['/', ' '], "-")));
        let o = analyze(&[], &out, &coordinates, &grf);
        let err = stderr(&o);
        assert!(!o.status.success(), "{what}: accepted");
        for e in expect {
            assert!(
                err.to_lowercase().contains(&e.to_lowercase()),
                "{what}: {e:?} not in {err}"
            );
        }
        assert!(!out.exists(), "{what}: wrote {}", out.display());
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}
