//! Page bundle files over HTTP: a GET for a public article's URL plus one
//! of its resources' paths answers the file from the content folder, with
//! `Content-Type` (the stored media type), `ETag`, `Last-Modified`, Range
//! requests and conditional GETs (actix-files' `NamedFile`),
//! `Cache-Control`, and its article's (or section's) cache key. Anything else falls through to feeds and sitemaps.
//!
//! Only files the database knows as a public article's resources are
//! served, and only from inside the content folder: a path with `..`, `.`,
//! a backslash, a NUL or an encoded `/` is refused, and so is a file whose
//! real path (symlinks resolved) is not the one inside the folder.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use super::AppData;
use crate::query::articles::Visibility;
use crate::query::resources;
use crate::site::url::{go_url_reencode, path_unescape};

/// Serves the bundle file at the request's path, else the feed or sitemap
/// there (see [`super::feeds::handle`]), else `404`.
pub async fn handle(req: HttpRequest, data: web::Data<AppData>) -> HttpResponse {
    match serve(&req, &data).await {
        Some(response) => response,
        None => super::feeds::handle(req, data).await,
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type("text/plain").body("not found")
}

/// The file's response, `Some(404)` for a path refused outright, `None`
/// when no bundle file is at the path (it may be a feed's).
async fn serve(req: &HttpRequest, data: &AppData) -> Option<HttpResponse> {
    let root = data.settings.content_root.as_ref()?;
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    let raw = req.uri().path();
    // An encoded `/` or `\` would let a segment carry a separator.
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") {
        return Some(not_found());
    }
    let base = data.api.site.rel_permalink("/");
    let rest = raw
        .strip_prefix(base.trim_end_matches('/'))
        .filter(|r| r.starts_with('/'))?;
    let Some(decoded) = path_unescape(rest) else {
        return Some(not_found());
    };
    if !is_plain(&decoded) {
        return Some(not_found());
    }
    let candidates = splits(&decoded);
    if candidates.is_empty() {
        return None;
    }
    let vis = Visibility::public(chrono::Utc::now());
    let found = match resources::at_path(&data.api.db, vis, &candidates).await {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, path = %raw, "looking up a bundle file");
            return Some(
                HttpResponse::InternalServerError()
                    .content_type("text/plain")
                    .body("internal error"),
            );
        }
    };
    let resource = &found.resource;
    let Some(file) = inside(root, &found.source_path, &resource.path) else {
        tracing::warn!(path = %raw, "refused: the bundle file is not inside the content folder");
        return Some(not_found());
    };
    // Opening a file may block: off the async workers.
    let named = match web::block(move || NamedFile::open(file)).await {
        Ok(Ok(f)) => f,
        _ => return Some(not_found()),
    };
    let mut named = named
        .use_etag(true)
        .use_last_modified(true)
        // Served as a web server serves Hugo's output: no attachment prompt.
        .disable_content_disposition();
    if let Ok(mime) = resource.media_type.parse() {
        named = named.set_content_type(mime);
    }
    let mut response = named.into_response(req);
    let cache = format!("public, max-age={}", data.settings.cache_max_age);
    if let Ok(value) = header::HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    // The key of its article (or section): a CDN drops the file with it.
    let mut keys = crate::publish::keys::Keys::new();
    keys.insert(found.key.clone());
    for (name, value) in data.settings.cache_keys.of(&keys) {
        response.headers_mut().insert(name, value);
    }
    Some(response)
}

/// Whether a decoded request path is made of plain segments only: no `.`
/// or `..`, no empty segment inside it, no backslash or NUL.
fn is_plain(path: &str) -> bool {
    if path.contains(['\\', '\0']) {
        return false;
    }
    let inner = path.strip_prefix('/').unwrap_or(path);
    inner.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Every `(page path, file path)` the request path may be, the longest
/// page path first: `/a/b/c.png` is `/a/b/` + `c.png`, `/a/` + `b/c.png`
/// or `/` + `a/b/c.png`; each page path also as `uglyURLs` writes it
/// (`/a/b.html`, whose files are in `/a/b/`). The page path is re-encoded
/// as paths are stored.
fn splits(decoded: &str) -> Vec<(String, String)> {
    decoded
        .match_indices('/')
        .map(|(i, _)| (&decoded[..=i], &decoded[i + 1..]))
        .filter(|(_, file)| !file.is_empty())
        .rev()
        .filter_map(|(page, file)| Some((go_url_reencode(page).ok()?, file.to_owned())))
        .flat_map(|(page, file)| {
            let ugly = (page.len() > 1).then(|| (format!("{}.html", page.trim_end_matches('/')), file.clone()));
            std::iter::once((page, file)).chain(ugly)
        })
        .collect()
}

/// The bundle file's real path, when it is `root`/folder of
/// `source_path`/`file` with no symlink on the way and no step out.
fn inside(root: &Path, source_path: &str, file: &str) -> Option<PathBuf> {
    let folder = Path::new(source_path).parent().unwrap_or(Path::new(""));
    let rel = folder.join(file);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let root = root.canonicalize().ok()?;
    let real = root.join(&rel).canonicalize().ok()?;
    // Canonicalizing resolves symlinks: any on the way changes the path.
    (real == root.join(&rel) && std::fs::metadata(&real).ok()?.is_file()).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_pass() {
        assert!(is_plain("/post/a/cover.png"));
        assert!(!is_plain("/post/../etc/passwd"));
        assert!(!is_plain("/post/./a.png"));
        assert!(!is_plain("/post//a.png"));
        assert!(!is_plain("/post/a\\b.png"));
    }

    #[test]
    fn a_path_splits_into_page_and_file_longest_page_first() {
        let s = splits("/a/b/c.png");
        let s: Vec<(&str, &str)> = s.iter().map(|(p, f)| (p.as_str(), f.as_str())).collect();
        assert_eq!(
            s,
            [
                ("/a/b/", "c.png"),
                ("/a/b.html", "c.png"),
                ("/a/", "b/c.png"),
                ("/a.html", "b/c.png"),
                ("/", "a/b/c.png")
            ]
        );
    }
}
