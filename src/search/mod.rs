//! Full-text search as text: jieba segmentation, the FTS match expression
//! built from user text, the rank function, and snippets. The SQL that finds
//! and ranks matching articles is `query::search`'s; the index rows are the
//! store's.

pub mod matcher;
pub mod rank;
pub mod segment;
pub mod snippet;
