//! A Hugo site's structure, reproduced exactly as Hugo computes it.

pub mod url;
