//! Text helpers that know nothing of the database or GraphQL.

pub mod markdown;
pub mod slug;
pub mod words;
