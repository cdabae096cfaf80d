//! Reading back the summary's numbers that `serde_json` wrote as `null`.
//!
//! JSON has no NaN or infinity, so `serde_json` writes a non-finite `f64` as `null`. A summary
//! field that can be non-finite (a work integral over a NaN power, the real-time factor of a
//! trial that took no measurable wall time) must still read back, or one such number would
//! make a whole `summary.json` unreadable; these read `null` as NaN ("not a number"), which
//! the readers already treat as a missing value.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// A number, `null` read as NaN (for `#[serde(deserialize_with)]`).
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A map of numbers, `null` values read as NaN (for `#[serde(deserialize_with)]`).
pub(crate) fn map<'de, D, K>(d: D) -> Result<BTreeMap<K, f64>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
{
    let values = BTreeMap::<K, Option<f64>>::deserialize(d)?;
    Ok(values
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or(f64::NAN)))
        .collect())
}
