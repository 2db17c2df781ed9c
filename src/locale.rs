//! Locale codes (`zh-CN`, `en`) and the fallback chain between them.

use std::fmt;

/// A BCP 47-style locale code, normalized: language lower-case, script
/// title-case, region upper-case (`zh_cn` → `zh-CN`, `zh-hant-tw` → `zh-Hant-TW`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locale(String);

impl Locale {
    /// Parses and normalizes a locale code; the error says what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let mut parts = raw.split(['-', '_']);
        let lang = parts.next().unwrap_or_default();
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!("`{raw}` is not a locale code (expected e.g. en, zh-CN)"));
        }
        let mut out = lang.to_ascii_lowercase();
        for part in parts {
            if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("`{raw}` is not a locale code (expected e.g. en, zh-CN)"));
            }
            out.push('-');
            match part.len() {
                2 => out.push_str(&part.to_ascii_uppercase()),
                4 => {
                    let (first, rest) = part.split_at(1);
                    out.push_str(&first.to_ascii_uppercase());
                    out.push_str(&rest.to_ascii_lowercase());
                }
                _ => out.push_str(&part.to_ascii_lowercase()),
            }
        }
        Ok(Locale(out))
    }

    /// The language alone: `zh` for `zh-TW`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Picks which of `available` locales to serve for `requested`: the exact
/// locale, else its bare language (`zh-TW` → `zh`), else any locale of that
/// language (`zh-*`, in the order given), else `None` (serve the original).
pub fn negotiate<'a>(requested: &Locale, available: &'a [Locale]) -> Option<&'a Locale> {
    available
        .iter()
        .find(|l| *l == requested)
        .or_else(|| available.iter().find(|l| l.as_str() == requested.language()))
        .or_else(|| available.iter().find(|l| l.language() == requested.language()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Locale {
        Locale::parse(s).unwrap()
    }

    #[test]
    fn normalizes_case_and_separators() {
        assert_eq!(l("zh_cn").as_str(), "zh-CN");
        assert_eq!(l("ZH-hant-tw").as_str(), "zh-Hant-TW");
        assert_eq!(l("en").as_str(), "en");
    }

    #[test]
    fn rejects_what_is_not_a_locale() {
        assert!(Locale::parse("").is_err());
        assert!(Locale::parse("english").is_err());
        assert!(Locale::parse("en-").is_err());
        assert!(Locale::parse("en US").is_err());
    }

    #[test]
    fn fallback_goes_exact_then_language_then_any_sibling() {
        let avail = [l("en"), l("zh-CN"), l("zh")];
        assert_eq!(negotiate(&l("zh-CN"), &avail), Some(&l("zh-CN")));
        assert_eq!(negotiate(&l("zh-TW"), &avail), Some(&l("zh")));
        let avail = [l("en"), l("zh-CN")];
        assert_eq!(negotiate(&l("zh-TW"), &avail), Some(&l("zh-CN")));
        assert_eq!(negotiate(&l("fr"), &avail), None);
    }
}
