//! Content hashes of the files a sweep runs on (each subject's model and the controller),
//! recorded in its folder as `inputs.json`: the scenario names these files but does not hold
//! them, so without the hashes a file edited between the shards of a sweep, or before a
//! resume, would mix trials of two models or controllers in one `results.csv`.
//!
//! The hash is SHA-256 of the bytes as read, so `sha256sum FILE` checks a recorded value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file in a sweep folder that records the hashes.
pub const INPUTS_FILE: &str = "inputs.json";

/// The hashes of a sweep's input files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputHashes {
    /// The walking controller's parameters.
    pub controller: HashedFile,
    /// Each subject's model, by subject name.
    pub models: BTreeMap<String, HashedFile>,
}

/// One input file and the hash of its contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashedFile {
    /// Where it was read (as the scenario resolved it), or the built-in input's name; for
    /// the reader only, since shards on other machines may read it from other paths.
    pub file: String,
    /// SHA-256 of its bytes, lowercase hexadecimal.
    pub sha256: String,
}

impl HashedFile {
    /// The hash of `bytes`, read from `file`.
    pub fn of(file: &str, bytes: &[u8]) -> Self {
        Self {
            file: file.to_owned(),
            sha256: Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }
}

impl InputHashes {
    /// The first input whose contents differ from `recorded`, described for an error
    /// message: which file, and both hashes (abbreviated).
    pub fn first_change(&self, recorded: &Self) -> Option<String> {
        let short = |h: &HashedFile| h.sha256.chars().take(12).collect::<String>();
        let changed = |what: String, now: &HashedFile, then: &HashedFile| {
            format!(
                "{what} ({}) has SHA-256 {}…, not {}… as recorded",
                now.file,
                short(now),
                short(then)
            )
        };
        if self.controller.sha256 != recorded.controller.sha256 {
            return Some(changed(
                "the controller file".into(),
                &self.controller,
                &recorded.controller,
            ));
        }
        for (subject, now) in &self.models {
            match recorded.models.get(subject) {
                Some(then) if then.sha256 == now.sha256 => {}
                Some(then) => {
                    return Some(changed(
                        format!("the model file of subject `{subject}`"),
                        now,
                        then,
                    ));
                }
                None => return Some(format!("subject `{subject}` has no recorded model hash")),
            }
        }
        recorded
            .models
            .keys()
            .find(|s| !self.models.contains_key(*s))
            .map(|s| format!("subject `{s}` has a recorded model hash but is not in the sweep"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(controller: &str, model: &str) -> InputHashes {
        InputHashes {
            controller: HashedFile::of("c.ron", controller.as_bytes()),
            models: [(
                "adult".to_owned(),
                HashedFile::of("m.ron", model.as_bytes()),
            )]
            .into(),
        }
    }

    #[test]
    fn the_hash_is_sha256_and_a_change_names_the_file() {
        // `printf abc | sha256sum`
        assert_eq!(
            HashedFile::of("f", b"abc").sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = hashes("(gain: 1)", "(segments: [])");
        assert_eq!(a.first_change(&a.clone()), None);
        let e = hashes("(gain: 2)", "(segments: [])")
            .first_change(&a)
            .unwrap();
        assert!(
            e.starts_with("the controller file (c.ron) has SHA-256"),
            "{e}"
        );
        let e = hashes("(gain: 1)", "(segments: [ ])")
            .first_change(&a)
            .unwrap();
        assert!(e.contains("model file of subject `adult` (m.ron)"), "{e}");
    }
}
