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
/// HMM guessing of unknown words is off, here and for queries, so the same
/// characters are cut the same way in both.
pub fn for_index(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for token in jieba().cut_for_search(text, false) {
        if is_word(token.word) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token.word);
        }
    }
    out
}

/// Marks the gap between two runs of CJK characters in [`cjk_chars`], so a
/// phrase cannot match across punctuation or other text.
pub const RUN_BREAK: &str = "brk";

/// The CJK characters of `text`, one token each, runs separated by
/// [`RUN_BREAK`]: a phrase of characters then matches exactly where the
/// characters stand side by side, however jieba cut them.
pub fn cjk_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if crate::text::words::is_cjk(c) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push(c);
            in_run = true;
        } else if in_run {
            out.push(' ');
            out.push_str(RUN_BREAK);
            in_run = false;
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
    fn cjk_characters_stand_alone_and_runs_are_broken() {
        assert_eq!(cjk_chars("北约，秘书长 said 好"), "北 约 brk 秘 书 长 brk 好");
    }

    #[test]
    fn english_words_pass_through() {
        assert_eq!(for_index("Federal Reserve, rates."), "Federal Reserve rates");
        assert_eq!(query_words("NEAR("), vec!["NEAR"]);
    }
}
