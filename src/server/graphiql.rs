//! GraphiQL at `/`, with its assets compiled into the binary (no CDN) and a
//! default document of named example operations.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// The example operations a newcomer sees first.
pub const DEFAULT_DOCUMENT: &str = include_str!("../../assets/graphiql/default.graphql");

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// Static files by name: (bytes, content type).
fn asset(name: &str) -> Option<(&'static [u8], &'static str)> {
    Some(match name {
        "graphiql.min.js" => (
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
            "application/javascript",
        ),
        "graphiql.min.css" => (include_bytes!("../../assets/graphiql/graphiql.min.css"), "text/css"),
        "react.production.min.js" => (
            include_bytes!("../../assets/graphiql/react.production.min.js"),
            "application/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
            "application/javascript",
        ),
        _ => return None,
    })
}

/// The page, with the default document as a JavaScript string literal.
pub fn page() -> String {
    let literal = serde_json::to_string(DEFAULT_DOCUMENT).unwrap_or_else(|_| "\"\"".into());
    // `</` would close the script element; JSON allows it escaped.
    PAGE.replace("DEFAULT_DOCUMENT", &literal.replace("</", "<\\/"))
}

pub async fn index() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page())
}

pub async fn file(name: web::Path<String>) -> HttpResponse {
    match asset(&name) {
        Some((bytes, content_type)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(bytes),
        None => HttpResponse::NotFound().finish(),
    }
}
