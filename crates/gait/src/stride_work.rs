//! Work per stride, one stride at a time: the incremental form of the per-stride work that
//! `summary.json` reports, so that a caller watching a trial run (the visualizer's work bars)
//! and [`crate::measures::muscle_measures`] compute the same numbers with the same code.
//!
//! The definition is the one in [`crate::measures`]: a stride of one leg runs from its foot
//! strike to its next foot strike ([`crate::cycles::strides`]); the power of each channel (a
//! muscle's fibre power, a joint's power) is integrated over the stride with
//! [`integrate_split`] (trapezoids on the piecewise-linear curve, split at zero crossings into
//! positive and negative work), and the channels of a quantity (the muscles of one group on
//! that leg) are summed after splitting, so that one muscle's lengthening does not cancel
//! another's shortening.
//!
//! Here the integral runs over the samples of a [`StrideBuffer`] instead of the whole trial,
//! with the same floating-point result ([`crate::stride_buffer`] says why).

use std::collections::{BTreeMap, VecDeque};

use musculo::{Model, MuscleGroup, Side, Sides};

use crate::cycles::integrate_split;
pub use crate::stride_buffer::LOOKBACK_S;
use crate::stride_buffer::{BufferedStride, StrideBuffer};

/// Positive and negative work of one quantity over one stride (as [`integrate_split`] splits
/// it): \[J\] for power in W, [J/kg] for power in W/kg.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SplitWork {
    /// Positive work (concentric fibre work, joint power generation), ≥ 0.
    pub positive: f64,
    /// Negative work (eccentric fibre work, joint power absorption), ≤ 0.
    pub negative: f64,
}

/// One completed stride of one leg and the work of every quantity over it.
#[derive(Debug, Clone, PartialEq)]
pub struct LegStride {
    /// The leg whose foot strikes bound the stride.
    pub side: Side,
    /// Its foot strike \[s\].
    pub start_s: f64,
    /// Its next foot strike \[s\].
    pub end_s: f64,
    /// Work of each quantity on this leg, in the order given to [`StrideWork::new`].
    pub work: Vec<SplitWork>,
}

/// Accumulates frames and foot strikes in time order and yields each completed stride's work
/// (the module docs give the definition and why it is the batch one exactly).
///
/// Memory: the samples since the start of the earliest stride under way (about one stride),
/// and at least [`LOOKBACK_S`].
#[derive(Debug, Clone)]
pub struct StrideWork {
    /// Per quantity and leg: the buffer's columns summed.
    quantities: Vec<Sides<Vec<usize>>>,
    /// The samples of every channel the quantities use.
    buffer: StrideBuffer,
    /// Strides integrated and not yet taken.
    completed: VecDeque<LegStride>,
}

impl StrideWork {
    /// An accumulator of `quantities`: for each quantity, the channels (indices into the
    /// values given to [`StrideWork::push_frame`]) summed for the right and for the left leg.
    /// A quantity with no channels on a leg does zero work on that leg's strides.
    pub fn new(quantities: Vec<Sides<Vec<usize>>>) -> Self {
        let mut column_of = BTreeMap::new();
        let quantities: Vec<Sides<Vec<usize>>> = quantities
            .into_iter()
            .map(|legs| {
                legs.map(|channels| {
                    channels
                        .into_iter()
                        .map(|ch| {
                            let next = column_of.len();
                            *column_of.entry(ch).or_insert(next)
                        })
                        .collect()
                })
            })
            .collect();
        let mut channels = vec![0; column_of.len()];
        for (ch, col) in column_of {
            channels[col] = ch;
        }
        Self {
            quantities,
            buffer: StrideBuffer::new(channels),
            completed: VecDeque::new(),
        }
    }

    /// Fibre work of muscle `groups` (quantities in this order): channel `k` is muscle `k`'s
    /// fibre power (`MuscleFrame::fiber_power_w`), each group's muscles of a leg in model order.
    pub fn muscle_groups(model: &Model, groups: &[MuscleGroup]) -> Self {
        Self::new(
            groups
                .iter()
                .map(|&g| {
                    Sides::from_fn(|side| {
                        (0..model.muscles.len())
                            .filter(|&k| {
                                model.muscles[k].group == g && model.muscles[k].side == side
                            })
                            .collect()
                    })
                })
                .collect(),
        )
    }

    /// Feeds one frame: its time \[s\] and the values of every channel. A frame that is not
    /// finite in time or earlier than the last one is ignored.
    ///
    /// # Panics
    /// If `values` is shorter than a channel index given to [`StrideWork::new`].
    pub fn push_frame(&mut self, time_s: f64, values: &[f64]) {
        let (quantities, completed) = (&self.quantities, &mut self.completed);
        self.buffer.push_frame(time_s, values, |s| {
            completed.push_back(integrate(quantities, &s))
        });
    }

    /// Feeds a foot strike of `side` dated `time_s` (it may be reported up to [`LOOKBACK_S`]
    /// late). It ends the leg's stride under way, if any, and starts the next. A strike older
    /// than the samples kept, with no stride of its leg under way, starts none.
    pub fn foot_strike(&mut self, side: Side, time_s: f64) {
        let (quantities, completed) = (&self.quantities, &mut self.completed);
        self.buffer.foot_strike(side, time_s, |s| {
            completed.push_back(integrate(quantities, &s))
        });
    }

    /// Integrates the strides that end at or before the last sample; for the end of a
    /// recording. A stride that ends after the last sample never completes.
    pub fn finish(&mut self) {
        let (quantities, completed) = (&self.quantities, &mut self.completed);
        self.buffer
            .finish(|s| completed.push_back(integrate(quantities, &s)));
    }

    /// The strides completed since the last call, in the order they completed (each leg's in
    /// time order).
    pub fn drain_completed(&mut self) -> impl Iterator<Item = LegStride> + '_ {
        self.completed.drain(..)
    }

    /// Samples held now (for tests of the memory bound).
    pub fn buffered(&self) -> usize {
        self.buffer.buffered()
    }

    /// Runs over a whole recording: frame `i` at `times[i]` with channel values `values(i)`,
    /// and the foot strikes `(side, time)` in the order they were recorded, each fed right
    /// after the frames dated at or before it. Returns every completed stride, as
    /// [`StrideWork::drain_completed`] orders them.
    pub fn over_recording<V: AsRef<[f64]>>(
        mut self,
        times: &[f64],
        mut values: impl FnMut(usize) -> V,
        strikes: &[(Side, f64)],
    ) -> Vec<LegStride> {
        let mut next = strikes.iter().peekable();
        for (i, &t) in times.iter().enumerate() {
            while let Some(&&(side, strike)) = next.peek()
                && (strike < t || strike.is_nan())
            {
                self.foot_strike(side, strike);
                next.next();
            }
            self.push_frame(t, values(i).as_ref());
        }
        for &(side, strike) in next {
            self.foot_strike(side, strike);
        }
        self.finish();
        self.completed.into()
    }
}

/// The work of every quantity over a completed stride: each channel split by
/// [`integrate_split`], summed per quantity over the stride's leg.
fn integrate(quantities: &[Sides<Vec<usize>>], s: &BufferedStride<'_>) -> LegStride {
    let work = quantities
        .iter()
        .map(|legs| {
            let (positive, negative) = legs[s.side].iter().fold((0.0, 0.0), |(p, n), &col| {
                let (dp, dn) = integrate_split(s.times, s.column(col), s.start_s, s.end_s);
                (p + dp, n + dn)
            });
            SplitWork { positive, negative }
        })
        .collect();
    LegStride {
        side: s.side,
        start_s: s.start_s,
        end_s: s.end_s,
        work,
    }
}

/// Mean work per stride of one leg of quantity `quantity` over `strides`, as `summary.json`
/// reports it ([`crate::measures`]): the right leg's strides in the order given, then the left
/// leg's, summed and divided by their number. Zero when there are none.
pub fn mean_work<'a>(
    strides: impl IntoIterator<Item = &'a LegStride>,
    quantity: usize,
) -> SplitWork {
    let strides: Vec<&LegStride> = strides.into_iter().collect();
    let (mut positive, mut negative, mut n) = (0.0, 0.0, 0usize);
    for side in Side::BOTH {
        for s in strides.iter().filter(|s| s.side == side) {
            positive += s.work[quantity].positive;
            negative += s.work[quantity].negative;
            n += 1;
        }
    }
    if n == 0 {
        return SplitWork::default();
    }
    SplitWork {
        positive: positive / n as f64,
        negative: negative / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::strides;
    use crate::record::{EventDetector, EventKind};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Quantities of the tests: two channels summed per leg, one channel on the right only,
    /// and a channel shared with the first quantity.
    fn quantities() -> Vec<Sides<Vec<usize>>> {
        vec![
            Sides::new(vec![0, 1], vec![2, 3]),
            Sides::new(vec![4], vec![]),
            Sides::new(vec![1], vec![3]),
        ]
    }

    /// What `muscle_measures` computed before the accumulator: every stride of `strides` over
    /// the whole recording, each channel split by `integrate_split` and summed per quantity.
    fn batch(times: &[f64], values: &[Vec<f64>], strikes: &[(Side, f64)]) -> Vec<LegStride> {
        let column = |ch: usize| -> Vec<f64> { values.iter().map(|v| v[ch]).collect() };
        let mut out = Vec::new();
        for side in Side::BOTH {
            let own: Vec<f64> = strikes
                .iter()
                .filter(|s| s.0 == side)
                .map(|s| s.1)
                .collect();
            for (a, b) in strides(&own) {
                if b > times[times.len() - 1] {
                    continue;
                }
                let work = quantities()
                    .iter()
                    .map(|legs| {
                        let (positive, negative) =
                            legs[side].iter().fold((0.0, 0.0), |(p, n), &ch| {
                                let (dp, dn) = integrate_split(times, &column(ch), a, b);
                                (p + dp, n + dn)
                            });
                        SplitWork { positive, negative }
                    })
                    .collect();
                out.push(LegStride {
                    side,
                    start_s: a,
                    end_s: b,
                    work,
                });
            }
        }
        out
    }

    fn of_leg(strides: &[LegStride], side: Side) -> Vec<LegStride> {
        strides.iter().filter(|s| s.side == side).cloned().collect()
    }

    #[test]
    fn fed_live_with_late_strikes_it_equals_the_batch_integral_of_every_stride_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        // A 12 s recording: 1 ms physics steps, a frame every 5 ms, feet striking about every
        // 1.1 s (jittered, so strikes fall between frames), with bounces shorter than the
        // debounce; power with many zero crossings.
        let dt = 0.001;
        let mut contact: [Vec<(f64, f64)>; 2] = [vec![], vec![]];
        for (s, c) in contact.iter_mut().enumerate() {
            let mut t = 0.3 + 0.55 * s as f64 + rng.random_range(0.0..0.02);
            while t < 12.5 {
                c.push((t, t + 0.65));
                c.push((t + 0.75, t + 0.753));
                t += rng.random_range(1.05..1.15);
            }
        }
        let phase: Vec<f64> = (0..5).map(|_| rng.random_range(0.0..6.3)).collect();
        let mut detector = EventDetector::default();
        let mut acc = StrideWork::new(quantities());
        let (mut times, mut values, mut strikes, mut live) = (vec![], vec![], vec![], vec![]);
        let mut late = 0;
        let mut most_buffered = 0;
        for k in 1..=12_000 {
            let t = f64::from(k) * dt;
            let touching = Sides(
                contact
                    .each_ref()
                    .map(|c| c.iter().any(|&(a, b)| a <= t && t < b)),
            );
            for e in detector.update(t, touching, Sides::new(true, true)) {
                if e.kind == EventKind::FootStrike {
                    assert!(t - e.time_s >= EventDetector::DEBOUNCE_S - 1e-12);
                    late += usize::from(e.time_s < times.last().copied().unwrap_or(0.0));
                    acc.foot_strike(e.side, e.time_s);
                    strikes.push((e.side, e.time_s));
                }
            }
            if k % 5 == 0 {
                let v: Vec<f64> = (0..5)
                    .map(|ch| 80.0 * (7.0 * t + phase[ch]).sin() + rng.random_range(-20.0..20.0))
                    .collect();
                acc.push_frame(t, &v);
                times.push(t);
                values.push(v);
            }
            live.extend(acc.drain_completed());
            most_buffered = most_buffered.max(acc.buffered());
        }
        acc.finish();
        live.extend(acc.drain_completed());
        assert!(late > 15, "strikes confirmed after their frame: {late}");
        assert!(strikes.iter().any(|s| (s.1 * 200.0).fract().abs() > 1e-6));
        // About one stride (1.15 s at 200 Hz) plus the look-back.
        assert!(most_buffered < 300, "{most_buffered} samples kept");

        let expected = batch(&times, &values, &strikes);
        let replayed =
            StrideWork::new(quantities()).over_recording(&times, |i| &values[i], &strikes);
        for side in Side::BOTH {
            let want = of_leg(&expected, side);
            assert!(want.len() >= 9, "{} strides", want.len());
            assert_eq!(of_leg(&live, side), want);
            assert_eq!(of_leg(&replayed, side), want);
        }
        assert!(
            expected
                .iter()
                .all(|s| s.work[1] == SplitWork::default() || s.side == Side::Right)
        );
        assert!(
            expected
                .iter()
                .all(|s| s.work[0].positive > 0.0 && s.work[0].negative < 0.0)
        );
    }

    #[test]
    fn the_ends_of_a_recording_and_a_strike_older_than_the_samples_kept() {
        let times: Vec<f64> = (0..=300).map(|i| f64::from(i) * 0.01).collect();
        let values: Vec<Vec<f64>> = times
            .iter()
            .map(|t| (0..5).map(|ch| (3.0 * t + ch as f64).sin()).collect())
            .collect();
        // A stride that starts before the first sample and one that ends on the last sample.
        let strikes = [
            (Side::Left, -0.5),
            (Side::Left, 1.234),
            (Side::Right, 2.0),
            (Side::Right, 3.0),
        ];
        let got = StrideWork::new(quantities()).over_recording(&times, |i| &values[i], &strikes);
        let want = batch(&times, &values, &strikes);
        assert_eq!(want.len(), 2);
        for side in Side::BOTH {
            assert_eq!(of_leg(&got, side), of_leg(&want, side));
        }

        // Fed live, a strike reported long after its time, with no stride of its leg under
        // way, starts none; the next one does.
        let mut acc = StrideWork::new(quantities());
        for (t, v) in times.iter().zip(&values).take(201) {
            acc.push_frame(*t, v);
        }
        acc.foot_strike(Side::Right, 0.5);
        acc.foot_strike(Side::Right, 1.95);
        for (t, v) in times.iter().zip(&values).skip(201) {
            acc.push_frame(*t, v);
        }
        acc.foot_strike(Side::Right, 2.9);
        acc.finish();
        let got: Vec<LegStride> = acc.drain_completed().collect();
        let want = batch(&times, &values, &[(Side::Right, 1.95), (Side::Right, 2.9)]);
        assert_eq!(got, want);
    }

    #[test]
    fn the_mean_takes_the_right_legs_strides_then_the_left_legs() {
        let stride = |side, positive| LegStride {
            side,
            start_s: 0.0,
            end_s: 1.0,
            work: vec![SplitWork {
                positive,
                negative: -positive,
            }],
        };
        // Summed in the order given this is 1; right first, 1 is lost against 1e16.
        let strides = [
            stride(Side::Left, 1e16),
            stride(Side::Left, -1e16),
            stride(Side::Right, 1.0),
        ];
        assert_eq!(mean_work(&strides, 0), SplitWork::default());
        let some = [stride(Side::Left, 3.0), stride(Side::Right, 1.0)];
        assert_eq!(
            mean_work(&some, 0),
            SplitWork {
                positive: 2.0,
                negative: -2.0
            }
        );
        assert_eq!(mean_work([], 0), SplitWork::default());
    }
}
