//! The error type of configuration loading.
//!
//! Syntax errors stop at the first problem (as nats-server's do); problems with values are collected so
//! that one run reports all of them, each as `file:line: message`.

use std::fmt;

use super::parse::ParseError;
use super::value::Pos;

/// One problem with a setting, and where it was written when it came from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Where the setting was written; `None` for problems of the combined settings or of flags.
    pub pos: Option<Pos>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pos {
            Some(pos) => write!(f, "{pos}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read or is not valid syntax.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Settings have wrong types or values; one line per problem.
    #[error("{}", lines(.0))]
    Invalid(Vec<Located>),
    /// The command line is malformed (unknown flag, missing or bad flag value).
    #[error("{0}")]
    Usage(String),
}

fn lines(problems: &[Located]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}
