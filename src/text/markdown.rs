//! Markdown rendering: HTML (with heading anchors) and plain text.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::slug::slugify;

/// A heading in a document, with the anchor id its HTML carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Parses `markdown` into events with an `id` on every heading (an explicit
/// `{#id}` wins; else the slug of its text, made unique with `-1`, `-2`, …
/// as Hugo does), and the list of those headings.
fn events_with_anchors(markdown: &str) -> (Vec<Event<'_>>, Vec<Heading>) {
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, options()).collect();
    let mut headings = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = level_number(*level);
            let explicit = id.as_ref().map(|s| s.to_string());
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = explicit
                .or_else(|| slugify(&text))
                .unwrap_or_else(|| "heading".to_owned());
            let n = seen.entry(base.clone()).or_insert(0);
            let anchor = if *n == 0 { base.clone() } else { format!("{base}-{n}") };
            *n += 1;
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(anchor.clone()));
            }
            headings.push(Heading {
                level,
                text: text.trim().to_owned(),
                anchor,
            });
            i = j;
        }
        i += 1;
    }
    (events, headings)
}

/// Renders markdown to HTML. Raw HTML in the source is left out, as Hugo's
/// default renderer does, so the output is safe to insert into a page.
pub fn to_html(markdown: &str) -> String {
    let (events, _) = events_with_anchors(markdown);
    let events = events.into_iter().map(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => Event::Html("<!-- raw HTML omitted -->".into()),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The headings of a markdown document, with the anchors [`to_html`] gives them.
pub fn headings(markdown: &str) -> Vec<Heading> {
    events_with_anchors(markdown).1
}

/// Markdown with its markup stripped: paragraphs separated by blank lines.
pub fn to_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            // CJK text wraps without spaces; other text needs one.
            Event::SoftBreak if !out.ends_with(super::words::is_cjk) => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::Item
                | TagEnd::TableRow,
            ) => {
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push_str("\n\n");
            }
            Event::End(TagEnd::TableCell) => out.push('\t'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_renders_bold_and_gives_headings_anchors() {
        let html = to_html("## 美国 Policy\n\n**大胆外交**\n\n## 美国 Policy");
        assert!(html.contains(r#"<h2 id="美国-policy">"#), "{html}");
        assert!(html.contains(r#"<h2 id="美国-policy-1">"#), "{html}");
        assert!(html.contains("<strong>大胆外交</strong>"), "{html}");
    }

    #[test]
    fn raw_html_is_left_out() {
        let html = to_html("hi <script>alert(1)</script>\n\n<div>x</div>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<div>"), "{html}");
    }

    #[test]
    fn text_strips_markup_and_keeps_paragraphs() {
        let text = to_text("# Title\n\nSome **bold** and [a link](http://x).\n\n- one\n- two");
        assert_eq!(text, "Title\n\nSome bold and a link.\n\none\n\ntwo");
    }

    #[test]
    fn headings_list_levels_text_and_anchors() {
        let hs = headings("# A\n\n### B `c`\n\n## Custom {#mine}");
        let got: Vec<_> = hs
            .iter()
            .map(|h| (h.level, h.text.as_str(), h.anchor.as_str()))
            .collect();
        assert_eq!(got, vec![(1, "A", "a"), (3, "B c", "b-c"), (2, "Custom", "mine")]);
    }
}
