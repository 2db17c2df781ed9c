//! A body as an mdast tree (<https://github.com/syntax-tree/mdast>), the
//! syntax tree remark, react-markdown and MDX work on, built from the same
//! pulldown-cmark events as the HTML: headings carry the anchor the HTML
//! and `tableOfContents` give them in `data.hProperties.id` (remark's
//! convention for an element's HTML properties, which remark-rehype
//! copies onto the `<h2>`), raw HTML is an `html` node holding the comment
//! the HTML renderer puts in its place, and each shortcode is a
//! `shortcode` node: `{ type, name, params, children }`.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, LinkType, Tag, TagEnd};
use serde_json::{json, Map, Value};

use super::markdown::{events_with_anchors, placeholders, prepare, shortcode_html, shortcode_text};
use super::shortcode::html::{decode_entities, strip_tags, PageContext};
use super::shortcode::{Node, Shortcode};

/// The raw HTML stand-in, as `body(format: HTML)` shows it.
const OMITTED: &str = "<!-- raw HTML omitted -->";

/// `markdown` as an mdast `root` node.
pub fn to_json(markdown: &str, page: &PageContext<'_>) -> Value {
    json!({ "type": "root", "children": children(markdown, page) })
}

/// The block nodes of `markdown`.
fn children(markdown: &str, page: &PageContext<'_>) -> Vec<Value> {
    let prepared = prepare(markdown);
    let (events, _) = events_with_anchors(&prepared.markdown);
    let mut b = Builder {
        shortcodes: &prepared.shortcodes,
        page,
        stack: vec![Frame::new(Map::new())],
    };
    for event in events {
        b.event(event);
    }
    b.stack.pop().map(|f| f.children).unwrap_or_default()
}

fn shortcode_node(sc: &Shortcode, page: &PageContext<'_>) -> Value {
    let children: Vec<Value> = match &sc.inner {
        None => Vec::new(),
        Some(_) if sc.markdown => children(&sc.inner_source, page),
        Some(nodes) => nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => json!({ "type": "text", "value": t }),
                Node::Shortcode(nested) => shortcode_node(nested, page),
            })
            .collect(),
    };
    json!({
        "type": "shortcode",
        "name": sc.name,
        "params": sc.params.to_json(),
        "children": children,
    })
}

/// What a frame collects besides child nodes.
enum Collect {
    Children,
    /// A code block's text.
    Code(String),
    /// An image's alt text.
    Alt(String),
}

struct Frame {
    node: Map<String, Value>,
    children: Vec<Value>,
    collect: Collect,
}

impl Frame {
    fn new(node: Map<String, Value>) -> Self {
        Frame {
            node,
            children: Vec::new(),
            collect: Collect::Children,
        }
    }
}

fn node(kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m
}

fn is_inline(v: &Value) -> bool {
    matches!(
        v["type"].as_str(),
        Some(
            "text"
                | "emphasis"
                | "strong"
                | "delete"
                | "link"
                | "image"
                | "inlineCode"
                | "break"
                | "footnoteReference"
                | "html"
                | "shortcode"
        )
    )
}

struct Builder<'s, 'p, 'a> {
    shortcodes: &'s [Shortcode],
    page: &'p PageContext<'a>,
    stack: Vec<Frame>,
}

impl Builder<'_, '_, '_> {
    fn push(&mut self, value: Value) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        // Text next to text (pulldown-cmark splits it at entities and brackets) is one node.
        if value["type"] == "text" {
            if let Some(Value::Object(last)) = top.children.last_mut() {
                if last.get("type").and_then(Value::as_str) == Some("text") {
                    let joined = format!(
                        "{}{}",
                        last.get("value").and_then(Value::as_str).unwrap_or_default(),
                        value["value"].as_str().unwrap_or_default()
                    );
                    last.insert("value".into(), joined.into());
                    return;
                }
            }
        }
        top.children.push(value);
    }

    /// Text with the shortcodes' placeholders in it: text and shortcode nodes.
    fn text(&mut self, t: &str) {
        let mut last = 0;
        for (start, end, n) in placeholders(t) {
            if start > last {
                self.push(json!({ "type": "text", "value": &t[last..start] }));
            }
            if let Some(sc) = self.shortcodes.get(n) {
                let value = shortcode_node(sc, self.page);
                self.push(value);
            }
            last = end;
        }
        if last < t.len() {
            self.push(json!({ "type": "text", "value": &t[last..] }));
        }
    }

    /// A URL or title with placeholders: each replaced by its shortcode's
    /// output as text (a `relref` in a link's destination is its URL).
    fn attribute(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, end, n) in placeholders(s) {
            out.push_str(&s[last..start]);
            if let Some(sc) = self.shortcodes.get(n) {
                out.push_str(&decode_entities(&strip_tags(&shortcode_html(sc, self.page))));
            }
            last = end;
        }
        out.push_str(&s[last..]);
        out
    }

    /// Plain text with each placeholder replaced by its shortcode's text.
    fn plain(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (start, end, n) in placeholders(s) {
            out.push_str(&s[last..start]);
            if let Some(sc) = self.shortcodes.get(n) {
                out.push_str(&shortcode_text(sc));
            }
            last = end;
        }
        out.push_str(&s[last..]);
        out
    }

    fn open(&mut self, tag: Tag<'_>) {
        let frame = match tag {
            Tag::Paragraph => Frame::new(node("paragraph")),
            Tag::Heading {
                level,
                id,
                classes,
                attrs,
            } => {
                let mut n = node("heading");
                n.insert("depth".into(), (level as u8).into());
                // `{#id .class key=value}` after a heading: hast properties,
                // as remark-heading-id and remark-attr give them.
                let mut props = Map::new();
                props.insert("id".into(), id.map(|i| i.to_string()).unwrap_or_default().into());
                if !classes.is_empty() {
                    let names: Vec<Value> = classes.iter().map(|c| Value::from(c.to_string())).collect();
                    props.insert("className".into(), names.into());
                }
                for (key, value) in attrs {
                    props.insert(key.to_string(), value.map(|v| v.to_string()).unwrap_or_default().into());
                }
                n.insert("data".into(), json!({ "hProperties": props }));
                Frame::new(n)
            }
            Tag::BlockQuote(_) => Frame::new(node("blockquote")),
            Tag::CodeBlock(kind) => {
                let mut n = node("code");
                let (lang, meta) = match kind {
                    CodeBlockKind::Fenced(info) => {
                        let info = info.trim().to_owned();
                        match info.split_once(char::is_whitespace) {
                            Some((lang, meta)) => (Value::from(lang), Value::from(meta.trim())),
                            None if info.is_empty() => (Value::Null, Value::Null),
                            None => (Value::from(info), Value::Null),
                        }
                    }
                    CodeBlockKind::Indented => (Value::Null, Value::Null),
                };
                n.insert("lang".into(), lang);
                n.insert("meta".into(), meta);
                Frame {
                    collect: Collect::Code(String::new()),
                    ..Frame::new(n)
                }
            }
            Tag::List(start) => {
                let mut n = node("list");
                n.insert("ordered".into(), start.is_some().into());
                n.insert("start".into(), start.map_or(Value::Null, Value::from));
                n.insert("spread".into(), false.into());
                Frame::new(n)
            }
            Tag::Item => {
                let mut n = node("listItem");
                n.insert("checked".into(), Value::Null);
                n.insert("spread".into(), false.into());
                Frame::new(n)
            }
            Tag::FootnoteDefinition(label) => {
                let mut n = node("footnoteDefinition");
                n.insert("identifier".into(), label.to_lowercase().into());
                n.insert("label".into(), label.to_string().into());
                Frame::new(n)
            }
            Tag::Table(aligns) => {
                let mut n = node("table");
                let align: Vec<Value> = aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::None => Value::Null,
                        Alignment::Left => "left".into(),
                        Alignment::Center => "center".into(),
                        Alignment::Right => "right".into(),
                    })
                    .collect();
                n.insert("align".into(), align.into());
                Frame::new(n)
            }
            // pulldown-cmark's head holds its cells directly; mdast's is the first row.
            Tag::TableHead | Tag::TableRow => Frame::new(node("tableRow")),
            Tag::TableCell => Frame::new(node("tableCell")),
            Tag::Emphasis => Frame::new(node("emphasis")),
            Tag::Strong => Frame::new(node("strong")),
            Tag::Strikethrough => Frame::new(node("delete")),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let mut n = node("link");
                // An email autolink's destination is the address alone;
                // mdast's url is the link's (`mailto:…`), as the HTML's href.
                let url = match link_type {
                    LinkType::Email => format!("mailto:{}", self.attribute(&dest_url)),
                    _ => self.page.resource_url(&self.attribute(&dest_url)).into_owned(),
                };
                n.insert("url".into(), url.into());
                n.insert("title".into(), title_value(&self.attribute(&title)));
                Frame::new(n)
            }
            Tag::Image { dest_url, title, .. } => {
                let mut n = node("image");
                let url = self.page.resource_url(&self.attribute(&dest_url)).into_owned();
                n.insert("url".into(), url.into());
                n.insert("title".into(), title_value(&self.attribute(&title)));
                Frame {
                    collect: Collect::Alt(String::new()),
                    ..Frame::new(n)
                }
            }
            // Its lines become `html` nodes in the parent, one per line the
            // HTML renderer replaces with its comment.
            Tag::HtmlBlock => Frame::new(node("htmlBlock")),
            // Not enabled in the parser's options; kept as a plain parent.
            _ => Frame::new(node("paragraph")),
        };
        self.stack.push(frame);
    }

    fn close(&mut self, end: TagEnd) {
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        match frame.collect {
            Collect::Code(code) => {
                let code = code.strip_suffix('\n').unwrap_or(&code).to_owned();
                frame.node.insert("value".into(), self.plain(&code).into());
            }
            Collect::Alt(alt) => {
                frame.node.insert("alt".into(), self.plain(&alt).into());
            }
            Collect::Children => {
                let mut children = std::mem::take(&mut frame.children);
                if matches!(end, TagEnd::Item) {
                    // A tight list's items hold their text directly; mdast wraps it in paragraphs.
                    children = wrap_inline(children);
                }
                if matches!(end, TagEnd::List(_)) {
                    let spread = children.iter().any(|item| item["spread"] == true);
                    frame.node.insert("spread".into(), spread.into());
                }
                frame.node.insert("children".into(), children.into());
            }
        }
        if matches!(end, TagEnd::HtmlBlock) {
            if let Some(Value::Array(lines)) = frame.node.remove("children") {
                for line in lines {
                    self.push(line);
                }
            }
            return;
        }
        let value = Value::Object(frame.node);
        // A shortcode that is a paragraph of its own stands in for the
        // paragraph, as its HTML takes the `<p>`'s place.
        if let (TagEnd::Paragraph, Some([only])) = (end, value["children"].as_array().map(Vec::as_slice)) {
            if only["type"] == "shortcode" {
                self.push(only.clone());
                return;
            }
        }
        if let (TagEnd::Paragraph, Some(parent)) = (end, self.stack.last_mut()) {
            if parent.node.get("type").and_then(Value::as_str) == Some("listItem") {
                // A paragraph in an item: the list is loose.
                parent.node.insert("spread".into(), true.into());
            }
        }
        self.push(value);
    }

    fn event(&mut self, event: Event<'_>) {
        if let Some(frame) = self.stack.last_mut() {
            match (&mut frame.collect, &event) {
                (Collect::Code(code), Event::Text(t)) => return code.push_str(t),
                (Collect::Alt(alt), Event::Text(t) | Event::Code(t)) => return alt.push_str(t),
                (Collect::Alt(_), Event::Start(_)) => {
                    // Markup inside alt text leaves only its text; keep the frame balanced.
                    self.stack.push(Frame {
                        collect: Collect::Alt(String::new()),
                        ..Frame::new(Map::new())
                    });
                    return;
                }
                (Collect::Alt(_), Event::End(TagEnd::Image)) => {}
                (Collect::Alt(_), Event::End(_)) => {
                    if let Some(inner) = self.stack.pop() {
                        if let (
                            Collect::Alt(text),
                            Some(Frame {
                                collect: Collect::Alt(alt),
                                ..
                            }),
                        ) = (inner.collect, self.stack.last_mut())
                        {
                            alt.push_str(&text);
                        }
                    }
                    return;
                }
                _ => {}
            }
        }
        match event {
            Event::Start(tag) => self.open(tag),
            Event::End(end) => self.close(end),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let value = self.plain(&t);
                self.push(json!({ "type": "inlineCode", "value": value }));
            }
            Event::Html(_) | Event::InlineHtml(_) => self.push(json!({ "type": "html", "value": OMITTED })),
            Event::SoftBreak => self.push(json!({ "type": "text", "value": "\n" })),
            Event::HardBreak => self.push(json!({ "type": "break" })),
            Event::Rule => self.push(json!({ "type": "thematicBreak" })),
            Event::FootnoteReference(label) => self.push(json!({
                "type": "footnoteReference",
                "identifier": label.to_lowercase(),
                "label": label.to_string(),
            })),
            Event::TaskListMarker(checked) => {
                if let Some(frame) = self.stack.last_mut() {
                    frame.node.insert("checked".into(), checked.into());
                }
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
        }
    }
}

fn title_value(title: &str) -> Value {
    if title.is_empty() {
        Value::Null
    } else {
        title.into()
    }
}

/// Runs of inline nodes wrapped in paragraphs.
fn wrap_inline(children: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut run: Vec<Value> = Vec::new();
    for child in children {
        if is_inline(&child) {
            run.push(child);
        } else {
            if !run.is_empty() {
                out.push(json!({ "type": "paragraph", "children": std::mem::take(&mut run) }));
            }
            out.push(child);
        }
    }
    if !run.is_empty() {
        out.push(json!({ "type": "paragraph", "children": run }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::markdown::headings;

    fn tree(md: &str) -> Value {
        to_json(md, &PageContext::empty())
    }

    #[test]
    fn every_node_type_is_built() {
        let md = "# Title\n\nSome *em* **strong** ~~gone~~ `code` [link](https://x.org \"T\") ![alt *x*](i.png)\\\nnext<b>x</b>[^1]\n\n> quoted\n\n- [x] done\n- [ ] todo\n\n3. three\n4. four\n\n```rust title=a.rs\nfn main() {}\n```\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n---\n\n<div>raw</div>\n\n[^1]: The note.\n";
        let t = tree(md);
        let kids = t["children"].as_array().unwrap();
        let types: Vec<&str> = kids.iter().map(|k| k["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "heading",
                "paragraph",
                "blockquote",
                "list",
                "list",
                "code",
                "table",
                "thematicBreak",
                "html",
                "footnoteDefinition"
            ]
        );
        assert_eq!(kids[0]["depth"], 1);
        assert_eq!(kids[0]["data"]["hProperties"]["id"], "title");
        let inline: Vec<&str> = kids[1]["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            inline,
            [
                "text",
                "emphasis",
                "text",
                "strong",
                "text",
                "delete",
                "text",
                "inlineCode",
                "text",
                "link",
                "text",
                "image",
                "break",
                "text",
                "html",
                "text",
                "html",
                "footnoteReference"
            ]
        );
        let p = &kids[1]["children"];
        assert_eq!(
            p[9],
            json!({"type": "link", "url": "https://x.org", "title": "T", "children": [{"type": "text", "value": "link"}]})
        );
        assert_eq!(
            p[11],
            json!({"type": "image", "url": "i.png", "title": null, "alt": "alt x"})
        );
        assert_eq!(p[14]["value"], "<!-- raw HTML omitted -->");
        assert_eq!(
            p[17],
            json!({"type": "footnoteReference", "identifier": "1", "label": "1"})
        );
        assert_eq!(kids[2]["children"][0]["type"], "paragraph");
        let tasks = &kids[3];
        assert_eq!(
            (tasks["ordered"].clone(), tasks["spread"].clone()),
            (json!(false), json!(false))
        );
        assert_eq!(tasks["children"][0]["checked"], true);
        assert_eq!(tasks["children"][1]["checked"], false);
        assert_eq!(tasks["children"][0]["children"][0]["type"], "paragraph");
        assert_eq!(kids[4]["start"], 3);
        assert_eq!(kids[4]["ordered"], true);
        assert_eq!(kids[4]["children"][0]["checked"], Value::Null);
        assert_eq!(
            kids[5],
            json!({"type": "code", "lang": "rust", "meta": "title=a.rs", "value": "fn main() {}"})
        );
        assert_eq!(kids[6]["align"], json!(["left", "right"]));
        assert_eq!(kids[6]["children"].as_array().unwrap().len(), 2);
        assert_eq!(kids[6]["children"][1]["children"][1]["type"], "tableCell");
        assert_eq!(kids[6]["children"][1]["children"][1]["children"][0]["value"], "2");
        assert_eq!(kids[9]["identifier"], "1");
        assert_eq!(kids[9]["children"][0]["children"][0]["value"], "The note.");
    }

    #[test]
    fn a_loose_list_is_spread() {
        let t = tree("- a\n\n- b\n");
        assert_eq!(t["children"][0]["spread"], true);
        assert_eq!(t["children"][0]["children"][0]["spread"], true);
    }

    #[test]
    fn heading_ids_are_the_table_of_contents_anchors() {
        let md = "## 美国 Policy\n\n## 美国 Policy\n\n### Custom {#mine}\n\n## Rates {{< badge new >}}";
        let ids: Vec<Value> = tree(md)["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["data"]["hProperties"]["id"].clone())
            .collect();
        let anchors: Vec<Value> = headings(md).into_iter().map(|h| Value::from(h.anchor)).collect();
        assert_eq!(ids, anchors);
        assert_eq!(
            anchors,
            [
                json!("美国-policy"),
                json!("美国-policy-1"),
                json!("mine"),
                json!("rates")
            ]
        );
    }

    #[test]
    fn shortcodes_are_nodes_with_their_params_and_children() {
        let md = "{{< figure src=\"a.png\" >}}\n\nSee {{< badge \"new\" 3 >}} here.\n\n{{% note kind=tip %}}\nSome **bold**.\n{{% /note %}}\n\n{{< box >}}raw *x* {{< badge 1 >}}{{< /box >}}";
        let t = tree(md);
        let kids = &t["children"];
        assert_eq!(
            kids[0],
            json!({"type": "shortcode", "name": "figure", "params": {"src": "a.png"}, "children": []})
        );
        assert_eq!(kids[1]["type"], "paragraph");
        assert_eq!(
            kids[1]["children"][1],
            json!({"type": "shortcode", "name": "badge", "params": ["new", 3], "children": []})
        );
        assert_eq!(kids[2]["name"], "note");
        assert_eq!(kids[2]["params"], json!({"kind": "tip"}));
        assert_eq!(kids[2]["children"][0]["type"], "paragraph");
        assert_eq!(kids[2]["children"][0]["children"][1]["type"], "strong");
        assert_eq!(
            kids[3]["children"],
            json!([{"type": "text", "value": "raw *x* "}, {"type": "shortcode", "name": "badge", "params": [1], "children": []}])
        );
    }

    #[test]
    fn a_relref_in_a_link_is_its_url() {
        let refs = std::collections::HashMap::from([(
            "other.md".to_owned(),
            crate::text::shortcode::html::RefUrls {
                rel_permalink: "/other/".into(),
                permalink: "https://example.org/other/".into(),
            },
        )]);
        let empty = Map::new();
        let page = PageContext {
            params: &empty,
            site_params: &empty,
            refs: &refs,
            config: None,
            resources: &std::collections::HashMap::new(),
        };
        let t = to_json("[x]({{< relref \"other.md#a\" >}})", &page);
        assert_eq!(t["children"][0]["children"][0]["url"], "/other/#a");
    }
}
