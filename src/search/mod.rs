//! Full-text search: jieba segmentation, the FTS match expression built from
//! user text, the index rows each article version gets, and snippets.

pub mod index;
pub mod matcher;
pub mod query;
pub mod segment;
pub mod snippet;
