//! Who a request is from, read from its headers: the admin or preview
//! token, and the client's address.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

use crate::graphql::Auth;

/// A bearer token that is neither the admin nor the preview token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bearer token is neither the admin nor the preview token")]
pub struct WrongToken;

/// Whether `given` is `expected` (a configured, non-empty token), compared
/// in constant time so the comparison leaks no prefix of the token.
fn is(given: &str, expected: Option<&str>) -> bool {
    expected
        .filter(|t| !t.is_empty())
        .is_some_and(|t| bool::from(given.as_bytes().ct_eq(t.as_bytes())))
}

/// The [`Auth`] of a request from its `Authorization: Bearer …`: the admin
/// token, the preview token, or nobody. When either token is configured, a
/// bearer token that is neither is refused ([`WrongToken`], whichever the
/// client meant), so a mistyped token never quietly reads the public site
/// or fails only at its first write. With no token configured the header
/// is not read, as before there were tokens; nor is any other scheme
/// (`Basic`, a proxy's).
pub fn auth(req: &HttpRequest, admin_token: Option<&str>, preview_token: Option<&str>) -> Result<Auth, WrongToken> {
    let configured = |t: Option<&str>| t.is_some_and(|t| !t.is_empty());
    let nobody = if configured(admin_token) {
        Auth::Anonymous
    } else {
        Auth::WritesDisabled
    };
    if !configured(admin_token) && !configured(preview_token) {
        return Ok(nobody);
    }
    let Some(given) = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")))
    else {
        return Ok(nobody);
    };
    let Some(given) = given else {
        // Another scheme (or a header that is not text) is not ours to judge.
        return Ok(nobody);
    };
    if is(given, admin_token) {
        Ok(Auth::Admin)
    } else if is(given, preview_token) {
        Ok(Auth::Preview)
    } else {
        Err(WrongToken)
    }
}

/// The client's address, for rate limiting: the peer, or behind a trusted
/// proxy (a CDN) the first address of `X-Forwarded-For`, since the peer is
/// then the proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    forwarded.unwrap_or_else(|| req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn with(value: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::AUTHORIZATION, value.to_owned()))
            .to_http_request()
    }

    #[test]
    fn only_the_configured_token_is_the_admin() {
        assert_eq!(auth(&with("Bearer s3cret"), Some("s3cret"), None), Ok(Auth::Admin));
        assert_eq!(auth(&with("Bearer s3cre"), Some("s3cret"), None), Err(WrongToken));
        assert_eq!(auth(&with("s3cret"), Some("s3cret"), None), Ok(Auth::Anonymous));
        assert_eq!(
            auth(&TestRequest::default().to_http_request(), Some("s3cret"), None),
            Ok(Auth::Anonymous)
        );
        assert_eq!(auth(&with("Bearer s3cret"), None, None), Ok(Auth::WritesDisabled));
        assert_eq!(auth(&with("Bearer "), Some(""), None), Ok(Auth::WritesDisabled));
    }

    #[test]
    fn the_preview_token_previews_and_a_wrong_one_is_refused() {
        let (admin, preview) = (Some("adm1n"), Some("pr3view"));
        assert_eq!(auth(&with("Bearer pr3view"), admin, preview), Ok(Auth::Preview));
        assert_eq!(auth(&with("Bearer adm1n"), admin, preview), Ok(Auth::Admin));
        assert_eq!(auth(&with("Bearer pr3vie"), admin, preview), Err(WrongToken));
        assert_eq!(auth(&with("Bearer "), admin, preview), Err(WrongToken));
        // Only a preview token: no writes, and a wrong token is still wrong.
        assert_eq!(auth(&with("Bearer pr3view"), None, preview), Ok(Auth::Preview));
        assert_eq!(auth(&with("Bearer adm1n"), None, preview), Err(WrongToken));
        assert_eq!(
            auth(&TestRequest::default().to_http_request(), None, preview),
            Ok(Auth::WritesDisabled)
        );
        assert_eq!(auth(&with("Basic dXNlcjpwYXNz"), admin, preview), Ok(Auth::Anonymous));
    }

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.1:80".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "203.0.113.7, 10.0.0.1"))
            .to_http_request();
        assert_eq!(client_ip(&req, true), IpAddr::from([203, 0, 113, 7]));
        assert_eq!(client_ip(&req, false), IpAddr::from([10, 0, 0, 1]));
    }
}
