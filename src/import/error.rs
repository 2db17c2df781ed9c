//! Import errors: a content file's problem (`path:line: reason`) and fatal ones.

use std::fmt;
use std::path::PathBuf;

/// Why one content file was not imported. Shown as `path:line: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based line of the problem, where the parser knows it.
    pub line: Option<usize>,
    pub reason: String,
}

impl FileError {
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

impl std::error::Error for FileError {}

/// An error that stops the whole import (not one file's problem).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("watching the content folder: {0}")]
    Watch(String),
    #[error("reading content files stopped: {0}")]
    Worker(String),
    #[error(transparent)]
    Git(#[from] super::git::GitError),
}
