//! Coordinate maps: which OpenSim coordinate feeds which retrogait coordinate, with which sign,
//! and where the hip centres sit in the OpenSim pelvis frame. Maps are data (RON files in
//! `assets/opensim/`, each citing the `.osim` file it was read from); two are built in.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::error::InputError;
use super::read_text;

/// The built-in map of the gait2392 family (gait2392, gait2354, gait10dof18musc).
pub const GAIT2392_RON: &str = include_str!("../../assets/opensim/gait2392.ron");
/// The built-in map of the Rajagopal et al. (2016) full-body model.
pub const RAJAGOPAL_RON: &str = include_str!("../../assets/opensim/rajagopal.ron");

/// Names [`CoordinateMap::builtin`] accepts.
pub const BUILTIN_MAPS: [&str; 3] = ["gait2392", "gait10dof18musc", "rajagopal"];

/// One OpenSim coordinate feeding one retrogait coordinate: `model = sign · opensim`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinateEntry {
    /// OpenSim coordinate (column) name, e.g. `knee_angle_r`.
    pub opensim: String,
    /// retrogait coordinate name, e.g. `knee_flexion_r`.
    pub model: String,
    /// +1 or -1.
    pub sign: f64,
}

/// How an OpenSim model's coordinates map onto retrogait's.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinateMap {
    /// Short name of the map.
    pub name: String,
    /// The model file the map was read from (repository and path).
    pub source: String,
    /// Columns of the pelvis rotations, in the order of OpenSim's `ground_pelvis` joint: tilt
    /// (about z), list (about x), rotation (about y), body-fixed, in radians or degrees.
    pub pelvis_angles: [String; 3],
    /// Columns of the pelvis origin in the ground frame \[m\]: x, y, z.
    pub pelvis_translation: [String; 3],
    /// Right hip centre in the OpenSim pelvis frame \[m\] (`location_in_parent` of `hip_r`);
    /// the left one is its mirror image, so the mid-hip point is `(x, y, 0)`.
    pub hip_centre_in_pelvis_m: [f64; 3],
    /// The mapped coordinates.
    pub coordinates: Vec<CoordinateEntry>,
    /// Coordinates of the OpenSim model retrogait has no counterpart of, ignored on purpose.
    #[serde(default)]
    pub ignored: Vec<String>,
}

impl CoordinateMap {
    /// Reads and checks a map from RON text; `origin` names it in errors.
    pub fn from_ron_str(text: &str, origin: &str) -> Result<Self, InputError> {
        let map: Self = ron::from_str(text).map_err(|e| InputError::Map {
            origin: origin.to_string(),
            field: format!("line {}, column {}", e.span.start.line, e.span.start.col),
            reason: e.code.to_string(),
        })?;
        map.validate(origin)?;
        Ok(map)
    }

    /// Reads and checks a map from a RON file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, InputError> {
        let path = path.as_ref();
        let text = read_text(path)?;
        Self::from_ron_str(&text, &path.display().to_string())
    }

    /// A built-in map by name: `gait2392` (alias `gait10dof18musc`, also right for gait2354)
    /// or `rajagopal`.
    pub fn builtin(name: &str) -> Result<Self, InputError> {
        let text = match name {
            "gait2392" | "gait10dof18musc" | "gait2354" => GAIT2392_RON,
            "rajagopal" => RAJAGOPAL_RON,
            _ => {
                return Err(InputError::UnknownMap {
                    name: name.to_string(),
                    known: BUILTIN_MAPS.join(", "),
                });
            }
        };
        Self::from_ron_str(text, &format!("<built-in {name}>"))
    }

    /// The entry whose retrogait coordinate is `model`.
    pub fn entry_for_model(&self, model: &str) -> Option<&CoordinateEntry> {
        self.coordinates.iter().find(|c| c.model == model)
    }

    fn validate(&self, origin: &str) -> Result<(), InputError> {
        let err = |field: String, reason: String| InputError::Map {
            origin: origin.to_string(),
            field,
            reason,
        };
        if !self.hip_centre_in_pelvis_m.iter().all(|v| v.is_finite()) {
            return Err(err(
                "hip_centre_in_pelvis_m".into(),
                "every component must be a finite number".into(),
            ));
        }
        let mut seen = HashSet::new();
        let mut targets = HashSet::new();
        let fixed = self.pelvis_angles.iter().chain(&self.pelvis_translation);
        for name in fixed.chain(self.coordinates.iter().map(|c| &c.opensim)) {
            if name.trim().is_empty() {
                return Err(err("coordinates".into(), "an empty column name".into()));
            }
            if !seen.insert(name.as_str()) {
                return Err(err(
                    format!("`{name}`"),
                    "the OpenSim column is mapped twice".into(),
                ));
            }
        }
        for (i, c) in self.coordinates.iter().enumerate() {
            if c.sign != 1.0 && c.sign != -1.0 {
                return Err(err(
                    format!("coordinates[{i}] (`{}`).sign", c.opensim),
                    format!("must be 1.0 or -1.0, not {}", c.sign),
                ));
            }
            if !targets.insert(c.model.as_str()) {
                return Err(err(
                    format!("coordinates[{i}] (`{}`).model", c.opensim),
                    format!("retrogait coordinate `{}` is fed twice", c.model),
                ));
            }
        }
        if let Some(name) = self.ignored.iter().find(|n| seen.contains(n.as_str())) {
            return Err(err(
                format!("ignored (`{name}`)"),
                "the column is both mapped and ignored".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_maps_load_and_differ_in_the_knee_sign() {
        let g = CoordinateMap::builtin("gait2392").unwrap();
        let alias = CoordinateMap::builtin("gait10dof18musc").unwrap();
        let r = CoordinateMap::builtin("rajagopal").unwrap();
        assert_eq!(g, alias);
        assert_eq!(g.entry_for_model("knee_flexion_r").unwrap().sign, -1.0);
        assert_eq!(r.entry_for_model("knee_flexion_l").unwrap().sign, 1.0);
        assert_eq!(g.hip_centre_in_pelvis_m, [-0.0707, -0.0661, 0.0835]);
        assert!(r.ignored.iter().any(|n| n == "elbow_flex_r"));
    }

    #[test]
    fn unknown_builtin_lists_the_known_names() {
        let e = CoordinateMap::builtin("gait9999").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("gait9999") && msg.contains("rajagopal"),
            "{msg}"
        );
    }

    #[test]
    fn bad_sign_and_unknown_field_are_errors() {
        let bad_sign = GAIT2392_RON.replacen("sign: -1.0", "sign: -2.0", 1);
        let msg = CoordinateMap::from_ron_str(&bad_sign, "test.ron")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("test.ron") && msg.contains("knee_angle_r") && msg.contains("-2"),
            "{msg}"
        );
        let extra = GAIT2392_RON.replacen("name: \"gait2392\",", "name: \"x\", colour: 3,", 1);
        let msg = CoordinateMap::from_ron_str(&extra, "test.ron")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("test.ron") && msg.contains("colour"), "{msg}");
    }

    #[test]
    fn a_column_mapped_twice_is_an_error() {
        let dup = GAIT2392_RON.replacen(
            "opensim: \"hip_rotation_r\"",
            "opensim: \"hip_flexion_r\"",
            1,
        );
        let msg = CoordinateMap::from_ron_str(&dup, "dup.ron")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("hip_flexion_r") && msg.contains("twice"),
            "{msg}"
        );
    }
}
