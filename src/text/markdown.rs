//! Markdown rendering: HTML (with heading anchors) and plain text, with
//! Hugo's shortcodes in them.
//!
//! Shortcodes are handled as Hugo handles them: each top-level shortcode is
//! replaced by a placeholder word before the markdown is rendered, and the
//! placeholder by the shortcode's output after (a placeholder that is a
//! paragraph of its own takes the `<p>` with it). So a shortcode's HTML is
//! never re-read as markdown (nor dropped as raw HTML), and a `relref` in a
//! link's destination ends up in its `href`.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::shortcode::html::{self as sc_html, PageContext};
use super::shortcode::{self, Node, Shortcode};
use super::slug::slugify;

const PLACEHOLDER_START: &str = "HAHAGAZETTESHORTCODE";
const PLACEHOLDER_END: &str = "HBHB";

/// A body with each top-level shortcode replaced by a placeholder word.
pub(crate) struct Prepared {
    pub markdown: String,
    pub shortcodes: Vec<Shortcode>,
}

fn placeholder(i: usize) -> String {
    format!("{PLACEHOLDER_START}{i}{PLACEHOLDER_END}")
}

/// The placeholders in `s`, in order: (start, end, index).
pub(crate) fn placeholders(s: &str) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find(PLACEHOLDER_START) {
        let start = from + i;
        let digits_at = start + PLACEHOLDER_START.len();
        let digits = s[digits_at..].bytes().take_while(u8::is_ascii_digit).count();
        let end = digits_at + digits;
        if digits > 0 && s[end..].starts_with(PLACEHOLDER_END) {
            if let Ok(n) = s[digits_at..end].parse() {
                found.push((start, end + PLACEHOLDER_END.len(), n));
            }
            from = end + PLACEHOLDER_END.len();
        } else {
            from = digits_at;
        }
    }
    found
}

/// `s` with every placeholder replaced by what `with` gives for its shortcode.
fn replace_placeholders(s: &str, with: impl Fn(usize) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (start, end, n) in placeholders(s) {
        out.push_str(&s[last..start]);
        out.push_str(&with(n));
        last = end;
    }
    out.push_str(&s[last..]);
    out
}

/// Splits `markdown`'s shortcodes out. Text whose shortcodes do not parse
/// (the importer refuses such a file, but an older row may hold one, and a
/// summary is made of the part before `<!--more-->`, which may cut a
/// paired shortcode in two) loses its tags rather than showing them.
pub(crate) fn prepare(markdown: &str) -> Prepared {
    let nodes = if shortcode::may_contain(markdown) {
        shortcode::parse(markdown).unwrap_or_else(|_| vec![Node::Text(without_tags(markdown))])
    } else {
        vec![Node::Text(markdown.to_owned())]
    };
    let mut out = String::with_capacity(markdown.len());
    let mut shortcodes = Vec::new();
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(&t),
            Node::Shortcode(sc) => {
                out.push_str(&placeholder(shortcodes.len()));
                shortcodes.push(sc);
            }
        }
    }
    Prepared {
        markdown: out,
        shortcodes,
    }
}

/// The `ref` and `relref` targets of `markdown`'s shortcodes, nested ones
/// included, without their `#fragment`: the pages a render must look up.
pub fn ref_targets(markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let prepared = prepare(markdown);
    let mut pending: Vec<&Shortcode> = prepared.shortcodes.iter().collect();
    while let Some(sc) = pending.pop() {
        if sc.name == "ref" || sc.name == "relref" {
            let target = sc_html::ref_target(&sc.params);
            let path = target.split('#').next().unwrap_or_default().to_owned();
            if !path.is_empty() && !out.contains(&path) {
                out.push(path);
            }
        }
        for node in sc.inner.iter().flatten() {
            if let Node::Shortcode(nested) = node {
                pending.push(nested);
            }
        }
    }
    out
}

/// `text` without anything from a `{{<` or `{{%` to its right delimiter
/// (or, when there is none, to the end of its line).
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let found = [rest.find("{{<"), rest.find("{{%")].into_iter().flatten().min();
        let Some(at) = found else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let right = if rest[at..].starts_with("{{%") { "%}}" } else { ">}}" };
        let after = &rest[at + 3..];
        rest = match after.find(right) {
            Some(end) => &after[end + 3..],
            None => after.find('\n').map_or("", |nl| &after[nl..]),
        };
    }
}

/// Renders markdown for a shortcode (captions, inner content) with the page's context.
struct PageMarkdown<'p, 'a> {
    page: &'p PageContext<'a>,
}

impl sc_html::Markdown for PageMarkdown<'_, '_> {
    fn block(&self, markdown: &str) -> String {
        to_html_with(markdown, self.page)
    }
}

/// The HTML of one shortcode, its inner content rendered: as markdown for
/// `{{% %}}`; for `{{< >}}` as written (escaped), nested shortcodes rendered.
pub fn shortcode_html(sc: &Shortcode, page: &PageContext<'_>) -> String {
    let md = PageMarkdown { page };
    let inner = || {
        if sc.markdown {
            to_html_with(&sc.inner_source, page)
        } else {
            let mut out = String::new();
            for node in sc.inner.iter().flatten() {
                match node {
                    Node::Text(t) => out.push_str(&escape_html(t)),
                    Node::Shortcode(nested) => out.push_str(&shortcode_html(nested, page)),
                }
            }
            out
        }
    };
    sc_html::render(sc, page, &md, &inner)
}

/// A shortcode's plain text: its HTML without tags, entities decoded, as
/// Hugo's `.Plain` reads the page. `ref`, `relref` and `param` give none:
/// plain text (summaries, word counts, the search index) is made where
/// neither the site's pages nor its params are at hand, and must be the
/// same wherever it is made.
pub fn shortcode_text(sc: &Shortcode) -> String {
    match sc.name.as_str() {
        "ref" | "relref" | "param" => String::new(),
        // Its HTML's text is the code: no need to colour it first.
        "highlight" => sc_html::deindent(&sc.inner_source),
        _ => sc_html::decode_entities(&sc_html::strip_tags(&shortcode_html(sc, &PageContext::empty())))
            .trim()
            .to_owned(),
    }
}

/// Text for a double-quoted attribute, escaped as pulldown-cmark escapes one.
fn escape_attribute(s: &str) -> String {
    escape_html(s).replace('\'', "&#39;")
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A heading in a document, with the anchor id its HTML carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

pub(crate) fn options() -> Options {
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
pub(crate) fn events_with_anchors(markdown: &str) -> (Vec<Event<'_>>, Vec<Heading>) {
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
            // A shortcode in a heading leaves no placeholder in its anchor.
            let text = replace_placeholders(&text, |_| String::new());
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
/// Shortcodes render without page context: see [`to_html_with`].
pub fn to_html(markdown: &str) -> String {
    to_html_with(markdown, &PageContext::empty())
}

/// [`to_html`], with the page's params and resolved references for the
/// `param`, `ref` and `relref` shortcodes.
pub fn to_html_with(markdown: &str, page: &PageContext<'_>) -> String {
    let prepared = prepare(markdown);
    let (events, _) = events_with_anchors(&prepared.markdown);
    let events = events.into_iter().map(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => Event::Html("<!-- raw HTML omitted -->".into()),
        // A relative link to a bundle file points at the file's URL.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: page.resource_url(&dest_url).into_owned().into(),
            title,
            id,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: page.resource_url(&dest_url).into_owned().into(),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    if prepared.shortcodes.is_empty() {
        return out;
    }
    let rendered: Vec<String> = prepared.shortcodes.iter().map(|sc| shortcode_html(sc, page)).collect();
    // Hugo's rule (issue #1148): a placeholder that is a whole paragraph
    // replaces the paragraph.
    let mut html = String::with_capacity(out.len());
    let mut last = 0;
    for (start, end, n) in placeholders(&out) {
        let output = rendered.get(n).map(String::as_str).unwrap_or_default();
        // In a tag (a link's href, an image's alt), only the output's text
        // may stand, escaped for the attribute: an element there would
        // break the tag open.
        if out[..start].rfind('<') > out[..start].rfind('>') {
            html.push_str(&out[last..start]);
            html.push_str(&escape_attribute(&sc_html::decode_entities(&sc_html::strip_tags(
                output,
            ))));
            last = end;
            continue;
        }
        let (start, end) = if out[..start].ends_with("<p>") && out[end..].starts_with("</p>") {
            (start - 3, end + 4)
        } else {
            (start, end)
        };
        html.push_str(&out[last..start]);
        html.push_str(output);
        last = end;
    }
    html.push_str(&out[last..]);
    html
}

/// The headings of a markdown document, with the anchors [`to_html`] gives them.
pub fn headings(markdown: &str) -> Vec<Heading> {
    events_with_anchors(&prepare(markdown).markdown).1
}

/// Markdown with its markup stripped: paragraphs separated by blank lines.
/// A shortcode gives its plain text ([`shortcode_text`]), never its source.
pub fn to_text(markdown: &str) -> String {
    let prepared = prepare(markdown);
    let texts: Vec<String> = prepared.shortcodes.iter().map(shortcode_text).collect();
    let text = |t: &str| replace_placeholders(t, |n| texts.get(n).cloned().unwrap_or_default());
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(&prepared.markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&text(&t)),
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
    // A shortcode with no text leaves an empty paragraph behind.
    let mut tidy = String::with_capacity(out.len());
    for block in out.split("\n\n").filter(|b| !b.trim().is_empty()) {
        if !tidy.is_empty() {
            tidy.push_str("\n\n");
        }
        tidy.push_str(block);
    }
    tidy.trim().to_owned()
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

    #[test]
    fn shortcodes_never_leak_into_html_or_text() {
        let md = "Intro {{< badge \"new\" >}}.\n\n{{% note kind=tip %}}\nSome **bold**.\n{{% /note %}}\n\n{{< figure src=\"a.png\" caption=\"A chart\" >}}";
        let html = to_html(md);
        assert!(!html.contains("{{"), "{html}");
        assert!(
            html.contains(
                r#"<p>Intro <gazette-shortcode name="badge" data-params='["new"]'></gazette-shortcode>.</p>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<gazette-shortcode name="note" data-params='{"kind":"tip"}'><p>Some <strong>bold</strong>.</p>"#
            ),
            "{html}"
        );
        assert!(html.contains("<figure><img src=\"a.png\""), "{html}");
        let text = to_text(md);
        assert_eq!(text, "Intro .\n\nSome bold.\n\nA chart");
    }

    #[test]
    fn inner_content_of_angle_shortcodes_is_escaped_not_rendered() {
        let html = to_html("{{< note >}}<b>*x*</b>{{< /note >}}");
        assert_eq!(
            html,
            "<gazette-shortcode name=\"note\" data-params='[]'>&lt;b&gt;*x*&lt;/b&gt;</gazette-shortcode>\n"
        );
    }

    #[test]
    fn params_json_is_escaped_for_a_single_quoted_attribute() {
        let html = to_html("{{< card title=\"It's <b>&</b>\" >}}");
        assert!(
            html.contains(r#"data-params='{"title":"It&#39;s &lt;b&gt;&amp;&lt;/b&gt;"}'"#),
            "{html}"
        );
    }

    #[test]
    fn a_shortcode_in_a_heading_leaves_its_anchor_alone() {
        let hs = headings("## Rates {{< badge new >}}");
        assert_eq!(hs[0].anchor, "rates");
        assert!(to_html("## Rates {{< badge new >}}").starts_with("<h2 id=\"rates\">Rates <gazette-shortcode"));
    }

    /// Hugo 0.140's `details` template (0.111 has none).
    #[test]
    fn details_renders_its_summary_and_markdown_inner() {
        let html = to_html("{{< details summary=\"More *info*\" open=true >}}\nSome **bold**.\n{{< /details >}}");
        assert_eq!(
            html,
            "<details open>\n\t<summary>More <em>info</em></summary>\n\t<p>Some <strong>bold</strong>.</p>\n</details>\n\n"
        );
        let plain = to_html("{{< details >}}x{{< /details >}}");
        assert!(plain.starts_with("<details>\n\t<summary>Details</summary>"), "{plain}");
    }

    #[test]
    fn tweets_are_links_the_widget_script_embeds() {
        let named = to_html("{{< x user=\"SanDiegoZoo\" id=\"1453110110599868418\" >}}");
        assert_eq!(
            named,
            "<blockquote class=\"twitter-tweet\"><a href=\"https://x.com/SanDiegoZoo/status/1453110110599868418\">https://x.com/SanDiegoZoo/status/1453110110599868418</a></blockquote>\n\n"
        );
        let positional = to_html("{{< tweet SanDiegoZoo 1453110110599868418 >}}");
        assert!(
            positional.contains("href=\"https://twitter.com/SanDiegoZoo/status/1453110110599868418\""),
            "{positional}"
        );
        assert_eq!(
            to_text("{{< tweet SanDiegoZoo 1453110110599868418 >}}"),
            "https://twitter.com/SanDiegoZoo/status/1453110110599868418"
        );
    }

    /// An element in a link's destination would break the `<a>` open: only
    /// the shortcode's text goes there.
    #[test]
    fn a_shortcode_in_an_attribute_leaves_only_its_text() {
        let html = to_html("[docs]({{< eturl sitemap >}}) and ![a](x.png \"{{< badge new >}}\")");
        assert_eq!(
            html,
            "<p><a href=\"\">docs</a> and <img src=\"x.png\" alt=\"a\" title=\"\" /></p>\n"
        );
        let escaped = to_html("[x](/a '{{< note >}}\"q\" & it{{< /note >}}')");
        assert!(escaped.contains("title=\"&quot;q&quot; &amp; it\""), "{escaped}");
    }

    /// The part of a body before `<!--more-->` may cut a paired shortcode in
    /// two: its tags are dropped, never shown.
    #[test]
    fn unparsable_shortcodes_leave_no_tags_behind() {
        assert_eq!(to_text("Before {{% note kind=tip %}}inside"), "Before inside");
        assert_eq!(to_text("A {{< highlight go\nnext line"), "A next line");
        assert_eq!(to_html("x {{< /figure >}} y"), "<p>x  y</p>\n");
    }
}
