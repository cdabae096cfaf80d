//! The one error type of the crate: every rejection names the file, the field path and the reason.

use std::path::PathBuf;

/// Why a model description could not be turned into a [`crate::Model`].
///
/// `file` is the path given to [`crate::Model::load`] or the source name given to
/// [`crate::Model::from_ron_str`]; `field` is a dotted path into the document such as
/// `leg.muscles[vasti].optimal_fiber_length_m`.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The file could not be read. The cause is part of the message, not a separate source,
    /// so that printing the error chain does not repeat it.
    #[error("{file}: cannot read the model file: {cause}")]
    Io {
        /// Path of the file.
        file: PathBuf,
        /// Why.
        cause: crate::ReadError,
    },
    /// The text is not valid RON, or does not have the shape of a model description.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// Path or source name.
        file: PathBuf,
        /// 1-based line of the offending token.
        line: usize,
        /// 1-based column of the offending token.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A field that the format does not know (`deny_unknown_fields`): usually a typo.
    #[error(
        "{file}:{line}:{column}: unknown field `{field}` in {within}; expected one of: {expected}"
    )]
    UnknownField {
        /// Path or source name.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The unknown field name as written.
        field: String,
        /// The structure it appeared in.
        within: String,
        /// The fields that structure accepts.
        expected: String,
    },
    /// A required field is absent.
    #[error("{file}:{line}:{column}: missing field `{field}` in {within}")]
    MissingField {
        /// Path or source name.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The missing field.
        field: String,
        /// The structure that lacks it.
        within: String,
    },
    /// A name that refers to a segment, joint or coordinate that the model does not define.
    #[error("{file}: {field}: unknown {kind} `{name}` (known: {known})")]
    UnknownReference {
        /// Path or source name.
        file: PathBuf,
        /// Field path of the reference.
        field: String,
        /// What kind of object was expected (segment, coordinate, ...).
        kind: &'static str,
        /// The name as written.
        name: String,
        /// The names that would have been accepted.
        known: String,
    },
    /// Two objects of the same kind share a name.
    #[error("{file}: {field}: duplicate {kind} name `{name}`")]
    Duplicate {
        /// Path or source name.
        file: PathBuf,
        /// Field path of the second occurrence.
        field: String,
        /// Kind of object.
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A value that parses but is physically impossible or out of the supported range.
    #[error("{file}: {field}: {reason}")]
    Invalid {
        /// Path or source name.
        file: PathBuf,
        /// Field path.
        field: String,
        /// Why the value is rejected, with the value and the accepted range.
        reason: String,
    },
}

impl ModelError {
    /// The file or source name the error refers to.
    pub fn file(&self) -> &std::path::Path {
        match self {
            Self::Io { file, .. }
            | Self::Syntax { file, .. }
            | Self::UnknownField { file, .. }
            | Self::MissingField { file, .. }
            | Self::UnknownReference { file, .. }
            | Self::Duplicate { file, .. }
            | Self::Invalid { file, .. } => file,
        }
    }

    /// The field path the error refers to, where there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::UnknownField { field, .. }
            | Self::MissingField { field, .. }
            | Self::UnknownReference { field, .. }
            | Self::Duplicate { field, .. }
            | Self::Invalid { field, .. } => Some(field),
            Self::Io { .. } | Self::Syntax { .. } => None,
        }
    }

    /// Converts a RON parse error into the matching typed variant, keeping line and column.
    pub(crate) fn from_ron(file: PathBuf, err: ron::error::SpannedError) -> Self {
        let line = err.span.start.line;
        let column = err.span.start.col;
        match err.code {
            ron::Error::NoSuchStructField {
                expected,
                found,
                outer,
            } => Self::UnknownField {
                file,
                line,
                column,
                field: found,
                within: outer.map_or_else(|| "the document".to_owned(), |o| format!("`{o}`")),
                expected: expected.join(", "),
            },
            ron::Error::MissingStructField { field, outer } => Self::MissingField {
                file,
                line,
                column,
                field: field.to_owned(),
                within: outer.map_or_else(|| "the document".to_owned(), |o| format!("`{o}`")),
            },
            other => Self::Syntax {
                file,
                line,
                column,
                message: other.to_string(),
            },
        }
    }
}
