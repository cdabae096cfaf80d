//! "What this sweep says about the retro-walking claims": paragraphs computed from the trials
//! at report time.
//!
//! Nothing here is a conclusion written in advance: each sentence is assembled from the
//! numbers, and the verdict words ("supports", "says the opposite", "no clear difference")
//! follow from comparisons with stated thresholds. Only trials that ran to their end count;
//! forward and backward are compared in pairs run at the same speed, incline, subject and seed,
//! so an unbalanced set of falls cannot bias a direction's mean.

use gait::Direction;
use musculo::MuscleGroup;

use super::data::{TrialData, key, mean};
use crate::results::TrialStatus;

/// Relative difference below which two means are called "about the same" (5 %).
pub const SAME_WITHIN: f64 = 0.05;
/// Difference of concentric shares (percentage points) below which there is "no clear shift".
pub const SHARE_WITHIN_PCT: f64 = 2.0;
/// In vivo peak tibiofemoral force in level walking \[BW\], mean of five instrumented knees
/// (Kutzner et al. 2010, J Biomech 43:2164-2173), as in `docs/validation.md`.
pub const IN_VIVO_TF_BW: f64 = 2.61;

/// A forward and a backward trial run at the same speed, incline, subject and seed.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    /// The forward trial.
    pub forward: &'a TrialData,
    /// The backward trial.
    pub backward: &'a TrialData,
}

/// The usable forward/backward pairs of a sweep.
pub fn pairs(trials: &[TrialData]) -> Vec<Pair<'_>> {
    let same = |a: &TrialData, b: &TrialData| {
        key(a.speed_mps) == key(b.speed_mps)
            && key(a.incline_pct) == key(b.incline_pct)
            && a.subject == b.subject
            && a.seed == b.seed
    };
    trials
        .iter()
        .filter(|f| f.direction == Direction::Forward && f.usable())
        .filter_map(|f| {
            trials
                .iter()
                .find(|b| b.direction == Direction::Backward && b.usable() && same(f, b))
                .map(|b| Pair {
                    forward: f,
                    backward: b,
                })
        })
        .collect()
}

/// Means of one quantity over the pairs that have it in both trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Pairs compared.
    pub n: usize,
    /// Forward mean.
    pub forward: f64,
    /// Backward mean.
    pub backward: f64,
    /// Pairs whose backward value is the larger.
    pub backward_larger: usize,
}

impl Comparison {
    /// Backward over forward, when forward is not zero.
    pub fn ratio(&self) -> Option<f64> {
        (self.forward.abs() > 1e-9).then(|| self.backward / self.forward)
    }

    /// Whether backward is larger, smaller or about the same (within [`SAME_WITHIN`]).
    pub fn trend(&self) -> Trend {
        match self.ratio() {
            Some(r) if r > 1.0 + SAME_WITHIN => Trend::Larger,
            Some(r) if r < 1.0 - SAME_WITHIN => Trend::Smaller,
            Some(_) => Trend::Same,
            None if self.backward > 1e-9 => Trend::Larger,
            None => Trend::Same,
        }
    }
}

/// How a backward mean relates to the forward one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// Backward larger.
    Larger,
    /// Backward smaller.
    Smaller,
    /// Within [`SAME_WITHIN`].
    Same,
}

/// Compares `metric` backward vs forward over the pairs where both trials have it.
pub fn compare(
    pairs: &[Pair<'_>],
    metric: impl Fn(&TrialData) -> Option<f64>,
) -> Option<Comparison> {
    let both: Vec<(f64, f64)> = pairs
        .iter()
        .filter_map(|p| Some((metric(p.forward)?, metric(p.backward)?)))
        .filter(|(f, b)| f.is_finite() && b.is_finite())
        .collect();
    Some(Comparison {
        n: both.len(),
        forward: mean(both.iter().map(|b| b.0))?,
        backward: mean(both.iter().map(|b| b.1))?,
        backward_larger: both.iter().filter(|(f, b)| b > f).count(),
    })
}

/// A muscle group's name for prose (`tibialis_anterior` → `tibialis anterior`).
pub fn group_name(group: MuscleGroup) -> String {
    group.as_str().replace('_', " ")
}

/// One sentence on a comparison: the ratio, both means, how many pairs and how many of them
/// point the same way.
fn comparison_sentence(what: &str, unit: &str, c: &Comparison) -> String {
    let size = match (c.trend(), c.ratio()) {
        (Trend::Same, Some(r)) => format!("about the same in both directions ({r:.2}×)"),
        (_, Some(r)) => format!("{r:.2}× as large backward as forward"),
        (_, None) => "zero forward but not backward".to_owned(),
    };
    format!(
        "{what} is {size}: backward {:.1} {unit}, forward {:.1} {unit} (mean of {} paired \
         condition{}; backward larger in {} of them).",
        c.backward,
        c.forward,
        c.n,
        plural(c.n),
        c.backward_larger
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The paragraphs of the findings section (plain text; the caller escapes them).
pub fn findings(trials: &[TrialData]) -> Vec<String> {
    let count = |s: TrialStatus| trials.iter().filter(|t| t.status == s).count();
    let (ok, fell, failed) = (
        count(TrialStatus::Ok),
        count(TrialStatus::Fell),
        count(TrialStatus::Error),
    );
    let mut out = Vec::new();
    if ok == 0 {
        out.push(format!(
            "None of the {} trials ran to its end ({fell} fell, {failed} failed), so this sweep \
             says nothing about the retro-walking claims.",
            trials.len()
        ));
        out.push(caveat(trials));
        return out;
    }
    let pairs = pairs(trials);
    let excluded = match (fell, failed) {
        (0, 0) => "No trial fell or failed, so none is excluded.".to_owned(),
        (_, 0) => format!(
            "The {fell} trial{} that fell {} excluded from every comparison below.",
            plural(fell),
            if fell == 1 { "is" } else { "are" }
        ),
        (0, _) => format!(
            "The {failed} trial{} that failed {} excluded from every comparison below.",
            plural(failed),
            if failed == 1 { "is" } else { "are" }
        ),
        _ => format!(
            "The {fell} trial{} that fell and the {failed} that failed are excluded from every \
             comparison below.",
            plural(fell)
        ),
    };
    out.push(format!(
        "This sweep ran {} trials: {ok} ran to the end, {fell} fell and {failed} failed. \
         {excluded} Forward and backward are compared in pairs run at the same speed, incline, \
         subject and seed: {} such pair{}.",
        trials.len(),
        pairs.len(),
        plural(pairs.len())
    ));
    for d in [Direction::Forward, Direction::Backward] {
        out.push(work_balance(trials, d));
    }
    if pairs.is_empty() {
        out.push(
            "No condition has a usable trial in both directions, so forward and backward \
             walking cannot be compared."
                .to_owned(),
        );
    } else {
        out.extend(thigh_muscles(&pairs));
        out.push(knee_loads(&pairs));
    }
    out.push(caveat(trials));
    out
}

/// Which groups do more concentric than eccentric work walking in `direction`.
fn work_balance(trials: &[TrialData], direction: Direction) -> String {
    let with_work: Vec<&TrialData> = trials
        .iter()
        .filter(|t| t.direction == direction && t.usable() && !t.work.is_empty())
        .collect();
    let dir = direction.as_str();
    if with_work.is_empty() {
        return format!(
            "Walking {dir}, no trial that ran to its end has a whole stride, so no muscle work \
             was measured."
        );
    }
    // Listed by name.
    let mut groups: Vec<MuscleGroup> = with_work
        .iter()
        .flat_map(|t| t.work.keys())
        .copied()
        .collect();
    groups.sort_by_key(|g| g.as_str());
    groups.dedup();
    let (mut conc, mut ecc, mut even) = (Vec::new(), Vec::new(), Vec::new());
    for g in groups {
        let c = mean(
            with_work
                .iter()
                .filter_map(|t| t.work.get(&g).map(|w| w.concentric_j)),
        );
        let e = mean(
            with_work
                .iter()
                .filter_map(|t| t.work.get(&g).map(|w| w.eccentric_j)),
        );
        let (Some(c), Some(e)) = (c, e) else { continue };
        let text = format!("{} ({c:.1} J vs {e:.1} J)", group_name(g));
        if (c - e).abs() <= SAME_WITHIN * c.max(e) {
            even.push(text);
        } else if c > e {
            conc.push(text);
        } else {
            ecc.push(text);
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join(", ")
        }
    };
    let mut s = format!(
        "Walking {dir} (mean per stride over {} trial{} with whole strides, concentric vs \
         eccentric work), the groups doing more concentric than eccentric work are: {}. More \
         eccentric than concentric: {}.",
        with_work.len(),
        plural(with_work.len()),
        list(&conc),
        list(&ecc)
    );
    if !even.is_empty() {
        s.push_str(&format!(
            " About balanced (within {:.0} %): {}.",
            SAME_WITHIN * 100.0,
            list(&even)
        ));
    }
    s
}

/// Concentric share of a group's work, percent, from means over pairs.
fn share(c: &Comparison, e: &Comparison, backward: bool) -> Option<f64> {
    let (c, e) = if backward {
        (c.backward, e.backward)
    } else {
        (c.forward, e.forward)
    };
    (c + e > 1e-9).then(|| 100.0 * c / (c + e))
}

/// Quadriceps and hamstrings, backward vs forward, and the quadriceps claim.
fn thigh_muscles(pairs: &[Pair<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for group in [MuscleGroup::Quadriceps, MuscleGroup::Hamstrings] {
        let work = |f: fn(&super::data::Work) -> f64| {
            compare(pairs, move |t: &TrialData| t.work.get(&group).map(f))
        };
        let name = group_name(group);
        let (Some(c), Some(e)) = (work(|w| w.concentric_j), work(|w| w.eccentric_j)) else {
            out.push(format!(
                "No pair of trials has whole strides in both directions, so the {name}' work \
                 cannot be compared backward vs forward."
            ));
            continue;
        };
        let mut s = format!(
            "{} {}",
            comparison_sentence(&format!("The {name}' concentric work per stride"), "J", &c),
            comparison_sentence("Their eccentric work", "J", &e)
        );
        if let (Some(b), Some(f)) = (share(&c, &e, true), share(&c, &e, false)) {
            s.push_str(&format!(
                " The concentric share of their work is {b:.0} % backward and {f:.0} % forward."
            ));
            if group == MuscleGroup::Quadriceps {
                let verdict = if b - f > SHARE_WITHIN_PCT {
                    "this sweep supports it"
                } else if f - b > SHARE_WITHIN_PCT {
                    "this sweep says the opposite"
                } else {
                    "the shift here is too small (within 2 points) to support or contradict it"
                };
                s.push_str(&format!(
                    " The retro-walking claim is that walking backward shifts the quadriceps \
                     from eccentric (braking) towards concentric (propulsive) work: {verdict}."
                ));
            }
        }
        out.push(s);
    }
    out
}

/// Peak knee tibiofemoral and patellofemoral forces, backward vs forward, and the claim that
/// backward walking spares the knee.
fn knee_loads(pairs: &[Pair<'_>]) -> String {
    let tf = compare(pairs, |t| t.peak_knee_tf_force_bw);
    let pf = compare(pairs, |t| t.peak_knee_pf_force_bw);
    let mut s = String::new();
    for (what, c) in [
        ("Peak knee tibiofemoral force", &tf),
        ("Peak knee patellofemoral force", &pf),
    ] {
        match c {
            Some(c) => s.push_str(&comparison_sentence(what, "BW", c)),
            None => s.push_str(&format!("{what} is missing from every pair.")),
        }
        s.push(' ');
    }
    let trend = |c: &Option<Comparison>| c.as_ref().map(Comparison::trend);
    let verdict = match (trend(&tf), trend(&pf)) {
        (Some(Trend::Smaller), Some(Trend::Smaller)) => {
            "supports it: both peaks are lower backward"
        }
        (Some(Trend::Larger), Some(Trend::Larger)) => {
            "says the opposite: both peaks are higher backward"
        }
        (_, Some(Trend::Smaller)) => {
            "supports it for the patellofemoral joint only: its peak is lower backward, the \
             tibiofemoral one is not"
        }
        (_, Some(Trend::Larger)) => {
            "contradicts it for the patellofemoral joint: its peak is higher backward"
        }
        (Some(Trend::Same), Some(Trend::Same)) => {
            "neither supports nor contradicts it: both peaks are about the same in both directions"
        }
        _ => "cannot judge it on the patellofemoral joint, whose peak is about the same or missing",
    };
    s.push_str(&format!(
        "The claim that backward walking spares the knee, the patellofemoral joint above all: \
         this sweep {verdict}."
    ));
    s
}

/// How far the absolute values are from people's, computed from the sweep where it can be.
fn caveat(trials: &[TrialData]) -> String {
    let fwd_tf = mean(
        trials
            .iter()
            .filter(|t| t.direction == Direction::Forward && t.usable())
            .filter_map(|t| t.peak_knee_tf_force_bw),
    );
    let measured = match fwd_tf {
        Some(v) => format!(
            " Here the forward trials' peak tibiofemoral force averages {v:.1} BW, {:.1} times \
             the {IN_VIVO_TF_BW} BW measured in instrumented knees (Kutzner et al. 2010).",
            v / IN_VIVO_TF_BW
        ),
        None => String::new(),
    };
    format!(
        "Read these numbers with care. The walker's gait is crouched (its knee is flexed about \
         40° at foot strike and never straightens in stance; see docs/validation.md), so its knee \
         moments and contact forces are several times in vivo values.{measured} The message is \
         in the ratios between backward and forward walking, not in the absolute values."
    )
}

#[cfg(test)]
mod tests {
    use super::super::data::Work;
    use super::*;

    /// The report's sample trial without muscle work or activation curves, which each test
    /// adds as it needs.
    fn trial(d: Direction, speed: f64, status: TrialStatus) -> TrialData {
        let mut t = crate::report_html::tests::trial(d, speed, status);
        t.work.clear();
        t.activation.clear();
        t
    }

    fn with_quads(mut t: TrialData, c: f64, e: f64) -> TrialData {
        t.work.insert(
            MuscleGroup::Quadriceps,
            Work {
                concentric_j: c,
                eccentric_j: e,
            },
        );
        t
    }

    #[test]
    fn the_verdict_follows_the_numbers() {
        let ok = TrialStatus::Ok;
        let claim_holds = vec![
            with_quads(trial(Direction::Forward, 1.0, ok), 10.0, 20.0),
            with_quads(trial(Direction::Backward, 1.0, ok), 20.0, 10.0),
        ];
        let text = findings(&claim_holds).join("\n");
        assert!(text.contains("this sweep supports it"), "{text}");
        assert!(text.contains("quadriceps (20.0 J vs 10.0 J)"), "{text}");
        let claim_fails = vec![
            with_quads(trial(Direction::Forward, 1.0, ok), 20.0, 10.0),
            with_quads(trial(Direction::Backward, 1.0, ok), 10.0, 20.0),
        ];
        let text = findings(&claim_fails).join("\n");
        assert!(text.contains("this sweep says the opposite."), "{text}");
        let mut knees = claim_fails.clone();
        knees[1].peak_knee_pf_force_bw = Some(2.0);
        knees[1].peak_knee_tf_force_bw = Some(3.0);
        let text = findings(&knees).join("\n");
        assert!(text.contains("both peaks are lower backward"), "{text}");
        knees[1].peak_knee_pf_force_bw = Some(8.0);
        knees[1].peak_knee_tf_force_bw = Some(9.0);
        let text = findings(&knees).join("\n");
        assert!(text.contains("both peaks are higher backward"), "{text}");
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }

    #[test]
    fn fallen_trials_are_excluded_and_counted() {
        let mut trials = vec![
            with_quads(trial(Direction::Forward, 1.0, TrialStatus::Ok), 10.0, 20.0),
            with_quads(trial(Direction::Backward, 1.0, TrialStatus::Ok), 20.0, 10.0),
            // A fallen backward trial with absurd numbers must not move the comparison.
            with_quads(
                trial(Direction::Backward, 1.2, TrialStatus::Fell),
                0.0,
                999.0,
            ),
            with_quads(trial(Direction::Forward, 1.2, TrialStatus::Ok), 10.0, 20.0),
        ];
        trials[2].peak_knee_tf_force_bw = Some(99.0);
        let text = findings(&trials).join("\n");
        assert!(text.contains("1 fell"), "{text}");
        assert!(text.contains("The 1 trial that fell is excluded"), "{text}");
        assert!(text.contains("1 such pair."), "{text}");
        assert!(!text.contains("999"), "{text}");
        for t in &mut trials {
            t.status = TrialStatus::Fell;
        }
        let text = findings(&trials).join("\n");
        assert!(
            text.contains("None of the 4 trials ran to its end"),
            "{text}"
        );
    }

    #[test]
    fn trials_without_strides_or_pairs_say_so() {
        let trials = vec![trial(Direction::Forward, 1.0, TrialStatus::Ok)];
        let text = findings(&trials).join("\n");
        assert!(text.contains("no muscle work was measured"), "{text}");
        assert!(text.contains("cannot be compared"), "{text}");
        assert!(text.contains("crouched"), "{text}");
    }
}
