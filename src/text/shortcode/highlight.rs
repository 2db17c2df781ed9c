//! The `highlight` shortcode: code coloured with syntect, laid out as
//! Hugo's Chroma lays it out with its defaults (`noClasses`, inline
//! styles): a `<div class="highlight">` holding a `<pre>` and a `<code>`
//! whose lines are `display:flex` spans, with Hugo's line options
//! `linenos` (line numbers, drawn inline; `table` is drawn inline too),
//! `linenostart` and `hl_lines`.
//!
//! The colours are syntect's `base16-eighties.dark` theme (syntect ships no
//! Monokai, Hugo's default style), and its tokens are syntect's grammars',
//! so a span boundary can differ from Chroma's while the text is the same.

use std::sync::LazyLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::{Color, FontStyle, Style, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::html::escape;

/// Go's `html.EscapeString`, which Chroma escapes code with (no `+`,
/// unlike `html/template`).
fn escape_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEME: LazyLock<Option<Theme>> = LazyLock::new(|| {
    let mut themes = ThemeSet::load_defaults().themes;
    themes.remove("base16-eighties.dark")
});

fn hex(c: Color) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
}

/// Hugo's highlight options (`"linenos=table,hl_lines=2 4-5"`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    line_numbers: bool,
    start: usize,
    highlighted: Vec<(usize, usize)>,
}

fn options(spec: &str) -> Options {
    let mut o = Options {
        start: 1,
        ..Options::default()
    };
    for part in spec.split(',') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match key.trim().to_ascii_lowercase().as_str() {
            "linenos" => o.line_numbers = matches!(value, "true" | "inline" | "table"),
            "linenostart" => o.start = value.parse().unwrap_or(1),
            "hl_lines" => {
                o.highlighted = value
                    .split_whitespace()
                    .filter_map(|r| match r.split_once('-') {
                        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                        None => r.parse().ok().map(|n| (n, n)),
                    })
                    .collect()
            }
            _ => {}
        }
    }
    o
}

/// `code` highlighted as `lang` (plain text when syntect knows no such language).
pub fn render(code: &str, lang: &str, spec: &str) -> String {
    let opts = options(spec);
    let syntax = SYNTAXES
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text());
    let theme = THEME.as_ref();
    let settings = theme.map(|t| &t.settings);
    let fg = settings.and_then(|s| s.foreground).unwrap_or(Color::WHITE);
    let bg = settings.and_then(|s| s.background).unwrap_or(Color::BLACK);
    let line_bg = settings
        .and_then(|s| s.line_highlight)
        .map_or("#3c3d38".to_owned(), hex);
    let gutter = settings
        .and_then(|s| s.gutter_foreground)
        .map_or("#7f7f7f".to_owned(), hex);
    let lang_attr = escape(lang);
    // Chroma makes the `<pre>` a grid when lines are highlighted, so a
    // highlighted line's background spans the block's width.
    let grid = if opts.highlighted.is_empty() {
        ""
    } else {
        "display:grid;"
    };
    let mut out = format!(
        "<div class=\"highlight\"><pre tabindex=\"0\" style=\"color:{};background-color:{};-moz-tab-size:4;-o-tab-size:4;tab-size:4;{grid}\"><code class=\"language-{lang_attr}\" data-lang=\"{lang_attr}\">",
        hex(fg),
        hex(bg)
    );
    let mut highlighter = theme.map(|t| HighlightLines::new(syntax, t));
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        let number = index + 1;
        let lit = opts.highlighted.iter().any(|&(a, b)| (a..=b).contains(&number));
        if lit {
            out.push_str(&format!("<span style=\"display:flex; background-color:{line_bg}\">"));
        } else {
            out.push_str("<span style=\"display:flex;\">");
        }
        if opts.line_numbers {
            out.push_str(&format!(
                "<span style=\"white-space:pre;-webkit-user-select:none;user-select:none;margin-right:0.4em;padding:0 0.4em 0 0.4em;color:{gutter}\">{}</span>",
                opts.start + index
            ));
        }
        out.push_str("<span>");
        let regions = highlighter
            .as_mut()
            .and_then(|h| h.highlight_line(line, &SYNTAXES).ok())
            .unwrap_or_else(|| vec![(Style::default(), line)]);
        for (style, text) in regions {
            push_token(&mut out, style, text, fg);
        }
        out.push_str("</span></span>");
    }
    out.push_str("</code></pre></div>");
    out
}

fn push_token(out: &mut String, style: Style, text: &str, fg: Color) {
    let mut css = String::new();
    if style.foreground != fg && style.foreground.a > 0 {
        css.push_str(&format!("color:{}", hex(style.foreground)));
    }
    if style.font_style.contains(FontStyle::BOLD) {
        css.push_str(if css.is_empty() {
            "font-weight:bold"
        } else {
            ";font-weight:bold"
        });
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        css.push_str(if css.is_empty() {
            "font-style:italic"
        } else {
            ";font-style:italic"
        });
    }
    // Chroma keeps a line's break inside its span, outside any token's.
    let (body, newline) = match text.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (text, ""),
    };
    if css.is_empty() || body.trim().is_empty() {
        out.push_str(&escape_code(body));
    } else {
        out.push_str(&format!("<span style=\"{css}\">{}</span>", escape_code(body)));
    }
    out.push_str(newline);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_hugos_line_settings() {
        assert_eq!(
            options("linenos=table,hl_lines=2 4-5,linenostart=10"),
            Options {
                line_numbers: true,
                start: 10,
                highlighted: vec![(2, 2), (4, 5)]
            }
        );
        assert!(!options("").line_numbers);
    }

    #[test]
    fn lines_are_flex_spans_with_numbers_and_highlights() {
        let html = render("a := 1\nb := \"<x>\"", "go", "linenos=true,hl_lines=2");
        assert!(
            html.starts_with("<div class=\"highlight\"><pre tabindex=\"0\" style=\"color:#"),
            "{html}"
        );
        assert!(html.contains("<code class=\"language-go\" data-lang=\"go\">"), "{html}");
        assert_eq!(html.matches("<span style=\"display:flex;").count(), 2, "{html}");
        assert!(html.contains("display:flex; background-color:"), "{html}");
        assert!(html.contains(">1</span>") && html.contains(">2</span>"), "{html}");
        let text = super::super::html::strip_tags(&html);
        assert_eq!(text, "1a := 1\n2b := &#34;&lt;x&gt;&#34;", "{html}");
        assert!(html.ends_with("</span></span></code></pre></div>"), "{html}");
    }
}
