//! The `Resource` and `Image` types: an article's page bundle files, at
//! the URLs Hugo publishes them at (the page's URL plus the file's path).

use std::collections::HashMap;

use async_graphql::{Context, Json, SimpleObject};
use serde_json::Value;

use super::super::context::{self, RequestContext};
use super::super::error::ApiError;
use super::super::loaders::{ResourcesOf, SectionResourcesOf};
use crate::query::resources::Resource as Row;
use crate::site::Site;

/// A file of an article's page bundle or a section's branch bundle (an
/// image, a PDF, …), as Hugo's `.Resources` lists it: named, titled and given params by the front
/// matter `resources` rules.
#[derive(SimpleObject, Clone)]
pub struct Resource {
    /// Hugo's `.Name`: the `name` of the first front matter `resources`
    /// rule whose `src` glob matches it and sets one (`:counter` replaced),
    /// else its path relative to the bundle (`images/sunset.png`).
    pub name: String,
    /// Hugo's `.Title`: the first matching rule's `title`, else its path.
    pub title: String,
    /// Its path relative to the bundle's folder (`images/sunset.png`).
    pub path: String,
    /// Its media type from its extension (Hugo's `.MediaType.Type`:
    /// `image/png`, `application/pdf`); `application/octet-stream` when unknown.
    pub media_type: String,
    /// Hugo's `.Permalink`: its page's URL plus its path, absolute when
    /// the baseURL has a host. `gazette serve` answers it with the file.
    pub url: String,
    /// Hugo's `.RelPermalink`: the same URL without scheme and host.
    pub rel_permalink: String,
    /// Its size in bytes.
    pub size: i64,
    /// An image's width in pixels, read from its header; null for other files.
    pub width: Option<i32>,
    /// An image's height in pixels, read from its header; null for other files.
    pub height: Option<i32>,
    /// The matching rules' `params` merged (the first rule to set a key
    /// wins; keys lower-cased); an empty object without.
    pub params: Json<Value>,
}

/// An article's image: its `thumbnail` resolved.
#[derive(SimpleObject, Clone)]
pub struct Image {
    /// The bundle file's URL when the thumbnail names one by a relative
    /// path (or resource name); else the thumbnail as written.
    pub url: String,
    /// The bundle image's width in pixels; null when the thumbnail names no bundle image.
    pub width: Option<i32>,
    /// The bundle image's height in pixels; null when the thumbnail names no bundle image.
    pub height: Option<i32>,
}

/// `path` with every byte but unreserved ones and `/` percent-encoded, as
/// a URL path must carry a file name (`my photo.png` → `my%20photo.png`).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The folder a page's bundle files are published in: the page's own path
/// when it ends in `/`; else (`uglyURLs`: `/post/x.html`) the path without
/// its extension (`/post/x/`), as hugo 0.111.3 publishes them.
pub fn files_base(page: &str) -> String {
    if page.ends_with('/') {
        return page.to_owned();
    }
    let (folder, name) = page.rsplit_once('/').unwrap_or(("", page));
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    format!("{folder}/{stem}/")
}

impl Resource {
    /// The resource `row` of the article at page path `page`.
    pub fn of(site: &Site, page: &str, row: &Row) -> Self {
        let path = format!("{}{}", files_base(page), encode_path(&row.path));
        Resource {
            name: row.name.clone(),
            title: row.title.clone(),
            path: row.path.clone(),
            media_type: row.media_type.clone(),
            url: site.permalink(&path),
            rel_permalink: site.rel_permalink(&path),
            size: row.size,
            width: row.width,
            height: row.height,
            params: Json(row.params.clone()),
        }
    }

    /// Whether it is of `media_type`: a full type (`image/png`) or a main
    /// type (`image`, as Hugo's `.Resources.ByType` matches), case-insensitively.
    pub fn is_of(&self, media_type: &str) -> bool {
        let wanted = media_type.trim();
        if wanted.contains('/') {
            self.media_type.eq_ignore_ascii_case(wanted)
        } else {
            self.media_type
                .split('/')
                .next()
                .is_some_and(|main| main.eq_ignore_ascii_case(wanted))
        }
    }
}

/// The resources of section `id` at page path `page` (batched by the loader).
pub async fn of_section(ctx: &Context<'_>, id: i32, page: &str) -> Result<Vec<Resource>, ApiError> {
    let rows = context::loaders(ctx)?
        .load_one(SectionResourcesOf(id))
        .await?
        .unwrap_or_default();
    let site = &RequestContext::of(ctx)?.site;
    Ok(rows.iter().map(|r| Resource::of(site, page, r)).collect())
}

/// Those of `all` of `media_type` (see [`Resource::is_of`]), or all.
pub fn of_type(all: Vec<Resource>, media_type: Option<&str>) -> Vec<Resource> {
    match media_type {
        Some(t) => all.into_iter().filter(|r| r.is_of(t)).collect(),
        None => all,
    }
}

/// The resources of article `id` at page path `page` (batched by the loader).
pub async fn of_article(ctx: &Context<'_>, id: i32, page: &str) -> Result<Vec<Resource>, ApiError> {
    let rows = context::loaders(ctx)?
        .load_one(ResourcesOf(id))
        .await?
        .unwrap_or_default();
    let site = &RequestContext::of(ctx)?.site;
    Ok(rows.iter().map(|r| Resource::of(site, page, r)).collect())
}

/// Each resource's path (what a relative link in a body calls it, `./`
/// aside), with its URL: see `PageContext::resources`.
pub fn links(resources: &[Resource]) -> HashMap<String, String> {
    resources.iter().map(|r| (r.path.clone(), r.url.clone())).collect()
}

/// Whether a URL is relative to its page: no scheme, not rooted, not a fragment.
pub fn is_relative(url: &str) -> bool {
    let scheme = url
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    !(url.is_empty() || scheme || url.starts_with('/') || url.starts_with('#') || url.starts_with('?'))
}

/// `thumbnail` resolved against `resources`: a relative path (or a
/// resource's name) naming one gives its URL and size.
pub fn image(thumbnail: Option<&str>, resources: &[Resource]) -> Option<Image> {
    let thumbnail = thumbnail?;
    let found = is_relative(thumbnail)
        .then(|| {
            let rel = thumbnail.strip_prefix("./").unwrap_or(thumbnail);
            resources
                .iter()
                .find(|r| r.path == rel)
                .or_else(|| resources.iter().find(|r| r.name == rel))
        })
        .flatten();
    Some(match found {
        Some(r) => Image {
            url: r.url.clone(),
            width: r.width,
            height: r.height,
        },
        None => Image {
            url: thumbnail.to_owned(),
            width: None,
            height: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_are_told_from_absolute_ones() {
        assert!(is_relative("images/a.png"));
        assert!(is_relative("./a.png"));
        assert!(!is_relative("/images/a.png"));
        assert!(!is_relative("https://example.org/a.png"));
        assert!(!is_relative("data:image/png;base64,AA"));
        assert!(!is_relative("#top"));
    }

    #[test]
    fn files_sit_in_the_pages_folder() {
        assert_eq!(files_base("/post/x/"), "/post/x/");
        assert_eq!(files_base("/post/x.html"), "/post/x/");
        assert_eq!(files_base("/"), "/");
    }

    #[test]
    fn paths_are_encoded_for_urls() {
        assert_eq!(encode_path("images/my photo.png"), "images/my%20photo.png");
        assert_eq!(encode_path("a%b.pdf"), "a%25b.pdf");
    }
}
