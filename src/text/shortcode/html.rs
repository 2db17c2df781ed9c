//! The built-in shortcodes' HTML, as Hugo 0.111.3's embedded templates
//! (`tpl/tplimpl/embedded/templates/shortcodes/`) print it, with the
//! escaping Go's `html/template` applies; and the element an unknown
//! shortcode becomes.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{highlight, value_text, Params, Shortcode};

/// Hugo's `refLinksNotFoundURL` default: what a `ref` to no page gives
/// (the site's setting wins).
pub const REF_NOT_FOUND: &str = "#ZgotmplZ";

/// Where a `ref`/`relref` target lives: Hugo's `.RelPermalink` and `.Permalink`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUrls {
    pub rel_permalink: String,
    pub permalink: String,
}

/// What a page's shortcodes may read of it.
#[derive(Debug, Clone, Copy)]
pub struct PageContext<'a> {
    /// The page's front matter (keys lower-cased), for `param`.
    pub params: &'a Map<String, Value>,
    /// The site's `[params]`, where `param` falls back to.
    pub site_params: &'a Map<String, Value>,
    /// Each `ref`/`relref` target path (without `#fragment`) found, resolved.
    pub refs: &'a HashMap<String, RefUrls>,
    /// The site's config (keys lower-cased), for the settings Hugo's
    /// templates read: `privacy.*` and `refLinksNotFoundURL`.
    pub config: Option<&'a Value>,
    /// The page bundle's files by the relative paths a link may give them
    /// (`images/a.png`), each with its URL: a body's relative image and
    /// link destinations naming one point at it.
    pub resources: &'a HashMap<String, String>,
}

impl PageContext<'_> {
    /// `dest` resolved to a bundle file's URL when it is a relative
    /// reference to one (`images/a.png`, `./guide.pdf#page=2`), else as written.
    pub fn resource_url<'d>(&self, dest: &'d str) -> std::borrow::Cow<'d, str> {
        if self.resources.is_empty() {
            return dest.into();
        }
        let cut = dest.find(['?', '#']).unwrap_or(dest.len());
        let (path, rest) = dest.split_at(cut);
        let path = path.strip_prefix("./").unwrap_or(path);
        match self.resources.get(path) {
            Some(url) => format!("{url}{rest}").into(),
            None => dest.into(),
        }
    }
}

static EMPTY_MAP: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
static EMPTY_REFS: std::sync::LazyLock<HashMap<String, RefUrls>> = std::sync::LazyLock::new(HashMap::new);
static EMPTY_RESOURCES: std::sync::LazyLock<HashMap<String, String>> = std::sync::LazyLock::new(HashMap::new);

impl PageContext<'static> {
    /// A page with no params and no resolvable references.
    pub fn empty() -> Self {
        PageContext {
            params: &EMPTY_MAP,
            site_params: &EMPTY_MAP,
            refs: &EMPTY_REFS,
            config: None,
            resources: &EMPTY_RESOURCES,
        }
    }
}

impl PageContext<'_> {
    /// A site setting by its lower-cased dotted path (`privacy.youtube.disable`).
    fn setting(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self.config?, |v, key| v.get(key))
    }

    /// A boolean site setting, false when not set.
    fn flag(&self, path: &str) -> bool {
        matches!(self.setting(path), Some(Value::Bool(true)))
    }

    /// Hugo's `.Page.Param`: the page's param (a dotted key reaches into
    /// maps, keys compared case-insensitively), else the site's.
    pub fn param(&self, key: &str) -> Option<&Value> {
        let key = key.to_lowercase();
        lookup(self.params, &key)
            .filter(|v| !v.is_null())
            .or_else(|| lookup(self.site_params, &key).filter(|v| !v.is_null()))
    }
}

fn lookup<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    let mut parts = key.split('.');
    let first = parts.next()?;
    let mut value = find_key(map, first)?;
    for part in parts {
        value = find_key(value.as_object()?, part)?;
    }
    Some(value)
}

fn find_key<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    map.get(key)
        .or_else(|| map.iter().find(|(k, _)| k.to_lowercase() == key).map(|(_, v)| v))
}

/// How a shortcode's markdown is rendered: the page's own renderer, so
/// inner content and captions follow the same rules as the body.
pub trait Markdown {
    /// Markdown to HTML, block level.
    fn block(&self, markdown: &str) -> String;
    /// Hugo's `markdownify`: markdown to HTML, a lone paragraph unwrapped.
    fn inline(&self, markdown: &str) -> String {
        let html = self.block(markdown);
        let trimmed = html.trim_end();
        match trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
            Some(inner) if !inner.contains("<p>") => inner.to_owned(),
            _ => html,
        }
    }
}

/// Go `html/template`'s escaping of text and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '+' => out.push_str("&#43;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go `html/template`'s treatment of a value that starts a URL attribute:
/// a scheme other than http, https or mailto is refused (`#ZgotmplZ`),
/// characters a URL may not hold are percent-encoded, then it is escaped.
pub fn escape_url(s: &str) -> String {
    if let Some((scheme, _)) = s.split_once(':') {
        // Go's rule: a `:` before any `/` ends a scheme.
        let is_scheme = !scheme.contains('/');
        if is_scheme && !["http", "https", "mailto"].contains(&scheme.to_ascii_lowercase().as_str()) {
            return "#ZgotmplZ".to_owned();
        }
    }
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' | b'[' | b']'
            | b'%' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b if b.is_ascii_alphanumeric() => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    escape(&out)
}

/// A value inside a URL after its start (a path segment): everything but
/// unreserved characters percent-encoded.
fn escape_url_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            b if b.is_ascii_alphanumeric() => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Hugo's `plainify`: the tags taken out, entities left as they are.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// HTML's text with entities decoded (`&amp;` → `&`), for plain text.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A value a template tests with `if`/`with`: set and not empty or false.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Bool(true)) => true,
    }
}

/// The HTML a shortcode stands for. `inner_html` is its inner content
/// already rendered (nested shortcodes included), for the shortcodes whose
/// templates print `.Inner`.
pub fn render(sc: &Shortcode, page: &PageContext<'_>, md: &dyn Markdown, inner_html: &dyn Fn() -> String) -> String {
    let p = &sc.params;
    match sc.name.as_str() {
        "figure" => figure(p, md, page),
        "youtube" if page.flag("privacy.youtube.disable") => String::new(),
        "youtube" => youtube(p, page.flag("privacy.youtube.privacyenhanced")),
        "vimeo" if page.flag("privacy.vimeo.disable") => String::new(),
        "vimeo" => vimeo(p, page.flag("privacy.vimeo.enablednt")),
        "tweet" | "twitter" if page.flag("privacy.twitter.disable") => String::new(),
        "x" if page.flag("privacy.x.disable") => String::new(),
        "tweet" | "twitter" => {
            let (user, id) = match p {
                Params::Named(_) => (p.text("user"), p.text("id")),
                Params::Positional(list) if list.len() == 1 => ("x".to_owned(), p.text_at(0)),
                Params::Positional(_) => (p.text_at(0), p.text_at(1)),
            };
            tweet(&format!("https://twitter.com/{user}/status/{id}"))
        }
        "x" => tweet(&format!("https://x.com/{}/status/{}", p.text("user"), p.text("id"))),
        "param" => page
            .param(&p.text_at(0))
            .map(|v| escape(&value_text(v)))
            .unwrap_or_default(),
        "ref" | "relref" => escape(&ref_url(page, &ref_target(p), sc.name == "relref")),
        "highlight" => highlight::render(&deindent(&sc.inner_source), &p.text_at(0), &p.text_at(1)),
        "details" => details(p, md, &inner_markdown_html(sc, md, inner_html)),
        _ => custom(sc, inner_html),
    }
}

/// The target a `ref`/`relref` names: its first param, or its `path`.
pub fn ref_target(p: &Params) -> String {
    or_at(p, "path", 0)
}

/// The URL `ref` (`relative` false) or `relref` gives for `target`.
pub fn ref_url(page: &PageContext<'_>, target: &str, relative: bool) -> String {
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let mut url = if path.is_empty() {
        String::new()
    } else {
        match page.refs.get(path) {
            Some(found) if relative => found.rel_permalink.clone(),
            Some(found) => found.permalink.clone(),
            None => {
                return match page.setting("reflinksnotfoundurl") {
                    Some(Value::String(url)) => url.clone(),
                    _ => REF_NOT_FOUND.to_owned(),
                }
            }
        }
    };
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

fn inner_markdown_html(sc: &Shortcode, md: &dyn Markdown, inner_html: &dyn Fn() -> String) -> String {
    // `details` renders its inner content as markdown whichever delimiter called it.
    if sc.markdown {
        inner_html()
    } else {
        md.block(&sc.inner_source)
    }
}

/// Hugo's `.InnerDeindent`: the inner content without the indentation
/// common to its lines, and without the line breaks around it.
pub fn deindent(inner: &str) -> String {
    let lines: Vec<&str> = inner.split('\n').collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let out: Vec<&str> = lines
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    out.join("\n").trim_matches(['\n', '\r']).to_owned()
}

/// Hugo's figure. A relative `src` or `link` naming a bundle file points at
/// the file's URL, as the body's own relative images do (Hugo leaves them
/// relative to the page, which a frontend elsewhere cannot resolve).
fn figure(p: &Params, md: &dyn Markdown, page: &PageContext<'_>) -> String {
    let has = |k: &str| truthy(p.get(k));
    let mut out = String::from("<figure");
    if has("class") {
        out.push_str(&format!(" class=\"{}\"", escape(&p.text("class"))));
    }
    out.push('>');
    if has("link") {
        out.push_str(&format!(
            "<a href=\"{}\"",
            escape_url(&page.resource_url(&p.text("link")))
        ));
        if has("target") {
            out.push_str(&format!(" target=\"{}\"", escape(&p.text("target"))));
        }
        if has("rel") {
            out.push_str(&format!(" rel=\"{}\"", escape(&p.text("rel"))));
        }
        out.push('>');
    }
    out.push_str(&format!(
        "<img src=\"{}\"",
        escape_url(&page.resource_url(&p.text("src")))
    ));
    if has("alt") || has("caption") {
        let alt = if has("alt") {
            p.text("alt")
        } else {
            // `markdownify | plainify`: tags dropped, entities kept (so
            // they are escaped once more, as Hugo's output shows).
            strip_tags(&md.inline(&p.text("caption")))
        };
        out.push_str(&format!("\n         alt=\"{}\"", escape(&alt)));
    }
    for key in ["width", "height"] {
        if has(key) {
            out.push_str(&format!(" {key}=\"{}\"", escape(&p.text(key))));
        }
    }
    out.push_str("/>");
    if has("link") {
        out.push_str("</a>");
    }
    if has("title") || has("caption") || has("attr") {
        out.push_str("<figcaption>\n            ");
        if has("title") {
            out.push_str(&format!("<h4>{}</h4>", escape(&p.text("title"))));
        }
        if has("caption") || has("attr") {
            out.push_str("<p>");
            out.push_str(&md.inline(&p.text("caption")));
            if has("attrlink") {
                out.push_str(&format!(
                    "\n                    <a href=\"{}\">",
                    escape_url(&p.text("attrlink"))
                ));
            }
            out.push_str(&md.inline(&p.text("attr")));
            if has("attrlink") {
                out.push_str("</a>");
            }
            out.push_str("</p>");
        }
        out.push_str("\n        </figcaption>");
    }
    out.push_str("\n</figure>\n");
    out
}

const WRAPPER_STYLE: &str = "position: relative; padding-bottom: 56.25%; height: 0; overflow: hidden;";
const FRAME_STYLE: &str = "position: absolute; top: 0; left: 0; width: 100%; height: 100%; border:0;";

fn or_at(p: &Params, key: &str, index: usize) -> String {
    match p.get(key) {
        Some(v) if truthy(Some(v)) => value_text(v),
        _ => p.text_at(index),
    }
}

fn youtube(p: &Params, privacy_enhanced: bool) -> String {
    let id = or_at(p, "id", 0);
    let class = or_at(p, "class", 1);
    let title = match p.get("title") {
        Some(v) if truthy(Some(v)) => value_text(v),
        _ => "YouTube Video".to_owned(),
    };
    let autoplay = match p.get("autoplay") {
        Some(Value::String(s)) if s == "true" => "?autoplay=1",
        Some(Value::Bool(true)) => "?autoplay=1",
        _ => "",
    };
    let host = if privacy_enhanced {
        "www.youtube-nocookie.com"
    } else {
        "www.youtube.com"
    };
    let wrapper = if class.is_empty() {
        format!("style=\"{WRAPPER_STYLE}\"")
    } else {
        format!("class=\"{}\"", escape(&class))
    };
    let frame = if class.is_empty() {
        format!("style=\"{FRAME_STYLE}\" ")
    } else {
        String::new()
    };
    format!(
        "\n<div {wrapper}>\n  <iframe src=\"https://{host}/embed/{}{autoplay}\" {frame}allowfullscreen title=\"{}\"></iframe>\n</div>\n",
        escape_url_part(&id),
        escape(&title)
    )
}

fn vimeo(p: &Params, dnt: bool) -> String {
    let dnt = if dnt { "?dnt=1" } else { "" };
    match p {
        Params::Named(_) => {
            let class = p.text("class");
            let wrapper = if class.is_empty() {
                format!("style=\"{WRAPPER_STYLE}\"")
            } else {
                format!("class=\"{}\"", escape(&class))
            };
            let frame = if class.is_empty() {
                format!("style=\"{FRAME_STYLE}\" ")
            } else {
                String::new()
            };
            let title = match p.text("title") {
                t if t.is_empty() => "vimeo video".to_owned(),
                t => t,
            };
            format!(
                "<div {wrapper}>\n  <iframe src=\"https://player.vimeo.com/video/{}{dnt}\" {frame}title=\"{}\" webkitallowfullscreen mozallowfullscreen allowfullscreen></iframe>\n</div>",
                escape_url_part(&p.text("id")),
                escape(&title)
            )
        }
        Params::Positional(list) => {
            let wrapper = if list.len() > 1 {
                format!("class=\"{}\"", escape(&p.text_at(1)))
            } else {
                format!("style=\"{WRAPPER_STYLE}\"")
            };
            let frame = if list.len() == 1 {
                format!("style=\"{FRAME_STYLE}\" ")
            } else {
                String::new()
            };
            let title = if list.len() == 3 {
                p.text_at(2)
            } else {
                "vimeo video".to_owned()
            };
            format!(
                "\n<div {wrapper}>\n  <iframe src=\"https://player.vimeo.com/video/{}{dnt}\" {frame}title=\"{}\" webkitallowfullscreen mozallowfullscreen allowfullscreen></iframe>\n</div>\n",
                escape_url_part(&p.text_at(0)),
                escape(&title)
            )
        }
    }
}

/// A tweet as the blockquote Twitter's widget script turns into the
/// embed, holding a link to the tweet: Hugo fetches the embed's HTML from
/// Twitter at build time, which a server answering queries must not do.
fn tweet(url: &str) -> String {
    let url = escape_url(url);
    format!("<blockquote class=\"twitter-tweet\"><a href=\"{url}\">{url}</a></blockquote>\n")
}

/// `details`, as Hugo 0.140's template (0.111 has none): a `<details>`
/// element with its summary and inner content rendered as markdown.
fn details(p: &Params, md: &dyn Markdown, inner: &str) -> String {
    let mut out = String::from("<details");
    for key in ["class", "name"] {
        let v = p.text(key);
        if !v.is_empty() {
            out.push_str(&format!(" {key}=\"{}\"", escape(&v)));
        }
    }
    let open = matches!(p.get("open"), Some(Value::Bool(true)))
        || matches!(p.get("open"), Some(Value::String(s)) if s == "true")
        || p.get("open").and_then(Value::as_i64) == Some(1);
    if open {
        out.push_str(" open");
    }
    let title = p.text("title");
    if !title.is_empty() {
        out.push_str(&format!(" title=\"{}\"", escape(&title)));
    }
    let summary = match p.text("summary") {
        s if s.is_empty() => "Details".to_owned(),
        s => s,
    };
    out.push_str(&format!(
        ">\n\t<summary>{}</summary>\n\t{}</details>\n",
        md.inline(&summary),
        inner.trim_end_matches('\n').to_owned() + "\n"
    ));
    out
}

/// An unknown shortcode: an element a frontend can hydrate, with its name
/// and params (JSON, escaped for a single-quoted attribute) and its inner
/// content rendered.
fn custom(sc: &Shortcode, inner_html: &dyn Fn() -> String) -> String {
    let params = sc.params.to_json().to_string();
    let mut attr = String::with_capacity(params.len());
    for c in params.chars() {
        match c {
            '&' => attr.push_str("&amp;"),
            '\'' => attr.push_str("&#39;"),
            '<' => attr.push_str("&lt;"),
            '>' => attr.push_str("&gt;"),
            c => attr.push(c),
        }
    }
    let inner = if sc.inner.is_some() {
        inner_html()
    } else {
        String::new()
    };
    format!(
        "<gazette-shortcode name=\"{}\" data-params='{attr}'>{inner}</gazette-shortcode>",
        escape(&sc.name)
    )
}
