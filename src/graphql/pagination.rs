//! Relay pagination shared by every list: argument checks and opaque cursors
//! that name the list they belong to, so one list's cursor is refused by another.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::error::ApiError;

/// Page size when `first` is not given.
pub const DEFAULT_PAGE: i32 = 20;
/// Largest `first` a client may ask for.
pub const MAX_PAGE: i32 = 100;

/// A checked forward page: how many rows, and the cursor's key if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    pub limit: u64,
    pub after: Option<String>,
}

/// Checks `first`/`after` for the list named `list`.
pub fn forward(list: &str, first: Option<i32>, after: Option<&str>) -> Result<Forward, ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            format!("must be between 0 and {MAX_PAGE}, got {first}"),
        ));
    }
    let after = after.map(|c| decode(list, "after", c)).transpose()?;
    Ok(Forward {
        limit: u64::try_from(first).unwrap_or(0),
        after,
    })
}

/// The cursor for the row with sort key `key` in `list`.
pub fn encode(list: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}|{key}"))
}

/// The sort key inside a cursor, if the cursor belongs to `list`.
pub fn decode(list: &str, argument: &str, cursor: &str) -> Result<String, ApiError> {
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::bad_input(argument, "not a cursor from this API"))?;
    match text.split_once('|') {
        Some((l, key)) if l == list => Ok(key.to_owned()),
        Some(_) => Err(ApiError::bad_input(
            argument,
            "this cursor belongs to another list or ordering",
        )),
        None => Err(ApiError::bad_input(argument, "not a cursor from this API")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_defaults_and_is_bounded() {
        assert_eq!(forward("a", None, None).unwrap().limit, 20);
        assert_eq!(forward("a", Some(0), None).unwrap().limit, 0);
        assert_eq!(forward("a", Some(100), None).unwrap().limit, 100);
        assert!(forward("a", Some(101), None).is_err());
        assert!(forward("a", Some(-1), None).is_err());
    }

    #[test]
    fn cursors_round_trip_within_their_list_only() {
        let c = encode("articles", "k1");
        assert_eq!(decode("articles", "after", &c).unwrap(), "k1");
        assert!(decode("tags", "after", &c).is_err());
        assert!(decode("articles", "after", "%%%").is_err());
    }
}
