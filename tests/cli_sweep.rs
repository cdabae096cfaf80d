//! `retrogait sweep` runs a scenario into one folder per trial plus `results.csv`; a sweep
//! killed with SIGKILL and resumed, and a sweep run as shards and merged with `report`, give
//! byte-identical `results.csv` to an uninterrupted run; falls and failed trials are results,
//! not reasons to stop; bad inputs are refused before anything is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SMOKE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios/smoke.ron");

fn retrogait() -> Command {
    Command::new(env!("CARGO_BIN_EXE_retrogait"))
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("retrogait-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str], out: &Path) -> Output {
    retrogait()
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Folders in `dir` whose name starts with `.` and ends with `.tmp` (unfinished trials).
fn temp_folders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Finished trial folders in `dir`: final names only (a temporary `.<trial>.tmp` folder may
/// already hold its summary.json just before it is renamed).
fn finished_trials(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .filter(|p| p.join("summary.json").is_file() || p.join("error.json").is_file())
                .collect()
        })
        .unwrap_or_default()
}

/// The uninterrupted, unsharded smoke sweep every other test compares with (run once).
fn reference() -> &'static (PathBuf, Vec<u8>) {
    static REFERENCE: OnceLock<(PathBuf, Vec<u8>)> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let out = temp_dir("reference");
        let start = Instant::now();
        ok(run(&["sweep", SMOKE, "--jobs", "2"], &out));
        eprintln!(
            "reference smoke sweep: {:.1} s",
            start.elapsed().as_secs_f64()
        );
        let csv = std::fs::read(out.join("results.csv")).unwrap();
        (out, csv)
    })
}

#[test]
fn sweep_writes_a_folder_per_trial_and_one_row_per_trial() {
    let (out, csv) = reference();
    assert_eq!(finished_trials(out).len(), 4);
    assert!(temp_folders(out).is_empty());
    assert!(out.join("scenario.ron").is_file());
    for name in [
        "forward_1.00mps_+0.0pct_adult_seed1",
        "backward_1.00mps_+5.0pct_adult_seed1",
    ] {
        for f in [
            "summary.json",
            "frames.csv",
            "coordinates.sto",
            "events.json",
            "run.json",
            "model.ron",
            "controller.ron",
        ] {
            assert!(out.join(name).join(f).is_file(), "{name}/{f} missing");
        }
    }
    let text = String::from_utf8(csv.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 4, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    for col in [
        "trial",
        "status",
        "direction",
        "speed_mps",
        "incline_pct",
        "subject",
        "seed",
        "fell",
        "peak_knee_tf_force_bw",
        "cost_of_transport",
        "muscles.quadriceps.eccentric_work_j_per_stride",
        "muscles.soleus.mean_activation",
        "muscles.quadriceps.metabolic_power_w_per_kg",
        "joints.knee.peak_moment_nm_per_kg",
        "error",
    ] {
        assert!(
            header.contains(&col),
            "results.csv lacks {col}: {}",
            lines[0]
        );
    }
    assert!(!header.contains(&"realtime_factor"), "wall-clock field");
    assert_report(out);
    // Rows in scenario order: directions outermost, inclines inner.
    let trials: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        trials,
        [
            "forward_1.00mps_+0.0pct_adult_seed1",
            "forward_1.00mps_+5.0pct_adult_seed1",
            "backward_1.00mps_+0.0pct_adult_seed1",
            "backward_1.00mps_+5.0pct_adult_seed1",
        ]
    );
    for l in &lines[1..] {
        let cells: Vec<&str> = l.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{l}");
        assert!(["ok", "fell"].contains(&cells[1]), "{l}");
    }

    // Running again into the same folder is refused and changes nothing; resuming a finished
    // sweep runs nothing and rewrites the same results.
    let again = run(&["sweep", SMOKE], out);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--resume"), "{}", stderr(&again));
    let other = out.with_extension("other.ron");
    let text = std::fs::read_to_string(SMOKE).unwrap();
    std::fs::write(&other, text.replace("seeds: [1]", "seeds: [1, 2]")).unwrap();
    let mixed = run(&["sweep", other.to_str().unwrap(), "--resume"], out);
    assert!(!mixed.status.success());
    assert!(
        stderr(&mixed).contains("another scenario (seeds differs"),
        "{}",
        stderr(&mixed)
    );
    let resumed = ok(run(&["sweep", SMOKE, "--resume"], out));
    assert!(stderr(&resumed).contains("4 already finished, 0 to run"));
    assert_eq!(&std::fs::read(out.join("results.csv")).unwrap(), csv);
}

#[test]
fn a_sweep_killed_mid_run_and_resumed_gives_the_same_results_csv() {
    let (_, reference_csv) = reference();
    let out = temp_dir("killed");
    let mut child = retrogait()
        .args(["sweep", SMOKE, "--jobs", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while a trial is being computed after at least one is finished.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if !finished_trials(&out).is_empty() && !temp_folders(&out).is_empty() {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be killed"
        );
        assert!(Instant::now() < deadline, "no trial finished in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished = finished_trials(&out);
    assert!(!finished.is_empty() && finished.len() < 4, "{finished:?}");
    assert!(
        !temp_folders(&out).is_empty(),
        "the kill left no partial trial"
    );
    assert!(!out.join("results.csv").exists());

    // Without --resume the folder is refused; with it, finished trials are kept as they are
    // and the partial ones run again.
    let refused = run(&["sweep", SMOKE], &out);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--resume"),
        "{}",
        stderr(&refused)
    );
    let kept = finished[0].join("kept-by-resume");
    std::fs::write(&kept, "").unwrap();
    ok(run(&["sweep", SMOKE, "--jobs", "2", "--resume"], &out));
    assert!(kept.is_file(), "resume re-ran a finished trial");
    assert!(temp_folders(&out).is_empty(), "{:?}", temp_folders(&out));
    assert_eq!(finished_trials(&out).len(), 4);
    let csv = std::fs::read(out.join("results.csv")).unwrap();
    assert!(
        &csv == reference_csv,
        "results.csv after kill and resume differs from an uninterrupted run"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn shards_merged_by_report_equal_an_unsharded_sweep() {
    let (reference_dir, reference_csv) = reference();
    let (a, b) = (temp_dir("shard-a"), temp_dir("shard-b"));
    let first = ok(run(&["sweep", SMOKE, "--shard", "1/2", "--jobs", "2"], &a));
    assert!(String::from_utf8_lossy(&first.stdout).contains("retrogait report"));
    ok(run(&["sweep", SMOKE, "--shard", "2/2", "--jobs", "2"], &b));
    assert_eq!(finished_trials(&a).len(), 2);
    assert_eq!(finished_trials(&b).len(), 2);
    assert!(!a.join("results.csv").exists() && !b.join("results.csv").exists());

    // One shard alone is not the sweep.
    let alone = retrogait().arg("report").arg(&a).output().unwrap();
    assert!(!alone.status.success());
    assert!(
        stderr(&alone).contains("2 of the 4 trials"),
        "{}",
        stderr(&alone)
    );

    ok(retrogait().arg("report").arg(&a).arg(&b).output().unwrap());
    let merged = std::fs::read(a.join("results.csv")).unwrap();
    assert!(
        &merged == reference_csv,
        "merged results.csv differs from the unsharded run"
    );
    // The same merge into a separate folder.
    let c = temp_dir("merged");
    ok(retrogait()
        .arg("report")
        .arg(&b)
        .arg(&a)
        .arg("--out")
        .arg(&c)
        .output()
        .unwrap());
    assert!(&std::fs::read(c.join("results.csv")).unwrap() == reference_csv);
    assert!(c.join("scenario.ron").is_file());
    assert_report(&c);

    // A folder of another scenario is refused, naming the field that differs.
    let other = temp_dir("other-scenario");
    std::fs::create_dir_all(&other).unwrap();
    let text = std::fs::read_to_string(SMOKE)
        .unwrap()
        .replace("seeds: [1]", "seeds: [2]");
    std::fs::write(other.join("scenario.ron"), text).unwrap();
    let mixed = retrogait()
        .arg("report")
        .arg(reference_dir)
        .arg(&other)
        .output()
        .unwrap();
    assert!(!mixed.status.success());
    assert!(
        stderr(&mixed).contains("different scenarios") && stderr(&mixed).contains("seeds"),
        "{}",
        stderr(&mixed)
    );
    for d in [a, b, c, other] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn falls_and_failed_trials_are_recorded_and_the_sweep_goes_on() {
    let dir = temp_dir("failures");
    std::fs::create_dir_all(&dir).unwrap();
    // A model that compiles but lacks the trunk segment the walking controller needs.
    let renamed = musculo::ADULT_MODEL_RON.replace("\"hat\"", "\"trunk\"");
    std::fs::write(dir.join("renamed.ron"), renamed).unwrap();
    let scenario = dir.join("pushed.ron");
    std::fs::write(
        &scenario,
        r#"(
            directions: [forward],
            speeds_mps: [1.0],
            inclines_pct: [0],
            subjects: [
                (name: "renamed", height_m: 1.75, mass_kg: 70.0, model: "renamed.ron"),
                (name: "adult", height_m: 1.75, mass_kg: 70.0),
            ],
            seeds: [1],
            duration_s: 4.0,
            // 400 N for a second: nobody stays up.
            pushes: (force_n: 400, duration_s: 1.0, start_s: 2.0),
            output: (frames: false, muscles: false),
        )"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = ok(retrogait()
        .arg("sweep")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap());
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("0 ok, 1 fell, 1 errors"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut rows = csv.lines().skip(1);
    let error_row = rows.next().unwrap();
    assert!(
        error_row.contains(",error,") && error_row.contains("needs segment `hat`"),
        "{error_row}"
    );
    let fell_row = rows.next().unwrap();
    assert!(fell_row.contains(",fell,"), "{fell_row}");
    // The report says the sweep cannot speak to the claims, and highlights both rows.
    let html = assert_report(&out);
    assert!(
        html.contains("None of the 2 trials ran to its end"),
        "findings"
    );
    assert!(html.contains("<tr class=\"fell\">") && html.contains("<tr class=\"error\">"));
    let failed = out.join("forward_1.00mps_+0.0pct_renamed_seed1");
    assert!(failed.join("error.json").is_file() && failed.join("run.json").is_file());
    assert!(
        !out.join("forward_1.00mps_+0.0pct_adult_seed1/frames.csv")
            .exists()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Checks the sweep's `report.html`: self-contained, every section present, one inline SVG
/// per figure, each closed, no NaN. Returns the page.
fn assert_report(dir: &Path) -> String {
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    for section in [
        "What this sweep says about the retro-walking claims",
        "id=\"knee\"",
        "id=\"work\"",
        "id=\"activation\"",
        "id=\"gait\"",
        "id=\"metabolic\"",
        "id=\"trials\"",
        "crouched",
    ] {
        assert!(html.contains(section), "report.html lacks {section}");
    }
    assert_eq!(html.matches("<svg").count(), 5, "one inline SVG per figure");
    assert_eq!(html.matches("</svg>").count(), 5);
    assert!(!html.contains("NaN"));
    assert!(
        !html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http"),
        "report.html must not load external resources"
    );
    html
}

/// 0-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap()
}

#[test]
fn invalid_scenarios_and_options_are_refused_before_anything_is_written() {
    let dir = temp_dir("invalid");
    std::fs::create_dir_all(&dir).unwrap();
    let smoke = std::fs::read_to_string(SMOKE).unwrap();
    for (name, text, needle) in [
        (
            "speed.ron",
            smoke.replace("speeds_mps: [1.0]", "speeds_mps: [1.0, 9.0]"),
            "speed.ron: speeds_mps[1]: 9 m/s is outside".to_owned(),
        ),
        (
            "typo.ron",
            smoke.replace("seeds:", "seed:"),
            format!("typo.ron:{}:5: ", 1 + line_of(&smoke, "seeds:")),
        ),
        (
            "subject.ron",
            smoke.replace("mass_kg: 70.0", "mass_kg: 7.0"),
            "subject.ron: subjects[0]: cannot load the musculoskeletal model".to_owned(),
        ),
        (
            // 0.3 ms steps do not divide the 10 ms recording interval.
            "physics.ron",
            smoke.replace("seeds: [1],", "seeds: [1],\n    physics: (dt_s: 0.0003),"),
            "physics.ron: physics.dt_s: ".to_owned(),
        ),
    ] {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let out = dir.join(format!("out-{name}"));
        let o = retrogait()
            .arg("sweep")
            .arg(&file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{name} accepted");
        assert!(stderr(&o).contains(&needle), "{name}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
        assert!(!out.exists(), "{name} wrote {}", out.display());
    }
    for (args, needle) in [
        (vec!["--shard", "3/2"], "between 1 and 2"),
        (vec!["--shard", "1/0"], "at least 1"),
        (vec!["--shard", "two"], "I/N"),
        (vec!["--jobs", "0"], "--jobs 0"),
    ] {
        let out = dir.join("out-options");
        let o = retrogait()
            .arg("sweep")
            .arg(SMOKE)
            .args(&args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?} accepted");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
    let o = retrogait()
        .args(["report"])
        .arg(dir.join("nowhere"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_sweep_on_the_folder_of_a_running_one_is_refused() {
    let (_, reference_csv) = reference();
    let out = temp_dir("locked");
    let mut first = retrogait()
        .args(["sweep", SMOKE, "--jobs", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it is computing a trial (its lock is taken before any trial starts).
    let deadline = Instant::now() + Duration::from_secs(300);
    while temp_folders(&out).is_empty() {
        assert!(first.try_wait().unwrap().is_none(), "the sweep ended early");
        assert!(Instant::now() < deadline, "no trial started in time");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The same sweep resumed, and a shard of it, would run trials the first one runs.
    for extra in [&["--resume"][..], &["--shard", "2/2"]] {
        let second = retrogait()
            .args(["sweep", SMOKE])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            !second.status.success(),
            "{extra:?} ran beside a running sweep"
        );
        let e = stderr(&second);
        assert!(
            e.contains(&format!(
                "{} is in use: process {}",
                out.display(),
                first.id()
            )) && e.contains("running the whole sweep"),
            "{extra:?}: {e}"
        );
    }
    assert!(first.wait().unwrap().success());
    assert_eq!(finished_trials(&out).len(), 4);
    for trial in finished_trials(&out) {
        for f in ["run.json", "model.ron", "controller.ron", "summary.json"] {
            assert!(trial.join(f).is_file(), "{}/{f} missing", trial.display());
        }
    }
    assert!(&std::fs::read(out.join("results.csv")).unwrap() == reference_csv);
    // Its lock ended with it: the folder takes the next sweep.
    ok(run(&["sweep", SMOKE, "--resume"], &out));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_scenario_s_physics_is_what_every_trial_runs_on_and_records() {
    let dir = temp_dir("physics");
    let file = tiny_scenario(&dir);
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replace(
        "seeds: [1],",
        "seeds: [1],\n            physics: (dt_s: 0.0005, solver_iterations: 1),",
    );
    std::fs::write(&file, text).unwrap();
    let out = dir.join("out");
    ok(run(&["sweep", file.to_str().unwrap()], &out));
    let trials = finished_trials(&out);
    assert_eq!(trials.len(), 2);
    for trial in trials {
        let run: serde_json::Value =
            serde_json::from_slice(&std::fs::read(trial.join("run.json")).unwrap()).unwrap();
        let physics = &run["settings"]["physics"];
        assert_eq!(physics["dt_s"], 0.0005, "{}", trial.display());
        assert_eq!(physics["solver_iterations"], 1, "{}", trial.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A two-trial scenario of 1 s trials without the muscle analysis, reading its model and
/// controller from files beside it, in a new folder. Returns the scenario file.
fn tiny_scenario(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("model.ron"), musculo::ADULT_MODEL_RON).unwrap();
    std::fs::write(
        dir.join("controller.ron"),
        gait::controller::walking::DEFAULT_WALKING_RON,
    )
    .unwrap();
    let file = dir.join("tiny.ron");
    std::fs::write(
        &file,
        r#"(
            directions: [forward, backward],
            speeds_mps: [1.0],
            inclines_pct: [0],
            subjects: [(name: "adult", height_m: 1.75, mass_kg: 70.0, model: "model.ron")],
            seeds: [1],
            duration_s: 1.0,
            controller: "controller.ron",
            output: (frames: false, muscles: false),
        )"#,
    )
    .unwrap();
    file
}

#[test]
fn a_model_or_controller_edited_between_shards_is_refused() {
    let dir = temp_dir("edited");
    let scenario = tiny_scenario(&dir);
    let (d, e) = (dir.join("d"), dir.join("e"));
    let sweep = |extra: &[&str], out: &Path| -> Output {
        retrogait()
            .arg("sweep")
            .arg(&scenario)
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let report =
        |dirs: &[&Path]| -> Output { retrogait().arg("report").args(dirs).output().unwrap() };
    ok(sweep(&["--shard", "1/2"], &d));
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("inputs.json")).unwrap()).unwrap();
    let controller = std::fs::read(dir.join("controller.ron")).unwrap();
    assert_eq!(
        recorded["controller"]["sha256"],
        retrogait::input_hashes::HashedFile::of("", &controller).sha256
    );
    let model = std::fs::read(dir.join("model.ron")).unwrap();

    // The controller edited: its other shard and a resume of this one are refused.
    let mut edited = controller.clone();
    edited.extend_from_slice(b"\n// edited\n");
    std::fs::write(dir.join("controller.ron"), &edited).unwrap();
    for extra in [&["--shard", "2/2"][..], &["--shard", "1/2", "--resume"]] {
        let o = sweep(extra, &d);
        assert!(
            !o.status.success(),
            "{extra:?} accepted an edited controller"
        );
        assert!(
            stderr(&o).contains("ran on other inputs: the controller file")
                && stderr(&o).contains("controller.ron")
                && stderr(&o).contains("inputs.json"),
            "{extra:?}: {}",
            stderr(&o)
        );
    }
    assert_eq!(finished_trials(&d).len(), 1);
    // Run into a folder of its own, the edited shard cannot be merged with the first.
    ok(sweep(&["--shard", "2/2"], &e));
    let o = report(&[&d, &e]);
    assert!(!o.status.success(), "report merged two controllers");
    assert!(
        stderr(&o).contains("ran on different inputs: the controller file"),
        "{}",
        stderr(&o)
    );

    // The same for the model.
    std::fs::write(dir.join("controller.ron"), &controller).unwrap();
    std::fs::write(
        dir.join("model.ron"),
        [&model[..], b"\n// edited\n"].concat(),
    )
    .unwrap();
    let o = sweep(&["--shard", "2/2"], &d);
    assert!(!o.status.success(), "an edited model was accepted");
    assert!(
        stderr(&o).contains("the model file of subject `adult`"),
        "{}",
        stderr(&o)
    );

    // With both restored the sweep completes; a trial folder that lost one of its inputs is
    // refused by report and run again by a resume.
    std::fs::write(dir.join("model.ron"), &model).unwrap();
    ok(sweep(&["--shard", "2/2"], &d));
    assert!(d.join("results.csv").is_file());
    let trial = d.join("forward_1.00mps_+0.0pct_adult_seed1");
    std::fs::remove_file(trial.join("run.json")).unwrap();
    let o = report(&[&d]);
    assert!(!o.status.success(), "report accepted an incomplete trial");
    assert!(
        stderr(&o).contains(&format!(
            "{} is an incomplete trial folder: it lacks run.json",
            trial.display()
        )),
        "{}",
        stderr(&o)
    );
    let o = ok(sweep(&["--resume"], &d));
    assert!(
        stderr(&o).contains("1 already finished, 1 to run"),
        "{}",
        stderr(&o)
    );
    assert!(trial.join("run.json").is_file());
    ok(report(&[&d]));
    let _ = std::fs::remove_dir_all(&dir);
}
