//! Numbers in the walking controller's parameters named by dotted paths, as a search names
//! what it varies: `step_time_at_1mps_s`, `backward.trunk_lean_rad`, `gains.hip.kp`.
//!
//! A path follows the field names of [`WalkingParams`] as its RON file spells them; an
//! optional field (`forward.step_time_at_1mps_s: Some(0.52)`) is looked through, but only
//! when it is set: a search cannot invent a value the start file leaves to its default law
//! (an unset field is not written in the RON form, so it reads as absent).
//! The parameters go through their RON form (`ron::Value`), so every field the file format
//! has is reachable without a table to keep in step with the struct, and a changed set of
//! parameters is checked by [`WalkingParams::validate`] like a loaded file.

use gait::controller::walking::WalkingParams;
use ron::Value;

/// Why a path names no number of the parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A part of the path is not a field there, or an optional field left unset (an unset
    /// field is not written in the parameters' RON form).
    #[error(
        "`{path}` is not a number of the start controller: no `{part}` there (not a field of \
         the walking controller's parameters, or an optional one the controller leaves unset: \
         set it there to search it)"
    )]
    Unknown {
        /// The whole path.
        path: String,
        /// The first part that does not exist.
        part: String,
    },
    /// The path ends at a group of fields, a list or a flag, not at a number.
    #[error("`{path}` is not a number (it is {what}); name one of its numeric fields")]
    NotANumber {
        /// The whole path.
        path: String,
        /// What is there.
        what: &'static str,
    },
}

/// The number at `path` of `params`.
pub fn get(params: &WalkingParams, path: &str) -> Result<f64, PathError> {
    let value = to_value(params);
    let mut cur = &value;
    for part in path.split('.') {
        cur = child(cur, path, part)?;
    }
    number(cur, path)
}

/// `params` with each `(path, value)` set, checked as a loaded file is checked
/// ([`WalkingParams::validate`]); the error names the path or the failed check.
pub fn set(params: &WalkingParams, values: &[(&str, f64)]) -> Result<WalkingParams, String> {
    let mut value = to_value(params);
    for &(path, x) in values {
        let mut cur = &mut value;
        for part in path.split('.') {
            cur = child_mut(cur, path, part).map_err(|e| e.to_string())?;
        }
        number(cur, path).map_err(|e| e.to_string())?;
        *cur = Value::Number(ron::value::Number::F64(x.into()));
    }
    let out: WalkingParams = value
        .into_rust()
        .map_err(|e| format!("the changed parameters do not form a controller: {e}"))?;
    out.validate()?;
    Ok(out)
}

/// The parameters as a RON value tree.
fn to_value(params: &WalkingParams) -> Value {
    let text = ron::to_string(params).expect("walking parameters serialise to RON");
    ron::from_str(&text).expect("RON written by ron parses as a value")
}

/// The field `part` of the map `cur`, looking through `Some(…)`.
fn child<'a>(cur: &'a Value, path: &str, part: &str) -> Result<&'a Value, PathError> {
    let unknown = || PathError::Unknown {
        path: path.to_owned(),
        part: part.to_owned(),
    };
    let Value::Map(m) = cur else {
        return Err(unknown());
    };
    match m.get(&Value::String(part.to_owned())).ok_or_else(unknown)? {
        Value::Option(Some(inner)) => Ok(inner),
        Value::Option(None) => Err(unknown()),
        v => Ok(v),
    }
}

/// Mutable [`child`].
fn child_mut<'a>(cur: &'a mut Value, path: &str, part: &str) -> Result<&'a mut Value, PathError> {
    let unknown = || PathError::Unknown {
        path: path.to_owned(),
        part: part.to_owned(),
    };
    let Value::Map(m) = cur else {
        return Err(unknown());
    };
    match m
        .get_mut(&Value::String(part.to_owned()))
        .ok_or_else(unknown)?
    {
        Value::Option(Some(inner)) => Ok(inner),
        Value::Option(None) => Err(unknown()),
        v => Ok(v),
    }
}

/// The number `v`, or what it is instead.
fn number(v: &Value, path: &str) -> Result<f64, PathError> {
    let what = match v {
        Value::Number(n) => return Ok(n.into_f64()),
        Value::Map(_) => "a group of fields",
        Value::Seq(_) => "a list",
        Value::Bool(_) => "a flag",
        _ => "not a number",
    };
    Err(PathError::NotANumber {
        path: path.to_owned(),
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_reads_top_level_nested_and_optional_fields() {
        let p = WalkingParams::default();
        assert_eq!(get(&p, "step_time_at_1mps_s"), Ok(p.step_time_at_1mps_s));
        assert_eq!(get(&p, "gains.hip.kp"), Ok(p.gains.hip.kp));
        assert_eq!(
            get(&p, "backward.trunk_lean_rad"),
            Ok(p.backward.trunk_lean_rad)
        );
        let set_optional = p
            .forward
            .step_time_at_1mps_s
            .expect("the default file sets it");
        assert_eq!(get(&p, "forward.step_time_at_1mps_s"), Ok(set_optional));
    }

    #[test]
    fn set_changes_only_the_named_fields_and_round_trips() {
        let p = WalkingParams::default();
        let q = set(
            &p,
            &[("gains.knee.kp", 6.5), ("forward.step_time_at_1mps_s", 0.5)],
        )
        .unwrap();
        assert_eq!(q.gains.knee.kp, 6.5);
        assert_eq!(q.forward.step_time_at_1mps_s, Some(0.5));
        let mut expected = p.clone();
        expected.gains.knee.kp = 6.5;
        expected.forward.step_time_at_1mps_s = Some(0.5);
        assert_eq!(q, expected);
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        let p = WalkingParams::default();
        let e = get(&p, "gains.hipp.kp").unwrap_err();
        assert!(
            matches!(&e, PathError::Unknown { part, .. } if part == "hipp"),
            "{e}"
        );
        let e = get(&p, "gains.hip").unwrap_err();
        assert!(e.to_string().contains("a group of fields"), "{e}");
        let e = get(&p, "step_time_at_1mps_s.x").unwrap_err();
        assert!(matches!(e, PathError::Unknown { .. }), "{e}");
        assert!(
            set(&p, &[("nonsense", 1.0)])
                .unwrap_err()
                .contains("`nonsense`")
        );
    }

    #[test]
    fn unset_optional_fields_are_refused() {
        let mut p = WalkingParams::default();
        p.forward.step_time_at_1mps_s = None;
        let e = get(&p, "forward.step_time_at_1mps_s").unwrap_err();
        assert!(e.to_string().contains("unset"), "{e}");
        assert!(set(&p, &[("forward.step_time_at_1mps_s", 0.5)]).is_err());
    }

    #[test]
    fn set_checks_the_result_as_a_loaded_file() {
        let p = WalkingParams::default();
        let e = set(&p, &[("step_time_at_1mps_s", -1.0)]).unwrap_err();
        assert!(!e.is_empty());
    }
}
