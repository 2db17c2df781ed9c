//! Taxonomy slugs: "Federal Reserve" → `federal-reserve`, 日本央行 stays 日本央行.

/// Turns a tag or category name into its slug, as Hugo's `urlize` does:
/// lower-cased, white space to `-`, Unicode letters and digits kept, other
/// punctuation dropped. Returns `None` when nothing is left.
pub fn slugify(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.trim().chars() {
        if c.is_whitespace() || c == '-' {
            pending_dash = !out.is_empty();
        } else if c.is_alphanumeric() || c == '_' {
            if pending_dash {
                out.push('-');
                pending_dash = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn spaces_become_dashes_and_case_folds() {
        assert_eq!(slugify("Federal Reserve").as_deref(), Some("federal-reserve"));
    }

    #[test]
    fn cjk_letters_are_kept() {
        assert_eq!(slugify("日本央行").as_deref(), Some("日本央行"));
    }

    #[test]
    fn punctuation_is_dropped_and_dashes_collapse() {
        assert_eq!(slugify("  S&P   500 -- Index ").as_deref(), Some("sp-500-index"));
        assert_eq!(
            slugify("jin10_articles_articles").as_deref(),
            Some("jin10_articles_articles")
        );
    }

    #[test]
    fn nothing_left_is_none() {
        assert_eq!(slugify(" !? "), None);
    }
}
