//! Full-text search: jieba segmentation, the FTS match expression built from
//! user text, the index rows each article version gets, ranking, and snippets.

pub mod index;
pub mod matcher;
pub mod query;
pub mod rank;
pub mod segment;
pub mod snippet;
