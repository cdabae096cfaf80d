//! Reading OpenSim inputs for `retrogait analyze`: inverse-kinematics coordinates (`.mot`/`.sto`),
//! ground reactions (`.mot`) and their ExternalLoads description (`.xml`), turned into the
//! plain data of [`gait::measured`] in retrogait's conventions.
//!
//! - [`map`]: which OpenSim coordinate feeds which model coordinate (RON data, built in for
//!   gait2392/gait10dof18musc and Rajagopal 2016);
//! - [`motion`]: [`load_motion`], coordinates → [`MeasuredMotion`](gait::measured::MeasuredMotion);
//! - [`loads`]: [`load_external_loads`] and [`load_grf`], ground reactions →
//!   [`MeasuredLoads`](gait::measured::MeasuredLoads), and [`check_overlap`] of the two.
//!
//! Every failure is an [`InputError`] naming the file, the column and the reason; nothing a
//! user supplies can panic.

pub mod error;
pub mod loads;
pub mod map;
pub mod motion;

use std::path::Path;

pub use error::InputError;
pub use loads::{
    CONTACT_THRESHOLD_N, ColumnPrefixes, ExternalLoadsSpec, GrfRecording, check_overlap,
    load_external_loads, load_grf,
};
pub use map::{BUILTIN_MAPS, CoordinateEntry, CoordinateMap};
pub use motion::{IgnoredColumn, LoadedMotion, load_motion};

use crate::sto::{Storage, parse_sto};

/// Largest input file accepted \[bytes\]: 64 MiB, far above a long motion-capture session
/// (the 2.5 s, 600 Hz subject01 ground reactions are 0.3 MB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Fewest data rows accepted: a central difference needs three samples.
pub const MIN_ROWS: usize = 3;

/// Reads a text file with the reader all input files share (regular files of at most
/// [`MAX_FILE_BYTES`]).
pub(crate) fn read_text(path: &Path) -> Result<String, InputError> {
    musculo::input_file::read_text(path, MAX_FILE_BYTES).map_err(|cause| InputError::Read {
        file: path.to_path_buf(),
        cause,
    })
}

/// Reads and parses a storage file.
pub(crate) fn read_storage(path: &Path) -> Result<Storage, InputError> {
    let text = read_text(path)?;
    parse_sto(&text).map_err(|source| InputError::Storage {
        file: path.to_path_buf(),
        source,
    })
}

/// The `time` column, checked: at least [`MIN_ROWS`] rows, finite, strictly increasing.
pub(crate) fn checked_time(path: &Path, st: &Storage) -> Result<Vec<f64>, InputError> {
    require_columns(path, st, &["time".to_string()])?;
    let time = checked_column(path, st, "time")?;
    if time.len() < MIN_ROWS {
        return Err(InputError::TooFewRows {
            file: path.to_path_buf(),
            rows: time.len(),
            min: MIN_ROWS,
        });
    }
    for (i, w) in time.windows(2).enumerate() {
        if w[1] <= w[0] {
            return Err(InputError::Time {
                file: path.to_path_buf(),
                row: i + 2,
                time: w[1],
                previous: w[0],
                reason: if w[1] == w[0] { "equal to" } else { "before" },
            });
        }
    }
    Ok(time)
}

/// A column's values, every one finite (the caller has checked that the column exists).
pub(crate) fn checked_column(
    path: &Path,
    st: &Storage,
    label: &str,
) -> Result<Vec<f64>, InputError> {
    let i = st
        .column_index(label)
        .ok_or_else(|| missing(path, st, &[label]))?;
    let t = st.column_index("time");
    st.rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let v = row[i];
            if v.is_finite() {
                Ok(v)
            } else {
                Err(InputError::NonFinite {
                    file: path.to_path_buf(),
                    column: label.to_string(),
                    row: r + 1,
                    time: t.map_or(f64::NAN, |t| row[t]),
                    value: v,
                })
            }
        })
        .collect()
}

/// Errors naming every label of `required` the file lacks.
pub(crate) fn require_columns(
    path: &Path,
    st: &Storage,
    required: &[String],
) -> Result<(), InputError> {
    let absent: Vec<&str> = required
        .iter()
        .map(String::as_str)
        .filter(|l| st.column_index(l).is_none())
        .collect();
    if absent.is_empty() {
        Ok(())
    } else {
        Err(missing(path, st, &absent))
    }
}

/// How many labels a "missing column" message lists before `... and N more`.
const LABELS_SHOWN: usize = 24;

/// The error for absent columns: lists the file's labels (capped) and suggests close names.
pub(crate) fn missing(path: &Path, st: &Storage, absent: &[&str]) -> InputError {
    let quote = |s: &str| format!("`{s}`");
    let mut found: Vec<String> = st
        .labels
        .iter()
        .take(LABELS_SHOWN)
        .map(|l| quote(l))
        .collect();
    if st.labels.len() > LABELS_SHOWN {
        found.push(format!("... and {} more", st.labels.len() - LABELS_SHOWN));
    }
    let hints: Vec<String> = absent
        .iter()
        .filter_map(|a| {
            st.labels
                .iter()
                .map(|l| (edit_distance(&a.to_lowercase(), &l.to_lowercase()), l))
                .filter(|(d, _)| *d <= 2)
                .min_by_key(|(d, _)| *d)
                .map(|(_, l)| format!("`{l}` for `{a}`"))
        })
        .collect();
    InputError::MissingColumns {
        file: path.to_path_buf(),
        missing: absent
            .iter()
            .map(|a| quote(a))
            .collect::<Vec<_>>()
            .join(", "),
        suggestion: if hints.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", hints.join(", "))
        },
        found: if found.is_empty() {
            "no columns".to_string()
        } else {
            found.join(", ")
        },
    }
}

/// Levenshtein distance (insertions, deletions, substitutions) between two strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
pub(crate) mod test_util {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Writes `text` to a fresh file in the system's temporary folder and returns its path.
    pub fn temp_file(name: &str, text: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "retrogait-opensim-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The repository's OpenSim test data.
    pub fn data(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/opensim")
            .join(name)
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::temp_file;
    use super::*;
    use musculo::ReadError;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("knee_angle_r", "knee_angle_r"), 0);
        assert_eq!(edit_distance("knee_angle_r", "knee_angl_r"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = temp_file("x.mot", "").parent().unwrap().to_path_buf();
        let e = read_text(&dir).unwrap_err();
        assert!(
            matches!(
                e,
                InputError::Read {
                    cause: ReadError::NotRegular { .. },
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains(&dir.display().to_string()), "{e}");
    }

    #[test]
    fn a_missing_file_names_the_file() {
        let p = Path::new("/nonexistent/retrogait/walk.mot");
        let e = read_text(p).unwrap_err();
        assert!(
            matches!(
                e,
                InputError::Read {
                    cause: ReadError::Io { .. },
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("walk.mot"), "{e}");
    }

    #[test]
    fn an_oversized_file_is_refused_before_reading() {
        let p = temp_file("big.mot", "");
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let e = read_text(&p).unwrap_err();
        assert!(
            matches!(
                e,
                InputError::Read {
                    cause: ReadError::TooLarge { .. },
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("big.mot") && e.to_string().contains("67108865"),
            "{e}"
        );
        std::fs::remove_file(&p).unwrap();
    }
}
