//! Text helpers that know nothing of the database or GraphQL.

pub mod markdown;
pub mod mdast;
pub mod shortcode;
pub mod slug;
pub mod words;
