//! Progress of a sweep on stderr: a bar (trials done, failures so far, ETA) on a terminal, one
//! plain line per finished trial otherwise (logs, CI, batch schedulers), where a redrawn bar
//! would be noise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

/// Counts shared by the worker threads.
#[derive(Debug, Default)]
struct Counts {
    done: usize,
    failures: usize,
}

/// Reports finished trials; shared by the pool's threads.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    counts: Mutex<Counts>,
    start: Instant,
}

impl Progress {
    /// Progress over `total` trials: a bar when stderr is a terminal and `CI` is not set.
    pub fn new(total: usize) -> Self {
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Self::with_bar(total, interactive)
    }

    /// Progress with (`bar`) or without a redrawn bar.
    pub fn with_bar(total: usize, bar: bool) -> Self {
        let bar = bar.then(|| {
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{wide_bar}] {pos}/{len} trials, {msg}, ETA {trials_eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "trials_eta",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let (done, total) = (state.pos(), state.len().unwrap_or(0));
                    let eta = eta_s(state.elapsed().as_secs_f64(), done as usize, total as usize);
                    let _ = w.write_str(&eta.map_or("?".into(), format_duration));
                },
            )
            .progress_chars("=> ");
            let b = ProgressBar::new(total as u64).with_style(style);
            b.set_message("0 failures");
            b.enable_steady_tick(Duration::from_secs(1));
            b
        });
        Self {
            bar,
            total,
            counts: Mutex::default(),
            start: Instant::now(),
        }
    }

    /// Records a finished trial: `outcome` says how it ended, `failed` whether it counts as a
    /// failure (fell or error).
    pub fn trial_done(&self, name: &str, outcome: &str, failed: bool) {
        let (done, failures) = {
            let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            c.done += 1;
            c.failures += usize::from(failed);
            (c.done, c.failures)
        };
        let plural = if failures == 1 { "" } else { "s" };
        match &self.bar {
            Some(bar) => {
                if failed {
                    bar.println(format!("{name}: {outcome}"));
                }
                bar.set_message(format!("{failures} failure{plural}"));
                bar.inc(1);
            }
            None => {
                let eta = eta_s(self.start.elapsed().as_secs_f64(), done, self.total);
                eprintln!(
                    "[{done}/{}] {name}: {outcome}; {failures} failure{plural}, ETA {}",
                    self.total,
                    eta.map_or("?".into(), format_duration)
                );
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Time left [s] at the mean pace so far (trials run in parallel, so wall time per finished
/// trial is the pace); unknown before the first trial finishes.
fn eta_s(elapsed_s: f64, done: usize, total: usize) -> Option<f64> {
    (done > 0).then(|| elapsed_s / done as f64 * total.saturating_sub(done) as f64)
}

/// `1h 02m`, `3m 10s` or `42s`.
pub fn format_duration(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m {sec:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(42.4), "42s");
        assert_eq!(format_duration(190.0), "3m 10s");
        assert_eq!(format_duration(3720.0), "1h 02m");
        assert_eq!(eta_s(10.0, 0, 4), None);
        assert_eq!(eta_s(10.0, 2, 4), Some(10.0));
    }
}
