//! `retrogait model` describes the built-in model, and a broken model file is reported as one
//! sentence naming the file, field and reason, with a failing exit status.

use std::process::Command;

fn retrogait() -> Command {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
}

#[test]
fn model_command_describes_the_built_in_model() {
    let out = retrogait().arg("model").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("8 segments, 7 joints, 15 coordinates, 22 muscles"),
        "{text}"
    );
    assert!(text.contains("vasti_r") && text.contains("knee_flexion_l"));
    // The energy model's muscle mass from the measured volume: vastus lateralis, medialis and
    // intermedius at 1.75 m and 70 kg (Handsfield et al. 2014): 1521.5 cm³ × 1.0597 g/cm³.
    assert!(text.contains("mass_kg"), "{text}");
    let vasti = text.lines().find(|l| l.starts_with("vasti_r")).unwrap();
    assert!(vasti.contains(" 1.612 "), "{vasti}");
}

#[test]
fn model_command_scales_to_the_given_subject_and_prints_json() {
    let out = retrogait()
        .args(["model", "--height", "1.9", "--mass", "90", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["subject"]["mass_kg"], 90.0);
    assert_eq!(v["muscles"].as_array().unwrap().len(), 22);
}

/// `--ground-contact` switches the law and, with it, the feet's spheres (the compliant ones are
/// larger: 3.2 cm heel spheres for a 1.75 m subject, against 1.4 cm rigid ones).
#[test]
fn ground_contact_option_selects_the_law_and_its_spheres() {
    let heel_radius = |law: &str| {
        let out = retrogait()
            .args(["model", "--json", "--ground-contact", law])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let foot = v["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "foot_r")
            .unwrap()
            .clone();
        (
            v["ground_contact"].clone(),
            foot["contacts"][0]["radius"].as_f64().unwrap(),
        )
    };
    let (law, r) = heel_radius("rigid");
    assert_eq!(law, "Rigid");
    assert!((r - 0.008 * 1.75).abs() < 1e-9, "{r}");
    let (law, r) = heel_radius("hunt-crossley");
    assert_eq!(law["HuntCrossley"]["stiffness"], 1e6);
    assert!((r - 0.018 * 1.75).abs() < 1e-9, "{r}");
    let out = retrogait()
        .args(["model", "--ground-contact", "soft"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("hunt-crossley"));
}

#[test]
fn broken_model_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("retrogait-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.ron");
    let text = musculo::ADULT_MODEL_RON.replacen(
        "optimal_fiber_length_m: 0.109",
        "optimal_fiber_length_m: 3.0",
        1,
    );
    std::fs::write(&file, text).unwrap();
    let out = retrogait()
        .args(["model", "--model"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("broken.ron")
            && err.contains("leg.muscles[hamstrings].optimal_fiber_length_m"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn subject_out_of_range_is_rejected() {
    let out = retrogait()
        .args(["model", "--height", "40", "--mass", "70"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("subject.height_m"));
}
