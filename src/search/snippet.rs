//! The passage of a text that best matches a query, with matches in `<mark>`.

/// Characters of context a snippet shows.
const WINDOW: usize = 120;
/// Characters shown before the first match in the window.
const LEAD_IN: usize = 30;

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Byte ranges where any of `words` occurs (ASCII case ignored), merged.
fn matches(text: &str, words: &[String]) -> Vec<(usize, usize)> {
    let hay = text.to_ascii_lowercase();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for w in words.iter().map(|w| w.to_ascii_lowercase()).filter(|w| !w.is_empty()) {
        found.extend(hay.match_indices(&w).map(|(i, m)| (i, i + m.len())));
    }
    found.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in found {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The best passage of `text` for `words`: the window of about 120
/// characters holding the most matches. HTML-escaped, matches wrapped in
/// `<mark>`, `…` where text was cut. `None` when nothing matches.
pub fn best_passage(text: &str, words: &[String]) -> Option<String> {
    let found = matches(text, words);
    if found.is_empty() {
        return None;
    }
    let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let char_at = |byte: usize| char_starts.partition_point(|&b| b < byte);
    let byte_at = |ch: usize| char_starts.get(ch).copied().unwrap_or(text.len());

    // Score each match as a window start: how many matches fit after it.
    let mut best = (0, 0usize);
    for (i, &(s, _)) in found.iter().enumerate() {
        let end = byte_at(char_at(s) + WINDOW);
        let count = found[i..].iter().take_while(|m| m.1 <= end).count();
        if count > best.0 {
            best = (count, i);
        }
    }
    let first = found[best.1].0;
    let start_char = char_at(first).saturating_sub(LEAD_IN);
    let (start, end) = (byte_at(start_char), byte_at(start_char + WINDOW));

    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for &(s, e) in found.iter().filter(|m| m.0 >= start && m.1 <= end) {
        escape(&text[pos..s], &mut out);
        out.push_str("<mark>");
        escape(&text[s..e], &mut out);
        out.push_str("</mark>");
        pos = e;
    }
    escape(&text[pos..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_every_match_in_the_passage() {
        let s = best_passage("乌克兰希望加入北约，北约秘书长说", &w(&["北约"])).unwrap_or_default();
        assert_eq!(s, "乌克兰希望加入<mark>北约</mark>，<mark>北约</mark>秘书长说");
    }

    #[test]
    fn ignores_ascii_case_and_escapes_html() {
        let s = best_passage("The <b>Fed</b> & rates", &w(&["fed"])).unwrap_or_default();
        assert_eq!(s, "The &lt;b&gt;<mark>Fed</mark>&lt;/b&gt; &amp; rates");
    }

    #[test]
    fn long_text_is_cut_around_the_densest_matches() {
        let text = format!(
            "{} needle {} needle needle {}",
            "x ".repeat(200),
            "y ".repeat(10),
            "z ".repeat(200)
        );
        let s = best_passage(&text, &w(&["needle"])).unwrap_or_default();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert_eq!(s.matches("<mark>needle</mark>").count(), 3, "{s}");
    }

    #[test]
    fn no_match_is_none() {
        assert_eq!(best_passage("abc", &w(&["zzz"])), None);
    }
}
