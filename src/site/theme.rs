//! Display options resolved as the Mainroad theme resolves them: a page's
//! front matter value, else the site's `params`, else the theme's default.
//! Each rule names the Mainroad template it follows (github.com/vimux/mainroad,
//! `layouts/partials/`, at the commit given); Hugo's template functions
//! behave as in hugo 0.111: `.Param "k"` is the page's `k` unless it is
//! null, else `.Site.Params.k` (resources/resource/params.go), and
//! `default D V` is `V` when it is "set" (any boolean, a non-empty string,
//! list or map, a non-zero number), else `D` (tpl/compare/compare.go).

use serde_json::{Map, Value};

use crate::store::Display;

/// Where and what a Mainroad page shows, every option resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDisplay {
    /// `left` or `right`; `None` when no sidebar is shown.
    pub sidebar: Option<String>,
    /// The sidebar's widgets in order.
    pub widgets: Vec<String>,
    pub authorbox: bool,
    pub pager: bool,
    pub toc: bool,
    pub mathjax: bool,
    /// Whether the comments section is on (the page's `comments`, default on).
    pub comments: bool,
    /// Post meta fields in order (`author`, `date`, `categories`, `translations`).
    pub post_meta: Vec<String>,
    /// Where the thumbnail is shown (`list`, `post`).
    pub thumbnail_visibility: Vec<String>,
}

/// Go template truth: false, 0, null and empty strings, lists and maps are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Hugo's `default`: whether `v` counts as set.
fn set(v: &Value) -> bool {
    match v {
        Value::Bool(_) => true,
        other => truthy(other),
    }
}

/// A params key, case-insensitively (Hugo lower-cases params keys).
fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        .filter(|v| !v.is_null())
}

/// `a.b` in `params`.
fn nested<'a>(params: &'a Map<String, Value>, a: &str, b: &str) -> Option<&'a Value> {
    get(params, a).and_then(Value::as_object).and_then(|m| get(m, b))
}

fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Value::String(s) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// `.Param key` of a page whose front matter gave `page` (None: not given).
fn param(page: Option<bool>, params: &Map<String, Value>, key: &str) -> bool {
    match page {
        Some(b) => b,
        None => get(params, key).is_some_and(truthy),
    }
}

/// The options of a regular page (Mainroad's `single` layout) with front
/// matter `display` (and `front_matter`, for the keys `Display` does not
/// model) on a site with `params` (the page's language's).
pub fn resolve(display: &Display, front_matter: &Map<String, Value>, params: &Map<String, Value>) -> ResolvedDisplay {
    // sidebar.html (c96b4840): `default .Site.Params.sidebar.single
    // .Params.sidebar`; shown when truthy, on the left when "left".
    let page_sidebar = display.sidebar.as_deref().filter(|s| !s.is_empty()).map(|s| {
        if s == "false" {
            Value::Bool(false)
        } else {
            Value::String(s.to_owned())
        }
    });
    let sidebar = match page_sidebar {
        Some(v) => v,
        None => nested(params, "sidebar", "single").cloned().unwrap_or(Value::Null),
    };
    let sidebar = truthy(&sidebar).then(|| {
        if sidebar.as_str() == Some("left") {
            "left".to_owned()
        } else {
            "right".to_owned()
        }
    });
    // sidebar.html (c96b4840): `default .Site.Params.sidebar.widgets .Params.widgets`.
    let widgets = if display.widgets.is_empty() {
        nested(params, "sidebar", "widgets").map(texts).unwrap_or_default()
    } else {
        display.widgets.clone()
    };
    // post_meta.html (f117d42c): `.Param "post_meta"`.
    let post_meta = match get(front_matter, "post_meta") {
        Some(v) => texts(v),
        None => get(params, "post_meta").map(texts).unwrap_or_default(),
    };
    // post_thumbnail.html (c428434c): `.Site.Params.thumbnail.visibility |
    // default (slice "list" "post")`, a thumbnail map's `visibility` first.
    let site_visibility = nested(params, "thumbnail", "visibility").filter(|v| set(v)).map(texts);
    let thumbnail_visibility = display
        .thumbnail_visibility
        .clone()
        .filter(|v| !v.is_empty())
        .or(site_visibility)
        .unwrap_or_else(|| vec!["list".to_owned(), "post".to_owned()]);
    ResolvedDisplay {
        sidebar,
        widgets,
        // authorbox.html reads `.Param "authorbox"` in the Mainroad whose
        // docs (exampleSite/content/docs/customization.md, f117d42c) turn it
        // off per page; pager.html (f117d42c) and post_toc.html (bbea1fbc)
        // read `.Param "pager"` and `.Param "toc"`.
        authorbox: param(display.authorbox, params, "authorbox"),
        pager: param(display.pager, params, "pager"),
        toc: param(display.toc, params, "toc"),
        // mathjax.html (10a03621): `and .IsPage (eq (.Param "mathjax") true)`.
        mathjax: match get(front_matter, "mathjax") {
            Some(v) => *v == Value::Bool(true),
            None => get(params, "mathjax") == Some(&Value::Bool(true)),
        },
        // comments.html (4c541170): `index .Params "comments" | default "true"`.
        comments: display.comments.unwrap_or(true),
        post_meta,
        thumbnail_visibility,
    }
}
