//! Values of one axis of a sweep (speeds, inclines, seeds): a list or an inclusive range, with
//! the parsing that accepts either form and says which it expected.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// Most values one speed, incline or seed range may expand to (guards against a step typo).
pub const MAX_AXIS_VALUES: usize = 1000;

/// Values of one axis of the sweep: a list `[0.6, 0.8]` or an inclusive range
/// `(start: 0.6, stop: 1.4, step: 0.2)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Values<T> {
    /// Explicit values, in the order given.
    List(Vec<T>),
    /// `start, start + step, ...` up to and including `stop`.
    Range {
        /// First value.
        start: T,
        /// Last value (included when the steps land on it).
        stop: T,
        /// Increment (> 0).
        step: T,
    },
}

/// A number type an axis can hold: speeds and inclines are reals, seeds are integers.
pub trait AxisValue: Copy + PartialEq + fmt::Display + Sized {
    /// What the parser expects, for error messages.
    const EXPECTED: &'static str;
    /// From an integer literal.
    fn from_i64(v: i64) -> Option<Self>;
    /// From a float literal.
    fn from_f64(v: f64) -> Option<Self>;
    /// Expands an inclusive range, or says why it cannot.
    fn expand(start: Self, stop: Self, step: Self) -> Result<Vec<Self>, String>;
}

impl AxisValue for f64 {
    const EXPECTED: &'static str = "a list of numbers such as [0.6, 0.8] or a range such as (start: 0.6, stop: 1.4, step: 0.2)";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(positive_zero(v))
    }
    fn expand(start: f64, stop: f64, step: f64) -> Result<Vec<f64>, String> {
        if !(start.is_finite() && stop.is_finite()) {
            return Err(format!("range bounds {start}..={stop} are not finite"));
        }
        if !(step.is_finite() && step > 0.0) {
            return Err(format!("range step {step} is not a positive number"));
        }
        if stop < start {
            return Err(format!("range stop {stop} is below its start {start}"));
        }
        // A step may miss `stop` by rounding (0.6 + 4 × 0.2); a billionth of a step is noise.
        let steps = ((stop - start) / step + 1e-9).floor();
        if steps + 1.0 > MAX_AXIS_VALUES as f64 {
            return Err(format!(
                "range expands to more than {MAX_AXIS_VALUES} values; is the step {step} right?"
            ));
        }
        // Rounded to 1e-9 so that 0.6 + 3 × 0.2 is 1.2 and not 1.2000000000000002.
        Ok((0..=steps as usize)
            .map(|k| positive_zero(((start + k as f64 * step) * 1e9).round() / 1e9))
            .collect())
    }
}

/// −0 as +0, so that a zero incline is always `+0.0pct` in folder names.
fn positive_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

impl AxisValue for u64 {
    const EXPECTED: &'static str = "a list of non-negative integers such as [1, 2] or a range such as (start: 1, stop: 10, step: 1)";
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn expand(start: u64, stop: u64, step: u64) -> Result<Vec<u64>, String> {
        if step == 0 {
            return Err("range step 0 is not a positive integer".into());
        }
        if stop < start {
            return Err(format!("range stop {stop} is below its start {start}"));
        }
        if (stop - start) / step >= MAX_AXIS_VALUES as u64 {
            return Err(format!(
                "range expands to more than {MAX_AXIS_VALUES} values; is the step {step} right?"
            ));
        }
        Ok((start..=stop).step_by(step as usize).collect())
    }
}

impl<T: AxisValue> Values<T> {
    /// The values in sweep order; `field` names the axis in errors.
    pub(crate) fn expand(&self, field: &str) -> Result<Vec<T>, (String, String)> {
        let values = match self {
            Values::List(v) => v.clone(),
            Values::Range { start, stop, step } => {
                T::expand(*start, *stop, *step).map_err(|r| (field.to_owned(), r))?
            }
        };
        if values.is_empty() {
            return Err((field.to_owned(), "the list is empty".into()));
        }
        if let Values::List(v) = self
            && v.len() > MAX_AXIS_VALUES
        {
            return Err((
                field.to_owned(),
                format!("more than {MAX_AXIS_VALUES} values"),
            ));
        }
        Ok(values)
    }
}

/// One number of an axis, accepting integer literals for reals (`inclines_pct: [-5, 0, 5]`).
struct Number<T>(T);

impl<'de, T: AxisValue> Deserialize<'de> for Number<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: AxisValue> Visitor<'_> for V<T> {
            type Value = Number<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTED)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::from_i64(v)
                    .map(Number)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                match i64::try_from(v) {
                    Ok(i) => self.visit_i64(i),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::from_f64(v)
                    .map(Number)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Written as it is read: a list, or a range with its three fields (a search records the
/// search file it ran in this form).
impl<T: AxisValue + Serialize> Serialize for Values<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Values::List(v) => v.serialize(s),
            Values::Range { start, stop, step } => {
                let mut r = s.serialize_struct("Range", 3)?;
                r.serialize_field("start", start)?;
                r.serialize_field("stop", stop)?;
                r.serialize_field("step", step)?;
                r.end()
            }
        }
    }
}

impl<'de, T: AxisValue> Deserialize<'de> for Values<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: AxisValue> Visitor<'de> for V<T> {
            type Value = Values<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTED)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(Number(x)) = seq.next_element::<Number<T>>()? {
                    v.push(x);
                }
                Ok(Values::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                const FIELDS: &[&str] = &["start", "stop", "step"];
                let mut got: [Option<T>; 3] = [None; 3];
                while let Some(key) = map.next_key::<String>()? {
                    let Some(k) = FIELDS.iter().position(|f| *f == key) else {
                        return Err(de::Error::custom(format!(
                            "unknown field `{key}` in a range; expected `start`, `stop` and `step`"
                        )));
                    };
                    if got[k].is_some() {
                        return Err(de::Error::duplicate_field(FIELDS[k]));
                    }
                    got[k] = Some(map.next_value::<Number<T>>()?.0);
                }
                match got {
                    [Some(start), Some(stop), Some(step)] => {
                        Ok(Values::Range { start, stop, step })
                    }
                    _ => {
                        let k = got.iter().position(Option::is_none).unwrap_or(0);
                        Err(de::Error::missing_field(FIELDS[k]))
                    }
                }
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}
