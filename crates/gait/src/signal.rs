//! Signal processing for measured kinematics, as OpenSim's tools do it: a zero-phase
//! Butterworth low-pass of the coordinates ([`lowpass_zero_phase`]), then a spline through
//! the filtered samples to differentiate them ([`CubicSpline`]).
//!
//! OpenSim's `InverseDynamicsTool::run` and `AnalyzeTool::initializeFromFiles`
//! (`OpenSim/Tools/InverseDynamicsTool.cpp`, `OpenSim/Tools/AnalyzeTool.cpp`), when
//! `lowpass_cutoff_frequency_for_coordinates` ≥ 0, call `Storage::pad(getSize()/2)` then
//! `Storage::lowpassIIR(cutoff)`, and fit `GCVSplineSet(5, storage)`: interpolating (error
//! variance 0) quintic GCV splines (Woltring 1986, Adv. Eng. Softw. 8:104–113) over the
//! *padded* samples, differentiated analytically for q̇ and q̈. We use a not-a-knot cubic
//! spline through the un-padded filtered samples instead.

/// Why a signal cannot be filtered or splined.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignalError {
    /// Times and values differ in length.
    #[error("{t} times but {y} values")]
    LengthMismatch {
        /// Number of times.
        t: usize,
        /// Number of values.
        y: usize,
    },
    /// Too few samples.
    #[error("{len} samples, at least {min} needed")]
    TooShort {
        /// Samples given.
        len: usize,
        /// Samples needed.
        min: usize,
    },
    /// A time or value is NaN or infinite.
    #[error("sample {index} is not finite")]
    NonFinite {
        /// Index of the sample.
        index: usize,
    },
    /// Times do not strictly increase.
    #[error("time {index} does not exceed the time before it")]
    NotIncreasing {
        /// Index of the first time not above its predecessor.
        index: usize,
    },
    /// The sample interval is not a positive finite number.
    #[error("sample interval {dt_s} s is not positive and finite")]
    BadSampleInterval {
        /// The sample interval \[s\].
        dt_s: f64,
    },
    /// The cutoff is at or above the Nyquist frequency.
    #[error("cutoff {cutoff_hz} Hz is not below the Nyquist frequency {nyquist_hz} Hz")]
    CutoffAboveNyquist {
        /// Requested cutoff \[Hz\].
        cutoff_hz: f64,
        /// Half the sampling frequency \[Hz\].
        nyquist_hz: f64,
    },
}

/// Zero-phase low-pass filter of uniformly sampled `samples` (interval `dt_s` \[s\]) with
/// cutoff `cutoff_hz` \[Hz\], reproducing OpenSim's `Storage::pad(size/2)` followed by
/// `Storage::lowpassIIR` (`OpenSim/Common/Storage.cpp`, `Signal::Pad` and
/// `Signal::LowpassIIR` in `OpenSim/Common/Signal.cpp`):
///
/// 1. **Pad** `n/2` samples (integer division) at each end by odd (point) reflection about
///    the end sample, `x[-k] = 2x[0] − x[k]`, `x[n−1+k] = 2x[n−1] − x[n−1−k]`, which keeps
///    the value and slope at the ends continuous.
/// 2. **Filter** with a 3rd-order Butterworth low-pass, discretised by the bilinear
///    transform with frequency pre-warping `ω_a = tan(π f_c Δt)` (Winter 2009, Biomechanics
///    and Motor Control of Human Movement, 4th ed., §3.4; Oppenheim & Schafer, Discrete-Time
///    Signal Processing, §7.1), run forwards then backwards over the reversed output. Each
///    pass starts by copying its first three inputs to its output (no other initial state).
///    The two passes cancel the phase and square the gain, `|H|² = 1/(1 + (tan(πfΔt)/ω_a)⁶)`:
///    effectively 6th order, gain ½ (−6 dB) at `cutoff_hz`, −3 dB near 0.86 `cutoff_hz`.
///    OpenSim does not apply Winter's correction for the second pass (cutoff divided by
///    (√2 − 1)^(1/6) ≈ 0.864 to keep −3 dB at `cutoff_hz`); neither do we.
/// 3. **Un-pad**: return the middle `n` samples. (OpenSim keeps the pad and fits its splines
///    over it, so its spline end effects fall in the pad.)
///
/// OpenSim's tool default is −1 (no filtering); its gait examples filter at 6 Hz (e.g.
/// `Pipelines/Gait10dof18musc/ID/walk_Setup_ID.xml` in opensim-models). A cutoff that is
/// NaN or ≤ 0 returns the samples unchanged (OpenSim filters when it is ≥ 0, but 0 Hz is
/// degenerate). Departures from OpenSim, which clamps a cutoff ≥ Nyquist to 0.49 f_s with a
/// warning, resamples non-uniform data and logs an error for < 4 padded samples: here those
/// are errors ([`SignalError::CutoffAboveNyquist`], [`SignalError::TooShort`] below 2
/// samples) and the caller guarantees uniform sampling.
pub fn lowpass_zero_phase(
    samples: &[f64],
    dt_s: f64,
    cutoff_hz: f64,
) -> Result<Vec<f64>, SignalError> {
    if cutoff_hz.is_nan() || cutoff_hz <= 0.0 {
        return Ok(samples.to_vec());
    }
    if !(dt_s.is_finite() && dt_s > 0.0) {
        return Err(SignalError::BadSampleInterval { dt_s });
    }
    let nyquist_hz = 0.5 / dt_s;
    if cutoff_hz >= nyquist_hz {
        return Err(SignalError::CutoffAboveNyquist {
            cutoff_hz,
            nyquist_hz,
        });
    }
    let n = samples.len();
    if n < 2 {
        return Err(SignalError::TooShort { len: n, min: 2 });
    }
    if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
        return Err(SignalError::NonFinite { index });
    }
    let pad = n / 2;
    let padded: Vec<f64> = (1..=pad)
        .rev()
        .map(|k| 2.0 * samples[0] - samples[k])
        .chain(samples.iter().copied())
        .chain((1..=pad).map(|k| 2.0 * samples[n - 1] - samples[n - 1 - k]))
        .collect();
    let wa = (std::f64::consts::PI * cutoff_hz * dt_s).tan();
    let (wa2, wa3) = (wa * wa, wa * wa * wa);
    let denom = (wa + 1.0) * (wa2 + wa + 1.0);
    let a = [wa3, 3.0 * wa3, 3.0 * wa3, wa3].map(|c| c / denom);
    let b = [
        (3.0 * wa3 + 2.0 * wa2 - 2.0 * wa - 3.0) / denom,
        (3.0 * wa3 - 2.0 * wa2 - 2.0 * wa + 3.0) / denom,
        (wa - 1.0) * (wa2 - wa + 1.0) / denom,
    ];
    let pass = |x: &[f64]| -> Vec<f64> {
        let mut y = x.to_vec(); // the first three outputs stay equal to the inputs
        for i in 3..x.len() {
            y[i] = a[0] * x[i] + a[1] * x[i - 1] + a[2] * x[i - 2] + a[3] * x[i - 3]
                - b[0] * y[i - 1]
                - b[1] * y[i - 2]
                - b[2] * y[i - 3];
        }
        y.reverse();
        y
    };
    let filtered = pass(&pass(&padded));
    Ok(filtered[pad..pad + n].to_vec())
}

/// Interpolating cubic spline through (t_i, y_i), strictly increasing t (non-uniform
/// allowed), with de Boor's *not-a-knot* end condition (the first two and the last two
/// pieces are each one cubic; de Boor 1978, A Practical Guide to Splines, ch. IV, `CUBSPL`).
/// Not-a-knot rather than natural: the natural spline forces y'' = 0 at both ends, which
/// biases accelerations near the start and end of a recording (y'' at the end points is
/// off by the whole true y'' there); not-a-knot reproduces any cubic exactly, so its end
/// derivatives carry only the usual O(h²)…O(h⁴) interpolation error. The slopes s_i solve
/// a tridiagonal system by the Thomas algorithm (Press et al., Numerical Recipes, 3rd ed.,
/// §2.4 and §3.3). Outside \[t_0, t_{n−1}\] the end pieces are extrapolated.
#[derive(Debug, Clone, PartialEq)]
pub struct CubicSpline {
    t: Vec<f64>,
    y: Vec<f64>,
    slope: Vec<f64>,
}

impl CubicSpline {
    /// Fits the spline; needs at least 4 finite points with strictly increasing times.
    pub fn new(t: &[f64], y: &[f64]) -> Result<Self, SignalError> {
        let n = t.len();
        if n != y.len() {
            return Err(SignalError::LengthMismatch { t: n, y: y.len() });
        }
        if n < 4 {
            return Err(SignalError::TooShort { len: n, min: 4 });
        }
        if let Some(index) = (0..n).find(|&i| !t[i].is_finite() || !y[i].is_finite()) {
            return Err(SignalError::NonFinite { index });
        }
        if let Some(index) = (1..n).find(|&i| t[i] <= t[i - 1]) {
            return Err(SignalError::NotIncreasing { index });
        }
        let h: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
        let d: Vec<f64> = (0..n - 1).map(|i| (y[i + 1] - y[i]) / h[i]).collect();
        // Row i: sub[i] s_{i-1} + diag[i] s_i + sup[i] s_{i+1} = rhs[i].
        let (mut sub, mut diag, mut sup, mut rhs) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for i in 1..n - 1 {
            (sub[i], diag[i], sup[i]) = (h[i], 2.0 * (h[i - 1] + h[i]), h[i - 1]);
            rhs[i] = 3.0 * (h[i] * d[i - 1] + h[i - 1] * d[i]);
        }
        let (h0, h1) = (h[0], h[1]);
        (diag[0], sup[0]) = (h1, h0 + h1);
        rhs[0] = ((h0 + 2.0 * (h0 + h1)) * h1 * d[0] + h0 * h0 * d[1]) / (h0 + h1);
        let (hl, hm) = (h[n - 2], h[n - 3]);
        (sub[n - 1], diag[n - 1]) = (hl + hm, hm);
        rhs[n - 1] = ((hl + 2.0 * (hl + hm)) * hm * d[n - 2] + hl * hl * d[n - 3]) / (hl + hm);
        for i in 1..n {
            let m = sub[i] / diag[i - 1];
            diag[i] -= m * sup[i - 1];
            rhs[i] -= m * rhs[i - 1];
        }
        let mut slope = vec![0.0; n];
        slope[n - 1] = rhs[n - 1] / diag[n - 1];
        for i in (0..n - 1).rev() {
            slope[i] = (rhs[i] - sup[i] * slope[i + 1]) / diag[i];
        }
        Ok(Self {
            t: t.to_vec(),
            y: y.to_vec(),
            slope,
        })
    }

    /// The piece containing `x` (binary search) as (u = x − t_i, c0, c1, c2, c3).
    fn piece(&self, x: f64) -> [f64; 5] {
        let i = self
            .t
            .partition_point(|&ti| ti <= x)
            .clamp(1, self.t.len() - 1)
            - 1;
        let h = self.t[i + 1] - self.t[i];
        let d = (self.y[i + 1] - self.y[i]) / h;
        let (s0, s1) = (self.slope[i], self.slope[i + 1]);
        let c2 = (3.0 * d - 2.0 * s0 - s1) / h;
        let c3 = (s0 + s1 - 2.0 * d) / (h * h);
        [x - self.t[i], self.y[i], s0, c2, c3]
    }

    /// y(x).
    pub fn value(&self, x: f64) -> f64 {
        let [u, c0, c1, c2, c3] = self.piece(x);
        c0 + u * (c1 + u * (c2 + u * c3))
    }

    /// dy/dx(x).
    pub fn derivative(&self, x: f64) -> f64 {
        let [u, _, c1, c2, c3] = self.piece(x);
        c1 + u * (2.0 * c2 + 3.0 * u * c3)
    }

    /// d²y/dx²(x).
    pub fn second_derivative(&self, x: f64) -> f64 {
        let [u, _, _, c2, c3] = self.piece(x);
        2.0 * c2 + 6.0 * u * c3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    const DT: f64 = 1.0 / 60.0;

    /// Filters sin(2π f t) over 3 s at 60 Hz with a 6 Hz cutoff and returns the least-squares
    /// gain and phase \[rad\] over the middle 2 s (a whole number of periods).
    fn gain_phase(f_hz: f64) -> (f64, f64, Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = (0..180)
            .map(|i| (TAU * f_hz * i as f64 * DT).sin())
            .collect();
        let y = lowpass_zero_phase(&x, DT, 6.0).unwrap();
        let (s, c) = (30..150).fold((0.0, 0.0), |(s, c), i| {
            let phase = TAU * f_hz * i as f64 * DT;
            (s + y[i] * phase.sin() / 60.0, c + y[i] * phase.cos() / 60.0)
        });
        (s.hypot(c), c.atan2(s), x, y)
    }

    #[test]
    fn signal_filter_passes_dc_ramp_and_1_hz_without_lag() {
        let ramp: Vec<f64> = (0..100).map(|i| 2.0 + 0.1 * i as f64).collect();
        let out = lowpass_zero_phase(&ramp, DT, 6.0).unwrap();
        assert!(out.iter().zip(&ramp).all(|(o, r)| (o - r).abs() < 1e-6));
        let (gain, phase, x, y) = gain_phase(1.0);
        assert!(
            (gain - 1.0).abs() < 0.01 && phase.abs() < 1e-3,
            "{gain} {phase}"
        );
        let argmax = |v: &[f64]| (30..150).max_by(|&i, &j| v[i].total_cmp(&v[j])).unwrap();
        assert_eq!(argmax(&x), argmax(&y));
    }

    #[test]
    fn signal_filter_gain_is_half_at_cutoff_and_tiny_at_20_hz() {
        let (gain, phase, ..) = gain_phase(6.0);
        assert!(
            (gain - 0.5).abs() < 0.01 && phase.abs() < 0.01,
            "{gain} {phase}"
        );
        assert!(gain_phase(20.0).0 < 1e-3);
    }

    #[test]
    fn signal_filter_edge_cases() {
        let x = [1.0, 2.0, 4.0];
        assert_eq!(lowpass_zero_phase(&x, DT, -1.0), Ok(x.to_vec()));
        assert_eq!(lowpass_zero_phase(&x, DT, f64::NAN), Ok(x.to_vec()));
        assert!(matches!(
            lowpass_zero_phase(&x, DT, 30.0),
            Err(SignalError::CutoffAboveNyquist { .. })
        ));
        assert!(matches!(
            lowpass_zero_phase(&x[..1], DT, 6.0),
            Err(SignalError::TooShort { .. })
        ));
        assert!(lowpass_zero_phase(&x, 0.0, 6.0).is_err());
        assert_eq!(lowpass_zero_phase(&x, DT, 6.0).map(|v| v.len()), Ok(3));
    }

    #[test]
    fn signal_spline_reproduces_a_cubic_exactly() {
        let t = [0.0, 0.1, 0.25, 0.3, 0.5, 0.8, 0.9, 1.2];
        let f = |x: f64| 1.0 - 2.0 * x + 3.0 * x * x - 4.0 * x * x * x;
        let y: Vec<f64> = t.iter().map(|&x| f(x)).collect();
        let s = CubicSpline::new(&t, &y).unwrap();
        for k in 0..=130 {
            let x = -0.05 + 0.01 * k as f64;
            assert!((s.value(x) - f(x)).abs() < 1e-9);
            assert!((s.derivative(x) - (-2.0 + 6.0 * x - 12.0 * x * x)).abs() < 1e-9);
            assert!((s.second_derivative(x) - (6.0 - 24.0 * x)).abs() < 1e-9);
        }
    }

    #[test]
    fn signal_spline_differentiates_a_sampled_sine() {
        let t: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
        let y: Vec<f64> = t.iter().map(|&x| (TAU * x + 1.0).sin()).collect();
        let s = CubicSpline::new(&t, &y).unwrap();
        for k in 10..=180 {
            let x = k as f64 / 200.0;
            assert!((s.derivative(x) - TAU * (TAU * x + 1.0).cos()).abs() < 1e-3 * TAU);
            let acc = -TAU * TAU * (TAU * x + 1.0).sin();
            assert!((s.second_derivative(x) - acc).abs() < 1e-3 * TAU * TAU);
        }
        // Not-a-knot: the end accelerations are not pulled to zero (natural would give 0).
        let acc0 = -TAU * TAU * 1f64.sin();
        assert!((s.second_derivative(0.0) - acc0).abs() < 0.01 * TAU * TAU);
    }

    #[test]
    fn signal_spline_rejects_bad_input() {
        let e = |t: &[f64], y: &[f64]| CubicSpline::new(t, y).unwrap_err();
        let y = [0.0; 4];
        assert_eq!(
            e(&[0.0, 1.0, 1.0, 2.0], &y),
            SignalError::NotIncreasing { index: 2 }
        );
        assert_eq!(
            e(&[0.0, 1.0, f64::NAN, 2.0], &y),
            SignalError::NonFinite { index: 2 }
        );
        assert_eq!(
            e(&[0.0, 1.0, 2.0], &y),
            SignalError::LengthMismatch { t: 3, y: 4 }
        );
        assert_eq!(
            e(&[0.0, 1.0, 2.0], &y[..3]),
            SignalError::TooShort { len: 3, min: 4 }
        );
    }
}
