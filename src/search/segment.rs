//! Word segmentation with jieba: Chinese has no spaces between words, so
//! text is cut into words before the database's full-text engine sees it.

use std::sync::OnceLock;

use jieba_rs::Jieba;

fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// Text as the index stores it: words separated by spaces. Search mode also
/// emits the shorter words inside long ones (中华人民共和国 → 中华, 人民, …).
pub fn for_index(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for token in jieba().cut_for_search(text, true) {
        if is_word(token.word) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token.word);
        }
    }
    out
}

/// The words of one query term, in order (`美联储加息` → `美联储`, `加息`).
pub fn query_words(term: &str) -> Vec<String> {
    jieba()
        .cut(term, false)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| is_word(w))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_cut_into_words_and_punctuation_dropped() {
        let indexed = for_index("特朗普表示，乌克兰将参与和平谈判。");
        let words: Vec<&str> = indexed.split(' ').collect();
        assert!(words.contains(&"特朗普"), "{indexed}");
        assert!(words.contains(&"乌克兰"), "{indexed}");
        assert!(!indexed.contains('，'), "{indexed}");
    }

    #[test]
    fn english_words_pass_through() {
        assert_eq!(for_index("Federal Reserve, rates."), "Federal Reserve rates");
        assert_eq!(query_words("NEAR("), vec!["NEAR"]);
    }
}
