//! Text helpers that know nothing of the database or GraphQL.

pub mod markdown;
pub mod mdast;
pub mod shortcode;
pub mod slug;
pub mod words;

/// Hugo's `helpers.FirstUpper`: `s` with its first letter upper-cased.
pub fn first_upper(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
