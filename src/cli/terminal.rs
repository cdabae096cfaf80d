//! What reaches the terminal: standard output written as data that may fail (a closed pipe or
//! a full disk is an error to handle, not a panic as with `println!`), and an error as one
//! line that says each cause once and cuts long echoed input short.

use std::fmt::Display;
use std::io::Write;

use anyhow::{Context, Result};

/// Longest run of characters without a space shown as it is in an error message: longer runs
/// are echoed input (a pasted file, a runaway argument) and are cut in the middle.
pub const MAX_ECHO_CHARS: usize = 200;

/// Longest error message shown whole \[characters\].
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// `println!` that returns an error (see [`print()`](crate::cli::terminal::print)) instead of
/// panicking when standard output fails.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::terminal::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: impl Display) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write!(out, "{text}")
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

/// Whether the error is standard output's reader having gone away (`retrogait model | head`):
/// the reader has what it wanted, so the command ends quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes as one line. A cause an outer message already quotes (error types
/// that print their cause and also return it as their source) is not repeated.
pub fn error_message(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    shorten_echoes(&message)
}

/// `message` with every run of more than [`MAX_ECHO_CHARS`] non-space characters, and the
/// whole beyond [`MAX_MESSAGE_CHARS`], cut in the middle, saying how much was left out.
pub fn shorten_echoes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(2 * MAX_MESSAGE_CHARS));
    let mut rest = message;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push_str(&cut_middle(&rest[..word_end], MAX_ECHO_CHARS));
        rest = &rest[word_end..];
        let space_end = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..space_end]);
        rest = &rest[space_end..];
    }
    cut_middle(&out, MAX_MESSAGE_CHARS)
}

/// `text` if it has at most `max` characters; otherwise its start and end around a note of
/// how many characters were left out (the end often names the file).
fn cut_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_owned();
    }
    let (head, tail) = (max * 3 / 4, max / 4);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…({} characters left out)…{end}", n - head - tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_quoted_by_its_outer_error_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        #[derive(Debug, thiserror::Error)]
        #[error("x.ron: cannot read: {0}")]
        struct Quoting(#[source] std::io::Error);
        let e = anyhow::Error::new(Quoting(io)).context("cannot load the model");
        assert_eq!(
            error_message(&e),
            "cannot load the model: x.ron: cannot read: Is a directory"
        );
    }

    #[test]
    fn long_echoed_words_and_long_messages_are_cut_in_the_middle() {
        let word = format!("{}END", "x".repeat(5000));
        let short = shorten_echoes(&format!("unknown direction `{word}`; expected forward"));
        assert!(short.starts_with("unknown direction `xxx"), "{short}");
        assert!(short.ends_with("END`; expected forward"), "{short}");
        assert!(short.contains("(4806 characters left out)"), "{short}");
        assert!(short.chars().count() < MAX_ECHO_CHARS + 80, "{short}");
        let spaced = "ab ".repeat(10_000);
        assert!(shorten_echoes(&spaced).chars().count() < MAX_MESSAGE_CHARS + 40);
        let fine = "a:b  c\n\td é";
        assert_eq!(shorten_echoes(fine), fine);
    }
}
