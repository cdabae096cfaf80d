//! The samples around each stride, one stride at a time: what a per-stride measure (work per
//! stride, [`crate::stride_work`]; gait-cycle curves, [`crate::cycle_curves`]) needs of a
//! recording while it is being recorded, so the measures of a long trial need no more memory
//! than those of a short one.
//!
//! A stride of one leg runs from its foot strike to its next foot strike
//! ([`crate::cycles::strides`]). The functions of [`crate::cycles`] read a signal as the
//! piecewise-linear curve through its samples; run on a buffer instead of the whole recording
//! they give the same floating-point result as long as the buffer holds every sample from the
//! last one at or before the stride's start to the first one after its end: they interpolate
//! the same ends and meet the same knots in the same order. Foot strikes arrive late
//! ([`crate::record::EventDetector`] confirms one [`EventDetector::DEBOUNCE_S`] after the time
//! it reports), so the buffer also keeps [`LOOKBACK_S`] of samples, and a stride is complete
//! once a sample after its end has arrived (or at [`StrideBuffer::finish`]).
//!
//! [`EventDetector::DEBOUNCE_S`]: crate::record::EventDetector::DEBOUNCE_S

use std::collections::VecDeque;

use musculo::{Side, Sides};

use crate::cycles::strides;

/// How late a foot strike may be reported after its time \[s\] and still start a stride: the
/// samples this far back are kept. [`crate::record::EventDetector`] reports strikes
/// `DEBOUNCE_S` (0.01 s) plus at most one physics step late; this leaves a wide margin.
pub const LOOKBACK_S: f64 = 0.1;

/// A completed stride and the buffered samples that cover it.
#[derive(Debug)]
pub struct BufferedStride<'a> {
    /// The leg whose foot strikes bound the stride.
    pub side: Side,
    /// Its foot strike \[s\].
    pub start_s: f64,
    /// Its next foot strike \[s\].
    pub end_s: f64,
    /// Sample times \[s\], non-decreasing, from at or before the start to after (or at) the end.
    pub times: &'a [f64],
    columns: &'a [VecDeque<f64>],
}

impl<'a> BufferedStride<'a> {
    /// The samples of channel `k` (the `k`-th of the channels given to [`StrideBuffer::new`]),
    /// aligned with [`BufferedStride::times`].
    pub fn column(&self, k: usize) -> &'a [f64] {
        // Made contiguous before a stride is handed out.
        self.columns[k].as_slices().0
    }
}

/// Buffers the samples of some channels of a recording fed in time order, with its foot
/// strikes, and hands out each stride with the samples that cover it as the stride completes
/// (the module docs say why that is exact).
///
/// Memory: the samples since the start of the earliest stride under way (about one stride),
/// and at least [`LOOKBACK_S`].
#[derive(Debug, Clone)]
pub struct StrideBuffer {
    /// Index into the frame values of each buffered channel.
    channels: Vec<usize>,
    /// Sample times \[s\], non-decreasing.
    times: VecDeque<f64>,
    /// Sampled values of each channel, aligned with `times`.
    columns: Vec<VecDeque<f64>>,
    /// Whether samples have been dropped from the front of the buffer.
    trimmed: bool,
    /// Each leg's last foot strike, and whether the buffer reaches back to it.
    last_strike: Sides<Option<(f64, bool)>>,
    /// Strides whose end has been reported, waiting for a sample after their end.
    pending: Vec<(Side, f64, f64)>,
}

impl StrideBuffer {
    /// A buffer of `channels`: indices into the values given to [`StrideBuffer::push_frame`].
    pub fn new(channels: Vec<usize>) -> Self {
        Self {
            columns: vec![VecDeque::new(); channels.len()],
            channels,
            times: VecDeque::new(),
            trimmed: false,
            last_strike: Sides::default(),
            pending: Vec::new(),
        }
    }

    /// Samples held now (for tests of the memory bound).
    pub fn buffered(&self) -> usize {
        self.times.len()
    }

    /// Feeds one frame: its time \[s\] and the values of every channel; `done` gets each stride
    /// this completes. A frame that is not finite in time or earlier than the last one is
    /// ignored.
    ///
    /// # Panics
    /// If `values` is shorter than a channel index given to [`StrideBuffer::new`].
    pub fn push_frame(
        &mut self,
        time_s: f64,
        values: &[f64],
        done: impl FnMut(BufferedStride<'_>),
    ) {
        if !time_s.is_finite() || self.times.back().is_some_and(|&last| time_s < last) {
            return;
        }
        self.times.push_back(time_s);
        for (column, &ch) in self.columns.iter_mut().zip(&self.channels) {
            column.push_back(values[ch]);
        }
        self.complete(false, done);
        self.trim();
    }

    /// Feeds a foot strike of `side` dated `time_s` (it may be reported up to [`LOOKBACK_S`]
    /// late); `done` gets each stride this completes. It ends the leg's stride under way, if
    /// any, and starts the next. A strike older than the samples kept, with no stride of its
    /// leg under way, starts none.
    pub fn foot_strike(&mut self, side: Side, time_s: f64, done: impl FnMut(BufferedStride<'_>)) {
        if let Some((start, true)) = self.last_strike[side]
            && let Some(&(a, b)) = strides(&[start, time_s]).first()
        {
            self.pending.push((side, a, b));
        }
        let covered = !self.trimmed || self.times.front().is_some_and(|&t| t <= time_s);
        self.last_strike[side] = Some((time_s, covered));
        self.complete(false, done);
    }

    /// Completes the strides that end at or before the last sample; for the end of a
    /// recording. A stride that ends after the last sample never completes.
    pub fn finish(&mut self, done: impl FnMut(BufferedStride<'_>)) {
        self.complete(true, done);
    }

    /// Hands out the pending strides that have a sample after their end (or, at the end of
    /// the recording, at their end), in the order their ends were reported.
    fn complete(&mut self, at_end: bool, mut done: impl FnMut(BufferedStride<'_>)) {
        let Some(&last) = self.times.back() else {
            return;
        };
        let due = |end: f64| end < last || (at_end && end <= last);
        if !self.pending.iter().any(|&(_, _, end)| due(end)) {
            return;
        }
        self.times.make_contiguous();
        for column in &mut self.columns {
            column.make_contiguous();
        }
        let times = self.times.as_slices().0;
        let mut waiting = Vec::new();
        for (side, start, end) in std::mem::take(&mut self.pending) {
            if !due(end) {
                waiting.push((side, start, end));
                continue;
            }
            done(BufferedStride {
                side,
                start_s: start,
                end_s: end,
                times,
                columns: &self.columns,
            });
        }
        self.pending = waiting;
    }

    /// Drops the samples no stride can need: keeps the last sample at or before the earliest
    /// start of a stride under way or pending, and before the newest minus [`LOOKBACK_S`].
    fn trim(&mut self) {
        let Some(&newest) = self.times.back() else {
            return;
        };
        let open = self
            .last_strike
            .iter()
            .flatten()
            .filter(|&&(_, covered)| covered)
            .map(|&(t, _)| t);
        let pending = self.pending.iter().map(|&(_, start, _)| start);
        let needed = open
            .chain(pending)
            .filter(|t| t.is_finite())
            .fold(newest - LOOKBACK_S, f64::min);
        while self.times.len() >= 2 && self.times[1] <= needed {
            self.times.pop_front();
            for column in &mut self.columns {
                column.pop_front();
            }
            self.trimmed = true;
        }
    }
}
