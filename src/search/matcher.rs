//! Turns user text into an FTS5 match expression. Every word becomes a quoted
//! phrase, so FTS syntax in the input (`"`, `*`, `NEAR(`, `AND`) is just text.

use super::segment;

/// The terms of a query: whitespace-separated pieces, each cut into words.
pub fn terms(query: &str) -> Vec<Vec<String>> {
    query
        .split_whitespace()
        .map(segment::query_words)
        .filter(|w| !w.is_empty())
        .collect()
}

fn phrase(words: &[String]) -> String {
    format!("\"{}\"", words.join(" ").replace('"', "\"\""))
}

/// An FTS5 expression matching documents that contain every term; `None`
/// when the query has no words at all.
///
/// A Chinese term matches either as the words jieba finds in it or as its
/// characters side by side, since the same characters can be cut differently
/// in a document's context than in a short query.
pub fn fts5(query: &str) -> Option<String> {
    let parts: Vec<String> = terms(query)
        .iter()
        .map(|words| {
            let joined: String = words.concat();
            let chars: Vec<String> = joined.chars().map(String::from).collect();
            let cjk = joined.chars().all(crate::text::words::is_cjk);
            if cjk && chars.len() > 1 && chars.len() != words.len() {
                format!("({} OR {})", phrase(words), phrase(&chars))
            } else {
                phrase(words)
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_must_match() {
        assert_eq!(fts5("federal reserve").as_deref(), Some(r#""federal" AND "reserve""#));
    }

    #[test]
    fn fts_syntax_in_the_input_is_quoted_away() {
        for hostile in [r#"""#, "*", "NEAR(", "AND", "a OR b", r"\", "'", "(", "-x", "title:x"] {
            let expr = fts5(hostile);
            if let Some(e) = &expr {
                assert!(e.starts_with('"') || e.starts_with('('), "{hostile} → {e}");
            }
        }
        assert_eq!(fts5("AND").as_deref(), Some(r#""AND""#));
        assert_eq!(fts5(r#"""#), None);
    }

    #[test]
    fn a_chinese_word_may_match_as_adjacent_characters() {
        assert_eq!(fts5("北约").as_deref(), Some(r#"("北约" OR "北 约")"#));
    }
}
