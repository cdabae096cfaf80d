//! Gait-cycle curves of a recording fed one frame at a time: each stride of a leg is
//! normalised to 0-100 % of the cycle ([`normalise`]) as soon as it completes, from the samples
//! a [`StrideBuffer`] keeps, and written to a [`Spool`]; at the end, the mean and sample
//! standard deviation across strides are two passes over the spool. The result is that of
//! [`normalise`] and [`mean_sd`] on the whole recording, bit for bit, with memory that does not
//! grow with the recording's length.
//!
//! [`mean_sd`]: crate::cycles::mean_sd

use std::io;
use std::path::Path;

use musculo::{Side, Sides};

use crate::cycles::normalise;
use crate::measures::{CYCLE_POINTS, CycleCurve};
use crate::spool::Spool;
use crate::stride_buffer::{BufferedStride, StrideBuffer};

/// Accumulates the gait-cycle curves of named variables, each normalised to the strides of
/// one leg.
#[derive(Debug)]
pub struct CycleCurves {
    /// Each curve's variable name and leg, in the order [`CycleCurves::finish`] returns them.
    curves: Vec<(String, Side)>,
    /// Per leg: its curves (indices into `curves`), in the order of a spooled stride.
    of_leg: Sides<Vec<usize>>,
    /// The samples of every curve's variable (channel `k` is curve `k`).
    buffer: StrideBuffer,
    /// Per leg: one record per normalised stride, its curves' [`CYCLE_POINTS`] values each.
    spools: Sides<Spool>,
}

impl CycleCurves {
    /// Curves of `curves` (variable name with its unit, and the leg whose strides it is
    /// normalised to), spooled in `spool_dir` (in memory if `None`).
    pub fn new(curves: Vec<(String, Side)>, spool_dir: Option<&Path>) -> io::Result<Self> {
        let of_leg = Sides::from_fn(|side| {
            (0..curves.len())
                .filter(|&k| curves[k].1 == side)
                .collect::<Vec<_>>()
        });
        let spool = |side: Side| Spool::new(spool_dir, of_leg[side].len() * CYCLE_POINTS);
        Ok(Self {
            spools: Sides::new(spool(Side::Right)?, spool(Side::Left)?),
            buffer: StrideBuffer::new((0..curves.len()).collect()),
            curves,
            of_leg,
        })
    }

    /// Feeds one frame: its time \[s\] and the value of every curve's variable, in the order
    /// given to [`CycleCurves::new`].
    pub fn push_frame(&mut self, time_s: f64, values: &[f64]) -> io::Result<()> {
        let (of_leg, spools) = (&self.of_leg, &mut self.spools);
        let mut written = Ok(());
        self.buffer.push_frame(time_s, values, |s| {
            if written.is_ok() {
                written = spool_stride(of_leg, spools, &s);
            }
        });
        written
    }

    /// Feeds a foot strike (as [`StrideBuffer::foot_strike`]).
    pub fn foot_strike(&mut self, side: Side, time_s: f64) -> io::Result<()> {
        let (of_leg, spools) = (&self.of_leg, &mut self.spools);
        let mut written = Ok(());
        self.buffer.foot_strike(side, time_s, |s| {
            if written.is_ok() {
                written = spool_stride(of_leg, spools, &s);
            }
        });
        written
    }

    /// Samples held now (for tests of the memory bound).
    pub fn buffered(&self) -> usize {
        self.buffer.buffered()
    }

    /// The curves of the leg's normalised strides (mean and sample standard deviation; zero
    /// for a single stride), in the order given to [`CycleCurves::new`]; a curve whose leg has
    /// no stride is left out.
    pub fn finish(mut self) -> io::Result<Vec<CycleCurve>> {
        let (of_leg, spools) = (&self.of_leg, &mut self.spools);
        let mut written = Ok(());
        self.buffer.finish(|s| {
            if written.is_ok() {
                written = spool_stride(of_leg, spools, &s);
            }
        });
        written?;
        let mut out: Vec<Option<CycleCurve>> = vec![None; self.curves.len()];
        for side in Side::BOTH {
            let spool = &mut self.spools[side];
            if spool.is_empty() {
                continue;
            }
            let (mean, sd) = mean_sd_of_records(spool)?;
            for (j, &k) in self.of_leg[side].iter().enumerate() {
                let points = j * CYCLE_POINTS..(j + 1) * CYCLE_POINTS;
                out[k] = Some(CycleCurve {
                    variable: self.curves[k].0.clone(),
                    side: side.tag().to_owned(),
                    strides: spool.len(),
                    mean: mean[points.clone()].to_vec(),
                    sd: sd[points].to_vec(),
                });
            }
        }
        Ok(out.into_iter().flatten().collect())
    }
}

/// Normalises a completed stride's curves of its leg and appends them to the leg's spool; a
/// stride the samples do not cover (it starts before the first sample) is left out, as
/// [`normalise`] leaves it out of every curve: whether it covers a stride depends on the times
/// only.
fn spool_stride(
    of_leg: &Sides<Vec<usize>>,
    spools: &mut Sides<Spool>,
    s: &BufferedStride<'_>,
) -> io::Result<()> {
    let mut record = Vec::with_capacity(of_leg[s.side].len() * CYCLE_POINTS);
    for &k in &of_leg[s.side] {
        match normalise(s.times, s.column(k), s.start_s, s.end_s, CYCLE_POINTS) {
            Some(curve) => record.extend(curve),
            None => return Ok(()),
        }
    }
    spools[s.side].push(&record)
}

/// Pointwise mean and sample standard deviation of the spool's records, computed as
/// [`crate::cycles::mean_sd`] computes them (the same sums in the same order), except that the
/// standard deviation of a single record is zero; two empty vectors for no record.
fn mean_sd_of_records(spool: &mut Spool) -> io::Result<(Vec<f64>, Vec<f64>)> {
    if spool.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let n = spool.len() as f64;
    // -0.0 is the identity of addition: `Iterator::sum` starts from it.
    let mut mean = vec![-0.0; spool.width()];
    spool.replay(|r| mean.iter_mut().zip(r).for_each(|(s, x)| *s += x))?;
    mean.iter_mut().for_each(|s| *s /= n);
    if spool.len() == 1 {
        return Ok((mean, vec![0.0; spool.width()]));
    }
    let mut ss = vec![-0.0; spool.width()];
    spool.replay(|r| {
        for ((s, x), m) in ss.iter_mut().zip(r).zip(&mean) {
            *s += (x - m).powi(2);
        }
    })?;
    let sd = ss.into_iter().map(|s| (s / (n - 1.0)).sqrt()).collect();
    Ok((mean, sd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycles::{mean_sd, strides};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn spooled_curves_are_the_whole_recordings_bit_for_bit_with_a_buffer_of_one_stride() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        // 60 s at 200 Hz; each leg strikes about every 1.1 s (between frames), reported
        // 12 ms late; three variables on the right leg, one on the left.
        let names = [("a", Side::Right), ("b", Side::Left), ("c", Side::Right)];
        let curves: Vec<(String, Side)> = names.iter().map(|&(n, s)| (n.into(), s)).collect();
        let dir = std::env::temp_dir();
        let mut acc = CycleCurves::new(curves.clone(), Some(&dir)).unwrap();
        let mut strikes: Vec<(Side, f64)> = Vec::new();
        for side in Side::BOTH {
            let mut t = 0.2 + 0.5 * f64::from(u8::from(side == Side::Left));
            while t < 60.0 {
                strikes.push((side, t));
                t += rng.random_range(1.0..1.2);
            }
        }
        strikes.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (mut times, mut values) = (Vec::new(), Vec::new());
        let mut next = 0;
        let mut most_buffered = 0;
        for k in 1..=12_000 {
            let t = f64::from(k) * 0.005;
            while next < strikes.len() && strikes[next].1 + 0.012 <= t {
                acc.foot_strike(strikes[next].0, strikes[next].1).unwrap();
                next += 1;
            }
            let v: Vec<f64> = (0..3)
                .map(|ch| (5.0 * t + f64::from(ch)).sin() + rng.random_range(-0.1..0.1))
                .collect();
            acc.push_frame(t, &v).unwrap();
            times.push(t);
            values.push(v);
            most_buffered = most_buffered.max(acc.buffered());
        }
        for &(side, t) in &strikes[next..] {
            acc.foot_strike(side, t).unwrap();
        }
        let got = acc.finish().unwrap();
        assert!(most_buffered < 300, "{most_buffered} samples kept");

        // What `muscle_measures` computed from the whole recording.
        let last = times[times.len() - 1];
        let mut want = Vec::new();
        for (k, (name, side)) in curves.iter().enumerate() {
            let own: Vec<f64> = strikes
                .iter()
                .filter(|s| s.0 == *side)
                .map(|s| s.1)
                .collect();
            let column: Vec<f64> = values.iter().map(|v| v[k]).collect();
            let per_stride: Vec<Vec<f64>> = strides(&own)
                .into_iter()
                .filter(|&(_, e)| e <= last)
                .filter_map(|(a, b)| normalise(&times, &column, a, b, CYCLE_POINTS))
                .collect();
            let (mean, sd) = mean_sd(&per_stride);
            want.push(CycleCurve {
                variable: name.clone(),
                side: side.tag().to_owned(),
                strides: per_stride.len(),
                mean,
                sd,
            });
        }
        assert!(want.iter().all(|c| c.strides > 45), "{want:?}");
        let bits = |c: &[CycleCurve]| -> Vec<Vec<u64>> {
            c.iter()
                .map(|c| c.mean.iter().chain(&c.sd).map(|x| x.to_bits()).collect())
                .collect()
        };
        assert_eq!(bits(&got), bits(&want));
        assert_eq!(got, want);
    }
}
