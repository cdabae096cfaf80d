//! Search files (`assets/searches/*.ron`): what `retrogait optimise` varies, over which trials,
//! against which objective, with which optimiser settings and seed. `assets/searches/effort.ron`
//! documents every field.
//!
//! Everything is checked when the file is read — syntax (with line and column), every field
//! path against the start controller, bounds, every trial condition against
//! [`TrialSpec::validate`], weights and optimiser settings, the model — and a bad value is
//! one error naming the file, the field and the reason, so a search never stops on a bad
//! input after hours of trials.

use std::path::{Path, PathBuf};

use gait::controller::walking::{DEFAULT_WALKING_RON, WalkingParams};
use gait::trial::PhysicsChoices;
use gait::{Direction, PushSpec, TrialSettings, TrialSpec};
use musculo::spec::ContactLaw;
use musculo::{MAX_RON_BYTES, Model, ReadError, input_file};
use serde::{Deserialize, Serialize};

use super::objective::Weights;
use crate::cli::loaders::{GroundContactArg, SubjectModelOptions, load_subject_model};
use crate::param_paths;
use crate::scenario::Values;

/// One search file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchFile {
    /// The controller the search starts from (RON), relative to the search file. Default:
    /// the built-in one.
    #[serde(default)]
    pub controller: Option<PathBuf>,
    /// Model file (RON), relative to the search file. Default: the built-in adult model.
    #[serde(default)]
    pub model: Option<PathBuf>,
    /// How the feet meet the belt (`Rigid` or `HuntCrossley`). Default: the model's.
    #[serde(default)]
    pub ground_contact: Option<ContactLaw>,
    /// Physics settings instead of the model's defaults: `dt_s`, `friction_integration`
    /// (`Coupled` or `Predicted`), `tree_sparse_multibody`, `solver_iterations` and
    /// `inertia_refresh_steps`, each given or left out ([`gait::trial::PhysicsChoices`]). A
    /// search's record (`search.ron`) names all of them as run, so it runs on the same physics
    /// after a default changes. Default: the model's.
    #[serde(default)]
    pub physics: PhysicsChoices,
    /// The searched fields with their bounds; the others keep the start controller's values.
    pub fields: Vec<SearchField>,
    /// When set, each searched `gains.<name>.kp` also sets its `kd` to this multiple
    /// (`examples/tune.rs` kept every searched gain's `kd` at 0.1 `kp`). Default: unset, `kd`
    /// stays as it is.
    #[serde(default)]
    pub kd_per_kp: Option<f64>,
    /// Walking directions of the trial conditions.
    pub directions: Vec<Direction>,
    /// Belt speeds [m/s]: a list or a range.
    pub speeds_mps: Values<f64>,
    /// Belt grades [%], positive uphill in the direction of travel: a list or a range.
    pub inclines_pct: Values<f64>,
    /// Simulated time of every trial \[s\].
    pub duration_s: f64,
    /// Start of the window the objective measures \[s\]. Default: the trials' own analysis
    /// window (2 s after the 3 s belt start-up).
    #[serde(default)]
    pub window_start_s: Option<f64>,
    /// Recording rate \[Hz\] (the muscle analysis runs on every frame). Default 200, as
    /// `simulate`.
    #[serde(default = "default_sample_rate_hz")]
    pub sample_rate_hz: f64,
    /// Weights of the objective's terms. Default: [`Weights::default`].
    #[serde(default)]
    pub weights: Weights,
    /// CMA-ES settings.
    pub cma: CmaSettings,
    /// Seed of the optimiser's random samples; the same file and seed give the same
    /// evaluations.
    pub seed: u64,
}

fn default_sample_rate_hz() -> f64 {
    TrialSpec::default().sample_rate_hz
}

/// A searched field: a dotted path into the walking controller's parameters and its bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchField {
    /// Dotted path, e.g. `backward.trunk_lean_rad` or `gains.hip.kp`.
    pub path: String,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// CMA-ES settings (Hansen 2016, "The CMA Evolution Strategy: A Tutorial",
/// arXiv:1604.00772). The search runs in the unit box of the fields' bounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CmaSettings {
    /// Samples per generation (λ). Hansen's default is `4 + ⌊3 ln n⌋` for n fields (10 for
    /// 8 fields); at least 2.
    pub population: usize,
    /// Initial step size in the unit box (σ₀). Hansen advises about a quarter to a third of
    /// the range where the optimum may lie; a search refining a working controller starts
    /// smaller (0.1-0.2).
    pub initial_sigma: f64,
    /// Most generations after the start controller's evaluation.
    pub max_generations: usize,
    /// Most evaluations of samples (the start controller's not counted); a generation that
    /// would pass it is not run. Default: no limit but `max_generations`.
    #[serde(default)]
    pub max_evaluations: Option<usize>,
}

/// Why a search cannot be run: the file, where in it, and why.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The file could not be read.
    #[error("{file}: cannot read the search file: {cause}")]
    Io {
        /// Search file.
        file: PathBuf,
        /// Why.
        cause: ReadError,
    },
    /// Not valid RON, or not the shape of a search (unknown or missing field, wrong type).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// Search file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A value that parses but cannot be run.
    #[error("{file}: {field}: {reason}")]
    Invalid {
        /// Search file.
        file: PathBuf,
        /// Field path, e.g. `fields[2].path` or `cma.population`.
        field: String,
        /// Why, with the value and what is accepted.
        reason: String,
    },
}

/// A checked search, with everything it runs on loaded.
#[derive(Debug, Clone)]
pub struct Search {
    /// The file as read.
    pub file: SearchFile,
    /// The start controller.
    pub start: WalkingParams,
    /// Its RON text.
    pub start_ron: String,
    /// The model (with the search's ground contact).
    pub model: Model,
    /// The trials' treadmill and physics (the model's defaults with the file's choices).
    pub settings: TrialSettings,
    /// The trial conditions, directions outermost, inclines innermost.
    pub conditions: Vec<TrialSpec>,
    /// The start controller's values of the fields in the unit box of their bounds.
    pub x0: Vec<f64>,
    /// The window start the objective measures from \[s\].
    pub window_start_s: f64,
}

/// Most fields one search may vary.
pub const MAX_FIELDS: usize = 200;
/// Most trial conditions of one search.
pub const MAX_CONDITIONS: usize = 1000;
/// Shortest stretch of walking the objective measures \[s\].
pub const MIN_WINDOW_S: f64 = 0.5;
/// Recording rates accepted \[Hz\]: the muscle analysis filters kinetics at 15 Hz, which
/// needs at least 30 Hz (Nyquist); 50 leaves margin.
pub const SAMPLE_RATE_RANGE_HZ: (f64, f64) = (50.0, 1000.0);

impl SearchFile {
    /// Parses a search file; `file` names it in errors. Checks the syntax only.
    pub fn parse(text: &str, file: &Path) -> Result<Self, SearchError> {
        musculo::spec::ron_options()
            .from_str(text)
            .map_err(|e| SearchError::Syntax {
                file: file.to_owned(),
                line: e.span.start.line,
                column: e.span.start.col,
                message: e.code.to_string(),
            })
    }

    /// The file as RON text (`search.ron` of a search's folder).
    pub fn to_ron(&self) -> String {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .expect("a search file serialises to RON")
    }
}

/// Reads, parses and checks a search file and loads what it names.
pub fn load(file: &Path) -> Result<Search, SearchError> {
    let text = input_file::read_text(file, MAX_RON_BYTES).map_err(|cause| SearchError::Io {
        file: file.to_owned(),
        cause,
    })?;
    check(SearchFile::parse(&text, file)?, file)
}

/// Checks a parsed search file (`file` names it and anchors its relative paths) and loads
/// its controller and model.
pub fn check(s: SearchFile, file: &Path) -> Result<Search, SearchError> {
    let invalid = |field: &str, reason: String| SearchError::Invalid {
        file: file.to_owned(),
        field: field.to_owned(),
        reason,
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let (start, start_ron) = load_controller(s.controller.as_deref(), base)
        .map_err(|reason| invalid("controller", reason))?;
    let x0 = check_fields(&s, &start).map_err(|(f, r)| invalid(&f, r))?;
    if let Some(k) = s.kd_per_kp
        && !(k.is_finite() && k > 0.0)
    {
        return Err(invalid(
            "kd_per_kp",
            format!("{k} is not a positive number"),
        ));
    }
    let conditions = conditions(&s).map_err(|(f, r)| invalid(&f, r))?;
    let window_start_s = check_window(&s).map_err(|(f, r)| invalid(&f, r))?;
    check_weights(&s.weights).map_err(|(f, r)| invalid(&f, r))?;
    check_cma(&s.cma).map_err(|(f, r)| invalid(&f, r))?;
    let model = load_model(&s, base).map_err(|(f, r)| invalid(f, r))?;
    let settings = s
        .physics
        .checked_settings_for(&model, &conditions)
        .map_err(|e| invalid(e.field, e.reason))?;
    Ok(Search {
        file: s,
        start,
        start_ron,
        model,
        settings,
        conditions,
        x0,
        window_start_s,
    })
}

/// The start controller and its text.
fn load_controller(path: Option<&Path>, base: &Path) -> Result<(WalkingParams, String), String> {
    let (text, name) = match path {
        Some(p) => {
            let p = base.join(p);
            let text = input_file::read_text(&p, MAX_RON_BYTES)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            (text, p.display().to_string())
        }
        None => (
            DEFAULT_WALKING_RON.to_owned(),
            "<built-in walking controller>".to_owned(),
        ),
    };
    let params = WalkingParams::from_ron_str(&text, &name)?;
    Ok((params, text))
}

/// Checks the fields against the start controller; returns its values in the unit box.
fn check_fields(s: &SearchFile, start: &WalkingParams) -> Result<Vec<f64>, (String, String)> {
    if s.fields.is_empty() {
        return Err((
            "fields".into(),
            "the list is empty: name at least one field to search".into(),
        ));
    }
    if s.fields.len() > MAX_FIELDS {
        return Err((
            "fields".into(),
            format!("{} fields, more than {MAX_FIELDS}", s.fields.len()),
        ));
    }
    let mut x0 = Vec::with_capacity(s.fields.len());
    for (k, f) in s.fields.iter().enumerate() {
        let at = |name: &str| format!("fields[{k}].{name}");
        if let Some(first) = s.fields[..k].iter().position(|g| g.path == f.path) {
            return Err((at("path"), format!("`{}` repeats fields[{first}]", f.path)));
        }
        let value = param_paths::get(start, &f.path).map_err(|e| (at("path"), e.to_string()))?;
        if !f.lo.is_finite() {
            return Err((at("lo"), format!("{} is not a finite number", f.lo)));
        }
        if !f.hi.is_finite() {
            return Err((at("hi"), format!("{} is not a finite number", f.hi)));
        }
        if f.lo >= f.hi {
            return Err((at("hi"), format!("{} is not above lo {}", f.hi, f.lo)));
        }
        if !(f.lo..=f.hi).contains(&value) {
            return Err((
                at("path"),
                format!(
                    "the start controller's value {value} lies outside the bounds {}..={}",
                    f.lo, f.hi
                ),
            ));
        }
        for (name, bound) in [("lo", f.lo), ("hi", f.hi)] {
            param_paths::set(start, &[(&f.path, bound)]).map_err(|e| (at(name), e))?;
        }
        x0.push((value - f.lo) / (f.hi - f.lo));
    }
    Ok(x0)
}

/// The trial conditions, each checked with [`TrialSpec::validate`].
fn conditions(s: &SearchFile) -> Result<Vec<TrialSpec>, (String, String)> {
    if s.directions.is_empty() {
        return Err(("directions".into(), "the list is empty".into()));
    }
    for (k, d) in s.directions.iter().enumerate() {
        if s.directions[..k].contains(d) {
            return Err((
                format!("directions[{k}]"),
                format!("`{}` is listed twice", d.as_str()),
            ));
        }
    }
    let speeds = s.speeds_mps.expand("speeds_mps")?;
    let inclines = s.inclines_pct.expand("inclines_pct")?;
    let total = s.directions.len() * speeds.len() * inclines.len();
    if total > MAX_CONDITIONS {
        return Err((
            "speeds_mps".into(),
            format!("{total} trial conditions, more than {MAX_CONDITIONS}"),
        ));
    }
    let mut out = Vec::with_capacity(total);
    for &direction in &s.directions {
        for (si, &speed_mps) in speeds.iter().enumerate() {
            for (ii, &incline_pct) in inclines.iter().enumerate() {
                let spec = TrialSpec {
                    direction,
                    speed_mps,
                    incline_pct,
                    duration_s: s.duration_s,
                    seed: 1,
                    sample_rate_hz: s.sample_rate_hz,
                    pushes: PushSpec::default(),
                };
                spec.validate().map_err(|e| {
                    let field = match e.field {
                        "speed_mps" => format!("speeds_mps[{si}]"),
                        "incline_pct" => format!("inclines_pct[{ii}]"),
                        other => other.to_owned(),
                    };
                    (field, e.reason)
                })?;
                if out.contains(&spec) {
                    return Err((
                        "speeds_mps".into(),
                        format!(
                            "{} {speed_mps} m/s {incline_pct} % is listed twice",
                            direction.as_str()
                        ),
                    ));
                }
                out.push(spec);
            }
        }
    }
    let (lo, hi) = SAMPLE_RATE_RANGE_HZ;
    if !(s.sample_rate_hz >= lo && s.sample_rate_hz <= hi) {
        return Err((
            "sample_rate_hz".into(),
            format!("{} Hz is outside {lo}..={hi} Hz", s.sample_rate_hz),
        ));
    }
    Ok(out)
}

/// The objective's window start, checked to leave [`MIN_WINDOW_S`] of walking.
fn check_window(s: &SearchFile) -> Result<f64, (String, String)> {
    let (field, start) = match s.window_start_s {
        Some(t) => ("window_start_s", t),
        None => ("duration_s", default_window_start_s()),
    };
    if !(start.is_finite() && start >= 0.0) {
        return Err((field.into(), format!("{start} s is not a time from 0 s on")));
    }
    if s.duration_s - start < MIN_WINDOW_S {
        return Err((
            field.into(),
            format!(
                "trials of {} s leave less than {MIN_WINDOW_S} s of walking after the \
                 objective's window starts at {start} s",
                s.duration_s
            ),
        ));
    }
    Ok(start)
}

/// The trials' own analysis start: belt start-up and settling time \[s\].
fn default_window_start_s() -> f64 {
    gait::trial::TrialSettings::default().treadmill.start_ramp_s + gait::summary::SETTLE_S
}

fn check_weights(w: &Weights) -> Result<(), (String, String)> {
    let fields = [
        ("fall", w.fall),
        ("pace", w.pace),
        ("centring", w.centring),
        ("centring_free_m", w.centring_free_m),
        ("cost_of_transport", w.cost_of_transport),
        ("grf", w.grf),
        ("grf_limit_bw", w.grf_limit_bw),
        ("bounds", w.bounds),
    ];
    for (name, v) in fields {
        if !(v.is_finite() && v >= 0.0) {
            return Err((
                format!("weights.{name}"),
                format!("{v} is not a finite number from 0 up"),
            ));
        }
    }
    if w.grf_limit_bw <= 0.0 {
        return Err((
            "weights.grf_limit_bw".into(),
            "0 BW: the limit must be above 0".into(),
        ));
    }
    Ok(())
}

fn check_cma(c: &CmaSettings) -> Result<(), (String, String)> {
    if !(2..=10_000).contains(&c.population) {
        return Err((
            "cma.population".into(),
            format!("{} is outside 2..=10000", c.population),
        ));
    }
    if !(c.initial_sigma.is_finite() && c.initial_sigma > 0.0 && c.initial_sigma <= 1.0) {
        return Err((
            "cma.initial_sigma".into(),
            format!(
                "{} is not in the unit box's range 0 < σ ≤ 1",
                c.initial_sigma
            ),
        ));
    }
    if !(1..=1_000_000).contains(&c.max_generations) {
        return Err((
            "cma.max_generations".into(),
            format!("{} is outside 1..=1000000", c.max_generations),
        ));
    }
    if let Some(n) = c.max_evaluations
        && n < c.population
    {
        return Err((
            "cma.max_evaluations".into(),
            format!(
                "{n} is fewer than one generation ({} samples)",
                c.population
            ),
        ));
    }
    Ok(())
}

/// The model with the search's ground contact; the muscle analysis must be able to run
/// when the cost of transport is weighted.
fn load_model(s: &SearchFile, base: &Path) -> Result<Model, (&'static str, String)> {
    let opts = SubjectModelOptions {
        model: s.model.as_ref().map(|m| base.join(m)),
        height: None,
        mass: None,
        ground_contact: s.ground_contact.map(|law| match law {
            ContactLaw::Rigid => GroundContactArg::Rigid,
            ContactLaw::HuntCrossley => GroundContactArg::HuntCrossley,
        }),
    };
    let model = load_subject_model(&opts)
        .map_err(|e| ("model", crate::cli::terminal::error_message(&e)))?;
    if s.weights.cost_of_transport > 0.0 && model.muscles.is_empty() {
        return Err((
            "model",
            "the model has no muscles, so the cost of transport cannot be measured; set \
             weights.cost_of_transport to 0 to search without it"
                .into(),
        ));
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"(
        fields: [(path: "backward.trunk_lean_rad", lo: -0.1, hi: 0.3)],
        directions: [backward],
        speeds_mps: [1.0],
        inclines_pct: [0.0],
        duration_s: 2.0,
        window_start_s: 1.0,
        cma: (population: 4, initial_sigma: 0.1, max_generations: 2),
        seed: 3,
    )"#;

    fn checked(text: &str) -> Result<Search, SearchError> {
        let file = Path::new("tiny.ron");
        check(SearchFile::parse(text, file)?, file)
    }

    fn error(text: &str) -> String {
        checked(text).unwrap_err().to_string()
    }

    #[test]
    fn a_tiny_search_checks_and_starts_at_the_controllers_values() {
        let s = checked(TINY).unwrap();
        assert_eq!(s.conditions.len(), 1);
        assert_eq!(s.conditions[0].direction, Direction::Backward);
        let lean = WalkingParams::default().backward.trunk_lean_rad;
        assert!((s.x0[0] - (lean + 0.1) / 0.4).abs() < 1e-12);
        assert_eq!(s.window_start_s, 1.0);
        assert_eq!(s.file.weights, Weights::default());
    }

    /// Every search shipped under `assets/searches/` loads with its start controller, and every
    /// controller under `assets/controllers/` parses and validates: a renamed or re-ranged
    /// field cannot silently break a recorded search or an experimental controller.
    #[test]
    fn the_shipped_searches_and_controllers_load() {
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let ron_files = |dir: &Path| -> Vec<PathBuf> {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                .collect();
            files.sort();
            files
        };
        let searches = ron_files(&assets.join("searches"));
        for file in &searches {
            load(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
        let controllers_dir = assets.join("controllers");
        let mut controllers = ron_files(&controllers_dir);
        controllers.extend(ron_files(&controllers_dir.join("experimental")));
        for file in &controllers {
            let text = std::fs::read_to_string(file).unwrap();
            WalkingParams::from_ron_str(&text, &file.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(searches.len() >= 30, "{} searches", searches.len());
        assert!(controllers.len() >= 30, "{} controllers", controllers.len());
    }

    #[test]
    fn the_recorded_file_reads_back_the_same() {
        let s = checked(TINY).unwrap();
        let again = SearchFile::parse(&s.file.to_ron(), Path::new("again.ron")).unwrap();
        assert_eq!(again, s.file);
        let ranged = TINY.replace("[1.0]", "(start: 0.6, stop: 1.0, step: 0.2)");
        let s = checked(&ranged).unwrap();
        assert_eq!(s.conditions.len(), 3);
        let again = SearchFile::parse(&s.file.to_ron(), Path::new("again.ron")).unwrap();
        assert_eq!(again, s.file);
    }

    #[test]
    fn bad_values_name_the_file_field_and_reason() {
        let cases = [
            (
                TINY.replace("backward.trunk_lean_rad", "backward.trunk_lean"),
                "fields[0].path",
                "not a field",
            ),
            (
                TINY.replace("backward.trunk_lean_rad", "gains.hip"),
                "fields[0].path",
                "not a number",
            ),
            (
                TINY.replace("hi: 0.3", "hi: -0.1"),
                "fields[0].hi",
                "not above lo",
            ),
            (
                TINY.replace("hi: 0.3", "hi: -0.07"),
                "fields[0].path",
                "outside the bounds",
            ),
            (
                TINY.replace("duration_s: 2.0", "duration_s: -2.0"),
                "duration_s",
                "outside",
            ),
            (
                TINY.replace("window_start_s: 1.0", "window_start_s: 1.9"),
                "window_start_s",
                "less than",
            ),
            (TINY.replace("[1.0]", "[9.0]"), "speeds_mps[0]", "outside"),
            (TINY.replace("[1.0]", "[]"), "speeds_mps", "empty"),
            (TINY.replace("[backward]", "[]"), "directions", "empty"),
            (
                TINY.replace("population: 4", "population: 1"),
                "cma.population",
                "outside",
            ),
            (
                TINY.replace("initial_sigma: 0.1", "initial_sigma: NaN"),
                "cma.initial_sigma",
                "not in",
            ),
            (
                TINY.replace("seed: 3,", "seed: 3, weights: (grf: -1.0),"),
                "weights.grf",
                "not a finite",
            ),
        ];
        for (text, field, reason) in cases {
            let e = error(&text);
            assert!(
                e.starts_with(&format!("tiny.ron: {field}: ")),
                "{field}: {e}"
            );
            assert!(e.contains(reason), "{field}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let e = error(&TINY.replace("seed: 3,", "seed: 3, sed: 4,"));
        assert!(e.starts_with("tiny.ron:") && e.contains("sed"), "{e}");
    }
}
