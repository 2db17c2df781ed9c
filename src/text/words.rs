//! CJK-aware word counting and summaries, following Hugo's rules.

/// Hugo's `summaryLength` default.
pub const SUMMARY_WORDS: usize = 70;

/// Counts words as Hugo does with `hasCJKLanguage`: a white-space separated
/// word made only of single-byte characters counts once; any other word
/// counts each of its characters.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .map(|w| if w.is_ascii() { 1 } else { w.chars().count() })
        .sum()
}

/// Minutes to read `text`, as Hugo's `.ReadingTime`: 213 words a minute, or
/// 500 CJK characters a minute when the text is mostly CJK; at least 1.
pub fn reading_time(text: &str) -> usize {
    let words = word_count(text);
    let cjk = text.chars().filter(|c| is_cjk(*c)).count();
    let rate = if cjk * 2 > words { 500 } else { 213 };
    words.div_ceil(rate).max(1)
}

/// Hugo 0.111's `.WordCount` of plain `text`: on a CJK page (its
/// `isCJKLanguage`) as [`word_count`] counts; else white-space separated words.
pub fn hugo_word_count(text: &str, cjk_page: bool) -> usize {
    if cjk_page {
        word_count(text)
    } else {
        text.split_whitespace().count()
    }
}

/// Hugo 0.111's `.ReadingTime` for `words` words: 501 a minute on a CJK
/// page, else 213, rounded as Hugo rounds (0 for an empty page).
pub fn hugo_reading_time(words: usize, cjk_page: bool) -> usize {
    if cjk_page {
        words.div_ceil(501)
    } else {
        words.div_ceil(213)
    }
}

/// Hugo's `isCJKLanguage` of a page: front matter `isCJKLanguage` when
/// given, else whether the site has `hasCJKLanguage` and the file holds a
/// Han, Kana or Hangul character (in its front matter or its body).
pub fn is_cjk_page(front_matter: &serde_json::Value, body: &str, has_cjk_language: bool) -> bool {
    fn any_cjk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.chars().any(is_cjk),
            serde_json::Value::Array(a) => a.iter().any(any_cjk),
            serde_json::Value::Object(m) => m.iter().any(|(k, v)| k.chars().any(is_cjk) || any_cjk(v)),
            _ => false,
        }
    }
    match front_matter.get("iscjklanguage") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) if s == "true" || s == "false" => s == "true",
        _ => has_cjk_language && (body.chars().any(is_cjk) || any_cjk(front_matter)),
    }
}

/// Whether `c` is a Han, Kana or Hangul character (written without spaces).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F) // Extensions B and beyond
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…')
}

/// The first [`SUMMARY_WORDS`] words of `text` (each CJK character a word),
/// cut after the last sentence that ends within them, else at a word boundary.
/// Gazette's rule for content without a Hugo site config.
pub fn summarize(text: &str) -> String {
    summarize_flagged(text).0
}

/// [`summarize`], and whether it left text out.
pub fn summarize_flagged(text: &str) -> (String, bool) {
    let summary = summarize_inner(text);
    let truncated = word_count(&summary) < word_count(text);
    (summary, truncated)
}

/// A Hugo site's summary settings: `summaryLength` and `hasCJKLanguage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryRules {
    pub length: usize,
    pub cjk: bool,
}

/// Hugo 0.111's automatic summary of `text` (Hugo's plain text, see
/// [`hugo_plain`]), and whether it was truncated. Without `hasCJKLanguage`: the first `length` white-space
/// separated words, extended to the end of the sentence they stop in
/// (`TruncateWordsToWholeSentence`); with it, `length` words where a word of
/// multi-byte characters counts each of them, cut mid-word if need be
/// (`TruncateWordsByRune`). Lines are collapsed to single spaces.
pub fn hugo_summary(text: &str, rules: SummaryRules) -> (String, bool) {
    if rules.cjk {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut count = 0;
        for (index, word) in words.iter().enumerate() {
            if count >= rules.length {
                return (words[..index].join(" "), true);
            }
            let runes = word.chars().count();
            if word.len() == runes {
                count += 1;
            } else if count + runes < rules.length {
                count += runes;
            } else {
                for (byte, _) in word.char_indices() {
                    if count >= rules.length {
                        let mut kept: Vec<&str> = words[..index].to_vec();
                        kept.push(&word[..byte]);
                        return (kept.join(" "), true);
                    }
                    count += 1;
                }
            }
        }
        return (words.join(" "), false);
    }
    let (mut spaces, mut last_space) = (0, None);
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            spaces += 1;
            last_space = Some(i);
            if spaces >= rules.length {
                break;
            }
        }
    }
    let Some(from) = last_space else {
        return (collapse_lines(text), false);
    };
    let end = text[from..]
        .char_indices()
        .find(|(_, c)| matches!(c, '.' | '?' | '!' | '"' | '\n'))
        .map(|(j, c)| from + j + c.len_utf8());
    match end {
        Some(end) => (collapse_lines(&text[..end]), end < text.len()),
        None => (collapse_lines(text), false),
    }
}

fn summarize_inner(text: &str) -> String {
    let text = text.trim();
    let mut words = 0;
    let mut cut = text.len();
    let mut last_sentence_end = None;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_word = false;
        } else if is_cjk(c) {
            words += 1;
            in_word = false;
        } else if !in_word {
            words += 1;
            in_word = true;
        }
        if words > SUMMARY_WORDS {
            cut = i;
            break;
        }
        if ends_sentence(c) {
            last_sentence_end = Some(i + c.len_utf8());
        }
    }
    if cut == text.len() {
        return collapse_lines(text);
    }
    let end = last_sentence_end.unwrap_or_else(|| {
        // Back off to the start of the word the limit fell in.
        text[..cut]
            .rfind(char::is_whitespace)
            .filter(|_| !text[..cut].ends_with(is_cjk))
            .unwrap_or(cut)
    });
    collapse_lines(&text[..end])
}

/// Plain text (paragraphs separated by blank lines) as Hugo 0.111's
/// `.Plain` has it: a line break inside a paragraph is a space, and every
/// paragraph ends with a line break and a space (`</p>\n` stripped). Hugo
/// counts each of those white-space characters toward a summary's length,
/// and a summary is truncated when anything, even that last break, follows it.
pub fn hugo_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str(&paragraph.trim().replace('\n', " "));
        out.push_str("\n ");
    }
    out
}

fn collapse_lines(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cjk_characters_as_words() {
        assert_eq!(word_count("hello world"), 2);
        assert_eq!(word_count("特朗普说 hello"), 5);
    }

    #[test]
    fn short_text_is_its_own_summary() {
        assert_eq!(summarize("One line.\n\nTwo lines."), "One line. Two lines.");
    }

    #[test]
    fn cjk_summary_cuts_at_a_sentence_end_within_seventy_characters() {
        let text = format!("{}。{}", "字".repeat(40), "文".repeat(60));
        let summary = summarize(&text);
        assert_eq!(summary, format!("{}。", "字".repeat(40)));
    }

    #[test]
    fn english_summary_without_sentence_end_cuts_at_a_word() {
        let text = "word ".repeat(100);
        let summary = summarize(&text);
        assert_eq!(word_count(&summary), SUMMARY_WORDS);
        assert!(summary.ends_with("word"));
    }

    /// hugo 0.111.3 printed these summaries (`summaryLength = 10`; `5` with
    /// `hasCJKLanguage = true`), and these truncated flags.
    #[test]
    fn hugo_summaries_extend_to_the_sentence_end_and_cut_cjk_by_character() {
        let rules = SummaryRules { length: 10, cjk: false };
        let text = "One two three four five six seven eight. Nine ten eleven twelve thirteen. Fourteen fifteen.";
        assert_eq!(
            hugo_summary(text, rules),
            (
                "One two three four five six seven eight. Nine ten eleven twelve thirteen.".to_owned(),
                true
            )
        );
        assert_eq!(hugo_summary("Short text.", rules), ("Short text.".to_owned(), false));
        let cjk = SummaryRules { length: 5, cjk: true };
        assert_eq!(
            hugo_summary("央行意外宣布降息 today", cjk),
            ("央行意外宣".to_owned(), true)
        );
        assert_eq!(hugo_summary("a b 降息", cjk), ("a b 降息".to_owned(), false));
    }

    #[test]
    fn reading_time_is_at_least_a_minute() {
        assert_eq!(reading_time("短"), 1);
        assert_eq!(reading_time(&"word ".repeat(430)), 3);
    }
}
