//! Numbers in the frame files exactly as Rust's `{}` prints an `f64` (the shortest decimal that
//! reads back to the same value, never in exponent notation), in a fraction of the time.
//!
//! `{}` finds the shortest digits with Grisu and a Dragon fallback (`core::num::flt2dec`); that
//! was two thirds of the cost of writing `frames.csv`, about 5 % of a trial's instructions
//! (`docs/performance.md`). Ryū (Adams 2018, "Ryū: fast float-to-string conversion", PLDI;
//! the `ryu` crate) finds the same digits, the shortest that round-trip and of those the
//! nearest to the value, several times faster, but lays them out in its own way (`1.0`,
//! `1e-7`); [`push_display`] takes Ryū's plain decimals, drops an integer's `.0`, and leaves
//! the rest to `{}`. The test below compares the two on a million values spread over the whole
//! range.

/// Appends `v` to `out` exactly as `write!(out, "{v}")` would.
pub fn push_display(out: &mut String, v: f64) {
    // NaN, the infinities and from 2⁵³ on (where [`may_be_halfway`] does not apply) `{}`
    // itself; no frame value is that large.
    if !v.is_finite() || v.abs() >= TWO_POW_53 {
        push_with_core(out, v);
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(v);
    // From 10⁻⁵ to 10¹⁶ Ryū writes plain decimals, `{}`'s except for an integer's `.0`; below,
    // exponent notation, which `{}` never uses: those (under 0.1 % of a trial's numbers) go to
    // `{}` itself.
    if !text.contains('e')
        && let Some((whole, fraction)) = text.split_once('.')
    {
        let fraction_digits = if fraction == "0" {
            0
        } else {
            fraction.len() as i32
        };
        if may_be_halfway(v, fraction_digits) {
            push_with_core(out, v);
        } else if fraction_digits == 0 {
            out.push_str(whole);
        } else {
            out.push_str(text);
        }
    } else {
        push_with_core(out, v);
    }
}

/// 2⁵³: from here on every `f64` is an integer whose shortest digits may end in zeros, where
/// [`may_be_halfway`] does not apply.
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// `write!(out, "{v}")`.
fn push_with_core(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    // Writing into a `String` cannot fail.
    let _ = write!(out, "{v}");
}

/// Whether `v` may lie exactly halfway between two shortest candidates with `fraction_digits`
/// digits after the point. There Ryū takes the even one and `{}` the larger: for
/// 2086845729129147.25, `…147.2` and `…147.3`. Halfway means one more decimal than the
/// candidates, ending in 5; a binary fraction with k fractional bits has exactly k fractional
/// decimals, the last a 5, so only k = `fraction_digits` + 1 can be halfway, and those values
/// go to `{}` itself.
fn may_be_halfway(v: f64, fraction_digits: i32) -> bool {
    fractional_bits(v) == fraction_digits + 1
}

/// The number of binary digits after the point of finite `v` (0 for an integer): `v` is an odd
/// integer times 2⁻ᵏ.
fn fractional_bits(v: f64) -> i32 {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    if mantissa == 0 {
        return 0;
    }
    (-(exponent + mantissa.trailing_zeros() as i32)).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn check(v: f64) {
        let mut ours = String::new();
        push_display(&mut ours, v);
        assert_eq!(ours, format!("{v}"), "bits {:#018x}", v.to_bits());
    }

    #[test]
    fn special_values_print_as_display_prints_them() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            10.0,
            100.0,
            1e-7,
            1.5e-5,
            123456.789,
            1e15,
            1e16,
            1.2345e17,
            1e21,
            1e22,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::EPSILON,
            std::f64::consts::PI,
            // 2086845729129147.25: halfway between …147.2 and …147.3.
            f64::from_bits(0x431d_a7e6_898b_0aed),
            1000.25,
            2f64.powi(-25),
            f64::from(1000.123f32),
            f64::from(0.1f32),
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            check(v);
        }
    }

    #[test]
    fn a_million_values_print_as_display_prints_them() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for i in 0..1_000_000 {
            let v = if i % 3 == 0 {
                // Any bit pattern: the whole exponent range, subnormals, NaNs.
                f64::from_bits(rng.random::<u64>())
            } else if i % 3 == 1 {
                // Single-precision values (rapier's), widened as the frames widen them: their
                // exact expansions are short, so halfway cases are common.
                f64::from(f32::from_bits(rng.random::<u32>()))
            } else {
                // Values of the size a trial writes, and their float neighbours.
                let x = rng.random_range(-2000.0..2000.0) * 10f64.powi(rng.random_range(-6..4));
                f64::from_bits(x.to_bits().wrapping_add(rng.random_range(0..3)))
            };
            check(v);
        }
    }
}
