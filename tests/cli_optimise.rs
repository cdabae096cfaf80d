//! `retrogait optimise` runs a search file, records it (search, start controller, every
//! evaluation, the best controller, a summary), is reproducible from its seed and from its own
//! record, and refuses bad search files and used folders before running any trial.
//!
//! The searches here are tiny (one condition of 1 s, two generations of four) so that the
//! tests take seconds: they check the machinery, not the walking.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use retrogait::gait;

fn retrogait() -> Command {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-opt-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A search of one 1 s backward trial, two generations of four, measured from 0.5 s.
const TINY: &str = r#"(
    fields: [
        (path: "backward.trunk_lean_rad", lo: -0.1, hi: 0.3),
        (path: "gains.knee.kp", lo: 3.0, hi: 12.0),
    ],
    kd_per_kp: 0.1,
    directions: [backward],
    speeds_mps: [1.0],
    inclines_pct: [0],
    duration_s: 1.0,
    window_start_s: 0.5,
    sample_rate_hz: 100,
    cma: (population: 4, initial_sigma: 0.2, max_generations: 2),
    seed: 11,
)"#;

fn write_search(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join("search.ron");
    std::fs::write(&file, text).unwrap();
    file
}

fn optimise(search: &Path, out: &Path, jobs: &str) -> Output {
    retrogait()
        .args(["optimise"])
        .arg(search)
        .arg("--out")
        .arg(out)
        .args(["--jobs", jobs])
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_tiny_search_is_recorded_reproduced_and_its_best_controller_loads() {
    let dir = temp_dir("tiny");
    let search = write_search(&dir, TINY);
    let out = dir.join("out");
    let o = optimise(&search, &out, "2");
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "search.ron",
        "start.ron",
        "evaluations.csv",
        "best.ron",
        "search.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(stderr(&o).contains("generation 2/2"), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("cost_of_transport") && stdout.contains("total"),
        "{stdout}"
    );
    // The start's and the best's outcome in the one condition, and the criteria count.
    assert!(stdout.contains("backward_1.00mps_+0.0pct"), "{stdout}");
    assert!(stdout.contains("walking criteria met"), "{stdout}");
    assert!(stdout.contains(" of 1, best "), "{stdout}");

    // One row for the start and four per generation, with every term and measure.
    let csv = std::fs::read_to_string(out.join("evaluations.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "generation",
        "index",
        "backward.trunk_lean_rad",
        "gains.knee.kp",
        "fall",
        "pace",
        "centring",
        "cost_of_transport",
        "grf",
        "bounds",
        "total",
        "backward_1.00mps_+0.0pct.cost_of_transport_j_per_kg_m",
        "backward_1.00mps_+0.0pct.grf_excess_bw2",
    ] {
        assert!(header.contains(&col), "no column {col} in {header:?}");
    }
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 9, "{csv}");
    assert_eq!(&rows[0][..2], ["0", "0"]);
    assert_eq!(&rows[8][..2], ["2", "3"]);
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    // The start row holds the start controller's value; the cost of transport was measured.
    let lean: f64 = rows[0][col("backward.trunk_lean_rad")].parse().unwrap();
    let start = gait::controller::walking::WalkingParams::default();
    assert!(
        (lean - start.backward.trunk_lean_rad).abs() < 1e-12,
        "{lean}"
    );
    let cot: f64 = rows[0][col("backward_1.00mps_+0.0pct.cost_of_transport_j_per_kg_m")]
        .parse()
        .unwrap();
    assert!(cot > 0.0 && cot.is_finite(), "{cot}");

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("search.json")).unwrap()).unwrap();
    assert_eq!(summary["seed"], 11);
    assert_eq!(summary["evaluations"], 9);
    assert_eq!(summary["optimiser"], "cmaes 0.2.2");
    // The physics as run, in the summary and in the record that reruns it (the default
    // model's compliant feet: 1 ms, the tree-sparse mass matrix, 1 substep).
    assert_eq!(summary["physics"]["dt_s"], 0.001);
    let recorded = std::fs::read_to_string(out.join("search.ron")).unwrap();
    assert!(
        recorded.contains("dt_s: Some(0.001)")
            && recorded.contains("tree_sparse_multibody: Some(true)")
            && recorded.contains("inertia_refresh_steps: Some(10)")
            && recorded.contains("solver_iterations: Some(1)"),
        "{recorded}"
    );
    let best = summary["best"]["total"].as_f64().unwrap();
    let first = summary["start"]["total"].as_f64().unwrap();
    assert!(best <= first, "best {best} above start {first}");

    // The best controller loads in simulate, with its kd following its kp.
    let best_ron = std::fs::read_to_string(out.join("best.ron")).unwrap();
    let params =
        gait::controller::walking::WalkingParams::from_ron_str(&best_ron, "best.ron").unwrap();
    assert!((params.gains.knee.kd - 0.1 * params.gains.knee.kp).abs() < 1e-12);
    let sim = retrogait()
        .args([
            "simulate",
            "--direction",
            "backward",
            "--duration",
            "0.5",
            "--no-muscles",
        ])
        .arg("--controller")
        .arg(out.join("best.ron"))
        .arg("--out")
        .arg(dir.join("sim"))
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", stderr(&sim));

    // The record runs again to the same evaluations, on another number of threads.
    let again = dir.join("again");
    let o = optimise(&out.join("search.ron"), &again, "1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(again.join("evaluations.csv")).unwrap(),
        csv,
        "same search file and seed, different evaluations"
    );
    assert_eq!(
        std::fs::read_to_string(again.join("best.ron")).unwrap(),
        best_ron
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_search_files_give_one_line_naming_file_and_field() {
    let dir = temp_dir("bad");
    let cases = [
        (
            TINY.replace("backward.trunk_lean_rad", "backward.trunk_lean"),
            "fields[0].path",
        ),
        (
            TINY.replace("gains.knee.kp", "gains.knee"),
            "fields[1].path",
        ),
        (TINY.replace("hi: 0.3", "hi: -0.3"), "fields[0].hi"),
        (
            TINY.replace("duration_s: 1.0", "duration_s: -1.0"),
            "duration_s",
        ),
        (TINY.replace("[1.0]", "[3.5]"), "speeds_mps[0]"),
        (TINY.replace("[backward]", "[]"), "directions"),
        (
            TINY.replace("population: 4", "population: 0"),
            "cma.population",
        ),
        (
            TINY.replace("seed: 11,", "seed: 11, weights: (pace: NaN),"),
            "weights.pace",
        ),
        (
            TINY.replace("seed: 11,", "seed: 11, physics: (dt_s: Some(0.0003)),"),
            "physics.dt_s",
        ),
    ];
    for (k, (text, field)) in cases.iter().enumerate() {
        let search = write_search(&dir, text);
        let out = dir.join(format!("out-{k}"));
        let o = optimise(&search, &out, "1");
        assert!(!o.status.success(), "{field}: accepted");
        let e = stderr(&o);
        assert_eq!(e.trim_end().lines().count(), 1, "{field}: {e}");
        assert!(
            e.contains(&format!("{}: {field}: ", search.display())),
            "{field}: {e}"
        );
        assert!(
            !out.exists(),
            "{field}: a folder was made for a refused search"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_folder_that_holds_anything_is_refused() {
    let dir = temp_dir("used");
    let search = write_search(&dir, TINY);
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "earlier results").unwrap();
    let o = optimise(&search, &out, "1");
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("--out") && e.contains("not empty"), "{e}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_shipped_search_files_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/searches");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        retrogait::optimise::search_file::load(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n > 0, "no search files in {}", dir.display());
}
