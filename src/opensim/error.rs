//! Why an OpenSim input could not be read: one error type whose every variant names the file,
//! the column (or XML element) and the reason, so the command line can print it as one sentence.

use std::path::PathBuf;

use thiserror::Error;

use crate::sto::StoError;

/// Why an OpenSim coordinates file, ground-reaction file, ExternalLoads XML or coordinate map
/// could not be used.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InputError {
    /// The file could not be read: missing, not a regular file, larger than
    /// [`super::MAX_FILE_BYTES`], not UTF-8 text.
    #[error("{file}: cannot read the file: {cause}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        cause: musculo::ReadError,
    },
    /// The storage text is malformed (the reader's error names the line).
    #[error("{file}: {source}")]
    Storage {
        /// The file.
        file: PathBuf,
        /// The reader's error.
        source: StoError,
    },
    /// The ExternalLoads XML is malformed or lacks an element.
    #[error("{file}: {element}: {reason}")]
    Xml {
        /// The file.
        file: PathBuf,
        /// Where in the document (element path or `ExternalForce` name).
        element: String,
        /// What is wrong.
        reason: String,
    },
    /// A coordinate map is malformed.
    #[error("coordinate map {origin}: {field}: {reason}")]
    Map {
        /// The map's file or built-in name.
        origin: String,
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// No built-in coordinate map has this name.
    #[error("no built-in coordinate map `{name}` (known: {known})")]
    UnknownMap {
        /// The name asked for.
        name: String,
        /// The built-in names.
        known: String,
    },
    /// Required columns are absent.
    #[error("{file}: missing column(s) {missing}{suggestion}; the file has: {found}")]
    MissingColumns {
        /// The file.
        file: PathBuf,
        /// The missing labels, back-quoted and comma-separated.
        missing: String,
        /// ` (did you mean ...?)` when a label is close to a missing one, else empty.
        suggestion: String,
        /// The labels found (capped).
        found: String,
    },
    /// Some but not all of a vector's x/y/z columns are present.
    #[error(
        "{file}: column(s) {present} present but {missing} missing: a vector needs all of x, y and z"
    )]
    PartialVector {
        /// The file.
        file: PathBuf,
        /// The labels present.
        present: String,
        /// The labels missing.
        missing: String,
    },
    /// A value is NaN or infinite.
    #[error(
        "{file}: column `{column}`, data row {row} (time {time} s): value {value} is not finite"
    )]
    NonFinite {
        /// The file.
        file: PathBuf,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The row's time (may itself be the non-finite value).
        time: f64,
        /// The value.
        value: f64,
    },
    /// Time does not strictly increase.
    #[error(
        "{file}: column `time`, data row {row}: time {time} s is {reason} the previous row's {previous} s; times must strictly increase"
    )]
    Time {
        /// The file.
        file: PathBuf,
        /// 1-based data row.
        row: usize,
        /// Its time.
        time: f64,
        /// The previous row's time.
        previous: f64,
        /// `"equal to"` or `"before"`.
        reason: &'static str,
    },
    /// Too few rows to differentiate.
    #[error("{file}: column `time`: {rows} data row(s); at least {min} are needed")]
    TooFewRows {
        /// The file.
        file: PathBuf,
        /// Rows found.
        rows: usize,
        /// Rows needed.
        min: usize,
    },
    /// A coordinates file does not say whether its angles are degrees.
    #[error(
        "{file}: header `inDegrees` missing, so the unit of the angle columns (e.g. `{column}`) is unknown; add the line `inDegrees=yes` (degrees) or `inDegrees=no` (radians) before `endheader`"
    )]
    MissingInDegrees {
        /// The file.
        file: PathBuf,
        /// An angle column, for the message.
        column: String,
    },
    /// `inDegrees=no` but an angle exceeds 2π.
    #[error(
        "{file}: column `{column}`: value {value} exceeds 2π although the header says inDegrees=no; the values look like degrees (set `inDegrees=yes`)"
    )]
    LooksLikeDegrees {
        /// The file.
        file: PathBuf,
        /// The column.
        column: String,
        /// The offending value.
        value: f64,
    },
    /// `inDegrees=yes` but every angle moves less than a few degrees over a long recording.
    #[error(
        "{file}: column `{column}` moves only {peak_to_peak} \"degrees\" peak to peak (the most of any angle column) over {duration_s} s although the header says inDegrees=yes; the values look like radians (set `inDegrees=no`)"
    )]
    LooksLikeRadians {
        /// The file.
        file: PathBuf,
        /// The angle column with the largest peak-to-peak value.
        column: String,
        /// Its peak-to-peak value (file units).
        peak_to_peak: f64,
        /// Length of the recording \[s\].
        duration_s: f64,
    },
    /// The ground reactions do not span the motion.
    #[error(
        "{grf_file}: column `time` spans {grf_start} to {grf_end} s, which does not cover the motion's {motion_start} to {motion_end} s in {motion_file}"
    )]
    NoOverlap {
        /// The ground-reaction file.
        grf_file: PathBuf,
        /// The coordinates file.
        motion_file: PathBuf,
        /// First ground-reaction time \[s\].
        grf_start: f64,
        /// Last ground-reaction time \[s\].
        grf_end: f64,
        /// First motion time \[s\].
        motion_start: f64,
        /// Last motion time \[s\].
        motion_end: f64,
    },
    /// A foot's vertical force never exceeds the contact threshold.
    #[error(
        "{file}: column `{column}` ({side} foot) never exceeds {threshold_n} N (peak {peak_n} N): the foot never touches the ground"
    )]
    NoContact {
        /// The ground-reaction file.
        file: PathBuf,
        /// The vertical force column.
        column: String,
        /// `right` or `left`.
        side: &'static str,
        /// Its largest value \[N\].
        peak_n: f64,
        /// The threshold \[N\].
        threshold_n: f64,
    },
}
