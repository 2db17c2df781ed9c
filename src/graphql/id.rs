//! Opaque global IDs: `Article:12` in URL-safe base64.

use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::error::ApiError;

/// The kinds of object a global ID can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Tag,
    Category,
    Translation,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Article => "Article",
            Kind::Tag => "Tag",
            Kind::Category => "Category",
            Kind::Translation => "Translation",
        }
    }
}

/// The global ID of row `id` of `kind`.
pub fn encode(kind: Kind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Reads a global ID back; anything else is a bad argument.
pub fn decode(argument: &str, id: &ID) -> Result<(Kind, i32), ApiError> {
    let bad = || ApiError::bad_input(argument, "not an ID from this API");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (kind, n) = text.split_once(':').ok_or_else(bad)?;
    let kind = [Kind::Article, Kind::Tag, Kind::Category, Kind::Translation]
        .into_iter()
        .find(|k| k.name() == kind)
        .ok_or_else(bad)?;
    Ok((kind, n.parse().map_err(|_| bad())?))
}

/// An Article's global ID given as `argument`, as its row id.
pub fn article(argument: &str, id: &ID) -> Result<i32, ApiError> {
    match decode(argument, id)? {
        (Kind::Article, n) => Ok(n),
        _ => Err(ApiError::bad_input(argument, "not an Article ID")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_opaque() {
        let id = encode(Kind::Tag, 42);
        assert!(!id.as_str().contains("42"));
        assert_eq!(decode("id", &id).unwrap(), (Kind::Tag, 42));
    }

    #[test]
    fn garbage_is_bad_input() {
        assert!(decode("id", &ID("!!".into())).is_err());
        assert!(decode("id", &ID(URL_SAFE_NO_PAD.encode("Nope:1"))).is_err());
        assert!(decode("id", &ID(URL_SAFE_NO_PAD.encode("Tag:x"))).is_err());
    }
}
