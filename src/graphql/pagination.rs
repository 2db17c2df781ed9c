//! Relay pagination shared by every list: argument checks, and opaque cursors
//! that name the list and order they belong to, so a cursor is refused by
//! any other list or ordering.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::error::ApiError;
use crate::query::keyset::{Key, PageRequest, Sides, SortValue};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: i32 = 20;
/// Largest `first`, `last` or `perPage` a client may ask for.
pub const MAX_PAGE: i32 = 100;

/// The pagination arguments of a list field, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    /// Numbered pages (from 1), for pager UIs; not with cursors.
    pub page: Option<i32>,
    pub per_page: Option<i32>,
}

fn size(argument: &str, n: i32) -> Result<u64, ApiError> {
    if (0..=MAX_PAGE).contains(&n) {
        Ok(u64::try_from(n).unwrap_or(0))
    } else {
        Err(ApiError::bad_input(
            argument,
            format!("must be between 0 and {MAX_PAGE}, got {n}"),
        ))
    }
}

impl PageArgs {
    /// Cursor arguments only (lists without numbered pages).
    pub fn cursors(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> Self {
        PageArgs {
            first,
            after,
            last,
            before,
            page: None,
            per_page: None,
        }
    }

    /// Checks the arguments for the list named `list`, whose sort values are
    /// of `sample`'s kind (a forged cursor of another kind is refused).
    pub fn request(&self, list: &str, sample: &SortValue) -> Result<PageRequest, ApiError> {
        if self.page.is_some() || self.per_page.is_some() {
            if self.first.is_some() || self.last.is_some() || self.after.is_some() || self.before.is_some() {
                return Err(ApiError::bad_input(
                    "page",
                    "numbered pages cannot be combined with first, last, after or before",
                ));
            }
            let page = self.page.unwrap_or(1);
            if page < 1 {
                return Err(ApiError::bad_input("page", format!("must be 1 or more, got {page}")));
            }
            let per_page = self.per_page.unwrap_or(DEFAULT_PAGE);
            if !(1..=MAX_PAGE).contains(&per_page) {
                return Err(ApiError::bad_input(
                    "perPage",
                    format!("must be between 1 and {MAX_PAGE}, got {per_page}"),
                ));
            }
            return Ok(PageRequest::Numbered {
                page: u64::try_from(page).unwrap_or(1),
                per_page: u64::try_from(per_page).unwrap_or(1),
            });
        }
        let checked = |argument: &str, cursor: &str| {
            let key = decode(list, argument, cursor)?;
            if key.value.same_kind(sample) {
                Ok(key)
            } else {
                Err(ApiError::bad_input(argument, "not a cursor from this API"))
            }
        };
        let after = self.after.as_deref().map(|c| checked("after", c)).transpose()?;
        let before = self.before.as_deref().map(|c| checked("before", c)).transpose()?;
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(ApiError::bad_input("last", "give first or last, not both")),
            (None, Some(last)) => Ok(PageRequest::Backward {
                limit: size("last", last)?,
                after,
                before,
                sides: Sides::BOTH,
            }),
            (first, None) => Ok(PageRequest::Forward {
                limit: size("first", first.unwrap_or(DEFAULT_PAGE))?,
                after,
                before,
                sides: Sides::BOTH,
            }),
        }
    }
}

/// The cursor of the row at `key` in `list`.
pub fn encode(list: &str, key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}#{}", key.encode()))
}

/// The key inside a cursor, if the cursor belongs to `list`.
pub fn decode(list: &str, argument: &str, cursor: &str) -> Result<Key, ApiError> {
    let not_ours = || ApiError::bad_input(argument, "not a cursor from this API");
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(not_ours)?;
    let (l, key) = text.split_once('#').ok_or_else(not_ours)?;
    if l != list {
        return Err(ApiError::bad_input(
            argument,
            "this cursor belongs to another list or ordering",
        ));
    }
    Key::decode(key).ok_or_else(not_ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(n: i32) -> PageArgs {
        PageArgs {
            first: Some(n),
            ..PageArgs::default()
        }
    }

    #[test]
    fn first_defaults_and_is_bounded() {
        let default = PageArgs::default().request("a", &SortValue::Float(0.0)).ok();
        assert_eq!(
            default,
            Some(PageRequest::Forward {
                limit: 20,
                after: None,
                before: None,
                sides: Sides::BOTH,
            })
        );
        assert!(first(100).request("a", &SortValue::Float(0.0)).is_ok());
        assert!(first(101).request("a", &SortValue::Float(0.0)).is_err());
        assert!(first(-1).request("a", &SortValue::Float(0.0)).is_err());
        assert!(PageArgs {
            last: Some(101),
            ..PageArgs::default()
        }
        .request("a", &SortValue::Float(0.0))
        .is_err());
        assert!(PageArgs {
            first: Some(1),
            last: Some(1),
            ..PageArgs::default()
        }
        .request("a", &SortValue::Float(0.0))
        .is_err());
    }

    #[test]
    fn numbered_pages_are_checked_and_exclusive_with_cursors() {
        let p = PageArgs {
            page: Some(3),
            per_page: Some(10),
            ..PageArgs::default()
        };
        assert_eq!(
            p.request("a", &SortValue::Float(0.0)).ok(),
            Some(PageRequest::Numbered { page: 3, per_page: 10 })
        );
        assert!(PageArgs {
            page: Some(0),
            ..PageArgs::default()
        }
        .request("a", &SortValue::Float(0.0))
        .is_err());
        assert!(PageArgs {
            page: Some(1),
            per_page: Some(0),
            ..PageArgs::default()
        }
        .request("a", &SortValue::Float(0.0))
        .is_err());
        assert!(PageArgs {
            page: Some(1),
            first: Some(2),
            ..PageArgs::default()
        }
        .request("a", &SortValue::Float(0.0))
        .is_err());
    }

    #[test]
    fn a_cursor_of_the_wrong_kind_is_refused() {
        let text_key = Key {
            value: SortValue::Text("x".into()),
            id: 1,
            group: None,
        };
        let args = PageArgs {
            after: Some(encode("a", &text_key)),
            ..PageArgs::default()
        };
        assert!(args.request("a", &SortValue::Float(0.0)).is_err());
        assert!(args.request("a", &SortValue::Text(String::new())).is_ok());
    }

    #[test]
    fn cursors_round_trip_within_their_list_only() {
        let key = Key {
            value: SortValue::Text("x".into()),
            id: 3,
            group: None,
        };
        let c = encode("articles:title_asc", &key);
        assert_eq!(decode("articles:title_asc", "after", &c).ok(), Some(key));
        assert!(decode("articles:title_desc", "after", &c).is_err());
        assert!(decode("articles:title_asc", "after", "%%%").is_err());
        assert!(decode(
            "articles:title_asc",
            "after",
            &URL_SAFE_NO_PAD.encode("articles:title_asc#zz")
        )
        .is_err());
    }
}
