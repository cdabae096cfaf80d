//! Gait-cycle utilities: strides from foot strikes, time normalisation to 0-100 % of the cycle,
//! mean ± SD curves and positive/negative work of a power signal.
//!
//! Pure functions on sampled signals; no physics. A signal is a pair of slices `times` \[s\]
//! (non-decreasing) and `values`, read as the piecewise-linear curve through the samples: the
//! curve that linear time normalisation and trapezoidal integration both assume.

/// Strides of one foot from its foot-strike times \[s\]: each pair of consecutive strikes as
/// `(start, end)`. Pairs that do not advance in time (duplicates, unsorted input) or are not
/// finite are left out.
pub fn strides(strikes: &[f64]) -> Vec<(f64, f64)> {
    strikes
        .windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|(s, e)| s.is_finite() && e.is_finite() && e > s)
        .collect()
}

/// Value at `t` of the piecewise-linear curve through `(times, values)`; `t` must lie within
/// `times[0]..=times[last]`. Where two samples share a time, the later one holds from there on.
fn interpolate(times: &[f64], values: &[f64], t: f64) -> f64 {
    // First sample strictly after t; the segment is [k-1, k].
    let k = times.partition_point(|&x| x <= t);
    if k == 0 {
        return values[0];
    }
    if k == times.len() {
        return values[k - 1];
    }
    let (t0, t1) = (times[k - 1], times[k]);
    let (v0, v1) = (values[k - 1], values[k]);
    v0 + (v1 - v0) * (t - t0) / (t1 - t0)
}

fn is_signal(times: &[f64], values: &[f64]) -> bool {
    times.len() == values.len()
        && !times.is_empty()
        && times.iter().all(|t| t.is_finite())
        && times.windows(2).all(|w| w[0] <= w[1])
}

/// The signal resampled at `points` equally spaced instants from `start` (0 %) to `end`
/// (100 %) by linear interpolation, as is usual for comparing strides of different durations.
///
/// `None` when the samples do not cover `[start, end]` (no extrapolation), when `times` and
/// `values` differ in length, are empty or `times` decreases or is not finite, when
/// `end <= start`, or when `points < 2`.
pub fn normalise(
    times: &[f64],
    values: &[f64],
    start: f64,
    end: f64,
    points: usize,
) -> Option<Vec<f64>> {
    if !is_signal(times, values) || points < 2 || !start.is_finite() || !end.is_finite() {
        return None;
    }
    let (first, last) = (times[0], times[times.len() - 1]);
    if end <= start || start < first || end > last {
        return None;
    }
    let step = (end - start) / (points - 1) as f64;
    let curve = (0..points)
        .map(|i| {
            // The last point is exactly `end`, free of rounding in `start + i step`.
            let t = if i + 1 == points {
                end
            } else {
                start + i as f64 * step
            };
            interpolate(times, values, t)
        })
        .collect();
    Some(curve)
}

/// Pointwise mean and sample standard deviation (divisor n − 1) of curves of equal length,
/// such as strides from [`normalise`]. The standard deviation of a single curve is undefined
/// and returned as NaN. No curves, or curves of different lengths, give two empty vectors.
pub fn mean_sd(curves: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let Some(first) = curves.first() else {
        return (Vec::new(), Vec::new());
    };
    let len = first.len();
    if curves.iter().any(|c| c.len() != len) {
        return (Vec::new(), Vec::new());
    }
    let n = curves.len() as f64;
    let mean: Vec<f64> = (0..len)
        .map(|i| curves.iter().map(|c| c[i]).sum::<f64>() / n)
        .collect();
    let sd = (0..len)
        .map(|i| {
            let ss: f64 = curves.iter().map(|c| (c[i] - mean[i]).powi(2)).sum();
            (ss / (n - 1.0)).sqrt()
        })
        .collect();
    (mean, sd)
}

/// Positive and negative parts of `∫ p dt` between two points of a linear segment.
fn split_segment(t0: f64, p0: f64, t1: f64, p1: f64) -> (f64, f64) {
    let dt = t1 - t0;
    if p0 >= 0.0 && p1 >= 0.0 {
        (0.5 * (p0 + p1) * dt, 0.0)
    } else if p0 <= 0.0 && p1 <= 0.0 {
        (0.0, 0.5 * (p0 + p1) * dt)
    } else {
        // Opposite signs: the line crosses zero at t0 + dt p0/(p0 − p1); two triangles.
        let tc = dt * p0 / (p0 - p1);
        let (a, b) = (0.5 * p0 * tc, 0.5 * p1 * (dt - tc));
        if p0 > 0.0 { (a, b) } else { (b, a) }
    }
}

/// Work done over `[start, end]` by a power signal [W → J], split into its positive part
/// (generation, ≥ 0) and its negative part (absorption, ≤ 0): the trapezoidal integral of the
/// piecewise-linear curve, split at every zero crossing so that it is exact for such curves
/// (a trapezoid spanning a sign change would cancel generation against absorption).
/// The ends of the window are interpolated; only the part of the window covered by samples
/// is integrated. Malformed input (as for [`normalise`]) or `end <= start` gives `(0, 0)`.
/// `positive + negative` equals the plain trapezoidal integral.
pub fn integrate_split(times: &[f64], power: &[f64], start: f64, end: f64) -> (f64, f64) {
    if !is_signal(times, power) || !start.is_finite() || !end.is_finite() {
        return (0.0, 0.0);
    }
    let lo = start.max(times[0]);
    let hi = end.min(times[times.len() - 1]);
    if hi <= lo {
        return (0.0, 0.0);
    }
    // Window ends, then the samples strictly inside the window.
    let inside = times
        .iter()
        .zip(power)
        .filter(|(t, _)| **t > lo && **t < hi)
        .map(|(t, p)| (*t, *p));
    let knots = std::iter::once((lo, interpolate(times, power, lo)))
        .chain(inside)
        .chain(std::iter::once((hi, interpolate(times, power, hi))));
    let mut positive = 0.0;
    let mut negative = 0.0;
    let mut previous: Option<(f64, f64)> = None;
    for (t, p) in knots {
        if let Some((t0, p0)) = previous {
            let (pos, neg) = split_segment(t0, p0, t, p);
            positive += pos;
            negative += neg;
        }
        previous = Some((t, p));
    }
    (positive, negative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
    }

    fn trapezoid(times: &[f64], values: &[f64]) -> f64 {
        times
            .windows(2)
            .zip(values.windows(2))
            .map(|(t, v)| 0.5 * (v[0] + v[1]) * (t[1] - t[0]))
            .sum()
    }

    #[test]
    fn strides_pair_consecutive_strikes() {
        assert_eq!(
            strides(&[0.1, 1.2, 2.25, 3.3]),
            vec![(0.1, 1.2), (1.2, 2.25), (2.25, 3.3)]
        );
        assert!(strides(&[0.5]).is_empty());
        assert!(strides(&[]).is_empty());
        // A repeated strike and a backward step are not strides.
        assert_eq!(
            strides(&[0.0, 1.0, 1.0, 0.5, 2.0]),
            vec![(0.0, 1.0), (0.5, 2.0)]
        );
    }

    #[test]
    fn normalise_reproduces_a_linear_signal_exactly() {
        let times: Vec<f64> = (0..=30).map(|i| f64::from(i) * 0.05).collect();
        let values: Vec<f64> = times.iter().map(|t| 3.0 * t - 1.0).collect();
        let curve = normalise(&times, &values, 0.12, 1.37, 101).unwrap();
        assert_eq!(curve.len(), 101);
        for (i, v) in curve.iter().enumerate() {
            let t = 0.12 + (1.37 - 0.12) * i as f64 / 100.0;
            assert!((v - (3.0 * t - 1.0)).abs() < 1e-12, "{i}: {v}");
        }
        assert!(close(curve[0], 3.0 * 0.12 - 1.0));
        assert!(close(curve[100], 3.0 * 1.37 - 1.0));
    }

    #[test]
    fn normalise_interpolates_between_samples_and_keeps_sample_values() {
        let times = [0.0, 1.0, 2.0];
        let values = [0.0, 10.0, 0.0];
        assert_eq!(
            normalise(&times, &values, 0.0, 2.0, 5).unwrap(),
            vec![0.0, 5.0, 10.0, 5.0, 0.0]
        );
    }

    #[test]
    fn normalise_refuses_what_it_cannot_cover() {
        let times = [0.0, 1.0, 2.0];
        let values = [1.0, 2.0, 3.0];
        assert!(normalise(&times, &values, -0.1, 1.0, 11).is_none());
        assert!(normalise(&times, &values, 0.5, 2.1, 11).is_none());
        assert!(normalise(&times, &values, 1.0, 1.0, 11).is_none());
        assert!(normalise(&times, &values, 0.0, 1.0, 1).is_none());
        assert!(normalise(&times, &values[..2], 0.0, 1.0, 11).is_none());
        assert!(normalise(&[0.0, 2.0, 1.0], &values, 0.0, 1.0, 11).is_none());
        assert!(normalise(&[], &[], 0.0, 1.0, 11).is_none());
        assert!(normalise(&times, &values, 0.0, 2.0, 2).is_some());
    }

    #[test]
    fn mean_and_sample_sd_by_hand() {
        let curves = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 9.0]];
        let (mean, sd) = mean_sd(&curves);
        assert_eq!(mean, vec![3.0, 5.0]);
        // Point 0: deviations −2, 0, 2 → √(8/2) = 2. Point 1: −3, −1, 4 → √(26/2) = √13.
        assert!(close(sd[0], 2.0));
        assert!(close(sd[1], 13f64.sqrt()));
        let (m, s) = mean_sd(&[vec![1.0, 2.0]]);
        assert_eq!(m, vec![1.0, 2.0]);
        assert!(s.iter().all(|v| v.is_nan()));
        assert_eq!(mean_sd(&[]), (vec![], vec![]));
        assert_eq!(mean_sd(&[vec![1.0], vec![1.0, 2.0]]), (vec![], vec![]));
    }

    #[test]
    fn zero_crossing_is_split_exactly() {
        // p goes from +1 W to −3 W over 1 s: zero at t = 0.25 s.
        // Positive: ½·1·0.25 = 0.125 J. Negative: ½·(−3)·0.75 = −1.125 J. Sum: −1 J = trapezoid.
        let (pos, neg) = integrate_split(&[0.0, 1.0], &[1.0, -3.0], 0.0, 1.0);
        assert!(close(pos, 0.125) && close(neg, -1.125), "{pos} {neg}");
        assert!(close(pos + neg, -1.0));
        // The mirror case, starting negative: −2 W → +2 W over 2 s crosses zero at 1 s;
        // two triangles of ½·1 s·2 W = 1 J each.
        let (pos, neg) = integrate_split(&[0.0, 2.0], &[-2.0, 2.0], 0.0, 2.0);
        assert!(close(pos, 1.0) && close(neg, -1.0), "{pos} {neg}");
    }

    #[test]
    fn window_ends_are_interpolated_and_uncovered_time_is_not_integrated() {
        let times = [0.0, 1.0, 2.0];
        let power = [2.0, 2.0, 2.0];
        // 2 W for 1 s.
        assert_eq!(integrate_split(&times, &power, 0.5, 1.5), (2.0, 0.0));
        // Ramp 0 → 4 W over 2 s, window [0.5, 1.0]: ∫ 2t dt = 1 − 0.25 = 0.75 J.
        let (pos, neg) = integrate_split(&times, &[0.0, 2.0, 4.0], 0.5, 1.0);
        assert!(close(pos, 0.75) && neg == 0.0);
        // Only [0, 2] is covered by samples.
        assert_eq!(integrate_split(&times, &power, -1.0, 3.0), (4.0, 0.0));
        assert_eq!(integrate_split(&times, &power, 1.5, 1.0), (0.0, 0.0));
        assert_eq!(integrate_split(&times, &power[..2], 0.0, 1.0), (0.0, 0.0));
    }

    #[test]
    fn positive_plus_negative_equals_the_plain_integral() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let n = rng.random_range(2..60);
            let mut t = 0.0;
            let mut times = Vec::with_capacity(n);
            for _ in 0..n {
                times.push(t);
                t += rng.random_range(0.001..0.05);
            }
            let power: Vec<f64> = (0..n).map(|_| rng.random_range(-100.0..100.0)).collect();
            let (start, end) = (times[0], times[n - 1]);
            let (pos, neg) = integrate_split(&times, &power, start, end);
            assert!(pos >= 0.0 && neg <= 0.0);
            let plain = trapezoid(&times, &power);
            assert!(
                (pos + neg - plain).abs() < 1e-9 * (1.0 + pos - neg),
                "{pos} + {neg} vs {plain}"
            );
            // Splitting the window in two adds up to the whole.
            let mid = rng.random_range(start..end);
            let (p1, n1) = integrate_split(&times, &power, start, mid);
            let (p2, n2) = integrate_split(&times, &power, mid, end);
            assert!((p1 + p2 - pos).abs() < 1e-9 * (1.0 + pos));
            assert!((n1 + n2 - neg).abs() < 1e-9 * (1.0 - neg));
        }
    }
}
