//! Feeds and sitemaps over HTTP: any GET that [`crate::publish`] knows a
//! document for (below the baseURL's path), with the caching headers of
//! GraphQL GETs plus `Last-Modified` and their cache keys; `/robots.txt`
//! at the root.

use actix_web::http::header;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use super::response::cacheable;
use super::AppData;
use crate::publish;

/// Serves the feed or sitemap at the request's path, else `404`.
pub async fn handle(req: HttpRequest, data: web::Data<AppData>) -> HttpResponse {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return HttpResponse::NotFound().finish();
    }
    let site = &data.api.site;
    // Below the baseURL's path only: `/news/index.xml` on a site at `/news/`.
    let raw = req.path();
    let base = site.rel_permalink("/");
    let Some(path) = raw
        .strip_prefix(base.trim_end_matches('/'))
        .filter(|rest| rest.starts_with('/'))
        .and_then(|_| site.request_path(raw))
    else {
        return HttpResponse::NotFound().finish();
    };
    let site = site.with_origin(&origin(&req));
    let now = chrono::Utc::now();
    match publish::publish(&data.api.db, &site, &data.settings.publish, &path, now).await {
        Ok(Some(doc)) => {
            let mut http = HttpResponse::Ok();
            http.content_type(doc.content_type)
                .insert_header((header::VARY, "Accept-Encoding"));
            let key_headers = data.settings.cache_keys.of(&doc.keys);
            cacheable(
                &req,
                http,
                doc.body,
                data.settings.cache_max_age,
                doc.last_modified,
                key_headers,
            )
        }
        Ok(None) => HttpResponse::NotFound().content_type("text/plain").body("not found"),
        Err(e) => {
            tracing::error!(error = %e, path = %raw, "publishing failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain")
                .body("internal error")
        }
    }
}

/// The request's scheme and host (`Host`, or the address it came to),
/// for absolute URLs on a site whose baseURL has no host.
fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `/robots.txt`, naming the sitemaps by absolute URL.
pub async fn robots(req: HttpRequest, data: web::Data<AppData>) -> HttpResponse {
    let mut http = HttpResponse::Ok();
    http.content_type("text/plain; charset=utf-8");
    let body = publish::robots(&data.api.site.with_origin(&origin(&req)));
    // Nothing it shows changes with the content: no keys to purge it by.
    cacheable(&req, http, body, data.settings.cache_max_age, None, Vec::new())
}
