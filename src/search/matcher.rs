//! Turns user text into an FTS5 match expression. Every word becomes a quoted
//! phrase, so FTS syntax in the input (`"`, `*`, `NEAR(`, `AND`) is just text.

use super::segment;
use crate::text::words::is_cjk;

/// The terms of a query: whitespace-separated pieces, each cut into words.
pub fn terms(query: &str) -> Vec<Vec<String>> {
    query
        .split_whitespace()
        .map(segment::query_words)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words to highlight in a snippet: each term whole, and its words.
pub fn highlight_words(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (term, words) in query.split_whitespace().zip(terms(query)) {
        let whole: String = term.chars().filter(|c| c.is_alphanumeric()).collect();
        for w in std::iter::once(whole).chain(words) {
            if !w.is_empty() && !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

fn phrase(words: &[String]) -> String {
    format!("\"{}\"", words.join(" ").replace('"', "\"\""))
}

/// The word columns; `chars` holds CJK characters one by one.
const WORD_COLUMNS: &str = "{title summary body}";

/// An FTS5 expression matching documents that contain every term; `None`
/// when the query has no words at all.
///
/// A Chinese term matches as the words jieba finds in it, or as its
/// characters side by side in the `chars` column: the same characters can be
/// cut differently in a document's context than in a short query, and the
/// character phrase still finds them.
pub fn fts5(query: &str) -> Option<String> {
    let parts: Vec<String> = terms(query)
        .iter()
        .map(|words| {
            let joined: String = words.concat();
            let words_match = format!("{WORD_COLUMNS} : {}", phrase(words));
            if joined.chars().all(is_cjk) {
                let chars: Vec<String> = joined.chars().map(String::from).collect();
                format!("({words_match} OR chars : {})", phrase(&chars))
            } else {
                words_match
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The words of each phrase of [`fts5`]'s expression, in its order: a
/// term's words phrase, then (for a Chinese term) its character phrase, which
/// stands for the same words. The fewest documents holding any of a phrase's
/// words bound the documents holding the phrase (see `search::rank`).
pub fn phrase_words(query: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for words in terms(query) {
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        if words.concat().chars().all(is_cjk) {
            out.push(lower.clone());
        }
        out.push(lower);
    }
    out
}

fn lexeme(word: &str) -> String {
    format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"))
}

/// A phrase of lexemes limited to weights: `ABC` are the word columns
/// (title, summary, body), `D` the characters, as FTS5's column filters.
fn ts_phrase(words: &[String], weights: &str) -> String {
    words
        .iter()
        .map(|w| format!("{}:{weights}", lexeme(w)))
        .collect::<Vec<_>>()
        .join(" <-> ")
}

/// The same match as [`fts5`] as a PostgreSQL tsquery (for
/// `to_tsquery('simple', …)`): every term, as words in sequence, or for a
/// Chinese term as its characters in sequence. Every word is a quoted lexeme.
pub fn tsquery(query: &str) -> Option<String> {
    let parts: Vec<String> = terms(query)
        .iter()
        .map(|words| {
            let joined: String = words.concat();
            if joined.chars().all(is_cjk) {
                let chars: Vec<String> = joined.chars().map(String::from).collect();
                format!("({} | {})", ts_phrase(words, "ABC"), ts_phrase(&chars, "D"))
            } else {
                format!("({})", ts_phrase(words, "ABC"))
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_must_match_in_the_word_columns() {
        assert_eq!(
            fts5("federal reserve").as_deref(),
            Some(r#"{title summary body} : "federal" AND {title summary body} : "reserve""#)
        );
    }

    #[test]
    fn fts_syntax_in_the_input_is_quoted_away() {
        for hostile in [
            r#"""#, "*", "NEAR(", "AND", "a OR b", r"\", "'", "(", "-x", "title:x", "chars:x",
        ] {
            if let Some(e) = fts5(hostile) {
                assert!(
                    e.starts_with("{title summary body} : \"") || e.starts_with('('),
                    "{hostile} → {e}"
                );
            }
        }
        assert_eq!(fts5("AND").as_deref(), Some(r#"{title summary body} : "AND""#));
        assert_eq!(fts5(r#"""#), None);
    }

    #[test]
    fn a_chinese_term_also_matches_as_adjacent_characters() {
        assert_eq!(
            fts5("北约").as_deref(),
            Some(r#"({title summary body} : "北约" OR chars : "北 约")"#)
        );
    }

    #[test]
    fn phrases_are_listed_in_the_order_of_the_match_expression() {
        assert_eq!(
            phrase_words("北约 Fed"),
            vec![vec!["北约".to_owned()], vec!["北约".to_owned()], vec!["fed".to_owned()]]
        );
    }

    #[test]
    fn the_postgres_query_quotes_every_lexeme() {
        assert_eq!(
            tsquery("北约 it's").as_deref(),
            Some("('北约':ABC | '北':D <-> '约':D) & ('it':ABC <-> 's':ABC)")
        );
        assert_eq!(tsquery(r"a\b").as_deref(), Some("('a':ABC <-> 'b':ABC)"));
        assert_eq!(tsquery("!!!"), None);
    }

    #[test]
    fn highlights_include_whole_terms_and_their_words() {
        let words = highlight_words("美国国务卿 Fed!");
        assert_eq!(words.first().map(String::as_str), Some("美国国务卿"));
        assert!(words.contains(&"Fed".to_owned()), "{words:?}");
    }
}
