//! Full-text search: jieba segmentation, the FTS match expression built from
//! user text, ranking, and snippets. (The index rows are the store's.)

pub mod matcher;
pub mod query;
pub mod rank;
pub mod segment;
pub mod snippet;
