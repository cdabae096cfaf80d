//! OpenSim Storage (`.sto`) and Motion (`.mot`) text files: a writer and a reader.
//!
//! The format as OpenSim documents it (OpenSim documentation, "Storage (.sto) Files",
//! <https://opensimconfluence.atlassian.net/wiki/spaces/OpenSim/pages/53089996>, and
//! "Motion (.mot) Files", <https://opensimconfluence.atlassian.net/wiki/spaces/OpenSim/pages/53089415>):
//!
//! ```text
//! Coordinates                 the name the file is known by in OpenSim
//! version=1                   header lines: key=value (since OpenSim 2.3.2: version, inDegrees)
//! nRows=151                   number of data rows
//! nColumns=11                 number of columns, the time column included
//! inDegrees=yes               angles in degrees (yes) or radians (no)
//! (free comment lines)        allowed before endheader
//! endheader
//! time<TAB>hip_flexion_r...   column labels, tab separated
//! 0<TAB>12.5...               one row per time, tab separated
//! ```
//!
//! The reader follows that description, not OpenSim's code: the first line is the name; up to
//! `endheader`, lines of the form `key=value` are header entries (`nRows`, `nColumns` and
//! `inDegrees` are interpreted and checked against the data) and other non-blank lines are kept
//! as comments; the next non-blank line holds the labels (split at tabs; at whitespace when it
//! has no tab); every further non-blank line is a row of numbers separated by tabs or spaces
//! (OpenSim pads numbers with spaces). Blank lines are skipped, surrounding whitespace and
//! `\r\n` endings are tolerated. The older SIMM-only header (`datacolumns 19`, `datarows 9009`)
//! is kept as comments, its counts are not checked.
//!
//! The reader is tested against OpenSim's own example files (`tests/data/opensim/`) and reads
//! measured motion and ground reactions for the analysis of measured walking (issue 22,
//! `retrogait analyze`) through [`crate::opensim`].

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use thiserror::Error;

/// Why a storage text could not be read. Every variant that concerns a line names it (1-based).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StoError {
    /// The text has no line at all.
    #[error("the storage text is empty")]
    Empty,
    /// The header never ends.
    #[error("line {line}: end of text before the `endheader` line")]
    MissingEndHeader {
        /// Last line of the text.
        line: usize,
    },
    /// Nothing follows `endheader`.
    #[error("line {line}: no column labels after `endheader`")]
    MissingLabels {
        /// Line of `endheader`.
        line: usize,
    },
    /// A header entry OpenSim interprets has a value it cannot have.
    #[error("line {line}: header `{key}={value}`: {reason}")]
    HeaderValue {
        /// Line of the entry.
        line: usize,
        /// Its key.
        key: String,
        /// Its value.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// A column label is empty (two tabs in a row).
    #[error("line {line}: column {column} has an empty label")]
    EmptyLabel {
        /// Line of the labels.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// `nColumns` disagrees with the labels.
    #[error(
        "line {line}: nColumns={declared} but the labels on line {labels_line} name {found} columns"
    )]
    ColumnCount {
        /// Line of `nColumns`.
        line: usize,
        /// Declared count.
        declared: usize,
        /// Line of the labels.
        labels_line: usize,
        /// Labels found.
        found: usize,
    },
    /// A data row has a different number of values than there are labels.
    #[error("line {line}: {found} values, but the labels name {expected} columns")]
    RowLength {
        /// Line of the row.
        line: usize,
        /// Number of labels.
        expected: usize,
        /// Values on the line.
        found: usize,
    },
    /// A cell is not a number.
    #[error("line {line}, column {column} (`{label}`): `{text}` is not a number")]
    NotANumber {
        /// Line of the row.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Label of the column.
        label: String,
        /// The cell as written.
        text: String,
    },
    /// `nRows` disagrees with the data.
    #[error("line {line}: nRows={declared} but {found} data rows follow the labels")]
    RowCount {
        /// Line of `nRows`.
        line: usize,
        /// Declared count.
        declared: usize,
        /// Rows found.
        found: usize,
    },
}

impl StoError {
    /// The 1-based line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Empty => None,
            Self::MissingEndHeader { line }
            | Self::MissingLabels { line }
            | Self::HeaderValue { line, .. }
            | Self::EmptyLabel { line, .. }
            | Self::ColumnCount { line, .. }
            | Self::RowLength { line, .. }
            | Self::NotANumber { line, .. }
            | Self::RowCount { line, .. } => Some(*line),
        }
    }
}

/// The contents of a storage file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Storage {
    /// Name on the first line.
    pub name: String,
    /// `key=value` header entries in file order (keys and values trimmed), `nRows`,
    /// `nColumns` and `inDegrees` included.
    pub header: Vec<(String, String)>,
    /// Other non-blank header lines, trimmed.
    pub comments: Vec<String>,
    /// `inDegrees`, if the header has it.
    pub in_degrees: Option<bool>,
    /// Column labels, the first column (normally `time`) included.
    pub labels: Vec<String>,
    /// Data rows, each as long as `labels`.
    pub rows: Vec<Vec<f64>>,
}

impl Storage {
    /// Position of the column labelled `label`.
    pub fn column_index(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// The values of the column labelled `label`, one per row.
    pub fn column(&self, label: &str) -> Option<Vec<f64>> {
        let i = self.column_index(label)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }

    /// The value of a header entry.
    pub fn header_value(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Writes an OpenSim storage file.
///
/// `column_labels` are the data columns without `time`; each row is `[time, v_1, ..., v_n]`,
/// one value more than there are labels (a row of another length is written as given, and the
/// reader will name its line). Numbers use Rust's `{}` formatting of `f64`: the shortest text
/// that reads back to the same bits, never an exponent, `NaN`/`inf` for non-finite values —
/// deterministic and lossless (except that a NaN's sign and payload are not kept). So that the
/// file stays readable, line breaks in `name` become spaces and tabs or line breaks in labels
/// become `_`.
pub fn write_sto(
    name: &str,
    column_labels: &[String],
    rows: &[Vec<f64>],
    in_degrees: bool,
) -> String {
    let mut out = sto_header(name, column_labels, rows.len(), in_degrees);
    for row in rows {
        push_sto_row(&mut out, row.iter().copied());
    }
    out
}

/// The header and labels line of a storage file of `n_rows` rows (as [`write_sto`] writes).
fn sto_header(name: &str, column_labels: &[String], n_rows: usize, in_degrees: bool) -> String {
    use std::fmt::Write as _;
    let name: String = name
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect();
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{name}");
    let _ = writeln!(out, "version=1");
    let _ = writeln!(out, "nRows={n_rows}");
    let _ = writeln!(out, "nColumns={}", column_labels.len() + 1);
    let _ = writeln!(out, "inDegrees={}", if in_degrees { "yes" } else { "no" });
    let _ = writeln!(out, "endheader");
    out.push_str("time");
    for label in column_labels {
        out.push('\t');
        out.extend(label.chars().map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                '_'
            } else {
                c
            }
        }));
    }
    out.push('\n');
    out
}

/// Appends one data row (as [`write_sto`] writes it).
fn push_sto_row(out: &mut String, row: impl IntoIterator<Item = f64>) {
    for (i, v) in row.into_iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        crate::float_text::push_display(out, v);
    }
    out.push('\n');
}

/// Writes a storage file row by row, for recordings too long to hold in memory: the rows go
/// to an anonymous temporary file in the destination's folder, and [`StoWriter::finish`]
/// writes the header (its `nRows` is known only then) and copies the rows behind it. The file
/// is [`write_sto`]'s, byte for byte.
#[derive(Debug)]
pub struct StoWriter {
    name: String,
    column_labels: Vec<String>,
    in_degrees: bool,
    rows: usize,
    body: BufWriter<File>,
    line: String,
}

impl StoWriter {
    /// A writer of a storage file named `name` (first line) that will be written to `path`
    /// (the rows wait in a temporary file in its folder).
    pub fn create(
        path: &Path,
        name: &str,
        column_labels: Vec<String>,
        in_degrees: bool,
    ) -> io::Result<Self> {
        let dir = path.parent().unwrap_or(Path::new("."));
        Ok(Self {
            name: name.to_owned(),
            column_labels,
            in_degrees,
            rows: 0,
            body: BufWriter::new(tempfile::tempfile_in(dir)?),
            line: String::new(),
        })
    }

    /// Appends one row `[time, v_1, ..., v_n]`.
    pub fn write_row(&mut self, row: impl IntoIterator<Item = f64>) -> io::Result<()> {
        self.line.clear();
        push_sto_row(&mut self.line, row);
        self.rows += 1;
        self.body.write_all(self.line.as_bytes())
    }

    /// Writes the header and the rows to `out`.
    pub fn finish(self, out: &mut impl Write) -> io::Result<()> {
        let header = sto_header(&self.name, &self.column_labels, self.rows, self.in_degrees);
        out.write_all(header.as_bytes())?;
        let mut body = self
            .body
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        body.seek(SeekFrom::Start(0))?;
        io::copy(&mut body, out)?;
        Ok(())
    }
}

/// Reads an OpenSim storage (`.sto`) or motion (`.mot`) text (module docs for the rules).
pub fn parse_sto(text: &str) -> Result<Storage, StoError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (_, name) = lines.next().ok_or(StoError::Empty)?;
    let mut storage = Storage {
        name: name.trim().to_owned(),
        ..Storage::default()
    };
    let mut last_line = 1;
    let mut end_header = None;
    let mut n_rows = None;
    let mut n_columns = None;
    for (no, line) in lines.by_ref() {
        last_line = no;
        let line = line.trim();
        if line == "endheader" {
            end_header = Some(no);
            break;
        }
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            storage.comments.push(line.to_owned());
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let bad = |reason| StoError::HeaderValue {
            line: no,
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        };
        match key {
            "nRows" => n_rows = Some((value.parse().map_err(|_| bad("not a count"))?, no)),
            "nColumns" => n_columns = Some((value.parse().map_err(|_| bad("not a count"))?, no)),
            "inDegrees" => {
                storage.in_degrees = Some(match value {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(bad("expected `yes` or `no`")),
                })
            }
            _ => {}
        }
        storage.header.push((key.to_owned(), value.to_owned()));
    }
    let end_header = end_header.ok_or(StoError::MissingEndHeader { line: last_line })?;

    let mut data = lines.filter(|(_, l)| !l.trim().is_empty());
    let (labels_line, labels) = data
        .next()
        .ok_or(StoError::MissingLabels { line: end_header })?;
    let labels = labels.trim();
    let labels: Vec<&str> = if labels.contains('\t') {
        labels.split('\t').map(str::trim).collect()
    } else {
        labels.split_whitespace().collect()
    };
    if let Some(i) = labels.iter().position(|l| l.is_empty()) {
        return Err(StoError::EmptyLabel {
            line: labels_line,
            column: i + 1,
        });
    }
    if let Some((declared, line)) = n_columns
        && declared != labels.len()
    {
        return Err(StoError::ColumnCount {
            line,
            declared,
            labels_line,
            found: labels.len(),
        });
    }
    storage.labels = labels.iter().map(|l| (*l).to_owned()).collect();

    for (no, line) in data {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.len() != labels.len() {
            return Err(StoError::RowLength {
                line: no,
                expected: labels.len(),
                found: cells.len(),
            });
        }
        let row = cells
            .iter()
            .enumerate()
            .map(|(j, cell)| {
                cell.parse::<f64>().map_err(|_| StoError::NotANumber {
                    line: no,
                    column: j + 1,
                    label: labels[j].to_owned(),
                    text: (*cell).to_owned(),
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        storage.rows.push(row);
    }
    if let Some((declared, line)) = n_rows
        && declared != storage.rows.len()
    {
        return Err(StoError::RowCount {
            line,
            declared,
            found: storage.rows.len(),
        });
    }
    Ok(storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_file_written_row_by_row_is_the_file_written_at_once() {
        let rows = vec![
            vec![0.0, 12.5, -0.1, f64::NAN],
            vec![0.005, 1e-7, 3.0, f64::INFINITY],
            vec![0.01, -0.0, 1e21, 2.0],
        ];
        let names = labels(&["a", "b\tc", "d"]);
        let dir = std::env::temp_dir();
        let mut w =
            StoWriter::create(&dir.join("x.sto"), "walk\nname", names.clone(), true).unwrap();
        for r in &rows {
            w.write_row(r.iter().copied()).unwrap();
        }
        let mut out = Vec::new();
        w.finish(&mut out).unwrap();
        let at_once = write_sto("walk\nname", &names, &rows, true);
        assert_eq!(String::from_utf8(out).unwrap(), at_once);
        assert!(at_once.contains("nRows=3\n"));
    }

    #[test]
    fn writer_produces_the_documented_header_and_tab_separated_rows() {
        let text = write_sto(
            "Coordinates",
            &labels(&["hip_flexion_r", "knee_angle_r"]),
            &[vec![0.0, 10.5, -3.25], vec![0.01, 11.0, 1e-7]],
            true,
        );
        let expected = "Coordinates\nversion=1\nnRows=2\nnColumns=3\ninDegrees=yes\nendheader\n\
                        time\thip_flexion_r\tknee_angle_r\n\
                        0\t10.5\t-3.25\n\
                        0.01\t11\t0.0000001\n";
        assert_eq!(text, expected);
        assert!(write_sto("x", &[], &[], false).contains("inDegrees=no\n"));
    }

    #[test]
    fn round_trip_preserves_every_bit() {
        let values = [
            0.0,
            -0.0,
            0.1,
            1.0 / 3.0,
            -123456.789,
            1e-300,
            f64::MIN_POSITIVE,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let rows: Vec<Vec<f64>> = values
            .iter()
            .enumerate()
            .map(|(i, v)| vec![i as f64 * 0.005, *v, -v])
            .collect();
        let names = labels(&["a", "b c"]);
        let text = write_sto("round trip", &names, &rows, false);
        let s = parse_sto(&text).unwrap();
        assert_eq!(s.name, "round trip");
        assert_eq!(s.in_degrees, Some(false));
        assert_eq!(s.header_value("version"), Some("1"));
        assert_eq!(s.labels, labels(&["time", "a", "b c"]));
        assert_eq!(s.rows.len(), rows.len());
        // Bit for bit, except that every NaN reads back as the one `NaN`.
        let bits = |r: &[f64]| {
            r.iter()
                .map(|v| if v.is_nan() { None } else { Some(v.to_bits()) })
                .collect::<Vec<_>>()
        };
        for (got, want) in s.rows.iter().zip(&rows) {
            assert_eq!(bits(got), bits(want));
        }
        assert_eq!(s.column("b c").unwrap().len(), values.len());
        // Writing what was read gives the same text.
        assert_eq!(write_sto(&s.name, &s.labels[1..], &s.rows, false), text);
    }

    #[test]
    fn separators_in_names_and_labels_cannot_break_the_file() {
        let text = write_sto("two\nlines", &labels(&["a\tb"]), &[vec![0.0, 1.0]], false);
        let s = parse_sto(&text).unwrap();
        assert_eq!(s.name, "two lines");
        assert_eq!(s.labels, labels(&["time", "a_b"]));
    }

    #[test]
    fn reads_opensim_example_files() {
        // OpenSim's own example outputs (tests/data/opensim/LICENSE-NOTE.md).
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/opensim");
        let ik = std::path::Path::new(dir).join("subject01_walk_IK.mot");
        let text = std::fs::read_to_string(&ik).unwrap();
        let s = parse_sto(&text).unwrap();
        assert_eq!(s.name, "Coordinates");
        assert_eq!(s.in_degrees, Some(true));
        assert_eq!(s.header_value("nRows"), Some("151"));
        assert_eq!(s.labels.len(), 11);
        assert_eq!(s.labels[0], "time");
        assert_eq!(s.labels[5], "knee_angle_r");
        assert_eq!(s.rows.len(), 151);
        assert!(s.comments.iter().any(|c| c == "Angles are in degrees."));
        assert_eq!(s.rows[0][0], 0.0);
        assert_eq!(s.rows[0][1], 10.32995988);
        assert_eq!(s.rows[150][0], 2.5);
        assert!(s.rows.iter().flatten().all(|v| v.is_finite()));
        // Inverse dynamics output, and ground reactions with trailing tabs on header lines.
        for (file, columns, rows) in [
            ("subject01_walk_ID.sto", 11, 151),
            ("subject01_walk_grf.mot", 19, 1501),
        ] {
            let path = std::path::Path::new(dir).join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let s = parse_sto(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!((s.labels.len(), s.rows.len()), (columns, rows), "{file}");
        }
    }

    #[test]
    fn missing_endheader_names_the_last_line() {
        let err = parse_sto("name\nversion=1\nnRows=0\ntime\ta\n").unwrap_err();
        assert_eq!(err, StoError::MissingEndHeader { line: 4 });
        assert!(err.to_string().starts_with("line 4:"), "{err}");
        assert_eq!(parse_sto("").unwrap_err(), StoError::Empty);
        assert_eq!(
            parse_sto("name\nendheader\n\n").unwrap_err(),
            StoError::MissingLabels { line: 2 }
        );
    }

    #[test]
    fn wrong_ncolumns_names_the_header_line_and_the_labels_line() {
        let text = "name\nversion=1\nnRows=1\nnColumns=4\nendheader\ntime\ta\tb\n0\t1\t2\n";
        let err = parse_sto(text).unwrap_err();
        assert_eq!(
            err,
            StoError::ColumnCount {
                line: 4,
                declared: 4,
                labels_line: 6,
                found: 3
            }
        );
        assert!(err.to_string().contains("line 4") && err.to_string().contains("line 6"));
    }

    #[test]
    fn non_numeric_cell_names_line_column_and_label() {
        let text = "name\nnRows=2\nnColumns=3\nendheader\ntime\ta\tb\n0\t1\t2\n0.1\t1\tx2\n";
        let err = parse_sto(text).unwrap_err();
        assert_eq!(
            err,
            StoError::NotANumber {
                line: 7,
                column: 3,
                label: "b".into(),
                text: "x2".into()
            }
        );
        assert_eq!(err.line(), Some(7));
        assert!(err.to_string().contains("`b`"), "{err}");
    }

    #[test]
    fn short_rows_wrong_nrows_and_bad_header_values_are_typed() {
        let short = "n\nendheader\ntime\ta\n0\t1\n1\n";
        assert_eq!(
            parse_sto(short).unwrap_err(),
            StoError::RowLength {
                line: 5,
                expected: 2,
                found: 1
            }
        );
        let rows = "n\nnRows=3\nendheader\ntime\ta\n0\t1\n1\t2\n";
        assert_eq!(
            parse_sto(rows).unwrap_err(),
            StoError::RowCount {
                line: 2,
                declared: 3,
                found: 2
            }
        );
        let degrees = "n\ninDegrees=maybe\nendheader\ntime\n";
        assert!(matches!(
            parse_sto(degrees).unwrap_err(),
            StoError::HeaderValue { line: 2, .. }
        ));
        let count = "n\nnColumns=two\nendheader\ntime\n";
        assert!(matches!(
            parse_sto(count).unwrap_err(),
            StoError::HeaderValue { line: 2, .. }
        ));
        let empty_label = "n\nendheader\ntime\t\ta\n";
        assert_eq!(
            parse_sto(empty_label).unwrap_err(),
            StoError::EmptyLabel { line: 3, column: 2 }
        );
    }

    #[test]
    fn tolerates_crlf_padding_comments_and_blank_lines() {
        let text = "walk\r\nversion=1\r\nnRows=2\t\t\r\nnColumns=2\r\n\r\nUnits are S.I.\r\n\
                    endheader\r\ntime\tknee\r\n   0.0\t  5.0\r\n\r\n 0.5 \t -5.0 \r\n";
        let s = parse_sto(text).unwrap();
        assert_eq!(s.name, "walk");
        assert_eq!(s.comments, vec!["Units are S.I.".to_owned()]);
        assert_eq!(s.in_degrees, None);
        assert_eq!(s.rows, vec![vec![0.0, 5.0], vec![0.5, -5.0]]);
        assert_eq!(s.column("knee"), Some(vec![5.0, -5.0]));
        assert_eq!(s.column("hip"), None);
    }
}
